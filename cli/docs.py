"""`kb docs list|show|delete`."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cli.context import AppContext
from kb_service.errors import DocumentNotFoundError
from kb_service.types import DocumentInfo

app = typer.Typer(help="List, inspect and delete ingested documents.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _find(ctx: typer.Context, id_or_source: str) -> DocumentInfo:
    app_ctx: AppContext = ctx.obj
    info = app_ctx.ledger().find(id_or_source)
    if info is None:
        err.print(f"[red]no document {escape(id_or_source)!r}[/] (use `kb docs list` to see ids)")
        raise typer.Exit(1)
    return info


@app.command("list")
def list_documents(
    ctx: typer.Context,
    as_json: JsonOption = False,
    all_: Annotated[bool, typer.Option("--all", help="Include deleted documents.")] = False,
) -> None:
    """Documents with version, pages, chunks, status and redaction counts."""
    app_ctx: AppContext = ctx.obj
    docs = app_ctx.ledger().list(include_deleted=all_)
    if as_json:
        out.print_json(json.dumps([d.model_dump(mode="json") for d in docs]))
        return
    if not docs:
        out.print("no documents yet: `kb ingest PATH` or drop files into the inbox")
        return
    table = Table("id", "source", "status", "version", "pages", "chunks", "redactions", "OCR", "updated")
    for d in docs:
        status = d.status.value + (" (last attempt failed)" if d.error and d.status == "indexed" else "")
        table.add_row(
            d.document_id, escape(d.source), status, d.version[:12], str(d.pages), str(d.chunks),
            str(sum(d.redactions.values())), _ocr_cell(d), d.updated_at,
        )
    out.print(table)


def _ocr_cell(info: DocumentInfo) -> str:
    """"p. 2, 4 (0.93)" for the pages read by OCR and their mean confidence; "needs p. 5" for
    scanned pages without usable text (no OCR, or below KB_OCR_MIN_CONFIDENCE)."""
    parts = []
    if info.ocr_pages:
        confidence = f" ({info.ocr_confidence:.2f})" if info.ocr_confidence is not None else ""
        parts.append("p. " + ", ".join(map(str, info.ocr_pages)) + confidence)
    if info.needs_ocr_pages:
        parts.append("needs p. " + ", ".join(map(str, info.needs_ocr_pages)))
    return "; ".join(parts) or "-"


@app.command()
def show(ctx: typer.Context, document: Annotated[str, typer.Argument(help="Document id or source name.")], as_json: JsonOption = False) -> None:
    """Everything the ledger knows about one document."""
    info = _find(ctx, document)
    if as_json:
        out.print_json(json.dumps(info.model_dump(mode="json")))
        return
    for key, value in info.model_dump(mode="json").items():
        out.print(f"[bold]{key}[/]: {escape(str(value))}", highlight=False)


@app.command()
def delete(ctx: typer.Context, document: Annotated[str, typer.Argument(help="Document id or source name.")], as_json: JsonOption = False) -> None:
    """Delete a document and every chunk of it from the index."""
    from kb_service.audit import document_ref, record_cli

    app_ctx: AppContext = ctx.obj
    try:
        info = app_ctx.pipeline(warm=False).delete(document)
    except DocumentNotFoundError as exc:
        record_cli(app_ctx.settings, "document.delete", command="kb docs delete", target=document_ref(document), ok=False)
        err.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(1) from exc
    record_cli(
        app_ctx.settings, "document.delete", command="kb docs delete", target=info.document_id, ok=True,
        detail={"chunks": info.chunks},
    )
    if as_json:
        out.print_json(json.dumps({"deleted": info.document_id, "source": info.source, "chunks": info.chunks}))
    else:
        out.print(f"deleted {escape(info.source)} ({info.document_id}, {info.chunks} chunks)")
