"""Documents: upload (admin), list and show (reader), delete (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile
from pydantic import BaseModel

from api.auth import Admin, Reader
from api.deps import MetricsDep, ServicesDep
from api.errors import ERROR_RESPONSES, APIError
from api.upload_service import UploadService
from kb_service.types import DocumentInfo, DocumentStatus

router = APIRouter(prefix="/v1/documents", tags=["documents"], responses=ERROR_RESPONSES)


class UploadResult(BaseModel):
    source: str
    status: str
    document_id: str
    version: str
    pages: int
    chunks: int
    duplicates: int
    redactions: dict[str, int]
    needs_ocr_pages: list[int]
    error: str | None
    seconds: float


@router.post(
    "",
    response_model=UploadResult,
    status_code=201,
    summary="Upload a document (PDF, DOCX, Markdown, HTML, text) and ingest it",
    responses={200: {"model": UploadResult, "description": "Unchanged: the same bytes are already indexed"}},
)
def upload(
    file: Annotated[UploadFile, File(description="The document")],
    services: ServicesDep,
    metrics: MetricsDep,
    response: Response,
    _: Admin,
) -> UploadResult:
    data = file.file.read()
    outcome = UploadService(services.pipeline, services.settings).ingest(file.filename, data)
    metrics.observe_ingest(outcome.status, outcome.chunks)
    if outcome.status == "failed":
        raise APIError(422, outcome.error or "the document could not be ingested", code="ingest_failed")
    if outcome.status == "unchanged":
        response.status_code = 200
    return UploadResult(
        source=outcome.source,
        status=outcome.status,
        document_id=outcome.document_id,
        version=outcome.version,
        pages=outcome.pages,
        chunks=outcome.chunks,
        duplicates=outcome.duplicates,
        redactions=outcome.redactions,
        needs_ocr_pages=outcome.needs_ocr_pages,
        error=outcome.error,
        seconds=round(outcome.seconds, 3),
    )


@router.get("", response_model=list[DocumentInfo], summary="Documents the knowledge base knows")
def list_documents(services: ServicesDep, _: Reader, include_deleted: bool = False) -> list[DocumentInfo]:
    return services.pipeline.ledger.list(include_deleted=include_deleted)


@router.get("/{document_id}", response_model=DocumentInfo, summary="One document by id or source name")
def get_document(document_id: str, services: ServicesDep, _: Reader) -> DocumentInfo:
    info = services.pipeline.ledger.find(document_id)
    if info is None or info.status == DocumentStatus.DELETED:
        raise APIError(404, f"no document {document_id!r}", type="not_found_error", code="document_not_found")
    return info


@router.delete("/{document_id}", response_model=DocumentInfo, summary="Delete a document and its chunks")
def delete_document(document_id: str, services: ServicesDep, _: Admin) -> DocumentInfo:
    return services.pipeline.delete(document_id)
