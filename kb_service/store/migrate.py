"""Copy a knowledge base from one VectorStore to another, resumably, and verify the copy.

The core takes two `VectorStore` objects, so every route (LanceDB -> Weaviate, back, or between
two LanceDB folders) is the same code. Documents are copied one at a time with
`replace_document`, which is idempotent, so an interrupted run that is started again simply
skips the documents its state file lists (unless their chunks changed since) and redoes the
one it was in. Verification compares per-document chunk counts, the stored content of sampled
chunks, and the top results of searches made from sampled chunks (their own vector and text).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Protocol, runtime_checkable

from kb_service.errors import StoreError
from kb_service.store.base import VectorStore, text_hash
from kb_service.store.filters import And, Eq
from kb_service.types import Chunk, Passage, StoredChunk

log = logging.getLogger(__name__)

SAMPLE_K = 5
SCORE_TIE = 1e-4
VECTOR_TOLERANCE = 1e-5

# progress(stage, done, total): stage is "copy" or "verify".
Progress = Callable[[str, int, int], None]


@runtime_checkable
class ChunkExporter(Protocol):
    """A store that can give back its chunks with vectors and every stored field."""

    def export_document(self, document_id: str) -> list[StoredChunk]: ...


# --- reading a document back --------------------------------------------------------------
def read_document(
    store: VectorStore,
    document_id: str,
    versions: Mapping[str, str] | None = None,
    passages: Sequence[Passage] | None = None,
) -> tuple[list[StoredChunk], bool]:
    """The document's chunks with their vectors, and whether the copy is lossless.

    A store with `export_document` returns everything. Otherwise the chunks are rebuilt from
    the protocol: `chunks()` gives text and metadata, `vectors_by_hash()` the vectors (keyed by
    the hash of the embedded text); the version comes from `versions` (the ledger) when the
    store confirms it, and token counts and redaction counts are not available. `passages`:
    the document's `chunks()`, when the caller has them already.
    """
    if isinstance(store, ChunkExporter):
        return store.export_document(document_id), True
    if passages is None:
        passages = store.chunks(Eq("document_id", document_id))
    vectors = store.vectors_by_hash(document_id)
    version = _confirmed_version(store, document_id, len(passages), versions)
    rebuilt = [_rebuild(p, vectors, version) for p in passages]
    return rebuilt, False


def _confirmed_version(
    store: VectorStore, document_id: str, count: int, versions: Mapping[str, str] | None
) -> str:
    candidate = (versions or {}).get(document_id)
    if candidate and store.count(And((Eq("document_id", document_id), Eq("version", candidate)))) == count:
        return candidate
    return ""


def _rebuild(passage: Passage, vectors: Mapping[str, list[float]], version: str) -> StoredChunk:
    chunk = Chunk(
        chunk_id=passage.chunk_id,
        document_id=passage.document_id,
        source=passage.source,
        title=passage.title,
        version=version,
        ordinal=passage.ordinal,
        text=passage.text,
        section_path=tuple(passage.section_path),
        page_start=passage.page_start,
        page_end=passage.page_end,
        token_count=0,
    )
    vector = vectors.get(text_hash(chunk.embedding_text()))
    if vector is None:
        raise StoreError(f"chunk {passage.chunk_id} of {passage.document_id} has no stored vector")
    return StoredChunk(chunk, [float(x) for x in vector])


def fingerprint(passages: Sequence[Passage]) -> str:
    """Changes when a document's chunks change (chunk ids derive from version and ordinal)."""
    digest = hashlib.sha256()
    for chunk_id in sorted(p.chunk_id for p in passages):
        digest.update(chunk_id.encode("ascii", "replace") + b"\n")
    return digest.hexdigest()


# --- resumable state ------------------------------------------------------------------------
class MigrationState:
    """Append-only JSONL: a header naming the route, then one line per copied document.

    A line is appended after its document is fully written, so a crash loses at most the
    document in flight; a torn last line is ignored. A file for another route is replaced."""

    def __init__(self, path: Path, route: str) -> None:
        self.path = path
        self.route = route
        self.copied: dict[str, str] = {}
        self._valid = False
        self._torn = False
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        text = self.path.read_text(encoding="utf-8")
        self._torn = bool(text) and not text.endswith("\n")
        records: list[dict[str, str]] = []
        for line in text.splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict):
                records.append(record)
        if not records or records[0].get("route") != self.route:
            log.info("migration state at %s is for another route; starting over", self.path)
            return
        self._valid = True
        for record in records[1:]:
            if "document_id" in record and "fingerprint" in record:
                self.copied[record["document_id"]] = record["fingerprint"]

    def reset(self) -> None:
        self.copied = {}
        self._valid = False
        self.path.unlink(missing_ok=True)

    def record(self, document_id: str, print_: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a" if self._valid else "w", encoding="utf-8") as handle:
            if not self._valid:
                handle.write(json.dumps({"route": self.route}) + "\n")
            elif self._torn:  # a crash cut the last line short: start a fresh one
                handle.write("\n")
            handle.write(json.dumps({"document_id": document_id, "fingerprint": print_}) + "\n")
        self._valid, self._torn = True, False
        self.copied[document_id] = print_


# --- results -------------------------------------------------------------------------------
@dataclass
class DocumentCount:
    document_id: str
    source: int
    target: int


@dataclass
class SampleResult:
    chunk_id: str
    document_id: str
    content_ok: bool
    agree: dict[str, bool]  # mode -> same top result (vector, hybrid)
    overlap: float  # shared share of the vector top-k
    # Keyword-only top results are reported, not required: the backends' BM25 tokenizers differ
    # (LanceDB stems English words, Weaviate does not).
    keyword_agrees: bool = True

    @property
    def ok(self) -> bool:
        return self.content_ok and all(self.agree.values())


@dataclass
class Verification:
    source_documents: int = 0
    target_documents: int = 0
    source_chunks: int = 0
    target_chunks: int = 0
    count_mismatches: list[DocumentCount] = field(default_factory=list)
    samples: list[SampleResult] = field(default_factory=list)

    @property
    def failed_samples(self) -> list[SampleResult]:
        return [s for s in self.samples if not s.ok]

    @property
    def ok(self) -> bool:
        return not self.count_mismatches and not self.failed_samples


@dataclass
class MigrationReport:
    copied_documents: int = 0
    copied_chunks: int = 0
    skipped_documents: int = 0
    lossless: bool = True
    unversioned_documents: int = 0  # lossy reads whose version the ledger could not confirm
    verification: Verification = field(default_factory=Verification)

    @property
    def ok(self) -> bool:
        return self.verification.ok

    def to_dict(self) -> dict[str, object]:
        v = self.verification
        return {
            "ok": self.ok,
            "copied_documents": self.copied_documents,
            "copied_chunks": self.copied_chunks,
            "skipped_documents": self.skipped_documents,
            "lossless": self.lossless,
            "unversioned_documents": self.unversioned_documents,
            "source": {"documents": v.source_documents, "chunks": v.source_chunks},
            "target": {"documents": v.target_documents, "chunks": v.target_chunks},
            "count_mismatches": [m.__dict__ for m in v.count_mismatches],
            "samples": len(v.samples),
            "keyword_agreeing_samples": sum(s.keyword_agrees for s in v.samples),
            "failed_samples": [
                {"chunk_id": s.chunk_id, "document_id": s.document_id, "content_ok": s.content_ok, "agree": s.agree}
                for s in v.failed_samples
            ],
        }


# --- copy ----------------------------------------------------------------------------------
def copy_documents(
    source: VectorStore,
    target: VectorStore,
    state: MigrationState,
    *,
    versions: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> MigrationReport:
    """Copy every document of `source` into `target`, skipping those the state lists unchanged."""
    report = MigrationReport()
    documents = sorted(source.documents())
    for done, document_id in enumerate(documents):
        if progress:
            progress("copy", done, len(documents))
        passages = source.chunks(Eq("document_id", document_id))
        print_ = fingerprint(passages)
        if state.copied.get(document_id) == print_:
            report.skipped_documents += 1
            continue
        chunks, lossless = read_document(source, document_id, versions, passages)
        report.lossless = report.lossless and lossless
        if chunks and not chunks[0].chunk.version:
            report.unversioned_documents += 1
        target.replace_document(document_id, chunks)
        state.record(document_id, print_)
        report.copied_documents += 1
        report.copied_chunks += len(chunks)
    if progress:
        progress("copy", len(documents), len(documents))
    target.optimize()
    return report


def migrate(
    source: VectorStore,
    target: VectorStore,
    state: MigrationState,
    *,
    versions: Mapping[str, str] | None = None,
    samples: int = 20,
    seed: int = 0,
    progress: Progress | None = None,
) -> MigrationReport:
    report = copy_documents(source, target, state, versions=versions, progress=progress)
    report.verification = verify(source, target, samples=samples, seed=seed, versions=versions, progress=progress)
    return report


# --- verify --------------------------------------------------------------------------------
def verify(
    source: VectorStore,
    target: VectorStore,
    *,
    samples: int = 20,
    seed: int = 0,
    versions: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> Verification:
    """Per-document counts must match and sampled searches must agree on their top result."""
    source_docs, target_docs = source.documents(), target.documents()
    result = Verification(
        source_documents=len(source_docs),
        target_documents=len(target_docs),
        source_chunks=sum(source_docs.values()),
        target_chunks=sum(target_docs.values()),
    )
    for document_id in sorted(set(source_docs) | set(target_docs)):
        ours, theirs = source_docs.get(document_id, 0), target_docs.get(document_id, 0)
        if ours != theirs:
            result.count_mismatches.append(DocumentCount(document_id, ours, theirs))
    picked = sample_chunks(source, source_docs, samples, seed, versions)
    for done, stored in enumerate(picked):
        if progress:
            progress("verify", done, len(picked))
        result.samples.append(check_sample(source, target, stored))
    if progress:
        progress("verify", len(picked), len(picked))
    return result


def sample_chunks(
    store: VectorStore, documents: Mapping[str, int], n: int, seed: int, versions: Mapping[str, str] | None
) -> list[StoredChunk]:
    """Up to n chunks spread over as many documents as possible, the same for the same seed."""
    if n <= 0 or not documents:
        return []
    rng = random.Random(seed)
    names = sorted(documents)
    picked_docs = rng.sample(names, min(n, len(names)))
    per_doc = math.ceil(n / len(picked_docs))
    picked: list[StoredChunk] = []
    for document_id in picked_docs:
        chunks, _ = read_document(store, document_id, versions)
        picked.extend(rng.sample(chunks, min(per_doc, len(chunks))))
    return picked[:n]


def check_sample(source: VectorStore, target: VectorStore, stored: StoredChunk) -> SampleResult:
    """Search both stores with the chunk's own vector and text; compare the top results."""
    vector, text = stored.vector, stored.chunk.text
    ours = source.search(vector, None, k=SAMPLE_K, mode="vector")
    theirs = target.search(vector, None, k=SAMPLE_K, mode="vector")
    ours_hybrid = source.search(vector, text, k=SAMPLE_K, mode="hybrid")
    theirs_hybrid = target.search(vector, text, k=SAMPLE_K, mode="hybrid")
    ours_keyword = source.search(None, text, k=SAMPLE_K, mode="keyword")
    theirs_keyword = target.search(None, text, k=SAMPLE_K, mode="keyword")
    agree = {"vector": same_top(ours, theirs), "hybrid": same_top(ours_hybrid, theirs_hybrid)}
    if not agree["hybrid"] and (has_ties(ours) or has_ties(ours_keyword)):
        # Tied inputs may be ranked in either order, and fusion turns that order into scores.
        agree["hybrid"] = swapped_within(ours_hybrid, theirs_hybrid)
    overlap = len({p.chunk_id for p in ours} & {p.chunk_id for p in theirs}) / len(ours) if ours else 1.0
    return SampleResult(
        stored.chunk.chunk_id,
        stored.chunk.document_id,
        _same_content(source, target, stored),
        agree,
        overlap,
        keyword_agrees=same_top(ours_keyword, theirs_keyword),
    )


def same_top(ours: Sequence[Passage], theirs: Sequence[Passage]) -> bool:
    """The same best hit, or a hit tied with the best one in `ours` (duplicates rank either way)."""
    if not ours or not theirs:
        return not ours and not theirs
    if ours[0].chunk_id == theirs[0].chunk_id:
        return True
    tied = {p.chunk_id for p in ours if abs(p.score - ours[0].score) <= SCORE_TIE}
    return theirs[0].chunk_id in tied and abs(theirs[0].score - ours[0].score) <= SCORE_TIE


def has_ties(ranking: Sequence[Passage]) -> bool:
    return any(abs(a.score - b.score) <= SCORE_TIE for a, b in pairwise(ranking))


def swapped_within(ours: Sequence[Passage], theirs: Sequence[Passage]) -> bool:
    """Each side's best hit is among the other's results."""
    if not ours or not theirs:
        return not ours and not theirs
    return ours[0].chunk_id in {p.chunk_id for p in theirs} and theirs[0].chunk_id in {p.chunk_id for p in ours}


def _same_content(source: VectorStore, target: VectorStore, stored: StoredChunk) -> bool:
    """The target holds the sampled chunk with the same text, metadata and vector."""
    where = Eq("chunk_id", stored.chunk.chunk_id)
    ours, theirs = source.chunks(where), target.chunks(where)
    if len(theirs) != 1 or [p.model_dump() for p in ours] != [p.model_dump() for p in theirs]:
        return False
    vector = target.vectors_by_hash(stored.chunk.document_id).get(text_hash(stored.chunk.embedding_text()))
    return vector is not None and len(vector) == len(stored.vector) and all(
        abs(a - b) <= VECTOR_TOLERANCE for a, b in zip(vector, stored.vector, strict=True)
    )
