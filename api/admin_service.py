"""What the admin page shows: documents, failed files, adapters with their scores, answers
over time. Reads the ledger, the failed folder, the adapter registry and the metrics history;
changes nothing (uploads and deletions go through the documents routes). No HTTP here.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from api.metrics_history import MetricsHistory
from ingest.ledger import Ledger
from kb_service.errors import KBError
from kb_service.settings import Settings
from kb_service.store import VectorStore
from kb_service.types import DocumentInfo
from training.registry import AdapterRegistry

log = logging.getLogger(__name__)

REASON_SUFFIX = ".error.txt"  # the layout of ingest.failed.write_reason
MAX_FAILED_LISTED = 500
MAX_REASON_CHARS = 4000
HISTORY_EVENTS = 20
_FAILED_AT = re.compile(r"^failed at: (\S+)\s*$", re.MULTILINE)


class DocumentCounts(BaseModel):
    by_status: dict[str, int]
    redactions: dict[str, int] = Field(description="Redacted entities by type, over the listed documents.")
    chunks_in_store: int | None = Field(description="Chunks in the vector store (null: the store did not answer).")


class PromotionScores(BaseModel):
    at: str | None
    forced: bool
    scores: dict[str, Any] | None = Field(
        description="The test-split loss comparison of the promotion (null when it was forced)."
    )


class AdapterSummary(BaseModel):
    name: str
    active: bool
    stale: bool
    stale_reasons: list[str]
    metrics: dict[str, Any] = Field(description="From the adapter card: train/val/test loss, test perplexity, …")
    created_at: str | None
    base_model: str | None
    dataset_hash: str | None
    parent: str | None
    promotion: PromotionScores | None = Field(description="Its last promotion, from the registry history.")


class AdaptersOverview(BaseModel):
    active: str | None = Field(description="The adapter that answers by default (null = the base model).")
    promoted: str | None = Field(description="The registry's active adapter (KB_LLM_ADAPTER may override it).")
    override: str | None = Field(description="KB_LLM_ADAPTER, when set.")
    default_model: str
    base_model: str
    adapters: list[AdapterSummary]
    history: list[dict[str, Any]] = Field(description="The registry's last events, newest first.")
    error: str | None = Field(None, description="Why the registry could not be read, if it could not.")


class AnswersSummary(BaseModel):
    minutes: int
    answers: int
    suppressed: int
    suppression_rate: float | None
    latency_ms_avg: float | None
    latency_ms_p95: float | None


class Overview(BaseModel):
    generated_at: str
    documents: list[DocumentInfo]
    counts: DocumentCounts
    failed_files: int
    adapters: AdaptersOverview
    answers_last_day: AnswersSummary


class FailedFile(BaseModel):
    name: str = Field(description="The kept file's name in the failed folder.")
    reason: str | None = Field(description="Why it failed (from <name>.error.txt).")
    failed_at: str | None
    size_bytes: int | None = Field(description="Size of the kept file (null: only the reason file is there).")


class FailedList(BaseModel):
    total: int
    files: list[FailedFile] = Field(description=f"Newest first, at most {MAX_FAILED_LISTED}.")


class HistoryPoint(BaseModel):
    start: str
    minute: int = Field(description="Epoch seconds of the point's first minute.")
    answers: int
    suppressed: int
    suppression_rate: float | None
    latency_ms_avg: float | None
    latency_ms_p95: float | None = Field(description="Approximate (histogram) 95th percentile.")


class HistoryTotals(BaseModel):
    answers: int
    suppressed: int
    suppression_rate: float | None
    latency_ms_avg: float | None
    latency_ms_p95: float | None


class HistorySeries(BaseModel):
    since: str
    until: str
    resolution_minutes: int
    points: list[HistoryPoint] = Field(description="Only steps that saw answers.")
    totals: HistoryTotals


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def read_reason(path: Path) -> tuple[str | None, str | None]:
    """(reason, failed at) from a reason file written by ingest.failed.write_reason."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")[: MAX_REASON_CHARS * 2]
    except OSError:
        return None, None
    reason, sep, rest = text.rpartition("\n\nfile: ")
    if not sep:
        reason, rest = text, ""
    found = _FAILED_AT.search(rest)
    reason = reason.strip()
    if len(reason) > MAX_REASON_CHARS:
        reason = reason[: MAX_REASON_CHARS - 1] + "…"
    return reason or None, found.group(1) if found else None


def list_failed(failed_dir: Path, *, limit: int = MAX_FAILED_LISTED) -> FailedList:
    """The failed folder: each kept file with its reason; a reason file whose kept file was
    removed is listed too (size null)."""
    try:
        entries = [p for p in failed_dir.iterdir() if p.is_file() and not p.name.startswith(".")]
    except FileNotFoundError:
        return FailedList(total=0, files=[])
    reasons = {p.name[: -len(REASON_SUFFIX)]: p for p in entries if p.name.endswith(REASON_SUFFIX)}
    kept = {p.name: p for p in entries if not p.name.endswith(REASON_SUFFIX)}
    rows: list[tuple[float, FailedFile]] = []
    for name in sorted(set(kept) | set(reasons)):
        file, reason_file = kept.get(name), reasons.get(name)
        reason, failed_at = read_reason(reason_file) if reason_file else (None, None)
        try:
            stat = (file or reason_file).stat()  # type: ignore[union-attr]
        except OSError:
            continue
        rows.append((stat.st_mtime, FailedFile(
            name=name, reason=reason, failed_at=failed_at, size_bytes=stat.st_size if file else None,
        )))
    rows.sort(key=lambda row: row[0], reverse=True)
    return FailedList(total=len(rows), files=[row[1] for row in rows[:limit]])


def _last_promotions(history: list[dict[str, Any]]) -> dict[str, PromotionScores]:
    found: dict[str, PromotionScores] = {}
    for event in history:  # oldest first: later promotions replace earlier ones
        if event.get("event") == "promote" and event.get("name"):
            scores = event.get("scores")
            found[str(event["name"])] = PromotionScores(
                at=event.get("at"), forced=bool(event.get("forced")), scores=scores if isinstance(scores, dict) else None
            )
    return found


class AdminService:
    def __init__(
        self,
        settings: Settings,
        *,
        ledger: Ledger,
        store: VectorStore,
        history: MetricsHistory | None,
        registry: AdapterRegistry | None = None,
    ) -> None:
        self.settings = settings
        self._ledger = ledger
        self._store = store
        self._history = history
        self._registry = registry or AdapterRegistry(settings)

    def overview(self) -> Overview:
        documents = self._ledger.list()
        redactions: Counter[str] = Counter()
        for document in documents:
            redactions.update(document.redactions)
        return Overview(
            generated_at=_now(),
            documents=documents,
            counts=DocumentCounts(
                by_status=dict(Counter(d.status.value for d in documents)),
                redactions=dict(sorted(redactions.items())),
                chunks_in_store=self._chunks_in_store(),
            ),
            failed_files=self.failed().total,
            adapters=self.adapters(),
            answers_last_day=self._answers_summary(24 * 60),
        )

    def failed(self) -> FailedList:
        return list_failed(self.settings.failed_dir)

    def adapters(self) -> AdaptersOverview:
        settings = self.settings
        try:
            infos = self._registry.list(ledger=self._ledger)
            history = self._registry.history()
            promoted = self._registry.promoted()
            error = None
        except KBError as exc:  # an unreadable registry.json: show why instead of failing the page
            log.warning("admin overview: %s", exc)
            infos, history, promoted, error = [], [], None, str(exc)
        promotions = _last_promotions(history)
        summaries = []
        for info in infos:
            data = {k: v for k, v in info.to_dict().items() if k != "path"}
            summaries.append(AdapterSummary(**data, promotion=promotions.get(info.name)))
        default_model = self._registry.default_model()
        return AdaptersOverview(
            active=None if default_model == settings.llm_served_name else default_model,
            promoted=promoted,
            override=settings.llm_adapter,
            default_model=default_model,
            base_model=settings.llm_served_name,
            adapters=summaries,
            history=list(reversed(history))[:HISTORY_EVENTS],
            error=error,
        )

    def history(self, *, minutes: int, resolution: int) -> HistorySeries:
        if self._history is None:
            now = _now()
            return HistorySeries(since=now, until=now, resolution_minutes=resolution, points=[], totals=HistoryTotals(
                answers=0, suppressed=0, suppression_rate=None, latency_ms_avg=None, latency_ms_p95=None))
        return HistorySeries.model_validate(self._history.series(minutes=minutes, resolution=resolution))

    def _answers_summary(self, minutes: int) -> AnswersSummary:
        totals = self.history(minutes=minutes, resolution=minutes).totals
        return AnswersSummary(minutes=minutes, **totals.model_dump())

    def _chunks_in_store(self) -> int | None:
        try:
            return self._store.count()
        except Exception as exc:  # the page still shows the ledger when the store is down
            log.warning("admin overview: the store did not answer: %s", exc)
            return None
