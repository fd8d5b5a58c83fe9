"""Cleaning: text-level repairs shared by the parsers.

Page furniture (running headers, footers, page numbers) is found by comparing the edges of
pages; broken words are re-joined; ligatures, soft hyphens and control characters go.
"""

from __future__ import annotations

import re
from collections import Counter

_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u200b\ufeff]")
_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(
    r"^(?:page\s*)?[-–—\s]*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?[-–—\s]*$|^第\s*\d{1,4}\s*页(?:\s*[/，,]?\s*共\s*\d{1,4}\s*页)?$",
    re.IGNORECASE,
)
# A word broken at a line end: "reimburse-\nment" -> "reimbursement". Only between lowercase
# letters, so "COVID-\n19" or "e-\nMail" style compounds are left alone.
_HYPHEN_BREAK = re.compile(r"([a-z])-\n\s*([a-z])")
_EDGE_LINES = 2


def clean_text(text: str) -> str:
    """Remove control characters and soft hyphens, expand ligatures."""
    return _CONTROL.sub("", text.translate(_LIGATURES))


def join_hyphenated(text: str) -> str:
    return _HYPHEN_BREAK.sub(r"\1\2", text)


def is_page_number(line: str) -> bool:
    return bool(_PAGE_NUMBER.match(line.strip()))


def _furniture_key(line: str) -> str:
    return _DIGITS.sub("#", " ".join(line.split())).lower()


def remove_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Drop running headers/footers and page numbers from per-page line lists.

    A line among the first or last two non-empty lines of a page is furniture when the same
    line (digits ignored) sits at a page edge on at least half of the pages, or when it is a
    bare page number. Lines in the middle of a page are never touched.
    """
    def edges(lines: list[str]) -> tuple[list[int], list[int]]:
        content = [i for i, line in enumerate(lines) if line.strip()]
        return content[:_EDGE_LINES], content[-_EDGE_LINES:]

    top_counts: Counter[str] = Counter()
    bottom_counts: Counter[str] = Counter()
    for lines in pages:
        top, bottom = edges(lines)
        top_counts.update({_furniture_key(lines[i]) for i in top})
        bottom_counts.update({_furniture_key(lines[i]) for i in bottom})
    threshold = max(2, (len(pages) + 1) // 2)
    repeated_top = {key for key, count in top_counts.items() if count >= threshold}
    repeated_bottom = {key for key, count in bottom_counts.items() if count >= threshold}

    cleaned = []
    for lines in pages:
        top, bottom = edges(lines)
        drop = {i for i in top if _furniture_key(lines[i]) in repeated_top or is_page_number(lines[i])}
        drop |= {i for i in bottom if _furniture_key(lines[i]) in repeated_bottom or is_page_number(lines[i])}
        cleaned.append([line for i, line in enumerate(lines) if i not in drop])
    return cleaned
