"""Where a training run runs and how the model is loaded there: CUDA (bf16 or fp16, 4-bit
QLoRA through bitsandbytes) or the CPU (bf16 when it is native, else fp32), threads, the LoRA
configuration, and peak memory for the adapter card."""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb_service.errors import ConfigurationError, missing_extra
from kb_service.settings import Settings


@dataclass(frozen=True, slots=True)
class TrainHardware:
    device: str  # "cpu" | "cuda"
    precision: str  # "bf16" | "fp16" | "fp32"
    qlora: bool
    gradient_checkpointing: bool
    threads: int

    @property
    def weight_dtype(self) -> Any:
        import torch

        return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.precision, torch.float32)

    def apply_threads(self) -> None:
        if self.device == "cpu":
            import torch

            torch.set_num_threads(self.threads)


def cpu_bf16_supported() -> bool:
    """AVX512-BF16 or AMX: oneDNN runs bf16 matmuls natively (else bf16 is emulated, slower)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(flag in flags for flag in (" avx512_bf16", " amx_bf16"))


def cpu_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def detect_hardware(settings: Settings, *, training: bool = True) -> TrainHardware:
    """CUDA when present: bf16 (fp16 on older cards), gradient checkpointing, 4-bit QLoRA per
    train_qlora. CPU: bf16 base weights when the CPU has native bf16, no QLoRA."""
    import torch

    cuda = bool(torch.cuda.is_available())
    if settings.train_qlora == "on" and not cuda:
        raise ConfigurationError("KB_TRAIN_QLORA=on needs a CUDA GPU (bitsandbytes 4-bit); use 'auto' or 'off'")
    if cuda:
        precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return TrainHardware("cuda", precision, settings.train_qlora != "off", training, cpu_cores())
    return TrainHardware("cpu", "bf16" if cpu_bf16_supported() else "fp32", False, False, cpu_cores())


def lora_config(settings: Settings) -> Any:
    from peft import LoraConfig

    targets: str | list[str] = settings.lora_targets.strip()
    if targets != "all-linear":
        targets = [part.strip() for part in str(targets).split(",") if part.strip()]
    return LoraConfig(
        r=settings.lora_r,
        lora_alpha=settings.lora_alpha,
        lora_dropout=settings.lora_dropout,
        target_modules=targets,
        bias="none",
        task_type="CAUSAL_LM",
    )


def load_model(base: str, hw: TrainHardware, *, adapter: Path | None, trainable: bool) -> Any:
    """The base model (4-bit under QLoRA) with a new LoRA adapter, or the one in `adapter`."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    kwargs: dict[str, Any] = {"dtype": hw.weight_dtype, "attn_implementation": "sdpa"}
    if hw.qlora:
        try:
            import bitsandbytes  # noqa: F401
        except ImportError as exc:
            raise missing_extra("bitsandbytes", "llm-gpu") from exc
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=hw.weight_dtype,
        )
        kwargs["device_map"] = {"": 0}
    model = AutoModelForCausalLM.from_pretrained(base, **kwargs)
    if hw.qlora and trainable:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=hw.gradient_checkpointing)
    elif not hw.qlora:
        model.to(torch.device(hw.device))
    if adapter is not None:
        return PeftModel.from_pretrained(model, str(adapter), is_trainable=trainable)
    return model


def peak_memory_mb(device: str) -> float:
    if device == "cuda":
        import torch

        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
