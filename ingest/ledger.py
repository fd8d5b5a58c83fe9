"""The ingestion ledger: what was ingested, which version, with what outcome (SQLite).

It holds ids, counts and our own error messages, never document text, so no personal data
can reach it. The title and the source name it lists are the de-identified ones
(``ingest.source_names``); the original name of each document is kept apart, in the
``source_names`` table, which no listing shows and no log prints: it only lets ``find``
(``kb docs delete Jane_Doe_CV.pdf``) reach the document by the name its owner knows.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ingest.storage import storage_error
from kb_service.types import DocumentInfo, DocumentStatus

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    document_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    version TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    format TEXT NOT NULL DEFAULT '',
    pages INTEGER NOT NULL DEFAULT 0,
    chunks INTEGER NOT NULL DEFAULT 0,
    duplicate_chunks INTEGER NOT NULL DEFAULT 0,
    redactions TEXT NOT NULL DEFAULT '{}',
    needs_ocr_pages TEXT NOT NULL DEFAULT '[]',
    ocr_pages TEXT NOT NULL DEFAULT '[]',
    ocr_confidence REAL,
    error TEXT,
    size_bytes INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunk_signatures (
    chunk_id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL,
    signature BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunk_signatures_doc ON chunk_signatures(document_id);
CREATE TABLE IF NOT EXISTS source_names (
    document_id TEXT PRIMARY KEY,
    source TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS source_names_source ON source_names(source);
CREATE TABLE IF NOT EXISTS skipped_chunks (
    document_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    duplicate_of TEXT NOT NULL,
    similarity REAL NOT NULL,
    PRIMARY KEY (document_id, ordinal)
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Ledger:
    """One SQLite file under KB_DATA_DIR, shared by the CLI, the watcher and the API."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.read_only = False
        try:
            self._conn = self._open(path)
        except sqlite3.OperationalError:
            if not path.exists() or os.access(path.parent, os.W_OK):
                raise
            # A read-only data folder: WAL needs its -shm file, so read the file as it is.
            # Every write then raises StorageError; reads (list, show, dedupe) go on.
            log.warning("the data folder is read-only: the ledger %s is opened read-only", path)
            self._conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            self._conn.row_factory = sqlite3.Row
            self.read_only = True

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30.0)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(_SCHEMA)
            _add_missing_columns(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction. A full or read-only data folder raises StorageError; the
        ledger keeps its last committed state (SQLite rolls a failed COMMIT back itself)."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException as exc:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                problem = storage_error(exc, "the ledger could not be written") if isinstance(exc, sqlite3.Error) else None
                if problem is not None:
                    raise problem from exc
                raise

    # --- documents -----------------------------------------------------------------------
    def get(self, document_id: str) -> DocumentInfo | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT * FROM documents WHERE document_id = ?", (document_id,)
            ).fetchone()
        return _info(row) if row else None

    def remember_source(self, document_id: str, source: str) -> None:
        """Keep the original source name of a document, privately (see the module doc)."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO source_names (document_id, source) VALUES (?, ?) "
                "ON CONFLICT(document_id) DO UPDATE SET source = excluded.source",
                (document_id, source),
            )

    def find(self, id_or_source: str) -> DocumentInfo | None:
        """By document id, by original or displayed source name, or by a unique id prefix."""
        found = self.get(id_or_source)
        if found is None:
            with self._lock:
                row = self._conn.execute(
                    "SELECT document_id FROM source_names WHERE source = ?", (id_or_source,)
                ).fetchone()
            if row is not None:
                found = self.get(row["document_id"])
        if found:
            return found
        with self._lock:
            row = self._conn.execute(
                "SELECT * FROM documents WHERE source = ?", (id_or_source,)
            ).fetchone()
            if row:
                return _info(row)
            rows = self._conn.execute(
                "SELECT * FROM documents WHERE document_id LIKE ? || '%'", (id_or_source,)
            ).fetchall()
        return _info(rows[0]) if len(rows) == 1 and len(id_or_source) >= 4 else None

    def list(self, include_deleted: bool = False) -> list[DocumentInfo]:
        query = "SELECT * FROM documents"
        if not include_deleted:
            query += " WHERE status != 'deleted'"
        with self._lock:
            rows = self._conn.execute(query + " ORDER BY source").fetchall()
        return [_info(row) for row in rows]

    def start(self, *, document_id: str, source: str, version: str, fmt: str, size_bytes: int) -> None:
        """Record that a version is being processed (so a crash leaves a trace)."""
        now = _now()
        with self.transaction() as conn:
            conn.execute(
                """
                INSERT INTO documents (document_id, source, version, status, format, size_bytes,
                                       created_at, updated_at)
                VALUES (?, ?, ?, 'processing', ?, ?, ?, ?)
                ON CONFLICT(document_id) DO UPDATE SET
                    status = CASE WHEN documents.status = 'indexed' AND documents.version = excluded.version
                                  THEN 'indexed' ELSE 'processing' END,
                    updated_at = excluded.updated_at
                """,
                (document_id, source, version, fmt, size_bytes, now, now),
            )

    def finish(
        self,
        *,
        document_id: str,
        source: str,
        title: str,
        version: str,
        fmt: str,
        pages: int,
        chunks: int,
        duplicate_chunks: int,
        redactions: dict[str, int],
        needs_ocr_pages: list[int],
        size_bytes: int,
        signatures: list[tuple[str, bytes]],
        skipped: list[tuple[int, str, float]],
        ocr_pages: list[int] | None = None,
        ocr_confidence: float | None = None,
    ) -> None:
        """Record an indexed version, its chunk signatures and the skipped duplicates."""
        now = _now()
        with self.transaction() as conn:
            conn.execute(
                """
                INSERT INTO documents (document_id, source, title, version, status, format, pages,
                    chunks, duplicate_chunks, redactions, needs_ocr_pages, ocr_pages, ocr_confidence,
                    error, size_bytes, created_at, updated_at)
                VALUES (?, ?, ?, ?, 'indexed', ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)
                ON CONFLICT(document_id) DO UPDATE SET
                    source = excluded.source, title = excluded.title, version = excluded.version,
                    status = 'indexed', format = excluded.format, pages = excluded.pages,
                    chunks = excluded.chunks, duplicate_chunks = excluded.duplicate_chunks,
                    redactions = excluded.redactions, needs_ocr_pages = excluded.needs_ocr_pages,
                    ocr_pages = excluded.ocr_pages, ocr_confidence = excluded.ocr_confidence,
                    error = NULL, size_bytes = excluded.size_bytes, updated_at = excluded.updated_at
                """,
                (
                    document_id, source, title, version, fmt, pages, chunks, duplicate_chunks,
                    json.dumps(redactions, sort_keys=True), json.dumps(needs_ocr_pages),
                    json.dumps(ocr_pages or []), ocr_confidence, size_bytes, now, now,
                ),
            )
            conn.execute("DELETE FROM chunk_signatures WHERE document_id = ?", (document_id,))
            conn.executemany(
                "INSERT OR REPLACE INTO chunk_signatures (chunk_id, document_id, signature) VALUES (?, ?, ?)",
                [(chunk_id, document_id, sig) for chunk_id, sig in signatures],
            )
            conn.execute("DELETE FROM skipped_chunks WHERE document_id = ?", (document_id,))
            conn.executemany(
                "INSERT INTO skipped_chunks (document_id, ordinal, duplicate_of, similarity) VALUES (?, ?, ?, ?)",
                [(document_id, ordinal, dup, sim) for ordinal, dup, sim in skipped],
            )

    def fail(self, *, document_id: str, source: str, version: str, fmt: str, size_bytes: int, error: str) -> None:
        """Record a failed attempt. A previously indexed version stays indexed and searchable."""
        now = _now()
        with self.transaction() as conn:
            conn.execute(
                """
                INSERT INTO documents (document_id, source, version, status, format, size_bytes, error,
                                       created_at, updated_at)
                VALUES (?, ?, ?, 'failed', ?, ?, ?, ?, ?)
                ON CONFLICT(document_id) DO UPDATE SET
                    status = CASE WHEN documents.chunks > 0 AND documents.status IN ('indexed', 'processing')
                                  THEN 'indexed' ELSE 'failed' END,
                    error = excluded.error, updated_at = excluded.updated_at
                """,
                (document_id, source, version, fmt, size_bytes, error, now, now),
            )

    def mark_deleted(self, document_id: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE documents SET status = 'deleted', chunks = 0, updated_at = ? WHERE document_id = ?",
                (_now(), document_id),
            )
            conn.execute("DELETE FROM chunk_signatures WHERE document_id = ?", (document_id,))
            conn.execute("DELETE FROM skipped_chunks WHERE document_id = ?", (document_id,))
            conn.execute("DELETE FROM source_names WHERE document_id = ?", (document_id,))

    # --- de-duplication state ------------------------------------------------------------
    def signatures(self, exclude_document: str | None = None) -> Iterator[tuple[str, str, bytes]]:
        """(chunk_id, document_id, signature) of every indexed chunk."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT chunk_id, document_id, signature FROM chunk_signatures WHERE document_id != ?",
                (exclude_document or "",),
            ).fetchall()
        for row in rows:
            yield row["chunk_id"], row["document_id"], row["signature"]

    def skipped(self, document_id: str) -> list[tuple[int, str, float]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT ordinal, duplicate_of, similarity FROM skipped_chunks WHERE document_id = ? ORDER BY ordinal",
                (document_id,),
            ).fetchall()
        return [(row["ordinal"], row["duplicate_of"], row["similarity"]) for row in rows]


# Columns added after the first release: (name, declaration). A ledger written before them
# gets them on open, its rows kept (an older read-only ledger is read without them).
_ADDED_COLUMNS = (("ocr_pages", "TEXT NOT NULL DEFAULT '[]'"), ("ocr_confidence", "REAL"))


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    present = {row["name"] for row in conn.execute("PRAGMA table_info(documents)")}
    for name, declaration in _ADDED_COLUMNS:
        if name not in present:
            conn.execute(f"ALTER TABLE documents ADD COLUMN {name} {declaration}")


def _info(row: sqlite3.Row) -> DocumentInfo:
    keys = row.keys()
    return DocumentInfo(
        document_id=row["document_id"],
        source=row["source"],
        title=row["title"],
        version=row["version"],
        status=DocumentStatus(row["status"]),
        format=row["format"],
        pages=row["pages"],
        chunks=row["chunks"],
        duplicate_chunks=row["duplicate_chunks"],
        redactions=json.loads(row["redactions"]),
        needs_ocr_pages=json.loads(row["needs_ocr_pages"]),
        ocr_pages=json.loads(row["ocr_pages"]) if "ocr_pages" in keys else [],
        ocr_confidence=row["ocr_confidence"] if "ocr_confidence" in keys else None,
        error=row["error"],
        size_bytes=row["size_bytes"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
