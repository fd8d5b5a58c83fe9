"""`kb audit tail|keys`: read the API's audit log and name the configured keys."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cli.context import AppContext

app = typer.Typer(
    help="The audit log: who uploaded, ingested, deleted, promoted, and used which key (API and kb commands).",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)


@app.command()
def tail(
    ctx: typer.Context,
    lines: Annotated[int, typer.Option("-n", "--lines", min=1, help="How many events, newest last.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the events as JSON lines.")] = False,
) -> None:
    """The last events of $KB_DATA_DIR/audit/audit.jsonl."""
    from kb_service.audit import read_tail

    settings = ctx.obj.settings if isinstance(ctx.obj, AppContext) else ctx.obj
    path = settings.audit_path
    if not path.exists():
        err.print(f"no audit log yet at {escape(str(path))}" + ("" if settings.audit_log else " (KB_AUDIT_LOG is off)"))
        raise typer.Exit(0)
    events = read_tail(path, lines)
    if as_json:
        for event in events:
            out.print(json.dumps(event, ensure_ascii=False), highlight=False, soft_wrap=True)
        return
    table = Table("time", "action", "key", "role", "client", "request", "target", "status")
    for e in events:
        status = e.get("status")
        cli = e.get("method") == "CLI"  # `kb` commands: 0 succeeded, 1 failed
        colour = "green" if isinstance(status, int) and (status == 0 if cli else status < 400) else "red"
        detail = e.get("detail") or {}
        target = str(e.get("target") or "") + (" (forced)" if detail.get("forced") else "")
        table.add_row(
            str(e.get("time", "")), str(e.get("action", "")), str(e.get("key_id") or "-"), str(e.get("role") or "-"),
            str(e.get("client") or "-"), escape(f"{e.get('method', '')} {e.get('route', '')}"), escape(target),
            f"[{colour}]{status}[/]",
        )
    out.print(table)


@app.command()
def keys(ctx: typer.Context) -> None:
    """The key ids the audit log uses for the configured keys (KB_API_KEYS, KB_ADMIN_KEYS),
    so a line can be traced to a key without the key being shown."""
    from kb_service.audit import key_id, stored_hash

    settings = ctx.obj.settings if isinstance(ctx.obj, AppContext) else ctx.obj
    table = Table("role", "key id", "position")
    for role, variable, configured in (
        ("reader", "KB_API_KEYS", settings.api_keys), ("admin", "KB_ADMIN_KEYS", settings.admin_keys)
    ):
        for n, key in enumerate(configured, start=1):
            table.add_row(role, key_id(stored_hash(key)), f"{variable}[{n}]")
    if not table.rows:
        out.print("no keys configured")
        return
    out.print(table)
