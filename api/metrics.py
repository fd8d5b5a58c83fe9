"""Prometheus metrics of one app instance (its own registry, so several apps can live in
one process, as they do in the tests)."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Receive, Scope, Send

from api.admission import AnswerGate
from api.asgi import route_template, status_tracking
from api.metrics_history import MetricsHistory
from api.upload_spool import Job
from kb_service.types import Answer

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "kb_http_requests", "HTTP requests by route and status", ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "kb_http_request_seconds", "HTTP request latency by route", ["route"],
            buckets=_LATENCY_BUCKETS, registry=self.registry,
        )
        self.stage = Histogram(
            "kb_answer_stage_seconds", "Answer latency per stage (retrieve, prompt, generate, verify, scan)",
            ["stage"], buckets=_LATENCY_BUCKETS, registry=self.registry,
        )
        self.answers = Counter(
            "kb_answers", "Answers by outcome (grounded, trimmed, suppressed) and reason", ["outcome", "reason"],
            registry=self.registry,
        )
        self.confidence = Histogram(
            "kb_answer_confidence", "Answer confidence", buckets=tuple(i / 10 for i in range(1, 11)),
            registry=self.registry,
        )
        self.suppression_ratio = Gauge(
            "kb_suppression_ratio", "Share of answers suppressed since the service started", registry=self.registry
        )
        self.ingested = Counter(
            "kb_ingest_documents", "Uploaded documents by outcome (ingested, unchanged, failed)", ["status"],
            registry=self.registry,
        )
        self.ingested_chunks = Counter("kb_ingest_chunks", "Chunks indexed from uploads", registry=self.registry)
        self.upload_rejected = Counter(
            "kb_upload_rejected", "Uploads refused with 429 because the upload queue was full", registry=self.registry
        )
        self.answer_rejected = Counter(
            "kb_answer_rejected", "Questions refused with 429 because too many were in flight", registry=self.registry
        )
        self.answers_in_flight = Gauge(
            "kb_answers_in_flight", "Questions being answered (state=answering) or waiting for a slot (state=waiting)",
            ["state"], registry=self.registry,
        )
        self.feedback = Counter(
            "kb_feedback", "Feedback on answers by rating (up, down)", ["rating"], registry=self.registry
        )
        for rating in ("up", "down"):  # both series exist from the start, at 0
            self.feedback.labels(rating)
        self._answered = 0
        self._suppressed = 0
        self.history: MetricsHistory | None = None  # answers per minute, for the admin page

    def watch_gate(self, gate: AnswerGate) -> None:
        """Read the answer gate's counts at scrape time."""
        self.answers_in_flight.labels("answering").set_function(lambda: gate.active)
        self.answers_in_flight.labels("waiting").set_function(lambda: gate.waiting)

    def observe_answer(self, answer: Answer) -> None:
        outcome = "suppressed" if answer.suppressed_reason else ("trimmed" if answer.trimmed else "grounded")
        self.answers.labels(outcome, answer.suppressed_reason or "").inc()
        self.confidence.observe(answer.confidence)
        for stage, ms in answer.timings.items():
            if stage != "total":
                self.stage.labels(stage).observe(ms / 1000)
        self._answered += 1
        self._suppressed += outcome == "suppressed"
        self.suppression_ratio.set(self._suppressed / self._answered)
        if self.history is not None:
            self.history.record(suppressed=outcome == "suppressed", latency_ms=answer.timings.get("total"))

    def observe_ingest(self, status: str, chunks: int) -> None:
        self.ingested.labels(status).inc()
        if status == "ingested":
            self.ingested_chunks.inc(chunks)

    def observe_job(self, job: Job) -> None:
        """A finished upload job (called by the upload worker)."""
        self.observe_ingest(job.status, int((job.result or {}).get("chunks") or 0))

    def observe_feedback(self, rating: str) -> None:
        self.feedback.labels(rating).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts requests by route template (not raw path, which would explode the labels)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        tracking_send, status = status_tracking(send)
        try:
            await self.app(scope, receive, tracking_send)
        finally:
            route = route_template(scope)
            self._metrics.requests.labels(scope.get("method", ""), route, str(status())).inc()
            self._metrics.latency.labels(route).observe(time.perf_counter() - started)
