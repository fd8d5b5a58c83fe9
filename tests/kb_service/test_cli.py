"""The `kb` command as a user runs it: real process, real models, JSON output, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.corpus.pdfgen import policy_document, write_pdf

pytestmark = pytest.mark.slow


def kb(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KB_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        env=env, capture_output=True, text=True, timeout=300,
    )


def test_ingest_search_docs_and_delete(tmp_path: Path) -> None:
    data = tmp_path / "data"
    docs = tmp_path / "docs"
    spec, planted = policy_document(60, pages=2)
    write_pdf(spec, docs / "policy.pdf")
    (docs / "broken.pdf").write_bytes(b"not a pdf at all")
    (docs / "faq.md").write_text("# FAQ\n\n## Parking\n\nVisitors park in garage B on level 2.\n", encoding="utf-8")

    result = kb(data, "ingest", str(docs), "--json")
    assert result.returncode == 1, result.stderr  # one file failed, the rest went in
    summary = json.loads(result.stdout)
    assert summary["ingested"] == 2 and summary["unchanged"] == 0
    assert summary["failed"] == [{"path": str(docs / "broken.pdf"), "reason": "broken.pdf is not a PDF (no %PDF- header); is the extension wrong?"}]
    assert summary["documents"] == 2 and summary["pages"] >= 3 and summary["chunks"] > 2
    assert sum(summary["redactions"].values()) > 0 and summary["seconds"] > 0
    for value in (v for _, v in planted):
        assert value not in result.stdout + result.stderr

    again = kb(data, "ingest", str(docs / "policy.pdf"), str(docs / "faq.md"), "--json")
    assert again.returncode == 0
    assert json.loads(again.stdout)["unchanged"] == 2

    found = kb(data, "search", "Where do visitors park?", "-k", "2", "--json")
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert hits[0]["source"] == "faq.md" and hits[0]["section"] == "FAQ > Parking"
    assert {"document_id", "page_start", "page_end", "score", "text"} <= set(hits[0])

    keyword = kb(data, "search", "garage", "--mode", "keyword")
    assert keyword.returncode == 0 and "garage B" in keyword.stdout

    listed = json.loads(kb(data, "docs", "list", "--json").stdout)
    by_source = {d["source"]: d for d in listed}
    assert by_source["policy.pdf"]["status"] == "indexed" and by_source["policy.pdf"]["pages"] == 2
    assert by_source["broken.pdf"]["status"] == "failed"
    doc_id = by_source["faq.md"]["document_id"]

    shown = json.loads(kb(data, "docs", "show", doc_id, "--json").stdout)
    assert shown["source"] == "faq.md" and len(shown["version"]) == 64

    deleted = kb(data, "docs", "delete", "faq.md", "--json")
    assert deleted.returncode == 0 and json.loads(deleted.stdout)["deleted"] == doc_id
    after = json.loads(kb(data, "search", "garage", "--mode", "keyword", "--json").stdout)
    assert all(h["source"] != "faq.md" for h in after)
    assert kb(data, "docs", "delete", "faq.md").returncode == 1

    # Every change an operator made with `kb` is in the audit log: who, what, when, outcome.
    events = audit_events(data)
    ingests = [(e["target"], e["detail"]["outcome"], e["status"]) for e in events if e["action"] == "document.ingest"]
    assert sorted(ingests) == sorted([
        ("policy.pdf", "ingested", 0), ("faq.md", "ingested", 0), ("broken.pdf", "failed", 1),
        ("policy.pdf", "unchanged", 0), ("faq.md", "unchanged", 0),
    ])
    deletes = [(e["target"], e["status"]) for e in events if e["action"] == "document.delete"]
    assert deletes == [(doc_id, 0), (doc_id, 1)]  # named by id even when not found: names may be personal
    for event in events:
        assert (event["role"], event["method"], event["key_id"]) == ("cli", "CLI", None)
        assert event["route"] in ("kb ingest", "kb docs delete") and "@" in event["client"]
        assert event["time"].endswith("+00:00")
    tail = kb(data, "audit", "tail", "-n", "2", "--json")
    assert tail.returncode == 0 and [json.loads(line)["action"] for line in tail.stdout.splitlines()] == [
        "document.delete", "document.delete"
    ]
    for value in (v for _, v in planted):
        assert value not in (data / "audit" / "audit.jsonl").read_text(encoding="utf-8")


def audit_events(data: Path) -> list[dict]:  # type: ignore[type-arg]
    path = data / "audit" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert kb(tmp_path, "ingest", str(tmp_path / "missing.pdf")).returncode == 2
    assert kb(tmp_path, "search", "x", "--mode", "fuzzy").returncode == 2
    assert kb(tmp_path, "ingest").returncode == 2
    bad_setting = subprocess.run(
        [sys.executable, "-m", "cli.main", "docs", "list"],
        env={**os.environ, "KB_DATA_DIR": str(tmp_path), "KB_CHUNK_TOKENS": "10"},
        capture_output=True, text=True, timeout=60,
    )
    assert bad_setting.returncode == 2 and "chunk_tokens" in bad_setting.stderr


def test_unknown_document_is_a_clear_error(tmp_path: Path) -> None:
    result = kb(tmp_path, "docs", "show", "nope")
    assert result.returncode == 1 and "no document" in result.stderr


def test_watch_once_processes_the_inbox(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_pdf(policy_document(61, pages=1)[0], data / "inbox" / "memo.pdf")
    result = kb(data, "watch", "--once")
    assert result.returncode == 0, result.stderr
    assert (data / "processed" / "memo.pdf").exists()
    (event,) = audit_events(data)
    assert (event["action"], event["route"], event["target"], event["status"]) == (
        "document.ingest", "kb watch", "memo.pdf", 0
    )
