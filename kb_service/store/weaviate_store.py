"""Weaviate backend: the same VectorStore contract as LanceDB, on a Weaviate server.

The service provides the vectors (a self-provided named vector "default", cosine HNSW); BM25
runs on `keyword_text` (the chunk text with CJK bigrams, see `kb_service.text.keyword_text`).
Hybrid search runs both queries and fuses them with the shared `reciprocal_rank_fusion`, so both
backends rank alike.

Weaviate has no multi-object transactions, so `replace_document` gets its atomicity from a small
state collection beside the chunks: per document, the versions readers must not see. A new
version is written hidden, then one state write flips the document (new visible, old hidden),
then the old chunks are deleted and the hide is cleared. Each state write also replaces a global
epoch token; a read takes the epoch, the hidden versions, runs its queries, and reads the epoch
again, retrying when a flip happened meanwhile (a seqlock). Readers therefore see the old
version or the new one, never a mix; a crash leaves the old version visible.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Self, TypeVar

from kb_service.errors import StoreError
from kb_service.store.base import reciprocal_rank_fusion
from kb_service.store.filters import Eq, Filter, In, matches
from kb_service.store.lancedb_store import HYBRID_CANDIDATES
from kb_service.store.weaviate_collections import (
    check_dimension,
    connect,
    data_objects,
    insert_batches,
    keyword_search,
    open_collection,
    vector_search,
)
from kb_service.store.weaviate_schema import (
    CHUNK_PROPERTIES,
    EPOCH_KEY,
    STATE_PROPERTIES,
    VECTOR_NAME,
    MatchNothing,
    collection_names,
    combine,
    is_visible,
    parse_endpoint,
    passage_from_properties,
    raise_for_batch,
    state_uuid,
    stored_chunk_from_object,
    to_weaviate_filter,
    translate_errors,
    visibility_filter,
)
from kb_service.types import Passage, SearchMode, StoredChunk

log = logging.getLogger(__name__)

WRITE_BATCH = 200
# Weaviate's default QUERY_MAXIMUM_RESULTS: a filtered read larger than this falls back to a
# cursor scan filtered here.
RESULT_WINDOW = 10_000
READ_RETRIES = 50

T = TypeVar("T")


class WeaviateStore:
    """VectorStore on a Weaviate server (one collection for chunks, one for visibility state)."""

    def __init__(
        self,
        url: str,
        dim: int,
        *,
        table: str = "chunks",
        api_key: str | None = None,
        grpc_port: int = 50051,
        tenant: str | None = None,
        replication_factor: int = 1,
        timeout_s: float = 30.0,
    ) -> None:
        if dim <= 0:
            raise StoreError(f"vector dimension must be positive, got {dim}")
        if replication_factor < 1:
            raise StoreError(f"replication factor must be at least 1, got {replication_factor}")
        self._url = url
        self._endpoint = parse_endpoint(url, grpc_port)
        self._dim = dim
        self._chunks_name, self._state_name = collection_names(table)
        self._api_key = api_key
        self._tenant = tenant or None
        self._replication = replication_factor
        self._timeout = timeout_s
        self._lock = threading.Lock()
        self._client: Any = None
        self._chunks: Any = None
        self._state: Any = None

    def __repr__(self) -> str:
        tenant = f", tenant={self._tenant!r}" if self._tenant else ""
        return f"WeaviateStore({self._url!r}, {self._chunks_name}{tenant})"

    # --- lifecycle -------------------------------------------------------------------------
    def warm_up(self) -> None:
        self._open()

    def close(self) -> None:
        with self._lock:
            client, self._client, self._chunks, self._state = self._client, None, None, None
        if client is not None:
            client.close()

    def drop(self) -> None:
        """Delete everything this store holds: its tenant when multi-tenant (and the
        collections once no tenant is left), else both collections. Then close."""
        self._open()
        client = self._client
        with translate_errors("drop"):
            for name in (self._chunks_name, self._state_name):
                collection = client.collections.get(name)
                if self._tenant is not None:
                    collection.tenants.remove([self._tenant])
                if self._tenant is None or not collection.tenants.get():
                    client.collections.delete(name)
        self.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connect(self) -> Any:
        return connect(self._url, self._endpoint, api_key=self._api_key, timeout_s=self._timeout)

    def _collection(self, client: Any, name: str, spec: Sequence[tuple[str, str]]) -> Any:
        return open_collection(client, name, spec, tenant=self._tenant, replication_factor=self._replication)

    def _check_dimension(self, chunks: Any) -> None:
        check_dimension(chunks, self._chunks_name, self._dim)

    def _open(self) -> tuple[Any, Any]:
        if self._chunks is not None:
            return self._chunks, self._state
        with self._lock:
            if self._chunks is not None:
                return self._chunks, self._state
            client = self._connect()
            try:
                with translate_errors("opening the collections"):
                    chunks = self._collection(client, self._chunks_name, CHUNK_PROPERTIES)
                    state = self._collection(client, self._state_name, STATE_PROPERTIES)
                    self._check_dimension(chunks)
                    self._ensure_epoch(state)
            except BaseException:
                client.close()
                raise
            self._client, self._chunks, self._state = client, chunks, state
            return chunks, state

    def _ensure_epoch(self, state: Any) -> None:
        if state.query.fetch_object_by_id(state_uuid(EPOCH_KEY)) is None:
            self._bump(state)

    # --- visibility (see the module docstring) ---------------------------------------------
    def _epoch(self, state: Any) -> str | None:
        obj = state.query.fetch_object_by_id(state_uuid(EPOCH_KEY), return_properties=["token"])
        return None if obj is None else str(obj.properties.get("token"))

    def _hidden(self, state: Any) -> dict[str, tuple[str, ...]]:
        from weaviate.classes.query import Filter as WFilter

        found = state.query.fetch_objects(
            filters=WFilter.by_property("pending").greater_than(0),
            limit=RESULT_WINDOW,
            return_properties=["key", "hidden"],
        ).objects
        return {str(o.properties["key"]): tuple(o.properties.get("hidden") or ()) for o in found}

    def _read(self, action: str, query: Callable[[Any, dict[str, tuple[str, ...]]], T]) -> T:
        """Run `query(chunks, hidden)` so that no version flip happened while it ran."""
        chunks, state = self._open()
        with translate_errors(action):
            for attempt in range(READ_RETRIES):
                before = self._epoch(state)
                result = query(chunks, self._hidden(state))
                if self._epoch(state) == before:
                    return result
                time.sleep(min(0.001 * (attempt + 1), 0.02))
        log.warning("%s: the store kept changing under the read; returning the last result", action)
        return result

    def _write_state(self, state: Any, key: str, properties: dict[str, Any]) -> None:
        from weaviate.classes.data import DataObject

        result = state.data.insert_many([DataObject(properties=properties, uuid=state_uuid(key))])
        raise_for_batch(result, [key], self._state_name)

    def _bump(self, state: Any) -> None:
        self._write_state(state, EPOCH_KEY, {"key": EPOCH_KEY, "hidden": [], "pending": 0, "token": uuid.uuid4().hex})

    def _set_hidden(self, state: Any, document_id: str, versions: set[str]) -> None:
        self._write_state(
            state,
            document_id,
            {"key": document_id, "hidden": sorted(versions), "pending": len(versions), "token": ""},
        )
        self._bump(state)

    # --- writes ----------------------------------------------------------------------------
    def _objects(self, chunks: Sequence[StoredChunk]) -> list[Any]:
        return data_objects(chunks, self._dim)

    def _insert(self, chunks_col: Any, chunks: Sequence[StoredChunk], objects: Sequence[Any]) -> None:
        insert_batches(chunks_col, chunks, objects, self._chunks_name, batch=WRITE_BATCH)

    def upsert(self, chunks: Sequence[StoredChunk]) -> int:
        objects = self._objects(chunks)
        if not objects:
            return 0
        chunks_col, _ = self._open()
        with translate_errors("upsert"):
            self._insert(chunks_col, chunks, objects)
        return len(objects)

    def replace_document(self, document_id: str, chunks: Sequence[StoredChunk]) -> int:
        objects = self._objects(chunks)
        if any(c.chunk.document_id != document_id for c in chunks):
            raise StoreError("replace_document got chunks of another document")
        chunks_col, state = self._open()
        with translate_errors("replace_document"):
            present = [
                (str(o.properties["chunk_id"]), str(o.properties["version"]))
                for o in self._fetch(chunks_col, Eq("document_id", document_id), {}, ["chunk_id", "version"])
            ]
            hidden_now = set(self._hidden(state).get(document_id, ()))
            new_ids = {c.chunk.chunk_id for c in chunks}
            new_versions = {c.chunk.version for c in chunks}
            fresh = new_versions - {version for _, version in present}
            if fresh - hidden_now:  # the new version is written invisible
                hidden_now |= fresh
                self._set_hidden(state, document_id, hidden_now)
            self._insert(chunks_col, chunks, objects)
            stale_ids = sorted(cid for cid, _ in present if cid not in new_ids)
            stale_versions = {version for cid, version in present if cid not in new_ids} - new_versions
            if stale_versions != hidden_now:  # the flip: new visible, old hidden, in one write
                self._set_hidden(state, document_id, stale_versions)
            self._delete_chunk_ids(chunks_col, stale_ids)
            if stale_versions:
                self._set_hidden(state, document_id, set())
        return len(objects)

    def _delete_chunk_ids(self, chunks_col: Any, chunk_ids: Sequence[str]) -> int:
        deleted = 0
        for start in range(0, len(chunk_ids), WRITE_BATCH):
            where = to_weaviate_filter(In("chunk_id", tuple(chunk_ids[start : start + WRITE_BATCH])))
            deleted += self._delete_where(chunks_col, where)
        return deleted

    def _delete_where(self, chunks_col: Any, where: Any) -> int:
        deleted = 0
        while True:  # one call deletes at most QUERY_MAXIMUM_RESULTS objects
            result = chunks_col.data.delete_many(where=where)
            if result.failed:
                raise StoreError(f"Weaviate failed to delete {result.failed} of {result.matches} chunks")
            deleted += int(result.successful)
            if result.successful == 0 or result.matches <= result.successful:
                return deleted

    def delete(self, where: Filter) -> int:
        translated = to_weaviate_filter(where)
        if isinstance(translated, MatchNothing):
            return 0
        chunks_col, _ = self._open()
        if translated is None:  # an empty And: everything
            from weaviate.classes.query import Filter as WFilter

            translated = WFilter.by_property("chunk_id").like("*")
        with translate_errors("delete"):
            return self._delete_where(chunks_col, translated)

    # --- reads -----------------------------------------------------------------------------
    def _fetch(
        self,
        chunks_col: Any,
        where: Filter | None,
        hidden: Mapping[str, Sequence[str]],
        properties: list[str] | None,
        include_vector: bool = False,
    ) -> list[Any]:
        """Every visible object matching `where`: one filtered query when it fits the result
        window, else a cursor scan filtered here with the reference semantics."""
        translated = to_weaviate_filter(where) if where is not None else None
        if isinstance(translated, MatchNothing):
            return []
        if translated is not None:
            filters = combine(translated, visibility_filter(hidden))
            found = chunks_col.query.fetch_objects(
                filters=filters,
                limit=RESULT_WINDOW,
                return_properties=properties,
                include_vector=[VECTOR_NAME] if include_vector else False,
            ).objects
            if len(found) < RESULT_WINDOW:
                return list(found)
        return [
            obj
            for obj in chunks_col.iterator(include_vector=include_vector)
            if is_visible(obj.properties, hidden) and (where is None or matches(where, obj.properties))
        ]

    def count(self, where: Filter | None = None) -> int:
        translated = to_weaviate_filter(where) if where is not None else None
        if isinstance(translated, MatchNothing):
            return 0

        def query(chunks_col: Any, hidden: dict[str, tuple[str, ...]]) -> int:
            filters = combine(translated, visibility_filter(hidden))
            return int(chunks_col.aggregate.over_all(filters=filters, total_count=True).total_count or 0)

        return self._read("count", query)

    def documents(self) -> dict[str, int]:
        def query(chunks_col: Any, hidden: dict[str, tuple[str, ...]]) -> dict[str, int]:
            counts: dict[str, int] = {}
            for obj in chunks_col.iterator(return_properties=["document_id", "version"]):
                if is_visible(obj.properties, hidden):
                    doc = str(obj.properties["document_id"])
                    counts[doc] = counts.get(doc, 0) + 1
            return counts

        return self._read("documents", query)

    def chunks(self, where: Filter | None = None) -> list[Passage]:
        found = self._read("chunks", lambda col, hidden: self._fetch(col, where, hidden, None))
        passages = [passage_from_properties(obj.properties, 0.0) for obj in found]
        passages.sort(key=lambda p: (p.document_id, p.ordinal))
        return passages

    def export_document(self, document_id: str) -> list[StoredChunk]:
        """Every visible chunk of a document with its vector and all metadata, by ordinal."""
        found = self._read(
            "export",
            lambda col, hidden: self._fetch(col, Eq("document_id", document_id), hidden, None, True),
        )
        chunks = [stored_chunk_from_object(obj.properties, obj.vector[VECTOR_NAME]) for obj in found]
        return sorted(chunks, key=lambda s: s.chunk.ordinal)

    def vectors_by_hash(self, document_id: str) -> dict[str, list[float]]:
        found = self._read(
            "vectors_by_hash",
            lambda col, hidden: self._fetch(col, Eq("document_id", document_id), hidden, ["text_hash"], True),
        )
        return {str(obj.properties["text_hash"]): list(obj.vector[VECTOR_NAME]) for obj in found}

    def search(
        self,
        query_vector: Sequence[float] | None,
        query_text: str | None,
        k: int = 5,
        where: Filter | None = None,
        mode: SearchMode = "hybrid",
    ) -> list[Passage]:
        if k <= 0:
            return []
        if mode not in ("vector", "keyword", "hybrid"):
            raise StoreError(f"unknown search mode {mode!r}")
        if mode in ("vector", "hybrid") and query_vector is None:
            raise StoreError(f"{mode} search needs a query vector")
        if mode in ("keyword", "hybrid") and not query_text:
            raise StoreError(f"{mode} search needs query text")
        if mode != "keyword" and query_vector is not None and len(query_vector) != self._dim:
            raise StoreError(f"query vector has {len(query_vector)} dimensions; the store has {self._dim}")
        translated = to_weaviate_filter(where) if where is not None else None
        if isinstance(translated, MatchNothing):
            return []

        def query(chunks_col: Any, hidden: dict[str, tuple[str, ...]]) -> list[Passage]:
            filters = combine(translated, visibility_filter(hidden))
            if mode == "vector":
                return vector_search(chunks_col, query_vector or [], k, filters)
            if mode == "keyword":
                return keyword_search(chunks_col, query_text or "", k, filters)
            depth = max(k, HYBRID_CANDIDATES)
            rankings = [
                vector_search(chunks_col, query_vector or [], depth, filters),
                keyword_search(chunks_col, query_text or "", depth, filters),
            ]
            return reciprocal_rank_fusion(rankings, k)

        return self._read("search", query)

    # --- maintenance -------------------------------------------------------------------------
    def optimize(self) -> None:
        """Weaviate indexes as it writes; nothing to rebuild. Opening checks the connection."""
        self._open()
