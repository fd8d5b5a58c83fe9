"""`kb store migrate`: copy the knowledge base between vector store backends, and verify it."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import Annotated, Self

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from cli.context import AppContext
from kb_service.errors import ConfigurationError, KBError
from kb_service.settings import Settings
from kb_service.store.base import VectorStore
from kb_service.store.migrate import MigrationReport, MigrationState, migrate, verify

app = typer.Typer(help="Manage the vector store: move it between backends.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


class Backend(str, Enum):
    lancedb = "lancedb"
    weaviate = "weaviate"


def describe(settings: Settings) -> str:
    """A stable name for a store, so a resumed run knows it is the same route."""
    if settings.store_backend == "weaviate":
        tenant = f"#{settings.weaviate_tenant}" if settings.weaviate_tenant else ""
        return f"weaviate:{settings.weaviate_url}/{settings.store_table}{tenant}"
    return f"lancedb:{settings.store_dir.resolve()}/{settings.store_table}"


def state_path(settings: Settings, to: Backend) -> Path:
    return settings.data_dir / f"store-migration-{to.value}.jsonl"


class _Bars:
    """Rich progress on stderr for the copy and the verification."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True,
        )  # fmt: skip
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> Self:
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._progress.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self._tasks:
            label = "copying documents" if stage == "copy" else "verifying sampled searches"
            self._tasks[stage] = self._progress.add_task(label, total=total)
        self._progress.update(self._tasks[stage], completed=done, total=total)


def _target_settings(settings: Settings, to: Backend, target_data_dir: Path | None) -> Settings:
    if to.value == settings.store_backend:
        if to is Backend.weaviate:
            raise ConfigurationError("the configured store is already Weaviate; nothing to migrate")
        if target_data_dir is None or target_data_dir.resolve() == settings.data_dir.resolve():
            raise ConfigurationError(
                "the configured store is already LanceDB: give --target-data-dir to copy it to "
                "another folder, or set KB_STORE_BACKEND to the backend to copy from"
            )
    update: dict[str, object] = {"store_backend": to.value}
    if target_data_dir is not None:
        if to is not Backend.lancedb:
            raise ConfigurationError("--target-data-dir applies to a LanceDB target only")
        update["data_dir"] = target_data_dir
    return settings.model_copy(update=update)


def _vector_dim(settings: Settings, dim: int | None) -> int:
    if dim is not None:
        return dim
    from kb_service.embedder import make_embedder

    with err.status("loading the embedding model to learn the vector size… (--dim skips this)"):
        return make_embedder(settings).dim


def _close(store: VectorStore) -> None:
    close = getattr(store, "close", None)
    if callable(close):
        close()


@app.command("migrate")
def migrate_command(
    ctx: typer.Context,
    to: Annotated[Backend, typer.Option("--to", help="Backend to copy into: weaviate or lancedb.", show_default=False)],
    verify_only: Annotated[bool, typer.Option("--verify-only", help="Copy nothing; only compare the two stores.")] = False,
    samples: Annotated[int, typer.Option("--samples", min=0, max=1000, help="Chunks whose vector and text are searched in both stores.")] = 20,
    restart: Annotated[bool, typer.Option("--restart", help="Forget the progress of an earlier run and copy every document again.")] = False,
    dim: Annotated[int | None, typer.Option("--dim", min=1, help="Vector size; default: the embedding model's (loads it).")] = None,
    target_data_dir: Annotated[Path | None, typer.Option("--target-data-dir", help="LanceDB target in another data folder (copy or back up a LanceDB store).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Copy every chunk, with its vector and metadata, from the configured store
    (KB_STORE_BACKEND) to the other backend, then verify the copy.

    Resumable: copied documents are recorded in $KB_DATA_DIR/store-migration-<to>.jsonl;
    after an interruption, run the command again and it skips them (unless they changed).

    Verified: every document must have the same number of chunks in both stores, and for
    --samples stored chunks the chunk must be stored alike and searches with its vector and
    text (vector and hybrid mode) must return the same top result in both.

    \b
    Move to Weaviate, then serve from it:
      KB_WEAVIATE_URL=http://localhost:8080 kb store migrate --to weaviate
      export KB_STORE_BACKEND=weaviate
    Back to the embedded store:
      KB_STORE_BACKEND=weaviate kb store migrate --to lancedb

    Exit status: 0 when the stores agree, 1 on a mismatch or a store error, 2 for a usage error.
    """
    app_ctx: AppContext = ctx.obj
    settings = app_ctx.settings
    try:
        target_settings = _target_settings(settings, to, target_data_dir)
    except ConfigurationError as exc:
        err.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    try:
        report = _run(app_ctx, target_settings, to, dim, verify_only=verify_only, samples=samples, restart=restart)
    except ConfigurationError as exc:
        err.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    except KBError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(1) from exc
    if as_json:
        out.print_json(json.dumps(report.to_dict()))
    else:
        _print_report(report, describe(settings), describe(target_settings), verify_only)
    raise typer.Exit(0 if report.ok else 1)


def _run(
    app_ctx: AppContext, target_settings: Settings, to: Backend, dim: int | None, *, verify_only: bool, samples: int, restart: bool
) -> MigrationReport:
    from kb_service.store import make_store

    settings = app_ctx.settings
    if to is Backend.weaviate and not target_settings.weaviate_url:
        raise ConfigurationError("--to weaviate needs KB_WEAVIATE_URL (e.g. http://localhost:8080)")
    if settings.store_backend == "weaviate" and not settings.weaviate_url:
        raise ConfigurationError("the configured store is Weaviate but KB_WEAVIATE_URL is unset")
    size = _vector_dim(settings, dim)
    source = make_store(settings, size)
    target = make_store(target_settings, size)
    try:
        versions = {d.document_id: d.version for d in app_ctx.ledger().list()}
        with _Bars(err) as bars:
            if verify_only:
                return MigrationReport(
                    copied_documents=0,
                    verification=verify(source, target, samples=samples, versions=versions, progress=bars),
                )
            state = MigrationState(state_path(settings, to), f"{describe(settings)} -> {describe(target_settings)}")
            if restart:
                state.reset()
            return migrate(source, target, state, versions=versions, samples=samples, progress=bars)
    finally:
        _close(source)
        _close(target)


def _print_report(report: MigrationReport, source: str, target: str, verify_only: bool) -> None:
    v = report.verification
    table = Table("", "source", "target", title="store migration" if not verify_only else "store comparison")
    table.add_row("store", escape(source), escape(target))
    table.add_row("documents", str(v.source_documents), str(v.target_documents))
    table.add_row("chunks", str(v.source_chunks), str(v.target_chunks))
    out.print(table)
    if not verify_only:
        out.print(
            f"copied {report.copied_documents} documents ({report.copied_chunks} chunks), "
            f"skipped {report.skipped_documents} already copied"
        )
        if not report.lossless:
            out.print(
                "[yellow]the source backend cannot export token counts and redaction counts per "
                "chunk: they are 0 / empty in the target; versions come from the ledger[/]"
            )
        if report.unversioned_documents:
            out.print(
                f"[yellow]{report.unversioned_documents} documents were copied without a version "
                "(the ledger does not confirm one); re-ingesting them sets it[/]"
            )
    agreeing = len(v.samples) - len(v.failed_samples)
    keyword = sum(s.keyword_agrees for s in v.samples)
    out.print(
        f"sampled searches: {agreeing} of {len(v.samples)} agree "
        f"(keyword-only top result, not required: {keyword} of {len(v.samples)})"
    )
    if v.count_mismatches:
        mismatch = Table("document", "source chunks", "target chunks", title="count mismatches")
        for m in v.count_mismatches[:50]:
            mismatch.add_row(escape(m.document_id), str(m.source), str(m.target))
        out.print(mismatch)
    for s in v.failed_samples[:20]:
        problems = [mode for mode, same in s.agree.items() if not same]
        what = ("content differs; " if not s.content_ok else "") + (
            f"different top result in {', '.join(problems)} search" if problems else ""
        )
        out.print(f"[red]✗[/] chunk {escape(s.chunk_id)} of {escape(s.document_id)}: {what.rstrip('; ')}")
    if report.ok:
        out.print("[green]the stores agree[/]")
    else:
        out.print("[red]the stores differ[/] (rerun to resume; --restart copies everything again)")
