"""The ingestion pipeline: parse -> de-identify -> chunk -> dedupe -> embed -> store.

It calls one stage module after another and records each outcome in the ledger. Personal data
is removed from every block (and the title) before chunking, so nothing that is stored,
embedded, logged or deduplicated ever saw it. A failing file is recorded and the batch goes
on; the index keeps the previous version of that document untouched. Parsing, the stage that
reads the untrusted bytes, runs in a worker process under a time and a memory limit
(``ingest/isolation.py``), so a hostile file fails alone and cannot take the process down.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from ingest.chunk import ChunkConfig, Chunker, Piece
from ingest.dedupe import Deduplicator
from ingest.deidentify import DeidentifyConfig, DeidSession, Deidentifier
from ingest.errors import FileTooLargeError, IngestError
from ingest.isolation import DocumentParser, make_parser
from ingest.ledger import Ledger
from ingest.outcomes import (  # noqa: F401 - re-exported: the CLI, the watcher and the API import them here
    BatchReport,
    IngestOutcome,
    ProgressListener,
    _Silent,
    expand_paths,
)
from ingest.source_names import display_name, readable_title
from ingest.storage import storage_error
from ingest.parse import detect_format
from ingest.parse.document import Block, ParsedDocument
from kb_service.embedder import Embedder, make_embedder
from kb_service.errors import DocumentNotFoundError
from kb_service.settings import Settings
from kb_service.store import Eq, VectorStore, make_store
from kb_service.store.lancedb_store import text_hash
from kb_service.types import (
    Chunk,
    DocumentInfo,
    DocumentStatus,
    StoredChunk,
    chunk_id_for,
    document_id_for,
    sha256_bytes,
)

log = logging.getLogger(__name__)

STAGES = ("parse", "deidentify", "chunk", "dedupe", "embed", "store")


class Pipeline:
    """Owns the stage objects for one process. Thread-safe: documents are processed one at a
    time, because the de-duplication index is shared."""

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        store: VectorStore | None = None,
        deidentifier: Deidentifier | None = None,
        ledger: Ledger | None = None,
        parser: DocumentParser | None = None,
    ) -> None:
        self.settings = settings
        self.parser = parser or make_parser(settings)  # no process starts before warm_up or a parse
        self.embedder = embedder or make_embedder(settings)
        self.deidentifier = deidentifier or Deidentifier(DeidentifyConfig.from_settings(settings))
        self._store = store
        self._ledger = ledger
        self._chunker: Chunker | None = None
        self._dedupe: Deduplicator | None = None
        self._lock = threading.RLock()

    # --- lifecycle -----------------------------------------------------------------------
    def warm_up(self) -> None:
        self.parser.warm_up()  # the parse worker boots while the models load
        self.embedder.warm_up()
        self.deidentifier.warm_up()
        _ = self.store, self.ledger, self.chunker
        self._refresh_dedupe()

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            self._ledger = Ledger(self.settings.ledger_path)
        return self._ledger

    @property
    def store(self) -> VectorStore:
        if self._store is None:
            self._store = make_store(self.settings, self.embedder.dim)
        return self._store

    @property
    def chunker(self) -> Chunker:
        if self._chunker is None:
            config = ChunkConfig(
                chunk_tokens=self.settings.chunk_tokens,
                chunk_overlap=self.settings.chunk_overlap,
                max_model_tokens=self.embedder.max_tokens,
            )
            self._chunker = Chunker(self.embedder.tokenizer, config)
        return self._chunker

    def _refresh_dedupe(self) -> Deduplicator:
        if self._dedupe is None:
            self._dedupe = Deduplicator(self.settings.dedupe_threshold, self.settings.dedupe_num_perm)
        self._dedupe.load(self.ledger.signatures())
        return self._dedupe

    def close(self) -> None:
        self.parser.close()
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None

    # --- batch ---------------------------------------------------------------------------
    def ingest_paths(self, paths: Sequence[Path], listener: ProgressListener | None = None) -> BatchReport:
        listener = listener or _Silent()
        files = expand_paths(paths)
        started = time.perf_counter()
        outcomes = []
        with self._lock:
            self._refresh_dedupe()
            for index, path in enumerate(files):
                listener.document_started(path.name, index, len(files))
                outcome = self.ingest_file(path, listener=listener)
                listener.document_finished(outcome)
                outcomes.append(outcome)
            if any(o.status == "ingested" for o in outcomes):
                self.store.optimize()
        return BatchReport(outcomes, time.perf_counter() - started)

    def ingest_file(self, path: Path, *, source: str | None = None, listener: ProgressListener | None = None) -> IngestOutcome:
        source = source or path.name
        try:
            self._check_size(source, path.stat().st_size)  # before reading a huge file
            data = path.read_bytes()
        except IngestError as exc:
            return self._record_failure(source, str(path), "", size_bytes=0, error=str(exc))
        except OSError as exc:
            return self._record_failure(source, str(path), "", size_bytes=0, error=f"{source}: cannot read file ({exc.strerror})")
        return self.ingest_bytes(data, source, path=str(path), listener=listener)

    # --- one document --------------------------------------------------------------------
    def ingest_bytes(
        self, data: bytes, source: str, *, path: str | None = None, listener: ProgressListener | None = None
    ) -> IngestOutcome:
        listener = listener or _Silent()
        path = path or source
        document_id = document_id_for(source)  # identity: the original name (re-ingest, delete)
        version = sha256_bytes(data)
        with self._lock:
            try:
                self._check_size(source, len(data))  # uploads arrive here without ingest_file
            except IngestError as exc:
                return self._record_failure(source, path, version, size_bytes=len(data), error=str(exc))
            session = self.deidentifier.session()
            display = display_name(session, source)  # what the store, ledger and logs see
            known = self.ledger.get(document_id)
            if known and known.status == DocumentStatus.INDEXED and known.version == version:
                if known.chunks == 0 or self.store.count(Eq("document_id", document_id)) == known.chunks:
                    return IngestOutcome(display, path, "unchanged", document_id, version, known.pages, known.chunks)
            try:
                fmt = detect_format(source)
            except IngestError as exc:
                return self._record_failure(source, path, version, size_bytes=len(data), error=str(exc))
            self.ledger.start(document_id=document_id, source=display, version=version, fmt=fmt, size_bytes=len(data))
            self.ledger.remember_source(document_id, source)
            try:
                return self._process(data, display, path, document_id, version, fmt, listener, session)
            except IngestError as exc:
                self._rollback_dedupe(document_id)
                return self._record_failure(source, path, version, size_bytes=len(data), error=str(exc), fmt=fmt)
            except Exception as exc:  # a bug or an environment fault: record it, keep the batch going
                self._rollback_dedupe(document_id)
                if (problem := storage_error(exc, f"{display} was not stored")) is not None:
                    # The data folder is full or read-only: not the file's fault. Stop with the
                    # reason (the ledger records it if it still can; the store is unchanged).
                    try:
                        self._record_failure(source, path, version, size_bytes=len(data), error=str(problem), fmt=fmt)
                    except Exception:
                        pass
                    raise problem from exc
                log.exception("internal error while ingesting %s", display)
                kind = getattr(exc, "type_name", type(exc).__name__)  # a parse worker's bug names its own
                return self._record_failure(
                    source, path, version, size_bytes=len(data), fmt=fmt,
                    error=f"{display}: internal error ({kind}); see the service log",
                )

    def _process(
        self, data: bytes, source: str, path: str, document_id: str, version: str, fmt: str,
        listener: ProgressListener, session: DeidSession,
    ) -> IngestOutcome:
        """``source`` is the de-identified display name from here on."""
        timings: dict[str, float] = {}
        started = time.perf_counter()

        listener.stage(source, "parse", 0, 1)
        parsed = self.parser.parse(data, source)  # untrusted bytes: under time and memory limits
        timings["parse"] = time.perf_counter() - started
        listener.stage(source, "parse", 1, 1)

        mark = time.perf_counter()
        title, blocks, redactions = self._deidentify(parsed, source, listener, session)
        timings["deidentify"] = time.perf_counter() - mark

        mark = time.perf_counter()
        pieces = self.chunker.chunk(title, blocks)
        timings["chunk"] = time.perf_counter() - mark
        listener.stage(source, "chunk", 1, 1)

        mark = time.perf_counter()
        dedupe = self._refresh_dedupe() if self._dedupe is None else self._dedupe
        kept: list[Chunk] = []
        signatures: list[tuple[str, bytes]] = []
        skipped: list[tuple[int, str, float]] = []
        for ordinal, piece in enumerate(pieces):
            chunk = self._make_chunk(piece, ordinal, source, document_id, version, title)
            minhash = dedupe.signature(chunk.text)
            duplicate = dedupe.check(chunk.chunk_id, document_id, minhash)
            if duplicate is None:
                kept.append(chunk)
                signatures.append((chunk.chunk_id, dedupe.to_bytes(minhash)))
            else:
                skipped.append((ordinal, duplicate.chunk_id, round(duplicate.similarity, 4)))
        timings["dedupe"] = time.perf_counter() - mark
        listener.stage(source, "dedupe", 1, 1)

        mark = time.perf_counter()
        vectors = self._embed(kept, document_id, source, listener)
        timings["embed"] = time.perf_counter() - mark

        mark = time.perf_counter()
        listener.stage(source, "store", 0, 1)
        stored = [StoredChunk(chunk, vector) for chunk, vector in zip(kept, vectors, strict=True)]
        self.store.replace_document(document_id, stored)
        self.ledger.finish(
            document_id=document_id, source=source, title=title, version=version, fmt=fmt,
            pages=parsed.pages, chunks=len(kept), duplicate_chunks=len(skipped),
            redactions=redactions, needs_ocr_pages=parsed.needs_ocr_pages, size_bytes=len(data),
            ocr_pages=parsed.ocr_pages, ocr_confidence=parsed.ocr_confidence,
            signatures=signatures, skipped=skipped,
        )
        dedupe.commit(document_id)
        timings["store"] = time.perf_counter() - mark
        listener.stage(source, "store", 1, 1)

        log.info(
            "ingested %s: %d pages, %d chunks, %d duplicates, %d redactions",
            source, parsed.pages, len(kept), len(skipped), sum(redactions.values()),
        )
        return IngestOutcome(
            source, path, "ingested", document_id, version, parsed.pages, len(kept), len(skipped),
            redactions, parsed.needs_ocr_pages, None, time.perf_counter() - started, timings,
            parsed.ocr_pages, parsed.ocr_confidence,
        )

    def _deidentify(
        self, parsed: ParsedDocument, source: str, listener: ProgressListener, session: DeidSession
    ) -> tuple[str, list[Block], dict[str, int]]:
        # A title taken from a file name ("Jane_Doe_CV") is read as words.
        texts = [readable_title(parsed.title)] + [block.text for block in parsed.blocks]
        listener.stage(source, "deidentify", 0, len(texts))
        redacted = session.redact_many(texts)
        listener.stage(source, "deidentify", len(texts), len(texts))
        blocks = [
            Block(result.text, block.page, block.kind, block.level)
            for block, result in zip(parsed.blocks, redacted[1:], strict=True)
        ]
        return redacted[0].text, blocks, dict(session.counts)

    @staticmethod
    def _make_chunk(piece: Piece, ordinal: int, source: str, document_id: str, version: str, title: str) -> Chunk:
        return Chunk(
            chunk_id=chunk_id_for(version, ordinal),
            document_id=document_id,
            source=source,
            title=title,
            version=version,
            ordinal=ordinal,
            text=piece.text,
            section_path=piece.section_path,
            page_start=piece.page_start,
            page_end=piece.page_end,
            token_count=piece.token_count,
        )

    def _embed(self, chunks: list[Chunk], document_id: str, source: str, listener: ProgressListener) -> list[list[float]]:
        """Vectors for the chunks, reusing those of unchanged text in the stored version."""
        texts = [chunk.embedding_text() for chunk in chunks]
        known = self.store.vectors_by_hash(document_id) if chunks else {}
        vectors: list[list[float] | None] = [known.get(text_hash(text)) for text in texts]
        todo = [i for i, vector in enumerate(vectors) if vector is None]
        batch = self.settings.embedding_batch_size
        listener.stage(source, "embed", 0, len(todo))
        for start in range(0, len(todo), batch):
            indices = todo[start : start + batch]
            for i, vector in zip(indices, self.embedder.embed([texts[i] for i in indices]), strict=True):
                vectors[i] = vector
            listener.stage(source, "embed", min(start + batch, len(todo)), len(todo))
        return [vector for vector in vectors if vector is not None]

    def _record_failure(
        self, source: str, path: str, version: str, *, size_bytes: int, error: str, fmt: str = ""
    ) -> IngestOutcome:
        """``source`` is the original name: the ledger, the log and the outcome get its
        display name, and so does the error message."""
        document_id = document_id_for(source)
        display = display_name(self.deidentifier.session(), source)
        error = error.replace(source, display)
        self.ledger.fail(document_id=document_id, source=display, version=version, fmt=fmt, size_bytes=size_bytes, error=error)
        self.ledger.remember_source(document_id, source)
        log.warning("failed to ingest %s: %s", display, error)
        return IngestOutcome(display, path, "failed", document_id, version, error=error)

    def _rollback_dedupe(self, document_id: str) -> None:
        if self._dedupe is not None:
            self._dedupe.rollback(document_id)

    def _check_size(self, source: str, size: int) -> None:
        if size > self.settings.max_file_mb * 1024 * 1024:
            raise FileTooLargeError(
                f"{source} is {size / 1048576:.1f} MB; the limit is {self.settings.max_file_mb:g} MB (KB_MAX_FILE_MB)"
            )

    # --- documents -----------------------------------------------------------------------
    def delete(self, id_or_source: str) -> DocumentInfo:
        with self._lock:
            info = self.ledger.find(id_or_source)
            if info is None or info.status == DocumentStatus.DELETED:
                raise DocumentNotFoundError(f"no document {id_or_source!r}")
            self.store.delete(Eq("document_id", info.document_id))
            self.ledger.mark_deleted(info.document_id)
            if self._dedupe is not None:
                self._dedupe.remove_document(info.document_id)
            log.info("deleted document %s", info.document_id)
            return info
