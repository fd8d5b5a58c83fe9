"""Heading rules, one set for every parser: numbering (``1.2 Scope``, ``第三章 总则``,
``第二条``), the shapes of a stand-alone heading line, and article splitting.

The PDF parser sees lines out of a layout, so it asks `looks_like_heading` and takes the level
from the numbering alone (`heading_level_from_numbering`). The text parser sees whole
paragraphs; a one-line paragraph is a heading when `text_heading_level` says so, with Chinese
units levelled by `ChineseOutline` (a 条 under a 章 and a 节 is level 3, alone level 1).
"""

from __future__ import annotations

import re

CN_NUMERAL = "一二三四五六七八九十百千零〇两0-9"
# 第X章 / 第X节 / 第X条 (條) / 第X部 / 第X编, not directly followed by punctuation ("第二条，").
_CHINESE_UNIT = re.compile(rf"^第[{CN_NUMERAL}]+\s*([章节条條部编])(?![，。；,;])")
_ARTICLE = re.compile(rf"^(第[{CN_NUMERAL}]+\s*条)\s*(.*)$")
_CN_LEVEL = {"编": 1, "部": 1, "章": 1, "节": 2, "条": 3}
# "1.2 Scope" (a space before the title), or in plain text also "1.Scope" (a letter after).
_DECIMAL = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,4})\.?\s+\S")
_DECIMAL_ATTACHED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?(?:\s+|(?=[^\W\d_]))")
_LAYOUT_SENTENCE_END = re.compile(r"[.。!！?？;；:：,，]$")
_TEXT_SENTENCE_END = (".", ",", ";", ":", "。", "，", "；", "：", "!", "?", "！", "？")
MAX_HEADING_CHARS = 80
MAX_CJK_HEADING_CHARS = 40


def chinese_unit(line: str) -> str | None:
    """章 / 节 / 条 / 部 / 编 when the line opens with 第X of that unit (條 reads as 条)."""
    match = _CHINESE_UNIT.match(line)
    return match.group(1).replace("條", "条") if match else None


def decimal_number(line: str, *, attached: bool = False) -> str | None:
    """The leading section number ("1.2"), or None. `attached` also accepts "1.Scope"."""
    match = (_DECIMAL_ATTACHED if attached else _DECIMAL).match(line)
    return match.group(1) if match else None


def is_numbered(line: str) -> bool:
    return chinese_unit(line) is not None or decimal_number(line, attached=True) is not None


def heading_level_from_numbering(line: str) -> int | None:
    """Level implied by a heading's numbering, or None when it has none."""
    text = line.strip()
    unit = chinese_unit(text)
    if unit is not None:
        return _CN_LEVEL[unit]
    number = decimal_number(text)
    return number.count(".") + 1 if number is not None else None


def looks_like_heading(line: str) -> bool:
    """A short numbered line that does not read like a sentence or a list item."""
    text = " ".join(line.split())
    if not text or len(text) > MAX_HEADING_CHARS:
        return False
    if chinese_unit(text) is not None:
        # "第二条 员工应当……" is an article heading followed by its text.
        return True
    match = _DECIMAL.match(text)
    if not match or _LAYOUT_SENTENCE_END.search(text):
        return False
    words = text[match.end(1) :].split()
    # "1. Submit the form" is a list item; "1.2 Travel Approval" is a heading: multi-level
    # numbers count, single numbers need a short title-case phrase.
    if "." in match.group(1).rstrip("."):
        return len(words) <= 12
    return len(words) <= 8 and all(w[:1].isupper() or not w[:1].isalpha() for w in words)


def split_article(line: str) -> tuple[str, str]:
    """Split "第二条 员工应当……" into ("第二条", "员工应当……"); other lines stay whole."""
    match = _ARTICLE.match(line)
    if match and len(match.group(2)) > 20:
        return match.group(1), match.group(2)
    return line, ""


class ChineseOutline:
    """Tracks 第X章 / 第X节 so that a section or article takes the next level down."""

    def __init__(self) -> None:
        self.in_chapter = False
        self.in_section = False

    def level(self, unit: str) -> int:
        if unit in ("章", "部", "编"):
            self.in_chapter, self.in_section = True, False
            return 1
        if unit == "节":
            self.in_section = True
            return 1 + self.in_chapter
        return 1 + self.in_chapter + self.in_section  # 条


def text_heading_level(line: str, outline: ChineseOutline) -> int:
    """The heading level of a stand-alone line of plain text, or 0 when it reads like a
    sentence: Chinese units (levelled by the outline), section numbers, or an all-capitals
    line."""
    if line.endswith(_TEXT_SENTENCE_END):
        return 0
    unit = chinese_unit(line)
    if unit is not None:
        return outline.level(unit) if len(line) <= MAX_CJK_HEADING_CHARS else 0
    if len(line) > MAX_HEADING_CHARS:
        return 0
    number = decimal_number(line, attached=True)
    if number is not None:
        return number.count(".") + 1
    letters = [c for c in line if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters if c.isascii()) and any(
        c.isascii() for c in letters
    ):
        return 1
    return 0
