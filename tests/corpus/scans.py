"""Scanned PDFs made here: generated text pages drawn into images, image-only PDF pages.

A page is drawn with PIL at 200 dpi (DejaVu Sans for English, WenQuanYi Micro Hei for
Chinese: Debian's fonts-dejavu-core and fonts-wqy-microhei, which `make ocr` installs), then
optionally spoiled like a real scan (speckle noise, a 2-3 degree skew), and embedded with
reportlab as the only content of its page: no text layer, as a scanner writes it. Each page
plants personal data (a person's name, a phone number, an e-mail address) so tests can check
that OCR'd text is de-identified like any other. ``cer`` is the character error rate the
tests and benchmarks/ocr.py measure against the ground truth returned with each scan.
"""

from __future__ import annotations

import io
import random
import textwrap
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

Language = Literal["en", "zh"]
Condition = Literal["clean", "noise", "rotated"]

DPI = 200
FONTS = {
    "en": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "zh": "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
}

_EN_SENTENCES = [
    "The quarterly review covers supplier onboarding, invoice approval and the retention of records.",
    "Every purchase above the approval limit needs a second signature from the finance team.",
    "Contracts are stored in the document system for seven years after they end.",
    "Staff report lost equipment to the service desk within one working day.",
    "The audit found that most teams follow the travel policy and book through the portal.",
    "Training on data protection is repeated every year and recorded in the learning system.",
    "Office access cards are returned on the last day of employment.",
    "Budget owners review their cost centres each month and explain large variances.",
]
_ZH_SENTENCES = [
    "本制度适用于公司全体员工及外包人员，自发布之日起施行。",
    "采购金额超过审批限额的，须经财务部门负责人复核签字。",
    "合同文本应当在合同终止后保存七年，并定期检查保存情况。",
    "员工遗失办公设备的，应当在一个工作日内报告信息服务部门。",
    "各部门每月审阅成本中心费用，对较大差异作出书面说明。",
    "数据保护培训每年举行一次，培训记录由人力资源部统一保存。",
    "门禁卡应当在员工离职当日交回行政部门。",
    "差旅费用应当通过公司平台预订，并在返回后十日内报销。",
]
_EN_NAMES = [("Margaret", "Holloway"), ("Daniel", "Whitaker"), ("Priya", "Raman"), ("Thomas", "Becker")]
_ZH_NAMES = ["王建国", "李秀英", "张伟", "刘芳"]
_ZH_MAILBOXES = ["wang.jianguo", "li.xiuying", "zhang.wei", "liu.fang"]


@dataclass(slots=True)
class ScanPage:
    """Ground truth of one page: its lines, and whether it is a scan (image) or has text."""

    lines: list[str]
    scanned: bool = True


@dataclass(slots=True)
class Scan:
    path: Path
    language: Language
    condition: Condition
    pages: list[ScanPage]
    planted: list[tuple[str, str]] = field(default_factory=list)  # (entity type, value)

    def truth(self, page: int) -> str:
        """The text of page ``page`` (1-based), lines joined by newlines."""
        return "\n".join(self.pages[page - 1].lines)


def page_text(
    language: Language, seed: int, person: int | None = None
) -> tuple[list[str], list[tuple[str, str]]]:
    """The lines of one generated page and the personal data planted in it (the person
    ``person`` of the name list, or one drawn by ``seed``)."""
    rng = random.Random(seed)
    pick = rng.randrange(len(_EN_NAMES)) if person is None else person % len(_EN_NAMES)
    if language == "en":
        first, last = _EN_NAMES[pick]
        phone = f"+1 415 555 {rng.randint(1000, 9999)}"
        email = f"{first.lower()}.{last.lower()}@example.com"
        body = " ".join(rng.sample(_EN_SENTENCES, 5))
        lines = [f"Procurement review {2020 + seed % 5}", ""]
        lines += textwrap.wrap(body, 64)
        lines += ["", f"Contact {first} {last} by phone at {phone}", f"or by e-mail at {email} for questions."]
        return lines, [("PERSON", f"{first} {last}"), ("PHONE_NUMBER", phone), ("EMAIL_ADDRESS", email)]
    name = _ZH_NAMES[pick]
    mobile = f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
    email = f"{_ZH_MAILBOXES[pick]}@example.com"
    body = "".join(rng.sample(_ZH_SENTENCES, 5))
    lines = [f"采购管理制度（{2020 + seed % 5}年修订）", ""]
    lines += [body[i : i + 30] for i in range(0, len(body), 30)]
    lines += ["", f"联系人：{name}，手机{mobile}，", f"电子邮箱{email}。"]
    return lines, [("PERSON", name), ("CN_MOBILE", mobile), ("EMAIL_ADDRESS", email)]


def draw_page(
    lines: list[str], language: Language, condition: Condition = "clean", *, seed: int = 0
) -> object:
    """An A4 page at DPI as a greyscale PIL image; ``noise`` adds speckles (salt and pepper
    on 3 % of the pixels), ``rotated`` a 2-3 degree skew, as a scanner makes them."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = FONTS[language]
    if not Path(font_path).is_file():
        raise RuntimeError(f"the scan corpus needs the font {font_path}: run `make ocr`")
    width, height = round(A4[0] / 72 * DPI), round(A4[1] / 72 * DPI)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(font_path, round(12 / 72 * DPI))
    step = round(20 / 72 * DPI)
    x, y = round(2.5 / 2.54 * DPI), round(2.5 / 2.54 * DPI)
    for line in lines:
        if line:
            draw.text((x, y), line, fill=20, font=font)
        y += step
    rng = random.Random(seed)
    if condition == "rotated":
        angle = rng.choice((-1, 1)) * rng.uniform(2.0, 3.0)
        image = image.rotate(angle, resample=Image.BILINEAR, expand=False, fillcolor=255)
    elif condition == "noise":
        pixels = image.load()
        for _ in range(int(width * height * 0.03)):
            px, py = rng.randrange(width), rng.randrange(height)
            pixels[px, py] = 0 if rng.random() < 0.5 else 255
    return image


def write_scan_pdf(path: Path, pages: list[tuple[ScanPage, object | None]], language: Language) -> Path:
    """Pages with an image are image-only; the others get a real text layer (reportlab)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    canvas = Canvas(str(path), pagesize=A4, invariant=1)
    width, height = A4
    for page, image in pages:
        if image is not None:
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")  # type: ignore[attr-defined]
            buffer.seek(0)
            canvas.drawImage(ImageReader(buffer), 0, 0, width=width, height=height)
        else:
            font = "Helvetica"
            if language == "zh":
                from tests.corpus.pdfgen import ZH_FONT, _ensure_zh_font

                _ensure_zh_font()
                font = ZH_FONT
            canvas.setFont(font, 12)
            y = height - 72
            for line in page.lines:
                canvas.drawString(72, y, line)
                y -= 20
        canvas.showPage()
    canvas.save()
    return path


def scanned_document(
    path: Path, language: Language = "en", condition: Condition = "clean", *, pages: int = 1, seed: int = 0
) -> Scan:
    """A scan of ``pages`` generated pages, every page an image."""
    made: list[tuple[ScanPage, object | None]] = []
    planted: list[tuple[str, str]] = []
    for number in range(pages):
        lines, found = page_text(language, seed * 100 + number, person=seed + number)
        made.append((ScanPage(lines), draw_page(lines, language, condition, seed=seed * 100 + number)))
        planted += found
    write_scan_pdf(path, made, language)
    return Scan(Path(path), language, condition, [page for page, _ in made], planted)


def mixed_document(path: Path, language: Language = "en", *, seed: int = 0, layout: str = "tsts") -> Scan:
    """Text pages (``t``) and scanned pages (``s``) in the order of ``layout``. No line repeats
    at a page edge (a page of its own person, a marker for a title): parsing would take it for a
    running header."""
    made: list[tuple[ScanPage, object | None]] = []
    planted: list[tuple[str, str]] = []
    for number, kind in enumerate(layout):
        lines, found = page_text(language, seed * 100 + number, person=number)
        owner = found[0][1]
        second = f"Owner of this section: {owner}" if language == "en" else f"本部分负责人：{owner}"
        lines = [page_marker(number + 1, language), second, *lines[1:]]
        image = draw_page(lines, language, seed=seed * 100 + number) if kind == "s" else None
        made.append((ScanPage(lines, scanned=kind == "s"), image))
        planted += found
    write_scan_pdf(path, made, language)
    return Scan(Path(path), language, "clean", [page for page, _ in made], planted)


_MARKERS = ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel")
_ZH_MARKERS = "甲乙丙丁戊己庚辛"


def page_marker(page: int, language: Language = "en") -> str:
    """The first line of page ``page`` of a mixed document: a word of its own on every page (a
    numbered line would be a running header, which parsing removes)."""
    if language == "en":
        return f"{_MARKERS[page - 1]} section"
    return f"{_ZH_MARKERS[page - 1]}部分"


def normalise(text: str, language: Language) -> str:
    """What CER compares: NFKC (a full-width colon or bracket is the ASCII one), whitespace
    collapsed (removed entirely for Chinese)."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(text.split()) if language == "zh" else " ".join(text.split())


def cer(recognised: str, truth: str, language: Language) -> float:
    """Character error rate: edit distance / length of the truth, after ``normalise``."""
    a, b = normalise(recognised, language), normalise(truth, language)
    if not b:
        return float(bool(a))
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        previous = current
    return previous[-1] / len(b)
