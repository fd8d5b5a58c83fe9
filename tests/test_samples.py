"""The bundled sample documents, as `make run` ingests them."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.pipeline import Pipeline
from kb_service.search import Searcher
from tests.ingest.pii_scan import leaks

ROOT = Path(__file__).resolve().parent.parent


def planted_in_samples() -> list[tuple[str, str]]:
    """The 'Planted personal data' table of docs/sample-documents.md."""
    text = (ROOT / "docs" / "sample-documents.md").read_text(encoding="utf-8")
    table = text.split("## Planted personal data", 1)[1]
    rows = re.findall(r"^\|[^|]*\| *([A-Z_]+) *\| *(.+?) *\|$", table, flags=re.M)
    return [(kind, value) for kind, value in rows if kind != "STREET_ADDRESS" or "Westlake" not in value]


def test_samples_ingest_cleanly_answer_searches_and_leak_nothing(pipeline: Pipeline) -> None:
    report = pipeline.ingest_paths([ROOT / "samples"])
    assert report.to_dict()["failed"] == []
    assert {o.source for o in report.outcomes} >= {"employee-handbook.pdf", "信息安全制度.pdf", "product-faq.md", "onboarding-checklist.docx"}

    searcher = Searcher(pipeline.embedder, pipeline.store)
    top = searcher.search("How many days of annual leave do employees get?", k=3)
    assert any(h.source == "employee-handbook.pdf" and "25 days" in h.text for h in top)
    zh = searcher.search("密码长度", k=3)
    assert zh[0].source == "信息安全制度.pdf"

    planted = planted_in_samples()
    assert len(planted) >= 8
    assert leaks(pipeline.settings, planted) == []
