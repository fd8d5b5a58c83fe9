"""The chat widget: the script any page embeds with one tag, and a page for an <iframe>.

Both are public (no key): the key is the embedding page's (data-kb-key) or the iframe's URL
fragment, which browsers never send to a server, so it cannot end up in an access log.

The script's source is split by job into api/static/widget-*.js; `GET /widget.js` serves them
as one file, concatenated in WIDGET_PARTS' order inside one function scope (so the widget
defines no global of the embedding page), read once and cached: no bundler, no build step.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

router = APIRouter(tags=["widget"])


# Declarations first; widget-options.js finds the loading <script> (and stops if there is none),
# widget-panel.js mounts the widget. Each part sees the names the parts before it declared.
WIDGET_PARTS = (
    "widget-options.js",  # the usage comment, the loading tag and its data-kb-* options
    "widget-strings.js",  # English and Chinese UI strings
    "widget-style.js",  # the CSS of the shadow root
    "widget-dom.js",  # element and icon helpers
    "widget-transport.js",  # fetch, errors, server-sent events
    "widget-answer.js",  # one answer: text, verdict, source cards, feedback
    "widget-keyform.js",  # the key prompt
    "widget-panel.js",  # the panel, keyboard, asking; mounts the widget
)


@cache
def static_text(name: str) -> str:
    """A file of api/static (package data), read once."""
    return (files("api") / "static" / name).read_text(encoding="utf-8")


@cache
def script_bundle(parts: tuple[str, ...]) -> str:
    """The parts of api/static as one script: one strict-mode function scope around them all,
    so what they declare stays out of the page's globals. Read once, cached."""
    body = "\n".join(f"// --- {name} ---\n{static_text(name)}" for name in parts)
    return f"(() => {{\n\"use strict\";\n\n{body}}})();\n"


def frame_ancestors(origins: list[str]) -> str:
    """Who may frame /widget: this service and the origins CORS already trusts."""
    allowed = [origin for origin in origins if origin != "*"]
    return " ".join(["'self'", *allowed]) if "*" not in origins else "*"


@router.get("/widget.js", include_in_schema=False)
def widget_script() -> Response:
    return Response(
        script_bundle(WIDGET_PARTS),
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
