"""Payment card numbers: every Luhn-valid 12-19-digit number, and any long run after a cue.

Presidio's own recognizer knows the issuers' prefixes of a few card brands; numbers of
other issuers (Maestro's 12 digits, 19-digit Visa, UnionPay, JCB ...) and numbers written
after "card", "cc" or "card number" that fail the checksum (a typo still names a card)
passed it. Here:

* a run of 12-19 digits, unbroken or grouped as cards are printed (4-4-4-4, 4-4-4-4-3,
  4-6-5, 4-6-4, 4-4-4 ...), that passes the Luhn check: 0.6;
* the same shapes, or an unbroken run of 12-19 digits, within a few words after a card
  word: 0.6 whatever the checksum.

Never after ``+`` or inside a longer run of digits, so an international phone number is
not a card; IBANs win their overlap (their checksum scores 1.0).
"""

from __future__ import annotations

from typing import Any

import regex as re
from presidio_analyzer import RecognizerResult

from ingest.pii.common import ScanningRecognizer

_SEP = r"[ -]"
_SHAPES = (
    r"\d{12,19}",
    rf"\d{{4}}(?:({_SEP})\d{{4}}){{2}}(?:\1\d{{4}})?(?:\1\d{{1,3}})?",  # 4-4-4(-4)(-1..3)
    rf"\d{{4}}({_SEP})\d{{6}}\2\d{{4,5}}",  # Amex 4-6-5, Diners 4-6-4
    rf"\d{{6}}({_SEP})\d{{10,13}}",  # 6-13 as some banks print them
)
_CARD = re.compile(
    r"(?<![\d+]|\d[ -])(?:" + "|".join(_SHAPES) + r")(?!\d|[ -]\d)",
    re.MULTILINE,
)
_CUE = re.compile(
    r"(?i)(?<![a-z])(?:card|cards|cc|credit|debit|visa|mastercard|master card|amex|"
    r"american express|maestro|discover|jcb|diners|unionpay|pan)(?![a-z])"
    r"(?:[\s:#.№-]|no\.?|number|num|nr|ending|is|was|on|file|of|my|the|with)*$"
)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


class LuhnCardRecognizer(ScanningRecognizer):
    """CREDIT_CARD: Luhn-valid 12-19-digit numbers, and long digit runs after a card word."""

    SCORE = 0.6

    ENTITY = "CREDIT_CARD"

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        results = []
        for m in _CARD.finditer(text):
            digits = "".join(ch for ch in m.group() if ch.isdigit())
            if not 12 <= len(digits) <= 19:
                continue
            if not luhn_ok(digits) and not _CUE.search(text, max(0, m.start() - 40), m.start()):
                continue
            results.append(
                self.finding(m.start(), m.end(), self.SCORE)
            )
        return results
