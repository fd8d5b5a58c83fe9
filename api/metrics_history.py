"""Answers over time: per-minute buckets of answers, suppressions and answer latency.

Prometheus counters say how many answers there were since the process started; the admin
page wants a chart over hours and days that survives a restart without a Prometheus server.
So each app keeps a bounded ring of minute buckets in memory and appends them to a JSONL
file under ``KB_DATA_DIR/metrics/``.

Every line of the file is a *delta*: what was observed in one minute since the previous line
for that minute was written. Loading adds the lines of a minute up, so writing a partial
minute (at most every ``flush_seconds``, when the minute ends, and when the app stops) never
counts an answer twice, and several API processes may append to one file. A delta waits at
most ``flush_seconds`` (a timer writes it when no answer follows), so a crash loses at most
that much. When the file holds many more lines than
the ring keeps, loading rewrites it with one line per kept minute.

Latency percentiles are approximate: each bucket keeps a histogram over fixed edges, and the
95th percentile is interpolated inside the histogram bin it falls in. Histograms add up, so
a coarser resolution (5, 15, 60 minutes) has a p95 of its own, not an average of p95s.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

HISTORY_FILE = "answers-per-minute.jsonl"
DEFAULT_CAPACITY = 7 * 24 * 60  # minutes kept in memory (non-empty minutes only): a week
DEFAULT_FLUSH_SECONDS = 10.0
# Upper edges of the latency histogram bins, in milliseconds; the last bin is open.
LATENCY_EDGES_MS: tuple[float, ...] = (
    50, 100, 250, 500, 1_000, 2_000, 3_000, 5_000, 7_500, 10_000, 15_000, 20_000, 30_000, 60_000, 120_000,
)


def history_path(data_dir: Path) -> Path:
    return data_dir / "metrics" / HISTORY_FILE


def _iso(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="seconds")


@dataclass
class Bucket:
    """What was observed in one span of time (a minute, or several added up)."""

    minute: int  # epoch seconds of the span's first minute
    answers: int = 0
    suppressed: int = 0
    latency_sum_ms: float = 0.0
    latency_count: int = 0
    latency_hist: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_EDGES_MS) + 1))

    def observe(self, *, suppressed: bool, latency_ms: float | None) -> None:
        self.answers += 1
        self.suppressed += int(suppressed)
        if latency_ms is not None and latency_ms >= 0:
            self.latency_sum_ms += latency_ms
            self.latency_count += 1
            self.latency_hist[bisect.bisect_left(LATENCY_EDGES_MS, latency_ms)] += 1

    def add(self, other: Bucket) -> None:
        self.answers += other.answers
        self.suppressed += other.suppressed
        self.latency_sum_ms += other.latency_sum_ms
        self.latency_count += other.latency_count
        for i, count in enumerate(other.latency_hist):
            self.latency_hist[i] += count

    @property
    def empty(self) -> bool:
        return self.answers == 0

    def percentile_ms(self, q: float) -> float | None:
        """The q-quantile (0..1) of the latencies, interpolated inside its histogram bin.
        In the open last bin the largest edge is returned: a lower bound."""
        counted = sum(self.latency_hist)
        if counted == 0:
            return None
        rank = q * counted
        seen = 0
        for i, count in enumerate(self.latency_hist):
            if count and seen + count >= rank:
                if i == len(LATENCY_EDGES_MS):
                    return float(LATENCY_EDGES_MS[-1])
                low = LATENCY_EDGES_MS[i - 1] if i else 0.0
                high = LATENCY_EDGES_MS[i]
                return round(low + (high - low) * max(rank - seen, 0.0) / count, 1)
            seen += count
        return float(LATENCY_EDGES_MS[-1])

    def to_json(self) -> dict[str, Any]:
        return {
            "minute": self.minute,
            "answers": self.answers,
            "suppressed": self.suppressed,
            "latency_sum_ms": round(self.latency_sum_ms, 2),
            "latency_count": self.latency_count,
            "latency_hist": list(self.latency_hist),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Bucket:
        hist = [int(v) for v in data.get("latency_hist") or []]
        size = len(LATENCY_EDGES_MS) + 1
        if len(hist) != size:  # written with other edges: the average survives, the p95 not
            hist = [0] * size
        return cls(
            minute=int(data["minute"]),
            answers=int(data.get("answers", 0)),
            suppressed=int(data.get("suppressed", 0)),
            latency_sum_ms=float(data.get("latency_sum_ms", 0.0)),
            latency_count=int(data.get("latency_count", 0)),
            latency_hist=hist,
        )

    def summary(self) -> dict[str, Any]:
        """The bucket as the admin page reads it."""
        return {
            "start": _iso(self.minute),
            "minute": self.minute,
            "answers": self.answers,
            "suppressed": self.suppressed,
            "suppression_rate": round(self.suppressed / self.answers, 4) if self.answers else None,
            "latency_ms_avg": round(self.latency_sum_ms / self.latency_count, 1) if self.latency_count else None,
            "latency_ms_p95": self.percentile_ms(0.95),
        }


class MetricsHistory:
    """The ring of minute buckets of one app, backed by an append-only JSONL file.

    Thread-safe (answers are observed from the request thread pool). The file is read on
    first use, not when the app is built."""

    def __init__(
        self,
        path: Path | None,
        *,
        capacity: int = DEFAULT_CAPACITY,
        flush_seconds: float = DEFAULT_FLUSH_SECONDS,
        clock: Any = time.time,
    ) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least one minute")
        self.path = path
        self.capacity = capacity
        self.flush_seconds = flush_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._ring: dict[int, Bucket] = {}
        self._pending: Bucket | None = None  # observed, not yet written
        self._last_flush = 0.0
        self._timer: threading.Timer | None = None  # writes a pending delta that no answer follows
        self._loaded = False

    # --- writing ------------------------------------------------------------------------
    def record(self, *, suppressed: bool, latency_ms: float | None) -> None:
        now = self._clock()
        minute = int(now // 60) * 60
        with self._lock:
            self._ensure_loaded()
            if self._pending is not None and self._pending.minute != minute:
                self._flush_locked(now)
            if self._pending is None:
                self._pending = Bucket(minute)
            self._pending.observe(suppressed=suppressed, latency_ms=latency_ms)
            self._bucket(minute).observe(suppressed=suppressed, latency_ms=latency_ms)
            if now - self._last_flush >= self.flush_seconds:
                self._flush_locked(now)
            elif self._timer is None and self.path is not None:
                wait = min(self.flush_seconds, max(0.0, self.flush_seconds - (now - self._last_flush)))
                self._timer = threading.Timer(wait, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        """Write what was observed and not yet written (the app calls this when it stops)."""
        with self._lock:
            self._flush_locked(self._clock())

    def _flush_locked(self, now: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        pending, self._pending = self._pending, None
        self._last_flush = now
        if pending is None or pending.empty or self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(pending.to_json(), separators=(",", ":")) + "\n")
        except OSError as exc:  # the chart loses a point; answering must not fail for it
            log.warning("could not write the metrics history to %s: %s", self.path, exc)

    def _bucket(self, minute: int) -> Bucket:
        bucket = self._ring.get(minute)
        if bucket is None:
            bucket = self._ring[minute] = Bucket(minute)
            while len(self._ring) > self.capacity:
                del self._ring[min(self._ring)]
        return bucket

    # --- reading ------------------------------------------------------------------------
    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self.path is None or not self.path.exists():
            return
        lines = 0
        try:
            with self.path.open(encoding="utf-8") as handle:
                for line in handle:
                    lines += 1
                    try:
                        delta = Bucket.from_json(json.loads(line))
                    except (ValueError, KeyError, TypeError):
                        continue  # a line cut short by a crash
                    self._bucket(delta.minute).add(delta)
        except OSError as exc:
            log.warning("could not read the metrics history %s: %s", self.path, exc)
            return
        if lines > 2 * max(len(self._ring), 1) + 1000:
            self._compact()

    def _compact(self) -> None:
        """Rewrite the file with one line per kept minute (atomically)."""
        assert self.path is not None
        fd, tmp = tempfile.mkstemp(prefix=".history-", suffix=".jsonl", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                for minute in sorted(self._ring):
                    handle.write(json.dumps(self._ring[minute].to_json(), separators=(",", ":")) + "\n")
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("could not compact the metrics history %s: %s", self.path, exc)
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    def buckets(self, *, since: float | None = None) -> list[Bucket]:
        """Copies of the kept minute buckets, oldest first."""
        with self._lock:
            self._ensure_loaded()
            return [
                _copy(self._ring[minute])
                for minute in sorted(self._ring)
                if since is None or minute >= since
            ]

    def series(self, *, minutes: int, resolution: int = 1) -> dict[str, Any]:
        """The last `minutes` minutes in steps of `resolution` minutes: one point per step
        that saw answers (steps without answers are left out), and the totals."""
        if minutes < 1 or resolution < 1:
            raise ValueError("minutes and resolution must be positive")
        now = self._clock()
        step = resolution * 60
        end = (int(now // 60) + 1) * 60  # the end of the current minute
        start = end - minutes * 60
        points: dict[int, Bucket] = {}
        total = Bucket(start)
        for bucket in self.buckets(since=start):
            key = start + ((bucket.minute - start) // step) * step
            points.setdefault(key, Bucket(key)).add(bucket)
            total.add(bucket)
        return {
            "since": _iso(start),
            "until": _iso(end),
            "resolution_minutes": resolution,
            "points": [points[key].summary() for key in sorted(points)],
            "totals": {k: v for k, v in total.summary().items() if k not in ("start", "minute")},
        }


def _copy(bucket: Bucket) -> Bucket:
    return Bucket(
        bucket.minute, bucket.answers, bucket.suppressed, bucket.latency_sum_ms, bucket.latency_count,
        list(bucket.latency_hist),
    )

