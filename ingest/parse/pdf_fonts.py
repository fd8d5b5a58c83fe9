"""Font runs of a PDF's pages, for telling headings from body text when it has no outline.

Each run is (text, effective font size, bold) of one text object. PDFium (pypdfium2) reads
them about twice as fast as pypdf's text visitor (`benchmarks/parse.py`), and on the sample
documents and the generated filings both give the same heading candidates; pypdf's visitor
stays the fallback when PDFium cannot open a file that pypdf could.
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Callable, Iterator
from typing import Any

log = logging.getLogger(__name__)

FontRun = tuple[str, float, bool]


def preload() -> None:
    """Load PDFium now (the parse worker calls this at start, so no file pays for it)."""
    try:
        import pypdfium2.raw  # noqa: F401
    except ImportError:
        pass


def pypdf_runs(page: Any) -> list[FontRun]:
    """(text, effective font size, bold) of every text run on a pypdf page."""
    runs: list[FontRun] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if not text.strip():
            return
        scale = abs(float(tm[3]) * float(cm[3])) or 1.0
        name = str(font.get("/BaseFont", "")) if font else ""
        runs.append((text, float(size) * scale, "bold" in name.lower() or "black" in name.lower()))

    page.extract_text(visitor_text=visit)
    return runs


def pdfium_runs(data: bytes, on_page: Callable[[], None]) -> list[FontRun] | None:
    """Every page's runs through PDFium, or None when PDFium is missing or refuses the file."""
    try:
        import pypdfium2 as pdfium
        import pypdfium2.raw as raw
    except ImportError:
        return None
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        log.info("PDFium cannot open the file (%s); fonts are read with pypdf", exc)
        return None
    runs: list[FontRun] = []
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            try:
                runs.extend(_page_runs(page, textpage, raw))
            finally:
                textpage.close()
                page.close()
            on_page()
    finally:
        document.close()
    return runs


def _page_runs(page: Any, textpage: Any, raw: Any) -> Iterator[FontRun]:
    size = ctypes.c_float()
    matrix = raw.FS_MATRIX()
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_TEXT], max_depth=15):
        length = raw.FPDFTextObj_GetText(obj.raw, textpage.raw, None, 0)  # bytes, UTF-16LE + NUL
        if length <= 2:
            continue
        buffer = (ctypes.c_ushort * (length // 2))()
        raw.FPDFTextObj_GetText(obj.raw, textpage.raw, buffer, length)
        text = bytes(buffer)[: length - 2].decode("utf-16-le", errors="replace")
        if not text.strip():
            continue
        raw.FPDFTextObj_GetFontSize(obj.raw, ctypes.byref(size))
        raw.FPDFPageObj_GetMatrix(obj.raw, ctypes.byref(matrix))
        font = raw.FPDFTextObj_GetFont(obj.raw)
        name_length = raw.FPDFFont_GetBaseFontName(font, None, 0)
        name = ctypes.create_string_buffer(max(name_length, 1))
        raw.FPDFFont_GetBaseFontName(font, name, name_length)
        lowered = name.value.decode("latin-1").lower()
        yield text, float(size.value) * (abs(float(matrix.d)) or 1.0), "bold" in lowered or "black" in lowered
