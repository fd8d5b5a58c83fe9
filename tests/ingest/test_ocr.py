"""OCR of scanned PDF pages: real Tesseract, the real parse worker, the real pipeline and Presidio.

The scans are made by tests/corpus/scans.py (text drawn into images, image-only pages).
Tesseract and its models come from `make ocr`; without them these tests skip, saying so.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from ingest.deidentify import Deidentifier
from ingest.errors import EmptyDocumentError, ParseTimeoutError
from ingest.isolation import IsolatedParser, make_parser
from ingest.ledger import Ledger
from ingest.parse import parse_bytes
from ingest.parse import ocr as ocr_module
from ingest.parse.ocr import OcrOptions, OcrUnavailableError, find_tessdata
from ingest.pipeline import Pipeline
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.settings import Settings
from tests.corpus.scans import FONTS, cer, mixed_document, page_marker, scanned_document
from tests.ingest.pii_scan import leaks
from tests.ingest.test_pipeline import stored_rows

TESSDATA = find_tessdata("eng+chi_sim")
MISSING_FONTS = [font for font in FONTS.values() if not Path(font).is_file()]
pytestmark = [
    pytest.mark.skipif(isinstance(TESSDATA, str), reason=f"OCR not installed: {TESSDATA}"),
    pytest.mark.skipif(bool(MISSING_FONTS), reason=f"`make ocr` installs the scan fonts {MISSING_FONTS}"),
]

# Measured (benchmarks/ocr.py, 3 pages each): en 0.000-0.007, zh 0.002-0.014; the bounds leave
# room for another Tesseract build, not for a reader that drops a line (~0.05 a line).
CER_BOUND = {
    ("en", "clean"): 0.02, ("en", "noise"): 0.03, ("en", "rotated"): 0.02,
    ("zh", "clean"): 0.03, ("zh", "noise"): 0.05, ("zh", "rotated"): 0.03,
}


def options(**overrides: object) -> OcrOptions:
    return OcrOptions(tessdata=str(TESSDATA), **overrides)  # type: ignore[arg-type]


@pytest.mark.parametrize(("language", "condition"), sorted(CER_BOUND))
def test_ocr_text_matches_the_scanned_page(tmp_path: Path, language: str, condition: str) -> None:
    scan = scanned_document(tmp_path / "scan.pdf", language, condition, seed=3)  # type: ignore[arg-type]
    parsed = parse_bytes(scan.path.read_bytes(), "scan.pdf", ocr=options())
    assert parsed.ocr_pages == [1] and parsed.needs_ocr_pages == []
    assert parsed.ocr_confidence is not None and 0.6 <= parsed.ocr_confidence <= 1.0
    text = "\n".join(block.text for block in parsed.blocks)
    error = cer(text, scan.truth(1), language)  # type: ignore[arg-type]
    assert error <= CER_BOUND[(language, condition)], (error, text)


def test_page_numbers_of_a_scan_mixing_text_and_image_pages(tmp_path: Path) -> None:
    """Through the isolated parse worker: OCR'd text lands on its own page, text pages keep theirs."""
    scan = mixed_document(tmp_path / "mixed.pdf", "en", layout="tsst")
    parser = IsolatedParser(Settings(data_dir=tmp_path / "data"))
    try:
        parsed = parser.parse(scan.path.read_bytes(), "mixed.pdf")
    finally:
        parser.close()
    assert parsed.pages == 4
    assert parsed.ocr_pages == [2, 3] and parsed.needs_ocr_pages == []
    for number in range(1, 5):
        on_page = " ".join(block.text for block in parsed.blocks if block.page == number)
        assert page_marker(number) in on_page, (number, on_page[:200])
        assert cer(on_page, scan.truth(number), "en") < 0.05, number


@pytest.mark.parametrize("language", ["en", "zh"])
def test_personal_data_in_a_scan_is_redacted_before_indexing(
    pipeline: Pipeline, tmp_path: Path, language: str
) -> None:
    scan = scanned_document(tmp_path / f"scan-{language}.pdf", language, "clean", pages=2, seed=5)  # type: ignore[arg-type]
    (outcome,) = pipeline.ingest_paths([scan.path]).outcomes
    assert outcome.status == "ingested", outcome.error
    assert outcome.ocr_pages == [1, 2] and outcome.needs_ocr_pages == []
    rows = stored_rows(pipeline, outcome.document_id)
    assert rows and {r["page_start"] for r in rows} <= {1, 2}
    text = "\n".join(r["text"] for r in rows)
    assert "<EMAIL_ADDRESS_1>" in text and "<PERSON_1>" in text
    assert leaks(pipeline.settings, scan.planted) == []

    info = pipeline.ledger.get(outcome.document_id)
    assert info is not None and info.ocr_pages == [1, 2] and info.needs_ocr_pages == []
    assert info.ocr_confidence == outcome.ocr_confidence and 0.6 <= (info.ocr_confidence or 0) <= 1


def test_a_page_below_the_confidence_floor_stays_flagged_and_is_not_indexed(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    pipeline.parser.close()
    pipeline.parser = make_parser(pipeline.settings.model_copy(update={"ocr_min_confidence": 0.995}))
    scan = mixed_document(tmp_path / "mixed.pdf", "en", layout="ts")
    (outcome,) = pipeline.ingest_paths([scan.path]).outcomes
    assert outcome.status == "ingested", outcome.error
    assert outcome.needs_ocr_pages == [2] and outcome.ocr_pages == [] and outcome.ocr_confidence is None
    rows = stored_rows(pipeline, outcome.document_id)
    assert rows and all(r["page_end"] == 1 for r in rows)
    assert not any(page_marker(2) in r["text"] for r in rows)

    only_scans = scanned_document(tmp_path / "scan.pdf", "en", "noise", seed=7)
    (failed,) = pipeline.ingest_paths([only_scans.path]).outcomes
    assert failed.status == "failed"
    assert "KB_OCR_MIN_CONFIDENCE 0.995" in (failed.error or "") and "review" in (failed.error or "")


def test_ocr_off_keeps_scanned_pages_flagged(tmp_path: Path) -> None:
    scan = mixed_document(tmp_path / "mixed.pdf", "en", layout="ts")
    parser = make_parser(Settings(data_dir=tmp_path / "data", ocr="off", parse_isolation="inline"))
    parsed = parser.parse(scan.path.read_bytes(), "mixed.pdf")
    assert parsed.needs_ocr_pages == [2] and parsed.ocr_pages == []
    assert {block.page for block in parsed.blocks} == {1}
    only_scans = scanned_document(tmp_path / "scan.pdf", "en", seed=8)
    with pytest.raises(EmptyDocumentError, match="needs OCR before it can be ingested"):
        parser.parse(only_scans.path.read_bytes(), "scan.pdf")


def test_missing_tesseract_is_an_error_when_on_and_a_log_line_when_auto(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(ocr_module, "TESSDATA_DIRS", (str(tmp_path / "no-tessdata"),))
    with pytest.raises(OcrUnavailableError, match="make ocr"):
        make_parser(Settings(data_dir=tmp_path / "data", ocr="on"))
    ocr_module._log_off_once.cache_clear()
    with caplog.at_level(logging.WARNING, logger="ingest.parse.ocr"):
        assert OcrOptions.from_settings(Settings(data_dir=tmp_path / "data", ocr="auto")) is None
    assert "make ocr" in caplog.text and "KB_OCR=off" in caplog.text


def test_an_ocr_page_has_its_own_time_allowance(tmp_path: Path) -> None:
    """A page limit too short for OCR passes with KB_PARSE_SECONDS_PER_OCR_PAGE added; without
    the allowance the page fails the file, naming both settings."""
    data = scanned_document(tmp_path / "scan.pdf", "en", seed=9).path.read_bytes()
    tight = {"data_dir": tmp_path / "data", "parse_page_timeout_s": 0.5}
    parser = IsolatedParser(Settings(**tight, parse_seconds_per_ocr_page=30.0))  # type: ignore[arg-type]
    try:
        assert parser.parse(data, "scan.pdf").ocr_pages == [1]
    finally:
        parser.close()
    parser = IsolatedParser(Settings(**tight, parse_seconds_per_ocr_page=0.0, ocr_dpi=600))  # type: ignore[arg-type]
    try:
        with pytest.raises(ParseTimeoutError, match="KB_PARSE_SECONDS_PER_OCR_PAGE"):
            parser.parse(data, "scan.pdf")
    finally:
        parser.close()


def test_an_older_ledger_gains_the_ocr_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE documents (document_id TEXT PRIMARY KEY, source TEXT NOT NULL, "
        "title TEXT NOT NULL DEFAULT '', version TEXT NOT NULL DEFAULT '', status TEXT NOT NULL, "
        "format TEXT NOT NULL DEFAULT '', pages INTEGER NOT NULL DEFAULT 0, chunks INTEGER NOT NULL DEFAULT 0, "
        "duplicate_chunks INTEGER NOT NULL DEFAULT 0, redactions TEXT NOT NULL DEFAULT '{}', "
        "needs_ocr_pages TEXT NOT NULL DEFAULT '[]', error TEXT, size_bytes INTEGER NOT NULL DEFAULT 0, "
        "created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"
    )
    conn.execute(
        "INSERT INTO documents VALUES ('d1', 'old.pdf', 'Old', 'v1', 'indexed', 'pdf', 3, 5, 0, '{}', "
        "'[3]', NULL, 100, '2026-01-01', '2026-01-01')"
    )
    conn.commit()
    conn.close()

    ledger = Ledger(path)
    old = ledger.get("d1")
    assert old is not None and old.chunks == 5 and old.needs_ocr_pages == [3]
    assert old.ocr_pages == [] and old.ocr_confidence is None
    ledger.finish(
        document_id="d1", source="old.pdf", title="Old", version="v2", fmt="pdf", pages=3, chunks=6,
        duplicate_chunks=0, redactions={}, needs_ocr_pages=[], size_bytes=120, signatures=[], skipped=[],
        ocr_pages=[3], ocr_confidence=0.91,
    )
    ledger.close()
    again = Ledger(path)  # opening twice adds nothing twice
    new = again.get("d1")
    assert new is not None and new.ocr_pages == [3] and new.ocr_confidence == 0.91 and new.version == "v2"
    again.close()


def test_the_api_reports_ocr_pages_and_confidence(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> None:
    from fastapi.testclient import TestClient

    from answer.services import build_services
    from api.app import create_app
    from tests.api.conftest import ADMIN_KEY, READER_KEY, api_settings, auth, free_port

    scan = mixed_document(tmp_path / "mixed.pdf", "en", layout="ts")
    settings = api_settings(tmp_path / "data", f"http://127.0.0.1:{free_port()}/v1")  # no model server
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
    try:
        with TestClient(create_app(settings, services=services)) as client:
            uploaded = client.post(
                "/v1/documents", headers=auth(ADMIN_KEY),
                files={"file": ("mixed.pdf", scan.path.read_bytes(), "application/pdf")},
            )
            assert uploaded.status_code == 201, uploaded.text
            result = uploaded.json()
            assert result["ocr_pages"] == [2] and result["needs_ocr_pages"] == []
            assert 0.6 <= result["ocr_confidence"] <= 1.0
            (listed,) = client.get("/v1/documents", headers=auth(READER_KEY)).json()
            assert listed["ocr_pages"] == [2] and listed["ocr_confidence"] == result["ocr_confidence"]
    finally:
        services.close()


@pytest.mark.slow
def test_kb_ingest_and_docs_list_show_the_ocr_pages(tmp_path: Path) -> None:
    from tests.kb_service.test_cli import kb

    data = tmp_path / "data"
    scan = mixed_document(tmp_path / "docs" / "mixed.pdf", "en", layout="tst")
    ingested = kb(data, "ingest", str(scan.path))
    assert ingested.returncode == 0, ingested.stderr
    assert "OCR: " in ingested.stdout and "pages [2], mean confidence 0." in ingested.stdout
    listed = kb(data, "docs", "list")
    assert listed.returncode == 0 and "p. 2 (0." in listed.stdout, listed.stdout
