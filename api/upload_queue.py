"""Uploads are ingested off the request path, by a bounded queue and a background worker.

`POST /v1/documents` spools the bytes (see `api/upload_spool.py`) and puts a job here; a
worker thread ingests jobs one at a time through the same pipeline as the inbox and `kb
ingest`. The queue is bounded (``KB_UPLOAD_QUEUE_SIZE`` waiting jobs): when it is full the
upload is refused *before* anything is written, with a Retry-After estimated from recent job
durations, so a burst of uploads can neither fill the disk nor grow an unbounded backlog.

Why a thread in the API process and not a worker process: the API searches the same LanceDB
table object the pipeline writes, so a new document is searchable the moment its job
finishes; parsing, the heaviest pure-Python stage, already runs in its own process
(`ingest/isolation.py`); and the worker thread lowers its own scheduling priority
(``KB_UPLOAD_WORKER_NICE``) so that, on a busy machine, answering gets the CPU first.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

import anyio

from answer.services import Services
from api.upload_service import UploadService
from api.upload_spool import Job, UploadSpool, now_iso
from ingest.failed import free_target, write_reason
from ingest.pipeline import IngestOutcome
from ingest.storage import storage_error
from kb_service.errors import KBError
from kb_service.types import document_id_for

log = logging.getLogger(__name__)

Ingest = Callable[[Job, bytes], IngestOutcome]
_DEFAULT_JOB_SECONDS = 5.0  # Retry-After estimate before the first job has finished
_MAX_RETRY_AFTER = 600
_KEEP_IN_MEMORY = 1000


class QueueFullError(KBError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def outcome_fields(outcome: IngestOutcome) -> dict[str, object]:
    """What the synchronous upload returns (and a finished job carries as `result`)."""
    return {
        "source": outcome.source,
        "status": outcome.status,
        "document_id": outcome.document_id,
        "version": outcome.version,
        "pages": outcome.pages,
        "chunks": outcome.chunks,
        "duplicates": outcome.duplicates,
        "redactions": dict(outcome.redactions),
        "needs_ocr_pages": list(outcome.needs_ocr_pages),
        "ocr_pages": list(outcome.ocr_pages),
        "ocr_confidence": outcome.ocr_confidence,
        "error": outcome.error,
        "seconds": round(outcome.seconds, 3),
    }


def environment_failure(exc: BaseException) -> tuple[str, str]:
    """(error code, reason) for an exception that escaped the pipeline: the data folder
    full or read-only, or a bug."""
    problem = storage_error(exc)
    if problem is not None:
        return ("insufficient_storage" if problem.full else "storage_unavailable"), str(problem)
    return "internal_error", f"internal error ({type(exc).__name__}); see the service log"


def _reason(exc: OSError) -> str:
    problem = storage_error(exc)
    return str(problem) if problem is not None else (exc.strerror or type(exc).__name__)


class UploadQueue:
    def __init__(
        self,
        spool: UploadSpool,
        ingest: Ingest,
        *,
        capacity: int,
        workers: int = 1,
        nice: int = 0,
        on_finished: Callable[[Job], None] | None = None,
        failed_dir: Path | None = None,
    ) -> None:
        self.spool = spool
        self._failed_dir = failed_dir
        self.capacity = capacity
        self._ingest = ingest
        self._workers = workers
        self._nice = nice
        self._on_finished = on_finished
        self._cond = threading.Condition()
        self._waiting: deque[Job] = deque()
        self._reserved = 0  # slots taken by uploads being written to the spool
        self._running: dict[str, Job] = {}
        self._jobs: dict[str, Job] = {}
        self._finished_ids: deque[str] = deque()
        self._durations: deque[float] = deque(maxlen=20)
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self._limiter: anyio.CapacityLimiter | None = None  # made on the event loop, at first use

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Requeue what a previous run left in the spool, then start the workers."""
        try:
            pending, finished = self.spool.recover()
        except OSError as exc:  # a read-only or missing data folder: answer, refuse uploads
            log.error("upload spool %s unusable: %s", self.spool.folder, _reason(exc))
            pending, finished = [], []
        with self._cond:
            for job in finished:
                self._remember(job)
            for job in pending:
                job.status = "queued"
                self._jobs[job.id] = job
                self._waiting.append(job)  # accepted before the restart: never refused now
        if pending:
            log.info("resuming %d spooled upload(s)", len(pending))
        for n in range(self._workers):
            thread = threading.Thread(target=self._work, name=f"upload-worker-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking jobs; a running one may finish within `timeout`. Queued jobs stay in
        the spool for the next start (so does a running one that is cut off)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                log.warning("%s still ingesting at shutdown; its job resumes at the next start", thread.name)
        self.spool.release()

    # --- the request side ----------------------------------------------------------------
    def submit(self, source: str, stream: object) -> Job:
        """Spool an upload and queue it. Raises QueueFullError (nothing written) or StorageError."""
        with self._cond:
            if self._stopping:
                raise QueueFullError("the service is shutting down; retry shortly", self._retry_after())
            if len(self._waiting) + self._reserved >= self.capacity:
                raise QueueFullError(
                    f"the upload queue is full ({self.capacity} documents wait for ingestion); retry later",
                    self._retry_after(),
                )
            self._reserved += 1
        try:
            job = self.spool.accept(source, document_id_for(source), stream)  # type: ignore[arg-type]
        except BaseException:
            with self._cond:
                self._reserved -= 1
            raise
        with self._cond:
            self._reserved -= 1
            self._jobs[job.id] = job
            self._waiting.append(job)
            self._cond.notify()
        # Not the file name: it may hold a person's name; the outcome logs its display name.
        log.info("upload queued as job %s (%d bytes)", job.id, job.size_bytes)
        return job

    async def submit_async(self, source: str, stream: object) -> Job:
        """`submit` on threads of the queue's own (small) limiter: writing an upload to disk
        does not wait behind questions that hold the server's shared thread pool."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(4)
        return await anyio.to_thread.run_sync(self.submit, source, stream, limiter=self._limiter)

    def get(self, job_id: str) -> Job | None:
        """A job of this process, else its record on disk (another replica's, or older)."""
        with self._cond:
            job = self._jobs.get(job_id)
        return job if job is not None else self.spool.find_record(job_id)

    def position(self, job: Job) -> int | None:
        """1 = next to run; None when not waiting."""
        with self._cond:
            for index, waiting in enumerate(self._waiting):
                if waiting.id == job.id:
                    return index + 1
        return None

    def depth(self) -> tuple[int, int]:
        """(waiting, running)"""
        with self._cond:
            return len(self._waiting), len(self._running)

    def retry_after(self) -> int:
        with self._cond:
            return self._retry_after()

    def _retry_after(self) -> int:
        """Seconds until a slot is likely free: one job's time (the mean of recent jobs)
        over the workers, at least 1 s."""
        mean = sum(self._durations) / len(self._durations) if self._durations else _DEFAULT_JOB_SECONDS
        return max(1, min(_MAX_RETRY_AFTER, math.ceil(mean / self._workers)))

    async def wait_finished(self, job: Job, timeout: float) -> Job:
        """Wait without holding a thread (the event loop polls, 20 ms growing to 250 ms)."""
        deadline = time.monotonic() + timeout
        delay = 0.02
        while not job.done:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            await asyncio.sleep(min(delay, left))
            delay = min(delay * 1.5, 0.25)
        return job

    def wait(self, job: Job, timeout: float) -> Job:
        """Blocking wait (CLI and tests)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not job.done and (left := deadline - time.monotonic()) > 0:
                self._cond.wait(left)
        return job

    # --- the worker side -----------------------------------------------------------------
    def _work(self) -> None:
        self._lower_priority()
        while True:
            with self._cond:
                while not self._waiting and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                job = self._waiting.popleft()
                self._running[job.id] = job
            try:
                self._run(job)
            finally:
                with self._cond:
                    self._running.pop(job.id, None)
                    if job.finished:
                        self._remember(job)
                    self._cond.notify_all()

    def _lower_priority(self) -> None:
        """Linux schedules threads individually: renice this one only."""
        if self._nice <= 0 or not hasattr(os, "setpriority"):
            return
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self._nice)
        except OSError as exc:
            log.debug("could not lower the upload worker's priority: %s", exc)

    def _run(self, job: Job) -> None:
        job.status, job.started_at, job.attempts = "running", now_iso(), job.attempts + 1
        self._save(job)
        started = time.perf_counter()
        try:
            data = self.spool.read_bytes(job)
            outcome = self._ingest(job, data)
            job.result, job.error = outcome_fields(outcome), outcome.error
            job.error_code = "ingest_failed" if outcome.status == "failed" else None
            status = outcome.status
        except Exception as exc:  # the data folder full or read-only, or a bug: the job fails, the worker goes on
            job.error_code, job.error = environment_failure(exc)
            if job.error_code == "internal_error":
                log.exception("upload job %s failed", job.id)
            else:
                log.error("upload job %s failed: %s", job.id, job.error)
            status = "failed"
        job.finished_at = now_iso()
        self._durations.append(time.perf_counter() - started)
        # The record says "finished" before the bytes go (a crash in between leaves bytes that
        # the next start removes); the other order could lose the outcome of a finished job.
        job.status = status  # type: ignore[assignment]
        self._save(job)
        try:
            if status == "failed" and job.error_code != "ingest_failed":
                self._keep_failed(job)  # an ingest failure already left its copy in failed/
            else:
                self.spool.discard_bytes(job)
        except OSError as exc:
            log.error("could not clear spooled upload %s: %s", job.id, _reason(exc))
        if self._on_finished is not None:
            try:
                self._on_finished(job)
            except Exception:
                log.exception("upload job callback failed")
        job.done = True

    def _keep_failed(self, job: Job) -> None:
        """Move the bytes next to the other failed files, with the reason when it fits."""
        if self._failed_dir is None:
            self.spool.discard_bytes(job)
            return
        self._failed_dir.mkdir(parents=True, exist_ok=True)
        target = free_target(self._failed_dir, job.source)
        self.spool.move_bytes(job, target)
        try:
            write_reason(target, job.source, job.error)
        except OSError:
            pass

    def _save(self, job: Job) -> None:
        try:
            self.spool.save(job)
        except OSError as exc:  # the in-memory record still answers polls
            log.error("could not record upload job %s: %s", job.id, _reason(exc))

    def _remember(self, job: Job) -> None:
        """Keep finished jobs for polling, the newest _KEEP_IN_MEMORY (caller holds the lock)."""
        self._jobs[job.id] = job
        self._finished_ids.append(job.id)
        while len(self._finished_ids) > _KEEP_IN_MEMORY:
            old = self._jobs.pop(self._finished_ids.popleft(), None)
            if old is not None:
                try:
                    self.spool.forget(old)
                except OSError:
                    pass


def make_upload_queue(services: Services, *, on_finished: Callable[[Job], None] | None = None) -> UploadQueue:
    """The app's queue: jobs go through `UploadService` (failed files kept in failed/)."""
    settings = services.settings
    uploads = UploadService(services.pipeline, settings)
    return UploadQueue(
        UploadSpool(settings.upload_spool_dir),
        lambda job, data: uploads.ingest(job.source, data),
        capacity=settings.upload_queue_size,
        workers=settings.upload_workers,
        nice=settings.upload_worker_nice,
        on_finished=on_finished,
        failed_dir=settings.failed_dir,
    )
