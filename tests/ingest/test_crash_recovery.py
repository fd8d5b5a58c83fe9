"""kill -9 in the middle of ingestion (`kb ingest`, `kb watch`), then rerun: no duplicates, no
half-indexed document, no lost file."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from kb_service.settings import Settings
from tests.corpus.pdfgen import policy_document, write_pdf

pytestmark = pytest.mark.slow


def kb(data_dir: Path, *args: str, **settings: object) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KB_DATA_DIR": str(data_dir), **{f"KB_{k.upper()}": str(v) for k, v in settings.items()}}
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def statuses(ledger: Path) -> dict[str, str]:
    if not ledger.exists():
        return {}
    try:
        conn = sqlite3.connect(ledger, timeout=5)
        rows = conn.execute("SELECT source, status FROM documents").fetchall()
        conn.close()
    except sqlite3.OperationalError:
        return {}
    return dict(rows)


def kill_when(proc: subprocess.Popen[bytes], ledger: Path, condition, timeout: float = 120) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition(statuses(ledger)):
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return
        if proc.poll() is not None:
            pytest.fail("the ingest finished before the crash point was reached")
        time.sleep(0.02)
    proc.kill()
    pytest.fail("crash point not reached in time")


def stored(settings: Settings) -> list[dict]:  # type: ignore[type-arg]
    import lancedb

    db = lancedb.connect(str(settings.store_dir))
    return db.open_table(settings.store_table).to_arrow().select(["chunk_id", "document_id", "version", "ordinal"]).to_pylist()


def ledger_rows(settings: Settings) -> dict[str, tuple[str, str, int]]:
    conn = sqlite3.connect(settings.ledger_path)
    rows = conn.execute("SELECT document_id, status, version, chunks FROM documents").fetchall()
    conn.close()
    return {doc: (status, version, chunks) for doc, status, version, chunks in rows}


def assert_consistent(settings: Settings) -> None:
    rows = stored(settings)
    ids = Counter(r["chunk_id"] for r in rows)
    assert all(n == 1 for n in ids.values()), "duplicate chunk ids after recovery"
    by_doc: dict[str, set[str]] = {}
    for r in rows:
        by_doc.setdefault(r["document_id"], set()).add(r["version"])
    assert all(len(v) == 1 for v in by_doc.values()), f"a document mixes versions: {by_doc}"
    for doc, (status, version, chunks) in ledger_rows(settings).items():
        if status == "indexed":
            assert by_doc.get(doc, {version}) == {version}
            assert sum(1 for r in rows if r["document_id"] == doc) == chunks


def test_kill_during_a_batch_then_rerun(tmp_path: Path) -> None:
    inbox = tmp_path / "docs"
    for seed in range(4):
        write_pdf(policy_document(40 + seed, pages=3)[0], inbox / f"doc{seed}.pdf")
    settings = Settings(data_dir=tmp_path / "data")
    proc = kb(settings.data_dir, "ingest", str(inbox))
    kill_when(proc, settings.ledger_path, lambda s: list(s.values()).count("indexed") >= 1 and "processing" in s.values())
    assert_consistent(settings)

    rerun = kb(settings.data_dir, "ingest", str(inbox))
    assert rerun.wait(timeout=300) == 0
    assert_consistent(settings)
    assert set(statuses(settings.ledger_path).values()) == {"indexed"}
    assert len({r["document_id"] for r in stored(settings)}) == 4


def test_kill_during_version_replacement_keeps_old_or_new(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    v1 = write_pdf(policy_document(50, pages=3)[0], tmp_path / "v1" / "policy.pdf")
    v2 = write_pdf(policy_document(51, pages=6)[0], tmp_path / "v2" / "policy.pdf")
    assert kb(settings.data_dir, "ingest", str(v1)).wait(timeout=300) == 0
    (old_doc, (_, old_version, old_chunks)), = ledger_rows(settings).items()

    proc = kb(settings.data_dir, "ingest", str(v2))
    kill_when(proc, settings.ledger_path, lambda s: s.get("policy.pdf") == "processing")
    rows = stored(settings)
    assert {r["version"] for r in rows} == {old_version} and len(rows) == old_chunks

    assert kb(settings.data_dir, "ingest", str(v2)).wait(timeout=300) == 0
    assert_consistent(settings)
    status, new_version, _ = ledger_rows(settings)[old_doc]
    assert status == "indexed" and new_version != old_version
    assert {r["version"] for r in stored(settings)} == {new_version}


def test_kill_the_watcher_mid_batch_then_restart(tmp_path: Path, pipeline) -> None:  # type: ignore[no-untyped-def]
    """`kb watch` killed while a document is half processed: the files it had not finished
    stay in the inbox, the next start ingests them, and the store ends exactly as a clean
    ingestion of the same files leaves it."""
    settings = Settings(data_dir=tmp_path / "watched")
    sources = tmp_path / "sources"
    for seed in range(4):
        write_pdf(policy_document(70 + seed, pages=3)[0], sources / f"doc{seed}.pdf")
    settings.inbox_dir.mkdir(parents=True)
    for path in sorted(sources.iterdir()):
        shutil.copy(path, settings.inbox_dir / path.name)

    proc = kb(settings.data_dir, "watch", watch_settle_seconds=0, watch_interval=0.2)
    kill_when(proc, settings.ledger_path, lambda s: list(s.values()).count("indexed") >= 1 and "processing" in s.values())
    assert_consistent(settings)
    left = sorted(p.name for p in settings.inbox_dir.iterdir())
    assert left and len(left) < 4, left  # what was not finished is still in the inbox

    assert kb(settings.data_dir, "watch", "--once", watch_settle_seconds=0).wait(timeout=300) == 0
    assert_consistent(settings)
    assert not list(settings.inbox_dir.iterdir())
    assert sorted(p.name for p in settings.processed_dir.iterdir()) == [f"doc{seed}.pdf" for seed in range(4)]
    assert set(statuses(settings.ledger_path).values()) == {"indexed"}

    clean = pipeline.ingest_paths([sources])
    assert {o.status for o in clean.outcomes} == {"ingested"}
    expected = {o.document_id: (o.version, o.chunks) for o in clean.outcomes}
    got = {doc: (version, chunks) for doc, (_, version, chunks) in ledger_rows(settings).items()}
    assert got == expected
    per_doc = Counter((r["document_id"], r["version"]) for r in stored(settings))
    assert dict(per_doc) == {(doc, version): chunks for doc, (version, chunks) in expected.items()}
