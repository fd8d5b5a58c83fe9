"""A 200-page annual report through `kb ingest`'s pipeline with the default settings: it is not
refused for its length, its business names survive de-identification, its signing officers do
not."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.deidentify import Deidentifier
from ingest.pipeline import Pipeline
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.settings import Settings
from tests.corpus.annual_report import write_annual_report

pytestmark = pytest.mark.slow


def test_a_long_annual_report_ingests_with_the_defaults_and_keeps_its_business_names(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> None:
    report = write_annual_report(tmp_path / "northwind-10k-2024.pdf", pages=210)
    assert report.pages >= 200
    settings = Settings(data_dir=tmp_path / "data")  # the defaults: the parse worker, its budget
    pipeline = Pipeline(settings, embedder=embedder, deidentifier=deidentifier)
    try:
        pipeline.warm_up()
        outcome = pipeline.ingest_file(report.path)
        assert outcome.status == "ingested", outcome.error
        assert outcome.pages == report.pages
        stored = "\n".join(passage.text for passage in pipeline.store.chunks())
    finally:
        pipeline.close()
    for term in report.kept_terms:
        assert term in stored, f"{term!r} was redacted or lost"
    for name, title in report.officers:
        assert title in stored
        for part in name.split():
            assert part not in stored, f"{name} ({title}) reached the store"
    persons = outcome.redactions.get("PERSON", 0)
    # four officers, each signed and typed: a handful of findings, not one per product mention
    assert len(report.officers) <= persons <= 4 * len(report.officers), outcome.redactions
