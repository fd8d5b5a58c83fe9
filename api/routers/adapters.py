"""Adapters: list (reader), promote and roll back (admin). Promotions apply without a restart."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from training.adapter_service import AdapterService
from api.audit import AuditNoteDep
from api.auth import Admin, Reader
from api.deps import ServicesDep
from api.errors import ERROR_RESPONSES, APIError, ErrorBody
from answer.services import Services
from training.registry import AdapterNotFoundError, NothingToRollBackError, PromotionRefusedError

router = APIRouter(prefix="/v1/adapters", tags=["adapters"], responses=ERROR_RESPONSES)

_CONFLICT = {409: {"model": ErrorBody, "description": "Refused: the adapter scores worse, or nothing to roll back"}}
_NOT_FOUND = {404: {"model": ErrorBody, "description": "No adapter of that name"}}


class AdapterView(BaseModel):
    name: str
    active: bool = Field(description="Answers requests that name no model.")
    stale: bool = Field(description="A document it was trained on has changed or was deleted since.")
    stale_reasons: list[str]
    metrics: dict[str, Any] = Field(description="From the adapter card: train/val/test loss, test perplexity, …")
    created_at: str | None
    base_model: str | None
    dataset_hash: str | None
    parent: str | None


class AdapterList(BaseModel):
    object: str = "list"
    data: list[AdapterView]
    active: str | None = Field(description="The registry's active adapter (null = the base model).")
    default_model: str = Field(description="What answers by default now; KB_LLM_ADAPTER, when set, wins.")


class Comparison(BaseModel):
    split: str
    dataset_dir: str
    candidate: str
    candidate_loss: float
    baseline: str
    baseline_loss: float
    tolerance: float
    accepted: bool


class Promotion(BaseModel):
    name: str
    previous: str | None
    promoted: bool
    forced: bool
    comparison: Comparison | None
    message: str
    overridden_by: str | None
    default_model: str


class Rollback(BaseModel):
    active: str | None
    previous: str | None
    default_model: str


def _service(services: Services) -> AdapterService:
    llm_url = getattr(services.generator, "base_url", None) or services.settings.llm_url
    return AdapterService(services.settings, llm_url=llm_url, ledger=services.pipeline.ledger)


@router.get("", response_model=AdapterList, summary="Adapters, with the active one, staleness and metrics")
def list_adapters(services: ServicesDep, _: Reader) -> AdapterList:
    service = _service(services)
    infos = service.list()
    return AdapterList(
        data=[AdapterView.model_validate({k: v for k, v in i.to_dict().items() if k != "path"}) for i in infos],
        active=service.registry.promoted(),
        default_model=service.default_model(),
    )


@router.post(
    "/{name}/promote",
    response_model=Promotion,
    summary="Load an adapter into the model server and make it the default, if it is not worse",
    responses={**_CONFLICT, **_NOT_FOUND},
)
def promote(
    name: str,
    services: ServicesDep,
    _: Admin,
    audit: AuditNoteDep,
    force: bool = Query(False, description="Promote without comparing test-split losses."),
) -> Promotion:
    audit.detail["forced"] = force
    service = _service(services)
    try:
        result = service.promote(name, force=force)
    except AdapterNotFoundError as exc:
        raise APIError(404, str(exc), type="not_found_error", code="adapter_not_found") from exc
    except PromotionRefusedError as exc:
        raise APIError(409, str(exc), code="promotion_refused") from exc
    return Promotion.model_validate({**result.to_dict(), "default_model": service.default_model()})


@router.post(
    "/rollback", response_model=Rollback, summary="Return to the default before the last promotion", responses=_CONFLICT
)
def rollback(services: ServicesDep, _: Admin) -> Rollback:
    service = _service(services)
    try:
        result = service.rollback()
    except NothingToRollBackError as exc:
        raise APIError(409, str(exc), code="nothing_to_roll_back") from exc
    return Rollback(active=result.active, previous=result.previous, default_model=result.default_model)
