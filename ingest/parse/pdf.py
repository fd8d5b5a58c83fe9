"""PDF parsing with pypdf: page text in layout mode, sections from the outline or from fonts.

Layout extraction keeps table columns apart (cells become ``a | b | c`` rows) instead of
scrambling them; when the PDF has no outline, a second pass reads font sizes and weights to
tell headings from body text (`ingest.parse.pdf_fonts`: PDFium, else pypdf's text visitor).
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ingest.clean import clean_text, join_hyphenated, remove_page_furniture
from ingest.errors import (
    CorruptFileError,
    EmptyDocumentError,
    EncryptedFileError,
    FileTooLargeError,
    ParseLimitError,
)
from ingest.parse.document import Block, ParsedDocument
from ingest.parse.textutil import normalise_whitespace
from ingest.parse.headings import heading_level_from_numbering, looks_like_heading, split_article
from ingest.parse.ocr import OcrOptions, ocr_pages
from ingest.parse.pdf_fonts import pdfium_runs, pypdf_runs

log = logging.getLogger(__name__)

_TABLE_GAP = re.compile(r"\S(?: {3,})\S")
_CELL_SPLIT = re.compile(r" {3,}")
_MAX_HEADING_CHARS = 120
_BROKEN_WORD = re.compile(r"[a-z]-$")

PageProgress = Callable[[int], None]  # called with the page count as each page is read
OcrProgress = Callable[[int], None]  # called once with the number of pages about to be OCR'd


@dataclass(frozen=True, slots=True)
class _OutlineEntry:
    title: str
    level: int
    page: int  # 0-based


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def _limit_error(source: str, exc: Exception) -> ParseLimitError:
    """pypdf refuses to inflate a stream past 75 MB, to follow a page tree deeper than 100
    levels, to read a declared stream length beyond reason: the file is hostile or broken."""
    return ParseLimitError(
        f"{source} exceeds a safety limit of the PDF reader and was refused as a possible "
        f"decompression or nesting bomb ({exc})"
    )


def _open(data: bytes, source: str) -> Any:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PyPdfError

    if not data:
        raise EmptyDocumentError(f"{source} is empty (0 bytes)")
    if b"%PDF-" not in data[:1024]:
        raise CorruptFileError(f"{source} is not a PDF (no %PDF- header); is the extension wrong?")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                unlocked = reader.decrypt("")
            except Exception as exc:  # pypdf raises several types for unsupported crypto
                raise EncryptedFileError(f"{source} is encrypted and cannot be opened: {exc}") from exc
            if not unlocked:
                raise EncryptedFileError(
                    f"{source} is an encrypted PDF that needs a password: remove the password and upload it again"
                )
        _ = len(reader.pages)
    except (EncryptedFileError, EmptyDocumentError):
        raise
    except LimitReachedError as exc:
        raise _limit_error(source, exc) from exc
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError) as exc:
        raise CorruptFileError(f"{source} is damaged and cannot be read ({type(exc).__name__}: {exc})") from exc
    return reader


def _outline(reader: Any) -> list[_OutlineEntry]:
    entries: list[_OutlineEntry] = []

    def walk(items: list[Any], level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
                title = clean_text(str(item.title)).strip()
            except Exception:  # a broken bookmark must not sink the document
                continue
            if title and page is not None and page >= 0:
                entries.append(_OutlineEntry(title, level, page))

    try:
        walk(reader.outline, 1)
    except Exception:
        return []
    return entries


def _heading_candidates(data: bytes, pages: list[Any], on_page: Callable[[], None]) -> dict[str, int]:
    """Normalised heading text -> level, from font sizes across the document."""
    runs = pdfium_runs(data, on_page)
    if runs is None:
        runs = []
        for page in pages:
            runs.extend(pypdf_runs(page))
            on_page()
    if not runs:
        return {}
    weight: Counter[float] = Counter()
    for text, size, _bold in runs:
        weight[round(size, 1)] += len(text)
    body = weight.most_common(1)[0][0]
    found: dict[str, float] = {}
    for text, size, bold in runs:
        for line in text.splitlines():
            stripped = line.strip()
            if not stripped or len(stripped) > _MAX_HEADING_CHARS:
                continue
            bigger = size >= body * 1.15
            numbered_bold = bold and size >= body and heading_level_from_numbering(stripped) is not None
            if bigger or numbered_bold:
                found[_norm(stripped)] = max(found.get(_norm(stripped), 0.0), size)
    sizes = sorted({round(s, 1) for s in found.values()}, reverse=True)
    rank = {size: i + 1 for i, size in enumerate(sizes)}
    return {text: rank[round(size, 1)] for text, size in found.items()}


def _layout_lines(page: Any) -> list[str]:
    from pypdf.errors import LimitReachedError

    try:
        text = page.extract_text(extraction_mode="layout")
    except (LimitReachedError, MemoryError):
        raise  # the plain pass would hit the same wall
    except Exception:
        text = page.extract_text() or ""
    return [line.rstrip() for line in clean_text(text or "").splitlines()]


def _display_width(line: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in line)


def _unwrap(lines: list[str]) -> str:
    """Join wrapped lines into flowing text but keep deliberate line breaks: a line much
    shorter than the paragraph's longest one ended on purpose (an address, a list, a
    "Name: …" field), and joining it would glue unrelated words together."""
    widest = max(_display_width(line) for line in lines)
    groups: list[list[str]] = [[]]
    for line in lines:
        groups[-1].append(line)
        if _display_width(line) < widest * 0.6 and not _BROKEN_WORD.search(line):
            groups.append([])
    return "\n".join(
        normalise_whitespace(join_hyphenated("\n".join(group))) for group in groups if group
    )


def _table_row(line: str) -> str | None:
    stripped = line.strip()
    if len(_TABLE_GAP.findall(stripped)) < 1 or len(_CELL_SPLIT.split(stripped)) < 3:
        return None
    return " | ".join(cell.strip() for cell in _CELL_SPLIT.split(stripped))


def _page_has_images(page: Any) -> bool:
    try:
        xobjects = page["/Resources"].get("/XObject") or {}
        return any(obj.get_object().get("/Subtype") == "/Image" for obj in xobjects.values())
    except Exception:
        return False


def _blocks_for_page(
    lines: list[str],
    page_no: int,
    headings: dict[str, int],
    outline_titles: dict[str, int],
) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []
    table: list[str] = []

    def flush(keep_table: bool = False) -> None:
        if paragraph:
            blocks.append(Block(_unwrap(paragraph), page_no, "paragraph"))
            paragraph.clear()
        if table and not keep_table:
            blocks.append(Block("\n".join(table), page_no, "table"))
            table.clear()

    for raw in lines:
        line = raw.strip()
        if not line:
            flush(keep_table=True)  # layout mode puts blank lines between table rows
            continue
        key = _norm(line)
        level = outline_titles.get(key) if outline_titles else headings.get(key)
        if level is None and not outline_titles and looks_like_heading(line):
            level = heading_level_from_numbering(line)
        if level is not None:
            flush()
            title, rest = split_article(" ".join(line.split()))
            blocks.append(Block(title, page_no, "heading", level))
            if rest:
                paragraph.append(rest)
            continue
        row = _table_row(raw)
        if row is not None:
            if paragraph:
                flush()
            table.append(row)
            continue
        if table and raw.startswith(" " * 8):
            table[-1] += " " + " ".join(line.split())  # a wrapped cell continues the row
            continue
        if table:
            flush()
        paragraph.append(line)
    flush()
    return blocks


def parse_pdf(
    data: bytes,
    source: str,
    max_pages: int = 5_000,
    on_page: PageProgress | None = None,
    ocr: OcrOptions | None = None,
    on_ocr: OcrProgress | None = None,
) -> ParsedDocument:
    """`on_page(pages)` is called each time a page has been read (twice a page when the
    headings come from fonts, once more for a page that is OCR'd), with the document's page
    count: the parse worker reports it, so the budget scales with the pages and a page that
    crawls is caught. `on_ocr(n)` announces the n pages about to be OCR'd (each gets its own
    allowance). Pages without a text layer are OCR'd when `ocr` is given, and only those; a
    page read below ``ocr.min_confidence`` stays in ``needs_ocr_pages`` and is not indexed."""
    from pypdf.errors import LimitReachedError

    reader = _open(data, source)
    count = len(reader.pages)
    if count == 0:
        raise EmptyDocumentError(f"{source} has no pages")
    if count > max_pages:
        raise FileTooLargeError(f"{source} has {count} pages; the limit is {max_pages} (KB_MAX_PAGES)")

    def tick() -> None:
        if on_page is not None:
            on_page(count)

    tick()  # the page count, before the first page is read
    outline = _outline(reader)
    try:
        page_lines = []
        for page in reader.pages:
            page_lines.append(_layout_lines(page))
            tick()
        headings = {} if outline else _heading_candidates(data, list(reader.pages), tick)
    except MemoryError:
        raise  # the parse worker turns it into its memory-limit error
    except LimitReachedError as exc:
        raise _limit_error(source, exc) from exc
    except RecursionError as exc:
        raise CorruptFileError(f"{source}: text extraction failed (structure nested too deeply)") from exc
    except Exception as exc:
        raise CorruptFileError(f"{source}: text extraction failed ({type(exc).__name__})") from exc

    stripped = remove_page_furniture(page_lines)
    # No text layer (a running header alone does not count) but an image: a scanned page.
    scanned = [
        index for index, lines in enumerate(stripped)
        if not any(line.strip() for line in lines) and _page_has_images(reader.pages[index])
    ]
    read: dict[int, float] = {}  # 0-based page -> confidence of its accepted OCR text
    low: dict[int, float] = {}
    if ocr is not None and scanned:
        if on_ocr is not None:
            on_ocr(len(scanned))
        for index, result in ocr_pages(data, scanned, ocr, tick).items():
            lines = [line.rstrip() for line in clean_text(result.text).splitlines()]
            if result.confidence >= ocr.min_confidence and any(line.strip() for line in lines):
                page_lines[index] = lines
                read[index] = result.confidence
            else:
                low[index] = result.confidence
        if low:
            log.info(
                "%s: OCR confidence below KB_OCR_MIN_CONFIDENCE %g on page(s) %s (%s); they stay flagged",
                source, ocr.min_confidence, [i + 1 for i in sorted(low)],
                ", ".join(f"{low[i]:.2f}" for i in sorted(low)),
            )
    page_lines = remove_page_furniture(page_lines) if read else stripped

    outline_titles = {_norm(entry.title): entry.level for entry in outline}

    blocks: list[Block] = []
    for index, lines in enumerate(page_lines):
        page_no = index + 1
        if not any(line.strip() for line in lines):
            continue
        page_blocks = _blocks_for_page(lines, page_no, headings, outline_titles)
        seen = {_norm(b.text) for b in page_blocks if b.kind == "heading"}
        # Outline entries whose title is not in the text layer start their page.
        missing = [e for e in outline if e.page == index and _norm(e.title) not in seen]
        blocks.extend(Block(e.title, page_no, "heading", e.level) for e in missing)
        blocks.extend(page_blocks)
    needs_ocr = [index + 1 for index in scanned if index not in read]

    if not any(block.kind != "heading" for block in blocks):
        if needs_ocr:
            raise EmptyDocumentError(
                f"{source}: no extractable text (scanned or image-only, {len(needs_ocr)} page(s)); "
                + _ocr_hint(ocr, low)
            )
        raise EmptyDocumentError(f"{source}: no extractable text")

    title = _title(reader, outline, blocks, source)
    confidence = round(sum(read.values()) / len(read), 4) if read else None
    return ParsedDocument(
        title=title, format="pdf", pages=count, blocks=blocks, needs_ocr_pages=needs_ocr,
        ocr_pages=[index + 1 for index in sorted(read)], ocr_confidence=confidence,
    )


def _ocr_hint(ocr: OcrOptions | None, low: dict[int, float]) -> str:
    if ocr is None:
        return "it needs OCR before it can be ingested (KB_OCR; `make ocr` installs Tesseract)"
    best = f", best {max(low.values()):.2f}" if low else ""
    return (
        f"OCR read no text at confidence KB_OCR_MIN_CONFIDENCE {ocr.min_confidence:g} or above{best}; "
        "it needs a better scan or manual review"
    )


def _title(reader: Any, outline: list[_OutlineEntry], blocks: list[Block], source: str) -> str:
    try:
        meta_title = (reader.metadata or {}).get("/Title")
    except Exception:
        meta_title = None
    if meta_title and str(meta_title).strip() and str(meta_title).strip().lower() not in {"untitled", "(anonymous)"}:
        return clean_text(str(meta_title)).strip()
    for block in blocks:
        if block.kind == "heading" and block.level == 1:
            return block.text
    stem = source.rsplit("/", 1)[-1]
    return stem.rsplit(".", 1)[0] if "." in stem else stem
