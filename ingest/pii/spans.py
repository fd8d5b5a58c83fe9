"""One replacement per region of a text: overlapping detections become one span.

``ingest.deidentify`` turns Presidio's results into these spans before it writes the
placeholders: overlapping detections merge into their union (so no part of a number stays
visible), named by the longest detection, then the highest score, then the more specific
type; a PERSON span leaves a possessive ("Jane Doe's") outside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# When two detections of one span tie on score and length, the more specific type names it.
TYPE_PRIORITY = {
    t: i
    for i, t in enumerate(
        reversed(
            [
                "CN_RESIDENT_ID",
                "US_SSN",
                "PASSPORT",
                "CREDIT_CARD",
                "CN_BANK_CARD",
                "IBAN_CODE",
                "CN_MOBILE",
                "EMAIL_ADDRESS",
                "IP_ADDRESS",
                "PHONE_NUMBER",
                "STREET_ADDRESS",
                "PERSON",
            ]
        )
    )
}


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    entity_type: str


_POSSESSIVE_RE = re.compile(r"(?:['\u2019]s?|\s+)$")


def _trim(result: Any, text: str) -> Any:
    """NER spans sometimes carry a possessive ("Jane Doe's"); keep it outside the placeholder
    so the value, and with it the placeholder, is the same as in "Jane Doe"."""
    if result.entity_type == "PERSON":
        m = _POSSESSIVE_RE.search(text, result.start, result.end)
        if m and m.start() > result.start:
            result.end = m.start()
    return result


def resolve_overlaps(results: list[Any], text: str) -> list[Span]:
    """One replacement per region: overlapping detections merge into their union (so no part
    of a number stays visible), named by ``_merge``."""
    if not results:
        return []
    ordered = sorted((_trim(r, text) for r in results), key=lambda r: (r.start, -r.end))
    spans: list[Span] = []
    group = [ordered[0]]
    group_end = ordered[0].end
    for r in ordered[1:]:
        if r.start < group_end:
            group.append(r)
            group_end = max(group_end, r.end)
            continue
        spans.append(_merge(group))
        group, group_end = [r], r.end
    spans.append(_merge(group))
    return spans


def _merge(group: list[Any]) -> Span:
    """The longest detection names the union (a name inside an address is the address's),
    then the highest score, then the more specific type."""
    best = max(
        group, key=lambda r: (r.end - r.start, r.score, TYPE_PRIORITY.get(r.entity_type, -1))
    )
    return Span(min(r.start for r in group), max(r.end for r in group), best.entity_type)
