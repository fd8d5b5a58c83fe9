"""LoRA training throughput: our trainer configuration against a plain Hugging Face baseline.

    .venv/bin/python benchmarks/train.py [--dataset DIR] [--examples 32] [--repeats 1]
        [--ablations] [--out benchmarks/results/train-<time>.json]

Both train the same LoRA (settings' r, alpha, dropout, targets) on the same first N examples
of a dataset's training split, with the same answer-only labels (`training.sft_data`), for
one epoch of about N/16 optimizer steps:

- **ours**: `training.lora.build_trainer` exactly as `kb train` builds it (TRL SFTTrainer,
  best-fit packing without padding, bf16 where the CPU has native bf16, threads = cores,
  TRL's fused LM head that projects only the answer positions), evaluation and checkpoints off.
- **baseline**: `transformers.Trainer` + `peft.get_peft_model`, fp32, batches of 4 padded to
  the longest (`DataCollatorForSeq2Seq`), gradient accumulation 4, default torch threads.

On a CUDA GPU `ours` is `kb train`'s GPU path (4-bit NF4 QLoRA through bitsandbytes, bf16
compute, gradient checkpointing), `ours-bf16` the same LoRA on the unquantised bf16 base, and
the baseline a plain Trainer on the GPU in fp32; the table adds peak GPU memory
(`torch.cuda.max_memory_allocated`). scripts/gpu_check.sh runs it on a GPU machine.

Each configuration runs in its own process (so peak RSS is its own), in alternating order.
tokens/s = real (unpadded) tokens of the N examples / seconds inside `trainer.train()`; model
loading and data preparation are excluded. The machine is shared: "other load" is the CPU
time other processes used during the run, in cores; numbers taken under other load are
unreliable (OpenMP threads stall when a core is taken away), so compare runs with low load.

Dataset: --dataset, else $KB_DATA_DIR/datasets/latest, else one is built from samples/ (ingest
into a temporary folder, then `training.dataset.build_latest`, as `kb dataset build` does).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
VARIANTS = ("baseline", "ours")
ABLATIONS = ("ours-fp32", "ours-nopack", "ours-gc")
CUDA_ABLATIONS = ("ours-bf16",)  # LoRA on the bf16 base, without 4-bit QLoRA


def machine_busy_s() -> float:
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLOCK_TICKS


def own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Timer:
    """A TrainerCallback timing trainer.train() and the other processes' CPU use meanwhile."""

    def __new__(cls) -> Any:
        from transformers import TrainerCallback

        class _Timer(TrainerCallback):
            seconds = other_cores = 0.0

            def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                self._t, self._busy, self._own = time.perf_counter(), machine_busy_s(), own_cpu_s()

            def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                self.seconds = time.perf_counter() - self._t
                other = (machine_busy_s() - self._busy) - (own_cpu_s() - self._own)
                self.other_cores = max(other, 0.0) / self.seconds

        return _Timer()


def worker(variant: str, subset: Path, base: Path, data_dir: Path) -> dict[str, Any]:
    import torch
    from transformers import AutoTokenizer

    from kb_service.settings import Settings
    from training.sft_data import load_split, tokenize_split

    settings = Settings(
        data_dir=data_dir, llm_model=str(base), train_epochs=1.0, train_eval_steps=1_000_000,
        train_packing=variant != "ours-nopack",
    )
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    split = tokenize_split(tokenizer, load_split(subset, "train"), settings.train_max_seq_tokens)
    timer = Timer()
    padding = {"padded": 0}
    if variant == "baseline":
        trainer = baseline_trainer(settings, base, split, tokenizer, timer, padding)
        threads = torch.get_num_threads()
    else:
        trainer, threads = our_trainer(settings, variant, subset, timer)
    trainer.train()
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    return {
        "variant": variant,
        "examples": len(split.rows),
        "tokens": split.tokens,
        "answer_tokens": split.target_tokens,
        "padded_tokens": padding["padded"],
        "steps": trainer.state.global_step,
        "seconds": round(timer.seconds, 2),
        "tokens_per_s": round(split.tokens / timer.seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "peak_gpu_mb": round(torch.cuda.max_memory_allocated() / 2**20, 1) if torch.cuda.is_available() else None,
        "threads": threads,
        "other_load_cores": round(timer.other_cores, 2),
        "last_loss": losses[-1] if losses else None,
    }


def our_trainer(settings: Any, variant: str, subset: Path, timer: Any) -> tuple[Any, int]:
    import dataclasses

    from training.lora import TrainRequest, build_trainer, detect_hardware

    hw = detect_hardware(settings)
    if variant == "ours-fp32":
        hw = dataclasses.replace(hw, precision="fp32")
    if variant == "ours-gc":
        hw = dataclasses.replace(hw, gradient_checkpointing=True)
    if variant == "ours-bf16":
        hw = dataclasses.replace(hw, qlora=False)
    hw.apply_threads()
    trainer, _ = build_trainer(settings, TrainRequest(dataset_dir=subset, name=variant), hw, callbacks=[timer])
    trainer.args.save_strategy = "no"
    trainer.args.logging_steps = 1  # the baseline logs every step too
    return trainer, hw.threads


def baseline_trainer(settings: Any, base: Path, split: Any, tokenizer: Any, timer: Any, padding: dict[str, int]) -> Any:
    import torch
    from peft import get_peft_model
    from transformers import AutoModelForCausalLM, DataCollatorForSeq2Seq, Trainer, TrainingArguments, set_seed

    from training.lora import lora_config
    from training.sft_data import to_dataset

    set_seed(settings.dataset_seed)
    model = AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.float32)
    model = get_peft_model(model, lora_config(settings))
    if tokenizer.pad_token is None:  # some tokenizer versions read no pad token from the GGUF
        tokenizer.pad_token = tokenizer.eos_token
    pad = DataCollatorForSeq2Seq(tokenizer, padding="longest", label_pad_token_id=-100)

    def collate(rows: list[dict[str, Any]]) -> Any:
        batch = pad(rows)
        padding["padded"] += int(batch["input_ids"].numel() - batch["attention_mask"].sum())
        return batch

    args = TrainingArguments(
        output_dir=str(settings.training_dir / "baseline"),
        per_device_train_batch_size=4,
        gradient_accumulation_steps=4,
        num_train_epochs=1,
        learning_rate=settings.train_learning_rate,
        warmup_steps=settings.train_warmup_ratio,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_cpu=not torch.cuda.is_available(),
        seed=settings.dataset_seed,
        disable_tqdm=True,
    )
    return Trainer(model=model, args=args, train_dataset=to_dataset(split), data_collator=collate, callbacks=[timer])


# --- the driver ----------------------------------------------------------------------------


def find_dataset(explicit: Path | None, scratch: Path) -> Path:
    if explicit is not None:
        return explicit
    from kb_service.settings import Settings

    marker = Settings().datasets_dir / "latest"
    if marker.is_file() and (marker.parent / marker.read_text().strip()).is_dir():
        return marker.parent / marker.read_text().strip()
    print("no dataset given and none in $KB_DATA_DIR: building one from samples/ (a few minutes)", flush=True)
    from ingest.pipeline import Pipeline
    from kb_service.settings import Settings as S
    from training.dataset import build_latest

    settings = S(data_dir=scratch / "samples-data")
    pipeline = Pipeline(settings)
    pipeline.warm_up()
    pipeline.ingest_paths([ROOT / "samples"])
    folder = Path(os.fspath(build_latest(settings, ledger=pipeline.ledger)))
    pipeline.close()
    return folder


def write_subset(dataset: Path, examples: int, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    lines = (dataset / "train.jsonl").read_text(encoding="utf-8").splitlines()[:examples]
    (target / "train.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copy(dataset / "card.json", target / "card.json")
    return target


def base_model() -> Path:
    """SmolLM2 converted once into $KB_DATA_DIR/models (shared with `kb serve` and `kb train`)."""
    from kb_service.llm.convert import ensure_converted
    from kb_service.settings import Settings

    return ensure_converted(Settings().model_cache_dir)


def run_worker(variant: str, subset: Path, base: Path, scratch: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", variant, "--subset", str(subset), "--base", str(base),
               "--scratch", str(scratch / variant)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{variant} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cuda_present() -> bool:
    """On a CUDA machine `ours` is what `kb train` does there (4-bit QLoRA, bf16 compute, gradient
    checkpointing) and `ours-bf16` is added: the same without 4-bit. The baseline runs on the GPU
    too (fp32, as a plain Trainer does)."""
    import torch

    return bool(torch.cuda.is_available())


def summarize(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for variant in dict.fromkeys(r["variant"] for r in runs):
        mine = [r for r in runs if r["variant"] == variant]
        table[variant] = {
            "tokens_per_s": statistics.median(r["tokens_per_s"] for r in mine),
            "seconds": statistics.median(r["seconds"] for r in mine),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in mine),
            "peak_gpu_mb": max((r.get("peak_gpu_mb") or 0 for r in mine), default=0),
            "device": mine[0].get("device", "cpu"),
            "padded_tokens": mine[0]["padded_tokens"],
            "steps": mine[0]["steps"],
            "threads": mine[0]["threads"],
            "other_load_cores": max(r["other_load_cores"] for r in mine),
            "last_loss": mine[-1]["last_loss"],
        }
    base = table["baseline"]["tokens_per_s"]
    for row in table.values():
        row["ratio"] = round(row["tokens_per_s"] / base, 2)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path)
    parser.add_argument("--examples", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--ablations", action="store_true", help="Also ours without bf16, without packing, with checkpointing.")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--worker", choices=VARIANTS + ABLATIONS + CUDA_ABLATIONS, help=argparse.SUPPRESS)
    parser.add_argument("--subset", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--base", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scratch", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        import logging
        import warnings

        logging.disable(logging.WARNING)
        warnings.filterwarnings("ignore")
        print(json.dumps(worker(args.worker, args.subset, args.base, args.scratch)))
        return

    with tempfile.TemporaryDirectory(prefix="kb-bench-train-") as tmp:
        scratch = Path(tmp)
        dataset = find_dataset(args.dataset, scratch)
        subset = write_subset(dataset, args.examples, scratch / "subset")
        base = base_model()
        variants = VARIANTS + (ABLATIONS if args.ablations else ()) + (CUDA_ABLATIONS if cuda_present() else ())
        runs = []
        for repeat in range(args.repeats):
            order = variants if repeat % 2 == 0 else tuple(reversed(variants))
            for variant in order:
                print(f"repeat {repeat + 1}/{args.repeats}: {variant} …", flush=True)
                runs.append(run_worker(variant, subset, base, scratch))
                print("   ", json.dumps(runs[-1]), flush=True)
    table = summarize(runs)
    print(f"\n{args.examples} examples of {dataset} ({runs[0]['tokens']} tokens, {runs[0]['answer_tokens']} answer tokens)")
    header = (f"{'config':12} {'device':>6} {'tokens/s':>9} {'× base':>7} {'seconds':>8} {'peak RSS MB':>12} {'peak GPU MB':>12} "
              f"{'padded':>7} {'steps':>6} {'threads':>7} {'other load':>10}")
    print(header)
    for variant, row in table.items():
        print(f"{variant:12} {row['device']:>6} {row['tokens_per_s']:9.1f} {row['ratio']:7.2f} {row['seconds']:8.1f} "
              f"{row['peak_rss_mb']:12.0f} {row['peak_gpu_mb']:12.0f} "
              f"{row['padded_tokens']:7d} {row['steps']:6d} {row['threads']:7d} {row['other_load_cores']:10.2f}")
    goal = table["ours"]["ratio"] >= 1.5
    print(f"goal (ours ≥ 1.5 × baseline tokens/s): {'reached' if goal else 'NOT reached'}")
    out = args.out or ROOT / "benchmarks" / "results" / f"train-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "dataset": str(dataset), "examples": args.examples, "repeats": args.repeats,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "summary": table, "runs": runs, "goal_reached": goal,
    }, indent=2), encoding="utf-8")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
