"""The admin page (`GET /admin`, static, no data in it) and the admin-only JSON it reads.

The page itself loads without a key; every data call it makes needs an admin key, which the
user types into the page (kept in sessionStorage, sent as a bearer header, never in a URL).
Uploads and deletions use the documents routes. The page's script is split by job into
api/static/admin-*.js and served as one file, `admin/admin.js` (see api/routers/widget.py).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, Response

from api.admin_service import AdminService, FailedList, HistorySeries, Overview
from api.auth import Admin
from api.deps import MetricsDep, ServicesDep
from api.errors import ERROR_RESPONSES, APIError
from api.metrics import Metrics
from api.metrics_history import DEFAULT_CAPACITY
from api.routers.widget import script_bundle
from answer.services import Services

router = APIRouter(tags=["admin"], responses=ERROR_RESPONSES)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
PAGE_ASSETS = {"admin.js": "text/javascript; charset=utf-8", "admin.css": "text/css; charset=utf-8"}
ADMIN_SCRIPT_PARTS = (
    "admin-api.js",  # the key, fetch with it
    "admin-format.js",  # element helpers, number and time formats
    "admin-render.js",  # summary, documents, failed files, adapters
    "admin-chart.js",  # answers over time, inline SVG
    "admin-main.js",  # loading, sign-in, upload, delete; starts the page
)
# The page runs only its own same-origin script and style and talks only to this origin.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def _service(services: Services, metrics: Metrics) -> AdminService:
    return AdminService(
        services.settings, ledger=services.pipeline.ledger, store=services.pipeline.store, history=metrics.history
    )


@router.get(
    "/v1/admin/overview", response_model=Overview, summary="Documents, failed files, adapters, answers (admin)"
)
def overview(_: Admin, services: ServicesDep, metrics: MetricsDep) -> Overview:
    return _service(services, metrics).overview()


@router.get(
    "/v1/admin/failed", response_model=FailedList, summary="Files that could not be ingested, with reasons (admin)"
)
def failed(_: Admin, services: ServicesDep, metrics: MetricsDep) -> FailedList:
    return _service(services, metrics).failed()


@router.get(
    "/v1/admin/metrics/history",
    response_model=HistorySeries,
    summary="Answers, suppression rate and latency per time step (admin)",
)
def metrics_history(
    _: Admin,
    services: ServicesDep,
    metrics: MetricsDep,
    minutes: int = Query(24 * 60, ge=1, le=DEFAULT_CAPACITY, description="How far back to look."),
    resolution: int = Query(1, ge=1, le=24 * 60, description="Minutes per point."),
) -> HistorySeries:
    return _service(services, metrics).history(minutes=minutes, resolution=resolution)


@router.get("/admin", include_in_schema=False)
def admin_page() -> FileResponse:
    page = STATIC_DIR / "admin.html"
    return FileResponse(page, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


@router.get("/admin/{asset}", include_in_schema=False)
def admin_asset(asset: str) -> Response:
    media_type = PAGE_ASSETS.get(asset)
    if media_type is None:
        raise APIError(404, f"no admin asset {asset!r}", type="not_found_error", code="not_found")
    if asset == "admin.js":
        return Response(script_bundle(ADMIN_SCRIPT_PARTS), media_type=media_type, headers=PAGE_HEADERS)
    return FileResponse(STATIC_DIR / asset, media_type=media_type, headers=PAGE_HEADERS)
