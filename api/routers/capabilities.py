"""`GET /capabilities`: what a page needs to know before it asks for a key, with no key.

The widget, the admin page and the landing page read it to open straight away when the
service runs with KB_OPEN_ACCESS (as `make run` does) and to ask for a key otherwise. It says
how access works, never which keys exist, and how much is indexed: counts only, no names
(the names are behind a reader key, at /v1/documents).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from api.deps import ServicesDep
from kb_service.types import DocumentStatus

router = APIRouter(tags=["health"])


class IndexCounts(BaseModel):
    documents: int = Field(description="Documents indexed.")
    pages: int = Field(description="Pages of the indexed documents.")
    chunks: int | None = Field(description="Chunks in the store; null when the store cannot be read.")


class Capabilities(BaseModel):
    open_access: bool = Field(
        description="KB_OPEN_ACCESS: requests without a key get admin rights (local use only)."
    )
    auth: Literal["none", "key"] = Field(
        description="`none`: no key needed; `key`: send a reader or admin key as `Authorization: Bearer <key>`."
    )
    version: str
    index: IndexCounts


@router.get("/capabilities", response_model=Capabilities, summary="How to access the service, with no key")
def capabilities(request: Request, services: ServicesDep) -> Capabilities:
    open_access = bool(request.app.state.keyring.open_access)
    indexed = [d for d in services.pipeline.ledger.list() if d.status == DocumentStatus.INDEXED]
    try:
        chunks: int | None = services.pipeline.store.count()
    except Exception:  # an unreadable store is /readyz's to report; the counts stay useful
        chunks = None
    counts = IndexCounts(documents=len(indexed), pages=sum(d.pages for d in indexed), chunks=chunks)
    return Capabilities(
        open_access=open_access, auth="none" if open_access else "key", version=request.app.version, index=counts
    )
