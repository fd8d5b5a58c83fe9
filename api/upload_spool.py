"""The upload spool: accepted uploads on disk until they are ingested.

An upload is accepted (202, or the synchronous 201/200/422) only after its bytes and its job
record are on disk and fsync'd, so a crash or a `kill -9` of the API loses nothing: the next
start finds every job that was queued or running and ingests it again (ingestion is
idempotent, the same contract as the watcher's inbox). Layout of ``KB_DATA_DIR/uploads``:

    <owner>.lock                held (flock) by the API process that owns <owner>/ while it lives
    <owner>/<job id>.upload     the uploaded bytes, while the job is queued or running
    <owner>/<job id>.json       the job record (status, outcome), replaced atomically on every change

Each API process spools into a folder of its own, so replicas sharing the data folder never
take each other's jobs; a process that starts adopts the folders whose owner died (its lock
is free), and with them their unfinished jobs. The record is written after the bytes, so it
is the commit point: bytes without a record belong to an upload that was never acknowledged
and are removed when adopted. Finished records are kept for clients polling
``GET /v1/documents/jobs/{id}``, the newest ``KEEP_FINISHED``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

from ingest.storage import storage_error

log = logging.getLogger(__name__)

JobStatus = Literal["queued", "running", "ingested", "unchanged", "failed"]
FINISHED: tuple[JobStatus, ...] = ("ingested", "unchanged", "failed")
KEEP_FINISHED = 1000
_COPY_BYTES = 1 << 20


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def new_job_id() -> str:
    """Sortable by creation time (hex nanoseconds), unique by a random suffix."""
    return f"{time.time_ns():016x}{secrets.token_hex(4)}"


@dataclass(slots=True)
class Job:
    id: str
    source: str
    document_id: str
    size_bytes: int
    sha256: str
    status: JobStatus = "queued"
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)
    started_at: str | None = None
    finished_at: str | None = None
    attempts: int = 0  # starts of ingestion; above 1 after a crash or restart mid-ingestion
    error: str | None = None
    error_code: str | None = None  # ingest_failed | insufficient_storage | storage_unavailable | internal_error
    result: dict[str, Any] | None = None  # the ingestion outcome, as the synchronous upload returns it
    # In memory only: set once everything about a finished job is done (record, metrics),
    # so a client that waited sees the same state as one that polls afterwards.
    done: bool = field(default=False, compare=False)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["done"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        names = set(cls.__dataclass_fields__) - {"done"}  # type: ignore[attr-defined]
        job = cls(**{key: value for key, value in data.items() if key in names})
        job.done = job.finished
        return job


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class UploadSpool:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder: Path | None = None  # ours, once claimed
        self._lock_fd: int | None = None

    # --- ownership -------------------------------------------------------------------------
    def claim(self) -> list[Path]:
        """Take a folder of our own (idempotent) and adopt those of dead owners; returns the
        adopted folders. Raises OSError when the data folder cannot be written. Claims are
        serialised by `.claim.lock`, so no process sees another's folder half made."""
        if self.folder is not None:
            return []
        self.root.mkdir(parents=True, exist_ok=True)
        guard = os.open(self.root / ".claim.lock", os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(guard, fcntl.LOCK_EX)
            token = f"p{time.time_ns():x}{secrets.token_hex(2)}"
            folder = self.root / token
            folder.mkdir()
            fd = os.open(self.root / f"{token}.lock", os.O_CREAT | os.O_RDWR, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._lock_fd, self.folder = fd, folder
            adopted = [self.root] if any(self.root.glob("*.json")) or any(self.root.glob("*.upload")) else []
            if adopted:
                self._move_jobs(self.root)  # records written without an owner folder
            for lock in sorted(self.root.glob("*.lock")):
                if lock.stem != token and not lock.name.startswith(".") and self._adopt(lock):
                    adopted.append(lock.with_suffix(""))
            return adopted
        finally:
            os.close(guard)  # releases the claim lock

    def _adopt(self, lock: Path) -> bool:
        """Move a dead owner's jobs into our folder; False when the owner is alive."""
        try:
            fd = os.open(lock, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False  # its process is alive
            folder = lock.with_suffix("")
            if folder.is_dir():
                self._move_jobs(folder)
                folder.rmdir()
            lock.unlink(missing_ok=True)
            return True
        finally:
            os.close(fd)

    def _move_jobs(self, folder: Path) -> None:
        assert self.folder is not None
        for path in folder.iterdir():
            if path.is_file() and path.suffix in (".json", ".upload", ".tmp"):
                os.replace(path, self.folder / path.name)
        _fsync_dir(self.folder)

    def release(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # the folder stays, for the next process to adopt
            self._lock_fd = None

    def find_record(self, job_id: str) -> Job | None:
        """A job record in any owner's folder (a replica polled for a job another accepted)."""
        if not all(ch in "0123456789abcdef" for ch in job_id) or not job_id:
            return None
        for path in self.root.glob(f"*/{job_id}.json"):
            try:
                return Job.from_dict(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                return None
        return None

    def _own(self) -> Path:
        if self.folder is None:
            self.claim()
        assert self.folder is not None
        return self.folder

    def _bytes_path(self, job_id: str) -> Path:
        return self._own() / f"{job_id}.upload"

    def _record_path(self, job_id: str) -> Path:
        return self._own() / f"{job_id}.json"

    # --- accepting -----------------------------------------------------------------------
    def accept(self, source: str, document_id: str, stream: IO[bytes]) -> Job:
        """Copy the upload to disk, fsync it, then commit its record. Raises StorageError (full or read-only)."""
        job_id = new_job_id()
        digest = hashlib.sha256()
        size = 0
        try:
            target = self._bytes_path(job_id)  # claims our folder first if the start could not
            with target.open("xb") as out:
                while block := stream.read(_COPY_BYTES):
                    digest.update(block)
                    size += len(block)
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            job = Job(id=job_id, source=source, document_id=document_id, size_bytes=size, sha256=digest.hexdigest())
            self.save(job)
        except OSError as exc:
            for leftover in (f"{job_id}.upload", f"{job_id}.json", f"{job_id}.json.tmp"):
                try:
                    if self.folder is not None:
                        (self.folder / leftover).unlink(missing_ok=True)
                except OSError:
                    pass
            problem = storage_error(exc, "the upload was not stored")
            if problem is None:
                raise
            raise problem from exc
        return job

    def save(self, job: Job) -> None:
        """Replace the job's record atomically (write, fsync, rename, fsync the folder)."""
        job.updated_at = now_iso()
        final = self._record_path(job.id)
        partial = final.with_name(final.name + ".tmp")
        with partial.open("w", encoding="utf-8") as out:
            json.dump(job.to_dict(), out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, final)
        _fsync_dir(final.parent)

    # --- working -------------------------------------------------------------------------
    def read_bytes(self, job: Job) -> bytes:
        return self._bytes_path(job.id).read_bytes()

    def discard_bytes(self, job: Job) -> None:
        self._bytes_path(job.id).unlink(missing_ok=True)

    def move_bytes(self, job: Job, target: Path) -> None:
        """Rename the spooled bytes (same file system: needs no free space)."""
        os.replace(self._bytes_path(job.id), target)

    # --- restart ---------------------------------------------------------------------------
    def records(self) -> Iterator[Job]:
        for path in sorted(self._own().glob("*.json")):
            try:
                yield Job.from_dict(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError) as exc:
                log.error("unreadable upload job record %s: %s", path.name, exc)

    def recover(self) -> tuple[list[Job], list[Job]]:
        """(unfinished jobs in arrival order, finished ones kept for polling). Removes bytes
        that were never acknowledged and partial records, and prunes old finished records.
        Only our own folder (with what it adopted) is touched: live replicas keep theirs."""
        folder = self._own()
        for partial in folder.glob("*.tmp"):
            partial.unlink(missing_ok=True)
        jobs = sorted(self.records(), key=lambda job: job.id)
        known = {job.id for job in jobs}
        for data in folder.glob("*.upload"):
            if data.stem not in known:
                log.warning("removing an upload that was never acknowledged: %s", data.name)
                data.unlink(missing_ok=True)
        pending = [job for job in jobs if not job.finished and self._bytes_path(job.id).exists()]
        resumable = {job.id for job in pending}
        for job in jobs:
            if not job.finished and job.id not in resumable:
                job.status, job.error = "failed", "the uploaded bytes were lost from the spool"
                job.error_code = "storage_unavailable"
                self.save(job)
        finished = [job for job in jobs if job.finished]
        for job in finished:  # a crash between a job's last record and the removal of its bytes
            self.discard_bytes(job)
        for old in finished[:-KEEP_FINISHED] if len(finished) > KEEP_FINISHED else []:
            self.forget(old)
        return pending, finished[-KEEP_FINISHED:]

    def forget(self, job: Job) -> None:
        self._record_path(job.id).unlink(missing_ok=True)
        self.discard_bytes(job)
