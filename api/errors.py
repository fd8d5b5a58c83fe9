"""Errors at the HTTP edge, in OpenAI's shape: {"error": {"message", "type", "param", "code"}}.

OpenAI clients (and the chat tools built on them) show `error.message` to the user, so every
error of the service, including auth and validation errors, uses this shape.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.admission import OverloadedError
from answer.service import AnswerError
from ingest.storage import StorageFullError, StorageReadOnlyError, storage_error
from kb_service.errors import ConfigurationError, DocumentNotFoundError, KBError, StoreError
from kb_service.llm.generator import ModelNotServedError, ModelServerError

log = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


class APIError(Exception):
    def __init__(
        self, status: int, message: str, *, type: str = "invalid_request_error", code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.headers = status, message, type, code, headers


def error_response(
    status: int, message: str, type: str, code: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(message=message, type=type, code=code))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


# KBError subclasses -> (status, type, code)
_KB_ERRORS: list[tuple[type[KBError], int, str, str]] = [
    (OverloadedError, 429, "rate_limit_error", "too_many_questions"),
    (DocumentNotFoundError, 404, "not_found_error", "document_not_found"),
    (ModelNotServedError, 404, "invalid_request_error", "model_not_found"),
    (ModelServerError, 503, "service_unavailable", "model_server_unavailable"),
    (AnswerError, 400, "invalid_request_error", "invalid_question"),
    (StoreError, 503, "service_unavailable", "store_unavailable"),
    (StorageFullError, 507, "server_error", "insufficient_storage"),
    (StorageReadOnlyError, 503, "service_unavailable", "storage_unavailable"),
    (ConfigurationError, 500, "server_error", "configuration_error"),
]

# Documented on every route, so the OpenAPI spec describes what clients can receive.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in {
        400: "Invalid request",
        401: "Missing or invalid API key",
        403: "The key's role may not do this",
        413: "Request body too large",
        422: "Request does not match the schema",
        503: "A backend (model server, store) is unavailable, or the data folder is read-only",
    }.items()
}


# Added by the routes that answer questions (api.admission).
TOO_MANY_QUESTIONS: dict[int | str, dict[str, object]] = {
    429: {
        "model": ErrorBody,
        "description": "Too many questions in flight; retry after Retry-After seconds",
        "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
    }
}


# Added by the routes that look something up by name or id.
NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorBody, "description": "No such document, upload job, adapter or model"}
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(APIError)
    async def _api_error(_: Request, exc: APIError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.type, exc.code, exc.headers)

    @app.exception_handler(KBError)
    async def _kb_error(_: Request, exc: KBError) -> JSONResponse:
        for kind, status, type_, code in _KB_ERRORS:
            if isinstance(exc, kind):
                if status >= 500:
                    log.warning("%s: %s", code, exc)
                retry = getattr(exc, "retry_after", None)
                headers = {"Retry-After": str(retry)} if retry is not None else None
                return error_response(status, str(exc), type_, code, headers)
        return error_response(400, str(exc), "invalid_request_error", "kb_error")

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err.get('loc', ())[1:]) or 'body'}: {err.get('msg')}"
            for err in exc.errors()
        )
        return error_response(422, problems or "invalid request", "invalid_request_error", "validation_error")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail), "invalid_request_error", None, exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        problem = storage_error(exc)  # a library's own words for a full or read-only data folder
        if problem is not None:
            log.warning("storage: %s (%s)", problem, exc)
            return await _kb_error(_, problem)
        log.exception("unhandled error")
        return error_response(500, "internal error; see the service log", "server_error", "internal_error")
