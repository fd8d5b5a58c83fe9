"""The VectorStore protocol and the shared ranking helpers every backend uses."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

from kb_service.store.filters import Filter
from kb_service.text import keyword_text
from kb_service.types import Passage, SearchMode, StoredChunk

RRF_K = 60


@runtime_checkable
class VectorStore(Protocol):
    """Chunks with vectors; vector, keyword and hybrid search; atomic per-document replacement."""

    def upsert(self, chunks: Sequence[StoredChunk]) -> int:
        """Insert or update chunks by chunk id. Returns the number written."""

    def replace_document(self, document_id: str, chunks: Sequence[StoredChunk]) -> int:
        """Make `chunks` the only chunks of `document_id`, in one commit: readers see the old
        version or the new one, never a mix."""

    def delete(self, where: Filter) -> int:
        """Delete the matching chunks. Returns how many were deleted."""

    def search(
        self,
        query_vector: Sequence[float] | None,
        query_text: str | None,
        k: int = 5,
        where: Filter | None = None,
        mode: SearchMode = "hybrid",
    ) -> list[Passage]:
        """Ranked passages. `vector` needs query_vector, `keyword` query_text, `hybrid` both."""

    def count(self, where: Filter | None = None) -> int: ...

    def documents(self) -> dict[str, int]:
        """document_id -> number of chunks stored."""

    def chunks(self, where: Filter | None = None) -> list[Passage]:
        """Every matching chunk as a Passage (score 0), ordered by document id and ordinal.
        Training pairs are built from these, never from the raw files."""

    def vectors_by_hash(self, document_id: str) -> dict[str, list[float]]:
        """text hash -> vector for the stored chunks of a document (to skip re-embedding)."""

    def optimize(self) -> None:
        """Housekeeping after a batch: refresh indexes, build an ANN index when large enough."""


def reciprocal_rank_fusion(
    rankings: Iterable[Sequence[Passage]], k: int, rrf_k: int = RRF_K
) -> list[Passage]:
    """Fuse ranked lists by RRF: score = sum(1 / (rrf_k + rank)). Ties break by chunk id so
    every backend returns the same order for the same inputs."""
    fused: dict[str, float] = {}
    best: dict[str, Passage] = {}
    for ranking in rankings:
        for rank, passage in enumerate(ranking, start=1):
            fused[passage.chunk_id] = fused.get(passage.chunk_id, 0.0) + 1.0 / (rrf_k + rank)
            seen = best.get(passage.chunk_id)
            if seen is None:
                best[passage.chunk_id] = passage
            else:
                best[passage.chunk_id] = seen.model_copy(
                    update={
                        "vector_score": seen.vector_score
                        if seen.vector_score is not None
                        else passage.vector_score,
                        "keyword_score": seen.keyword_score
                        if seen.keyword_score is not None
                        else passage.keyword_score,
                    }
                )
    order = sorted(fused, key=lambda cid: (-fused[cid], cid))[:k]
    return [best[cid].model_copy(update={"score": fused[cid]}) for cid in order]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chunk_fields(stored: StoredChunk) -> dict[str, Any]:
    """A chunk as the flat fields every backend stores (the vector is stored beside them):
    the BM25 text with CJK bigrams, the hash that lets re-ingestion reuse vectors, the
    redaction counts as JSON."""
    chunk = stored.chunk
    return {
        "chunk_id": chunk.chunk_id,
        "document_id": chunk.document_id,
        "source": chunk.source,
        "title": chunk.title,
        "version": chunk.version,
        "ordinal": chunk.ordinal,
        "text": chunk.text,
        "keyword_text": keyword_text(chunk.embedding_text()),
        "text_hash": text_hash(chunk.embedding_text()),
        "section": chunk.section,
        "section_path": list(chunk.section_path),
        "page_start": chunk.page_start,
        "page_end": chunk.page_end,
        "token_count": chunk.token_count,
        "redactions": json.dumps(chunk.redactions, sort_keys=True),
    }
