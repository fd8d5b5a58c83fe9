"""What a question about a financial document pins down: its period, its line item, its names.

"What were Initech's total assets as of December 31, 2022?" asks for the line item "total
assets" (item terms), of a period (year 2022, month December) and a company (name terms, the
capitalised words). Reranking boosts passages that hold these; the extractive fallback quotes
a row or sentence only when it matches all of the period and the line item, so a question
about a period or item the documents lack stays unanswered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from answer.facts import content_terms

_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_NUMBER = re.compile(r"(?<![\w.])\$?\d[\d,]*(?:\.\d+)?%?(?![\w])")
_MONTHS = {
    m[:3]: m for m in ("january", "february", "march", "april", "may", "june", "july", "august",
                       "september", "october", "november", "december")
}
_MONTH_WORD = re.compile(r"\b(" + "|".join(f"{k}[a-z]*" for k in _MONTHS) + r")\b\.?", re.IGNORECASE)
# Period kinds: the first word of "three months ended", "nine months ended", "year ended".
_KINDS = {"three": "three", "quarter": "three", "q1": "three", "q2": "three", "q3": "three", "q4": "three",
          "six": "six", "nine": "nine", "twelve": "year", "year": "year", "fiscal": "year", "annual": "year"}
# Words of a question that name neither the item nor the period.
_SUFFIX = re.compile(r"(ing|ed|es|s|e)$")


def stem(word: str) -> str:
    """A coarse stem on top of content_terms': "increased" and "increase", "bearing" and "bear" meet."""
    return _SUFFIX.sub("", word)[:6] if len(word) > 3 else word


def terms(text: str) -> set[str]:
    """The text's content terms as coarse stems."""
    return {stem(t) for t in content_terms(text)}


_ASKING = frozenset(terms(
    "what which how much many was were is are did does do the company spend spent record recorded "
    "hold held report reported have had amount value total figure as of for at in during ended ending "
    "end months month period quarter year fiscal three six nine twelve its their"
)) - terms("total")


@dataclass(frozen=True, slots=True)
class QuestionFocus:
    years: frozenset[str]
    months: frozenset[str]  # three-letter: "sep"
    kinds: frozenset[str]  # "three", "nine", "year"
    numbers: frozenset[str]  # figures in the question other than years
    item_terms: frozenset[str]  # content stems of what is asked for, names included
    name_terms: frozenset[str]  # stems of capitalised words (company, segment names)

    def item_terms_beyond(self, title: str) -> frozenset[str]:
        """The item terms less those of a document title (the company name, the form)."""
        return self.item_terms - frozenset(terms(title))

    @property
    def has_period(self) -> bool:
        return bool(self.years or self.months)


def months_in(text: str) -> set[str]:
    return {m.group(1)[:3].lower() for m in _MONTH_WORD.finditer(text)}


def kinds_in(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {_KINDS[w] for w in words if w in _KINDS}


def focus(question: str) -> QuestionFocus:
    years = frozenset(_YEAR.findall(question))
    found = {n.strip("$").rstrip("%") for n in _NUMBER.findall(question)}
    numbers = frozenset(n for n in found if not _YEAR.fullmatch(n) and not re.fullmatch(r"\d{1,2},?", n))
    names = re.findall(r"(?<!^)(?<![.?!] )\b([A-Z][a-zA-Z&]+(?:\s+[A-Z][a-zA-Z&]+)*)", question)
    name_terms = frozenset(terms(" ".join(n for n in names if n.lower()[:3] not in _MONTHS)))
    without_dates = _MONTH_WORD.sub(" ", _YEAR.sub(" ", question))
    item = terms(without_dates) - _ASKING
    return QuestionFocus(
        years=years,
        months=frozenset(months_in(question)),
        kinds=frozenset(kinds_in(question)),
        numbers=numbers,
        item_terms=frozenset(item),
        name_terms=name_terms,
    )


def period_matches(f: QuestionFocus, text: str) -> bool:
    """Every year of the question is in the text, its month when it names one, and its period
    kind (three / nine months, year) when both name one."""
    if not f.years <= set(_YEAR.findall(text)):
        return False
    if f.months and months_in(text) and not f.months <= months_in(text):
        return False
    kinds = kinds_in(text)
    return not (f.kinds and kinds and not f.kinds & kinds)


def coverage(wanted: Iterable[str], text: str) -> float:
    """Share of `wanted` (stems from `terms`) among the text's; 1.0 for none wanted."""
    wanted = set(wanted)
    if not wanted:
        return 1.0
    return len(wanted & terms(text)) / len(wanted)


def names_match(f: QuestionFocus, text: str) -> bool:
    """The names the question gives (company, segment) are all in the text (title included)."""
    return f.name_terms <= terms(text)
