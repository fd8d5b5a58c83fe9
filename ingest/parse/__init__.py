"""Parsing: bytes of a file in, a ParsedDocument out. The format is chosen by extension and
checked against the content, so a mislabelled file fails clearly instead of parsing as junk."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from typing import TYPE_CHECKING

from ingest.errors import UnsupportedFormatError
from ingest.parse.document import Block, ParsedDocument

if TYPE_CHECKING:
    from ingest.parse.ocr import OcrOptions

__all__ = ["Block", "ParsedDocument", "SUPPORTED_SUFFIXES", "detect_format", "parse_bytes"]

SUPPORTED_SUFFIXES: dict[str, str] = {
    ".pdf": "pdf",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
}


def detect_format(source: str) -> str:
    suffix = PurePath(source).suffix.lower()
    fmt = SUPPORTED_SUFFIXES.get(suffix)
    if fmt is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UnsupportedFormatError(f"{source}: unsupported file type {suffix or '(none)'!r}; supported: {supported}")
    return fmt


def parse_bytes(
    data: bytes,
    source: str,
    *,
    max_pages: int = 5_000,
    on_page: Callable[[int], None] | None = None,
    ocr: OcrOptions | None = None,
    on_ocr: Callable[[int], None] | None = None,
) -> ParsedDocument:
    """Parse one file's bytes. Raises an IngestError subclass with a user-facing message.
    `on_page(pages)` reports progress through a PDF, `on_ocr(n)` the pages it is about to OCR
    with `ocr` (None: scanned pages are only flagged; see `ingest.parse.pdf.parse_pdf`)."""
    fmt = detect_format(source)
    match fmt:
        case "pdf":
            from ingest.parse.pdf import parse_pdf

            return parse_pdf(data, source, max_pages=max_pages, on_page=on_page, ocr=ocr, on_ocr=on_ocr)
        case "markdown":
            from ingest.parse.markdown import parse_markdown

            return parse_markdown(data, source)
        case "text":
            from ingest.parse.text import parse_text

            return parse_text(data, source)
        case "docx":
            from ingest.parse.docx import parse_docx

            return parse_docx(data, source)
        case "html":
            from ingest.parse.html import parse_html

            return parse_html(data, source)
    raise UnsupportedFormatError(f"{source}: no parser for {fmt}")
