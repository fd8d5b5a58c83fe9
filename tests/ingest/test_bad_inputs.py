"""Bad input ends in a clear per-file error; the batch goes on; the index is untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.pipeline import Pipeline
from kb_service.store import Eq
from kb_service.types import DocumentStatus, document_id_for
from tests.corpus.badfiles import write_bad_inputs, write_large_pdf
from ingest.parse.ocr import find_tessdata
from tests.corpus.pdfgen import policy_document, write_pdf

# The image-only file holds shapes, no letters: OCR (on when Tesseract is installed) reads
# nothing above the confidence floor and says so; without Tesseract the file needs OCR.
OCR_INSTALLED = not isinstance(find_tessdata("eng+chi_sim"), str)
EXPECTED_REASON = {
    "corrupt": "damaged",
    "truncated": "damaged",
    "encrypted_password": "password",
    "zero_byte": "empty",
    "image_only": "KB_OCR_MIN_CONFIDENCE 0.6 or above" if OCR_INSTALLED else "needs OCR",
    "mislabelled": "not a PDF",
    "mislabelled_text": "not a PDF",
}


@pytest.fixture(scope="module")
def bad_dir(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_bad_inputs(tmp_path_factory.mktemp("bad"))


def test_each_bad_file_fails_clearly_and_the_batch_goes_on(pipeline: Pipeline, tmp_path: Path, bad_dir: dict[str, Path]) -> None:
    good = write_pdf(policy_document(21, pages=2)[0], tmp_path / "good.pdf")
    bad = [bad_dir[key] for key in EXPECTED_REASON]
    originals = {p: p.read_bytes() for p in bad}
    report = pipeline.ingest_paths([*bad, good])
    by_source = {o.source: o for o in report.outcomes}
    assert by_source["good.pdf"].status == "ingested"
    for key, reason in EXPECTED_REASON.items():
        outcome = by_source[bad_dir[key].name]
        assert outcome.status == "failed", key
        assert reason.lower() in (outcome.error or "").lower(), (key, outcome.error)
        assert bad_dir[key].name in (outcome.error or "")
        info = pipeline.ledger.get(document_id_for(bad_dir[key].name))
        assert info is not None and info.status == DocumentStatus.FAILED and info.error == outcome.error
    assert all(p.read_bytes() == data for p, data in originals.items()), "a bad file was modified"
    assert set(pipeline.store.documents()) == {by_source["good.pdf"].document_id}
    summary = report.to_dict()
    assert len(summary["failed"]) == len(EXPECTED_REASON)  # type: ignore[arg-type]


def test_empty_password_encryption_is_readable(pipeline: Pipeline, bad_dir: dict[str, Path]) -> None:
    """Owner-password-only PDFs open in every viewer without a password; they are ingested."""
    outcome = pipeline.ingest_paths([bad_dir["encrypted_empty"]]).outcomes[0]
    assert outcome.status == "ingested", outcome.error
    assert outcome.chunks > 0


def test_broken_xref_is_repaired(pipeline: Pipeline, bad_dir: dict[str, Path]) -> None:
    outcome = pipeline.ingest_paths([bad_dir["wrong_xref"]]).outcomes[0]
    assert outcome.status == "ingested", outcome.error


def test_too_large_file_is_refused_before_reading(pipeline: Pipeline, tmp_path: Path) -> None:
    pipeline.settings.max_file_mb = 1.0
    big = write_large_pdf(tmp_path / "big.pdf", 1.5)
    outcome = pipeline.ingest_paths([big]).outcomes[0]
    assert outcome.status == "failed" and "limit is 1 MB" in (outcome.error or "")


def test_too_many_pages_is_refused(pipeline: Pipeline, tmp_path: Path) -> None:
    pipeline.settings.max_pages = 2
    path = write_pdf(policy_document(22, pages=4)[0], tmp_path / "long.pdf")
    outcome = pipeline.ingest_paths([path]).outcomes[0]
    assert outcome.status == "failed" and "KB_MAX_PAGES" in (outcome.error or "")


def test_unsupported_extension(pipeline: Pipeline, tmp_path: Path) -> None:
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"PK\x03\x04 not really")
    outcome = pipeline.ingest_paths([path]).outcomes[0]
    assert outcome.status == "failed" and "unsupported file type" in (outcome.error or "")


def test_a_bad_new_version_leaves_the_indexed_version_untouched(pipeline: Pipeline, tmp_path: Path, bad_dir: dict[str, Path]) -> None:
    good = write_pdf(policy_document(23, pages=2)[0], tmp_path / "policy.pdf")
    first = pipeline.ingest_paths([good]).outcomes[0]
    before = sorted(p.chunk_id for p in pipeline.store.search(None, "policy", k=50, mode="keyword"))

    replacement = tmp_path / "next" / "policy.pdf"
    replacement.parent.mkdir()
    shutil.copy(bad_dir["truncated"], replacement)
    failed = pipeline.ingest_paths([replacement]).outcomes[0]
    assert failed.status == "failed"

    assert pipeline.store.count(Eq("document_id", first.document_id)) == first.chunks
    assert sorted(p.chunk_id for p in pipeline.store.search(None, "policy", k=50, mode="keyword")) == before
    info = pipeline.ledger.get(first.document_id)
    assert info is not None and info.status == DocumentStatus.INDEXED and info.version == first.version
    assert info.error == failed.error
