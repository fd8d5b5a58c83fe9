"""The chat widget: the script any page embeds with one tag, and a page for an <iframe>.

Both are public (no key): the key is the embedding page's (data-kb-key) or the iframe's URL
fragment, which browsers never send to a server, so it cannot end up in an access log.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

router = APIRouter(tags=["widget"])


@cache
def static_text(name: str) -> str:
    """A file of api/static (package data), read once."""
    return (files("api") / "static" / name).read_text(encoding="utf-8")


def frame_ancestors(origins: list[str]) -> str:
    """Who may frame /widget: this service and the origins CORS already trusts."""
    allowed = [origin for origin in origins if origin != "*"]
    return " ".join(["'self'", *allowed]) if "*" not in origins else "*"


@router.get("/widget.js", include_in_schema=False)
def widget_script() -> Response:
    return Response(
        static_text("widget.js"),
        media_type="text/javascript; charset=utf-8",
        headers={
            "Cache-Control": "public, max-age=300",
            "X-Content-Type-Options": "nosniff",
            "Cross-Origin-Resource-Policy": "cross-origin",  # loadable by pages that require it
        },
    )


@router.get("/widget", response_class=HTMLResponse, summary="The chat widget as a page, for an <iframe>")
def widget_page(request: Request) -> HTMLResponse:
    """Embed as `<iframe src=".../widget#key=READER_KEY&lang=en">`; without a key in the
    fragment the page asks for one. Framing is limited to KB_CORS_ORIGINS."""
    origins = request.app.state.settings.cors_origins
    policy = "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        f"frame-ancestors {frame_ancestors(origins)}",
    ])
    return HTMLResponse(
        static_text("widget.html"),
        headers={
            "Content-Security-Policy": policy,
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-cache",
        },
    )
