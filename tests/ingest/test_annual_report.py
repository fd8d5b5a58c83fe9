"""A 200-page (or so) annual report through the ingestion pipeline with the default settings:
it is not refused for its length; its product, segment, currency and plan names survive
de-identification and its signing officers do not (issue 19)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from ingest.deidentify import Deidentifier
from ingest.pipeline import IngestOutcome, Pipeline
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.settings import Settings
from tests.corpus.annual_report import AnnualReport, write_annual_report

pytestmark = pytest.mark.slow


@dataclass
class Ingested:
    report: AnnualReport
    outcome: IngestOutcome
    stored: str


@pytest.fixture(scope="module")
def ingested(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> Iterator[Ingested]:
    folder = tmp_path_factory.mktemp("annual")
    report = write_annual_report(folder / "northwind-10k-2024.pdf", pages=225)
    pipeline = Pipeline(Settings(data_dir=folder / "data"), embedder=embedder, deidentifier=deidentifier)
    try:
        pipeline.warm_up()
        outcome = pipeline.ingest_file(report.path)
        stored = "\n".join(passage.text for passage in pipeline.store.chunks())
    finally:
        pipeline.close()
    yield Ingested(report, outcome, stored)


def test_a_long_annual_report_ingests_with_the_default_parse_budget(ingested: Ingested) -> None:
    assert ingested.report.pages >= 200
    assert ingested.outcome.status == "ingested", ingested.outcome.error
    assert ingested.outcome.pages == ingested.report.pages
    assert ingested.outcome.chunks > ingested.report.pages  # every page's text is in the store


def test_business_names_survive_and_signing_officers_do_not(ingested: Ingested) -> None:
    for term in ingested.report.kept_terms:
        assert term in ingested.stored, f"{term!r} was redacted or lost"
    for name, title in ingested.report.officers:
        assert title in ingested.stored
        for part in name.split():
            assert part not in ingested.stored, f"{name} ({title}) reached the store"
