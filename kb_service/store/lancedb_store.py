"""Embedded LanceDB backend: a local folder, native full-text index, vector and hybrid search."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from kb_service.errors import StoreError
from kb_service.store.base import chunk_fields, reciprocal_rank_fusion, text_hash
from kb_service.store.filters import Eq, Filter, to_sql
from kb_service.text import keyword_text
from kb_service.types import Passage, SearchMode, StoredChunk

log = logging.getLogger(__name__)

# How many candidates each side of a hybrid search contributes before fusion.
HYBRID_CANDIDATES = 50
READ_CONSISTENCY_S = 1.0  # how stale a read may be when another process writes the table
# Columns returned by searches (never the vector: it is large and not needed).
_RESULT_COLUMNS = [
    "chunk_id",
    "document_id",
    "source",
    "title",
    "section",
    "section_path",
    "page_start",
    "page_end",
    "ordinal",
    "text",
]


def _schema(dim: int) -> Any:
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("chunk_id", pa.string(), nullable=False),
            pa.field("document_id", pa.string(), nullable=False),
            pa.field("source", pa.string()),
            pa.field("title", pa.string()),
            pa.field("version", pa.string()),
            pa.field("ordinal", pa.int32()),
            pa.field("text", pa.string()),
            pa.field("keyword_text", pa.string()),
            pa.field("text_hash", pa.string()),
            pa.field("section", pa.string()),
            pa.field("section_path", pa.list_(pa.string())),
            pa.field("page_start", pa.int32()),
            pa.field("page_end", pa.int32()),
            pa.field("token_count", pa.int32()),
            pa.field("redactions", pa.string()),
            pa.field("vector", pa.list_(pa.float32(), dim)),
        ]
    )


def _row(stored: StoredChunk) -> dict[str, Any]:
    return {**chunk_fields(stored), "vector": [float(x) for x in stored.vector]}


def _passage(row: dict[str, Any], score: float, **extra: float | None) -> Passage:
    return Passage(
        chunk_id=row["chunk_id"],
        document_id=row["document_id"],
        source=row["source"],
        title=row["title"],
        section=row["section"],
        section_path=list(row["section_path"] or []),
        page_start=int(row["page_start"]),
        page_end=int(row["page_end"]),
        ordinal=int(row["ordinal"]),
        text=row["text"],
        score=score,
        **extra,
    )


class LanceDBStore:
    """VectorStore on an embedded LanceDB folder.

    Every write is one Lance commit, so a reader in another process sees either the state
    before it or after it. `replace_document` uses a merge-insert that also deletes the rows
    of the document missing from the new version: old and new version swap in one commit.
    """

    def __init__(self, path: Path, table: str, dim: int, ann_index_min_rows: int = 50_000) -> None:
        if dim <= 0:
            raise StoreError(f"vector dimension must be positive, got {dim}")
        self._path = Path(path)
        self._table_name = table
        self._dim = dim
        self._ann_min_rows = ann_index_min_rows
        self._lock = threading.Lock()
        self._table: Any = None
        # Whether the ANN index exists, read at open and after optimize(): listing indexes is
        # I/O that does not belong on every search.
        self._has_ann = False

    # --- lifecycle ---------------------------------------------------------------------
    def warm_up(self) -> None:
        self._open()

    def _open(self) -> Any:
        if self._table is not None:
            return self._table
        with self._lock:
            if self._table is not None:
                return self._table
            import lancedb

            self._path.mkdir(parents=True, exist_ok=True)
            # Another process (kb watch beside kb serve) may write the table: reads check for a
            # newer version at most this often, so its writes show up without a restart.
            db = lancedb.connect(str(self._path), read_consistency_interval=timedelta(seconds=READ_CONSISTENCY_S))
            if self._table_name in db.list_tables().tables:
                table = db.open_table(self._table_name)
                stored_dim = table.schema.field("vector").type.list_size
                if stored_dim != self._dim:
                    raise StoreError(
                        f"the store at {self._path} holds {stored_dim}-dimensional vectors but the "
                        f"embedder makes {self._dim}: re-index into a new KB_DATA_DIR after "
                        "changing the embedding model"
                    )
            else:
                table = db.create_table(self._table_name, schema=_schema(self._dim), exist_ok=True)
            self._ensure_fts(table)
            self._has_ann = "vector_idx" in self._index_names(table)
            self._table = table
            return table

    @staticmethod
    def _index_names(table: Any) -> set[str]:
        return {index.name for index in table.list_indices()}

    def _ensure_fts(self, table: Any) -> None:
        from lancedb.index import FTS

        if "keyword_text_idx" not in self._index_names(table):
            table.create_index(
                "keyword_text", config=FTS(base_tokenizer="simple", stem=True), name="keyword_text_idx"
            )

    # --- writes --------------------------------------------------------------------------
    def _check(self, chunks: Sequence[StoredChunk]) -> list[dict[str, Any]]:
        rows = []
        for stored in chunks:
            if len(stored.vector) != self._dim:
                raise StoreError(
                    f"chunk {stored.chunk.chunk_id} has a {len(stored.vector)}-dimensional vector; "
                    f"the store expects {self._dim}"
                )
            rows.append(_row(stored))
        return rows

    def upsert(self, chunks: Sequence[StoredChunk]) -> int:
        rows = self._check(chunks)
        if not rows:
            return 0
        table = self._open()
        (
            table.merge_insert("chunk_id")
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .execute(rows)
        )
        return len(rows)

    def replace_document(self, document_id: str, chunks: Sequence[StoredChunk]) -> int:
        rows = self._check(chunks)
        if any(row["document_id"] != document_id for row in rows):
            raise StoreError("replace_document got chunks of another document")
        table = self._open()
        if not rows:
            table.delete(to_sql(Eq("document_id", document_id)))
            return 0
        (
            table.merge_insert("chunk_id")
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .when_not_matched_by_source_delete(to_sql(Eq("document_id", document_id)))
            .execute(rows)
        )
        return len(rows)

    def delete(self, where: Filter) -> int:
        table = self._open()
        predicate = to_sql(where)
        before = table.count_rows(predicate)
        if before:
            table.delete(predicate)
        return before

    # --- reads ---------------------------------------------------------------------------
    def count(self, where: Filter | None = None) -> int:
        table = self._open()
        return int(table.count_rows(to_sql(where)) if where is not None else table.count_rows())

    def documents(self) -> dict[str, int]:
        table = self._open()
        frame = table.search().select(["document_id"]).limit(None).to_arrow()
        counts: dict[str, int] = {}
        for doc_id in frame.column("document_id").to_pylist():
            counts[doc_id] = counts.get(doc_id, 0) + 1
        return counts

    def chunks(self, where: Filter | None = None) -> list[Passage]:
        table = self._open()
        query = table.search().select(list(_RESULT_COLUMNS)).limit(None)
        if where is not None:
            query = query.where(to_sql(where))
        rows = query.to_list()
        rows.sort(key=lambda row: (row["document_id"], int(row["ordinal"])))
        return [_passage(row, 0.0) for row in rows]

    def vectors_by_hash(self, document_id: str) -> dict[str, list[float]]:
        table = self._open()
        frame = (
            table.search()
            .where(to_sql(Eq("document_id", document_id)))
            .select(["text_hash", "vector"])
            .limit(None)
            .to_arrow()
        )
        hashes = frame.column("text_hash").to_pylist()
        vectors = frame.column("vector").to_pylist()
        return dict(zip(hashes, vectors, strict=True))

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
        if mode == "vector":
            if query_vector is None:
                raise StoreError("vector search needs a query vector")
            return self._vector_search(query_vector, k, where)
        if mode == "keyword":
            if not query_text:
                raise StoreError("keyword search needs query text")
            return self._keyword_search(query_text, k, where)
        if mode == "hybrid":
            if query_vector is None or not query_text:
                raise StoreError("hybrid search needs both a query vector and query text")
            depth = max(k, HYBRID_CANDIDATES)
            return reciprocal_rank_fusion(
                [
                    self._vector_search(query_vector, depth, where),
                    self._keyword_search(query_text, depth, where),
                ],
                k,
            )
        raise StoreError(f"unknown search mode {mode!r}")

    def _vector_search(self, vector: Sequence[float], k: int, where: Filter | None) -> list[Passage]:
        if len(vector) != self._dim:
            raise StoreError(f"query vector has {len(vector)} dimensions; the store has {self._dim}")
        table = self._open()
        query = table.search(list(vector), vector_column_name="vector").distance_type("cosine")
        if where is not None:
            # Filtered ANN loses recall on selective filters: pre-filter and search exactly.
            query = query.where(to_sql(where), prefilter=True).bypass_vector_index()
        elif self._has_ann:
            query = query.nprobes(20).refine_factor(10)
        rows = query.select([*_RESULT_COLUMNS, "_distance"]).limit(k).to_list()
        results = []
        for row in rows:
            similarity = 1.0 - float(row["_distance"])
            results.append(_passage(row, similarity, vector_score=similarity))
        return results

    def _keyword_search(self, text: str, k: int, where: Filter | None) -> list[Passage]:
        terms = keyword_text(text).strip()
        if not terms:
            return []
        table = self._open()
        query = table.search(terms, query_type="fts", fts_columns="keyword_text")
        if where is not None:
            query = query.where(to_sql(where), prefilter=True)
        rows = query.select([*_RESULT_COLUMNS, "_score"]).limit(k).to_list()
        return [_passage(row, float(row["_score"]), keyword_score=float(row["_score"])) for row in rows]

    # --- maintenance ---------------------------------------------------------------------
    def optimize(self) -> None:
        table = self._open()
        table.optimize()
        rows = table.count_rows()
        self._has_ann = "vector_idx" in self._index_names(table)
        if rows >= self._ann_min_rows and not self._has_ann:
            log.info("building the ANN index over %d chunks", rows)
            table.create_index(
                metric="cosine",
                vector_column_name="vector",
                index_type="IVF_PQ",
                num_partitions=max(1, int(rows**0.5)),
                num_sub_vectors=max(1, self._dim // 8),
                name="vector_idx",
            )
            self._has_ann = True
