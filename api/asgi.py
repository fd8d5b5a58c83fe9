"""Small pieces the service's pure ASGI middlewares share."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import Message, Scope, Send


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/v1/documents/{document_id}`), not the raw path."""
    return getattr(scope.get("route"), "path", None) or "unmatched"


def status_tracking(send: Send) -> tuple[Send, Callable[[], int]]:
    """A `send` that notes the response status, and a getter for it (500 until a response
    starts, so a request that raised counts as a server error)."""
    status = 500

    async def tracking_send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        await send(message)

    return tracking_send, lambda: status
