"""The inbox watcher end to end, with the real pipeline."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from ingest.pipeline import Pipeline
from ingest.watcher import InboxWatcher, is_partial_name
from kb_service.types import document_id_for
from tests.corpus.pdfgen import policy_document, write_pdf


def wait_for(condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_partial_names() -> None:
    for name in ["report.pdf.part", "~$report.docx", ".hidden.pdf", "x.crdownload", "a.tmp", "notes.txt~"]:
        assert is_partial_name(name), name
    assert not is_partial_name("report.pdf")


def test_watcher_files_good_and_bad_documents(pipeline: Pipeline, tmp_path: Path) -> None:
    settings = pipeline.settings
    watcher = InboxWatcher(pipeline, settings.inbox_dir, settings)
    thread = threading.Thread(target=watcher.run_forever, daemon=True)
    thread.start()
    try:
        write_pdf(policy_document(30, pages=2)[0], settings.inbox_dir / "handbook.pdf")
        (settings.inbox_dir / "broken.pdf").write_bytes(b"%PDF-1.7\n garbage without trailer")
        (settings.inbox_dir / "upload.pdf.part").write_bytes(b"%PDF-1.7 still copying")
        (settings.inbox_dir / ".DS_Store").write_bytes(b"\x00\x01")
        wait_for(lambda: (settings.processed_dir / "handbook.pdf").exists() and (settings.failed_dir / "broken.pdf").exists())
    finally:
        watcher.stop()
        thread.join(timeout=10)

    reason = (settings.failed_dir / "broken.pdf.error.txt").read_text(encoding="utf-8")
    assert "damaged" in reason and "broken.pdf" in reason
    assert (settings.inbox_dir / "upload.pdf.part").exists() and (settings.inbox_dir / ".DS_Store").exists()
    assert not (settings.inbox_dir / "handbook.pdf").exists()
    info = pipeline.ledger.get(document_id_for("handbook.pdf"))
    assert info is not None and info.status == "indexed" and info.chunks > 0


def test_a_growing_file_waits_until_it_is_stable(pipeline: Pipeline, tmp_path: Path) -> None:
    settings = pipeline.settings
    settings.watch_settle_seconds = 0.5
    watcher = InboxWatcher(pipeline, settings.inbox_dir, settings)
    data = write_pdf(policy_document(31, pages=2)[0], tmp_path / "src.pdf").read_bytes()
    target = settings.inbox_dir / "growing.pdf"
    target.write_bytes(data[: len(data) // 2])
    assert watcher.run_once() == []  # first sighting starts the settle clock
    time.sleep(0.2)
    with target.open("ab") as handle:
        handle.write(data[len(data) // 2 :])
    assert watcher.run_once() == []  # it changed: the clock starts again
    time.sleep(0.6)
    (outcome,) = watcher.run_once()
    assert outcome.status == "ingested" and outcome.source == "growing.pdf"


def test_same_name_again_replaces_and_restart_picks_up_waiting_files(pipeline: Pipeline, tmp_path: Path) -> None:
    settings = pipeline.settings
    settings.watch_settle_seconds = 0.0
    first = InboxWatcher(pipeline, settings.inbox_dir, settings)
    write_pdf(policy_document(32, pages=2)[0], settings.inbox_dir / "policy.pdf")
    (v1,) = first.run_once()

    # The watcher is "down": files arrive meanwhile, one of them a new version.
    write_pdf(policy_document(33, pages=2)[0], settings.inbox_dir / "policy.pdf")
    write_pdf(policy_document(34, pages=2)[0], settings.inbox_dir / "other.pdf")
    restarted = InboxWatcher(pipeline, settings.inbox_dir, settings)
    outcomes = {o.source: o for o in restarted.run_once()}
    assert set(outcomes) == {"policy.pdf", "other.pdf"}
    assert outcomes["policy.pdf"].status == "ingested" and outcomes["policy.pdf"].version != v1.version
    assert pipeline.ledger.get(v1.document_id).version == outcomes["policy.pdf"].version  # type: ignore[union-attr]
    kept = sorted(p.name for p in settings.processed_dir.iterdir())
    assert len([name for name in kept if name.startswith("policy")]) == 2, kept
    assert list(settings.inbox_dir.iterdir()) == []
