"""Markdown (CommonMark + GFM tables) to blocks, walking markdown-it-py's token stream."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ingest.parse.document import Block, ParsedDocument
from ingest.parse.textutil import (
    decode_text,
    normalise_newlines,
    normalise_whitespace,
    require_text,
    table_to_text,
    title_from_source,
)

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


@dataclass
class _ListLevel:
    ordered: bool
    next_number: int = 1


@dataclass
class _State:
    blocks: list[Block] = field(default_factory=list)
    lists: list[_ListLevel] = field(default_factory=list)
    list_lines: list[str] = field(default_factory=list)
    item_marker: str | None = None  # marker for the next paragraph of the current list item
    rows: list[list[str]] | None = None  # set while inside a table


def parse_markdown(data: bytes, source: str) -> ParsedDocument:
    text = normalise_newlines(decode_text(data, source))
    text = _FRONT_MATTER.sub("", text, count=1)
    tokens = MarkdownIt("commonmark").enable("table").parse(text)

    state = _State()
    for index, token in enumerate(tokens):
        _handle(token, tokens[index + 1] if index + 1 < len(tokens) else None, state)

    blocks = require_text(state.blocks, source)
    title = next(
        (b.text for b in blocks if b.kind == "heading" and b.level == 1),
        title_from_source(source),
    )
    return ParsedDocument(title=title, format="markdown", pages=1, blocks=blocks)


def _handle(token: Token, following: Token | None, state: _State) -> None:
    kind = token.type
    if kind == "heading_open" and following is not None:
        text = _inline_text(following)
        if text:
            state.blocks.append(Block(text=text, page=1, kind="heading", level=int(token.tag[1])))
    elif kind in ("bullet_list_open", "ordered_list_open"):
        start = int(token.attrGet("start") or 1)
        state.lists.append(_ListLevel(ordered=kind == "ordered_list_open", next_number=start))
    elif kind in ("bullet_list_close", "ordered_list_close"):
        state.lists.pop()
        if not state.lists and state.list_lines:
            state.blocks.append(Block(text="\n".join(state.list_lines), page=1))
            state.list_lines = []
    elif kind == "list_item_open":
        level = state.lists[-1]
        if level.ordered:
            number = int(token.info) if token.info.isdigit() else level.next_number
            level.next_number = number + 1
            state.item_marker = f"{number}{token.markup or '.'} "
        else:
            state.item_marker = "- "
    elif kind == "inline" and state.rows is not None:
        state.rows[-1].append(_inline_text(token))
    elif kind == "paragraph_open" and following is not None:
        _add_text(_inline_text(following), state)
    elif kind in ("fence", "code_block"):
        code = "\n".join(line.rstrip() for line in token.content.rstrip("\n").splitlines())
        _add_text(code, state)
    elif kind == "table_open":
        state.rows = []
    elif kind == "tr_open" and state.rows is not None:
        state.rows.append([])
    elif kind == "table_close" and state.rows is not None:
        table = table_to_text(state.rows)
        state.rows = None
        if table:
            state.blocks.append(Block(text=table, page=1, kind="table"))


def _add_text(text: str, state: _State) -> None:
    """A paragraph or code block: its own block, or a line of the list being collected."""
    if not text.strip():
        return
    if not state.lists:
        state.blocks.append(Block(text=text, page=1))
        return
    indent = "  " * (len(state.lists) - 1)
    if state.item_marker is not None:
        prefix, state.item_marker = indent + state.item_marker, None
    else:  # a second paragraph of the same item, aligned under the first one's text
        prefix = indent + "  "
    state.list_lines.extend(prefix + line for line in text.splitlines())


def _inline_text(inline: Token) -> str:
    """Plain text of an inline token: markup dropped, link and image text kept."""
    parts: list[str] = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "image":
            parts.append("".join(c.content for c in child.children or []))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return normalise_whitespace("".join(parts))
