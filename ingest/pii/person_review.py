"""The PERSON findings of a text, and of a document, looked at again after the analyzer.

``ingest.deidentify`` calls these two steps; each one's rules are switchable by name
(``ingest.pii.person_filters.DISABLED``) and measured by ``benchmarks/pii_person_filters.py``:

* per text: the second opinion (``ingest.pii.second_opinion``) on doubtful spaCy findings;
  in a technical text (``technical``), no spaCy finding written all in capitals
  (``person_shapes.placeholder_in_capitals``, rule ``technical_capitals``); then the echoes
  of the names left (``ingest.pii.name_echo``);
* per document: phrases it uses as products and one-word findings it also writes in lower
  case are no PERSON anywhere in it (``ingest.pii.product_terms``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ingest.pii.name_echo import echo_names
from ingest.pii.person_filters import DISABLED
from ingest.pii.person_shapes import markup, placeholder_in_capitals

# A document at least this share of whose texts are markup is technical throughout (a manual
# page, a README). Chosen on the dev parts (benchmarks/README.md, 2026-12-07 (fifth)): against
# one half, a quarter, a tenth and any markup text at all removed 7, 11 and 13 more false
# people, and none lost a name.
TECHNICAL_SHARE = 0.1


def technical(texts: Sequence[str], document: bool = False) -> list[bool]:
    """Which of ``texts`` are technical: written as markup or code (``person_shapes.markup``),
    or, when the texts are one ``document`` and at least ``TECHNICAL_SHARE`` of them are
    markup, all of them."""
    marked = [markup(t) for t in texts]
    if document and sum(marked) >= TECHNICAL_SHARE * len(marked):
        return [True] * len(texts)
    return marked


def review_text(text: str, results: list[Any], names: Any, is_technical: bool = False) -> list[Any]:
    """Presidio results of ``text`` after the second opinion (``names``: a
    ``second_opinion.NameModel``, or None where it is not asked), without placeholders in
    capitals where the text ``is_technical``, and with the echoes of the names kept."""
    from ingest.pii.second_opinion import from_spacy, veto

    if names is not None and "second_opinion" not in DISABLED:
        results = veto(text, results, names)
    if is_technical and "technical_capitals" not in DISABLED:
        results = [
            r for r in results
            if not (r.entity_type == "PERSON" and from_spacy(r) and placeholder_in_capitals(text, r.start, r.end))
        ]
    return echo_names(text, results)


def review_document(texts: Sequence[str], spans: list[list[Any]]) -> list[list[Any]]:
    """Spans of one document's texts without the PERSON values it uses as products."""
    from ingest.pii.product_terms import drop_products

    phrases, echoes = "product_terms" not in DISABLED, "lowercase_echo" not in DISABLED
    if not (phrases or echoes):
        return spans
    return drop_products(texts, spans, phrases, echoes)
