"""Phone numbers in international and national formats, checked with ``phonenumbers``.

One regex finds digit groups shaped like a written number (``+351 21 259 903``,
``(37) 788-063``, ``60-56-85-91``, ``07700 063 966``); each candidate is then parsed by
Google's libphonenumber (the ``phonenumbers`` package): a number written with ``+`` or
``00`` must be a possible number of its country, a national one a valid number of one of
``REGIONS`` (tried in turn, results cached). The score says how sure the shape is:

* ``+``/``00`` and a possible number: 0.75 (0.85 when also valid; 0.5 when neither but it
  has 8 digits or more: a plus and digit groups is how phone numbers are written);
* national, in two or more groups (or with a bracketed area code), 7-15 digits, valid in
  some region: 0.5;
* six digits in groups, or one unbroken run: 0.2 / 0.25, enough only next to a phone word
  ("Phone:", "call", "fax", "mobile" ...), which Presidio's context enhancer adds.

Dates, year ranges, thousands (``1 000 000``), versions and identifiers after ``ISBN``,
``order`` and the like are never candidates.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import phonenumbers
import regex as re
from presidio_analyzer import RecognizerResult

from ingest.pii.common import ScanningRecognizer
from ingest.pii.phone_data import NOT_PHONE_CUES, NOT_PHONE_CUES_ZH, PHONE_CONTEXT, REGIONS

_CANDIDATE = re.compile(
    r"(?<![\p{Latin}\p{N}_+@/#.:-])(?<!\d,)"  # CJK may touch the number: 电话415-555-0134
    r"(?:(?:\+|00)\d{1,3}(?:[ .-]?\(0\))?[ .-]?)?"  # country code, (0) trunk
    r"(?:\(\d{1,5}\)[ .-]?)?"  # bracketed area code
    r"\d{1,14}(?:(?:[ .-]|\s?/\s?)\d{1,8}){0,7}"
    r"(?![\p{Latin}\p{N}_@]|[.,:/]\d|-\d)",
    re.MULTILINE,
)
_DATE = re.compile(
    r"^(?:(\d{1,2})([./-])(\d{1,2})\2((?:19|20)?\d{2})|((?:19|20)\d{2})([./-])(\d{1,2})\6(\d{1,2})"
    r"|(?:19|20)\d{2}\s?[-/]\s?(?:19|20)?\d{2})$"
)
_THOUSANDS = re.compile(r"^\d{1,2}(?:([ .])\d{3})(?:\1\d{3})*$|^\d{1,3}(?:([ .])\d{3})*\2000$")
_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_GROUP_SPLIT = re.compile(r"[^\d]+")
_CUE_BEFORE = re.compile(r"([A-Za-z#№]+)[\s:.#№-]*(?:(?:is|was|no|number|nr)[\s:.#№-]*)?$")
_CONTEXT_BOOST = 0.35  # what Presidio's context enhancer adds
_WORD_RE = re.compile(r"\p{L}+")


@lru_cache(maxsize=4096)
def national_regions(number: str) -> tuple[str, ...]:
    """The first region of ``REGIONS`` where ``number`` (as written) is a valid number."""
    for region in REGIONS:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return (region,)
    return ()


@lru_cache(maxsize=4096)
def international(number: str) -> tuple[bool, bool]:
    """(possible, valid) of a number written with + or 00."""
    text = "+" + number[2:] if number.startswith("00") else number
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return False, False
    return phonenumbers.is_possible_number(parsed), phonenumbers.is_valid_number(parsed)


def _is_date(candidate: str) -> bool:
    m = _DATE.match(candidate)
    if m is None:
        return False
    if m.group(1):
        a, b = int(m.group(1)), int(m.group(3))
        return 1 <= min(a, b) and a <= 31 and b <= 31 and min(a, b) <= 12
    if m.group(5):
        return 1 <= int(m.group(7)) <= 12 and 1 <= int(m.group(8)) <= 31
    return True


def phone_score(candidate: str, context: bool = False) -> float:
    """Score of one candidate string; 0 when it is no phone number. ``context``: a phone
    word stands next to it (then dates and thousands are not ruled out, the score rises)."""
    score = _shape_score(candidate, context)
    return min(score + _CONTEXT_BOOST, 1.0) if score and context else score


def _shape_score(candidate: str, context: bool) -> float:
    digits = "".join(ch for ch in candidate if ch.isdigit())
    n = len(digits)
    if not 6 <= n <= 15:
        return 0.0
    groups = [g for g in _GROUP_SPLIT.split(candidate) if g]
    if candidate.startswith(("+", "00")) and (candidate.startswith("+") or len(groups) > 1):
        if n < 7:
            return 0.0
        if digits.startswith(("86", "0086")) and digits[-11] == "1" and n in (13, 15):
            return 0.5  # a mainland mobile: CN_MOBILE names it
        possible, valid = international(candidate)
        return 0.85 if valid else 0.75 if possible else 0.5 if n >= 8 else 0.0
    if _is_date(candidate) or _IP.match(candidate):
        return 0.0
    if not context and _THOUSANDS.match(candidate):
        return 0.0
    if not national_regions(candidate):
        return 0.0
    if len(groups) == 1:  # nine bare digits are an SSN or passport number more often
        return 0.15 if n == 9 else 0.25 if n >= 8 else 0.0
    if n == 6 or len(groups) > 6:
        return 0.2
    if len(groups) == 2 and min(len(g) for g in groups) <= 2 and "(" not in candidate:
        return 0.3  # "12 345678": too easily a count and a number
    return 0.5


class InternationalPhoneRecognizer(ScanningRecognizer):
    """PHONE_NUMBER candidates by shape, validated with ``phonenumbers`` across regions."""

    ENTITY = "PHONE_NUMBER"
    CONTEXT = tuple(PHONE_CONTEXT)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        results = []
        for m in _CANDIDATE.finditer(text):
            candidate = m.group().rstrip(" .-/")
            if not candidate or _after_not_phone_cue(text, m.start()):
                continue
            end = m.start() + len(candidate)
            context = _phone_word_near(text, m.start(), end)
            score = phone_score(candidate, context)
            if score <= 0:
                continue
            results.append(
                self.finding(m.start(), end, score, **{RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY: context})
            )
        return results


def _after_not_phone_cue(text: str, start: int) -> bool:
    m = _CUE_BEFORE.search(text, max(0, start - 24), start)
    if m and m.group(1).lower() in NOT_PHONE_CUES:
        return True
    before = text[max(0, start - 8) : start]
    return any(cue in before for cue in NOT_PHONE_CUES_ZH)


def _phone_word_near(text: str, start: int, end: int) -> bool:
    """A phone word in the 30 characters before (this line or the one above, "Phone:\\n...")
    or the 12 after on the same line ("... -Office", "... (mobile)")."""
    before = text[max(0, start - 30) : start]
    after = text[end : end + 12].split("\n", 1)[0]
    words = _WORD_RE.findall(before.lower())[-4:] + _WORD_RE.findall(after.lower())[:2]
    return any(w in _PHONE_WORDS for w in words)


_PHONE_WORDS = frozenset(PHONE_CONTEXT) | {"phones", "tel", "fax", "mob", "ph", "telefax"}
