"""Number questions of the rule generator: a sentence with an amount, percentage, date, time,
year or count becomes that sentence with the value asked for ("Full-time employees receive how
many days of paid annual leave?"; "系统密码长度不得少于多少位？")."""

from __future__ import annotations

import re
from collections.abc import Iterable

from training.pair_text import (
    _EN_CLAUSE_END,
    _FUNCTION_WORDS,
    _VAGUE_STARTS,
    PLACEHOLDER,
    _Chunk,
    _first_upper,
    _question_mark,
)

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_UNITS = frozenset(
    """second seconds minute minutes hour hours day days week weeks month months year years
    time times character characters user users guest guests people person persons employee
    employees session sessions password passwords recipient recipients attempt attempts
    dashboard dashboards document documents page pages item items trip trips night nights
    mile miles kilometre kilometres kilometer kilometers gb mb tb percent words digits
    members colleagues goals""".split()
)
_EN_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(
        rf"(?<![\w.\-])(?:(?:USD|EUR|GBP|CNY|US\$|\$|€|£|¥)\s?(?:{_NUMBER})"
        rf"|(?:{_NUMBER})\s?(?:USD|EUR|GBP|CNY|euros?|dollars?|pounds?(?: sterling)?|yuan|RMB))(?![\w\-])"
    ), "how much"),
    (re.compile(rf"(?<![\w.\-])(?:{_NUMBER})\s?(?:%|percent\b|per cent\b)"), "what percentage"),
    (re.compile(
        rf"(?<![\w.\-])(?:\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}(?: \d{{4}})?"
        rf"|{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?(?:, \d{{4}})?)(?![\w\-])"
    ), "what date"),
    (re.compile(r"(?<![\w.:\-])\d{1,2}:\d{2}(?![\w:])"), "what time"),
    (re.compile(
        r"(?:(?<=\bin )|(?<=\bsince )|(?<=\buntil )|(?<=\bby )|(?<=\bfrom ))(?:19|20)\d{2}(?![\w\-])"
    ), "which year"),
)
_EN_COUNT = re.compile(
    rf"(?<![\w.\-$€£])(?P<num>{_NUMBER})\s+(?P<words>[A-Za-z][\w\-]*(?:\s+[A-Za-z][\w\-]*){{0,2}})"
)
_ZH_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\d{4}年\d{1,2}月\d{1,2}日"), "什么时候"),
    (re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s?(?:万元|元|块)"), "多少钱"),
    (re.compile(r"\d+(?:\.\d+)?\s?%|百分之[零〇一二两三四五六七八九十百\d.]+"), "百分之多少"),
)
_ZH_COUNT = re.compile(
    r"(?P<num>\d+(?:\.\d+)?)\s?"
    r"(?P<unit>个工作日|个月|个小时|小时|分钟|学时|工作日|天|日|周|年|次|位|人|条|页|项|份|台|GB|MB)"
)

def number_questions(chunk: _Chunk, zh: bool) -> Iterable[tuple[str, str]]:
    """(question, answer sentence) for each value (amount, percentage, date, time, year, count)
    in the chunk's sentences, at most two a sentence."""
    for sentence in chunk.sentences:
        if not zh and sentence.split(" ", 1)[0].lower() in _VAGUE_STARTS:
            continue  # "Both are open from 7:00": the question would not say what is
        masked = PLACEHOLDER.sub(lambda m: "#" * len(m.group(0)), sentence)
        spans = number_spans(masked, zh)
        for start, end, ask in spans[:2]:
            prefix, rest = sentence[:start], sentence[end:]
            # Ask with the sentence up to the end of the clause that holds the value.
            stops = [m.start() for m in re.finditer(r"[，,；;：:]" if zh else _EN_CLAUSE_END, rest)]
            stop = stops[0] if stops else len(rest)
            if zh and stops and 0 < stop < 4:  # "合作结束后5个工作日内，应收回…": add the next clause
                stop = stops[1] if len(stops) > 1 else len(rest)
            tail = rest[:stop]
            question = f"{prefix}{ask}{tail}"
            if not zh:
                question = _first_upper(question) if not prefix.strip() else question
            yield _question_mark(question, zh), sentence

def number_spans(text: str, zh: bool) -> list[tuple[int, int, str]]:
    """(start, end, how to ask for it) of each value in the text, without overlaps."""
    found: list[tuple[int, int, str]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _ in found)

    patterns = _ZH_PATTERNS if zh else _EN_PATTERNS
    for pattern, ask in patterns:
        for m in pattern.finditer(text):
            if free(m.start(), m.end()):
                found.append((m.start(), m.end(), ask))
    if zh:
        for m in _ZH_COUNT.finditer(text):
            if free(m.start(), m.end()):
                found.append((m.start(), m.end(), f"多少{m.group('unit').strip()}"))
    else:
        for m in _EN_COUNT.finditer(text):
            words = m.group("words").split()
            # the shortest run of words that ends in a unit: "25 days of paid" -> "days",
            # "3 consecutive calendar days" -> "consecutive calendar days"
            for size in range(1, len(words) + 1):
                unit_words = words[:size]
                leading = unit_words[:-1]
                if any(w[:1].isupper() or w.lower() in _FUNCTION_WORDS for w in leading):
                    break
                if unit_words[-1].lower() in _UNITS:
                    unit = " ".join(unit_words)
                    end = text.index(unit, m.start("words")) + len(unit)
                    if free(m.start(), end):
                        found.append((m.start(), end, f"how many {unit}"))
                    break
    return sorted(found)
