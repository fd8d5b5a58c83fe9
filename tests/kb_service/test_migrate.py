"""`kb store migrate` and its core, between two real LanceDB stores."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kb_service.errors import StoreError
from kb_service.store import Eq
from kb_service.store.filters import to_sql
from kb_service.store.lancedb_store import LanceDBStore
from kb_service.store.migrate import (
    ChunkExporter,
    MigrationState,
    copy_documents,
    migrate,
    read_document,
    same_top,
    verify,
)
from kb_service.types import Chunk, Passage, StoredChunk
from tests.kb_service.store_contract import DIM, axis, corpus, make, unit

VERSIONS = {doc: "v1" for doc in ("handbook", "security", "expenses", "zh")}


def bigger_corpus() -> list[StoredChunk]:
    """The contract corpus plus ten three-chunk documents."""
    extra = [
        make(f"doc{d:02d}", i, f"Policy {d} clause {i} about topic {d * 3 + i}.", unit([((d * 7 + i * 3 + j) % 5) + 0.1 for j in range(DIM)]))
        for d in range(10)
        for i in range(3)
    ]
    return corpus() + extra


def versions_of(chunks: Sequence[StoredChunk]) -> dict[str, str]:
    return {c.chunk.document_id: c.chunk.version for c in chunks}


class ExportingLanceDB(LanceDBStore):
    """LanceDB with the optional `export_document` capability (all fields, lossless)."""

    def export_document(self, document_id: str) -> list[StoredChunk]:
        rows = self._open().search().where(to_sql(Eq("document_id", document_id))).limit(None).to_list()
        chunks = [
            StoredChunk(
                Chunk(
                    chunk_id=r["chunk_id"], document_id=r["document_id"], source=r["source"], title=r["title"],
                    version=r["version"], ordinal=r["ordinal"], text=r["text"], section_path=tuple(r["section_path"]),
                    page_start=r["page_start"], page_end=r["page_end"], token_count=r["token_count"],
                    redactions=json.loads(r["redactions"]),
                ),
                list(r["vector"]),
            )
            for r in rows
        ]  # fmt: skip
        return sorted(chunks, key=lambda s: s.chunk.ordinal)


class CrashingTarget:
    """A target that dies after `after` documents: the interruption we cannot otherwise cause."""

    def __init__(self, inner: LanceDBStore, after: int) -> None:
        self.inner = inner
        self.left = after

    def replace_document(self, document_id: str, chunks: Sequence[StoredChunk]) -> int:
        if self.left == 0:
            raise StoreError("connection lost")
        self.left -= 1
        return self.inner.replace_document(document_id, chunks)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def source(tmp_path: Path) -> LanceDBStore:
    store = LanceDBStore(tmp_path / "source", "chunks", DIM)
    store.upsert(bigger_corpus())
    return store


@pytest.fixture
def target(tmp_path: Path) -> LanceDBStore:
    return LanceDBStore(tmp_path / "target", "chunks", DIM)


@pytest.fixture
def state(tmp_path: Path) -> MigrationState:
    return MigrationState(tmp_path / "state.jsonl", "source -> target")


def assert_same_store(source: LanceDBStore, target: LanceDBStore) -> None:
    assert target.documents() == source.documents()
    assert [p.model_dump() for p in target.chunks()] == [p.model_dump() for p in source.chunks()]
    for document_id in source.documents():
        ours, theirs = source.vectors_by_hash(document_id), target.vectors_by_hash(document_id)
        assert ours.keys() == theirs.keys()
        for key, vector in ours.items():
            assert theirs[key] == pytest.approx(vector, abs=1e-7)


def test_migration_copies_chunks_vectors_and_metadata(source: LanceDBStore, target: LanceDBStore, state: MigrationState) -> None:
    seen: list[tuple[str, int, int]] = []
    versions = versions_of(bigger_corpus())
    report = migrate(source, target, state, versions=versions, progress=lambda *event: seen.append(event))
    assert report.ok, report.to_dict()
    assert (report.copied_documents, report.copied_chunks, report.skipped_documents) == (14, 36, 0)
    assert not report.lossless  # plain LanceDB cannot export token counts and redactions
    assert report.unversioned_documents == 0
    assert_same_store(source, target)
    assert target.count(Eq("version", "v1")) == 36  # versions confirmed from the ledger's view
    assert report.verification.source_chunks == report.verification.target_chunks == 36
    assert len(report.verification.samples) == 20 and not report.verification.failed_samples
    assert ("copy", 14, 14) in seen and ("verify", 20, 20) in seen
    # the target answers like the source
    query = axis(2)
    assert [p.chunk_id for p in target.search(query, "passwords", k=5)] == [p.chunk_id for p in source.search(query, "passwords", k=5)]


def test_an_unconfirmed_version_is_not_invented(source: LanceDBStore, target: LanceDBStore, state: MigrationState) -> None:
    report = copy_documents(source, target, state, versions={"handbook": "v9"})
    assert report.unversioned_documents == 14
    assert target.count(Eq("version", "v9")) == 0
    assert target.count(Eq("version", "")) == 36


def test_an_exporting_source_copies_every_field(tmp_path: Path, target: LanceDBStore, state: MigrationState) -> None:
    source = ExportingLanceDB(tmp_path / "exporting", "chunks", DIM)
    chunks = bigger_corpus()
    plain = make("hr", 0, "Call <PERSON_1> at <PHONE_NUMBER_1>.", axis(7), version="sha-1")
    redacted = StoredChunk(replace(plain.chunk, redactions={"PERSON": 1, "PHONE_NUMBER": 1}), plain.vector)
    source.upsert([*chunks, redacted])
    assert isinstance(source, ChunkExporter)
    report = migrate(source, target, state)
    assert report.ok and report.lossless
    exporter = ExportingLanceDB(target._path, "chunks", DIM)
    for document_id in source.documents():
        assert [s.chunk for s in exporter.export_document(document_id)] == [s.chunk for s in source.export_document(document_id)]


def test_read_document_rebuilds_vectors_through_the_protocol(source: LanceDBStore) -> None:
    rebuilt, lossless = read_document(source, "security", VERSIONS)
    original = [c for c in corpus() if c.chunk.document_id == "security"]
    assert not lossless
    assert [c.chunk.text for c in rebuilt] == [c.chunk.text for c in original]
    assert [c.chunk.version for c in rebuilt] == ["v1", "v1"]
    for got, want in zip(rebuilt, original, strict=True):
        assert got.vector == pytest.approx(want.vector, abs=1e-6)


def test_an_interrupted_migration_resumes_where_it_stopped(source: LanceDBStore, target: LanceDBStore, tmp_path: Path) -> None:
    path = tmp_path / "state.jsonl"
    with pytest.raises(StoreError, match="connection lost"):
        migrate(source, CrashingTarget(target, after=5), MigrationState(path, "r"))
    assert len(target.documents()) == 5
    assert len(MigrationState(path, "r").copied) == 5
    with path.open("a", encoding="utf-8") as handle:  # a crash in the middle of a line
        handle.write('{"document_id": "doc0')
    report = migrate(source, target, MigrationState(path, "r"), versions=versions_of(bigger_corpus()))
    assert (report.skipped_documents, report.copied_documents) == (5, 9)
    assert report.ok
    assert_same_store(source, target)
    assert len(MigrationState(path, "r").copied) == 14  # the torn line did not eat a record


def test_a_document_changed_since_is_copied_again(source: LanceDBStore, target: LanceDBStore, state: MigrationState) -> None:
    migrate(source, target, state)
    new = [make("handbook", i, f"Handbook v2 part {i}.", axis(6, 0.1, i), version="v2") for i in range(3)]
    source.replace_document("handbook", new)
    report = migrate(source, target, state)
    assert (report.copied_documents, report.skipped_documents) == (1, 13)
    assert report.ok
    assert {p.text for p in target.chunks(Eq("document_id", "handbook"))} == {c.chunk.text for c in new}


def test_state_for_another_route_is_not_reused(source: LanceDBStore, target: LanceDBStore, tmp_path: Path) -> None:
    path = tmp_path / "state.jsonl"
    copy_documents(source, target, MigrationState(path, "a -> b"))
    assert MigrationState(path, "a -> c").copied == {}
    assert len(MigrationState(path, "a -> b").copied) == 14


def test_verification_detects_a_corrupted_vector(source: LanceDBStore, target: LanceDBStore, state: MigrationState) -> None:
    assert migrate(source, target, state).ok
    victim = bigger_corpus()[2]  # security, ordinal 0: same id and text, wrong vector
    target.upsert([StoredChunk(victim.chunk, axis(5))])
    result = verify(source, target, samples=40)
    assert not result.count_mismatches
    failed = {s.chunk_id: s for s in result.failed_samples}
    assert set(failed) == {victim.chunk.chunk_id}
    assert not failed[victim.chunk.chunk_id].content_ok
    assert not failed[victim.chunk.chunk_id].agree["vector"]


def test_verification_detects_missing_changed_and_extra_chunks(source: LanceDBStore, target: LanceDBStore, state: MigrationState) -> None:
    migrate(source, target, state)
    target.delete(Eq("chunk_id", bigger_corpus()[0].chunk.chunk_id))
    changed = bigger_corpus()[4]
    target.upsert([make("expenses", 0, "Hotel costs are reimbursed up to 900 dollars per night.", changed.vector)])
    target.upsert([make("stray", 0, "Not in the source.", axis(3))])
    result = verify(source, target, samples=40)
    assert not result.ok
    assert {(m.document_id, m.source, m.target) for m in result.count_mismatches} == {("handbook", 2, 1), ("stray", 0, 1)}
    assert changed.chunk.chunk_id in {s.chunk_id for s in result.failed_samples if not s.content_ok}


def _passage(chunk_id: str, score: float) -> Passage:
    return Passage(chunk_id=chunk_id, document_id="d", source="s", title="t", section="", section_path=[],
                   page_start=1, page_end=1, ordinal=0, text="x", score=score,
                   vector_score=None, keyword_score=None)  # fmt: skip


def test_same_top_accepts_ties_only() -> None:
    a, b, c = _passage("a", 0.9), _passage("b", 0.9), _passage("c", 0.5)
    assert same_top([a, b], [a, b]) and same_top([a, b], [b, a])
    assert not same_top([a, c], [c, a])
    assert same_top([], []) and not same_top([a], [])


# --- the command -----------------------------------------------------------------------------
@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("KB_WEAVIATE_URL", "KB_STORE_BACKEND", "KB_DATA_DIR", "KB_STORE_TABLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KB_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.chdir(tmp_path)  # no stray .env
    data = tmp_path / "data"
    LanceDBStore(data / "store", "chunks", DIM).upsert(corpus())
    return data


def _kb(*args: str) -> Any:
    from cli.main import app

    return CliRunner().invoke(app, list(args))


def test_cli_migrates_between_lancedb_folders_and_resumes(cli_env: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    args = ["--data-dir", str(cli_env), "store", "migrate", "--to", "lancedb", "--target-data-dir", str(copy), "--dim", str(DIM)]
    first = _kb(*args, "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["ok"] and summary["copied_documents"] == 4 and summary["target"] == {"documents": 4, "chunks": 6}
    assert (cli_env / "store-migration-lancedb.jsonl").exists()
    again = _kb(*args)
    assert again.exit_code == 0, again.output
    assert "skipped 4 already copied" in again.stdout and "the stores agree" in again.stdout
    LanceDBStore(copy / "store", "chunks", DIM).delete(Eq("document_id", "zh"))
    checked = _kb(*args, "--verify-only")
    assert checked.exit_code == 1
    assert "count mismatches" in checked.stdout and "zh" in checked.stdout


def test_cli_needs_a_weaviate_url(cli_env: Path) -> None:
    result = _kb("--data-dir", str(cli_env), "store", "migrate", "--to", "weaviate", "--dim", str(DIM))
    assert result.exit_code == 2
    assert "KB_WEAVIATE_URL" in result.output


def test_cli_refuses_to_copy_a_store_onto_itself(cli_env: Path) -> None:
    result = _kb("--data-dir", str(cli_env), "store", "migrate", "--to", "lancedb", "--dim", str(DIM))
    assert result.exit_code == 2
    assert "--target-data-dir" in result.output


def test_cli_help_documents_the_command() -> None:
    result = _kb("store", "migrate", "--help")
    assert result.exit_code == 0
    for words in ("--to", "--verify-only", "--samples", "--restart", "Resumable", "Exit status"):
        assert words in result.output
