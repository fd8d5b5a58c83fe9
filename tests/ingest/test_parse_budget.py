"""The parse budget grows with a PDF's pages, is capped by its size and a ceiling, and every
page has a limit of its own: the real worker process, real generated PDFs, the hostile
shared-content-stream file of the malformed corpus."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ingest.errors import ParseTimeoutError
from ingest.isolation import IsolatedParser
from ingest.parse_budget import ParseBudget
from kb_service.settings import Settings
from tests.corpus.annual_report import write_annual_report
from tests.corpus.badfiles import write_hostile_inputs

MARGIN_S = 5.0  # worker start-up after a breach, a loaded CI machine


def settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", **overrides)  # type: ignore[arg-type]


def test_the_budget_scales_with_pages_within_its_floor_size_cap_and_ceiling() -> None:
    budget = ParseBudget(floor_s=60, per_page_s=0.5, per_mb_s=200, ceiling_s=1200, page_s=20)
    assert budget.total_s(None, 10_000) == 60  # not a PDF, or not counted yet
    assert budget.total_s(20, 100_000) == 60  # a short PDF: the floor
    assert budget.total_s(300, 3_000_000) == 150  # an annual report: per page
    assert "300 pages x KB_PARSE_SECONDS_PER_PAGE" in budget.describe(300, 3_000_000)
    # 500 pages sharing one 58 KB content stream: the size caps what the pages claim
    assert budget.total_s(500, 58_000) == pytest.approx(60 + 200 * 0.058)
    assert "KB_PARSE_SECONDS_PER_MB" in budget.describe(500, 58_000)
    assert budget.total_s(5_000, 50_000_000) == 1200
    assert "KB_PARSE_TIMEOUT_MAX_S" in budget.describe(5_000, 50_000_000)
    assert ParseBudget(90, 0.5, 200, 30, 20).total_s(300, 3_000_000) == 90  # the floor always holds


def test_the_defaults_are_the_budget_of_the_settings(tmp_path: Path) -> None:
    budget = ParseBudget.from_settings(settings(tmp_path))
    assert (budget.floor_s, budget.per_page_s, budget.per_mb_s, budget.ceiling_s, budget.page_s) == (
        60.0, 0.5, 200.0, 1200.0, 20.0
    )
    assert budget.per_ocr_page_s == 10.0


def test_ocr_pages_get_their_own_allowance_within_the_ceiling() -> None:
    budget = ParseBudget(floor_s=60, per_page_s=0.5, per_mb_s=200, ceiling_s=1200, page_s=20, per_ocr_page_s=10)
    assert budget.total_s(300, 3_000_000, ocr_pages=4) == 150 + 40  # on top of the per-page budget
    assert budget.total_s(20, 100_000, ocr_pages=3) == 60 + 30  # and of the floor
    assert "3 OCR pages x KB_PARSE_SECONDS_PER_OCR_PAGE 10 s" in budget.describe(20, 100_000, 3)
    assert budget.total_s(300, 3_000_000, ocr_pages=500) == 1200  # the ceiling still holds
    assert "KB_PARSE_TIMEOUT_MAX_S" in budget.describe(300, 3_000_000, 500)
    assert (budget.page_limit_s(ocr=False), budget.page_limit_s(ocr=True)) == (20, 30)
    assert "KB_PARSE_SECONDS_PER_OCR_PAGE" in budget.exceeded(2, 100_000, 1, whole_file=False, ocr_pages=1)
    assert "page 2 of 5 took longer than 20 s" in budget.exceeded(5, 100_000, 1, whole_file=False, ocr_pages=0)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_annual_report(tmp_path_factory.mktemp("report") / "report.pdf", pages=90).path


def test_a_long_pdf_gets_time_per_page_that_a_flat_limit_would_refuse(tmp_path: Path, report: Path) -> None:
    data = report.read_bytes()
    # 90 pages take 2-20 s to read here: more than a flat 0.5 s, well within 0.5 s + 90 x 1 s
    flat = IsolatedParser(settings(tmp_path, parse_timeout_s=0.5, parse_seconds_per_page=0))
    try:
        with pytest.raises(ParseTimeoutError, match=r"report.pdf: parsing took longer than 0.5 s \(limit KB_PARSE_TIMEOUT_S\)"):
            flat.parse(data, "report.pdf")
    finally:
        flat.close()
    scaled = IsolatedParser(settings(tmp_path, parse_timeout_s=0.5, parse_seconds_per_page=1.0))
    try:
        parsed = scaled.parse(data, "report.pdf")
    finally:
        scaled.close()
    assert parsed.pages >= 80
    assert {block.page for block in parsed.blocks} == set(range(1, parsed.pages + 1))


def test_a_page_that_crawls_fails_the_file_at_once(tmp_path: Path) -> None:
    hostile = write_hostile_inputs(tmp_path / "hostile")
    slow = hostile["slow_layout"].read_bytes()  # 500 pages, one content stream of 20,000 operators
    # a whole-file budget of minutes: only the page limit can stop it early
    parser = IsolatedParser(settings(
        tmp_path, parse_timeout_s=600, parse_seconds_per_page=10, parse_seconds_per_mb=100_000,
        parse_page_timeout_s=1.0,
    ))
    try:
        parser.parse(hostile["javascript"].read_bytes(), "warm.pdf")  # the worker is up
        started = time.monotonic()
        with pytest.raises(
            ParseTimeoutError,
            match=r"slow.pdf: page 1 of 500 took longer than 1 s to read \(limit KB_PARSE_PAGE_TIMEOUT_S\)",
        ):
            parser.parse(slow, "slow.pdf")
        assert time.monotonic() - started < 1.0 + MARGIN_S
        assert parser.parse(hostile["javascript"].read_bytes(), "after.pdf").pages == 1  # a fresh worker
    finally:
        parser.close()


def test_pages_that_share_one_stream_cannot_each_claim_time(tmp_path: Path) -> None:
    hostile = write_hostile_inputs(tmp_path / "hostile")
    slow = hostile["slow_layout"].read_bytes()  # 500 pages in 58 KB: 250 s by pages, 4.9 s by size
    parser = IsolatedParser(settings(tmp_path, parse_timeout_s=2, parse_seconds_per_page=0.5, parse_seconds_per_mb=50))
    try:
        parser.parse(hostile["javascript"].read_bytes(), "warm.pdf")
        started = time.monotonic()
        with pytest.raises(
            ParseTimeoutError,
            match=r"slow.pdf: parsing took longer than 4.9 s \(500 pages in 0.06 MB; limit KB_PARSE_SECONDS_PER_MB 50 s\)",
        ):
            parser.parse(slow, "slow.pdf")
        assert 4.8 <= time.monotonic() - started < 4.9 + MARGIN_S
    finally:
        parser.close()
