"""The folder of a trained adapter: PEFT weights, `adapter_card.json` + `adapter_card.md`, loss plot.

The card says what the adapter was trained from and how well: base model, dataset hash and
source document versions (so the registry can tell when the knowledge base has moved on),
hyperparameters and metrics. The folder is written under ``adapters_dir/.partial/`` and
renamed into place when complete, so the model server (which loads every folder of
``adapters_dir`` holding an ``adapter_config.json``) never sees half an adapter.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CARD_JSON = "adapter_card.json"
CARD_MD = "adapter_card.md"
LOSS_PNG = "loss.png"
LOSS_JSON = "loss_history.json"

METRIC_KEYS = (
    "train_loss", "val_loss", "test_loss", "test_perplexity",
    "steps", "tokens", "tokens_per_s", "seconds", "peak_memory_mb",
)


def build_card(
    *,
    name: str,
    base_model: str,
    base_model_served_name: str,
    dataset_dir: Path,
    dataset_card: dict[str, Any],
    hyperparameters: dict[str, Any],
    metrics: dict[str, Any],
    parent: str | None,
    data: dict[str, Any],
) -> dict[str, Any]:
    missing = [key for key in METRIC_KEYS if key not in metrics]
    if missing:
        raise ValueError(f"adapter card metrics lack {missing}")
    return {
        "name": name,
        "base_model": base_model,
        "base_model_served_name": base_model_served_name,
        "dataset_dir": str(Path(dataset_dir).resolve()),
        "dataset_hash": dataset_card["content_hash"],
        **trained_and_evaluated(dataset_card),
        "hyperparameters": hyperparameters,
        "metrics": {key: metrics[key] for key in METRIC_KEYS},
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "parent": parent,
        "data": data,
    }


def trained_and_evaluated(dataset_card: dict[str, Any]) -> dict[str, dict[str, str]]:
    """``source_documents``: the documents of the train split (what the weights learnt; a
    change to one of them makes the adapter stale); ``evaluated_documents``: those of the
    validation and test splits (a change there changes the scores, not what was learnt).
    A card without splits counts every document as trained on."""
    versions = dict(dataset_card.get("source_documents") or {})
    splits = dataset_card.get("splits")
    if not isinstance(splits, dict) or "train" not in splits:
        return {"source_documents": versions, "evaluated_documents": {}}
    train = set(splits["train"])
    return {
        "source_documents": {doc: v for doc, v in versions.items() if doc in train},
        "evaluated_documents": {doc: v for doc, v in versions.items() if doc not in train},
    }


def loss_curves(log_history: list[dict[str, Any]]) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    """(step, training loss) and (step, validation loss) pairs from a Trainer's log history."""
    train = [(int(e["step"]), float(e["loss"])) for e in log_history if "loss" in e and "step" in e]
    val = [(int(e["step"]), float(e["eval_loss"])) for e in log_history if "eval_loss" in e and "step" in e]
    return train, val


def write_loss_plot(log_history: list[dict[str, Any]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train, val = loss_curves(log_history)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    if train:
        ax.plot(*zip(*train, strict=True), label="train", marker="." if len(train) < 30 else None)
    if val:
        ax.plot(*zip(*val, strict=True), label="validation", marker="o")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss (answer tokens)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if train or val:
        ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "—" if value is None else str(value)


def render_markdown(card: dict[str, Any]) -> str:
    metrics, hyper = card["metrics"], card["hyperparameters"]
    lines = [
        f"# Adapter `{card['name']}`",
        "",
        f"LoRA adapter for `{card['base_model_served_name']}` (base model `{card['base_model']}`), "
        f"created {card['created_at']}" + (f", continued from `{card['parent']}`." if card["parent"] else "."),
        "",
        f"- dataset: `{card['dataset_dir']}` (hash `{card['dataset_hash']}`), "
        f"{len(card['source_documents'])} source documents",
        f"- examples: {', '.join(f'{k} {v}' for k, v in card.get('data', {}).items())}",
        "",
        "## Metrics (loss over answer tokens only)",
        "",
        "| metric | value |",
        "|---|---|",
        *(f"| {key} | {_fmt(metrics[key])} |" for key in METRIC_KEYS),
        "",
        "## Hyperparameters",
        "",
        "| name | value |",
        "|---|---|",
        *(f"| {key} | {_fmt(value)} |" for key, value in hyper.items()),
        "",
        f"![loss]({LOSS_PNG})",
        "",
    ]
    return "\n".join(lines)


def write_card(folder: Path, card: dict[str, Any], log_history: list[dict[str, Any]]) -> None:
    """adapter_card.json, adapter_card.md, loss.png and its data (loss_history.json) in `folder`."""
    train, val = loss_curves(log_history)
    (folder / LOSS_JSON).write_text(json.dumps({"train": train, "validation": val}) + "\n", encoding="utf-8")
    (folder / CARD_JSON).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / CARD_MD).write_text(render_markdown(card), encoding="utf-8")
    write_loss_plot(log_history, folder / LOSS_PNG, f"{card['name']}")


def save_adapter_folder(
    adapters_dir: Path, name: str, model: Any, card: dict[str, Any], log_history: list[dict[str, Any]]
) -> Path:
    """adapters_dir/<name> with the PEFT adapter (adapter_config.json + adapter_model.safetensors)
    and its card, written atomically. Raises FileExistsError if the name is taken."""
    target = adapters_dir / name
    partial = adapters_dir / ".partial" / f"{name}-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        model.save_pretrained(str(partial), safe_serialization=True)
        write_card(partial, card, log_history)
        if target.exists():
            raise FileExistsError(f"an adapter named {name!r} already exists in {adapters_dir}")
        partial.rename(target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target
