"""Street addresses of many countries, on one line or several.

An address is found in two steps. First a *street*: a house number and a street name in
one of the orders countries write them (``Rua Vale Miguel 92``, ``57, rue Lacroix``,
``Mattenstrasse 108``, ``Györgyhalasi utca 121.``, ``1777 Kramer Court``, ``P.O. Box 255``);
a street word of ``ingest.pii.address_data`` makes it *strong*, capitalised words and a
number alone (``Grammova 8``) only *weak*. Then, from its end, the segments that follow it
after a comma or a line break: units (``Apt. 342``), postcode and town (``3780-011
Amoreira da Gândara``, ``613 73 Stříbro``, ``Port Phillipberg, GA 62314``, ``London SE1
2DJ``), districts and a country on their own lines.

A strong street is an address by itself (0.6); a weak one only when a postcode follows
(0.6), which keeps "Windows 10" and "Section 4" out. The span runs from the street to the
last postcode, unit or town segment, and takes a last line that is one or two
capitalised words (the country of a postal block).
"""

from __future__ import annotations

from typing import Any

import regex as re
from presidio_analyzer import RecognizerResult

from ingest.pii.common import ScanningRecognizer
from ingest.pii.address_data import (
    NOT_STREET_WORDS,
    POST_BOX,
    STREET_PREFIXES,
    STREET_SUFFIXES,
    STREET_TYPES_AFTER,
    UNIT_WORDS,
)


def _alt(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_CAP = r"\p{Lu}(?:[\p{L}'’.-]*\p{L})?\.?"  # a capitalised word: "Saint-Antoine", "Chełmońskiego"
_LOW = (
    r"(?:d[aeiou]s?|de[lr]?|della|di|do|du|la|le|les|los|las|van|von|der|den|het|y|e|i|am|an"
    r"|na|u)(?![\p{L}])"
)
_NAME = rf"(?:{_CAP}|\d{{1,3}}(?:st|nd|rd|th|e|\.))(?:[ ]+(?:{_CAP}|{_LOW}))*"
_NUM = r"(?:\d{1,5}(?:[ ]?[A-Za-z](?![\p{L}]))?(?:[/-]\d{1,4}[A-Za-z]?)?\.?|[Ss]/[Nn])"
_PREFIX = rf"(?i:{_alt(STREET_PREFIXES)})"
_SUFFIXED = rf"\p{{Lu}}[\p{{L}}'’-]*?(?i:{_alt(STREET_SUFFIXES)})"
_AFTER = (
    rf"(?i:{_alt(STREET_TYPES_AFTER)})(?![\p{{L}}])"
    r"(?:[ ]+(?:North|South|East|West|NE|NW|SE|SW)(?![\p{L}]))?"
)
_UNIT_WORD = rf"(?i:{_alt(UNIT_WORDS)})"

_STRONG = [
    # Rua Vale Miguel 92 / Avenida de Mota, 77 / ul. Paderewskiego 77 / Largo Amaral, S/N
    rf"{_PREFIX}[ ]+(?:{_LOW}[ ]+)?{_NAME},?[ ]+{_NUM}",
    # 57, rue Michelle Lacroix / 517 rue Saint-Antoine / 94 boulevard Amiral Courbet
    rf"{_NUM},?[ ]+{_PREFIX}[ ]+{_NAME}",
    # Korte Noordsstraat 307 / Viviane-Dietz-Weg 118 / Mattenstrasse 108
    rf"(?:{_CAP}[ ]+){{0,2}}{_SUFFIXED},?[ ]+{_NUM}",
    # Torve Allé 691 / Györgyhalasi utca 121. / Kunligeti út 152.
    rf"(?:{_CAP}[ ]+){{1,3}}{_AFTER},?[ ]+{_NUM}",
    # (Flat 07) 1777 Kramer Court / 17 Jones Light? (weak) / 221B Baker Street
    rf"(?:{_UNIT_WORD}[ ]*\w{{1,5}},?[ ]+)?{_NUM},?[ ]+{_NAME}[ ]+{_AFTER}",
    rf"{POST_BOX}[ ]*\d{{1,6}}",
]
_NOT_STREET = rf"(?!(?i:{_alt(NOT_STREET_WORDS)})(?![\p{{L}}]))"
_WEAK = [
    # Grammova 8 / Ööbiku 59 / Peter Zuidhove 188 (never "January 15", "Room 204")
    rf"(?:{_CAP}[ ]+){{0,3}}{_NOT_STREET}{_CAP}[ ]+{_NUM}",
    # 17 Jones Light / 09979 Donna Mountains / Flat 07 207 Caleb Riviera
    rf"(?:{_UNIT_WORD}[ ]*\w{{1,5}},?[ ]+)?{_NUM},?[ ]+{_CAP}(?:[ ]+{_CAP}){{0,3}}",
]
_EDGE_BEFORE = r"(?<![\p{L}\p{N}@/.-])"
_EDGE_AFTER = r"(?![\p{L}\p{N}@/-])"
_STREET = re.compile(
    _EDGE_BEFORE
    + "(?:"
    + "|".join(f"(?P<s{i}>{p})" for i, p in enumerate(_STRONG))
    + "|"
    + "|".join(f"(?P<w{i}>{p})" for i, p in enumerate(_WEAK))
    + ")"
    + _EDGE_AFTER,
    re.MULTILINE,
)

_POSTCODE = (
    r"(?:[A-Z]{1,2}-)?(?:\d{5}-\d{3}|\d{4}-\d{3}|\d{2}-\d{3}|\d{3}[ ]\d{2}|\d{4}[ ]?[A-Z]{2}"
    r"|\d{4,6}|[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2}|[A-Z]\d[A-Z][ ]?\d[A-Z]\d)"
)
_CAP_WORD = r"\p{Lu}(?:[\p{L}'’-]*\p{L})?"  # no trailing dot: a town ends a sentence
_TOWN = rf"(?:{_CAP_WORD}|'s-{_CAP_WORD})(?:[ -]+(?:{_CAP_WORD}|{_LOW}|sur|sous|en|bei))*"
_SEGMENTS = {
    "unit": re.compile(rf"{_UNIT_WORD}[ ]*\w{{1,6}}(?:[ ]+\w{{1,6}})?\.?{_EDGE_AFTER}"),
    "post": re.compile(
        # 3780-011 Amoreira da Gândara / 613 73 Stříbro / 56011, Gabella (PI) / 1317 YB
        rf"{_POSTCODE}(?![ ]*\d),?(?:[ ]+{_TOWN})?(?:[ ]*\(\p{{Lu}}{{2}}\))?(?:[ ]*/[ ]*\p{{Lu}}{{2}})?"
        # Port Phillipberg, GA 62314 / East Tony, VIC, 2609 / Madrid, 02857 / London SE1 2DJ
        rf"|{_TOWN}(?:,[ ]*|[ ]+)(?:\p{{Lu}}{{2,3}},?[ ]+)?{_POSTCODE}"
        rf"|\p{{Lu}}{{2,3}}[ ]+{_POSTCODE}"
    ),
    "town": re.compile(rf"{_TOWN}(?:,[ ]*\p{{Lu}}{{2,3}})?"),
}
_SEPARATOR = re.compile(rf"[ \t]*(?:,[ \t]*\n?|\n)[ \t]*|[ ]+(?={_UNIT_WORD}[ ]*\w)")


def _segments(text: str, pos: int) -> tuple[int, bool]:
    """End of the address whose street ends at ``pos``, and whether a postcode was seen."""
    end, seen_post, towns_pending = pos, False, 0
    for _ in range(5):
        sep = _SEPARATOR.match(text, pos)
        if sep is None:
            break
        start = sep.end()
        kind, m = _segment(text, start)
        if m is None:
            break
        pos = m.end()
        if kind == "town":
            if seen_post:  # a country or state line after the postcode, then stop
                if "\n" in sep.group() and len(m.group().split()) <= 3:
                    end = pos
                break
            towns_pending += 1
            if towns_pending > 2:
                break
            continue
        end, towns_pending = pos, 0
        seen_post = seen_post or kind == "post"
    return end, seen_post


def _segment(text: str, start: int) -> tuple[str, Any]:
    for kind, pattern in _SEGMENTS.items():
        m = pattern.match(text, start)
        if m is not None and _ends_clean(text, m.end()):
            return kind, m
    return "", None


def _ends_clean(text: str, end: int) -> bool:
    return end >= len(text) or not (text[end].isalnum() or text[end] in "@/")


class InternationalAddressRecognizer(ScanningRecognizer):
    """STREET_ADDRESS: a street in one of many countries' orders, with what follows it."""

    SCORE = 0.6

    ENTITY = "STREET_ADDRESS"

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        results = []
        pos = 0
        while True:
            m = _STREET.search(text, pos)
            if m is None:
                break
            strong = any(k.startswith("s") and v for k, v in m.groupdict().items())
            end, seen_post = _segments(text, m.end())
            if strong or seen_post:
                results.append(self._result(m.start(), end))
                pos = end
            else:
                pos = m.start() + 1
        return results

    def _result(self, start: int, end: int) -> RecognizerResult:
        return self.finding(start, end, self.SCORE)
