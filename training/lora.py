"""LoRA training of the base model on a dataset folder: `kb train`.

peft + TRL's `SFTTrainer`, with the loss on the answer tokens only (labels built in
`training.sft_data`). Short examples are packed best-fit into rows of
``train_max_seq_tokens`` and attend only within their own example (position ids restart at
each example, so transformers builds a block-diagonal mask); nothing is padded. Checkpoints
go to ``training_dir/<name>/checkpoints`` every ``train_eval_steps``, so `--resume` picks up
the optimizer, scheduler, RNG and early-stopping state and the same data order. The adapter
is written to a temporary folder and renamed into ``adapters_dir/<name>`` only when complete.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb_service.errors import ConfigurationError, KBError
from kb_service.settings import Settings
from training.adapter_card import build_card, save_adapter_folder
from training.callbacks import RichProgressCallback, ThroughputMeter
from training.devices import TrainHardware, detect_hardware, load_model, lora_config, peak_memory_mb
from training.sft_data import (
    TokenizedSplit,
    answer_loss,
    answer_token_nll,
    load_split,
    read_card,
    to_dataset,
    tokenize_split,
)

log = logging.getLogger(__name__)

RUN_FILE = "run.json"


class TrainingError(KBError):
    """A training run that cannot start or continue."""


@dataclass(frozen=True, slots=True)
class TrainRequest:
    dataset_dir: Path
    name: str
    max_steps: int | None = None
    resume: bool = False
    init_from: str | None = None  # name of an adapter in adapters_dir to continue from


@dataclass(frozen=True, slots=True)
class TrainResult:
    adapter_dir: Path
    card: dict[str, Any]


def run_dir(settings: Settings, name: str) -> Path:
    return settings.training_dir / name


def base_model_path(settings: Settings, device: str) -> str:
    from kb_service.llm.server import resolve_base_model

    return resolve_base_model(settings, device)


def hyperparameters(settings: Settings, request: TrainRequest, hw: TrainHardware) -> dict[str, Any]:
    return {
        "lora_r": settings.lora_r,
        "lora_alpha": settings.lora_alpha,
        "lora_dropout": settings.lora_dropout,
        "lora_targets": settings.lora_targets,
        "learning_rate": settings.train_learning_rate,
        "warmup_ratio": settings.train_warmup_ratio,
        "epochs": settings.train_epochs,
        "max_steps": request.max_steps,
        "batch_size": settings.train_batch_size,
        "effective_batch": settings.train_effective_batch,
        "max_seq_tokens": settings.train_max_seq_tokens,
        "eval_steps": settings.train_eval_steps,
        "early_stopping_patience": settings.train_early_stopping_patience,
        "packing": settings.train_packing,
        "device": hw.device,
        "precision": hw.precision,
        "qlora": hw.qlora,
        "gradient_checkpointing": hw.gradient_checkpointing,
        "threads": hw.threads,
        "seed": settings.dataset_seed,
    }


def pack(split: TokenizedSplit, row_tokens: int) -> Any:
    """Best-fit-decreasing packing into rows of at most row_tokens, keeping example boundaries
    (`seq_lengths`), so labels and attention stay per example."""
    from trl.data_utils import pack_dataset

    return pack_dataset(to_dataset(split), row_tokens, strategy="bfd")


def batch_plan(settings: Settings, examples: int, rows: int, packed: bool) -> tuple[int, int]:
    """(rows per device step, accumulation steps) for ~train_effective_batch examples per
    optimizer step. A packed row holds several examples; one row per device step, since the
    CPU attention kernel is quadratic in the length of the flattened batch."""
    if not packed:
        per_device = min(settings.train_batch_size, settings.train_effective_batch)
        return per_device, max(1, math.ceil(settings.train_effective_batch / per_device))
    per_row = examples / max(rows, 1)
    return 1, max(1, round(settings.train_effective_batch / per_row))


def _check_run(settings: Settings, request: TrainRequest) -> dict[str, Any]:
    folder = run_dir(settings, request.name)
    run_file = folder / RUN_FILE
    current = {"dataset_dir": str(Path(request.dataset_dir).resolve()), "max_steps": request.max_steps,
               "init_from": request.init_from}
    if (settings.adapters_dir / request.name).exists():
        raise TrainingError(f"an adapter named {request.name!r} already exists in {settings.adapters_dir}")
    if request.init_from and not (settings.adapters_dir / request.init_from / "adapter_config.json").exists():
        raise TrainingError(f"--init-from: no adapter {request.init_from!r} in {settings.adapters_dir}")
    if request.resume:
        if not run_file.exists():
            raise TrainingError(f"no interrupted run named {request.name!r} in {settings.training_dir}")
        saved = json.loads(run_file.read_text(encoding="utf-8"))
        if saved != current:
            raise TrainingError(f"--resume must use the run's own options {saved}, not {current}")
        return saved
    if (folder / "checkpoints").exists() and any((folder / "checkpoints").glob("checkpoint-*")):
        raise TrainingError(f"run {request.name!r} has checkpoints; continue it with --resume or pick another --name")
    folder.mkdir(parents=True, exist_ok=True)
    run_file.write_text(json.dumps(current, indent=2), encoding="utf-8")
    return current


def build_trainer(
    settings: Settings, request: TrainRequest, hw: TrainHardware, *, callbacks: list[Any]
) -> tuple[Any, dict[str, Any]]:
    """The SFTTrainer for a run, and what the card needs to know about the data."""
    from transformers import AutoTokenizer, EarlyStoppingCallback, PrinterCallback
    from trl import SFTConfig

    base = base_model_path(settings, hw.device)
    tokenizer = AutoTokenizer.from_pretrained(base)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    limit = settings.train_max_seq_tokens
    train = tokenize_split(tokenizer, load_split(request.dataset_dir, "train"), limit)
    val = tokenize_split(tokenizer, load_split(request.dataset_dir, "validation"), limit)
    if not train.rows:
        raise TrainingError(
            f"{request.dataset_dir} has no usable training examples "
            f"({train.dropped_too_long} longer than train_max_seq_tokens={limit})"
        )
    if train.dropped_too_long:
        log.warning("%d training examples are longer than %d tokens and were left out", train.dropped_too_long, limit)
    packed = settings.train_packing
    train_ds = pack(train, limit) if packed else to_dataset(train)
    val_ds = (pack(val, limit) if packed else to_dataset(val)) if val.rows else None
    per_device, accumulation = batch_plan(settings, len(train.rows), len(train_ds), packed)

    parent_dir = settings.adapters_dir / request.init_from if request.init_from else None
    from transformers import set_seed

    set_seed(settings.dataset_seed)  # the new adapter's initial weights
    model = load_model(base, hw, adapter=parent_dir, trainable=True)
    if parent_dir is None:
        from peft import get_peft_model

        model = get_peft_model(model, lora_config(settings))

    evaluate = val_ds is not None
    args = SFTConfig(
        output_dir=str(run_dir(settings, request.name) / "checkpoints"),
        max_length=None if packed else limit,  # packed rows are already within the limit
        packing=False,  # packed above, so the row count is known before the batch plan
        padding_free=packed,
        per_device_train_batch_size=per_device,
        per_device_eval_batch_size=per_device,
        gradient_accumulation_steps=accumulation,
        learning_rate=settings.train_learning_rate,
        warmup_steps=settings.train_warmup_ratio,
        lr_scheduler_type="linear",
        num_train_epochs=settings.train_epochs,
        max_steps=request.max_steps if request.max_steps else -1,
        logging_steps=max(1, settings.train_eval_steps // 4),
        eval_strategy="steps" if evaluate else "no",
        eval_steps=settings.train_eval_steps,
        save_strategy="steps",
        save_steps=settings.train_eval_steps,
        save_total_limit=2,
        load_best_model_at_end=evaluate,
        metric_for_best_model="eval_loss",
        greater_is_better=False,
        restore_callback_states_from_checkpoint=True,
        bf16=hw.precision == "bf16",
        fp16=hw.precision == "fp16",
        use_cpu=hw.device == "cpu",
        gradient_checkpointing=hw.gradient_checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False} if hw.gradient_checkpointing else None,
        include_num_input_tokens_seen="all" if packed else "non_padding",
        seed=settings.dataset_seed,
        data_seed=settings.dataset_seed,
        dataloader_num_workers=0,
        report_to="none",
        disable_tqdm=True,
        save_only_model=False,
    )
    if evaluate and settings.train_early_stopping_patience > 0:
        callbacks = [*callbacks, EarlyStoppingCallback(early_stopping_patience=settings.train_early_stopping_patience)]
    trl_log = logging.getLogger("trl.trainer.sft_trainer")
    trl_log.addFilter(_one_row_per_step_is_intended)
    try:
        trainer = answer_only_trainer_class()(
            model=model, args=args, train_dataset=train_ds, eval_dataset=val_ds,
            processing_class=tokenizer, callbacks=callbacks,
        )
    finally:
        trl_log.removeFilter(_one_row_per_step_is_intended)
    trainer.remove_callback(PrinterCallback)  # progress goes to the rich bar, logs to log_history
    data = {
        "train_examples": len(train.rows),
        "validation_examples": len(val.rows),
        "train_rows": len(train_ds),
        "dropped_too_long": train.dropped_too_long + val.dropped_too_long,
        "rows_per_step": per_device,
        "accumulation_steps": accumulation,
    }
    return trainer, {"base": base, "tokenizer": tokenizer, "data": data}


def answer_only_trainer_class() -> Any:
    """TRL's SFTTrainer whose loss projects only the answer positions through the LM head
    (`answer_token_nll`); same normalisation as TRL's: by the answer tokens of the whole
    accumulated batch when the Trainer counts them, else of this micro-batch."""
    from trl import SFTTrainer

    class AnswerOnlySFTTrainer(SFTTrainer):  # type: ignore[misc]
        def compute_loss(
            self, model: Any, inputs: dict[str, Any], return_outputs: bool = False, num_items_in_batch: Any = None
        ) -> Any:
            kwargs = {k: v for k, v in inputs.items() if k not in ("input_ids", "labels", "use_cache")}
            nll, count = answer_token_nll(model, inputs["input_ids"], inputs["labels"], **kwargs)
            loss = nll / (num_items_in_batch if num_items_in_batch is not None else max(count, 1))
            if self.args.average_tokens_across_devices and num_items_in_batch is not None:
                loss = loss * self.accelerator.num_processes
            return (loss, None) if return_outputs else loss

    return AnswerOnlySFTTrainer


def _one_row_per_step_is_intended(record: logging.LogRecord) -> bool:
    """TRL warns about padding-free training with one row per device step; with packed rows
    that is what we want (see batch_plan)."""
    return "per_device_train_batch_size of 1" not in record.getMessage()


def _latest_checkpoint(folder: Path) -> str | None:
    checkpoints = sorted(folder.glob("checkpoint-*"), key=lambda p: int(p.name.rsplit("-", 1)[-1]))
    return str(checkpoints[-1]) if checkpoints else None


def train_adapter(
    settings: Settings, request: TrainRequest, *, console: Any = None, callbacks: list[Any] | None = None
) -> TrainResult:
    """Train (or resume) the run `request.name` and write its adapter folder."""
    card = read_card(request.dataset_dir)
    _check_run(settings, request)
    hw = detect_hardware(settings)
    hw.apply_threads()
    meter = ThroughputMeter()
    progress = RichProgressCallback(console, f"training {request.name}") if console is not None else None
    extra = [meter, *(callbacks or []), *([progress] if progress else [])]
    trainer, info = build_trainer(settings, request, hw, callbacks=extra)
    checkpoints = run_dir(settings, request.name) / "checkpoints"
    resume_from = _latest_checkpoint(checkpoints) if request.resume else None
    if request.resume and resume_from is None:
        raise TrainingError(f"run {request.name!r} has no checkpoint to resume from")
    started = time.perf_counter()
    try:
        trainer.train(resume_from_checkpoint=resume_from)
    finally:
        if progress is not None:
            progress.close()
    seconds = time.perf_counter() - started  # training, with its periodic evaluations and checkpoints
    history = trainer.state.log_history
    if not any("eval_loss" in entry for entry in history) and trainer.eval_dataset is not None:
        trainer.evaluate()  # a run shorter than eval_steps still reports a validation loss
    test = load_split(request.dataset_dir, "test")
    test_rows = tokenize_split(info["tokenizer"], test, settings.train_max_seq_tokens)
    test_metrics = answer_loss(trainer.model, test_rows, bf16=hw.precision == "bf16")
    losses = [e["loss"] for e in history if "loss" in e]
    vals = [e["eval_loss"] for e in history if "eval_loss" in e]
    metrics = {
        "train_loss": losses[-1] if losses else None,
        "val_loss": min(vals) if vals else None,
        "test_loss": test_metrics["loss"],
        "test_perplexity": test_metrics["perplexity"],
        "steps": trainer.state.global_step,
        "tokens": int(trainer.state.num_input_tokens_seen),
        "tokens_per_s": round(meter.tokens_per_s, 1),
        "seconds": round(seconds, 1),
        "peak_memory_mb": round(peak_memory_mb(hw.device), 1),
    }
    built = build_card(
        name=request.name,
        base_model=info["base"],
        base_model_served_name=settings.llm_served_name,
        dataset_dir=request.dataset_dir,
        dataset_card=card,
        hyperparameters=hyperparameters(settings, request, hw),
        metrics=metrics,
        parent=request.init_from,
        data={**info["data"], "test_examples": len(test)},
    )
    target = settings.adapters_dir / request.name
    if trainer.is_world_process_zero():  # under torchrun / accelerate launch, one process writes
        try:
            target = save_adapter_folder(settings.adapters_dir, request.name, trainer.model, built, history)
        except FileExistsError as exc:
            raise TrainingError(str(exc)) from exc
        shutil.rmtree(checkpoints, ignore_errors=True)  # optimizer states are large; the run is complete
    trainer.accelerator.wait_for_everyone()
    return TrainResult(adapter_dir=target, card=built)


def evaluate_loss(
    adapter_dir: Path | None, dataset_dir: Path, split: str = "test", *, settings: Settings
) -> dict[str, Any]:
    """{loss, perplexity, tokens} of the base model (adapter_dir None) or an adapter on a
    split of a dataset folder, over the answer tokens only. Examples longer than
    train_max_seq_tokens are left out, as in training."""
    from transformers import AutoTokenizer

    hw = detect_hardware(settings, training=False)
    hw.apply_threads()
    base = base_model_path(settings, hw.device)
    tokenizer = AutoTokenizer.from_pretrained(base)
    rows = tokenize_split(tokenizer, load_split(dataset_dir, split), settings.train_max_seq_tokens)
    if adapter_dir is not None and not (Path(adapter_dir) / "adapter_config.json").exists():
        raise ConfigurationError(f"{adapter_dir} is not a PEFT adapter folder (no adapter_config.json)")
    model = load_model(base, hw, adapter=Path(adapter_dir) if adapter_dir else None, trainable=False)
    return answer_loss(model, rows, bf16=hw.precision == "bf16")
