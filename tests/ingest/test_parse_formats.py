"""The markdown, text, docx and html parsers on real files written to tmp_path."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_BREAK

from ingest.errors import CorruptFileError, EmptyDocumentError, UnsupportedFormatError
from ingest.parse.document import Block
from ingest.parse.docx import parse_docx
from ingest.parse.html import parse_html
from ingest.parse.markdown import parse_markdown
from ingest.parse.text import parse_text
from ingest.parse.textutil import normalise_whitespace, table_to_text


def _write(tmp_path: Path, name: str, content: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    return path


def _shape(blocks: list[Block]) -> list[tuple[str, int, str]]:
    return [(b.kind, b.level, b.text) for b in blocks]


# --- shared helpers ---------------------------------------------------------------------


def test_normalise_whitespace_joins_wrapped_lines_without_splitting_chinese() -> None:
    assert normalise_whitespace("a  \tb\nc") == "a b c"
    assert normalise_whitespace("员工应当\n遵守规定") == "员工应当遵守规定"
    assert normalise_whitespace("中文\nEnglish") == "中文 English"


def test_table_to_text_drops_empty_rows() -> None:
    assert table_to_text([["a", "b"], ["", " "], ["1", "2\nx"]]) == "a | b\n1 | 2 x"


# --- markdown ---------------------------------------------------------------------------

MARKDOWN = """---
title: ignored front matter
tags: [a, b]
---

# Travel  Policy

Intro with **bold** and a [link](http://x)
wrapped onto two lines.

Setext Section
--------------

3. third
4. fourth
   - nested

- alpha
- beta

> Quoted advice.

| Item | Limit |
|------|-------|
| Hotel | 150 |
| 餐费 | 50 |

```python
def total():
    return 1
```

### 第三章 报销

员工应当
遵守规定。
"""


def test_markdown_blocks_in_order(tmp_path: Path) -> None:
    path = _write(tmp_path, "policy.md", MARKDOWN)
    doc = parse_markdown(path.read_bytes(), str(path))

    assert doc.format == "markdown"
    assert doc.title == "Travel Policy"
    assert doc.pages == 1 and all(b.page == 1 for b in doc.blocks)
    assert _shape(doc.blocks) == [
        ("heading", 1, "Travel Policy"),
        ("paragraph", 0, "Intro with bold and a link wrapped onto two lines."),
        ("heading", 2, "Setext Section"),
        ("paragraph", 0, "3. third\n4. fourth\n  - nested"),
        ("paragraph", 0, "- alpha\n- beta"),
        ("paragraph", 0, "Quoted advice."),
        ("table", 0, "Item | Limit\nHotel | 150\n餐费 | 50"),
        ("paragraph", 0, "def total():\n    return 1"),
        ("heading", 3, "第三章 报销"),
        ("paragraph", 0, "员工应当遵守规定。"),
    ]


def test_markdown_title_falls_back_to_file_stem(tmp_path: Path) -> None:
    path = _write(tmp_path, "meeting-notes.md", "## Agenda\n\nItems.\n")
    assert parse_markdown(path.read_bytes(), str(path)).title == "meeting-notes"


def test_markdown_with_only_front_matter_is_empty(tmp_path: Path) -> None:
    path = _write(tmp_path, "empty.md", "---\ntitle: x\n---\n\n   \n")
    with pytest.raises(EmptyDocumentError, match="empty.md"):
        parse_markdown(path.read_bytes(), str(path))


# --- plain text -------------------------------------------------------------------------

TEXT = """EMPLOYEE HANDBOOK

1. Introduction

This handbook  applies to
all staff.

1.2 Scope

2.3.1 Leave requests

Underlined Part
===============
\f第一章 总则

第一条 为了规范管理，
制定本办法。

第一节 适用范围

第二条 报销标准

Closing words on page two.
\f"""


def test_text_headings_paragraphs_and_pages(tmp_path: Path) -> None:
    path = _write(tmp_path, "handbook.txt", TEXT)
    doc = parse_text(path.read_bytes(), str(path))

    assert doc.format == "text"
    assert doc.title == "EMPLOYEE HANDBOOK"
    assert doc.pages == 2  # the trailing form feed does not open a third page
    assert [(b.kind, b.level, b.text, b.page) for b in doc.blocks] == [
        ("heading", 1, "EMPLOYEE HANDBOOK", 1),
        ("heading", 1, "1. Introduction", 1),
        ("paragraph", 0, "This handbook applies to all staff.", 1),
        ("heading", 2, "1.2 Scope", 1),
        ("heading", 3, "2.3.1 Leave requests", 1),
        ("heading", 1, "Underlined Part", 1),
        ("heading", 1, "第一章 总则", 2),
        ("paragraph", 0, "第一条 为了规范管理，制定本办法。", 2),
        ("heading", 2, "第一节 适用范围", 2),
        ("heading", 3, "第二条 报销标准", 2),
        ("paragraph", 0, "Closing words on page two.", 2),
    ]


def test_text_article_without_chapter_is_top_level(tmp_path: Path) -> None:
    path = _write(tmp_path, "rules.txt", "第一条 总则\n\n本办法适用于全体员工。\n")
    doc = parse_text(path.read_bytes(), str(path))
    assert _shape(doc.blocks)[0] == ("heading", 1, "第一条 总则")
    assert doc.title == "rules"


def test_text_decodes_gb18030_and_utf8_bom(tmp_path: Path) -> None:
    gbk = _write(tmp_path, "gbk.txt", "差旅费用报销规定\n第二行。\n", encoding="gb18030")
    assert parse_text(gbk.read_bytes(), str(gbk)).blocks[0].text == "差旅费用报销规定第二行。"
    bom = _write(tmp_path, "bom.txt", "Hello there.\n", encoding="utf-8-sig")
    assert parse_text(bom.read_bytes(), str(bom)).blocks[0].text == "Hello there."


def test_text_rejects_binary_and_empty(tmp_path: Path) -> None:
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x89PNG\x00\x00\x01binary")
    with pytest.raises(CorruptFileError, match="does not look like text"):
        parse_text(binary.read_bytes(), str(binary))
    blank = _write(tmp_path, "blank.txt", " \n\t\n\f\n")
    with pytest.raises(EmptyDocumentError, match="no text found in blank.txt"):
        parse_text(blank.read_bytes(), str(blank))


# --- docx -------------------------------------------------------------------------------


def _build_docx(path: Path, core_title: str = "") -> Path:
    document = docx.Document()
    document.core_properties.title = core_title
    document.add_heading("差旅管理办法", level=0)  # the "Title" style
    document.add_heading("第一章 总则", level=1)
    document.add_paragraph("员工出差应当  事先\t申请。")
    table = document.add_table(rows=3, cols=3)
    for row, values in zip(table.rows, [["城市", "住宿", "餐费"], ["北京", "500", "100"]]):
        for cell, value in zip(row.cells, values):
            cell.text = value
    table.cell(2, 0).merge(table.cell(2, 2)).text = "合计另计"
    document.add_paragraph("Book trains early", style="List Bullet")
    document.add_page_break()
    document.add_heading("Approval", level=2)
    split = document.add_paragraph("Before the break.")
    split.add_run().add_break(WD_BREAK.PAGE)
    split.add_run("After the break.")
    document.save(str(path))
    return path


def test_docx_blocks_tables_and_pages(tmp_path: Path) -> None:
    path = _build_docx(tmp_path / "travel.docx")
    doc = parse_docx(path.read_bytes(), str(path))

    assert doc.format == "docx"
    assert doc.title == "差旅管理办法"
    assert doc.pages == 3
    assert [(b.kind, b.level, b.text, b.page) for b in doc.blocks] == [
        ("heading", 1, "差旅管理办法", 1),
        ("heading", 1, "第一章 总则", 1),
        ("paragraph", 0, "员工出差应当 事先 申请。", 1),
        ("table", 0, "城市 | 住宿 | 餐费\n北京 | 500 | 100\n合计另计", 1),
        ("paragraph", 0, "Book trains early", 1),
        ("heading", 2, "Approval", 2),
        ("paragraph", 0, "Before the break.", 2),
        ("paragraph", 0, "After the break.", 3),
    ]


def test_docx_prefers_core_properties_title(tmp_path: Path) -> None:
    path = _build_docx(tmp_path / "travel.docx", core_title="Travel Rules 2024")
    assert parse_docx(path.read_bytes(), str(path)).title == "Travel Rules 2024"


def test_docx_corrupt_and_empty(tmp_path: Path) -> None:
    with pytest.raises(CorruptFileError, match="bad.docx is not a valid .docx"):
        parse_docx(b"this is not a zip file", "in/bad.docx")
    not_word = tmp_path / "other.docx"
    with zipfile.ZipFile(not_word, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(CorruptFileError):
        parse_docx(not_word.read_bytes(), str(not_word))
    with pytest.raises(UnsupportedFormatError, match="legacy"):
        parse_docx(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "old.docx")
    empty = tmp_path / "empty.docx"
    docx.Document().save(str(empty))
    with pytest.raises(EmptyDocumentError, match="empty.docx"):
        parse_docx(empty.read_bytes(), str(empty))


# --- html -------------------------------------------------------------------------------

HTML = """<!DOCTYPE html>
<html><head><meta charset="gb2312"><title>报销 指南</title>
<style>p { color: red }</style><script>var secret = 1;</script></head>
<body>
<header>Site banner</header><nav><a href="/">Home</a></nav>
<h1>Expense   Guide</h1>
<!-- an editor's comment -->
<p>Submit <b>receipts</b> within<br>30 days.</p>
<div>Loose text <span>in a div</span><p>Inner paragraph.</p></div>
<h2>Limits</h2>
<table>
  <tr><th>Item</th><th>Limit</th></tr>
  <tr><td><p>Hotel</p><p>per night</p></td><td>150</td></tr>
  <tr><td>餐费</td><td>50</td></tr>
</table>
<ul><li>Keep receipts</li><li>Ask first<ol><li>Email</li><li>Wait</li></ol></li></ul>
<blockquote>员工应当
遵守规定。</blockquote>
<pre>total = 1
    indented</pre>
<dl><dt>Per diem</dt><dd>Daily allowance.</dd></dl>
<aside>Related links</aside><form><input name="q"></form>
<footer>Copyright</footer>
</body></html>"""


def test_html_blocks_in_order(tmp_path: Path) -> None:
    path = _write(tmp_path, "guide.html", HTML, encoding="gb18030")
    doc = parse_html(path.read_bytes(), str(path))

    assert doc.format == "html"
    assert doc.title == "报销 指南"
    assert doc.pages == 1
    assert _shape(doc.blocks) == [
        ("heading", 1, "Expense Guide"),
        ("paragraph", 0, "Submit receipts within 30 days."),
        ("paragraph", 0, "Loose text in a div"),
        ("paragraph", 0, "Inner paragraph."),
        ("heading", 2, "Limits"),
        ("table", 0, "Item | Limit\nHotel per night | 150\n餐费 | 50"),
        ("paragraph", 0, "- Keep receipts\n- Ask first\n  1. Email\n  2. Wait"),
        ("paragraph", 0, "员工应当遵守规定。"),
        ("paragraph", 0, "total = 1\n    indented"),
        ("paragraph", 0, "Per diem"),
        ("paragraph", 0, "Daily allowance."),
    ]
    assert not any("secret" in b.text or "Copyright" in b.text for b in doc.blocks)


def test_html_title_from_first_h1_then_stem(tmp_path: Path) -> None:
    with_h1 = _write(tmp_path, "a.html", "<body><h1>Heading One</h1><p>x</p></body>")
    assert parse_html(with_h1.read_bytes(), str(with_h1)).title == "Heading One"
    bare = _write(tmp_path, "bare-page.htm", "<p>Just text</p>")
    assert parse_html(bare.read_bytes(), str(bare)).title == "bare-page"


def test_html_with_only_chrome_is_empty(tmp_path: Path) -> None:
    path = _write(tmp_path, "chrome.html", "<nav>Home</nav><script>x()</script><footer>c</footer>")
    with pytest.raises(EmptyDocumentError, match="chrome.html"):
        parse_html(path.read_bytes(), str(path))
    title_only = _write(tmp_path, "title.html", "<html><head><title>T</title></head></html>")
    with pytest.raises(EmptyDocumentError):
        parse_html(title_only.read_bytes(), str(title_only))
