"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from api.deps import MetricsDep, ServicesDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:  # on the event loop: answers even when every worker thread is busy
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Store, embedder and model server are reachable",
    responses={503: {"description": "A component is not ready"}},
)
def readyz(services: ServicesDep) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        services.pipeline.store.count()
        checks["store"] = "ok"
    except Exception as exc:  # any failure means not ready; the body says which part
        checks["store"] = f"error: {type(exc).__name__}"
    try:
        services.embedder.embed_query("ready")
        checks["embedder"] = "ok"
    except Exception as exc:
        checks["embedder"] = f"error: {type(exc).__name__}"
    checks["model_server"] = "ok" if services.generator.healthy() else "unreachable"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(metrics: MetricsDep) -> Response:
    return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")
