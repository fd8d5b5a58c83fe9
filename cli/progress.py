"""Rich progress bars for ingestion: one for the batch, one for the current document's stage."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from ingest.pipeline import IngestOutcome


class RichProgress:
    """A ProgressListener that draws on stderr, so --json output on stdout stays clean."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._batch: TaskID | None = None
        self._stage: TaskID | None = None

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._progress.stop()

    def document_started(self, source: str, index: int, total: int) -> None:
        if self._batch is None:
            self._batch = self._progress.add_task("documents", total=total)
        self._progress.update(self._batch, completed=index)
        if self._stage is not None:
            self._progress.remove_task(self._stage)
        self._stage = self._progress.add_task(escape(source), total=1)

    def stage(self, source: str, stage: str, done: int, total: int) -> None:
        if self._stage is None:
            self._stage = self._progress.add_task(source, total=total)
        self._progress.update(self._stage, description=f"{escape(source)} · {stage}", completed=done, total=max(total, 1))

    def document_finished(self, outcome: IngestOutcome) -> None:
        mark = {"ingested": "[green]✓", "unchanged": "[dim]=", "failed": "[red]✗"}[outcome.status]
        detail = outcome.error if outcome.status == "failed" else (
            f"{outcome.pages} pages, {outcome.chunks} chunks, {sum(outcome.redactions.values())} redactions"
            if outcome.status == "ingested" else "unchanged"
        )
        self._console.print(f"{mark} {escape(outcome.source)}[/] {escape(detail or '')}", highlight=False)
        if self._batch is not None:
            self._progress.advance(self._batch)
