"""`create_app(settings)`: the FastAPI application."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.admission import AnswerGate
from api.audit import AuditMiddleware
from api.auth import KeyRing
from api.chat_service import ChatService
from api.errors import install_error_handlers
from api.feedback_service import FeedbackService
from api.limits import BodyLimitMiddleware
from api.metrics import Metrics, MetricsMiddleware
from api.metrics_history import MetricsHistory, history_path
from api.routers import (
    adapters, ask, capabilities, documents, examples, feedback, health, landing, openai_compat, widget,
)
from api.routers import admin as admin_routes
from answer.services import Services, build_services
from api.upload_queue import make_upload_queue
from kb_service.audit import AuditLog
from kb_service.settings import Settings

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, services: Services | None = None) -> FastAPI:
    """The API. Models load in the lifespan unless ready `services` are passed in (tests
    share one set between apps); services passed in are not closed by the app."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        built = services or build_services(settings)
        app.state.services = built
        app.state.chat = ChatService(built.answers, built.generator, built.followups)
        app.state.feedback = FeedbackService(settings.feedback_path, scrub=built.scrub)
        app.state.uploads = uploads = make_upload_queue(built, on_finished=app.state.metrics.observe_job)
        uploads.start()  # resumes uploads a previous run accepted but did not finish
        if settings.example_check:
            examples.examples_of(app).start_checking()  # a first click on an example gets an answer
        log.info("kb-service API ready")
        try:
            yield
        finally:
            if getattr(app.state, "examples", None) is not None:
                app.state.examples.stop()  # before the services it asks are closed
            uploads.stop()
            app.state.metrics.history.flush()  # the last partial minute of the admin chart
            if owned:
                built.close()

    app = FastAPI(
        title="kb-service",
        version="0.1.0",
        description=(
            "Answers from your own documents, verified claim by claim against them, or suppressed. "
            "Authenticate with `Authorization: Bearer <key>`."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.keyring = KeyRing.from_settings(settings)
    app.state.metrics = metrics = Metrics()
    app.state.answer_gate = AnswerGate(
        concurrency=settings.answer_concurrency,
        queue=settings.answer_queue,
        wait_seconds=settings.answer_queue_timeout_seconds,
        on_reject=metrics.answer_rejected.inc,
    )
    metrics.watch_gate(app.state.answer_gate)
    metrics.history = MetricsHistory(history_path(settings.data_dir))
    install_error_handlers(app)
    for router in (ask.router, openai_compat.router, documents.router, health.router):
        app.include_router(router)
    app.include_router(adapters.router)
    app.include_router(feedback.router)
    app.include_router(widget.router)
    app.include_router(admin_routes.router)
    app.include_router(capabilities.router)
    app.include_router(examples.router)
    app.include_router(landing.router)

    upload_limit = int(settings.max_file_mb * 1024 * 1024) + 64 * 1024  # multipart overhead
    json_limit = settings.max_request_kb * 1024
    app.add_middleware(
        BodyLimitMiddleware,
        limit_for=lambda path: upload_limit if path.rstrip("/") == "/v1/documents" else json_limit,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key"],
        )
    if settings.audit_log:
        app.state.audit = AuditLog(settings.audit_path, fsync=settings.audit_fsync)
        app.add_middleware(AuditMiddleware, audit=app.state.audit)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app
