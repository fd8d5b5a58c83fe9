"""The audit log's middleware: one event per keyed request (the log itself: `kb_service.audit`).

One JSON object per line in ``$KB_DATA_DIR/audit/audit.jsonl``, one line per request to a
keyed route, refused ones included (public routes such as /healthz are not recorded).
Uploads, deletions, adapter promotions and rollbacks get their own action names, every other
keyed request is recorded as ``key.use``. A line says who (``key_id``: a fingerprint of the key's SHA-256,
never the key; the role; the client address), what (action, method, route template, target,
status) and when (UTC). Request bodies, query strings, questions and answers are never
written: a target is a path parameter (a document id or source name, an adapter name) or the
upload's sanitised file name, the same identifier the ledger already keeps.

Each event is written with one ``write()`` on a descriptor opened with ``O_APPEND``, under a
lock, and lines are kept below ``PIPE_BUF``: concurrent requests, and API replicas sharing the
data folder, never interleave inside a line. The file is opened per event, so moving it aside
(log rotation) needs no restart.
"""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import Depends, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.asgi import route_template, status_tracking
from kb_service.audit import AuditLog, AuditNote, event_line, key_id

SCOPE_KEY = "kb.audit"  # the per-request AuditNote in the ASGI scope

# Security-relevant operations, by (method, route template); other keyed requests are "key.use".
ACTIONS: dict[tuple[str, str], str] = {
    ("POST", "/v1/documents"): "document.upload",
    ("DELETE", "/v1/documents/{document_id}"): "document.delete",
    ("POST", "/v1/adapters/{name}/promote"): "adapter.promote",
    ("POST", "/v1/adapters/rollback"): "adapter.rollback",
}


async def note_of(request: Request) -> AuditNote:  # async: no worker thread needed (see api/deps.py)
    """This request's note; a detached one when the audit middleware is not installed."""
    note = request.scope.get(SCOPE_KEY)
    return note if isinstance(note, AuditNote) else AuditNote()


AuditNoteDep = Annotated[AuditNote, Depends(note_of)]


def remember_key(request: Request, *, key_sha256_hex: str | None, role: str | None) -> None:
    """Called by the auth dependency: which key (by fingerprint) and role made this request."""
    note = request.scope.get(SCOPE_KEY)
    if isinstance(note, AuditNote):
        note.authenticated = True
        note.key_id = key_id(key_sha256_hex) if key_sha256_hex else None
        note.role = role


class AuditMiddleware:
    """Writes one audit event per keyed request, after its response has been sent."""

    def __init__(self, app: ASGIApp, *, audit: AuditLog) -> None:
        self.app = app
        self.audit = audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        note = AuditNote()
        scope[SCOPE_KEY] = note
        tracking_send, status = status_tracking(send)
        try:
            await self.app(scope, receive, tracking_send)
        finally:
            if note.authenticated:
                await self._record(scope, note, status())

    async def _record(self, scope: Scope, note: AuditNote, status: int) -> None:
        method = scope.get("method", "")
        route = route_template(scope)
        if note.target is None:
            params = scope.get("path_params") or {}
            note.target = str(next(iter(params.values()))) if len(params) == 1 else None
        client = scope.get("client")
        line = event_line(
            action=ACTIONS.get((method, route), "key.use"),
            method=method,
            route=route,
            status=status,
            note=note,
            client=client[0] if client else None,
        )
        if self.audit.fsync:  # off the event loop; recorded even when the client went away
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self.audit.write, line)
        else:
            self.audit.write(line)

