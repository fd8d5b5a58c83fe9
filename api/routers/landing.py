"""The landing page, `GET /`: what is indexed, the model server's health, links to the chat
widget, the admin page and /docs, and a curl line to start from.

Static HTML and a little same-origin script (api/static/landing.*), like the admin page; the
data comes from /capabilities and /readyz (no key), and, in open access only, the document
names from /v1/documents and an example question from /v1/examples. With keys configured the
page shows counts, never names.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from api.errors import APIError
from api.routers.admin import PAGE_HEADERS, STATIC_DIR

router = APIRouter(tags=["landing"])

LANDING_ASSETS = {"landing.js": "text/javascript; charset=utf-8", "landing.css": "text/css; charset=utf-8"}


@router.get("/", include_in_schema=False)
def landing_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "landing.html", media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


@router.get("/landing/{asset}", include_in_schema=False)
def landing_asset(asset: str) -> Response:
    media_type = LANDING_ASSETS.get(asset)
    if media_type is None:
        raise APIError(404, f"no landing asset {asset!r}", type="not_found_error", code="not_found")
    return FileResponse(STATIC_DIR / asset, media_type=media_type, headers=PAGE_HEADERS)
