"""`kb train`: a LoRA adapter from a dataset folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from cli.context import AppContext
from kb_service.settings import Settings

err = Console(stderr=True)
out = Console()


def latest_dataset_dir(settings: Settings) -> Path | None:
    """The folder named in datasets_dir/latest (a folder name there, or an absolute path)."""
    marker = settings.datasets_dir / "latest"
    if not marker.is_file():
        return None
    name = marker.read_text(encoding="utf-8").strip()
    folder = settings.datasets_dir / name if name else None
    return folder if folder is not None and folder.is_dir() else None


def newest_interrupted_run(settings: Settings) -> str | None:
    """The most recently written run under training_dir that still has checkpoints."""
    if not settings.training_dir.is_dir():
        return None
    runs = [
        path for path in settings.training_dir.iterdir()
        if path.is_dir() and any((path / "checkpoints").glob("checkpoint-*"))
    ]
    return max(runs, key=lambda p: (p / "checkpoints").stat().st_mtime).name if runs else None


def run_options(settings: Settings, name: str) -> dict[str, Any]:
    """What an earlier run of `name` was started with (training_dir/<name>/run.json)."""
    path = settings.training_dir / name / "run.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def train(
    ctx: typer.Context,
    dataset: Annotated[
        Path | None,
        typer.Option("--dataset", help="Dataset folder (default: the one named in $KB_DATA_DIR/datasets/latest)."),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name", help="Adapter name (default: adapter-<UTC time>; with --resume: the newest interrupted run)."
        ),
    ] = None,
    max_steps: Annotated[
        int | None,
        typer.Option("--max-steps", min=1, help="Stop after this many optimizer steps (default: KB_TRAIN_EPOCHS)."),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue an interrupted run from its last checkpoint.")
    ] = False,
    init_from: Annotated[
        str | None, typer.Option("--init-from", help="Start from the weights of this existing adapter.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the adapter card as JSON.")] = False,
) -> None:
    """Train a LoRA adapter of the base model on a dataset built by `kb dataset build`.

    Loss on the answer tokens only; checkpoints every KB_TRAIN_EVAL_STEPS steps in
    $KB_DATA_DIR/training/<name>/checkpoints; early stopping on the validation loss. The
    adapter (PEFT format, with adapter_card.json and loss.png) goes to
    $KB_DATA_DIR/adapters/<name>, where `kb serve` loads it.
    """
    from training.lora import TrainRequest, train_adapter

    app_ctx: AppContext = ctx.obj
    settings = app_ctx.settings
    if resume:
        name = name or newest_interrupted_run(settings)
        if name is None:
            err.print(f"[red]no interrupted training run in {escape(str(settings.training_dir))}[/]")
            raise typer.Exit(2)
        saved = run_options(settings, name)  # a resumed run keeps its own dataset, steps and parent
        dataset = dataset or (Path(saved["dataset_dir"]) if saved.get("dataset_dir") else None)
        max_steps = max_steps if max_steps is not None else saved.get("max_steps")
        init_from = init_from or saved.get("init_from")
    if dataset is None:
        dataset = latest_dataset_dir(settings)
        if dataset is None:
            err.print(
                f"[red]no dataset in {escape(str(settings.datasets_dir))}: run `kb dataset build` first, "
                "or pass --dataset[/]"
            )
            raise typer.Exit(2)
    if not dataset.is_dir():
        err.print(f"[red]no such dataset folder:[/] {escape(str(dataset))}")
        raise typer.Exit(2)
    name = name or f"adapter-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    err.print(f"training {escape(name)} on {escape(str(dataset))}" + (" (resuming)" if resume else ""))
    result = train_adapter(
        settings,
        TrainRequest(dataset_dir=dataset, name=name, max_steps=max_steps, resume=resume, init_from=init_from),
        console=err,
    )
    if as_json:
        out.print_json(json.dumps(result.card))
        return
    metrics = result.card["metrics"]
    for key, value in metrics.items():
        out.print(f"{key:16} {round(value, 4) if isinstance(value, float) else value}")
    out.print(f"adapter: {escape(str(result.adapter_dir))}")
