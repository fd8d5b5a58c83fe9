"""Query-side retrieval shared by the CLI and the API: embed the query, search the store."""

from __future__ import annotations

from kb_service.embedder import Embedder
from kb_service.errors import KBError
from kb_service.store import Filter, VectorStore
from kb_service.types import Passage, SearchMode


class Searcher:
    def __init__(self, embedder: Embedder, store: VectorStore) -> None:
        self._embedder = embedder
        self._store = store

    def search(self, query: str, *, k: int = 5, mode: SearchMode = "hybrid", where: Filter | None = None) -> list[Passage]:
        query = query.strip()
        if not query:
            raise KBError("the query is empty")
        if k < 1:
            raise KBError("k must be at least 1")
        vector = self._embedder.embed_query(query) if mode in ("vector", "hybrid") else None
        return self._store.search(vector, query, k=k, where=where, mode=mode)
