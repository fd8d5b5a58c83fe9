"""The Weaviate backend.

With KB_WEAVIATE_URL set, the shared VectorStore contract runs against that server (single- and
multi-tenant). Without one, the parts that need no server are tested for real: the filter
translation (as the client serialises it), the object mapping against what LanceDB returns for
the same chunks, the collection schema the client would send, batch-error reporting with the
client's own result types, settings and the factory, and a clear error from a closed port.
"""

from __future__ import annotations

import os
import random
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest

from kb_service.errors import ConfigurationError, StoreError
from kb_service.settings import Settings
from kb_service.store import And, Eq, Filter, In, VectorStore, make_store
from kb_service.store.filters import FilterField, matches
from kb_service.store.lancedb_store import LanceDBStore
from kb_service.store.weaviate_schema import (
    CHUNK_PROPERTIES,
    MATCH_NOTHING,
    RESULT_PROPERTIES,
    MatchNothing,
    chunk_properties,
    chunk_uuid,
    collection_names,
    combine,
    is_visible,
    parse_endpoint,
    passage_from_properties,
    property_configs,
    raise_for_batch,
    stored_chunk_from_object,
    to_weaviate_filter,
    vector_config,
    visibility_filter,
)
from kb_service.store.weaviate_store import WRITE_BATCH, WeaviateStore
from kb_service.types import Chunk, StoredChunk
from tests.kb_service.store_contract import DIM, VectorStoreContract, axis, corpus, make

WEAVIATE_URL = os.environ.get("KB_WEAVIATE_URL")
NO_SERVER = "no Weaviate server: set KB_WEAVIATE_URL to run the contract suite"
needs_server = pytest.mark.skipif(not WEAVIATE_URL, reason=NO_SERVER)


def _server_store(tenant: str | None = None, table: str | None = None, dim: int = DIM) -> WeaviateStore:
    assert WEAVIATE_URL is not None
    return WeaviateStore(
        WEAVIATE_URL,
        dim,
        table=table or f"KbTest{uuid.uuid4().hex[:12]}",
        api_key=os.environ.get("KB_WEAVIATE_API_KEY") or None,
        grpc_port=int(os.environ.get("KB_WEAVIATE_GRPC_PORT", "50051")),
        tenant=tenant,
    )


# --- the contract, against a real server ------------------------------------------------------
@pytest.mark.weaviate
@needs_server
class TestWeaviateStore(VectorStoreContract):
    @pytest.fixture
    def store(self) -> Iterator[WeaviateStore]:
        store = _server_store()
        yield store
        store.drop()


@pytest.mark.weaviate
@needs_server
class TestWeaviateStoreMultiTenant(VectorStoreContract):
    @pytest.fixture
    def store(self) -> Iterator[WeaviateStore]:
        store = _server_store(tenant="kb-test")
        yield store
        store.drop()


@pytest.mark.weaviate
@needs_server
def test_server_export_round_trip_and_dimension_check() -> None:
    table = f"KbTest{uuid.uuid4().hex[:12]}"
    store = _server_store(table=table)
    try:
        store.upsert(corpus())
        exported = store.export_document("handbook")
        assert [s.chunk for s in exported] == [c.chunk for c in corpus() if c.chunk.document_id == "handbook"]
        assert exported[0].vector == pytest.approx(corpus()[0].vector, abs=1e-6)
        with pytest.raises(StoreError, match="re-index"):
            _server_store(table=table, dim=DIM * 2).count()
    finally:
        store.drop()


@pytest.mark.weaviate
@needs_server
def test_server_migration_round_trip(tmp_path: Path) -> None:
    from kb_service.store.migrate import MigrationState, migrate

    lance = LanceDBStore(tmp_path / "store", "chunks", DIM)
    lance.upsert(corpus())
    store = _server_store()
    try:
        versions = {c.chunk.document_id: c.chunk.version for c in corpus()}
        report = migrate(lance, store, MigrationState(tmp_path / "state.jsonl", "to-weaviate"), versions=versions)
        assert report.ok, report.to_dict()
        back = LanceDBStore(tmp_path / "back", "chunks", DIM)
        assert migrate(store, back, MigrationState(tmp_path / "back.jsonl", "to-lancedb")).ok
        assert [p.model_dump() for p in back.chunks()] == [p.model_dump() for p in lance.chunks()]
    finally:
        store.drop()


# --- filter translation ----------------------------------------------------------------------
def _rest(node: Filter) -> Any:
    """The translated filter as the client serialises it (its REST `where` form)."""
    from weaviate.collections.filters import _FilterToREST

    translated = to_weaviate_filter(node)
    if translated is None or isinstance(translated, MatchNothing):
        return translated
    return _FilterToREST.convert(translated)


def test_eq_and_in_translate_to_exact_match_operators() -> None:
    assert _rest(Eq("document_id", "handbook")) == {
        "operator": "Equal", "path": ["document_id"], "valueText": "handbook",
    }  # fmt: skip
    assert _rest(Eq("page_start", 2)) == {"operator": "Equal", "path": ["page_start"], "valueInt": 2}
    assert _rest(In("document_id", ("a", "b"))) == {
        "operator": "ContainsAny", "path": ["document_id"], "valueTextArray": ["a", "b"],
    }  # fmt: skip
    assert _rest(In("page_end", (1, 3))) == {"operator": "ContainsAny", "path": ["page_end"], "valueIntArray": [1, 3]}


def test_and_nests_and_flattens_trivial_cases() -> None:
    tree = And((In("document_id", ("handbook", "expenses")), Eq("page_start", 2)))
    assert _rest(tree) == {
        "operator": "And",
        "operands": [
            {"operator": "ContainsAny", "path": ["document_id"], "valueTextArray": ["handbook", "expenses"]},
            {"operator": "Equal", "path": ["page_start"], "valueInt": 2},
        ],
    }
    assert _rest(And(())) is None  # matches everything, like SQL TRUE
    assert _rest(And((Eq("source", "a.pdf"),))) == _rest(Eq("source", "a.pdf"))
    assert _rest(And((And(()), Eq("version", "v1")))) == _rest(Eq("version", "v1"))


def test_empty_in_matches_nothing_even_inside_and() -> None:
    assert to_weaviate_filter(In("document_id", ())) is MATCH_NOTHING
    assert to_weaviate_filter(And((Eq("page_start", 1), In("chunk_id", ())))) is MATCH_NOTHING
    assert combine(MATCH_NOTHING, None) is MATCH_NOTHING


def test_values_travel_as_data_not_syntax() -> None:
    hostile = "x' OR '1'='1"
    assert _rest(Eq("document_id", hostile))["valueText"] == hostile
    with pytest.raises(TypeError):
        to_weaviate_filter(Eq("page_start", True))


def _evaluate(where: Any, row: dict[str, object]) -> bool:
    """Weaviate's semantics for the operators the translation emits, on one object."""
    op = where["operator"]
    if op in ("And", "Or"):
        results = [_evaluate(child, row) for child in where["operands"]]
        return all(results) if op == "And" else any(results)
    value = row.get(where["path"][0])
    wanted = next(v for k, v in where.items() if k.startswith("value"))
    if op == "Equal":
        return bool(value == wanted)
    if op == "NotEqual":
        return bool(value != wanted)
    if op == "ContainsAny":
        return value in wanted
    raise AssertionError(f"unexpected operator {op}")


def _random_filter(rng: random.Random, rows: list[dict[str, Any]], depth: int = 0) -> Filter:
    field: FilterField = rng.choice(get_args(FilterField))
    seen: list[str | int] = sorted({row[field] for row in rows}, key=str)
    choice = rng.random()
    if depth < 2 and choice < 0.3:
        return And(tuple(_random_filter(rng, rows, depth + 1) for _ in range(rng.randint(0, 3))))
    if choice < 0.65:
        return Eq(field, rng.choice([*seen, "nobody", 9]))
    return In(field, tuple(rng.sample(seen, rng.randint(0, min(3, len(seen))))))


def test_translation_agrees_with_the_reference_semantics() -> None:
    rows = [chunk_properties(c) for c in corpus()]
    rng = random.Random(5)
    for _ in range(400):
        node = _random_filter(rng, rows)
        expected = [matches(node, row) for row in rows]
        translated = _rest(node)
        if translated is None:
            got = [True] * len(rows)
        elif translated is MATCH_NOTHING:
            got = [False] * len(rows)
        else:
            got = [_evaluate(translated, row) for row in rows]
        assert got == expected, node


def test_visibility_filter_hides_only_the_named_versions() -> None:
    from weaviate.collections.filters import _FilterToREST

    rows = [chunk_properties(c) for c in corpus()]
    rows.append(chunk_properties(make("handbook", 0, "new text", axis(0), version="v2")))
    hidden = {"handbook": ("v1",)}
    where = visibility_filter(hidden)
    assert where is not None and visibility_filter({}) is None
    rest = _FilterToREST.convert(where)
    visible = [(r["document_id"], r["version"]) for r in rows if _evaluate(rest, r)]
    assert ("handbook", "v1") not in visible and ("handbook", "v2") in visible
    assert visible.count(("security", "v1")) == 2  # another document's v1 stays visible
    assert [is_visible(r, hidden) for r in rows] == [_evaluate(rest, r) for r in rows]


# --- object mapping --------------------------------------------------------------------------
def test_every_filter_field_is_an_indexed_property() -> None:
    kinds = dict(CHUNK_PROPERTIES)
    for field in get_args(FilterField):
        assert kinds[field] in ("id", "int"), field
    assert set(RESULT_PROPERTIES) <= set(kinds)
    assert set(chunk_properties(corpus()[0])) == set(kinds)


def test_properties_round_trip_to_the_same_chunk() -> None:
    original = StoredChunk(
        Chunk(
            chunk_id="c-1", document_id="doc", source="doc.pdf", title="Doc", version="abc",
            ordinal=3, text="员工应当 <PERSON_1> 更换密码。", section_path=("第一章", "Scope"),
            page_start=4, page_end=5, token_count=17, redactions={"PERSON": 1, "EMAIL_ADDRESS": 2},
        ),
        axis(2, 0.1, 3),
    )  # fmt: skip
    props = chunk_properties(original)
    assert props["keyword_text"].split()[:3] == ["Doc", ">", "第一"]  # CJK bigrams for BM25
    back = stored_chunk_from_object(props, original.vector)
    assert back.chunk == original.chunk
    assert back.vector == pytest.approx(original.vector)


def test_passages_match_what_lancedb_returns(tmp_path: Path) -> None:
    lance = LanceDBStore(tmp_path, "chunks", DIM)
    lance.upsert(corpus())
    expected = lance.chunks()
    ours = sorted(
        (passage_from_properties(chunk_properties(c), 0.0) for c in corpus()),
        key=lambda p: (p.document_id, p.ordinal),
    )
    assert [p.model_dump() for p in ours] == [p.model_dump() for p in expected]


def test_chunk_uuid_is_deterministic_per_chunk_id() -> None:
    assert chunk_uuid("a") == chunk_uuid("a") != chunk_uuid("b")
    assert uuid.UUID(chunk_uuid("a")).version == 5


def test_collection_schema_as_the_client_sends_it() -> None:
    from weaviate.classes.config import Configure
    from weaviate.collections.classes.config import _CollectionConfigCreate

    config = _CollectionConfigCreate(
        name="chunks",
        properties=property_configs(CHUNK_PROPERTIES),
        multi_tenancy_config=Configure.multi_tenancy(enabled=True),
        replication_config=Configure.replication(factor=3),
        **vector_config(),
    )._to_dict()
    assert config["class"] == "Chunks"
    assert config["multiTenancyConfig"]["enabled"] is True
    assert config["replicationConfig"]["factor"] == 3
    vectors = config["vectorConfig"]["default"]
    assert vectors["vectorizer"] == {"none": {}} and vectors["vectorIndexConfig"]["distance"] == "cosine"
    props = {p["name"]: p for p in config["properties"]}
    assert props["keyword_text"]["indexSearchable"] is True and props["keyword_text"]["tokenization"] == "word"
    assert props["document_id"]["tokenization"] == "field" and props["document_id"]["indexFilterable"] is True
    assert props["page_start"]["dataType"] == ["int"] and props["section_path"]["dataType"] == ["text[]"]
    assert props["text"]["indexSearchable"] is False  # BM25 runs on keyword_text only


def test_names_and_endpoints() -> None:
    assert collection_names("chunks") == ("Chunks", "ChunksState")
    with pytest.raises(StoreError):
        collection_names("my-table")
    ep = parse_endpoint("https://kb.example.org/", 50052)
    assert (ep.http_host, ep.http_port, ep.secure, ep.grpc_port) == ("kb.example.org", 443, True, 50052)
    ep = parse_endpoint("http://localhost:8080", 50051)
    assert (ep.http_host, ep.http_port, ep.secure) == ("localhost", 8080, False)
    with pytest.raises(StoreError, match="KB_WEAVIATE_URL"):
        parse_endpoint("localhost:8080", 50051)


# --- batch errors ----------------------------------------------------------------------------
def _batch_result(chunks: list[StoredChunk], failing: dict[int, str]) -> Any:
    from weaviate.collections.classes.batch import BatchObject, BatchObjectReturn, ErrorObject

    errors = {
        index: ErrorObject(
            message=message,
            object_=BatchObject(
                collection="Chunks",
                properties=chunk_properties(chunks[index]),
                uuid=chunk_uuid(chunks[index].chunk.chunk_id),
                index=index,
            ),
        )
        for index, message in failing.items()
    }
    uuids = {i: uuid.UUID(chunk_uuid(c.chunk.chunk_id)) for i, c in enumerate(chunks) if i not in failing}
    return BatchObjectReturn(errors=errors, uuids=uuids)


def test_batch_errors_name_every_failed_chunk() -> None:
    chunks = corpus()
    result = _batch_result(chunks, {1: "invalid text property", 4: "vector lengths don't match"})
    with pytest.raises(StoreError) as caught:
        raise_for_batch(result, [c.chunk.chunk_id for c in chunks], "Chunks")
    message = str(caught.value)
    assert "2 of 6" in message
    assert f"{chunks[1].chunk.chunk_id}: invalid text property" in message
    assert f"{chunks[4].chunk.chunk_id}: vector lengths don't match" in message
    raise_for_batch(_batch_result(chunks, {}), [c.chunk.chunk_id for c in chunks], "Chunks")


class _RefusingData:
    """A server answer we cannot cause here: the second batch refuses its 11th object."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def insert_many(self, objects: list[Any]) -> Any:
        from weaviate.collections.classes.batch import BatchObject, BatchObjectReturn, ErrorObject

        self.batches.append(len(objects))
        if len(self.batches) != 2:
            return BatchObjectReturn(uuids={i: uuid.UUID(str(o.uuid)) for i, o in enumerate(objects)})
        bad = objects[10]
        failed = BatchObject(collection="Chunks", properties=bad.properties, uuid=str(bad.uuid), index=10)
        error = ErrorObject("id conflict", failed)
        return BatchObjectReturn(errors={10: error})


class _FakeCollection:
    def __init__(self) -> None:
        self.data = _RefusingData()


def test_upsert_reports_the_failed_chunk_of_a_later_batch() -> None:
    store = WeaviateStore("http://127.0.0.1:9", DIM)
    fake = _FakeCollection()
    store._chunks, store._state = fake, object()  # never connects
    chunks = [make(f"d{i}", 0, f"text {i}", axis(i % DIM)) for i in range(WRITE_BATCH + 50)]
    with pytest.raises(StoreError) as caught:
        store.upsert(chunks)
    assert fake.data.batches == [WRITE_BATCH, 50]
    assert f"{chunks[WRITE_BATCH + 10].chunk.chunk_id}: id conflict" in str(caught.value)
    assert "1 of 50" in str(caught.value)


def test_wrong_dimension_is_refused_before_any_request() -> None:
    store = WeaviateStore("http://127.0.0.1:9", DIM)
    with pytest.raises(StoreError, match="dimensional"):
        store.upsert([make("bad", 0, "text", [1.0, 0.0])])
    with pytest.raises(StoreError, match="dimensions"):
        store.search([1.0, 0.0], None, k=1, mode="vector")
    with pytest.raises(StoreError, match="query text"):
        store.search(axis(0), None, k=1, mode="hybrid")
    assert store.search(axis(0), "x", k=0) == []


# --- connection ------------------------------------------------------------------------------
def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_server_fails_fast_and_clearly() -> None:
    http_port, grpc_port = _closed_port(), _closed_port()
    store = WeaviateStore(f"http://127.0.0.1:{http_port}", DIM, grpc_port=grpc_port, timeout_s=5)
    started = time.monotonic()
    with pytest.raises(StoreError) as caught:
        store.count()
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert f"cannot reach Weaviate at http://127.0.0.1:{http_port}" in message
    assert "KB_WEAVIATE_URL" in message
    store.close()  # nothing open: a no-op


# --- settings and the factory ----------------------------------------------------------------
def test_settings_names_and_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KB_CONFIG", str(tmp_path / "none.toml"))
    for name, value in {
        "KB_STORE_BACKEND": "weaviate", "KB_WEAVIATE_URL": "http://weaviate:8080",
        "KB_WEAVIATE_API_KEY": "s3cret", "KB_WEAVIATE_GRPC_PORT": "50052", "KB_WEAVIATE_TENANT": "team-a",
        "KB_WEAVIATE_REPLICATION_FACTOR": "3", "KB_WEAVIATE_TIMEOUT_S": "12.5",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.store_backend == "weaviate" and settings.weaviate_url == "http://weaviate:8080"
    assert settings.weaviate_api_key is not None and settings.weaviate_api_key.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)
    assert (settings.weaviate_grpc_port, settings.weaviate_tenant) == (50052, "team-a")
    assert (settings.weaviate_replication_factor, settings.weaviate_timeout_s) == (3, 12.5)
    store = make_store(settings, DIM)  # lazy: no connection yet
    assert isinstance(store, WeaviateStore) and "team-a" in repr(store)
    assert isinstance(store, VectorStore)


def test_factory_needs_a_url(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, store_backend="weaviate", weaviate_url=None, _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="KB_WEAVIATE_URL"):
        make_store(settings, DIM)
