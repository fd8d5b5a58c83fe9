from __future__ import annotations

from ingest.chunk import ChunkConfig, Chunker, sections
from ingest.clean import clean_text, is_page_number, join_hyphenated, remove_page_furniture
from ingest.dedupe import Deduplicator
from ingest.parse.document import Block
from ingest.parse.headings import heading_level_from_numbering, looks_like_heading, split_article


def test_page_furniture_is_removed_but_body_kept() -> None:
    pages = [
        [
            "ACME Corp — Internal",
            "",
            f"{n}. Scope of part {n}",
            f"Body text of page {n} mentions ACME Corp — Internal once.",
            "More body text follows here.",
            "And a closing line of the page body.",
            "",
            f"Page {n} of 3",
        ]
        for n in range(1, 4)
    ]
    cleaned = remove_page_furniture(pages)
    for n, lines in enumerate(cleaned, start=1):
        assert "ACME Corp — Internal" not in lines
        assert f"Page {n} of 3" not in lines
        assert f"Body text of page {n} mentions ACME Corp — Internal once." in lines


def test_single_page_keeps_its_first_line() -> None:
    assert remove_page_furniture([["Title", "text", "- 1 -"]]) == [["Title", "text"]]


def test_page_number_forms() -> None:
    for line in ["3", "Page 3", "page 3 of 10", "- 3 -", "3 / 10", "第 3 页", "第3页 共10页"]:
        assert is_page_number(line), line
    for line in ["3 days", "Section 3", "2024"[:0] + "Page three"]:
        assert not is_page_number(line), line


def test_hyphenation_and_ligatures() -> None:
    assert join_hyphenated("reimburse-\nment and COVID-\n19") == "reimbursement and COVID-\n19"
    assert clean_text("ﬁnance\u00ad team\x00") == "finance team"


def test_heading_numbering() -> None:
    assert heading_level_from_numbering("1.2 Travel approval") == 2
    assert heading_level_from_numbering("3 Scope") == 1
    assert heading_level_from_numbering("第三章 总则") == 1
    assert heading_level_from_numbering("第二节 密码") == 2
    assert heading_level_from_numbering("第十二条 员工应当") == 3
    assert heading_level_from_numbering("Employees must") is None
    assert looks_like_heading("2.1 Remote Work")
    assert looks_like_heading("4 Expense Limits")
    assert not looks_like_heading("1. Submit the form to your manager.")
    assert not looks_like_heading("1. submit the form to your manager")
    assert split_article("第二条 员工应当遵守公司的信息安全制度并定期更换密码，不得共享账户。") == (
        "第二条",
        "员工应当遵守公司的信息安全制度并定期更换密码，不得共享账户。",
    )


def test_sections_follow_heading_levels() -> None:
    blocks = [
        Block("preface", 1),
        Block("1 Policy", 1, "heading", 1),
        Block("a", 1),
        Block("1.1 Limits", 2, "heading", 2),
        Block("b", 2),
        Block("2 Security", 3, "heading", 1),
        Block("c", 3),
    ]
    assert [(s.path, [b.text for b in s.blocks]) for s in sections(blocks)] == [
        ((), ["preface"]),
        (("1 Policy",), ["a"]),
        (("1 Policy", "1.1 Limits"), ["b"]),
        (("2 Security",), ["c"]),
    ]


def test_chunks_respect_token_budget_pages_and_sections(embedder) -> None:  # type: ignore[no-untyped-def]
    chunker = Chunker(embedder.tokenizer, ChunkConfig(chunk_tokens=64, chunk_overlap=8, max_model_tokens=256))
    paragraph = "Employees submit expense reports within thirty days of travel. " * 9
    blocks = [Block("Expenses", 1, "heading", 1)] + [Block(paragraph, page) for page in (1, 2, 3)]
    pieces = chunker.chunk("Policy", blocks)
    assert len(pieces) >= 4
    assert all(p.token_count <= 64 for p in pieces)
    assert all(p.section_path == ("Expenses",) for p in pieces)
    assert pieces[0].page_start == 1 and pieces[-1].page_end == 3
    assert all(p.page_start <= p.page_end for p in pieces)
    assert any(p.page_start < p.page_end for p in pieces) or len({p.page_start for p in pieces}) == 3


def test_chinese_splits_at_sentence_punctuation(embedder) -> None:  # type: ignore[no-untyped-def]
    chunker = Chunker(embedder.tokenizer, ChunkConfig(chunk_tokens=40, chunk_overlap=0, max_model_tokens=256))
    text = "员工应当每九十天更换一次密码。" * 12
    pieces = chunker.chunk("制度", [Block(text, 1)])
    assert len(pieces) > 1
    assert all(p.text.endswith("。") for p in pieces)
    assert "".join(p.text for p in pieces) == text


def test_dedupe_within_and_across_documents() -> None:
    dedupe = Deduplicator(threshold=0.85)
    base = (
        "All company laptops must use full disk encryption and lock the screen after five minutes of "
        "inactivity. Employees report lost or stolen devices to the service desk within one hour, and "
        "the security team wipes the device remotely. Personal devices may access email only through the "
        "managed mobile application, which enforces a six digit passcode and blocks copying of attachments."
    )
    near = base.replace("five", "5", 1)
    other = "Hotel costs are reimbursed up to two hundred and twenty dollars per night in all cities."

    first = dedupe.signature(base)
    assert dedupe.check("a0", "doc-a", first) is None
    dup = dedupe.check("a1", "doc-a", dedupe.signature(near))
    assert dup is not None and dup.chunk_id == "a0" and dup.similarity >= 0.85
    assert dedupe.check("a2", "doc-a", dedupe.signature(other)) is None
    dedupe.commit("doc-a")

    across = dedupe.check("b0", "doc-b", dedupe.signature(base))
    assert across is not None and across.chunk_id == "a0"
    # a new version of doc-a is never a duplicate of its own old version
    assert dedupe.check("a-v2-0", "doc-a", dedupe.signature(base)) is None
    dedupe.commit("doc-a")
    assert "a0" not in dedupe._hashes and "a-v2-0" in dedupe._hashes


def test_dedupe_signatures_round_trip_and_rollback() -> None:
    dedupe = Deduplicator(threshold=0.85)
    sig = dedupe.signature("one two three four five six seven")
    restored = dedupe.from_bytes(dedupe.to_bytes(sig))
    assert restored.jaccard(sig) == 1.0
    dedupe.check("x0", "doc-x", sig)
    dedupe.rollback("doc-x")
    assert dedupe.check("y0", "doc-y", sig) is None
