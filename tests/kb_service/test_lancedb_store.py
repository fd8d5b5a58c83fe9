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


def test_writes_of_another_process_become_visible_without_reopening(tmp_path: Path) -> None:
    """`kb watch` and `kb serve` are separate processes on one store: a reader that has the
    table open sees what another process wrote once the consistency interval has passed."""
    import subprocess
    import sys
    import time

    from kb_service.store.lancedb_store import READ_CONSISTENCY_S

    reader = LanceDBStore(tmp_path, "chunks", DIM)
    reader.upsert(corpus()[:2])
    assert reader.count() == 2
    writer = (
        "import sys; sys.path.insert(0, '.');"
        "from pathlib import Path;"
        "from kb_service.store.lancedb_store import LanceDBStore;"
        "from tests.kb_service.store_contract import DIM, corpus;"
        f"LanceDBStore(Path({str(tmp_path)!r}), 'chunks', DIM).upsert(corpus()[2:])"
    )
    subprocess.run([sys.executable, "-c", writer], check=True, cwd=Path(__file__).resolve().parents[2])
    time.sleep(READ_CONSISTENCY_S + 0.2)
    assert reader.count() == 6
    assert reader.search(axis(4), "hotel", k=1)[0].document_id == "expenses"
