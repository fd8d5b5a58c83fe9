"""Feedback on answers: a rating (up / down) with an optional comment, kept append-only.

One JSON object per line in ``$KB_DATA_DIR/feedback.jsonl``. The comment and the question
are free text typed by a person, so they go through the ingestion de-identifier before they
are written: personal data never lands on disk, here as anywhere else. Each record is
written with a single ``write`` on a file opened for appending, so concurrent writers (threads
or API replicas sharing the data folder) never interleave inside a line.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

Rating = Literal["up", "down"]


@dataclass(frozen=True)
class FeedbackRecord:
    id: str
    created_at: str
    answer_id: str
    rating: Rating
    comment: str | None
    question: str | None


class FeedbackService:
    def __init__(self, path: Path, *, scrub: Callable[[str], str]) -> None:
        self.path = path
        self._scrub = scrub  # the ingestion de-identifier
        self._lock = threading.Lock()

    def record(
        self, *, answer_id: str, rating: Rating, comment: str | None = None, question: str | None = None
    ) -> FeedbackRecord:
        record = FeedbackRecord(
            id=f"fb-{uuid.uuid4().hex}",
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            answer_id=answer_id,
            rating=rating,
            comment=self._clean(comment),
            question=self._clean(question),
        )
        line = json.dumps(asdict(record), ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
        return record

    def read(self) -> list[FeedbackRecord]:
        """Every record, oldest first (for reports and tests)."""
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as handle:
            return [FeedbackRecord(**json.loads(line)) for line in handle if line.strip()]

    def _clean(self, text: str | None) -> str | None:
        if text is None or not text.strip():
            return None
        return self._scrub(text.strip())
