"""HTML to blocks with BeautifulSoup: page chrome dropped, body walked in document order."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import CData, PreformattedString

from ingest.parse.document import Block, ParsedDocument
from ingest.parse.textutil import (
    decode_text,
    normalise_whitespace,
    require_text,
    table_to_text,
    title_from_source,
)

_DROP = [
    "head", "script", "style", "nav", "footer", "header", "aside", "noscript", "form",
    "template", "svg", "iframe", "button", "select",
]
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_PARAGRAPHS = {"p", "dd", "dt", "caption", "figcaption", "summary", "address", "li"}
_LISTS = {"ul", "ol"}
_BLOCKS = _HEADINGS | _PARAGRAPHS | _LISTS | {
    "article", "blockquote", "body", "details", "div", "dl", "fieldset", "figure", "hr", "main",
    "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030"}


def parse_html(data: bytes, source: str) -> ParsedDocument:
    soup = BeautifulSoup(decode_text(data, source, _declared_charset(data)), "lxml")
    title_tag = soup.find("title")
    page_title = normalise_whitespace(title_tag.get_text()) if title_tag else ""
    _prepare(soup)

    blocks: list[Block] = []
    inline: list[str] = []
    _walk(soup.body or soup, blocks, inline)
    _flush(blocks, inline)

    blocks = require_text(blocks, source)
    first_h1 = next((b.text for b in blocks if b.kind == "heading" and b.level == 1), "")
    return ParsedDocument(
        title=page_title or first_h1 or title_from_source(source),
        format="html",
        pages=1,
        blocks=blocks,
    )


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    charset = match.group(1).decode("ascii", errors="ignore").lower()
    return _CHARSET_ALIASES.get(charset, charset)


def _prepare(soup: BeautifulSoup) -> None:
    """Remove chrome and comments; turn <br> into a newline and surround blocks with one,
    so that get_text() never glues the words of two blocks together."""
    for tag in soup.find_all(_DROP):
        tag.decompose()
    for string in soup.find_all(string=True):
        if isinstance(string, PreformattedString) and not isinstance(string, CData):
            string.extract()  # comments, doctype, processing instructions
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(_BLOCKS):
        if tag.parent is not None:
            tag.insert_before("\n")
            tag.insert_after("\n")


def _walk(node: Tag, blocks: list[Block], inline: list[str]) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            inline.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        if child.name not in _BLOCKS:
            inline.append(child.get_text())
            continue
        _flush(blocks, inline)
        if child.name in _HEADINGS:
            _add(blocks, normalise_whitespace(child.get_text()), "heading", int(child.name[1]))
        elif child.name == "table":
            _add(blocks, table_to_text(_table_rows(child)), "table")
        elif child.name in _LISTS:
            _add(blocks, "\n".join(_list_lines(child, depth=0)), "paragraph")
        elif child.name == "pre":
            lines = [line.rstrip() for line in child.get_text().splitlines()]
            _add(blocks, "\n".join(lines).strip("\n"), "paragraph")
        elif child.name in _PARAGRAPHS:
            _add(blocks, normalise_whitespace(child.get_text()), "paragraph")
        else:  # a container: div, section, blockquote ...
            _walk(child, blocks, inline)
            _flush(blocks, inline)


def _flush(blocks: list[Block], inline: list[str]) -> None:
    """Loose text sitting directly in a container becomes a paragraph of its own."""
    _add(blocks, normalise_whitespace("".join(inline)), "paragraph")
    inline.clear()


def _add(blocks: list[Block], text: str, kind: str, level: int = 0) -> None:
    if text.strip():
        blocks.append(Block(text=text, page=1, kind=kind, level=level))  # type: ignore[arg-type]


def _table_rows(table: Tag) -> list[list[str]]:
    rows = []
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is table:  # rows of nested tables stay inside their cell
            rows.append([cell.get_text() for cell in tr.find_all(["td", "th"], recursive=False)])
    return rows


def _list_lines(list_tag: Tag, depth: int) -> list[str]:
    """One line per item, "- " or "N. " first, nested lists indented two spaces a level."""
    lines: list[str] = []
    number = _start(list_tag)
    for item in list_tag.find_all("li", recursive=False):
        own = [c for c in item.children if not (isinstance(c, Tag) and c.name in _LISTS)]
        text = normalise_whitespace("".join(c.get_text() if isinstance(c, Tag) else str(c)
                                            for c in own))
        marker = f"{number}. " if list_tag.name == "ol" else "- "
        number += 1
        if text:
            lines.append("  " * depth + marker + text)
        for nested in item.find_all(_LISTS, recursive=False):
            lines.extend(_list_lines(nested, depth + 1))
    return lines


def _start(list_tag: Tag) -> int:
    try:
        return int(str(list_tag.get("start", "1")))
    except ValueError:
        return 1
