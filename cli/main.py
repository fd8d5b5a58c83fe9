"""The `kb` command line. Settings are built here, once, and passed down; errors become
messages and exit codes here and nowhere else."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from cli import adapters as adapters_cli
from cli import audit as audit_cli
from cli import dataset as dataset_cli
from cli import docs as docs_cli
from cli import serve as serve_cli
from cli import store as store_cli
from cli import train as train_cli
from cli.context import AppContext, configure_logging
from kb_service.errors import KBError
from kb_service.settings import Settings

if TYPE_CHECKING:
    from ingest.pipeline import IngestOutcome

app = typer.Typer(
    name="kb",
    help="kb-service: a self-hosted knowledge base. Ingest documents, search them, answer from them.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(docs_cli.app, name="docs")
app.add_typer(dataset_cli.app, name="dataset")
app.add_typer(adapters_cli.app, name="adapters")
app.add_typer(store_cli.app, name="store")
app.add_typer(audit_cli.app, name="audit")
app.command()(serve_cli.serve)
app.command()(serve_cli.ask)
app.command(name="eval")(serve_cli.evaluate)
app.command()(adapters_cli.retrain)
app.command()(train_cli.train)

err = Console(stderr=True)
out = Console()


@app.callback()
def main(
    ctx: typer.Context,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help="Overrides KB_DATA_DIR.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log at DEBUG level.")] = False,
) -> None:
    from rich.markup import escape

    from kb_service.settings import describe_invalid_settings

    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if verbose:
        overrides["log_level"] = "DEBUG"
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err.print(f"[red]{escape(describe_invalid_settings(exc))}[/]")
        raise typer.Exit(2) from exc
    configure_logging(settings)
    ctx.obj = AppContext(settings)
    ctx.call_on_close(ctx.obj.close)


@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Ingest files or folders: parse, de-identify, chunk, de-duplicate, embed and index.

    Exit status: 0 when every file was ingested (or unchanged), 1 when some failed.
    """
    from cli.progress import RichProgress

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        err.print(f"[red]no such file or folder:[/] {', '.join(missing)}")
        raise typer.Exit(2)
    app_ctx: AppContext = ctx.obj
    with err.status("loading models…"):
        pipeline = app_ctx.pipeline()
    with RichProgress(err) as progress:
        report = pipeline.ingest_paths(paths, listener=progress)
    for outcome in report.outcomes:
        audit_ingest(app_ctx.settings, outcome, command="kb ingest")
    summary = report.to_dict()
    if as_json:
        out.print_json(json.dumps(summary))
    else:
        _print_summary(summary)
    raise typer.Exit(1 if summary["failed"] else 0)


def audit_ingest(settings: Settings, outcome: IngestOutcome, *, command: str) -> None:
    """One audit event per file a `kb` command ingested (or failed to)."""
    from kb_service.audit import record_cli

    record_cli(
        settings, "document.ingest", command=command, target=outcome.source, ok=outcome.status != "failed",
        detail={"document_id": outcome.document_id, "outcome": outcome.status, "chunks": outcome.chunks},
    )


def _print_summary(summary: dict[str, object]) -> None:
    from rich.markup import escape

    redactions = summary["redactions"]
    assert isinstance(redactions, dict)
    out.print(
        f"[bold]{summary['ingested']}[/] ingested, [bold]{summary['unchanged']}[/] unchanged, "
        f"[bold]{len(summary['failed'])}[/] failed "  # type: ignore[arg-type]
        f"· {summary['pages']} pages, {summary['chunks']} chunks, {summary['duplicates']} duplicates skipped, "
        f"{sum(redactions.values())} redactions · {summary['seconds']} s"
    )
    if redactions:
        out.print("redacted: " + ", ".join(f"{k} {v}" for k, v in redactions.items()))
    for item in summary["ocr"]:  # type: ignore[attr-defined]
        confidence = f", mean confidence {item['confidence']:.2f}" if item["confidence"] is not None else ""
        out.print(f"OCR: {escape(item['path'])} pages {item['pages']}{confidence}")
    for item in summary["needs_ocr"]:  # type: ignore[attr-defined]
        out.print(f"[yellow]needs OCR or review:[/] {escape(item['path'])} pages {item['pages']}")
    for item in summary["failed"]:  # type: ignore[attr-defined]
        out.print(f"[red]failed:[/] {escape(item['path'])}: {escape(item['reason'])}")


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="Number of passages.")] = 5,
    mode: Annotated[str, typer.Option("--mode", help="hybrid, vector or keyword.")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="Print passages as JSON.")] = False,
) -> None:
    """Search the knowledge base and print ranked passages."""
    from rich.markup import escape

    if mode not in ("hybrid", "vector", "keyword"):
        err.print(f"[red]--mode must be hybrid, vector or keyword, not {mode!r}[/]")
        raise typer.Exit(2)
    app_ctx: AppContext = ctx.obj
    searcher = app_ctx.searcher()
    passages = searcher.search(query, k=k, mode=mode)  # type: ignore[arg-type]
    if as_json:
        out.print_json(json.dumps([p.model_dump() for p in passages]))
        return
    if not passages:
        out.print("no passages found")
        return
    for rank, p in enumerate(passages, start=1):
        pages = f"p. {p.page_start}" if p.page_start == p.page_end else f"pp. {p.page_start}–{p.page_end}"
        out.print(f"[bold]{rank}. {escape(p.title)}[/] ({escape(p.source)}, {pages}) score {p.score:.4f}")
        if p.section:
            out.print(f"   [dim]{escape(p.section)}[/]")
        out.print("   " + escape(p.text[:600].replace("\n", "\n   ")), highlight=False)


@app.command()
def watch(
    ctx: typer.Context,
    directory: Annotated[Path | None, typer.Argument(help="Inbox folder (default: $KB_DATA_DIR/inbox).")] = None,
    once: Annotated[bool, typer.Option("--once", help="Process what is there now, then exit.")] = False,
) -> None:
    """Watch an inbox folder: ingest files once they are complete, then move them to
    processed/ or failed/ (with a <name>.error.txt saying why)."""
    from ingest.watcher import InboxWatcher

    app_ctx: AppContext = ctx.obj
    inbox = directory or app_ctx.settings.inbox_dir
    watcher = InboxWatcher(
        app_ctx.pipeline(), inbox, app_ctx.settings,
        on_outcome=lambda outcome: audit_ingest(app_ctx.settings, outcome, command="kb watch"),
    )
    err.print(f"watching {inbox} (processed → {watcher.processed_dir}, failed → {watcher.failed_dir}); Ctrl-C to stop")
    try:
        if once:
            watcher.run_once(wait_for_settle=False)
        else:
            watcher.run_forever()
    except KeyboardInterrupt:
        err.print("stopped")


def run() -> None:
    """Console entry point: KBError becomes a one-line message and exit status 1."""
    from ingest.storage import storage_error

    try:
        app()
    except KBError as exc:
        err.print(f"[red]error:[/] {exc}")
        sys.exit(1)
    except Exception as exc:  # a library's own words for a full or read-only data folder
        problem = storage_error(exc)
        if problem is None:
            raise
        err.print(f"[red]error:[/] {problem}")
        sys.exit(1)


if __name__ == "__main__":
    run()
