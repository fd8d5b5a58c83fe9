"""The pipeline end to end on generated PDFs, with the real models and the real store."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import Pipeline
from kb_service.search import Searcher
from kb_service.store import Eq
from kb_service.types import DocumentStatus
from tests.corpus.pdfgen import heading_texts, policy_document, write_pdf
from tests.ingest.pii_scan import leaks


def generated(tmp_path: Path, seed: int, language: str = "en", name: str | None = None, **kw: object) -> tuple[Path, list[tuple[str, str]], list[str]]:
    spec, planted = policy_document(seed, pages=3, language=language, **kw)  # type: ignore[arg-type]
    path = write_pdf(spec, tmp_path / (name or f"{language}-{seed}.pdf"))
    return path, planted, heading_texts(spec)


def stored_rows(pipeline: Pipeline, document_id: str) -> list[dict]:  # type: ignore[type-arg]
    import lancedb

    table = lancedb.connect(str(pipeline.settings.store_dir)).open_table(pipeline.settings.store_table)
    return [r for r in table.to_arrow().to_pylist() if r["document_id"] == document_id]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_structure_pages_and_no_personal_data(pipeline: Pipeline, tmp_path: Path, language: str) -> None:
    path, planted, headings = generated(tmp_path, 11, language)
    assert planted, "the generator must plant personal data for this test to mean anything"
    report = pipeline.ingest_paths([path])
    (outcome,) = report.outcomes
    assert outcome.status == "ingested", outcome.error
    assert outcome.pages >= 3 and outcome.chunks > 0

    rows = stored_rows(pipeline, outcome.document_id)
    assert len(rows) == outcome.chunks
    sections = {s for r in rows for s in r["section_path"]}
    top_level = [h for h in headings if h in sections]
    assert len(top_level) >= len(headings) * 0.8, (headings, sections)
    covered = set().union(*(range(r["page_start"], r["page_end"] + 1) for r in rows))
    assert covered == set(range(1, outcome.pages + 1))
    assert all(1 <= r["page_start"] <= r["page_end"] <= outcome.pages for r in rows)
    assert not any("ACME Corp — Internal" in r["text"] for r in rows), "running header leaked into chunks"

    assert leaks(pipeline.settings, planted) == []
    info = pipeline.ledger.get(outcome.document_id)
    assert info is not None and info.status == DocumentStatus.INDEXED
    assert sum(info.redactions.values()) >= len({v for _, v in planted})
    assert any("<PERSON_1>" in r["text"] or "<PERSON_1>" in r["section"] for r in rows)


def test_reingesting_identical_bytes_is_a_no_op(pipeline: Pipeline, tmp_path: Path) -> None:
    path, _, _ = generated(tmp_path, 12)
    first = pipeline.ingest_paths([path]).outcomes[0]
    version_before = pipeline.store._open().version  # type: ignore[attr-defined]
    again = pipeline.ingest_paths([path]).outcomes[0]
    assert again.status == "unchanged"
    assert pipeline.store._open().version == version_before  # type: ignore[attr-defined]
    assert pipeline.store.count() == first.chunks


def test_changed_bytes_replace_every_chunk_of_the_old_version(pipeline: Pipeline, tmp_path: Path) -> None:
    old, _, _ = generated(tmp_path / "a", 13, name="policy.pdf")
    new, _, _ = generated(tmp_path / "b", 14, name="policy.pdf")
    first = pipeline.ingest_paths([old]).outcomes[0]
    second = pipeline.ingest_paths([new]).outcomes[0]
    assert second.status == "ingested" and second.document_id == first.document_id
    assert second.version != first.version
    rows = stored_rows(pipeline, first.document_id)
    assert {r["version"] for r in rows} == {second.version}
    assert len(rows) == second.chunks == pipeline.ledger.get(first.document_id).chunks  # type: ignore[union-attr]


def test_unchanged_chunks_are_not_embedded_again(pipeline: Pipeline, tmp_path: Path) -> None:
    from tests.corpus.pdfgen import Section

    spec, _ = policy_document(15, pages=3)
    path = write_pdf(spec, tmp_path / "doc.pdf")
    pipeline.ingest_paths([path])
    spec.sections.append(Section("Appendix", 1, ["A new closing paragraph about parking permits for visitors."]))
    write_pdf(spec, path)

    calls: list[int] = []
    real = pipeline.embedder.embed

    def counting(texts):  # type: ignore[no-untyped-def]
        calls.append(len(texts))
        return real(texts)

    pipeline.embedder.embed = counting  # type: ignore[method-assign]
    try:
        outcome = pipeline.ingest_paths([path]).outcomes[0]
    finally:
        del pipeline.embedder.embed
    assert outcome.status == "ingested"
    assert 1 <= sum(calls) < outcome.chunks / 2


def test_delete_removes_every_chunk(pipeline: Pipeline, tmp_path: Path) -> None:
    keep, _, _ = generated(tmp_path, 16)
    gone, _, _ = generated(tmp_path, 17, language="zh")
    outcomes = pipeline.ingest_paths([keep, gone]).outcomes
    pipeline.delete(gone.name)
    assert pipeline.store.count(Eq("document_id", outcomes[1].document_id)) == 0
    assert pipeline.store.count() == outcomes[0].chunks
    assert pipeline.ledger.get(outcomes[1].document_id).status == DocumentStatus.DELETED  # type: ignore[union-attr]


def test_near_duplicates_across_documents_are_skipped_and_recorded(pipeline: Pipeline, tmp_path: Path) -> None:
    original, _, _ = generated(tmp_path / "a", 18, name="original.pdf")
    copy = tmp_path / "copy.pdf"
    copy.write_bytes(original.read_bytes() + b"\n% a trailing comment changes the hash\n")
    first, second = pipeline.ingest_paths([original, copy]).outcomes
    assert second.status == "ingested"
    assert second.chunks == 0 and second.duplicates == first.chunks
    skipped = pipeline.ledger.skipped(second.document_id)
    assert len(skipped) == first.chunks and all(sim >= 0.85 for _, _, sim in skipped)


def test_search_finds_the_right_section(pipeline: Pipeline, tmp_path: Path) -> None:
    from tests.corpus.pdfgen import markup_to_text

    spec, _ = policy_document(19, pages=3)
    path = write_pdf(spec, tmp_path / "doc.pdf")
    pipeline.ingest_paths([path])
    searcher = Searcher(pipeline.embedder, pipeline.store)
    section = next(s for s in spec.sections[2:] if s.paragraphs and "&lt;" not in s.paragraphs[0])
    query = " ".join(markup_to_text(section.paragraphs[0]).split()[:14])
    for mode in ("hybrid", "vector", "keyword"):
        hits = searcher.search(query, k=3, mode=mode)  # type: ignore[arg-type]
        assert hits, mode
        assert any(h.section.endswith(section.title) for h in hits), (mode, section.title, [h.section for h in hits])


def test_other_formats_go_through_the_same_pipeline(pipeline: Pipeline, tmp_path: Path) -> None:
    md = tmp_path / "faq.md"
    md.write_text("# FAQ\n\n## Billing\n\nInvoices are sent on the 5th. Contact Jane Doe at jane.doe@example.com.\n", encoding="utf-8")
    html = tmp_path / "page.html"
    html.write_text("<html><head><title>Guide</title></head><body><h1>Guide</h1><p>Call Bob Smith on (415) 555-0134.</p></body></html>", encoding="utf-8")
    txt = tmp_path / "notes.txt"
    txt.write_text("1. Scope\n\nThe VPN is required off site. 联系人：张伟，手机 13812345678。\n", encoding="utf-8")
    report = pipeline.ingest_paths([md, html, txt])
    assert [o.status for o in report.outcomes] == ["ingested"] * 3, [o.error for o in report.outcomes]
    assert leaks(pipeline.settings, [("EMAIL", "jane.doe@example.com"), ("PHONE", "(415) 555-0134"), ("CN_MOBILE", "13812345678"), ("PERSON", "张伟")]) == []
