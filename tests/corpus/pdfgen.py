"""Realistic synthetic PDFs for tests and benchmarks (reportlab platypus).

A document is described by a :class:`DocSpec` (title, sections with heading levels, optional
table per section, header/footer/outline switches, language) and written with
:func:`write_pdf`. :func:`policy_document` invents a varied, realistic company policy from a
seed, with planted personal data, and returns the spec together with the planted values as
``(entity type, value)`` pairs, using the entity names of ``kb_service.settings``
(``PERSON``, ``EMAIL_ADDRESS``, ``PHONE_NUMBER``, ``CREDIT_CARD``, ``IBAN_CODE``,
``IP_ADDRESS``, ``STREET_ADDRESS``, ``CN_RESIDENT_ID``, ``CN_MOBILE``, ``CN_BANK_CARD``).

Paragraph strings are reportlab Paragraph *markup*: ``&``, ``<`` and ``>`` are escaped and
``<br/>`` forces a line break (used to write a hyphenated word across a line break, e.g.
``reimburse-<br/>ment``). :func:`markup_to_text` gives the plain text.

Layout: English documents use US Letter, Helvetica 10 body, Helvetica-Bold 16 (h1) and 13
(h2). Chinese documents use A4 and the built-in CID font STSong-Light (no font files), 10.5
body, 16 (h1, centred) and 13 (h2); there is no bold CJK font, so headings differ by size.
Every page gets a header (text left, document title right, a rule) and a footer
("Page N of M" / "第 N 页 共 M 页", or "- N -"), drawn by the page template's onPage
(header, so it comes first in extraction order) and onPageEnd (footer, comes last) callbacks.
Output is byte-for-byte deterministic for a given spec (reportlab ``invariant`` mode).
"""

from __future__ import annotations

import io
import random
import re
import string
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any, Callable, Iterator, Literal, Sequence
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

__all__ = [
    "Section",
    "DocSpec",
    "GeneratedPDF",
    "write_pdf",
    "count_pages",
    "policy_document",
    "corpus",
    "write_corpus",
    "image_only_pdf",
    "markup_to_text",
    "heading_texts",
    "luhn_valid",
    "luhn_complete",
    "cn_resident_id_check",
    "iban_valid",
    "zh_numeral",
    "HYPHEN_BREAK",
]

ZH_FONT = "STSong-Light"
#: the marker that spin() turns into a forced line break (``<br/>``)
HYPHEN_BREAK = "\u2016"


# --------------------------------------------------------------------------------------
# Spec types
# --------------------------------------------------------------------------------------


@dataclass
class Section:
    title: str
    level: int  # 1 or 2
    paragraphs: list[str]  # reportlab Paragraph markup
    table: list[list[str]] | None = None  # first row is the header row; plain text cells


@dataclass
class DocSpec:
    title: str
    sections: list[Section]
    header: str | None = "ACME Corp — Internal"  # repeated page header
    footer_page_numbers: bool = True  # "Page N of M" or "- N -" footer
    outline: bool = True  # PDF bookmarks (outline) for sections
    language: Literal["en", "zh"] = "en"
    numbered: bool = True  # "1.", "1.2" numbering in headings (zh: "第一章", "第二条")
    footer_style: Literal["page_of", "dash"] = "page_of"
    subtitle: str | None = None  # grey line under the title (policy number, version, date)
    author: str | None = None  # PDF metadata /Author


@dataclass
class GeneratedPDF:
    path: Path
    spec: DocSpec
    planted: list[tuple[str, str]]  # (entity type, value as written in the PDF)


# --------------------------------------------------------------------------------------
# Checksums (so planted identifiers pass the validators a good recognizer uses)
# --------------------------------------------------------------------------------------


def luhn_valid(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return len(digits) > 1 and total % 10 == 0


def luhn_complete(partial: str) -> str:
    """Append the Luhn check digit to ``partial`` (digits only)."""
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return partial + str((10 - total % 10) % 10)


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def cn_resident_id_check(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of a mainland resident identity number."""
    s = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS))
    return "10X98765432"[s % 11]


def _iban_numeric(s: str) -> int:
    return int("".join(str(int(c, 36)) for c in s))


def iban_valid(iban: str) -> bool:
    s = iban.replace(" ", "").upper()
    return len(s) > 4 and _iban_numeric(s[4:] + s[:4]) % 97 == 1


def _make_iban(country: str, bban: str) -> str:
    check = 98 - _iban_numeric(bban + country + "00") % 97
    raw = f"{country}{check:02d}{bban}"
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def zh_numeral(n: int) -> str:
    d = "零一二三四五六七八九"
    if n < 10:
        return d[n]
    if n < 20:
        return "十" + (d[n % 10] if n % 10 else "")
    if n < 100:
        return d[n // 10] + "十" + (d[n % 10] if n % 10 else "")
    raise ValueError(n)


# --------------------------------------------------------------------------------------
# Markup helpers
# --------------------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")


def markup_to_text(markup: str) -> str:
    """Plain text of a paragraph's markup (``<br/>`` becomes a newline)."""
    return unescape(_TAG.sub("", re.sub(r"<br\s*/?>", "\n", markup)))


_ALT = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(\w+)\}")


def _spin(template: str, rng: random.Random, facts: dict[str, Any]) -> str:
    """Resolve ``[a|b|c]`` alternatives and ``{slot}`` facts, return escaped markup.

    A fact may be a callable (a fresh random value each use). ``HYPHEN_BREAK`` becomes
    ``<br/>``.
    """
    text = _ALT.sub(lambda m: rng.choice(m.group(1).split("|")), template)

    def fill(m: re.Match[str]) -> str:
        v = facts[m.group(1)]
        return str(v() if callable(v) else v)

    text = _SLOT.sub(fill, text)
    return escape(text).replace(HYPHEN_BREAK, "<br/>")


def _para(rng: random.Random, facts: dict[str, Any], templates: Sequence[str], n: int | None = None,
          shuffle: bool = True, joiner: str = " ") -> str:
    chosen = list(templates)
    if shuffle:
        rng.shuffle(chosen)
    if n is not None:
        chosen = chosen[:n]
    return joiner.join(_spin(t, rng, facts) for t in chosen)


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------

_zh_font_registered = False


def _ensure_zh_font() -> None:
    global _zh_font_registered
    if not _zh_font_registered:
        pdfmetrics.registerFont(UnicodeCIDFont(ZH_FONT))
        _zh_font_registered = True


def _is_ascii(s: str) -> bool:
    return all(ord(c) < 0x2500 for c in s)  # Latin, punctuation, em dash: Helvetica can draw them


def _styles(language: str) -> dict[str, ParagraphStyle]:
    if language == "zh":
        _ensure_zh_font()
        f = fb = ZH_FONT
        body = ParagraphStyle("body", fontName=f, fontSize=10.5, leading=17, wordWrap="CJK",
                              alignment=TA_JUSTIFY, spaceAfter=6, firstLineIndent=21)
        h1 = ParagraphStyle("h1", fontName=fb, fontSize=16, leading=22, alignment=TA_CENTER,
                            spaceBefore=14, spaceAfter=8, keepWithNext=1)
        h2 = ParagraphStyle("h2", fontName=fb, fontSize=13, leading=18, spaceBefore=8,
                            spaceAfter=4, keepWithNext=1)
        title = ParagraphStyle("title", fontName=fb, fontSize=20, leading=28, alignment=TA_CENTER,
                               spaceAfter=6)
        cell = ParagraphStyle("cell", fontName=f, fontSize=9, leading=13, wordWrap="CJK")
        head = ParagraphStyle("cellhead", parent=cell)
    else:
        body = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=14,
                              alignment=TA_LEFT, spaceAfter=7)
        h1 = ParagraphStyle("h1", fontName="Helvetica-Bold", fontSize=16, leading=20,
                            spaceBefore=14, spaceAfter=6, keepWithNext=1)
        h2 = ParagraphStyle("h2", fontName="Helvetica-Bold", fontSize=13, leading=17,
                            spaceBefore=9, spaceAfter=4, keepWithNext=1)
        title = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=22, leading=27,
                               spaceAfter=6)
        cell = ParagraphStyle("cell", fontName="Helvetica", fontSize=9, leading=11.5)
        head = ParagraphStyle("cellhead", parent=cell, fontName="Helvetica-Bold")
    subtitle = ParagraphStyle("subtitle", parent=body, fontSize=9, leading=12,
                              textColor=colors.HexColor("#555555"), spaceAfter=14,
                              firstLineIndent=0,
                              alignment=TA_CENTER if language == "zh" else TA_LEFT)
    return {"body": body, "h1": h1, "h2": h2, "title": title, "cell": cell, "head": head,
            "subtitle": subtitle}


def heading_texts(spec: DocSpec) -> list[str]:
    """The heading text each section is printed (and bookmarked) with."""
    out: list[str] = []
    n1 = n2 = 0
    article = 0  # zh: 条 numbering runs through the whole document
    for s in spec.sections:
        if not spec.numbered:
            out.append(s.title)
            continue
        if s.level <= 1:
            n1 += 1
            n2 = 0
            out.append(f"第{zh_numeral(n1)}章 {s.title}" if spec.language == "zh" else f"{n1}. {s.title}")
        else:
            n2 += 1
            article += 1
            out.append(f"第{zh_numeral(article)}条 {s.title}" if spec.language == "zh"
                       else f"{max(n1, 1)}.{n2} {s.title}")
    return out


def _table(rows: list[list[str]], st: dict[str, ParagraphStyle], width: float, zh: bool) -> Table:
    data = [[Paragraph(escape(c), st["head"] if r == 0 else st["cell"]) for c in row]
            for r, row in enumerate(rows)]
    ncol = len(rows[0])
    first = width * (0.34 if ncol > 2 else 0.5)
    widths = [first] + [(width - first) / (ncol - 1)] * (ncol - 1)
    t = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#808080")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9E1F2")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return t


class _Outlined(Paragraph):
    """A heading paragraph that carries its outline entry."""

    kb_outline: tuple[str, int, str] | None = None


def _story(spec: DocSpec, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    zh = spec.language == "zh"
    story: list[Flowable] = [Paragraph(escape(spec.title), st["title"])]
    if spec.subtitle:
        story.append(Paragraph(escape(spec.subtitle), st["subtitle"]))
    else:
        story.append(Spacer(1, 10))
    prev_outline = -1
    for i, (sec, text) in enumerate(zip(spec.sections, heading_texts(spec))):
        level = 1 if sec.level <= 1 else 2
        h = _Outlined(escape(text), st["h1" if level == 1 else "h2"])
        outline_level = min(level - 1, prev_outline + 1)
        prev_outline = outline_level
        h.kb_outline = (text, outline_level, f"sec{i}")
        story.append(h)
        paras = list(sec.paragraphs)
        # a table sits after the section's first paragraph: intro, table, notes
        head, tail = paras[:1], paras[1:]
        for p in head:
            story.append(Paragraph(p, st["body"]))
        if sec.table:
            story.append(Spacer(1, 4))
            story.append(_table(sec.table, st, width, zh))
            story.append(Spacer(1, 8))
        for p in tail:
            story.append(Paragraph(p, st["body"]))
    return story


class _Doc(BaseDocTemplate):
    def __init__(self, target: Any, spec: DocSpec, total_pages: int | None):
        zh = spec.language == "zh"
        size = A4 if zh else LETTER
        margin = 2.2 * cm
        super().__init__(
            target,
            pagesize=size,
            leftMargin=margin,
            rightMargin=margin,
            topMargin=margin + 0.4 * cm,
            bottomMargin=margin,
            title=spec.title,
            author=spec.author or "",
            subject=spec.subtitle or "",
            creator="kb-service tests.corpus.pdfgen",
            invariant=1,
        )
        self.spec = spec
        self.total_pages = total_pages
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._header,
                                                onPageEnd=self._footer)])

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (reportlab API)
        info = getattr(flowable, "kb_outline", None)
        if info and self.spec.outline:
            text, level, key = info
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(text, key, level=level, closed=False)

    def _font(self, text: str, bold: bool = False) -> str:
        if _is_ascii(text):
            return "Helvetica-Bold" if bold else "Helvetica"
        _ensure_zh_font()
        return ZH_FONT

    def _header(self, canv: Any, doc: Any) -> None:
        """Drawn when a page begins, so extractors meet it before the body text."""
        spec = self.spec
        if not spec.header:
            return
        w, h = self.pagesize
        left, right = self.leftMargin, w - self.rightMargin
        canv.saveState()
        canv.setFillColor(colors.HexColor("#444444"))
        y = h - 1.5 * cm
        canv.setFont(self._font(spec.header, bold=True), 8.5)
        canv.drawString(left, y, spec.header)
        canv.setFont(self._font(spec.title), 8.5)
        canv.drawRightString(right, y, spec.title)
        canv.setStrokeColor(colors.HexColor("#999999"))
        canv.setLineWidth(0.5)
        canv.line(left, y - 4, right, y - 4)
        canv.restoreState()

    def _footer(self, canv: Any, doc: Any) -> None:
        """Drawn when a page ends, so extractors meet it after the body text."""
        spec = self.spec
        if not spec.footer_page_numbers:
            return
        w, _ = self.pagesize
        n = doc.page
        total = self.total_pages
        if spec.footer_style == "dash" or total is None:
            text = f"- {n} -"
        elif spec.language == "zh":
            text = f"第 {n} 页 共 {total} 页"
        else:
            text = f"Page {n} of {total}"
        canv.saveState()
        canv.setFillColor(colors.HexColor("#444444"))
        canv.setFont(self._font(text), 8.5)
        canv.drawCentredString(w / 2, 1.2 * cm, text)
        canv.restoreState()


def _build(spec: DocSpec, target: Any, total_pages: int | None) -> int:
    doc = _Doc(target, spec, total_pages)
    st = _styles(spec.language)
    doc.build(_story(spec, st, doc.width))
    return doc.page


def count_pages(spec: DocSpec) -> int:
    """Lay the document out in memory and return its page count."""
    return _build(spec, io.BytesIO(), None)


def write_pdf(spec: DocSpec, path: Path) -> Path:
    """Write ``spec`` to ``path`` (parents created). Deterministic bytes for a given spec."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    total = None
    if spec.footer_page_numbers and spec.footer_style == "page_of":
        total = count_pages(spec)
    buf = io.BytesIO()
    _build(spec, buf, total)
    path.write_bytes(buf.getvalue())
    return path


# --------------------------------------------------------------------------------------
# Random personal data
# --------------------------------------------------------------------------------------

_FIRST = ["Jane", "Michael", "Priya", "Carlos", "Olumide", "Sarah", "Hiroshi", "Emma", "David",
          "Fatima", "Lukas", "Sofia", "Andrew", "Mei", "Rafael", "Hannah", "Thomas", "Aisha",
          "Daniel", "Ingrid", "Kevin", "Laura", "Mohammed", "Rachel", "Jonas", "Isabel"]
_LAST = ["Miller", "Okafor", "Raman", "Mendes", "Adeyemi", "Thompson", "Tanaka", "Schneider",
         "Kowalski", "Haddad", "Johansson", "Rossi", "Nguyen", "Fischer", "Garcia", "O'Brien",
         "Patel", "Lindqvist", "Novak", "Bennett", "Dubois", "Hughes", "Castillo", "Weber"]
_ROLES = ["Head of Finance Operations", "Travel Program Manager", "Chief Information Security "
          "Officer", "People Operations Lead", "Records Manager", "Procurement Director",
          "Compliance Officer", "Senior Policy Analyst"]
_CITIES_US = [("San Francisco", "CA", "941", ["Market Street", "Mission Street", "Howard Street"]),
              ("New York", "NY", "100", ["Lexington Avenue", "Madison Avenue", "West 34th Street"]),
              ("Boston", "MA", "021", ["Commonwealth Avenue", "Boylston Street", "Summer Street"]),
              ("Atlanta", "GA", "303", ["Peachtree Street NE", "Spring Street NW"]),
              ("Austin", "TX", "787", ["Congress Avenue", "East 6th Street", "Lamar Boulevard"]),
              ("Chicago", "IL", "606", ["Wacker Drive", "North Michigan Avenue", "West Madison Street"]),
              ("Seattle", "WA", "981", ["Pine Street", "2nd Avenue", "Westlake Avenue North"]),
              ("Denver", "CO", "802", ["Colorado Boulevard", "17th Street", "Larimer Street"])]
_AREA = ["212", "415", "312", "617", "206", "512", "303", "404", "646", "303"]
_COMPANIES = [("ACME Corp", "acme-corp.com"), ("Globex Industries", "globex.com"),
              ("Initech", "initech.com"), ("Umbrella Logistics", "umbrella-logistics.com"),
              ("Contoso Ltd", "contoso.com"), ("Fabrikam Inc", "fabrikam.com"),
              ("Tailspin Toys", "tailspintoys.com"), ("Wingtip Solutions", "wingtip.io"),
              ("Litware Inc", "litware.com"), ("Blue Yonder Airlines", "blueyonder.aero"),
              ("Adventure Works", "adventure-works.com"), ("Proseware", "proseware.net")]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_TRIP_CITIES = ["London", "Singapore", "Chicago", "Frankfurt", "Toronto", "Dublin", "Tokyo",
                "Sydney", "Madrid", "Amsterdam", "Zurich", "Mumbai"]


def _person(rng: random.Random, used: set[str]) -> str:
    for _ in range(100):
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        if name not in used and name.split()[0] not in {n.split()[0] for n in used}:
            used.add(name)
            return name
    return name


def _email(name: str, domain: str, rng: random.Random) -> str:
    first, last = name.lower().replace("'", "").split()[:2]
    form = rng.choice(["{f}.{l}", "{f}{l}", "{f0}{l}", "{f}_{l}"])
    return form.format(f=first, l=last, f0=first[0]) + "@" + domain


def _us_phone(rng: random.Random) -> str:
    area = rng.choice(_AREA)
    exch = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(1, 9)}"
    if exch[1:] == "11" or exch == "555":
        exch = "864"
    line = f"{rng.randint(0, 9999):04d}"
    form = rng.choice(["({a}) {e}-{l}", "{a}-{e}-{l}", "+1 {a} {e} {l}", "+1 ({a}) {e}-{l}"])
    return form.format(a=area, e=exch, l=line)


def _intl_phone(rng: random.Random) -> str:
    r = lambda n: "".join(str(rng.randint(0, 9)) for _ in range(n))  # noqa: E731
    return rng.choice([
        lambda: f"+44 20 7{r(3)} {r(4)}",
        lambda: f"+49 30 {rng.randint(2, 9)}{r(7)}",
        lambda: f"+33 1 {rng.randint(40, 59)} {r(2)} {r(2)} {r(2)}",
        lambda: f"+61 2 9{r(3)} {r(4)}",
        lambda: f"+65 6{r(3)} {r(4)}",
        lambda: f"+31 20 {rng.randint(5, 7)}{r(2)} {r(4)}",
    ])()


def _credit_card(rng: random.Random) -> str:
    prefix = rng.choice(["4", "51", "53", "55", "37"])
    length = 15 if prefix == "37" else 16
    partial = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    num = luhn_complete(partial)
    if length == 15:
        return f"{num[:4]} {num[4:10]} {num[10:]}"
    return " ".join(num[i : i + 4] for i in range(0, 16, 4))


def _iban(rng: random.Random) -> tuple[str, str]:
    d = lambda n: "".join(str(rng.randint(0, 9)) for _ in range(n))  # noqa: E731
    country = rng.choice(["DE", "GB", "NL"])
    if country == "DE":
        return "Germany", _make_iban("DE", d(18))
    if country == "GB":
        return "the United Kingdom", _make_iban("GB", rng.choice(["NWBK", "BARC", "HBUK", "LOYD"]) + d(14))
    return "the Netherlands", _make_iban("NL", rng.choice(["ABNA", "INGB", "RABO"]) + d(10))


def _ip(rng: random.Random) -> str:
    return rng.choice([
        lambda: f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        lambda: f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        lambda: f"{rng.choice([81, 62, 185, 94, 203])}.{rng.randint(1, 254)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
    ])()


def _street_address(rng: random.Random) -> str:
    city, state, zip3, streets = rng.choice(_CITIES_US)
    suite = rng.choice(["", f", Suite {rng.randint(1, 19)}00", f", Floor {rng.randint(2, 30)}"])
    return f"{rng.randint(10, 2999)} {rng.choice(streets)}{suite}, {city}, {state} {zip3}{rng.randint(0, 99):02d}"


_ZH_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_ZH_GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "晓明",
             "建华", "丽娟", "志强", "海燕", "文博", "雨桐", "子涵", "浩然", "欣怡", "国庆", "桂兰"]
_ZH_AREAS = [("110105", "北京市朝阳区", ["建国路", "朝阳北路", "望京街"]),
             ("310104", "上海市徐汇区", ["漕溪北路", "虹桥路", "肇嘉浜路"]),
             ("310115", "上海市浦东新区", ["张江路", "世纪大道", "陆家嘴环路"]),
             ("440305", "广东省深圳市南山区", ["科技园南路", "深南大道", "后海大道"]),
             ("440106", "广东省广州市天河区", ["天河路", "珠江新城华夏路", "体育西路"]),
             ("330106", "浙江省杭州市西湖区", ["文三路", "天目山路", "学院路"]),
             ("510107", "四川省成都市武侯区", ["人民南路", "天府大道", "科华北路"]),
             ("320102", "江苏省南京市玄武区", ["中山路", "珠江路", "北京东路"])]
_ZH_MOBILE_PREFIX = ["134", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159",
                     "182", "183", "187", "188", "130", "131", "132", "155", "156", "185", "186",
                     "133", "153", "180", "181", "189", "177", "199"]
_UNIONPAY_BINS = ["622202", "621700", "622848", "622588", "621226", "622609", "623668"]
_ZH_COMPANIES = [("北辰科技有限公司", "beichen-tech.cn"), ("华岳数据服务有限公司", "huayue-data.cn"),
                 ("星河智能科技股份有限公司", "xinghe-ai.com"), ("东方汇通信息技术有限公司", "dfht.com.cn"),
                 ("云帆软件有限公司", "yunfan-soft.cn")]


def _zh_name(rng: random.Random, used: set[str]) -> str:
    for _ in range(100):
        name = rng.choice(_ZH_SURNAMES) + rng.choice(_ZH_GIVEN)
        if name not in used:
            used.add(name)
            return name
    return name


def _cn_resident_id(rng: random.Random) -> tuple[str, str]:
    code, region, _ = rng.choice(_ZH_AREAS)
    y, m, d = rng.randint(1965, 2001), rng.randint(1, 12), rng.randint(1, 28)
    first17 = f"{code}{y:04d}{m:02d}{d:02d}{rng.randint(0, 999):03d}"
    return first17 + cn_resident_id_check(first17), region


def _cn_mobile(rng: random.Random) -> str:
    return rng.choice(_ZH_MOBILE_PREFIX) + "".join(str(rng.randint(0, 9)) for _ in range(8))


def _unionpay(rng: random.Random) -> str:
    return luhn_complete(rng.choice(_UNIONPAY_BINS) + "".join(str(rng.randint(0, 9)) for _ in range(12)))


def _cn_address(rng: random.Random) -> str:
    _, region, roads = rng.choice(_ZH_AREAS)
    return (f"{region}{rng.choice(roads)}{rng.randint(1, 999)}号"
            f"{rng.choice(['', f'{rng.randint(1, 9)}号楼', f'{rng.choice(string.ascii_uppercase[:4])}座'])}"
            f"{rng.randint(1, 28)}{rng.randint(1, 20):02d}室")


# --------------------------------------------------------------------------------------
# English policy content
# --------------------------------------------------------------------------------------

_GENERIC = [
    "Managers [are responsible for|must take responsibility for] ensuring that their teams [understand|are familiar with] this policy and [apply it consistently|follow it in their daily work].",
    "Employees who are unsure how this policy applies to a [specific situation|particular case] should [ask their line manager|contact the policy owner] before [acting|committing any spend|making a decision].",
    "[Deviations from|Exceptions to] this policy require written approval from the {approver} and must be [recorded|documented] in {ticket_tool} [together with|along with] the business justification.",
    "This policy is reviewed at least [once a year|every twelve months] by {owner_dept}, and [changes|amendments] are announced on the intranet [at least|no later than] {notice_days} days before they take effect.",
    "Breaches of this policy may lead to disciplinary action, up to and including [termination of employment|dismissal], and may be reported to the relevant authorities where the law requires it.",
    "Where this policy conflicts with local law, local law [prevails|takes precedence], and {owner_dept} will publish a [country supplement|local annex] describing the difference.",
    "Contractors and temporary staff [are covered by|must also follow] this policy whenever they act on behalf of {company}.",
    "Records created under this policy are kept for {retention_years} years [and then deleted|after which they are securely destroyed] unless a legal hold applies.",
    "Internal Audit [checks|tests] compliance with this policy [on a sample basis|through periodic sampling] and reports [its findings|the results] to the Audit Committee [twice a year|every quarter].",
    "Training on this policy is [mandatory|required] for all new hires within {training_days} days of their start date and is repeated every {training_cycle} months.",
    "[Questions|Enquiries] about this policy can be raised through {helpdesk} or in the monthly [open office hours|Q&A session] hosted by {owner_dept}.",
    "{owner_dept_cap} publishes [guidance notes|worked examples|frequently asked questions] on the intranet to help employees apply this policy in [common situations|everyday cases].",
    "Nothing in this policy [limits|restricts] the right of employees to raise concerns through the confidential [ethics hotline|speak-up line], which is available {hotline_hours}.",
    "Requests that are not covered by this policy are [decided|settled] case by case by {owner_dept}, which [documents|records] each decision so that similar cases are treated alike.",
]

_HYPHEN_SENTENCES = [
    "Approved claims are paid with the next payroll run, and in any case within {pay_days} days of approval; the finance team confirms each reimburse-" + HYPHEN_BREAK + "ment by e-mail.",
    "Costs that qualify for reimburse-" + HYPHEN_BREAK + "ment are listed in the Travel and Expense Policy and must be claimed within {submit_days} days.",
]


def _facts_en(rng: random.Random, company: str, domain: str) -> dict[str, Any]:
    hotel = rng.randrange(160, 300, 10)
    mgr = rng.choice([500, 1000, 1500, 2000, 2500, 5000])
    return {
        "company": company,
        "domain": domain,
        "approver": rng.choice(["policy owner", "Chief Financial Officer", "Chief Operating Officer", "General Counsel"]),
        "ticket_tool": rng.choice(["ServiceNow", "Jira Service Management", "the GRC portal", "Zendesk"]),
        "helpdesk": rng.choice(["the People Helpdesk", "the IT Service Desk portal", "the #ask-policy Slack channel", "the Finance Helpdesk"]),
        "notice_days": rng.choice([14, 21, 30, 45]),
        "retention_years": rng.choice([3, 5, 6, 7, 10]),
        "training_days": rng.choice([14, 30, 45, 60]),
        "training_cycle": rng.choice([12, 18, 24]),
        "hotline_hours": rng.choice(["24 hours a day", "on weekdays from 8:00 to 20:00", "around the clock in 14 languages"]),
        "travel_tool": rng.choice(["Navan", "SAP Concur Travel", "TravelPerk", "Egencia", "American Express GBT"]),
        "expense_tool": rng.choice(["SAP Concur", "Expensify", "Workday Expenses", "Coupa Expenses", "Emburse"]),
        "advance_days": rng.choice([7, 10, 14, 21]),
        "business_hours": rng.choice([5, 6, 7, 8, 9]),
        "seat_fee": rng.choice([25, 30, 40, 50]),
        "hotel_limit": hotel,
        "hotel_high": hotel + rng.randrange(60, 160, 10),
        "high_cities": rng.choice(["New York, London and Zurich", "San Francisco, Tokyo and Geneva", "Singapore, Paris and Boston"]),
        "taxi_limit": rng.choice([40, 50, 60, 75, 80]),
        "mileage_rate": f"{rng.choice([0.58, 0.62, 0.655, 0.67, 0.70]):.3f}".rstrip("0"),
        "meal_limit": rng.randrange(50, 115, 5),
        "breakfast_limit": rng.choice([15, 18, 20, 25]),
        "entertain_limit": rng.randrange(80, 200, 10),
        "wifi_limit": rng.choice([10, 12, 15, 20]),
        "tip_pct": rng.choice([15, 18, 20]),
        "mgr_limit": f"{mgr:,}",
        "dir_limit": f"{mgr * rng.choice([4, 5, 10]):,}",
        "submit_days": rng.choice([30, 45, 60, 90]),
        "pay_days": rng.choice([10, 14, 15, 21, 30]),
        "receipt_min": rng.choice([25, 50, 75]),
        "late_days": rng.choice([90, 120, 180]),
        "card_trips": rng.choice([4, 6, 8, 12]),
        "card_limit": f"{rng.choice([5000, 7500, 10000, 15000]):,}",
        "repay_days": rng.choice([5, 10, 14]),
        "refund_days": rng.choice([7, 10, 14, 21]),
        "month": rng.choice(_MONTHS),
        "city": lambda: rng.choice(_TRIP_CITIES),
        "amount": lambda: f"{rng.randint(40, 4800):,}.{rng.randint(0, 99):02d}",
        "n": lambda: rng.randint(2, 9),
        # security
        "pw_len": rng.choice([12, 14, 15, 16]),
        "lock_n": rng.choice([5, 6, 8, 10]),
        "lock_min": rng.choice([15, 30, 60]),
        "mfa_tool": rng.choice(["Okta Verify", "Microsoft Authenticator", "Duo Mobile", "YubiKey hardware keys"]),
        "report_hours": rng.choice([2, 4, 12, 24]),
        "screen_min": rng.choice([5, 10, 15]),
        "patch_days": rng.choice([7, 14, 30]),
        "crit_patch_days": rng.choice([2, 3, 5]),
        "vpn": rng.choice(["GlobalProtect", "Zscaler Private Access", "Cisco AnyConnect", "Tailscale"]),
        "siem": rng.choice(["Splunk", "Microsoft Sentinel", "Elastic Security", "Chronicle"]),
        "review_months": rng.choice([3, 6, 12]),
        # remote work
        "office_days": rng.choice([2, 3]),
        "stipend": rng.choice([300, 400, 500, 750, 1000]),
        "internet": rng.choice([30, 40, 50, 60, 75]),
        "core_start": rng.choice(["9:00", "9:30", "10:00"]),
        "core_end": rng.choice(["15:00", "15:30", "16:00"]),
        "abroad_days": rng.choice([10, 20, 30, 45]),
        "chair": rng.choice([250, 300, 350, 400]),
        "monitor": rng.choice([200, 250, 300, 350]),
        # retention
        "ret_fin": rng.choice([7, 10]),
        "ret_hr": rng.choice([5, 6, 7]),
        "ret_cv": rng.choice([6, 12, 24]),
        "ret_log": rng.choice([12, 13, 18, 24]),
        "ret_mail": rng.choice([2, 3, 5]),
        "ret_contract": rng.choice([6, 7, 10]),
        "dms": rng.choice(["SharePoint Online", "OpenText Documentum", "M-Files", "Box"]),
        # procurement
        "quotes_min": f"{rng.choice([5000, 10000, 25000]):,}",
        "tender_min": f"{rng.choice([100000, 150000, 250000]):,}",
        "po_min": rng.choice([500, 1000, 2500]),
        "net_days": rng.choice([30, 45, 60]),
        "p2p_tool": rng.choice(["Coupa", "SAP Ariba", "Oracle Procurement Cloud", "Zip"]),
        "sanction_days": rng.choice([90, 180, 365]),
        "usb_weeks": rng.choice([2, 4, 6]),
        "backup_miles": rng.choice([200, 300, 500]),
        "outage_hours": rng.choice([2, 3, 4]),
        "backup_days": rng.choice([30, 35, 90]),
        "dm_days": rng.choice([90, 180, 365]),
        "weekday": lambda: rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]),
        "team": lambda: rng.choice(["the sales team", "the data engineering team", "the customer success team", "the marketing team", "a product manager", "a finance analyst", "the legal team", "a regional director", "a support engineer"]),
    }


# Each topic: title, owner department, sections [(title, level, templates or special)], table section,
# table builder, scenario templates (unique numbers, used as filler).
Templates = list[str]


def _travel(rng: random.Random, f: dict[str, Any]) -> dict[str, Any]:
    table = [["Expense category", "Limit (USD)", "Unit", "Receipt required"],
             ["Hotel, standard city", f"{f['hotel_limit']:.2f}", "per night", "Yes"],
             ["Hotel, high-cost city", f"{f['hotel_high']:.2f}", "per night", "Yes"],
             ["Meals and incidentals", f"{f['meal_limit']:.2f}", "per day", "Yes, itemised"],
             ["Breakfast (if not included)", f"{f['breakfast_limit']:.2f}", "per day", "Yes"],
             ["Taxi or ride-hailing", f"{f['taxi_limit']:.2f}", "per trip", "Yes"],
             ["Private car mileage", str(f["mileage_rate"]), "per mile", "No, mileage log"],
             ["Client entertainment", f"{f['entertain_limit']:.2f}", "per guest", "Yes, with guest names"],
             ["Wi-Fi and roaming", f"{f['wifi_limit']:.2f}", "per day", "Yes"]]
    return {
        "title": rng.choice(["Travel and Expense Policy", "Business Travel and Expenses Policy", "Travel & Expense Reimbursement Policy"]),
        "dept": "Finance",
        "owner_dept": "the Finance department",
        "table_title": "Expense Limits",
        "table": table,
        "sections": [
            ("Purpose and Scope", 1, [
                "This policy sets out the rules for business travel and for the [repayment|settlement] of expenses that employees of {company} incur [while working|on company business].",
                "It applies to all employees, contractors and [interns|trainees] in every [country|office] where {company} operates, [unless a local annex says otherwise|subject to local annexes].",
                "Its goals are to [keep travellers safe|protect travellers], [control costs|spend money responsibly] and [treat everyone fairly|apply the same rules to everyone]."]),
            ("Planning and Booking Travel", 1, [
                "All flights, hotels and rental cars must be booked through {travel_tool}, the company's [approved|contracted] travel [agency|platform], at least {advance_days} days before departure [where possible|whenever practical].",
                "Every trip must be approved in advance by the employee's [line manager|budget holder] in {expense_tool}.",
                "Bookings made outside {travel_tool} [are not covered by|fall outside] the company's travel insurance and [may not be reimbursed|can be refused]."]),
            ("Air Travel", 2, [
                "Economy class is the standard for flights [shorter than|under] {business_hours} hours; business class may be booked for longer flights [with director approval|if a director approves it in advance].",
                "Travellers should choose the lowest [logical|reasonable] fare offered within two hours of the preferred departure time.",
                "Seat selection fees up to {seat_fee} USD per flight and one checked bag [are reimbursable|may be claimed]."]),
            ("Hotels", 2, [
                "Hotel stays are [capped|limited] at {hotel_limit} USD per night [including taxes|before taxes] in standard cities and {hotel_high} USD per night in high-cost cities such as {high_cities}.",
                "Employees should [use|choose] the preferred hotels listed in {travel_tool} where available, because their rates include breakfast and [free|flexible] cancellation."]),
            ("Ground Transportation", 2, [
                "Public transport [is the default|should be used where practical]; taxis and ride-hailing [services|apps] are reimbursed up to {taxi_limit} USD per trip.",
                "Use of a private car is reimbursed at {mileage_rate} USD per mile [and requires|provided the employee holds] insurance that covers business use."]),
            ("Expense Limits", 1, [
                "The limits below apply per person and are stated in US dollars. [Amounts above a limit are not reimbursed without|Anything above a limit requires] a written exception.",
                "Alcohol is [not reimbursable|never reimbursed] except as part of approved client entertainment, and [tips|gratuities] above {tip_pct} percent are paid by the employee."]),
            ("Approval Thresholds", 1, [
                "Claims up to {mgr_limit} USD are approved by the line manager; claims between {mgr_limit} and {dir_limit} USD also need [approval from the department director|the director's approval].",
                "Claims above {dir_limit} USD [must be approved by|require sign-off from] the Chief Financial Officer before they are paid.",
                "Managers may not approve their own expenses or those of a colleague who approves theirs."]),
            ("Submitting Claims", 1, [
                "Expense claims must be submitted in {expense_tool} within {submit_days} days of the [end of the trip|date the expense was incurred], with an itemised receipt for every item above {receipt_min} USD.",
                _HYPHEN_SENTENCES[0],
                "Claims submitted more than {late_days} days late are [rejected|not paid] unless the [CFO|Finance Director] grants an exception."]),
            ("Corporate Cards", 2, [
                "Employees who travel more than {card_trips} times a year receive a corporate card with a monthly limit of {card_limit} USD.",
                "Personal purchases on the corporate card are not allowed; an accidental personal charge must be repaid within {repay_days} days."]),
            ("Exceptions", 1, _GENERIC[2:4] + _GENERIC[13:14]),
        ],
        "scenarios": [
            "In one recent case an employee travelling to {city} for {n} nights claimed {amount} USD for a conference hotel; the amount above the limit was approved because the event hotel was the only safe option.",
            "A team of {n} employees attending a customer workshop in {city} shared two rental cars, which cost {amount} USD in total and was cheaper than individual taxis.",
            "Receipts in foreign currencies are converted at the rate on the day of the expense; for a {amount} EUR dinner in {city} the system applies the published rate automatically.",
            "Lost receipts can be replaced by a signed declaration [up to|for amounts up to] {receipt_min} USD; above that, a duplicate from the supplier is required.",
            "When a trip to {city} is cancelled, non-refundable costs of {amount} USD or less are written off by the budget holder without further review.",
            "Loyalty points and airline miles earned on business travel may be kept by the employee, but they must never influence the choice of airline or hotel.",
            "Travellers booked on flights longer than {business_hours} hours may also claim one airport lounge visit of up to {seat_fee} USD if business class was not booked.",
            "When {team} travelled to {city} for a trade fair, the hotel booked through {travel_tool} cost {amount} USD in total; the claim was approved within two business days.",
            "A claim for a {amount} USD dinner with {n} guests in {city} was returned because the guest names were missing from the receipt.",
            "An employee whose return flight from {city} was cancelled on a {weekday} evening booked an airport hotel and claimed it as an unplanned expense, which is allowed.",
            "Parking at the airport is reimbursed for trips of up to {n} days when it costs less than two taxi rides.",
        ],
    }


def _security(rng: random.Random, f: dict[str, Any]) -> dict[str, Any]:
    table = [["Classification", "Description", "Examples", "Handling"],
             ["Public", "Approved for release outside the company", "Press releases, published price lists", "No restrictions"],
             ["Internal", "Default level for company information", "Org charts, internal wiki pages", f"Stored in {f['dms']}; not shared externally"],
             ["Confidential", "Harm to the company if disclosed", "Contracts, customer lists, source code", f"Encrypted at rest; shared on need-to-know; retained {f['retention_years']} years"],
             ["Restricted", "Severe harm or legal breach if disclosed", "Personal data, payroll, security keys", "Encrypted, access logged, named approvers only"]]
    return {
        "title": rng.choice(["Information Security Policy", "IT Security Policy", "Information Security and Acceptable Use Policy"]),
        "dept": "Information Security",
        "owner_dept": "the Information Security team",
        "table_title": "Data Classification",
        "table": table,
        "sections": [
            ("Purpose and Scope", 1, [
                "This policy protects the confidentiality, integrity and availability of the information that {company} and its customers [entrust to us|rely on].",
                "It applies to every person with an account on company systems and to every device, [whether company-owned or personal,|company-owned or personal,] that connects to the corporate network."]),
            ("Access Control", 1, [
                "Access is granted on a least-privilege basis and reviewed by the system owner every {review_months} months.",
                "Accounts of leavers are disabled on their last working day, and shared accounts are [forbidden|not permitted] except for documented service accounts."]),
            ("Passwords", 2, [
                "Passwords must be at least {pw_len} characters long and must not be reused across systems; a password manager is provided to every employee.",
                "After {lock_n} failed attempts an account is locked for {lock_min} minutes.",
                "Passwords are never sent by e-mail or chat, and the IT Service Desk will never ask for one."]),
            ("Multi-Factor Authentication", 2, [
                "Multi-factor authentication (MFA) is mandatory for e-mail, the VPN ({vpn}) and every system that holds Confidential or Restricted data; the approved authenticator is {mfa_tool}.",
                "SMS codes are accepted only as a fallback while a lost authenticator is being replaced."]),
            ("Data Classification", 1, [
                "All information is classified into one of four levels. The owner of the information assigns the level, and the handling rules below apply to every copy."]),
            ("Device Security", 1, [
                "Laptops and phones must use full-disk encryption, lock the screen after {screen_min} minutes of inactivity and run the company endpoint protection agent.",
                "Security patches are installed within {patch_days} days of release, and critical patches within {crit_patch_days} days.",
                "Remote access to internal systems is only permitted through {vpn}."]),
            ("Incident Reporting", 1, [
                "Suspected security incidents, including lost devices and phishing e-mails, must be reported to security@{domain} within {report_hours} hours of discovery.",
                "Security events are collected in {siem} and retained for {retention_years} years for investigation.",
                "Employees must not investigate incidents themselves or delete suspicious messages before the security team has reviewed them."]),
            ("Exceptions", 1, _GENERIC[2:4]),
        ],
        "scenarios": [
            "During the last phishing simulation {n} percent of recipients clicked the link and {n} percent reported the message within one hour.",
            "A developer who needed temporary administrator rights on a build server for {n} days received them through {ticket_tool}, and the rights expired automatically.",
            "When a laptop was left in a taxi in {city}, the employee reported it within {report_hours} hours and the device was wiped remotely before any data could be read.",
            "Vendors that process Confidential data must complete the security questionnaire and provide a SOC 2 Type II report or an ISO 27001 certificate.",
            "Removable USB storage is blocked by default; the security team can grant an exception for up to {usb_weeks} weeks when a customer requires physical media.",
            "Backups of Restricted data are encrypted, tested every quarter and stored in a second region at least {backup_miles} miles from the primary data center.",
            "On a {weekday} morning {team} received an e-mail that imitated the payroll portal; the message was reported within minutes and blocked for all users.",
            "A contractor's account that had not been used for {n}0 days was disabled automatically during the quarterly access review.",
            "When {team} asked to share a customer export with an agency in {city}, the data was classified as Confidential and sent through the secure file transfer service instead of e-mail.",
            "Security awareness training takes about {n}0 minutes and ends with a short quiz that must be passed with at least 80 percent.",
        ],
    }


def _remote(rng: random.Random, f: dict[str, Any]) -> dict[str, Any]:
    table = [["Allowance", "Amount (USD)", "Frequency", "How to claim"],
             ["Home office set-up", f"{f['stipend']:.2f}", "once per 3 years", f"{f['expense_tool']}, with receipts"],
             ["Internet", f"{f['internet']:.2f}", "per month", "Payroll, automatic"],
             ["Ergonomic chair", f"{f['chair']:.2f}", "once per 5 years", "Order via the IT portal"],
             ["External monitor", f"{f['monitor']:.2f}", "once per 4 years", "Order via the IT portal"],
             ["Co-working space", f"{f['meal_limit'] * 3:.2f}", "per month", "Manager approval required"]]
    return {
        "title": rng.choice(["Remote and Hybrid Work Policy", "Flexible Work Policy", "Hybrid Working Guidelines"]),
        "dept": "People Operations",
        "owner_dept": "People Operations",
        "table_title": "Equipment and Allowances",
        "table": table,
        "sections": [
            ("Purpose and Scope", 1, [
                "{company} supports hybrid work where the role allows it. This policy explains who may work remotely, when, and with which equipment.",
                "It covers employees on permanent and fixed-term contracts after they complete their probation period."]),
            ("Eligibility and Schedules", 1, [
                "Hybrid employees work from the office at least {office_days} days per week, agreed with their team.",
                "Core collaboration hours are {core_start} to {core_end} in the employee's local time zone; meetings outside these hours are avoided.",
                "Working from another country is allowed for up to {abroad_days} days per calendar year and needs prior approval because of tax and immigration rules."]),
            ("Equipment and Allowances", 1, [
                "The allowances below are paid in US dollars or the local equivalent and are taxable where local law requires it."]),
            ("Security at Home", 1, [
                "Employees working remotely must use the company VPN ({vpn}), keep their home Wi-Fi protected with WPA2 or better, and never print Confidential documents at home.",
                "Video calls that discuss Restricted information are held in a private room."]),
            ("Health and Safety", 2, [
                "Employees complete the home workstation self-assessment within {training_days} days of starting hybrid work.",
                "Work-related injuries at home are reported to People Operations the same way as injuries in the office."]),
            ("Expenses", 1, [_HYPHEN_SENTENCES[1],
                "Travel between home and the regular office is a commuting cost and is not reimbursed."]),
        ],
        "scenarios": [
            "A team spread across {n} time zones agreed to hold its weekly planning meeting at {core_start} New York time so that everyone joins within core hours.",
            "An employee who spent {n} weeks working from {city} to care for a relative had the stay approved in advance and registered with the payroll team.",
            "Office desks are booked in the workplace app; bookings not checked in by 10:30 are released for colleagues.",
            "Managers review hybrid arrangements twice a year and may change them with {notice_days} days' notice if business needs change.",
            "If home internet fails for more than {outage_hours} hours, the employee should work from the nearest office or an approved co-working space.",
            "After moving house, {team} updated the home address in the HR system so that equipment could be delivered and insurance remained valid.",
            "A new joiner in {city} received a laptop, a headset and a monitor on the first day; the chair arrived {n} days later through the IT portal.",
            "Employees who move to a fully remote contract keep their office access badge but give up their fixed desk.",
            "Team days in the office are planned at least {n} weeks ahead so that colleagues who travel in from {city} can book trains at lower fares.",
        ],
    }


def _retention(rng: random.Random, f: dict[str, Any]) -> dict[str, Any]:
    table = [["Record type", "Retention period", "Owner", "Disposal method"],
             ["Accounting records and invoices", f"{f['ret_fin']} years after fiscal year end", "Finance", "Secure deletion"],
             ["Employee personnel files", f"{f['ret_hr']} years after employment ends", "People Operations", "Shredding / secure deletion"],
             ["Job applications (not hired)", f"{f['ret_cv']} months after the decision", "Talent Acquisition", "Automatic deletion"],
             ["Customer contracts", f"{f['ret_contract']} years after expiry", "Legal", "Secure deletion"],
             ["Security and access logs", f"{f['ret_log']} months", "Information Security", "Automatic deletion"],
             ["E-mail (non-record)", f"{f['ret_mail']} years", "IT", "Automatic deletion"]]
    return {
        "title": rng.choice(["Records and Data Retention Policy", "Data Retention Policy", "Records Management Policy"]),
        "dept": "Legal",
        "owner_dept": "the Legal department",
        "table_title": "Retention Schedule",
        "table": table,
        "sections": [
            ("Purpose and Scope", 1, [
                "This policy defines how long {company} keeps business records and personal data, and how they are disposed of when that period ends.",
                "It applies to records in every format, including paper, e-mail, chat messages, databases and files stored in {dms}."]),
            ("Principles", 1, [
                "Records are kept only as long as needed for the purpose they were collected for, or as long as the law requires.",
                "Personal data is minimised: copies in spreadsheets, inboxes and local drives are deleted once the record is filed in {dms}."]),
            ("Retention Schedule", 1, [
                "The periods below are minimums set by law or contract, and maximums set by data protection rules. Records are deleted within 90 days after the period ends."]),
            ("Legal Hold", 1, [
                "When litigation, an audit or an investigation is expected, the Legal department issues a legal hold that suspends deletion for the records it names.",
                "A legal hold overrides the schedule until Legal releases it in writing."]),
            ("Disposal", 2, [
                "Paper records are shredded in locked consoles; electronic records are deleted so that they cannot be recovered, and disposal of Restricted records is logged."]),
        ],
        "scenarios": [
            "During the {month} review, {n} departments found duplicate customer spreadsheets on shared drives, which were deleted after the originals were confirmed in {dms}.",
            "A supplier contract that expired {n} years ago was kept beyond the schedule because a warranty claim of {amount} USD was still open.",
            "Backups are not a retention system: backup copies expire after {backup_days} days and are not restored to recover deleted records except in a disaster.",
            "Chat messages in public channels are kept for {ret_mail} years; direct messages are deleted after {dm_days} days unless a legal hold applies.",
            "In {weekday}'s records clean-up, {team} deleted {n} thousand outdated files from a shared drive after checking them against the schedule.",
            "A request from a former employee in {city} to see the data held about them was answered within 30 days, as data protection law requires.",
            "Project files are moved from personal drives to {dms} when the project closes, and the project lead confirms the move in the closure checklist.",
            "Paper archives in the {city} office were scanned, checked for completeness and then shredded, except for {n} boxes under legal hold.",
        ],
    }


def _procurement(rng: random.Random, f: dict[str, Any]) -> dict[str, Any]:
    table = [["Purchase value (USD)", "Quotes required", "Approver", "Contract needed"],
             [f"Up to {f['po_min']:,}", "None", "Budget holder", "No"],
             [f"{f['po_min']:,} to {f['quotes_min']}", "1 written quote", "Department head", "Purchase order"],
             [f"{f['quotes_min']} to {f['tender_min']}", "3 written quotes", "Director and Procurement", "Yes"],
             [f"Above {f['tender_min']}", "Formal tender", "CFO", "Yes, reviewed by Legal"]]
    return {
        "title": rng.choice(["Procurement Policy", "Purchasing and Supplier Policy", "Procurement and Purchasing Policy"]),
        "dept": "Procurement",
        "owner_dept": "the Procurement team",
        "table_title": "Approval Thresholds",
        "table": table,
        "sections": [
            ("Purpose and Scope", 1, [
                "This policy makes sure that {company} buys goods and services at a fair price, from suppliers that meet our ethical and security standards.",
                "It applies to all purchases paid by the company, regardless of the budget they are charged to."]),
            ("Supplier Selection", 1, [
                "New suppliers are onboarded in {p2p_tool} and screened against sanctions lists before the first order and again every {sanction_days} days.",
                "Employees must declare any personal relationship with a supplier before taking part in a selection."]),
            ("Approval Thresholds", 1, [
                "The number of quotes and the approver depend on the total value of the purchase over the whole contract term, not the value of a single invoice."]),
            ("Purchase Orders", 1, [
                "Every purchase above {po_min} USD needs a purchase order in {p2p_tool} before the supplier starts work; invoices without a purchase order number are returned.",
                "Splitting a purchase to stay below a threshold is a breach of this policy."]),
            ("Payment Terms", 2, [
                "Standard payment terms are net {net_days} days from receipt of a correct invoice.",
                "Supplier bank details are verified by a call-back to a known phone number before they are changed, to prevent invoice fraud."]),
        ],
        "scenarios": [
            "Last quarter the Procurement team ran {n} tenders and saved an average of {n} percent against the first quote.",
            "A software renewal worth {amount} USD per year was approved by the department head after one written quote, because the vendor was the only supplier of the licensed product.",
            "Gifts from suppliers above 50 USD must be declared, and gifts of cash are refused in all cases.",
            "Framework agreements cover office supplies, laptops and travel; buying these items outside a framework needs Procurement approval.",
            "When {team} needed a translation agency for a launch in {city}, three quotes were compared and the contract went to the second-cheapest supplier because of its quality score.",
            "An invoice of {amount} USD arrived without a purchase order number and was returned to the supplier, who resubmitted it the next {weekday}.",
            "A supplier asked by e-mail to change its bank details; the call-back to the number on file revealed that the request was fraudulent.",
            "Consultants are engaged on a statement of work that lists deliverables, daily rates and an upper limit of {amount} USD.",
        ],
    }


@dataclass
class _Unit:
    """One paragraph of filler: where it goes and its markup. ``anchor`` places a section that
    is not in the document yet: "after:TITLE" (after TITLE and its subsections),
    "before:TITLE" or "end"."""

    section: Section
    text: str
    anchor: str | None = None


def _round_robin(*sources: Any) -> Any:
    its = [iter(s) for s in sources]
    while its:
        for it in list(its):
            try:
                yield next(it)
            except StopIteration:
                its.remove(it)


_RESPONSIBILITIES = [
    ("Employees", "Employees read this policy, [follow it|apply it] in their daily work and [raise|report] anything that seems wrong with their line manager or {owner_dept}."),
    ("Line managers", "Line managers make sure their teams know this policy, [approve requests promptly|review requests within five business days] and [set an example|lead by example]."),
    ("Policy owner", "{owner_dept_cap} owns this policy, answers questions about it, [keeps it up to date|updates it when rules change] and reports on compliance to the executive team."),
    ("Finance", "Finance [checks|reviews] claims and payments against this policy and flags unusual patterns to {owner_dept} [every month|each quarter]."),
    ("IT and Security", "The IT Service Desk and the Information Security team configure the systems named in this policy and [keep their access lists current|review who has access every quarter]."),
    ("Internal Audit", "Internal Audit tests compliance independently and may [request|ask for] any record created under this policy."),
]

_GLOSSARY_GENERIC = [
    ("Business day", "Monday to Friday, excluding public holidays at the employee's [contractual|usual] work location."),
    ("Employee", "any person [employed by|on the payroll of] {company}, including part-time and fixed-term staff."),
    ("Line manager", "the person an employee reports to in the HR system of record."),
    ("Budget holder", "the manager accountable for the cost center that pays for a purchase or an expense."),
    ("Personal data", "any information relating to an identified or identifiable person, such as a name, an e-mail address or an employee number."),
    ("Exception", "a documented, time-limited approval to deviate from a rule in this policy."),
]

_TOPIC_EXTRA = {
    "Finance": {
        "glossary": [("Per diem", "a fixed daily amount that covers meals and incidental costs while travelling."),
                     ("High-cost city", "a city listed in the annex where hotel prices are well above the national average."),
                     ("Itemised receipt", "a receipt that lists each item bought, its price and the tax paid, not just the total.")],
        "faq": [("Can I book a cheaper hotel outside {travel_tool}?", "Only with your manager's approval, and you lose the travel insurance cover, so the answer is usually no."),
                ("What is the meal limit when a client pays for lunch?", "The daily limit of {meal_limit} USD is reduced by the value of the meal provided."),
                ("How long do I have to submit a claim?", "{submit_days} days from the end of the trip; after {late_days} days claims are rejected."),
                ("Who approves a claim of more than {dir_limit} USD?", "The Chief Financial Officer, after the line manager and the director."),
                ("Is the mileage rate taxable?", "No, the rate of {mileage_rate} USD per mile follows the national tax-free rate.")],
    },
    "Information Security": {
        "glossary": [("Incident", "any event that threatens the confidentiality, integrity or availability of company information."),
                     ("Least privilege", "giving each account only the access it needs for its current job."),
                     ("Restricted data", "the highest classification level, which includes personal data and credentials.")],
        "faq": [("How long must my password be?", "At least {pw_len} characters; a passphrase of several words is easiest to remember."),
                ("I clicked a phishing link. What now?", "Disconnect from the network and report it to security@{domain} within {report_hours} hours; you will not be blamed for reporting."),
                ("Can I use my personal phone for e-mail?", "Yes, if it is enrolled in device management and protected by {mfa_tool}."),
                ("How quickly are critical patches installed?", "Within {crit_patch_days} days of release; other security patches within {patch_days} days.")],
    },
    "People Operations": {
        "glossary": [("Hybrid employee", "an employee whose agreed schedule combines office days and remote days."),
                     ("Core hours", "the hours of the day when everyone is expected to be available for meetings."),
                     ("Work location", "the office named in the employment contract.")],
        "faq": [("How many office days are required?", "At least {office_days} days per week, agreed within the team."),
                ("Can I work from abroad?", "For up to {abroad_days} days per calendar year, with prior approval."),
                ("How much is the internet allowance?", "{internet} USD per month, paid automatically with payroll."),
                ("Who pays for my desk chair?", "The company, up to {chair} USD once every five years.")],
    },
    "Legal": {
        "glossary": [("Record", "information created or received in the course of business and kept as evidence of an activity."),
                     ("Legal hold", "an instruction from Legal that suspends the deletion of named records."),
                     ("Retention period", "the time a record must be kept before it is disposed of.")],
        "faq": [("How long are invoices kept?", "{ret_fin} years after the end of the fiscal year."),
                ("How long do we keep applications from candidates we did not hire?", "{ret_cv} months after the hiring decision."),
                ("Can I keep a personal copy of a customer contract?", "No; the copy in {dms} is the record, and personal copies must be deleted."),
                ("Does a legal hold override the schedule?", "Yes, until Legal releases it in writing.")],
    },
    "Procurement": {
        "glossary": [("Supplier", "any company or person that provides goods or services to {company} for payment."),
                     ("Purchase order", "the approved order in {p2p_tool} that commits budget before work starts."),
                     ("Tender", "a formal competitive process with written requirements and scored proposals.")],
        "faq": [("When do I need three quotes?", "For purchases from {quotes_min} USD up to {tender_min} USD over the contract term."),
                ("What are our payment terms?", "Net {net_days} days from receipt of a correct invoice."),
                ("Can a supplier start work before the purchase order?", "No; invoices without a purchase order number are returned."),
                ("How often are suppliers screened against sanctions lists?", "Before the first order and then every {sanction_days} days.")],
    },
}

_REVISION_CHANGES = [
    "annual review, no material changes",
    "updated the limits in the table and clarified approvals",
    "added the section on exceptions",
    "aligned the wording with the new {expense_tool} workflow",
    "added guidance for contractors",
    "shortened the deadline for submitting requests",
    "moved ownership to {owner_dept}",
    "first published version",
]


def _en_units(rng: random.Random, f: dict[str, Any], topic: dict[str, Any], sections: list[Section],
              deck: list[str], version: tuple[int, int], year: int) -> Any:
    body = [s for s in sections if s.title not in ("Contacts", "Governance and Compliance")]
    extra = _TOPIC_EXTRA[topic["dept"]]

    def src_deck() -> Any:
        d = list(deck)
        while d:
            k = rng.randint(3, 5)
            chunk, d[:] = d[:k], d[k:]
            yield _Unit(rng.choice(body), " ".join(_spin(t, rng, f) for t in chunk))

    def src_roles() -> Any:
        sec = Section("Roles and Responsibilities", 1, [])
        roles = list(_RESPONSIBILITIES)
        rng.shuffle(roles)
        for name, t in roles:
            yield _Unit(sec, f"<b>{escape(name)}.</b> " + _spin(t, rng, f), "after:Purpose and Scope")

    def src_glossary() -> Any:
        sec = Section("Definitions", 2, [])
        terms = _GLOSSARY_GENERIC + extra["glossary"]
        rng.shuffle(terms)
        for term, t in terms:
            yield _Unit(sec, f"<b>{escape(term)}</b> means " + _spin(t, rng, f), "after:Purpose and Scope")

    def src_faq() -> Any:
        sec = Section(rng.choice(["Frequently Asked Questions", "Questions and Answers"]), 1, [])
        qa = list(extra["faq"])
        rng.shuffle(qa)
        for q, a in qa:
            yield _Unit(sec, f"<b>{_spin(q, rng, f)}</b><br/>{_spin(a, rng, f)}", "before:Contacts")

    def src_revisions() -> Any:
        sec = Section("Revision History", 1, [])
        major, minor = version
        y = year
        changes = list(_REVISION_CHANGES[:-1])
        rng.shuffle(changes)
        for ch in changes + [_REVISION_CHANGES[-1]]:
            yield _Unit(sec, f"Version {major}.{minor}, {rng.choice(_MONTHS)} {y}: " + _spin(ch, rng, f) + ".", "end")
            if minor:
                minor -= 1
            elif major > 1:
                major -= 1
                minor = rng.randint(0, 4)
            else:
                break
            y -= 1

    def src_fallback() -> Any:
        while True:  # fresh numbers each time; templates repeat
            yield _Unit(rng.choice(body), _para(rng, f, topic["scenarios"], n=rng.randint(2, 4)))

    yield from _round_robin(src_deck(), src_roles(), src_glossary(), src_faq(), src_revisions())
    yield from src_fallback()



_EN_TOPICS: list[Callable[[random.Random, dict[str, Any]], dict[str, Any]]] = [
    _travel, _security, _remote, _retention, _procurement]


def _en_policy(rng: random.Random, plant_pii: bool) -> tuple[DocSpec, list[tuple[str, str]], Iterator[_Unit]]:
    company, domain = rng.choice(_COMPANIES)
    f = _facts_en(rng, company, domain)
    topic = rng.choice(_EN_TOPICS)(rng, f)
    f["owner_dept"] = topic["owner_dept"]
    f["owner_dept_cap"] = topic["owner_dept"][0].upper() + topic["owner_dept"][1:]
    planted: list[tuple[str, str]] = []
    used: set[str] = set()

    sections: list[Section] = []
    # keep section order but shuffle runs of level-2 subsections
    raw = list(topic["sections"])
    i = 0
    while i < len(raw):
        j = i
        while j < len(raw) and raw[j][1] == 2:
            j += 1
        if j - i > 1:
            sub = raw[i:j]
            rng.shuffle(sub)
            raw[i:j] = sub
        i = max(j, i + 1)
    for title, level, templates in raw:
        n_par = 1 if len(templates) <= 2 else rng.choice([1, 2])
        ts = list(templates)
        rng.shuffle(ts)
        if n_par == 1:
            paras = [_para(rng, f, ts, shuffle=False)]
        else:
            cut = len(ts) // 2
            paras = [_para(rng, f, ts[:cut], shuffle=False), _para(rng, f, ts[cut:], shuffle=False)]
        sections.append(Section(title, level, paras,
                                table=topic["table"] if title == topic["table_title"] else None))

    # at least one word hyphenated across a line break, in every English document
    if not any("-<br/>" in p for s in sections for p in s.paragraphs):
        target = sections[min(2, len(sections) - 1)]
        target.paragraphs.append(_spin(_HYPHEN_SENTENCES[1], rng, f))

    # one long paragraph (governance), always present
    deck = list(_GENERIC)
    rng.shuffle(deck)
    k = rng.randint(6, 8)
    gov = Section("Governance and Compliance", 1, [" ".join(_spin(t, rng, f) for t in deck[:k])])
    deck = deck[k:] + list(topic["scenarios"])
    rng.shuffle(deck)
    sections.append(gov)

    if plant_pii:
        owner, deputy, example = _person(rng, used), _person(rng, used), _person(rng, used)
        e1, e2 = _email(owner, domain, rng), _email(deputy, domain, rng)
        p1, p2 = _us_phone(rng), _intl_phone(rng)
        addr = _street_address(rng)
        card = _credit_card(rng)
        country, iban = _iban(rng)
        ip = _ip(rng)
        role = rng.choice(_ROLES)
        contact = Section("Contacts", 1, [
            _spin("Questions about this policy should go to the policy owner first. "
                  "[Urgent matters|Time-critical questions] can be escalated to the deputy.", rng, f),
            f"Policy owner: {escape(owner)}, {escape(role)}<br/>"
            f"E-mail: {escape(e1)}<br/>Phone: {escape(p1)}<br/>"
            f"Deputy: {escape(deputy)} ({escape(e2)}, {escape(p2)})<br/>"
            f"Postal address: {escape(company)}, {escape(addr)}",
        ])
        planted += [("PERSON", owner), ("EMAIL_ADDRESS", e1), ("PHONE_NUMBER", p1),
                    ("PERSON", deputy), ("EMAIL_ADDRESS", e2), ("PHONE_NUMBER", p2),
                    ("STREET_ADDRESS", addr)]
        # PII in running prose, in a section in the middle of the document
        fx = dict(f, example=example, card=card, iban=iban, country=country, ip=ip,
                  city=rng.choice(_TRIP_CITIES))
        prose = [
            "For example, in {month} the corporate card {card} issued to {example} was charged twice by a hotel in {city}; the duplicate charge was disputed with the card provider and refunded within {refund_days} days.",
            "Employees based in {country} are paid by bank transfer to the account on file, for example IBAN {iban}, which must be held in the employee's own name.",
            "In a recent incident, {example} noticed repeated sign-in attempts from the address {ip}; the address was blocked and the event was reported to security@{domain} within {report_hours} hours.",
        ]
        rng.shuffle(prose)
        mid = sections[len(sections) // 2]
        mid.paragraphs.append(" ".join(_spin(t, rng, fx) for t in prose))
        planted += [("PERSON", example), ("CREDIT_CARD", card), ("IBAN_CODE", iban),
                    ("IP_ADDRESS", ip), ("EMAIL_ADDRESS", f"security@{domain}")]
        sections.append(contact)
    else:
        sections.append(Section("Contacts", 1, [_spin(
            "Questions about this policy should go to {owner_dept} through {helpdesk}.", rng, f)]))

    ver = (rng.randint(1, 6), rng.randint(0, 9))
    version = f"{ver[0]}.{ver[1]}"
    year = rng.randint(2019, 2025)
    code = {"Finance": "FIN", "Information Security": "SEC", "People Operations": "HR",
            "Legal": "LEG", "Procurement": "PRC"}[topic["dept"]]
    spec = DocSpec(
        title=topic["title"],
        sections=sections,
        header=f"{company} — {rng.choice(['Internal', 'Internal Use Only', 'Confidential'])}",
        language="en",
        subtitle=(f"Policy {code}-{rng.randint(1, 40):03d} · Version {version} · "
                  f"Effective {rng.randint(1, 28)} {rng.choice(_MONTHS)} {year} · Owner: {topic['dept']}"),
        author=company,
    )

    return spec, planted, _en_units(rng, f, topic, sections, deck, ver, year)


# --------------------------------------------------------------------------------------
# Chinese policy content
# --------------------------------------------------------------------------------------


def _facts_zh(rng: random.Random, company: str, domain: str) -> dict[str, Any]:
    return {
        "company": company,
        "domain": domain,
        "pw_len": rng.choice([10, 12, 14]),
        "pw_days": rng.choice([90, 180]),
        "lock_n": rng.choice([5, 6, 10]),
        "lock_min": rng.choice([15, 30]),
        "core_system": rng.choice(["OA办公系统", "ERP系统", "财务共享平台", "客户关系管理系统"]),
        "screen_min": rng.choice([5, 10, 15]),
        "patch_days": rng.choice([7, 15, 30]),
        "report_hours": rng.choice([1, 2, 4, 24]),
        "respond_hours": rng.choice([2, 4, 8]),
        "hotline": rng.choice(["内部服务热线8000", "IT服务台热线6666", "安全值班电话9110"]),
        "reward": rng.choice([200, 500, 1000]),
        "train_hours": rng.choice([2, 4, 8]),
        "train_days": rng.choice([5, 10, 15, 30]),
        "long_trip": rng.choice([5, 7, 10]),
        "audit_pct": rng.choice([10, 20, 30]),
        "late_times": rng.choice([2, 3]),
        "punch_days": rng.choice([2, 3, 5]),
        "absent_days": rng.choice([3, 5]),
        "exc_months": rng.choice([3, 6, 12]),
        "month": lambda: rng.randint(1, 12),
        "year": lambda: rng.randint(2021, 2025),
        "unit": lambda: rng.choice(["市场部", "研发中心", "华东区销售部", "客户服务部", "行政部", "财务共享中心", "华南分公司", "产品部"]),
        "ret_years": rng.choice([3, 5, 10]),
        "hotel_1": rng.randrange(450, 800, 50),
        "hotel_2": rng.randrange(300, 500, 50),
        "meal": rng.randrange(80, 200, 20),
        "traffic": rng.choice([50, 80, 100]),
        "submit_days": rng.choice([15, 30]),
        "pay_days": rng.choice([5, 10, 15]),
        "loan_max": rng.choice([5000, 10000, 20000]),
        "annual_leave": rng.choice([5, 10, 15]),
        "sick_days": rng.choice([5, 10]),
        "late_min": rng.choice([10, 15, 30]),
        "work_start": rng.choice(["8:30", "9:00", "9:30"]),
        "work_end": rng.choice(["17:30", "18:00", "18:30"]),
        "effective": f"{rng.randint(2020, 2025)}年{rng.randint(1, 12)}月1日",
        "n": lambda: rng.randint(2, 9),
        "amount": lambda: f"{rng.randint(200, 20000)}",
        "city": lambda: rng.choice(["北京", "上海", "深圳", "杭州", "成都", "武汉", "西安", "南京"]),
    }


def _zh_security(rng: random.Random, f: dict[str, Any]) -> dict[str, Any]:
    table = [["级别", "说明", "示例", "保护要求"],
             ["公开", "可对外发布的信息", "官网新闻、产品手册", "无特殊要求"],
             ["内部", "仅限公司内部使用", "内部通知、组织架构", "不得对外发送"],
             ["秘密", "泄露会损害公司利益", "合同、客户名单、源代码", f"加密存储，保存{f['ret_years']}年"],
             ["机密", "泄露会造成严重损失或违法", "个人信息、薪酬数据、密钥", "加密存储，访问留痕，专人审批"]]
    return {
        "title": rng.choice(["信息安全管理制度", "信息安全管理办法", "网络与信息安全管理规定"]),
        "dept": "信息安全部",
        "table_article": "数据分级",
        "table": table,
        "chapters": [
            ("总则", [
                ("目的", ["为[加强|规范]{company}信息安全管理，保护公司信息资产和客户数据安全，[根据|依据]《中华人民共和国网络安全法》《中华人民共和国个人信息保护法》等法律法规，制定本制度。"]),
                ("适用范围", ["本制度适用于公司全体员工、实习生及[外包人员|第三方服务人员]，覆盖公司所有办公场所和业务系统。"]),
                ("职责分工", ["信息安全部是本制度的归口管理部门，负责制度的制定、解释、监督检查和[年度评审|定期修订]。", "各部门负责人是本部门信息安全的第一责任人。"]),
            ]),
            ("账号与密码管理", [
                ("密码要求", ["系统密码长度不得少于{pw_len}位，须同时包含大写字母、小写字母、数字和特殊字符，[每|至少每]{pw_days}天更换一次。", "[严禁|禁止]将密码写在纸上或通过即时通讯工具发送。"]),
                ("多因素认证", ["访问企业邮箱、VPN及{core_system}等核心系统时必须启用多因素认证，[不得|严禁]将认证设备交由他人使用。"]),
                ("账号锁定", ["连续输错密码{lock_n}次，账号将被自动锁定{lock_min}分钟。", "员工离职当日，其全部系统账号应予以停用。"]),
            ]),
            ("数据分类与保护", [
                ("数据分级", ["公司数据按敏感程度分为公开、内部、秘密、机密四个级别，数据所有者负责确定级别，各级别的保护要求如下表。"]),
                ("数据传输", ["秘密级以上数据对外传输时必须加密，并经部门负责人审批。"]),
            ]),
            ("终端与网络安全", [
                ("终端安全", ["公司配发的笔记本电脑必须启用全盘加密，屏幕在无操作{screen_min}分钟后自动锁定。", "操作系统和应用软件的安全补丁应在发布后{patch_days}日内完成安装。"]),
                ("网络接入", ["严禁在办公网络中私自架设无线接入点；远程访问公司内网须通过VPN。"]),
            ]),
            ("安全事件报告", [
                ("报告时限", ["发现信息安全事件后，员工应在{report_hours}小时内通过{hotline}或邮件security@{domain}报告信息安全部。"]),
                ("处置流程", ["信息安全部应在接报后{respond_hours}小时内完成初步研判，重大事件须同时报告公司管理层。", "对经核实的有效报告，公司给予{reward}元奖励。"]),
            ]),
        ],
        "scenarios": [
            "去年第{n}季度，公司共开展钓鱼邮件演练{n}次，员工报告率较上一年度有所提升。",
            "员工赴{city}出差期间丢失笔记本电脑的，应立即报告，信息安全部将远程擦除设备数据。",
            "各部门每年应组织不少于{train_hours}学时的信息安全培训，培训记录保存{ret_years}年。",
            "第三方人员访问公司系统前，应签署保密协议，并由接待部门负责全程陪同和权限回收。",
            "对违反本制度造成损失的，公司将视情节轻重给予通报批评、经济处罚直至解除劳动合同。",
            "{year}年{month}月，{unit}一名员工收到冒充IT服务台的钓鱼邮件，及时报告后信息安全部在一小时内完成全员拦截。",
            "{unit}申请开通外部云盘访问权限，经评估数据级别为秘密级，最终改为通过公司文件传输平台共享。",
            "{year}年第{n}季度账号权限复核中，共清理长期未使用账号{n}十余个。",
            "员工离职时，部门负责人应在离职当日确认其账号已停用、设备已归还。",
            "{unit}在{city}举办客户活动期间使用公共无线网络的，须全程连接公司VPN。",
        ],
    }


def _zh_travel(rng: random.Random, f: dict[str, Any]) -> dict[str, Any]:
    table = [["费用项目", "一类城市（元）", "其他城市（元）", "说明"],
             ["住宿费（每晚）", str(f["hotel_1"]), str(f["hotel_2"]), "凭发票实报实销"],
             ["伙食补助（每天）", str(f["meal"]), str(f["meal"] - 20), "按出差天数包干"],
             ["市内交通（每天）", str(f["traffic"]), str(f["traffic"] - 20), "包干使用"],
             ["高铁/动车", "二等座", "二等座", "部门经理以上可乘一等座"]]
    return {
        "title": rng.choice(["差旅费管理办法", "差旅及费用报销管理规定", "员工差旅费报销制度"]),
        "dept": "财务部",
        "table_article": "报销标准",
        "table": table,
        "chapters": [
            ("总则", [
                ("目的", ["为规范{company}员工差旅管理，合理控制差旅费用支出，制定本办法。"]),
                ("适用范围", ["本办法适用于公司全体正式员工及经批准出差的实习人员。"]),
            ]),
            ("出差审批", [
                ("审批流程", ["员工出差前须在OA系统提交出差申请，经部门负责人审批后方可预订交通和住宿。", "出差期限超过{long_trip}天的，还须经分管副总审批。"]),
                ("借款", ["因公出差确需借支备用金的，单笔借款不超过{loan_max}元，出差结束后应及时冲账。"]),
            ]),
            ("费用标准", [
                ("报销标准", ["一类城市指北京、上海、广州、深圳，其余为其他城市。具体标准如下表。"]),
                ("超标处理", ["超出标准的部分由员工个人承担，确因特殊情况超标的，须事先书面报批。"]),
            ]),
            ("报销管理", [
                ("报销时限", ["员工应在出差结束后{submit_days}日内提交报销单及合规发票，财务部审核通过后{pay_days}个工作日内付款。"]),
                ("票据要求", ["发票抬头须为公司全称，遗失发票的须提供情况说明并经部门负责人签字确认。"]),
            ]),
        ],
        "scenarios": [
            "员工赴{city}参加展会，因会期住宿价格上涨，经事先审批后按实际金额{amount}元报销。",
            "同一城市多人同行出差的，原则上两人合住一间标准间。",
            "出差期间发生的私人消费，如洗衣、娱乐等，一律不予报销。",
            "{year}年{month}月，{unit}员工赴{city}拜访客户，因航班延误产生的机场住宿费{amount}元经审批后予以报销。",
            "{unit}组织员工赴{city}参加培训，统一预订协议酒店，住宿费由公司直接结算。",
            "出差人员乘坐出租车的，应在报销单中注明起止地点和事由。",
            "员工出差期间因公招待客户的，须事先取得部门负责人同意，并在报销时附上招待对象名单。",
            "{year}年审计发现{unit}存在重复报销发票{n}张，相关款项已全部追回。",
            "财务部每月对差旅报销进行抽查，抽查比例不低于{audit_pct}%。",
        ],
    }


def _zh_attendance(rng: random.Random, f: dict[str, Any]) -> dict[str, Any]:
    table = [["假别", "天数", "薪资", "所需材料"],
             ["年休假", f"{f['annual_leave']}天起，按工龄递增", "全额", "提前三个工作日申请"],
             ["病假", f"每年{f['sick_days']}天带薪", "全额", "二级以上医院证明"],
             ["婚假", "3天", "全额", "结婚证"],
             ["产假", "158天", "按规定发放", "医院证明"],
             ["丧假", "3天", "全额", "相关证明"]]
    return {
        "title": rng.choice(["员工考勤与休假管理规定", "考勤及假期管理办法"]),
        "dept": "人力资源部",
        "table_article": "假期类别",
        "table": table,
        "chapters": [
            ("总则", [
                ("目的", ["为规范{company}考勤管理，保障员工休息休假权利，根据《中华人民共和国劳动法》制定本规定。"]),
                ("适用范围", ["本规定适用于与公司签订劳动合同的全体员工。"]),
            ]),
            ("工作时间", [
                ("作息时间", ["公司实行标准工时制，工作时间为{work_start}至{work_end}，午休一小时。"]),
                ("迟到早退", ["迟到或早退{late_min}分钟以内的，每月累计不超过{late_times}次不予处理。"]),
            ]),
            ("休假管理", [
                ("假期类别", ["员工享有的带薪假期如下表所示，请假须通过OA系统提交申请。"]),
                ("年休假", ["年休假原则上应在当年休完，确因工作原因未休的，可顺延至次年第一季度。"]),
            ]),
        ],
        "scenarios": [
            "员工因公外出未能打卡的，应在{punch_days}个工作日内提交补卡申请。",
            "连续旷工超过{absent_days}天的，按严重违反规章制度处理。",
            "加班须事先审批，工作日加班优先安排调休。",
            "{year}年{month}月，{unit}因项目上线连续加班{n}天，事后已全部安排调休。",
            "员工请病假超过{n}天的，应在返岗后提交医院出具的病假证明。",
            "{unit}员工在{city}外派期间，考勤以当地办公室打卡记录为准。",
            "年休假应至少提前三个工作日申请，春节等高峰期间须提前两周申请。",
            "因不可抗力无法正常到岗的，经部门负责人确认后不视为缺勤。",
            "{city}分公司可结合当地实际制定实施细则，报人力资源部备案。",
        ],
    }


_ZH_EXTRA_ARTICLES = [
    ("监督检查", ["{dept}每年至少组织[一次|两次]专项检查，检查结果纳入部门年度绩效考核。", "被检查部门应积极配合，如实提供相关资料，不得隐瞒或拖延。"]),
    ("培训与宣传", ["新员工入职后{train_days}个工作日内须完成本制度培训并通过考试。", "{dept}每年通过内部网站、专题讲座等形式开展宣传，提高全员的制度意识。"]),
    ("违规处理", ["违反本制度的，视情节轻重给予警告、通报批评、扣减绩效直至解除劳动合同。", "涉嫌违法犯罪的，依法移交司法机关处理。"]),
    ("保密要求", ["员工对工作中知悉的公司商业秘密和个人信息负有保密义务，离职后仍须遵守。", "未经授权，不得复制、摘抄或以任何方式向外部人员提供相关资料。"]),
    ("记录保存", ["依据本制度形成的审批单、报销单及检查记录，由归口部门统一归档，保存期限不少于{ret_years}年。", "电子记录应定期备份，备份介质异地存放。"]),
    ("分支机构", ["各分公司、子公司可依据本制度制定实施细则，报{dept}备案后执行。", "实施细则与本制度不一致的，以本制度为准。"]),
    ("信息化管理", ["相关申请、审批流程统一在OA系统中办理，纸质单据仅作为补充。", "系统中的审批记录与纸质签字具有同等效力。"]),
    ("考核评价", ["本制度的执行情况纳入各部门负责人年度考核，考核结果与绩效奖金挂钩。", "连续两年考核优秀的部门，公司给予通报表扬。"]),
    ("持续改进", ["{dept}应结合内外部审计发现和员工反馈，每年对本制度进行评估，必要时予以修订。", "修订后的制度经总经理办公会审议通过后发布。"]),
    ("例外审批", ["确因业务需要无法执行本制度的，须填写例外申请单，经{dept}负责人和分管副总经理审批。", "例外审批的有效期最长不超过{exc_months}个月，到期须重新申请。"]),
    ("第三方管理", ["与供应商、外包单位开展合作时，应在合同中明确其应遵守的相关要求。", "合作结束后，应及时收回其访问权限和公司资料。"]),
    ("举报渠道", ["员工发现违反本制度的行为，可通过内部举报邮箱或{hotline}实名或匿名举报。", "公司对举报人信息严格保密，严禁任何形式的打击报复。"]),
]


def _zh_units(rng: random.Random, f: dict[str, Any], topic: dict[str, Any], sections: list[Section]) -> Any:
    chapters = [s.title for s in sections if s.level == 1 and s.title not in ("总则", "附则")]
    body = [s for s in sections if s.level == 2 and s.title not in ("联系方式", "奖励发放", "解释权", "生效日期")]

    def src_articles() -> Any:
        arts = list(_ZH_EXTRA_ARTICLES)
        rng.shuffle(arts)
        for title, templates in arts:
            sec = Section(title, 2, [])
            yield _Unit(sec, _para(rng, f, templates, joiner=""), "after:" + rng.choice(chapters))

    def src_deck() -> Any:
        d = list(topic["scenarios"])
        rng.shuffle(d)
        while d:
            k = rng.randint(1, 2)
            chunk, d[:] = d[:k], d[k:]
            yield _Unit(rng.choice(body), "".join(_spin(t, rng, f) for t in chunk))

    def src_fallback() -> Any:
        while True:
            yield _Unit(rng.choice(body), _para(rng, f, topic["scenarios"], n=rng.randint(1, 3), joiner=""))

    yield from _round_robin(src_articles(), src_deck())
    yield from src_fallback()



_ZH_TOPICS = [_zh_security, _zh_travel, _zh_attendance]


def _zh_policy(rng: random.Random, plant_pii: bool) -> tuple[DocSpec, list[tuple[str, str]], Iterator[_Unit]]:
    company, domain = rng.choice(_ZH_COMPANIES)
    f = _facts_zh(rng, company, domain)
    topic = rng.choice(_ZH_TOPICS)(rng, f)
    f["dept"] = topic["dept"]
    planted: list[tuple[str, str]] = []
    sections: list[Section] = []
    for chapter, articles in topic["chapters"]:
        sections.append(Section(chapter, 1, []))
        for title, templates in articles:
            sections.append(Section(title, 2, [_para(rng, f, templates, joiner="")],
                                    table=topic["table"] if title == topic["table_article"] else None))
    # 附则 chapter: contact with planted data, interpretation, effective date
    sections.append(Section("附则", 1, []))
    if plant_pii:
        used: set[str] = set()
        owner, deputy = _zh_name(rng, used), _zh_name(rng, used)
        rid, _ = _cn_resident_id(rng)
        mobile, mobile2 = _cn_mobile(rng), _cn_mobile(rng)
        card = _unionpay(rng)
        addr = _cn_address(rng)
        sections.append(Section("联系方式", 2, [
            _spin(f"本制度执行中的问题，请联系{topic['dept']}。", rng, f),
            f"联系人：{owner}<br/>手机：{mobile}<br/>身份证号：{rid}<br/>办公地址：{addr}",
        ]))
        sections.append(Section("奖励发放", 2, [
            f"经核实的奖励款项由财务部转入员工本人工资卡。示例：员工{deputy}（手机{mobile2}）的奖励已转入其银行卡{card}。"
        ]))
        planted += [("PERSON", owner), ("CN_MOBILE", mobile), ("CN_RESIDENT_ID", rid),
                    ("STREET_ADDRESS", addr), ("PERSON", deputy), ("CN_MOBILE", mobile2),
                    ("CN_BANK_CARD", card)]
    sections.append(Section("解释权", 2, [f"本制度由{escape(topic['dept'])}负责解释。"]))
    sections.append(Section("生效日期", 2, [_spin("本制度自{effective}起施行，原相关规定同时废止。", rng, f)]))

    spec = DocSpec(
        title=topic["title"],
        sections=sections,
        header=f"{company} 内部资料",
        language="zh",
        subtitle=f"文件编号：{rng.choice(['XA', 'CW', 'RL'])}-{rng.randint(2019, 2025)}-{rng.randint(1, 30):03d}　版本：V{rng.randint(1, 5)}.{rng.randint(0, 9)}　发布部门：{topic['dept']}",
        author=company,
    )
    return spec, planted, _zh_units(rng, f, topic, sections)


# --------------------------------------------------------------------------------------
# Public generators
# --------------------------------------------------------------------------------------


_SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=[A-Z])|(?<=。)|(?<=\.)$")


def _contains(spec: DocSpec, sec: Section) -> bool:
    return any(s is sec for s in spec.sections)


def _add_unit(spec: DocSpec, u: _Unit) -> None:
    secs = spec.sections
    if not _contains(spec, u.section):
        where = u.anchor or "end"
        pos = len(secs)
        if where.startswith(("after:", "before:")):
            title = where.split(":", 1)[1]
            idx = next((i for i, s in enumerate(secs) if s.title == title), None)
            if idx is not None:
                if where.startswith("before:"):
                    pos = idx
                else:
                    lvl = secs[idx].level
                    pos = idx + 1
                    while pos < len(secs) and secs[pos].level > lvl:
                        pos += 1
        secs.insert(pos, u.section)
    u.section.paragraphs.append(u.text)


def _remove_unit(spec: DocSpec, u: _Unit) -> None:
    u.section.paragraphs.pop()  # units are removed in reverse order of addition
    if u.anchor is not None and not u.section.paragraphs:
        spec.sections[:] = [s for s in spec.sections if s is not u.section]


def policy_document(seed: int, *, pages: int = 4, language: Literal["en", "zh"] = "en",
                    plant_pii: bool = True, outline: bool = True) -> tuple[DocSpec, list[tuple[str, str]]]:
    """A realistic company policy of exactly ``pages`` pages (for ``pages >= 2``; the core
    content needs two pages, so ``pages=1`` gives 2).

    The page count is hit by laying the document out repeatedly: filler paragraphs (more
    worked examples, definitions, roles, FAQ, revision history; for Chinese extra 条 articles)
    are added until the target is reached, then removed one by one if it overshoots, then core
    paragraphs/sentences are trimmed if the core alone is too long.

    The content (company, topic, numbers, names, sentence order and wording) varies with
    ``seed``; the same seed gives the same document. English documents always contain one
    table, a word hyphenated across a forced line break (``reimburse-<br/>ment``), a long
    governance paragraph and, with ``plant_pii``, a contact block and a prose paragraph with
    personal data. Chinese documents use 第一章 / 第一条 headings, a table and (with
    ``plant_pii``) a contact article with a name, mobile number, resident ID and address plus
    a UnionPay card number in prose.
    """
    rng = random.Random(f"policy-{seed}-{language}")
    make = _zh_policy if language == "zh" else _en_policy
    spec, planted, units = make(rng, plant_pii)
    spec.outline = outline
    if pages < 1:
        raise ValueError("pages must be >= 1")

    added: list[_Unit] = []
    n = count_pages(spec)
    guard = 0
    while n < pages and guard < 60:
        guard += 1
        paras_now = sum(len(s.paragraphs) for s in spec.sections) + 4
        k = max(1, int((pages - n) * paras_now / max(n, 1) * 0.7))
        for _ in range(k):
            u = next(units)
            _add_unit(spec, u)
            added.append(u)
        n = count_pages(spec)
    while n > pages and added:
        _remove_unit(spec, added.pop())
        n = count_pages(spec)
    if n > pages:
        # the core content alone is too long: drop later paragraphs of multi-paragraph
        # sections (never the hyphenation example or a paragraph with planted values)
        values = [v for _, v in planted]
        candidates = [(sec, p) for sec in spec.sections for p in sec.paragraphs[1:]
                      if "-<br/>" not in p and not any(v in markup_to_text(p) for v in values)]
        while n > pages and candidates:
            sec, p = candidates.pop()
            sec.paragraphs.remove(p)
            n = count_pages(spec)
    guard = 0
    while n > pages and guard < 60:
        # still too long: cut the last sentence of the longest eligible paragraph
        guard += 1
        values = [v for _, v in planted]
        best: tuple[int, Section, int] | None = None
        for sec in spec.sections:
            for i, p in enumerate(sec.paragraphs):
                if "<br/>" in p or any(v in markup_to_text(p) for v in values):
                    continue
                if len(_SENTENCE_END.findall(p)) > 1 and (best is None or len(p) > best[0]):
                    best = (len(p), sec, i)
        if best is None:
            break
        _, sec, i = best
        p = sec.paragraphs[i]
        cuts = [m.end() for m in _SENTENCE_END.finditer(p)]
        sec.paragraphs[i] = p[: cuts[-2]].rstrip()
        n = count_pages(spec)
    return spec, planted


def corpus(n_docs: int, pages_per_doc: int, seed: int) -> list[tuple[DocSpec, list[tuple[str, str]]]]:
    """``n_docs`` distinct policies of ``pages_per_doc`` pages each.

    Every 5th document is Chinese; every 4th has no outline (headings must be found from
    font sizes); every 3rd uses a "- N -" footer instead of "Page N of M"; every 6th has
    unnumbered headings. All carry planted personal data.
    """
    out = []
    for i in range(n_docs):
        lang: Literal["en", "zh"] = "zh" if i % 5 == 4 else "en"
        spec, planted = policy_document(seed * 100_003 + i, pages=pages_per_doc, language=lang,
                                         outline=(i % 4 != 3))
        if i % 3 == 2:
            spec.footer_style = "dash"
        if i % 6 == 5:
            spec.numbered = False
        out.append((spec, planted))
    return out


def _slug(title: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return s or "doc"


def write_corpus(directory: Path, n_docs: int, pages_per_doc: int, seed: int) -> list[GeneratedPDF]:
    """Write :func:`corpus` to ``directory`` as ``NNN-title.pdf`` files."""
    directory = Path(directory)
    out = []
    for i, (spec, planted) in enumerate(corpus(n_docs, pages_per_doc, seed)):
        name = f"{i:03d}-{_slug(spec.title) if spec.language == 'en' else 'zh-policy'}.pdf"
        out.append(GeneratedPDF(write_pdf(spec, directory / name), spec, planted))
    return out


def image_only_pdf(path: Path, *, seed: int = 0, pages: int = 1) -> Path:
    """A PDF whose pages hold only vector shapes and an embedded raster image: no text at all
    (what a scanned document looks like to a text extractor)."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    c = Canvas(str(path), pagesize=LETTER, invariant=1)
    w, h = LETTER
    for _ in range(pages):
        c.setFillColor(colors.HexColor("#D9E1F2"))
        c.rect(60, h - 120, w - 120, 50, stroke=0, fill=1)
        c.setStrokeColor(colors.HexColor("#1F3864"))
        c.setLineWidth(2)
        for k in range(12):
            y = h - 160 - k * 18
            c.line(70, y, 70 + rng.randint(200, int(w) - 160), y)  # looks like lines of text
        c.setFillColor(colors.HexColor("#C00000"))
        c.circle(w - 120, 140, 40, stroke=0, fill=1)
        # a "scanned" raster: gradient with noise and some dark strokes
        img = Image.new("L", (480, 300), 235)
        draw = ImageDraw.Draw(img)
        for row in range(20, 280, 22):
            draw.line((20, row, rng.randint(200, 460), row), fill=40, width=5)
        noise = Image.frombytes("L", img.size, rng.randbytes(img.size[0] * img.size[1]))
        img = Image.blend(img, noise, 0.12).convert("RGB")
        c.drawImage(ImageReader(img), 70, 180, width=360, height=225)
        c.showPage()
    c.save()
    return path
