"""The contract every VectorStore backend must pass.

A backend's test module subclasses `VectorStoreContract` and provides a `store` fixture that
returns an empty store of dimension `DIM`.
"""

from __future__ import annotations

import math
import random
import threading

import pytest

from kb_service.errors import StoreError
from kb_service.store import And, Eq, In, VectorStore
from kb_service.types import Chunk, StoredChunk, chunk_id_for

DIM = 8


def unit(values: list[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


def axis(i: int, noise: float = 0.0, seed: int = 0) -> list[float]:
    rng = random.Random(seed)
    return unit([1.0 if j == i else noise * rng.random() for j in range(DIM)])


def make(doc: str, ordinal: int, text: str, vector: list[float], version: str = "v1", page: int = 1, section: tuple[str, ...] = ("Intro",)) -> StoredChunk:
    chunk = Chunk(
        chunk_id=chunk_id_for(f"{doc}-{version}", ordinal),
        document_id=doc,
        source=f"{doc}.pdf",
        title=f"Title of {doc}",
        version=version,
        ordinal=ordinal,
        text=text,
        section_path=section,
        page_start=page,
        page_end=page,
        token_count=len(text.split()),
    )
    return StoredChunk(chunk, vector)


def corpus() -> list[StoredChunk]:
    return [
        make("handbook", 0, "Employees receive 25 days of annual leave per year.", axis(0, 0.1, 1), page=1),
        make("handbook", 1, "Remote work is allowed up to three days per week.", axis(1, 0.1, 2), page=2),
        make("security", 0, "Passwords must have at least 14 characters and MFA is mandatory.", axis(2, 0.1, 3), page=1),
        make("security", 1, "Report security incidents within 24 hours to the security team.", axis(3, 0.1, 4), page=3),
        make("expenses", 0, "Hotel costs are reimbursed up to 220 dollars per night.", axis(4, 0.1, 5), page=2),
        make("zh", 0, "员工应当每九十天更换一次密码，并启用多因素认证。", axis(5, 0.1, 6), page=1, section=("第一章 总则",)),
    ]


class VectorStoreContract:
    @pytest.fixture
    def store(self) -> VectorStore:  # pragma: no cover - provided by subclasses
        raise NotImplementedError

    @pytest.fixture
    def filled(self, store: VectorStore) -> VectorStore:
        store.upsert(corpus())
        return store

    def test_is_a_vector_store(self, store: VectorStore) -> None:
        assert isinstance(store, VectorStore)

    def test_empty_store(self, store: VectorStore) -> None:
        assert store.count() == 0
        assert store.documents() == {}
        assert store.search(axis(0), "leave", k=3, mode="hybrid") == []

    def test_upsert_is_idempotent(self, store: VectorStore) -> None:
        assert store.upsert(corpus()) == 6
        store.upsert(corpus())
        assert store.count() == 6
        assert store.documents() == {"handbook": 2, "security": 2, "expenses": 1, "zh": 1}

    def test_upsert_updates_in_place(self, filled: VectorStore) -> None:
        changed = make("handbook", 0, "Employees receive 30 days of annual leave per year.", axis(0, 0.1, 1))
        filled.upsert([changed])
        assert filled.count() == 6
        hit = filled.search(None, "30 days annual leave", k=1, mode="keyword")[0]
        assert hit.chunk_id == changed.chunk.chunk_id and "30 days" in hit.text

    def test_vector_search_ranks_nearest_first(self, filled: VectorStore) -> None:
        hits = filled.search(axis(2), None, k=3, mode="vector")
        assert hits[0].document_id == "security" and hits[0].ordinal == 0
        assert hits[0].vector_score == pytest.approx(hits[0].score)
        assert hits[0].score > hits[1].score >= hits[2].score
        assert 0.9 < hits[0].score <= 1.0001

    def test_passage_fields_round_trip(self, filled: VectorStore) -> None:
        hit = filled.search(axis(5), None, k=1, mode="vector")[0]
        assert hit.source == "zh.pdf" and hit.title == "Title of zh"
        assert hit.section_path == ["第一章 总则"] and hit.section == "第一章 总则"
        assert (hit.page_start, hit.page_end, hit.ordinal) == (1, 1, 0)
        assert hit.text.startswith("员工应当")

    def test_keyword_search_uses_bm25(self, filled: VectorStore) -> None:
        hits = filled.search(None, "hotel reimbursed", k=2, mode="keyword")
        assert hits and hits[0].document_id == "expenses"
        assert hits[0].keyword_score is not None and hits[0].keyword_score > 0

    def test_keyword_search_finds_chinese_terms(self, filled: VectorStore) -> None:
        hits = filled.search(None, "多因素认证", k=2, mode="keyword")
        assert hits and hits[0].document_id == "zh"

    def test_keyword_search_without_match_is_empty(self, filled: VectorStore) -> None:
        assert filled.search(None, "xylophone", k=3, mode="keyword") == []

    def test_hybrid_fuses_both_rankings(self, filled: VectorStore) -> None:
        # The vector points at the remote-work chunk, the words at the password chunk:
        # both must come back, ranked by reciprocal-rank fusion.
        hits = filled.search(axis(1), "passwords characters", k=2, mode="hybrid")
        assert {h.chunk_id for h in hits} == {corpus()[1].chunk.chunk_id, corpus()[2].chunk.chunk_id}
        assert all(0 < h.score <= 2 / 61 for h in hits)

    def test_hybrid_agrees_with_rrf_of_the_single_modes(self, filled: VectorStore) -> None:
        from kb_service.store import reciprocal_rank_fusion

        vec = filled.search(axis(3), None, k=50, mode="vector")
        kw = filled.search(None, "security incidents team", k=50, mode="keyword")
        expected = [p.chunk_id for p in reciprocal_rank_fusion([vec, kw], 4)]
        got = [p.chunk_id for p in filled.search(axis(3), "security incidents team", k=4, mode="hybrid")]
        assert got == expected

    @pytest.mark.parametrize("mode", ["vector", "keyword", "hybrid"])
    def test_filters_restrict_every_mode(self, filled: VectorStore, mode: str) -> None:
        where = Eq("document_id", "security")
        hits = filled.search(axis(0), "annual leave passwords", k=5, where=where, mode=mode)  # type: ignore[arg-type]
        assert hits and {h.document_id for h in hits} == {"security"}

    def test_in_and_and_filters(self, filled: VectorStore) -> None:
        where = And((In("document_id", ("handbook", "expenses")), Eq("page_start", 2)))
        hits = filled.search(axis(1), None, k=10, where=where, mode="vector")
        assert {(h.document_id, h.page_start) for h in hits} == {("handbook", 2), ("expenses", 2)}
        assert filled.count(where) == 2
        assert filled.count(In("document_id", ())) == 0

    def test_filter_values_are_escaped(self, filled: VectorStore) -> None:
        assert filled.count(Eq("document_id", "x' OR '1'='1")) == 0

    def test_delete_by_filter(self, filled: VectorStore) -> None:
        assert filled.delete(Eq("document_id", "handbook")) == 2
        assert filled.count() == 4
        assert "handbook" not in filled.documents()
        assert filled.delete(Eq("document_id", "handbook")) == 0

    def test_replace_document_swaps_versions(self, filled: VectorStore) -> None:
        new = [make("handbook", i, f"Version two paragraph {i}.", axis(6, 0.1, i), version="v2") for i in range(3)]
        assert filled.replace_document("handbook", new) == 3
        assert filled.documents()["handbook"] == 3
        texts = {h.text for h in filled.search(None, "paragraph", k=10, where=Eq("document_id", "handbook"), mode="keyword")}
        assert texts == {f"Version two paragraph {i}." for i in range(3)}
        assert filled.count(Eq("version", "v1")) == 4  # other documents untouched

    def test_replace_document_with_nothing_removes_it(self, filled: VectorStore) -> None:
        filled.replace_document("handbook", [])
        assert "handbook" not in filled.documents()
        assert filled.count() == 4

    def test_replace_document_rejects_foreign_chunks(self, filled: VectorStore) -> None:
        with pytest.raises(StoreError):
            filled.replace_document("handbook", [make("security", 9, "x", axis(0))])
        assert filled.count() == 6

    def test_readers_never_see_a_mix_of_versions(self, filled: VectorStore) -> None:
        versions = [[make("handbook", i, f"v{n} text {i}", axis(i % DIM), version=f"v{n}") for i in range(4)] for n in range(2, 8)]
        allowed = [frozenset(c.chunk.text for c in corpus() if c.chunk.document_id == "handbook")]
        allowed += [frozenset(c.chunk.text for c in chunks) for chunks in versions]
        seen: list[frozenset[str]] = []
        done = threading.Event()

        def read() -> None:
            while not done.is_set():
                hits = filled.search(axis(0), None, k=20, where=Eq("document_id", "handbook"), mode="vector")
                seen.append(frozenset(h.text for h in hits))

        reader = threading.Thread(target=read)
        reader.start()
        for chunks in versions:
            filled.replace_document("handbook", chunks)
        done.set()
        reader.join()
        assert seen and all(snapshot in allowed for snapshot in seen)

    def test_chunks_lists_every_chunk_in_order(self, filled: VectorStore) -> None:
        everything = filled.chunks()
        assert [(p.document_id, p.ordinal) for p in everything] == sorted(
            (c.chunk.document_id, c.chunk.ordinal) for c in corpus()
        )
        handbook = filled.chunks(Eq("document_id", "handbook"))
        assert [p.text for p in handbook] == [c.chunk.text for c in corpus()[:2]]
        assert handbook[1].page_start == 2 and handbook[0].section_path == ["Intro"]

    def test_vectors_by_hash(self, filled: VectorStore) -> None:
        known = filled.vectors_by_hash("handbook")
        assert len(known) == 2
        assert all(len(v) == DIM for v in known.values())
        assert filled.vectors_by_hash("nobody") == {}

    def test_wrong_dimension_is_refused(self, store: VectorStore) -> None:
        with pytest.raises(StoreError):
            store.upsert([make("bad", 0, "text", [1.0, 0.0])])
        with pytest.raises(StoreError):
            store.search([1.0, 0.0], None, k=1, mode="vector")

    def test_missing_query_parts_are_refused(self, filled: VectorStore) -> None:
        with pytest.raises(StoreError):
            filled.search(None, "text", k=1, mode="vector")
        with pytest.raises(StoreError):
            filled.search(axis(0), None, k=1, mode="hybrid")

    def test_optimize_keeps_results(self, filled: VectorStore) -> None:
        before = [h.chunk_id for h in filled.search(axis(2), "passwords", k=3)]
        filled.optimize()
        assert [h.chunk_id for h in filled.search(axis(2), "passwords", k=3)] == before
