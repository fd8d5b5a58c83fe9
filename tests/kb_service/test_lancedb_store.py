from __future__ import annotations

from pathlib import Path

import pytest

from kb_service.errors import StoreError
from kb_service.store.lancedb_store import LanceDBStore
from tests.kb_service.store_contract import DIM, VectorStoreContract, axis, corpus


class TestLanceDBStore(VectorStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> LanceDBStore:
        return LanceDBStore(tmp_path / "store", "chunks", DIM)


def test_data_persists_across_instances(tmp_path: Path) -> None:
    LanceDBStore(tmp_path, "chunks", DIM).upsert(corpus())
    reopened = LanceDBStore(tmp_path, "chunks", DIM)
    assert reopened.count() == 6
    assert reopened.search(axis(4), "hotel", k=1)[0].document_id == "expenses"


def test_opening_with_another_dimension_fails_clearly(tmp_path: Path) -> None:
    LanceDBStore(tmp_path, "chunks", DIM).upsert(corpus())
    with pytest.raises(StoreError, match="re-index"):
        LanceDBStore(tmp_path, "chunks", DIM * 2).count()


def test_ann_index_is_built_once_large_enough(tmp_path: Path) -> None:
    import random

    from tests.kb_service.store_contract import make, unit

    rng = random.Random(7)
    store = LanceDBStore(tmp_path, "chunks", DIM, ann_index_min_rows=300)
    chunks = [make(f"d{i // 10}", i % 10, f"text number {i}", unit([rng.random() for _ in range(DIM)])) for i in range(400)]
    store.upsert(chunks)
    store.optimize()
    target = chunks[123]
    hits = store.search(target.vector, None, k=1, mode="vector")
    assert hits[0].chunk_id == target.chunk.chunk_id
