"""Text clean-up shared by the markdown, text, docx and html parsers."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from ingest.errors import CorruptFileError, EmptyDocumentError
from ingest.parse.document import Block

_SPACES = re.compile(r"[ \t\u00a0\u3000\u200b]+")
# East Asian wide characters: CJK ideographs, kana, hangul, CJK and full-width punctuation.
_WIDE = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
_FALLBACK_ENCODINGS = ("utf-8", "gb18030", "latin-1")


def collapse_spaces(line: str) -> str:
    """Collapse runs of spaces and tabs into one space and trim the ends."""
    return _SPACES.sub(" ", line).strip()


def normalise_whitespace(text: str) -> str:
    """Unwrap a paragraph onto one line with single spaces.

    A line break between two East Asian wide characters is dropped instead of becoming a
    space: Chinese has no spaces between words, so wrapped lines must join directly.
    """
    joined = ""
    for line in (collapse_spaces(part) for part in text.splitlines()):
        if not line:
            continue
        if joined and not (_WIDE.match(joined[-1]) and _WIDE.match(line[0])):
            joined += " "
        joined += line
    return joined


def table_to_text(rows: list[list[str]]) -> str:
    """One line per row, cells joined by " | "; rows whose cells are all empty are dropped."""
    lines = []
    for row in rows:
        cells = [normalise_whitespace(cell) for cell in row]
        if any(cells):
            lines.append(" | ".join(cells).rstrip())
    return "\n".join(lines)


def decode_text(data: bytes, source: str, declared: str | None = None) -> str:
    """Decode bytes of a text-like file: a BOM, then the declared charset, then utf-8,
    gb18030 (Chinese) and latin-1, which accepts anything."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise CorruptFileError(f"{display_name(source)} does not look like text (it has NUL bytes)")
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    candidates = ((declared,) if declared else ()) + _FALLBACK_ENCODINGS
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    raise AssertionError("latin-1 decodes any byte string")  # pragma: no cover


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def display_name(source: str) -> str:
    return Path(source).name or source


def title_from_source(source: str) -> str:
    return Path(source).stem or source


def require_text(blocks: list[Block], source: str) -> list[Block]:
    """Raise EmptyDocumentError unless some block holds non-whitespace text."""
    if not any(block.text.strip() for block in blocks):
        raise EmptyDocumentError(f"no text found in {display_name(source)}")
    return blocks
