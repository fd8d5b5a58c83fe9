"""The synthetic corpus is what later parser, cleaning and redaction tests stand on: check that
what it claims to contain really comes back out of pypdf."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pypdf
import pytest
from pypdf import PasswordType
from pypdf.errors import EmptyFileError, FileNotDecryptedError, PdfReadError, PdfStreamError

from .badfiles import OWNER_PASSWORD, USER_PASSWORD, write_bad_inputs, write_large_pdf
from .pdfgen import (
    DocSpec,
    Section,
    cn_resident_id_check,
    corpus,
    count_pages,
    heading_texts,
    iban_valid,
    image_only_pdf,
    luhn_valid,
    markup_to_text,
    policy_document,
    write_pdf,
    zh_numeral,
)

ROOT = Path(__file__).resolve().parents[2]


def _text(path: Path, mode: str = "plain") -> str:
    r = pypdf.PdfReader(path)
    return "\n".join(p.extract_text(extraction_mode=mode) for p in r.pages)


def _squash(s: str) -> str:
    """Collapse whitespace runs (line wraps) to one space."""
    return " ".join(s.split())


def _outline_titles(reader: pypdf.PdfReader) -> list[str]:
    out: list[str] = []

    def walk(items: list) -> None:
        for it in items:
            if isinstance(it, list):
                walk(it)
            else:
                out.append(it["/Title"])

    walk(reader.outline)
    return out


# --------------------------------------------------------------------------------------
# English policy
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def en_doc(tmp_path_factory: pytest.TempPathFactory) -> tuple[DocSpec, list[tuple[str, str]], Path]:
    spec, planted = policy_document(11, pages=3, language="en")
    path = write_pdf(spec, tmp_path_factory.mktemp("en") / "policy.pdf")
    return spec, planted, path


def test_en_page_count_headings_and_outline(en_doc):
    spec, _, path = en_doc
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == 3
    text = _text(path)
    headings = heading_texts(spec)
    assert headings[0].startswith("1. ")
    for h in headings:
        assert h in text
    assert _outline_titles(reader) == headings
    # nesting: level-2 sections are children in the outline
    levels = [s.level for s in spec.sections]
    assert 2 in levels and any(isinstance(x, list) for x in reader.outline)
    assert reader.metadata.title == spec.title


def test_en_header_footer_on_every_page(en_doc):
    spec, _, path = en_doc
    reader = pypdf.PdfReader(path)
    n = len(reader.pages)
    for i, page in enumerate(reader.pages, 1):
        lines = page.extract_text().splitlines()
        assert lines[0] == spec.header  # header drawn first (onPage)
        assert lines[-1] == f"Page {i} of {n}"  # footer drawn last (onPageEnd)


def test_en_table_values_and_rows(en_doc):
    spec, _, path = en_doc
    table = next(s.table for s in spec.sections if s.table)
    plain, layout = _text(path), _text(path, "layout")
    for row in table:
        for cell in row:
            assert _squash(cell) in _squash(plain)
    # plain mode: every cell on its own line(s); layout mode: a row's cells side by side
    firsts = [c.split()[0] for c in table[1]]
    plain_lines = [ln for ln in plain.splitlines() if ln.startswith(firsts[1])]
    assert plain_lines and not any(firsts[0] in ln for ln in plain_lines)
    row_re = r".*?\s{2,}".join(re.escape(w) for w in firsts)
    assert any(re.search(row_re, ln) for ln in layout.splitlines())


def test_en_hyphenated_word_across_line_break(en_doc):
    _, _, path = en_doc
    assert "reimburse-\nment" in _text(path)
    assert "reimburse-\nment" in _text(path, "layout")


def test_en_planted_pii_is_extractable(en_doc):
    _, planted, path = en_doc
    kinds = {k for k, _ in planted}
    assert kinds == {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "STREET_ADDRESS", "CREDIT_CARD",
                     "IBAN_CODE", "IP_ADDRESS"}
    text = _squash(_text(path))
    for kind, value in planted:
        assert _squash(value) in text, (kind, value)
        if kind == "CREDIT_CARD":
            assert luhn_valid(value)
        if kind == "IBAN_CODE":
            assert iban_valid(value)


def test_no_outline_and_no_pii_options(tmp_path):
    spec, planted = policy_document(12, pages=2, outline=False, plant_pii=False)
    assert planted == []
    path = write_pdf(spec, tmp_path / "plain.pdf")
    reader = pypdf.PdfReader(path)
    assert reader.outline == []
    assert "/Outlines" not in reader.trailer["/Root"]
    text = _text(path)
    for h in heading_texts(spec):  # headings are still printed, just not bookmarked
        assert h in text


def test_deterministic_and_varied(tmp_path):
    a1, _ = policy_document(5, pages=2)
    a2, _ = policy_document(5, pages=2)
    assert write_pdf(a1, tmp_path / "a1.pdf").read_bytes() == write_pdf(a2, tmp_path / "a2.pdf").read_bytes()

    def shingles(spec: DocSpec) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", " ".join(markup_to_text(p) for s in spec.sections
                                            for p in s.paragraphs).lower())
        return {tuple(words[i : i + 5]) for i in range(len(words) - 4)}

    docs = [policy_document(seed, pages=2)[0] for seed in range(100, 106)]
    sh = [shingles(d) for d in docs]
    for a, b in itertools.combinations(sh, 2):
        assert len(a & b) / len(a | b) < 0.6


def test_unnumbered_and_dash_footer(tmp_path):
    spec = DocSpec(
        title="Tiny",
        sections=[Section("Intro", 1, ["Hello &amp; welcome."]), Section("Detail", 2, ["Body."])],
        numbered=False,
        footer_style="dash",
        header=None,
    )
    path = write_pdf(spec, tmp_path / "tiny.pdf")
    text = _text(path)
    assert heading_texts(spec) == ["Intro", "Detail"]
    assert "Hello & welcome." in text and text.rstrip().endswith("- 1 -")
    assert count_pages(spec) == 1


# --------------------------------------------------------------------------------------
# Chinese policy
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zh_doc(tmp_path_factory: pytest.TempPathFactory) -> tuple[DocSpec, list[tuple[str, str]], Path]:
    spec, planted = policy_document(21, pages=3, language="zh")
    path = write_pdf(spec, tmp_path_factory.mktemp("zh") / "zh.pdf")
    return spec, planted, path


def test_zh_headings_text_and_outline(zh_doc):
    spec, _, path = zh_doc
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == 3
    text = _text(path)
    headings = heading_texts(spec)
    assert headings[0] == "第一章 总则" and headings[1].startswith("第一条 ")
    for h in headings:
        assert h in text
    assert _outline_titles(reader) == headings
    # Chinese comes back exactly; CJK wrapping only adds line breaks (no spaces) inside paragraphs
    nows = re.sub(r"\s", "", text)
    for sec in spec.sections:
        for p in sec.paragraphs:
            for line in markup_to_text(p).split("\n"):
                assert re.sub(r"\s", "", line) in nows
    assert f"第 1 页 共 3 页" in text
    assert spec.header in text.splitlines()[0]


def test_zh_table_and_planted_pii(zh_doc):
    spec, planted, path = zh_doc
    text = _text(path)
    nows = re.sub(r"\s", "", text)
    table = next(s.table for s in spec.sections if s.table)
    for row in table:
        for cell in row:
            assert re.sub(r"\s", "", cell) in nows
    kinds = {k for k, _ in planted}
    assert kinds == {"PERSON", "CN_MOBILE", "CN_RESIDENT_ID", "STREET_ADDRESS", "CN_BANK_CARD"}
    for kind, value in planted:
        assert value in nows, (kind, value)
        if kind == "CN_RESIDENT_ID":
            assert len(value) == 18 and cn_resident_id_check(value[:17]) == value[17]
            assert value in text  # on its own line, never wrapped
        if kind == "CN_BANK_CARD":
            assert value.startswith("62") and luhn_valid(value)
        if kind == "CN_MOBILE":
            assert re.fullmatch(r"1[3-9]\d{9}", value)
    owner = next(v for k, v in planted if k == "PERSON")
    assert f"联系人：{owner}" in text


def test_checksum_helpers():
    assert cn_resident_id_check("11010519491231002") == "X"  # the textbook example
    assert luhn_valid("4111 1111 1111 1111") and not luhn_valid("4111 1111 1111 1112")
    assert iban_valid("GB82 WEST 1234 5698 7654 32") and not iban_valid("GB83 WEST 1234 5698 7654 32")
    assert [zh_numeral(n) for n in (1, 10, 12, 20, 21)] == ["一", "十", "十二", "二十", "二十一"]


def test_corpus_mix():
    docs = corpus(10, 2, seed=3)
    assert len(docs) == 10
    assert {s.language for s, _ in docs} == {"en", "zh"}
    assert any(not s.outline for s, _ in docs) and any(s.outline for s, _ in docs)
    assert len({s.title for s, _ in docs}) >= 5
    assert all(count_pages(s) == 2 for s, _ in docs)
    assert all(planted for _, planted in docs)


# --------------------------------------------------------------------------------------
# Bad inputs
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_bad_inputs(tmp_path_factory.mktemp("bad"))


def test_image_only_has_no_text(tmp_path):
    path = image_only_pdf(tmp_path / "scan.pdf", pages=2)
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert page.extract_text() == ""
        assert page.extract_text(extraction_mode="layout").strip() == ""
        assert len(page.images) == 1


@pytest.mark.parametrize("key", ["corrupt", "truncated", "mislabelled", "mislabelled_text"])
def test_unreadable_inputs_raise_pdf_errors(bad, key):
    with pytest.raises(PdfStreamError):
        pypdf.PdfReader(bad[key])
    assert issubclass(PdfStreamError, PdfReadError)


def test_strict_mode_differences(bad):
    with pytest.raises(PdfReadError):
        pypdf.PdfReader(bad["corrupt"], strict=True)
    with pytest.raises(UnicodeDecodeError):  # not a pypdf error
        pypdf.PdfReader(bad["mislabelled"], strict=True)
    with pytest.raises(PdfReadError):
        pypdf.PdfReader(bad["wrong_xref"], strict=True)


def test_zero_byte(bad):
    assert bad["zero_byte"].stat().st_size == 0
    with pytest.raises(EmptyFileError):
        pypdf.PdfReader(bad["zero_byte"])


def test_mislabelled_magic_bytes(bad):
    assert bad["mislabelled"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not bad["mislabelled_text"].read_bytes().startswith(b"%PDF-")
    assert bad["corrupt"].read_bytes().startswith(b"%PDF-")


def test_encrypted_with_password(bad):
    reader = pypdf.PdfReader(bad["encrypted_password"])
    assert reader.is_encrypted
    with pytest.raises(FileNotDecryptedError):
        reader.pages[0].extract_text()
    assert reader.decrypt("") == PasswordType.NOT_DECRYPTED
    with pytest.raises(FileNotDecryptedError):
        len(reader.pages)
    ok = pypdf.PdfReader(bad["encrypted_password"])
    assert ok.decrypt(USER_PASSWORD) == PasswordType.USER_PASSWORD
    assert "Policy" in ok.pages[0].extract_text()
    owner = pypdf.PdfReader(bad["encrypted_password"])
    assert owner.decrypt(OWNER_PASSWORD) == PasswordType.OWNER_PASSWORD


def test_encrypted_with_empty_user_password(bad):
    reader = pypdf.PdfReader(bad["encrypted_empty"])
    assert reader.is_encrypted
    # PdfReader(password=None) already tries the empty password, so pages are readable at once
    assert "Policy" in reader.pages[0].extract_text()
    assert reader.decrypt("") == PasswordType.USER_PASSWORD
    assert len(reader.pages) >= 2
    assert pypdf.PdfReader(bad["encrypted_empty"]).decrypt(OWNER_PASSWORD) == PasswordType.OWNER_PASSWORD


def test_wrong_xref_is_recovered(bad, caplog):
    reader = pypdf.PdfReader(bad["wrong_xref"])
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) >= 2 and "Policy" in text
    assert any("startxref" in r.getMessage() for r in caplog.records)


def test_large_pdf(tmp_path):
    path = write_large_pdf(tmp_path / "large.pdf", mb=0.3)
    size = path.stat().st_size
    assert 0.3 * 1024 * 1024 <= size < 0.45 * 1024 * 1024
    reader = pypdf.PdfReader(path)
    assert "Large file test" in reader.pages[0].extract_text()


# --------------------------------------------------------------------------------------
# Generated samples (scripts/make_samples.py)
# --------------------------------------------------------------------------------------


SAMPLES = ROOT / "samples"


def test_samples_exist_small_and_readable():
    names = ["employee-handbook.pdf", "it-security-policy.pdf", "expense-policy.pdf", "信息安全制度.pdf",
             "product-faq.md", "onboarding-checklist.docx"]
    assert (ROOT / "docs" / "sample-documents.md").exists()
    for name in names:
        assert (SAMPLES / name).exists(), name
    for pdf in SAMPLES.glob("*.pdf"):
        assert pdf.stat().st_size < 200_000
        assert _text(pdf).strip()
    assert "25 days of paid annual leave" in _squash(_text(SAMPLES / "employee-handbook.pdf"))
    assert "31010419880612023X" in _text(SAMPLES / "信息安全制度.pdf")
