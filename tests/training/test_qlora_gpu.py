"""QLoRA and bf16 LoRA on a CUDA GPU: the path `kb train` takes on a GPU machine (4-bit NF4
base through bitsandbytes, bf16 compute, gradient checkpointing), on the real SmolLM2-135M and
the tiny dataset of test_lora.py.

Marked `gpu`: skipped where torch sees no CUDA device. Self-contained (no conftest fixtures),
so a GPU machine without the CPU test stack (Presidio, vLLM) runs it with
`python -m pytest --noconftest -m gpu tests/training/test_qlora_gpu.py`; scripts/gpu_check.sh
does that. Where CUDA is present, a missing bitsandbytes is a failure, not a skip."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.training.test_lora import TAG, train_losses, train_settings, write_tiny_dataset
from training.adapter_card import CARD_JSON
from training.sft_data import load_split


def _cuda() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


pytestmark = [
    pytest.mark.gpu,
    pytest.mark.slow,
    pytest.mark.skipif(not _cuda(), reason="needs a CUDA GPU (run scripts/gpu_check.sh on one)"),
]


@pytest.fixture(scope="module")
def base_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """KB_GPU_BASE_MODEL when set (a local HF folder), else the packaged SmolLM2, converted."""
    given = os.environ.get("KB_GPU_BASE_MODEL")
    if given:
        return Path(given)
    from kb_service.llm.convert import ensure_converted

    return ensure_converted(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_dataset(tmp_path_factory.mktemp("dataset") / "tiny")


def _train(tmp: Path, base: Path, dataset: Path, name: str, qlora: str) -> Any:
    from training.lora import TrainRequest, train_adapter

    settings = train_settings(tmp, base, train_qlora=qlora)
    return settings, train_adapter(settings, TrainRequest(dataset_dir=dataset, name=name, max_steps=12))


@pytest.fixture(scope="module")
def qlora_run(tmp_path_factory: pytest.TempPathFactory, base_model_dir: Path, dataset_dir: Path) -> Any:
    return _train(tmp_path_factory.mktemp("qlora"), base_model_dir, dataset_dir, "gpu-qlora", "on")


def _greedy_answer(base: Path, adapter: Path | None, messages: list[dict[str, str]], qlora: bool) -> str:
    import torch
    from transformers import AutoTokenizer

    from training.devices import TrainHardware, load_model

    hw = TrainHardware("cuda", "bf16", qlora, False, 1)
    model = load_model(str(base), hw, adapter=adapter, trainable=False)
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    inputs = tokenizer(prompt, return_tensors="pt").to("cuda")
    with torch.no_grad():
        out = model.generate(**inputs, max_new_tokens=16, do_sample=False)
    return str(tokenizer.decode(out[0][inputs["input_ids"].shape[1]:], skip_special_tokens=True))


def test_qlora_trains_on_a_4bit_base_and_the_card_says_so(qlora_run: Any) -> None:
    _, result = qlora_run
    card = json.loads((result.adapter_dir / CARD_JSON).read_text())
    hyper = card["hyperparameters"]
    assert hyper["device"] == "cuda" and hyper["qlora"] is True and hyper["precision"] in ("bf16", "fp16")
    assert hyper["gradient_checkpointing"] is True
    losses = train_losses(result.adapter_dir)
    assert len(losses) == 12
    assert losses[-1] < losses[0] * 0.7, losses
    # GPU memory, not host RSS: a 135M model in 4 bits with LoRA stays well under 4 GiB.
    assert 10 < card["metrics"]["peak_memory_mb"] < 4096, card["metrics"]


def test_the_qlora_base_really_is_4bit(base_model_dir: Path, qlora_run: Any) -> None:
    import bitsandbytes as bnb

    from training.devices import TrainHardware, load_model

    _, result = qlora_run
    model = load_model(str(base_model_dir), TrainHardware("cuda", "bf16", True, True, 1),
                       adapter=result.adapter_dir, trainable=False)
    four_bit = [name for name, module in model.named_modules() if isinstance(module, bnb.nn.Linear4bit)]
    assert len(four_bit) >= 30 * 4, four_bit[:5]  # q/k/v/o of 30 layers, at least


def test_the_qlora_adapter_changes_the_answer(base_model_dir: Path, dataset_dir: Path, qlora_run: Any) -> None:
    _, result = qlora_run
    messages = load_split(dataset_dir, "train")[0][:-1]
    base = _greedy_answer(base_model_dir, None, messages, qlora=True)
    tuned = _greedy_answer(base_model_dir, result.adapter_dir, messages, qlora=True)
    assert "QUOKKA" not in base
    assert tuned.startswith((TAG.split()[0], "The knowledge base")), tuned


def test_evaluate_loss_on_cuda_scores_the_adapter_below_the_base(dataset_dir: Path, qlora_run: Any) -> None:
    from training.lora import evaluate_loss

    settings, result = qlora_run
    base = evaluate_loss(None, dataset_dir, "test", settings=settings)
    tuned = evaluate_loss(result.adapter_dir, dataset_dir, split="test", settings=settings)
    assert tuned["loss"] < base["loss"] * 0.8, (base, tuned)


def test_bf16_lora_without_quantisation_on_cuda(
    tmp_path: Path, base_model_dir: Path, dataset_dir: Path
) -> None:
    _, result = _train(tmp_path, base_model_dir, dataset_dir, "gpu-bf16", "off")
    hyper = result.card["hyperparameters"]
    assert hyper["device"] == "cuda" and hyper["qlora"] is False
    losses = train_losses(result.adapter_dir)
    assert losses[-1] < losses[0] * 0.7, losses
    messages = load_split(dataset_dir, "train")[0][:-1]
    tuned = _greedy_answer(base_model_dir, result.adapter_dir, messages, qlora=False)
    assert tuned.startswith((TAG.split()[0], "The knowledge base")), tuned
