"""Rerank retrieved passages by what the question pins down: period, line item, figures, names.

Hybrid search ranks "Total assets as of December 31, 2022" near every balance sheet of the
corpus; the one that answers has a table row labelled "Total assets" and a column of
December 31, 2022, in the filing of the company the question names. The score added to the
retrieval order (a passage keeps most of its rank; a match moves it up):

    boost = 1.0 * line item (best row label, or the prose, covering the question's item terms)
          + 1.0 * period (the question's years, month and period kind in the passage)
          + 0.5 * figures (the question's numbers found in the passage)
          + 0.5 * names (the question's capitalised names found in the title or text)
    score = boost + 1.0 * (1 - rank / n)
"""

from __future__ import annotations

from collections.abc import Sequence

from answer.question_focus import QuestionFocus, coverage, focus, period_matches, terms
from kb_service.tables import table_rows
from kb_service.text import has_cjk
from kb_service.types import Passage


def rerank(question: str, passages: Sequence[Passage]) -> list[Passage]:
    """The passages in a new order (a CJK question keeps the retrieval order)."""
    if has_cjk(question) or len(passages) < 2:
        return list(passages)
    f = focus(question)
    n = len(passages)
    scored = [
        (boost(f, passage) + 1.0 * (1 - rank / n), -rank, passage) for rank, passage in enumerate(passages)
    ]
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [passage for _, _, passage in scored]


def boost(f: QuestionFocus, passage: Passage) -> float:
    text = passage.text
    wanted = f.item_terms_beyond(passage.title)
    item = coverage(wanted, f"{passage.section} {text}") * 0.5 if wanted else 0.0
    for headers, row in table_rows(text):
        label = terms(row[0])
        if label and label <= wanted:
            item = max(item, 0.5 + 0.5 * len(label) / len(wanted))
    period = 0.0
    if f.has_period:
        period = 1.0 if period_matches(f, text) else 0.0
        for headers, _ in table_rows(text):
            if any(period_matches(f, h) for h in headers[1:]):
                period = 1.0
                break
    figures = (sum(1 for x in f.numbers if x in text) / len(f.numbers)) if f.numbers else 0.0
    names = coverage(f.name_terms, f"{passage.title} {text}") if f.name_terms else 0.0
    return 1.0 * item + 1.0 * period + 0.5 * figures + 0.5 * names
