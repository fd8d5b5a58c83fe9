"""Word .docx to blocks with python-docx, paragraphs and tables in body order.

python-docx cannot lay out pages, so page numbers come from the breaks stored in the file:
hard page breaks and the breaks Word recorded when it last rendered the document.
"""

from __future__ import annotations

import io
import re
import zipfile

import docx
from docx.document import Document as DocxDocument
from docx.opc.exceptions import OpcError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml.etree import LxmlError

from ingest.errors import CorruptFileError, EncryptedFileError, UnsupportedFormatError
from ingest.parse.document import Block, ParsedDocument
from ingest.parse.textutil import (
    display_name,
    normalise_whitespace,
    require_text,
    table_to_text,
    title_from_source,
)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEADING_STYLE = re.compile(r"^Heading (\d)$")
_T, _TAB, _BR, _CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_RENDERED_BREAK, _BR_TYPE = qn("w:lastRenderedPageBreak"), qn("w:type")
_RUNS = ".//w:r[not(ancestor::w:txbxContent)]"  # text boxes are drawings, not body text


class _Pages:
    """The current page, advanced by page breaks met while reading runs.

    Word also records a rendered break right after a hard one; a rendered break with no
    text since the previous break is that same break and is not counted again.
    """

    def __init__(self) -> None:
        self.page = 1
        self._text_since_break = True

    def hard_break(self) -> None:
        self.page += 1
        self._text_since_break = False

    def rendered_break(self) -> None:
        if self._text_since_break:
            self.page += 1
            self._text_since_break = False

    def saw_text(self) -> None:
        self._text_since_break = True


def parse_docx(data: bytes, source: str) -> ParsedDocument:
    document = _open(data, source)
    pages = _Pages()
    blocks: list[Block] = []
    title = ""
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks.extend(_table_block(item, pages))
            continue
        level = _heading_level(item)
        segments = _read_paragraph(item, pages)
        if level:
            text = normalise_whitespace(" ".join(text for _, text in segments))
            if text:
                blocks.append(Block(text=text, page=segments[0][0], kind="heading", level=level))
                if not title and item.style is not None and item.style.name == "Title":
                    title = text
        else:
            blocks.extend(Block(text=text, page=page) for page, text in segments)

    blocks = require_text(blocks, source)
    core_title = normalise_whitespace(document.core_properties.title or "")
    return ParsedDocument(
        title=core_title or title or title_from_source(source),
        format="docx",
        pages=max(pages.page, max(block.page for block in blocks)),
        blocks=blocks,
    )


def _open(data: bytes, source: str) -> DocxDocument:
    name = display_name(source)
    if data.startswith(_OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise EncryptedFileError(f"{name} is password-protected")
        raise UnsupportedFormatError(f"{name} is a legacy Word .doc file; save it as .docx")
    try:
        return docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OpcError, LxmlError) as exc:
        raise CorruptFileError(f"{name} is not a valid .docx file ({type(exc).__name__})") from exc


def _heading_level(paragraph: Paragraph) -> int:
    style = paragraph.style
    if style is None or not style.name:
        return 0
    if style.name == "Title":
        return 1
    match = _HEADING_STYLE.match(style.name)
    return int(match.group(1)) if match else 0


def _read_paragraph(paragraph: Paragraph, pages: _Pages) -> list[tuple[int, str]]:
    """The paragraph's text split where a page break falls inside it: (page, text) pairs."""
    segments: list[tuple[int, str]] = []
    start_page, parts = pages.page, []

    def flush() -> None:
        text = normalise_whitespace("".join(parts))
        if text:
            segments.append((start_page, text))
        parts.clear()

    for run in paragraph._p.xpath(_RUNS):
        for child in run:
            if child.tag == _T and child.text:
                if not parts or not "".join(parts).strip():
                    start_page = pages.page
                parts.append(child.text)
                pages.saw_text()
            elif child.tag == _TAB:
                parts.append(" ")
            elif child.tag == _CR or (child.tag == _BR and child.get(_BR_TYPE) != "page"):
                parts.append("\n")
            elif child.tag == _BR or child.tag == _RENDERED_BREAK:
                flush()
                if child.tag == _BR:
                    pages.hard_break()
                else:
                    pages.rendered_break()
    flush()
    return segments


def _table_block(table: Table, pages: _Pages) -> list[Block]:
    page = pages.page
    rows: list[list[str]] = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) not in seen:  # a merged cell is repeated once per grid column
                seen.add(id(cell._tc))
                cells.append(cell.text)
        rows.append(cells)
    for row in table._tbl.tr_lst:  # a row split over pages has a break in each of its cells
        if row.xpath(".//w:lastRenderedPageBreak | .//w:br[@w:type='page']"):
            pages.hard_break()
    text = table_to_text(rows)
    if text:
        pages.saw_text()
    return [Block(text=text, page=page, kind="table")] if text else []
