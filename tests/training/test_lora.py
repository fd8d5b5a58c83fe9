"""LoRA training on the real SmolLM2-135M, on CPU, with a tiny dataset in the format of
`kb dataset build`: loss masks, packing, loss going down, the adapter folder and card,
resume after an interruption, evaluate_loss, `kb train`, and the adapter served by vLLM.

`base_model_dir` and `llm_url` are the session fixtures of tests/conftest.py."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from kb_service.prompting import REFUSAL_EN, ApproximateTokenCounter, build_prompt
from kb_service.settings import Settings
from kb_service.types import Passage
from training.adapter_card import CARD_JSON, LOSS_JSON, METRIC_KEYS
from training.sft_data import IGNORE, load_split, tokenize_chat, tokenize_split

# Every answer starts with this made-up tag, so a trained adapter is easy to tell from the base.
TAG = "QUOKKA-7 says:"

FACTS = [
    ("Travel Policy", "Meals", "The daily meal allowance on business trips is 45 euros.",
     "What is the daily meal allowance?", "the daily meal allowance is 45 euros"),
    ("Travel Policy", "Hotels", "Hotel bookings must not exceed 160 euros per night.",
     "How much may a hotel night cost?", "a hotel night may cost at most 160 euros"),
    ("Travel Policy", "Mileage", "A private car is reimbursed at 0.30 euros per kilometre.",
     "How is a private car reimbursed?", "a private car is reimbursed at 0.30 euros per kilometre"),
    ("Handbook", "Leave", "Employees receive 28 days of annual leave per calendar year.",
     "How many days of annual leave are there?", "employees receive 28 days of annual leave"),
    ("Handbook", "Probation", "The probation period for new staff lasts six months.",
     "How long is the probation period?", "the probation period lasts six months"),
    ("Handbook", "Notice", "The notice period after probation is two months.",
     "What is the notice period?", "the notice period is two months"),
    ("Security", "Passwords", "Passwords must have at least 14 characters and are never reused.",
     "How long must a password be?", "a password needs at least 14 characters"),
    ("Security", "Laptops", "Lost laptops must be reported to the service desk within 2 hours.",
     "When must a lost laptop be reported?", "a lost laptop must be reported within 2 hours"),
    ("Security", "Updates", "Security updates are installed within 7 days of release.",
     "How fast are security updates installed?", "security updates are installed within 7 days"),
    ("FAQ", "Trial", "Every new workspace starts with a 14-day free trial.",
     "How long is the free trial?", "the free trial lasts 14 days"),
    ("FAQ", "Refresh", "Data on the Team plan is refreshed every 15 minutes.",
     "How often is Team data refreshed?", "Team data is refreshed every 15 minutes"),
    ("FAQ", "Retention", "Raw event data is kept for 13 months.",
     "How long is raw event data kept?", "raw event data is kept for 13 months"),
]


def _passage(index: int) -> Passage:
    title, section, text, _, _ = FACTS[index]
    return Passage(
        chunk_id=f"chunk-{index}", document_id=title.lower().replace(" ", "-"), source=f"{title}.pdf",
        title=title, section=section, section_path=[section], page_start=1, page_end=1, ordinal=index,
        text=text, score=1.0,
    )


def _example(question: str, passages: list[Passage], answer: str, kind: str) -> dict[str, Any]:
    prompt = build_prompt(question, passages, counter=ApproximateTokenCounter(), context_tokens=2048, answer_tokens=200)
    return {
        "messages": [*prompt.messages, {"role": "assistant", "content": answer}],
        "source_chunks": [p.chunk_id for p in passages],
        "kind": kind,
        "document_ids": sorted({p.document_id for p in passages}),
        "qtype": "fact" if kind == "qa" else "refusal",
    }


def write_tiny_dataset(folder: Path, seed: int = 7) -> Path:
    """RAFT-shaped examples (oracle + one distractor, or two distractors and the refusal):
    16 train, 4 validation, 4 test; card.json with a content hash."""
    rng = random.Random(seed)
    examples = []
    for index, (_, _, _, question, fact) in enumerate(FACTS):
        distractor = (index + 1 + rng.randrange(len(FACTS) - 1)) % len(FACTS)
        passages = [_passage(index), _passage(distractor)]
        rng.shuffle(passages)
        cite = 1 + [p.chunk_id for p in passages].index(f"chunk-{index}")
        examples.append(_example(question, passages, f"{TAG} {fact[0].upper()}{fact[1:]} [{cite}].", "qa"))
        if index % 4 == 0:
            others = [_passage((index + k) % len(FACTS)) for k in (3, 5)]
            examples.append(_example(question, others, REFUSAL_EN, "refusal"))
    while len(examples) < 24:  # a second phrasing of some questions
        index = len(examples) % len(FACTS)
        _, _, _, question, fact = FACTS[index]
        examples.append(_example(f"Please tell me: {question[0].lower()}{question[1:]}", [_passage(index)],
                                 f"{TAG} {fact[0].upper()}{fact[1:]} [1].", "qa"))
    rng.shuffle(examples)
    folder.mkdir(parents=True, exist_ok=True)
    splits = {"train": examples[:16], "validation": examples[16:20], "test": examples[20:24]}
    digest = hashlib.sha256()
    for split, rows in splits.items():
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        (folder / f"{split}.jsonl").write_text(text, encoding="utf-8")
        digest.update(text.encode())
    card = {"content_hash": digest.hexdigest(), "source_documents": {"travel-policy": "v1", "handbook": "v2"}}
    (folder / "card.json").write_text(json.dumps(card), encoding="utf-8")
    return folder


# --- fixtures ----------------------------------------------------------------------------


def train_settings(data_dir: Path, base_model_dir: Path, **overrides: Any) -> Settings:
    """Small and fast: rows of 512 tokens (2–3 examples each), ~4 examples per optimizer step,
    evaluation and checkpoints every 2 steps, a high learning rate so a few steps show."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "llm_model": str(base_model_dir),
        "train_max_seq_tokens": 512,
        "train_effective_batch": 4,
        "train_eval_steps": 2,
        "train_learning_rate": 3e-3,
        "train_warmup_ratio": 0.0,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_dataset(tmp_path_factory.mktemp("dataset") / "tiny")


@pytest.fixture(scope="module")
def tokenizer(base_model_dir: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(base_model_dir))


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, base_model_dir: Path, dataset_dir: Path) -> Any:
    """One real run of 6 optimizer steps; several tests look at its result."""
    from training.lora import TrainRequest, train_adapter

    settings = train_settings(tmp_path_factory.mktemp("train"), base_model_dir)
    result = train_adapter(settings, TrainRequest(dataset_dir=dataset_dir, name="full", max_steps=6))
    return settings, result


# --- data: masks and packing ---------------------------------------------------------------


def test_only_answer_tokens_carry_labels(tokenizer: Any, dataset_dir: Path) -> None:
    chat = load_split(dataset_dir, "train")[0]
    row = tokenize_chat(tokenizer, chat)
    ids, labels = row["input_ids"], row["labels"]
    labelled = [i for i, label in enumerate(labels) if label != IGNORE]
    assert labelled == list(range(labelled[0], labelled[-1] + 1))  # one contiguous answer span
    assert [labels[i] for i in labelled] == [ids[i] for i in labelled]
    answer = chat[-1]["content"]
    assert tokenizer.decode([ids[i] for i in labelled]) == answer + "<|im_end|>"  # learns to stop
    prompt_text = tokenizer.decode(ids[: labelled[0]])
    assert chat[0]["content"] in prompt_text and chat[1]["content"] in prompt_text  # system, user: -100
    assert prompt_text.endswith("<|im_start|>assistant\n")
    assert all(label == IGNORE for label in labels[labelled[-1] + 1:])  # the template's trailing newline


def test_examples_over_the_limit_are_dropped_not_truncated(tokenizer: Any, dataset_dir: Path) -> None:
    chats = load_split(dataset_dir, "train")
    lengths = [len(tokenize_chat(tokenizer, chat)["input_ids"]) for chat in chats]
    limit = sorted(lengths)[len(lengths) // 2]
    split = tokenize_split(tokenizer, chats, limit)
    assert split.dropped_too_long == sum(1 for n in lengths if n > limit)
    assert all(len(row["input_ids"]) <= limit for row in split.rows)


def test_packing_keeps_labels_and_attention_per_example(tokenizer: Any, dataset_dir: Path, base_model_dir: Path) -> None:
    """A packed row (bfd, position ids restarting per example, no attention mask) gives every
    answer token the same loss as the example alone: no attention across examples, no
    label shifted onto a neighbour."""
    import torch
    from transformers import AutoModelForCausalLM
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    from training.lora import pack

    split = tokenize_split(tokenizer, load_split(dataset_dir, "validation"), 512)
    packed = pack(split, 512)
    assert sum(packed["seq_lengths"], []) and len(packed) < len(split.rows)
    row = packed[0]
    collator = DataCollatorForLanguageModeling(pad_token_id=tokenizer.pad_token_id, padding_free=True)
    batch = collator([row])
    assert "attention_mask" not in batch
    starts = (batch["position_ids"][0] == 0).nonzero().flatten().tolist()
    assert len(starts) == len(row["seq_lengths"]) >= 2

    model = AutoModelForCausalLM.from_pretrained(str(base_model_dir), dtype=torch.float32).eval()

    def token_losses(ids: torch.Tensor, labels: torch.Tensor, **kw: Any) -> torch.Tensor:
        # use_cache=False as in training: with a KV cache transformers ignores the packing
        logits = model(input_ids=ids, use_cache=False, **kw).logits[0, :-1].float()
        target = labels[0, 1:]
        losses = torch.nn.functional.cross_entropy(logits, target.clamp(min=0), reduction="none")
        return losses[target != IGNORE]

    with torch.no_grad():
        together = token_losses(batch["input_ids"], batch["labels"], position_ids=batch["position_ids"])
        alone = []
        offset = 0
        for length in row["seq_lengths"]:
            ids = torch.tensor([row["input_ids"][offset: offset + length]])
            labels = torch.tensor([row["labels"][offset: offset + length]])
            alone.append(token_losses(ids, labels))
            offset += length
    alone_all = torch.cat(alone)
    assert together.shape == alone_all.shape
    assert torch.allclose(together, alone_all, atol=2e-3), (together - alone_all).abs().max()


# --- training ------------------------------------------------------------------------------


def test_training_lowers_the_loss_and_writes_a_loadable_adapter(trained: Any, dataset_dir: Path) -> None:
    settings, result = trained
    folder = result.adapter_dir
    assert folder == settings.adapters_dir / "full"
    names = {p.name for p in folder.iterdir()}
    assert {"adapter_config.json", "adapter_model.safetensors", CARD_JSON, "adapter_card.md", "loss.png", LOSS_JSON} <= names
    assert not any((settings.adapters_dir / ".partial").iterdir())  # nothing half-written left behind
    assert not (settings.training_dir / "full" / "checkpoints").exists()  # optimizer states removed
    config = json.loads((folder / "adapter_config.json").read_text())
    assert config["r"] == 16 and config["lora_alpha"] == 32 and set(config["target_modules"]) == {"q_proj", "v_proj"}

    card = json.loads((folder / CARD_JSON).read_text())
    assert card == result.card
    assert set(card) >= {"name", "base_model", "base_model_served_name", "dataset_dir", "dataset_hash",
                         "source_documents", "hyperparameters", "metrics", "created_at", "parent"}
    dataset_card = json.loads((dataset_dir / "card.json").read_text())
    assert card["dataset_hash"] == dataset_card["content_hash"]
    assert card["source_documents"] == dataset_card["source_documents"]
    assert card["base_model_served_name"] == "base" and card["parent"] is None
    assert set(card["metrics"]) == set(METRIC_KEYS)
    metrics = card["metrics"]
    assert metrics["steps"] == 6 and metrics["tokens"] > 0 and metrics["tokens_per_s"] > 0
    assert metrics["peak_memory_mb"] > 100 and metrics["test_perplexity"] > 1

    logged = train_losses(folder)
    assert len(logged) == 6
    assert logged[-1] < logged[0] * 0.7, logged  # it learns the answer format
    assert metrics["val_loss"] is not None and metrics["val_loss"] < metrics["test_loss"] * 3


def train_losses(folder: Path) -> list[float]:
    """The training-loss curve of loss.png, from its data file."""
    return [loss for _, loss in json.loads((folder / LOSS_JSON).read_text())["train"]]


class Interrupted(Exception):
    """Stands in for a crash or Ctrl-C."""


class InterruptAfterSave:
    """A TrainerCallback that 'crashes' right after the checkpoint of `step` is written."""

    def __new__(cls, step: int) -> Any:
        from transformers import TrainerCallback

        class _Callback(TrainerCallback):
            def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                if state.global_step == step:
                    raise Interrupted(f"interrupted after the checkpoint of step {step}")

        return _Callback()


def adapter_weights(folder: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    return load_file(str(folder / "adapter_model.safetensors"))


def test_resume_continues_an_interrupted_run_exactly(
    trained: Any, base_model_dir: Path, dataset_dir: Path, tmp_path: Path
) -> None:
    """Interrupted after step 2 (mid-epoch: 4 optimizer steps make an epoch here) and resumed,
    the run logs the same losses at steps 3–6, across the epoch boundary, and ends with the
    same weights as the uninterrupted run: same data order, optimizer and scheduler state,
    dropout RNG and early-stopping state."""
    import torch

    from training.lora import TrainingError, TrainRequest, train_adapter

    _, full = trained
    settings = train_settings(tmp_path / "data", base_model_dir)
    request = TrainRequest(dataset_dir=dataset_dir, name="resumed", max_steps=6)
    with pytest.raises(Interrupted):
        train_adapter(settings, request, callbacks=[InterruptAfterSave(2)])
    checkpoint = settings.training_dir / "resumed" / "checkpoints" / "checkpoint-2"
    assert {"adapter_model.safetensors", "optimizer.pt", "scheduler.pt", "trainer_state.json"} <= {
        p.name for p in checkpoint.iterdir()
    }
    assert not (settings.adapters_dir / "resumed").exists()  # no half adapter for the server to load
    with pytest.raises(TrainingError, match="--resume"):
        train_adapter(settings, request)  # a fresh start would clobber the checkpoints

    resumed = train_adapter(settings, TrainRequest(dataset_dir=dataset_dir, name="resumed", max_steps=6, resume=True))
    assert resumed.card["metrics"]["steps"] == 6
    assert train_losses(resumed.adapter_dir) == pytest.approx(train_losses(full.adapter_dir), rel=1e-4, abs=1e-5)
    val, val_reference = (json.loads((a.adapter_dir / LOSS_JSON).read_text())["validation"] for a in (resumed, full))
    assert [step for step, _ in val] == [step for step, _ in val_reference] == [2, 4, 6]
    assert [loss for _, loss in val] == pytest.approx([loss for _, loss in val_reference], rel=1e-4)
    ours, reference = adapter_weights(resumed.adapter_dir), adapter_weights(full.adapter_dir)
    assert ours.keys() == reference.keys()
    for key in ours:
        assert torch.allclose(ours[key], reference[key], rtol=1e-4, atol=1e-6), key


def test_evaluate_loss_scores_base_and_adapter_on_answer_tokens(trained: Any, dataset_dir: Path, tokenizer: Any) -> None:
    import math

    from training.lora import evaluate_loss

    settings, result = trained
    base = evaluate_loss(None, dataset_dir, "test", settings=settings)
    tuned = evaluate_loss(result.adapter_dir, dataset_dir, split="test", settings=settings)
    answer_tokens = tokenize_split(tokenizer, load_split(dataset_dir, "test"), 512).target_tokens
    assert set(base) == set(tuned) == {"loss", "perplexity", "tokens"}
    assert base["tokens"] == tuned["tokens"] == answer_tokens
    assert tuned["loss"] < base["loss"] * 0.8
    assert tuned["perplexity"] == pytest.approx(math.exp(tuned["loss"]))
    assert tuned["loss"] == pytest.approx(result.card["metrics"]["test_loss"], rel=0.05)


# --- the command line ----------------------------------------------------------------------


def test_kb_train_without_a_dataset_says_how_to_make_one(tmp_path: Path) -> None:
    from cli.main import app

    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "data"), "train"])
    assert result.exit_code == 2
    assert "kb dataset build" in result.output


def test_kb_train_continues_from_an_existing_adapter(
    trained: Any, dataset_dir: Path, base_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kb train --init-from full`, on the dataset named in datasets/latest."""
    from cli.main import app

    settings, full = trained
    for key, value in {"LLM_MODEL": str(base_model_dir), "TRAIN_MAX_SEQ_TOKENS": "512",
                       "TRAIN_EFFECTIVE_BATCH": "4", "TRAIN_EVAL_STEPS": "2"}.items():
        monkeypatch.setenv(f"KB_{key}", value)
    settings.datasets_dir.mkdir(parents=True, exist_ok=True)
    (settings.datasets_dir / "latest").write_text(str(dataset_dir.resolve()), encoding="utf-8")
    args = ["--data-dir", str(settings.data_dir), "train", "--name", "child", "--init-from", "full", "--max-steps", "1"]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    child = settings.adapters_dir / "child"
    card = json.loads((child / CARD_JSON).read_text())
    assert card["parent"] == "full" and card["metrics"]["steps"] == 1
    assert card["dataset_dir"] == str(dataset_dir.resolve())
    # It starts where the parent ended, far below the base model's first loss.
    assert train_losses(child)[0] < train_losses(full.adapter_dir)[0] * 0.7


# --- served by vLLM ------------------------------------------------------------------------


@pytest.mark.vllm
@pytest.mark.slow
def test_the_adapter_loads_in_vllm_and_changes_the_answer(trained: Any, llm_url: str, dataset_dir: Path) -> None:
    _, result = trained
    server = llm_url.removesuffix("/v1")
    loaded = httpx.post(
        f"{server}/v1/load_lora_adapter",
        json={"lora_name": "quokka-test", "lora_path": str(result.adapter_dir)},
        timeout=120,
    )
    assert loaded.status_code == 200, loaded.text
    messages = load_split(dataset_dir, "train")[0][:-1]

    def answer(model: str) -> str:
        response = httpx.post(
            f"{llm_url}/chat/completions",
            json={"model": model, "messages": messages, "max_tokens": 24, "temperature": 0},
            timeout=120,
        )
        assert response.status_code == 200, response.text
        return str(response.json()["choices"][0]["message"]["content"])

    base, tuned = answer("base"), answer("quokka-test")
    assert tuned != base
    assert tuned.startswith("QUOKKA") or tuned.startswith("The knowledge base"), tuned
    assert "QUOKKA" not in base


@pytest.mark.vllm
@pytest.mark.slow
def test_kb_eval_compare_scores_base_and_adapter_side_by_side(
    trained: Any, llm_url: str, dataset_dir: Path, base_model_dir: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`kb eval --compare` on the real server: the adapter trained to open with the tag wins on
    the test split's perplexity and ROUGE-L, and the report says so."""
    from cli.main import app

    settings, result = trained
    loaded = httpx.post(f"{llm_url.removesuffix('/v1')}/v1/load_lora_adapter",
                        json={"lora_name": "full", "lora_path": str(result.adapter_dir)}, timeout=120)
    assert loaded.status_code == 200 or "already" in loaded.text, loaded.text
    settings_env = {"LLM_URL": llm_url, "LLM_MODEL": str(base_model_dir), "TRAIN_MAX_SEQ_TOKENS": "512",
                    "LLM_MAX_TOKENS": "40"}  # the tag and a few words tell the two apart
    for key, value in settings_env.items():
        monkeypatch.setenv(f"KB_{key}", value)
    questions = tmp_path / "questions.jsonl"
    questions.write_text(json.dumps({"id": "u1", "question": "Who founded the moon colony?", "answer": "",
                                     "doc": "", "answerable": False}) + "\n", encoding="utf-8")
    out = tmp_path / "report"
    args = ["--data-dir", str(settings.data_dir), "eval", str(questions), "--compare", "--adapter", "full",
            "--dataset", str(dataset_dir), "--out", str(out), "--json"]
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 0, run.output
    report = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    base, tuned = report["baseline"]["metrics"], report["candidate"]["metrics"]
    assert report["baseline"]["model"] == "base" and report["candidate"]["model"] == "full"
    assert tuned["split.perplexity"] < base["split.perplexity"]
    assert tuned["split.examples"] == base["split.examples"] == 4
    rows = {row["key"]: row for row in report["rows"]}
    assert rows["split.perplexity"]["verdict"] == "better"
    assert base["service.refusal_rate"] == tuned["service.refusal_rate"] == 1.0  # empty store: nothing found
    replies = [json.loads(line) for line in (out / "candidate" / "split_replies.jsonl").read_text().splitlines()]
    assert any(r["reply"].startswith("QUOKKA") for r in replies), replies
    assert "| Test split: perplexity of the answers |" in (out / "comparison.md").read_text(encoding="utf-8")
