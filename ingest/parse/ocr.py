"""OCR of a PDF page that has no text layer: render it (PDFium), clean it, read it (Tesseract).

Runs inside the parse worker, one page at a time, under the worker's time and memory limits.
Tesseract comes from Debian (``make ocr``: tesseract-ocr with the eng and chi_sim models) and
is driven in-process through the ``tesserocr`` binding; its models are found at run time in
Debian's tessdata folder, never downloaded.

Cleaning, chosen on measurement (benchmarks/ocr.py), only for a speckled page (more than
``SPECKLE_FRACTION`` of its pixels are lone specks that a 3x3 median filter removes): the
median filter takes the noise out, then the page is binarised at an Otsu threshold clamped to
96..160. Uncleaned, Tesseract reads nothing on such a page (or, as an earlier measurement saw,
spends minutes on thousands of specks); without the clamp a threshold can keep the noise. A
page without speckles is read as rendered: the filter and the threshold thin the strokes of
Chinese characters and cost accuracy there (zh clean CER 0.016 as rendered, 0.074 cleaned).
A skewed page (2-3 degrees) is turned straight by the angle Tesseract's layout analysis
reports before it is read: read skewed, Tesseract dropped whole paragraphs (en CER 0.21 on one
page, 0.000 deskewed).

Several languages at once ("eng+chi_sim") let Tesseract read a short Chinese line as Latin
letters ("息服务部门。" as "BARA abr I."). A page whose text comes out mostly Chinese is
therefore read again with the Chinese models alone, whose reading is kept (zh CER 0.063 ->
0.018 on the benchmark's clean pages; English pages are read once).
"""

from __future__ import annotations

import importlib.util
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb_service.errors import ConfigurationError

if TYPE_CHECKING:  # the worker imports nothing of pydantic
    from PIL.Image import Image

    from kb_service.settings import Settings

log = logging.getLogger(__name__)

# Where Debian (and a source build) put the models; the first folder holding every language wins.
TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)
MAX_PIXELS = 40_000_000  # a page declared metres wide is rendered smaller, not into a MemoryError
THRESHOLD_RANGE = (96, 160)
MIN_SKEW_DEGREES, MAX_SKEW_DEGREES = 0.5, 15.0  # straightened between these
SPECKLE_FRACTION = 1e-3  # measured: 0 on clean and skewed pages, 4.4e-3 on 3 % salt-and-pepper
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])[ \t]+(?=[{_CJK}])")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
CJK_LANGUAGES = ("chi_sim", "chi_tra", "jpn", "kor", "chi_sim_vert", "chi_tra_vert", "jpn_vert", "kor_vert")


class OcrUnavailableError(ConfigurationError):
    """KB_OCR=on, but Tesseract, a language model or the binding is missing."""


@dataclass(frozen=True, slots=True)
class OcrOptions:
    """What the worker needs to OCR a page; plain data, so it crosses the pipe as JSON."""

    tessdata: str
    languages: str = "eng+chi_sim"
    dpi: int = 300
    min_confidence: float = 0.6
    clean: bool = True  # clean and deskew are off only in the benchmark's baseline
    deskew: bool = True

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> OcrOptions:
        return cls(
            tessdata=str(raw["tessdata"]), languages=str(raw["languages"]), dpi=int(raw["dpi"]),
            min_confidence=float(raw["min_confidence"]), clean=bool(raw.get("clean", True)),
            deskew=bool(raw.get("deskew", True)),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> OcrOptions | None:
        """The options for KB_OCR, or None when OCR is off. ``on`` without Tesseract is a
        configuration error; ``auto`` without it keeps pages flagged as needing OCR."""
        if settings.ocr == "off":
            return None
        found = find_tessdata(settings.ocr_languages)
        if isinstance(found, str):
            if settings.ocr == "on":
                raise OcrUnavailableError(f"KB_OCR=on but {found}")
            _log_off_once(found)
            return None
        return cls(
            tessdata=str(found), languages=settings.ocr_languages, dpi=settings.ocr_dpi,
            min_confidence=settings.ocr_min_confidence,
        )


@cache
def _log_off_once(reason: str) -> None:
    log.warning(
        "OCR is off: %s. Scanned pages are flagged as needing OCR; to read them, install "
        "Tesseract with `make ocr` (or set KB_OCR=off to silence this)", reason
    )


def find_tessdata(languages: str) -> Path | str:
    """The tessdata folder holding every model of ``languages`` ("eng+chi_sim"), or the reason
    there is none, in words that name ``make ocr``."""
    if importlib.util.find_spec("tesserocr") is None:
        return "the tesserocr package is not installed (a dependency: `make install`, or pip install tesserocr)"
    wanted = [lang for lang in languages.split("+") if lang]
    for folder in map(Path, TESSDATA_DIRS):
        if all((folder / f"{lang}.traineddata").is_file() for lang in wanted):
            return folder
    return (
        f"no Tesseract models for {languages} in {', '.join(TESSDATA_DIRS)} "
        "(`make ocr` installs tesseract-ocr, tesseract-ocr-eng and tesseract-ocr-chi-sim)"
    )


@dataclass(frozen=True, slots=True)
class OcrPage:
    text: str
    confidence: float  # mean word confidence, 0..1 (0 when no word was found)
    seconds: float


def render_page(pdf: Any, index: int, dpi: int) -> tuple[Image, int]:
    """Page ``index`` (0-based) of a ``pypdfium2.PdfDocument`` as a greyscale image, and the
    resolution it was rendered at (less than ``dpi`` for a page too big for MAX_PIXELS)."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        scale = dpi / 72
        if width * height * scale * scale > MAX_PIXELS:
            scale = (MAX_PIXELS / max(width * height, 1.0)) ** 0.5
        bitmap = page.render(scale=scale, grayscale=True)
        try:
            return bitmap.to_pil().convert("L"), max(1, round(scale * 72))
        finally:
            bitmap.close()
    finally:
        page.close()


def otsu_threshold(image: Image) -> int:
    histogram = image.histogram()[:256]
    total = sum(histogram)
    weighted = sum(level * count for level, count in enumerate(histogram))
    best, best_level, below, below_sum = -1.0, 128, 0, 0.0
    for level, count in enumerate(histogram):
        below += count
        if below == 0 or below == total:
            continue
        below_sum += level * count
        mean_below = below_sum / below
        mean_above = (weighted - below_sum) / (total - below)
        spread = below * (total - below) * (mean_below - mean_above) ** 2
        if spread > best:
            best, best_level = spread, level
    return best_level


def clean_page(image: Image) -> Image:
    """A speckled page median-filtered, then black and white at the clamped Otsu threshold;
    any other page as it is."""
    from PIL import ImageChops, ImageFilter

    smoothed = image.filter(ImageFilter.MedianFilter(3))
    specks = ImageChops.difference(image, smoothed).point(lambda value: 255 if value > 128 else 0)
    if specks.histogram()[255] < SPECKLE_FRACTION * image.width * image.height:
        return image
    low, high = THRESHOLD_RANGE
    threshold = min(max(otsu_threshold(smoothed), low), high)
    return smoothed.point(lambda value: 255 if value > threshold else 0)


def recognise(image: Image, options: OcrOptions, dpi: int) -> tuple[str, float]:
    """Text and mean word confidence (0..1) of one page image rendered at ``dpi``."""
    from PIL import Image as PILImage

    engine = _engine(options.tessdata, options.languages)
    engine.SetImage(image)
    engine.SetSourceResolution(dpi)  # unset, Tesseract assumes 70 dpi and misses skewed text
    layout = engine.AnalyseLayout() if options.deskew else None
    skew = math.degrees(layout.Orientation()[3]) if layout is not None else 0.0
    if options.deskew and MIN_SKEW_DEGREES <= abs(skew) <= MAX_SKEW_DEGREES:
        image = image.rotate(skew, resample=PILImage.BILINEAR, fillcolor=255)
    text, confidence = _read(engine, image, dpi)
    cjk = "+".join(lang for lang in options.languages.split("+") if lang in CJK_LANGUAGES)
    if cjk and cjk != options.languages and _mostly_cjk(text):
        text, confidence = _read(_engine(options.tessdata, cjk), image, dpi)
    return text, confidence


def _read(engine: Any, image: Image, dpi: int) -> tuple[str, float]:
    engine.SetImage(image)
    engine.SetSourceResolution(dpi)
    text = engine.GetUTF8Text() or ""
    confidences = [c for c in engine.AllWordConfidences() if c >= 0]
    engine.Clear()
    text = _CJK_GAP.sub("", text)  # Tesseract puts a space between Chinese characters
    confidence = sum(confidences) / len(confidences) / 100 if confidences else 0.0
    return text, round(confidence, 4)


def _mostly_cjk(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    return bool(letters) and len(_CJK_CHAR.findall(text)) >= 0.5 * len(letters)


def ocr_page(pdf: Any, index: int, options: OcrOptions) -> OcrPage:
    started = time.perf_counter()
    image, dpi = render_page(pdf, index, options.dpi)
    if options.clean:
        image = clean_page(image)
    text, confidence = recognise(image, options, dpi)
    return OcrPage(text, confidence, time.perf_counter() - started)


def ocr_pages(
    data: bytes, indexes: list[int], options: OcrOptions, on_page: Callable[[], None]
) -> dict[int, OcrPage]:
    """OCR the pages ``indexes`` (0-based) of a PDF, one page in memory at a time. A page that
    cannot be rendered or read is left out (it stays flagged); running out of memory is not
    caught, the worker reports it."""
    import pypdfium2 as pdfium

    results: dict[int, OcrPage] = {}
    pdf = pdfium.PdfDocument(data)
    try:
        for index in indexes:
            try:
                results[index] = ocr_page(pdf, index, options)
            except MemoryError:
                raise
            except Exception as exc:  # a page PDFium cannot render must not sink the file
                log.warning("OCR of page %d failed (%s)", index + 1, type(exc).__name__)
            on_page()
    finally:
        pdf.close()
    return results


_ENGINES: dict[tuple[str, str], Any] = {}  # one Tesseract per worker: loading eng+chi_sim takes ~0.5 s


def _engine(tessdata: str, languages: str) -> Any:
    engine = _ENGINES.get((tessdata, languages))
    if engine is None:
        import tesserocr

        engine = tesserocr.PyTessBaseAPI(path=tessdata, lang=languages)
        _ENGINES[(tessdata, languages)] = engine
    return engine
