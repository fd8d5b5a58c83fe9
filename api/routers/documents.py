"""Documents: upload (admin; queued, see api/upload_queue.py) and its jobs, list and show (reader), delete (admin)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Header, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.audit import AuditNoteDep
from api.auth import Admin, Reader
from api.deps import MetricsDep, ServicesDep, SettingsDep, UploadsDep
from api.errors import ERROR_RESPONSES, NOT_FOUND, APIError, ErrorBody
from api.upload_queue import QueueFullError, UploadQueue
from api.upload_service import safe_source_name
from api.upload_spool import Job
from ingest.storage import storage_error
from kb_service.types import DocumentInfo, DocumentStatus, document_id_for

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
    ocr_pages: list[int] = Field(default_factory=list, description="Pages whose text was read by OCR.")
    ocr_confidence: float | None = Field(None, description="Mean OCR confidence (0..1) of those pages.")
    error: str | None
    seconds: float
    job_id: str | None = None


class UploadJob(BaseModel):
    """An accepted upload. Poll `GET /v1/documents/jobs/{id}` until `status` is final."""

    id: str
    source: str
    document_id: str
    status: Literal["queued", "running", "ingested", "unchanged", "failed"]
    size_bytes: int
    sha256: str
    created_at: str
    updated_at: str
    started_at: str | None
    finished_at: str | None
    attempts: int = Field(description="Ingestion starts; above 1 when a crash or restart interrupted one.")
    queue_position: int | None = Field(description="1 = next to be ingested; null unless queued.")
    error: str | None
    error_code: str | None = Field(
        description="ingest_failed | insufficient_storage | storage_unavailable | internal_error"
    )
    result: UploadResult | None = Field(description="The ingestion outcome, once finished.")


# A failed job's error code -> HTTP status of a synchronous upload.
_FAILED_STATUS = {"ingest_failed": 422, "insufficient_storage": 507, "storage_unavailable": 503, "internal_error": 500}
_FAILED_TYPE = {"ingest_failed": "invalid_request_error", "storage_unavailable": "service_unavailable"}
MAX_WAIT_S = 600.0


def requested_wait(prefer: str | None, default: float) -> tuple[float, bool]:
    """Seconds to wait for the outcome, from RFC 7240 `Prefer: respond-async` / `wait=N`;
    and whether the client asked for an asynchronous answer."""
    asynchronous, wait = False, None
    for item in (prefer or "").split(","):
        name, _, value = item.split(";")[0].strip().partition("=")
        name = name.strip().lower()
        if name == "respond-async":
            asynchronous = True
        elif name == "wait":
            try:
                wait = max(0.0, min(MAX_WAIT_S, float(value.strip().strip('"'))))
            except ValueError:
                pass
    if wait is None:
        wait = 0.0 if asynchronous else default
    return wait, asynchronous


def job_view(job: Job, uploads: UploadQueue) -> UploadJob:
    fields = job.to_dict()
    result = fields.pop("result")
    return UploadJob(
        **fields,
        queue_position=uploads.position(job) if job.status == "queued" else None,
        result=UploadResult(**{k: v for k, v in result.items() if k in UploadResult.model_fields}, job_id=job.id)
        if result else None,
    )


@router.post(
    "",
    response_model=UploadResult,
    status_code=201,
    summary="Upload a document (PDF, DOCX, Markdown, HTML, text) to be ingested",
    description=(
        "The file is stored on disk (fsync'd) and queued; then the request waits for the outcome up to "
        "KB_UPLOAD_WAIT_SECONDS: 201 ingested, 200 unchanged, 422 failed. If ingestion takes longer, or the "
        "client sends `Prefer: respond-async`, the answer is 202 with the job and a `Location` to poll. "
        "`Prefer: wait=N` sets the wait. A full queue answers 429 with `Retry-After`; nothing was stored."
    ),
    responses={
        200: {"model": UploadResult, "description": "Unchanged: the same bytes are already indexed"},
        202: {"model": UploadJob, "description": "Accepted and stored; ingestion goes on (poll Location)"},
        429: {"model": ErrorBody, "description": "The upload queue is full; retry after Retry-After seconds"},
        507: {"model": ErrorBody, "description": "The data folder is full; the upload was not stored"},
    },
)
async def upload(
    file: Annotated[UploadFile, File(description="The document")],
    uploads: UploadsDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    _: Admin,
    audit: AuditNoteDep,
    prefer: Annotated[str | None, Header(description="RFC 7240: `respond-async`, `wait=N` (seconds)")] = None,
) -> Response:
    source = safe_source_name(file.filename)
    audit.target = audit.detail["document_id"] = document_id_for(source)  # a name may hold a person's
    wait, asynchronous = requested_wait(prefer, settings.upload_wait_seconds)
    file.file.seek(0)
    try:
        job = await uploads.submit_async(source, file.file)
    except QueueFullError as exc:
        metrics.upload_rejected.inc()
        raise APIError(
            429, str(exc), type="rate_limit_error", code="upload_queue_full",
            headers={"Retry-After": str(exc.retry_after)},
        ) from exc
    if wait > 0:
        await uploads.wait_finished(job, wait)
    if not job.done:
        headers = {"Location": f"/v1/documents/jobs/{job.id}"}
        if asynchronous:
            headers["Preference-Applied"] = "respond-async"
        return JSONResponse(job_view(job, uploads).model_dump(), status_code=202, headers=headers)
    if job.status == "failed":
        code = job.error_code or "ingest_failed"
        raise APIError(
            _FAILED_STATUS.get(code, 500), job.error or "the document could not be ingested",
            type=_FAILED_TYPE.get(code, "server_error"), code=code,
        )
    body = job_view(job, uploads).result
    assert body is not None
    return JSONResponse(body.model_dump(), status_code=201 if job.status == "ingested" else 200)


@router.get(
    "/jobs/{job_id}",
    response_model=UploadJob,
    summary="An upload job: queued, running, ingested, unchanged or failed (with the reason)",
    responses=NOT_FOUND,
)
async def get_job(job_id: str, uploads: UploadsDep, _: Admin) -> UploadJob:
    job = uploads.get(job_id)
    if job is None:
        raise APIError(404, f"no upload job {job_id!r}", type="not_found_error", code="job_not_found")
    return job_view(job, uploads)


@router.get("", response_model=list[DocumentInfo], summary="Documents the knowledge base knows")
def list_documents(services: ServicesDep, _: Reader, include_deleted: bool = False) -> list[DocumentInfo]:
    return services.pipeline.ledger.list(include_deleted=include_deleted)


@router.get(
    "/{document_id}", response_model=DocumentInfo, summary="One document by id or source name", responses=NOT_FOUND
)
def get_document(document_id: str, services: ServicesDep, _: Reader) -> DocumentInfo:
    info = services.pipeline.ledger.find(document_id)
    if info is None or info.status == DocumentStatus.DELETED:
        raise APIError(404, f"no document {document_id!r}", type="not_found_error", code="document_not_found")
    return info


@router.delete(
    "/{document_id}", response_model=DocumentInfo, summary="Delete a document and its chunks", responses=NOT_FOUND
)
def delete_document(document_id: str, services: ServicesDep, _: Admin) -> DocumentInfo:
    try:
        return services.pipeline.delete(document_id)
    except Exception as exc:  # the store's own words for a full or read-only data folder
        if (problem := storage_error(exc, "the document was not deleted")) is not None:
            raise problem from exc
        raise
