"""The audit log's middleware: one event per keyed request, refused ones included (public
routes such as /healthz are not recorded), written after the response has been sent.

Uploads, deletions, adapter promotions and rollbacks get their own action names (`ACTIONS`),
every other keyed request is ``key.use``. The file, the event format and what an event may
hold are `kb_service.audit`'s.
"""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import Depends, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.asgi import route_template, status_tracking
from kb_service.audit import AuditLog, AuditNote, document_ref, event_line, key_id

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
            if "document_id" in params and note.target is not None:
                note.target = document_ref(note.target)
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

