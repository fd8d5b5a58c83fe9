"""Plain text to blocks: blank lines separate paragraphs, form feeds separate pages, and a
short stand-alone line that looks like a heading becomes one (rules: `ingest.parse.headings`)."""

from __future__ import annotations

import re

from ingest.parse.document import Block, ParsedDocument
from ingest.parse.headings import MAX_HEADING_CHARS, ChineseOutline, is_numbered, text_heading_level
from ingest.parse.textutil import (
    collapse_spaces,
    decode_text,
    normalise_newlines,
    normalise_whitespace,
    require_text,
    title_from_source,
)

_UNDERLINE = re.compile(r"^(=+|-+)$")


def parse_text(data: bytes, source: str) -> ParsedDocument:
    text = normalise_newlines(decode_text(data, source))
    pages = text.split("\f")
    if len(pages) > 1 and not pages[-1].strip():
        pages.pop()  # a trailing form feed ends the last page; it does not start a new one

    outline = ChineseOutline()
    blocks: list[Block] = []
    for page_number, page in enumerate(pages, start=1):
        for lines in _paragraphs(page):
            blocks.append(_to_block(lines, page_number, outline))

    blocks = require_text(blocks, source)
    first = blocks[0]
    title = first.text if first.kind == "heading" and not is_numbered(first.text) else None
    return ParsedDocument(
        title=title or title_from_source(source),
        format="text",
        pages=len(pages),
        blocks=blocks,
    )


def _paragraphs(page: str) -> list[list[str]]:
    groups: list[list[str]] = []
    current: list[str] = []
    for line in page.split("\n"):
        if line.strip():
            current.append(line)
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _to_block(lines: list[str], page: int, outline: ChineseOutline) -> Block:
    if len(lines) == 2 and _UNDERLINE.match(lines[1].strip()):
        title = collapse_spaces(lines[0])
        if title and len(title) <= MAX_HEADING_CHARS:
            level = 1 if lines[1].strip().startswith("=") else 2
            return Block(text=title, page=page, kind="heading", level=level)
    if len(lines) == 1:
        level = text_heading_level(collapse_spaces(lines[0]), outline)
        if level:
            return Block(text=collapse_spaces(lines[0]), page=page, kind="heading", level=level)
    return Block(text=normalise_whitespace("\n".join(lines)), page=page)
