"""`kb dataset build` and `kb dataset show`: training data from the stored chunks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cli.context import AppContext

if TYPE_CHECKING:
    from training.dataset import DatasetCard

app = typer.Typer(
    help="Training datasets: RAFT-style question/answer examples built from the stored chunks.",
    no_args_is_help=True,
)
err = Console(stderr=True)
out = Console()

_GENERATORS = ("rules", "llm", "both")


@app.command()
def build(
    ctx: typer.Context,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Dataset folder (default: $KB_DATA_DIR/datasets/<UTC time>).")
    ] = None,
    generator: Annotated[
        str | None,
        typer.Option(
            "--generator",
            help="rules (no model), llm (the model server writes questions, each answer verified) "
            "or both. Default: KB_DATASET_GENERATOR.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the dataset card as JSON.")] = False,
) -> None:
    """Build train/validation/test JSONL from the chunks in the store, split by document.

    Questions come from rules (headings, definitions, rules, numbers, table rows) and/or the
    model (KB_LLM_URL, else a managed vLLM server is started for the build). Every example is
    scanned for personal data before it is written. The folder is named in
    $KB_DATA_DIR/datasets/latest.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from training.dataset import build_latest

    app_ctx: AppContext = ctx.obj
    settings = app_ctx.settings
    choice = generator or settings.dataset_generator
    if choice not in _GENERATORS:
        err.print(f"[red]--generator must be one of {', '.join(_GENERATORS)}, not {choice!r}[/]")
        raise typer.Exit(2)
    with err.status("loading models…"):
        pipeline = app_ctx.pipeline(warm=False)
        pipeline.embedder.warm_up()
        pipeline.deidentifier.warm_up()
    if choice != "rules":
        where = settings.llm_url or f"a managed vLLM server (log: {settings.log_dir / 'vllm.log'}; about a minute to start)"
        err.print(f"questions from the model at {where}")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        tasks: dict[str, int] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=max(total, 1))
            progress.update(tasks[stage], completed=done, total=max(total, 1))  # type: ignore[arg-type]

        card = build_latest(
            settings,
            generator=choice,  # type: ignore[arg-type]
            out_dir=out_dir,
            ledger=pipeline.ledger,
            progress=report,
            embedder=pipeline.embedder,
            deidentifier=pipeline.deidentifier,
            store=pipeline.store,
        )
    if as_json:
        out.print_json(card.model_dump_json())
    else:
        _summary(card)


@app.command()
def show(
    ctx: typer.Context,
    folder: Annotated[Path | None, typer.Argument(help="Dataset folder (default: the latest).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print card.json instead of card.md.")] = False,
) -> None:
    """Print a dataset's card."""
    from rich.markdown import Markdown

    from training.dataset import latest_dataset, read_card

    settings = ctx.obj.settings
    target = folder or latest_dataset(settings)
    if target is None:
        err.print(f"[red]no dataset yet in {settings.datasets_dir}[/]: run `kb dataset build`")
        raise typer.Exit(1)
    if not (target / "card.json").exists():
        err.print(f"[red]{target} holds no dataset card[/]")
        raise typer.Exit(1)
    if as_json:
        out.print_json((target / "card.json").read_text(encoding="utf-8"))
        return
    card_md = target / "card.md"
    if card_md.exists():
        out.print(Markdown(card_md.read_text(encoding="utf-8")))
    else:
        from training.dataset import render_card

        out.print(Markdown(render_card(read_card(target))))


def _summary(card: DatasetCard) -> None:
    counts = card.counts
    out.print(f"[bold]dataset[/] {card.path}")
    for split in ("train", "validation", "test"):
        kinds = counts["by_kind"].get(split, {})
        docs = len(card.splits.get(split, []))
        out.print(
            f"  {split:10} {counts['by_split'][split]:5} examples "
            f"({kinds.get('qa', 0)} qa, {kinds.get('refusal', 0)} refusal) from {docs} documents"
        )
    tokens = card.tokens["all"]
    out.print(f"  tokens     p50 {tokens['p50']} · p95 {tokens['p95']} · max {tokens['max']}")
    scan = card.pii_scan
    out.print(
        f"  personal-data scan: {scan['lines_scanned']} lines, {len(scan['excluded_chunks'])} chunks left out, "
        f"{scan['dropped_pairs']} pairs dropped"
    )
    out.print(f"  hash       {card.content_hash}")
    for note in card.notes:
        out.print(f"[yellow]note:[/] {note}")
    out.print(f"  card       {Path(card.path) / 'card.md'}")
