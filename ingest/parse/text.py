"""Plain text to blocks: blank lines separate paragraphs, form feeds separate pages, and a
short stand-alone line that looks like a heading becomes one."""

from __future__ import annotations

import re

from ingest.parse.document import Block, ParsedDocument
from ingest.parse.textutil import (
    collapse_spaces,
    decode_text,
    normalise_newlines,
    normalise_whitespace,
    require_text,
    title_from_source,
)

_MAX_HEADING_CHARS = 80
_MAX_CJK_HEADING_CHARS = 40
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?(?:\s+|(?=[^\W\d_]))")
_CHINESE = re.compile(r"^第[一二三四五六七八九十百千零〇两\d]+([章节條条])(?![，。；,;])")
_UNDERLINE = re.compile(r"^(=+|-+)$")
_SENTENCE_END = (".", ",", ";", ":", "。", "，", "；", "：", "!", "?", "！", "？")


class _Outline:
    """Tracks 第X章 / 第X节 so that a section or article takes the next level down."""

    def __init__(self) -> None:
        self.in_chapter = False
        self.in_section = False

    def level(self, unit: str) -> int:
        if unit == "章":
            self.in_chapter, self.in_section = True, False
            return 1
        if unit == "节":
            self.in_section = True
            return 1 + self.in_chapter
        return 1 + self.in_chapter + self.in_section  # 条 / 條


def parse_text(data: bytes, source: str) -> ParsedDocument:
    text = normalise_newlines(decode_text(data, source))
    pages = text.split("\f")
    if len(pages) > 1 and not pages[-1].strip():
        pages.pop()  # a trailing form feed ends the last page; it does not start a new one

    outline = _Outline()
    blocks: list[Block] = []
    for page_number, page in enumerate(pages, start=1):
        for lines in _paragraphs(page):
            blocks.append(_to_block(lines, page_number, outline))

    blocks = require_text(blocks, source)
    first = blocks[0]
    title = first.text if first.kind == "heading" and not _is_numbered(first.text) else None
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


def _to_block(lines: list[str], page: int, outline: _Outline) -> Block:
    if len(lines) == 2 and _UNDERLINE.match(lines[1].strip()):
        title = collapse_spaces(lines[0])
        if title and len(title) <= _MAX_HEADING_CHARS:
            level = 1 if lines[1].strip().startswith("=") else 2
            return Block(text=title, page=page, kind="heading", level=level)
    if len(lines) == 1:
        level = _heading_level(collapse_spaces(lines[0]), outline)
        if level:
            return Block(text=collapse_spaces(lines[0]), page=page, kind="heading", level=level)
    return Block(text=normalise_whitespace("\n".join(lines)), page=page)


def _heading_level(line: str, outline: _Outline) -> int:
    """The heading level of a stand-alone line, or 0 when it reads like a sentence."""
    if line.endswith(_SENTENCE_END):
        return 0
    chinese = _CHINESE.match(line)
    if chinese:
        return outline.level(chinese.group(1)) if len(line) <= _MAX_CJK_HEADING_CHARS else 0
    if len(line) > _MAX_HEADING_CHARS:
        return 0
    numbered = _NUMBERED.match(line)
    if numbered:
        return numbered.group(1).count(".") + 1
    letters = [c for c in line if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters if c.isascii()) and any(
        c.isascii() for c in letters
    ):
        return 1
    return 0


def _is_numbered(text: str) -> bool:
    return bool(_NUMBERED.match(text) or _CHINESE.match(text))
