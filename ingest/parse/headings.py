"""Heading heuristics from numbering: ``1.2 Scope``, ``第三章 总则``, ``第二条``."""

from __future__ import annotations

import re

_CN_NUM = "一二三四五六七八九十百零〇两0-9"
_DECIMAL = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,4})\.?\s+\S")
_CHAPTER = re.compile(rf"^第[{_CN_NUM}]+\s*([章节条部编])")
_ARTICLE = re.compile(rf"^(第[{_CN_NUM}]+\s*条)\s*(.*)$")
_CN_LEVEL = {"编": 1, "部": 1, "章": 1, "节": 2, "条": 3}
_SENTENCE_END = re.compile(r"[.。!！?？;；:：,，]$")


def heading_level_from_numbering(line: str) -> int | None:
    """Level implied by a heading's numbering, or None when it has none."""
    text = line.strip()
    match = _CHAPTER.match(text)
    if match:
        return _CN_LEVEL[match.group(1)]
    match = _DECIMAL.match(text)
    if match:
        return match.group(1).count(".") + 1
    return None


def looks_like_heading(line: str) -> bool:
    """A short numbered line that does not read like a sentence or a list item."""
    text = " ".join(line.split())
    if not text or len(text) > 80:
        return False
    if _CHAPTER.match(text):
        # "第二条 员工应当……" is an article heading followed by its text.
        return True
    match = _DECIMAL.match(text)
    if not match or _SENTENCE_END.search(text):
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
