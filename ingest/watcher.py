"""The inbox watcher: waits until a dropped file is complete, ingests it, files it away.

It only calls the pipeline and records the outcome. A file stays in the inbox until it has
been processed, so a crash or a restart simply processes it again (ingestion is idempotent),
and files that arrived while the watcher was down are found by the first scan.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.failed import free_target, write_reason
from ingest.pipeline import IngestOutcome, Pipeline
from kb_service.settings import Settings

log = logging.getLogger(__name__)

_PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", ".swp", ".lock")


def is_partial_name(name: str) -> bool:
    """Temporary or in-progress names that editors, browsers and copy tools use."""
    lowered = name.lower()
    return name.startswith((".", "~$", "~")) or lowered.endswith(_PARTIAL_SUFFIXES) or lowered.endswith("~")


@dataclass(slots=True)
class _Seen:
    size: int
    mtime_ns: int
    stable_since: float


class InboxWatcher:
    def __init__(
        self,
        pipeline: Pipeline,
        inbox: Path,
        settings: Settings,
        *,
        on_outcome: Callable[[IngestOutcome], None] | None = None,
    ) -> None:
        self.pipeline = pipeline
        self._on_outcome = on_outcome  # e.g. the CLI's audit event per file
        self.inbox = inbox
        self.processed_dir = settings.processed_dir
        self.failed_dir = settings.failed_dir
        self._interval = settings.watch_interval
        self._settle = settings.watch_settle_seconds
        self._seen: dict[Path, _Seen] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        for folder in (self.inbox, self.processed_dir, self.failed_dir):
            folder.mkdir(parents=True, exist_ok=True)

    # --- scanning ------------------------------------------------------------------------
    def candidates(self) -> list[Path]:
        found = []
        for path in sorted(self.inbox.rglob("*")):
            relative = path.relative_to(self.inbox)
            if any(is_partial_name(part) for part in relative.parts) or not path.is_file():
                continue
            found.append(path)
        return found

    def ready(self, now: float | None = None) -> list[Path]:
        """Files whose size and mtime have not changed for the settle time."""
        now = time.monotonic() if now is None else now
        ready = []
        present = set()
        for path in self.candidates():
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            present.add(path)
            seen = self._seen.get(path)
            if seen is None or (seen.size, seen.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
                self._seen[path] = _Seen(stat.st_size, stat.st_mtime_ns, now)
                if self._settle > 0:
                    continue
                seen = self._seen[path]
            if now - seen.stable_since >= self._settle:
                ready.append(path)
        for gone in set(self._seen) - present:
            del self._seen[gone]
        return ready

    # --- processing ----------------------------------------------------------------------
    def process(self, path: Path) -> IngestOutcome:
        outcome = self.pipeline.ingest_file(path, source=path.name)
        self._seen.pop(path, None)
        try:
            if outcome.status == "failed":
                target = free_target(self.failed_dir, path.name)
                shutil.move(str(path), target)
                write_reason(target, path.name, outcome.error)
            else:
                shutil.move(str(path), free_target(self.processed_dir, path.name))
        except OSError as exc:
            log.error("could not move %s out of the inbox: %s", outcome.source, exc.strerror)  # display name
        log.info("%s: %s", outcome.source, outcome.status)
        if self._on_outcome is not None:
            self._on_outcome(outcome)
        return outcome

    def run_once(self, *, wait_for_settle: bool = True) -> list[IngestOutcome]:
        paths = self.ready() if wait_for_settle else self.candidates()
        outcomes = [self.process(path) for path in paths]
        if any(o.status == "ingested" for o in outcomes):
            self.pipeline.store.optimize()
        return outcomes

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def run_forever(self) -> None:
        """Scan every interval; file-system events wake the loop early."""
        observer = self._start_observer()
        try:
            while not self._stop.is_set():
                self.run_once()
                self._wake.wait(self._interval)
                self._wake.clear()
        finally:
            if observer is not None:
                observer.stop()
                observer.join(timeout=5)

    def _start_observer(self) -> object | None:
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:
            return None
        wake = self._wake

        class _Handler(FileSystemEventHandler):
            def on_any_event(self, event: object) -> None:
                wake.set()

        observer = Observer()
        observer.schedule(_Handler(), str(self.inbox), recursive=True)
        observer.daemon = True
        observer.start()
        return observer
