"""`kb eval QUESTIONS --compare`: wire `training.compare` to the model server and the registry."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from cli.answering import local_services
from kb_service.settings import Settings
from training.evaluation import EvalQuestion

err = Console(stderr=True)
out = Console()


def _sides(settings: Settings, candidate: str | None, baseline: str | None) -> tuple[str, str]:
    from training.registry import AdapterRegistry

    candidate = candidate or AdapterRegistry(settings).active()
    if candidate is None:
        err.print("[red]--compare needs an adapter: pass --adapter NAME (no adapter is active)[/]")
        raise typer.Exit(2)
    baseline = baseline or settings.llm_served_name
    if candidate == baseline:
        err.print(f"[red]--compare: both sides are {escape(candidate)}[/]")
        raise typer.Exit(2)
    return candidate, baseline


def _dataset_for(settings: Settings, candidate: str, explicit: Path | None) -> Path | None:
    """--dataset, else the dataset the candidate adapter was trained on, else the latest one."""
    from training.dataset import latest_dataset
    from training.registry import AdapterRegistry, read_card

    if explicit is not None:
        if not explicit.is_dir():
            err.print(f"[red]no such dataset folder:[/] {escape(str(explicit))}")
            raise typer.Exit(2)
        return explicit
    registry = AdapterRegistry(settings)
    folder = settings.adapters_dir / candidate
    if folder.is_dir():
        found = registry.dataset_dir(read_card(folder))
        if found is not None:
            return found
    latest = latest_dataset(settings)
    return Path(latest) if latest is not None else None


def _loss_fn(settings: Settings, dataset: Path) -> Any:
    from training.lora import evaluate_loss

    def loss(model: str) -> Mapping[str, Any]:
        adapter_dir = settings.adapters_dir / model
        is_adapter = (adapter_dir / "adapter_config.json").exists()
        return evaluate_loss(adapter_dir if is_adapter else None, dataset, split="test", settings=settings)

    return loss


def run_comparison(
    settings: Settings,
    questions: Sequence[EvalQuestion],
    target: Path,
    *,
    candidate: str | None,
    baseline: str | None,
    dataset: Path | None,
    split_limit: int | None,
    perplexity: bool,
    as_json: bool,
) -> None:
    from training.compare import Comparison, comparison_rows, load_split_items, measure_side, write_comparison

    if settings.api_url:
        err.print("[yellow]--compare answers in-process (it prompts the model directly); KB_API_URL is ignored[/]")
        settings = settings.model_copy(update={"api_url": None})
    cand, base = _sides(settings, candidate, baseline)
    dataset_dir = _dataset_for(settings, cand, dataset)
    items = load_split_items(dataset_dir, "test", split_limit) if dataset_dir is not None else []
    if dataset_dir is None:
        err.print("[yellow]no dataset found: the test-split and perplexity rows are left out[/]")
    with local_services(settings, err) as services:
        served = set(services.generator.models())
        missing = [name for name in (cand, base) if name not in served]
        if missing:
            err.print(f"[red]the model server does not serve {', '.join(map(escape, missing))}; "
                      f"it serves: {', '.join(sorted(map(escape, served)))}[/]")
            raise typer.Exit(2)

        def generate(prompt: list[dict[str, str]], model: str) -> str:
            return services.generator.generate(
                prompt, model=model, max_tokens=settings.llm_max_tokens, temperature=0.0
            ).text

        loss = _loss_fn(settings, dataset_dir) if perplexity and dataset_dir is not None else None
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=err) as progress:
            tasks: dict[str, Any] = {}

            def on_progress(what: str, done: int, total: int) -> None:
                if what not in tasks:
                    tasks[what] = progress.add_task(what, total=total)
                progress.update(tasks[what], completed=done)

            sides = [
                measure_side(
                    name, questions=questions, ask=lambda q, m: services.answers.ask(q, model=m),
                    items=items, generate=generate, loss=loss, on_progress=on_progress,
                )
                for name in (base, cand)
            ]
    comparison = Comparison(
        baseline=sides[0], candidate=sides[1],
        metadata={"baseline": base, "candidate": cand, "dataset": str(dataset_dir) if dataset_dir else None,
                  "test_examples": len(items), "questions": len(questions),
                  "threshold": settings.confidence_threshold},
    )
    paths = write_comparison(comparison, target)
    if as_json:
        out.print_json(json.dumps(comparison.to_dict()))
        return
    table = Table(title=f"{cand} against {base}")
    for column in ("metric", base, cand, f"{cand} is"):
        table.add_column(column)
    for row in comparison_rows(comparison):
        fmt = (lambda v: "–" if v is None else f"{v:.3f}")
        table.add_row(row.label, fmt(row.baseline), fmt(row.candidate), row.verdict)
    out.print(table)
    out.print(f"report: {paths['markdown']}")
