"""The extractive fallback: when no generated claim is verified, quote the passages instead.

A small model often cannot read a financial table, yet the retrieved passage holds the answer:
the row "Total assets | 11,464 | 10,613" under the header "Sep 30, 2024 | Dec 31, 2023". When
the answer is suppressed, this module looks in the shielded prompt passages (never text the
injection shield removed) for

1. a table row whose label is the question's line item, in the column of the question's period:
   quoted as "Total assets, Dec 31, 2023 (in millions): 10,613";
2. otherwise a prose sentence of the question's period that holds a figure and most of the
   question's terms (the closest one by the embedder, through `best_answer_sentence`).

Nothing is quoted unless the period (every year, the month, three / nine months or year) and
the line item match: a question about a period or an item the documents lack stays
unanswered. The quote is marked as a quote, cited, and the answer stays `grounded: false`
with its `suppressed_reason`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from answer.question_focus import QuestionFocus, coverage, focus, names_match, period_matches, terms
from answer.verify import best_answer_sentence
from kb_service.embedder import Embedder
from kb_service.tables import is_amount, runs, table_rows
from kb_service.text import has_cjk
from kb_service.types import Answer, Citation, Passage

# The suppression statement comes first (as in answer.service: the model's answer is not
# supported), then the marked quote.
QUOTE_LEAD_EN = "The knowledge base does not support an answer to this question. The documents say:"
# Least share of the question's item terms a quoted sentence must hold.
SENTENCE_COVERAGE = 0.6
_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?%?")


@dataclass(frozen=True, slots=True)
class Quote:
    passage: int  # 1-based number of the passage in the prompt
    text: str  # what is quoted, verbatim cells or sentence
    kind: str  # "row" or "sentence"


def find_quote(question: str, passages: Sequence[Passage], embedder: Embedder) -> Quote | None:
    """The row or sentence of these passages that answers the question, or None."""
    if has_cjk(question) or not passages:
        return None
    f = focus(question)
    for number, passage in enumerate(passages, start=1):
        quote = _row_quote(f, passage)
        if quote is not None:
            return Quote(number, quote, "row")
    return _sentence_quote(question, f, passages, embedder)


def extractive_answer(
    quote: Quote,
    passages: Sequence[Passage],
    *,
    cite: Callable[[Passage, str, float], Citation],
    reason: str,
    confidence: float,
    meta: Mapping[str, str | None],
) -> Answer:
    """The suppressed answer with the quote: [1] is the quoted passage, then the closest others."""
    quoted = passages[quote.passage - 1]
    others = [p for p in passages[:3] if p.chunk_id != quoted.chunk_id][:2]

    def score(p: Passage) -> float:
        return p.vector_score if p.vector_score is not None else p.score

    citations = [cite(quoted, quote.text, score(quoted)), *(cite(p, p.text, score(p)) for p in others)]
    return Answer(
        answer=f"{QUOTE_LEAD_EN} “{quote.text}” [1]",
        grounded=False,
        extractive=True,
        confidence=round(confidence, 4),
        citations=citations,
        suppressed_reason=reason,
        model=meta.get("model"),
        adapter=meta.get("adapter"),
    )


def _prose(text: str) -> str:
    return "\n".join(line for table, lines in runs(text) if not table for line in lines)


def _row_quote(f: QuestionFocus, passage: Passage) -> str | None:
    wanted = f.item_terms_beyond(passage.title)
    if not wanted or not names_match(f, f"{passage.title} {passage.text}"):
        return None
    context = " ".join([passage.section, _prose(passage.text)])
    best: tuple[int, str] | None = None
    for headers, row in table_rows(passage.text):
        label = terms(row[0])
        if not label or not label <= wanted:
            continue
        if coverage(wanted, " ".join([row[0], *headers, context])) < 1.0:
            continue
        columns = [j for j in range(1, len(row)) if is_amount(row[j]) and period_matches(f, headers[j])]
        if f.has_period and len(columns) != 1:
            continue  # the period is not a column of this table (or is ambiguous)
        if not f.numbers <= set(_FIGURE.findall(" ".join(row))):
            continue
        unit = f" {headers[0]}" if headers[0].startswith("(") else ""
        cells = "; ".join(f"{headers[j]}{unit}: {row[j]}" if headers[j] else row[j] for j in (columns or range(1, len(row))))
        text = f"{row[0]}, {cells}"
        if best is None or len(label) > best[0]:
            best = (len(label), text)
    return best[1] if best else None


def _sentence_quote(question: str, f: QuestionFocus, passages: Sequence[Passage], embedder: Embedder) -> Quote | None:
    def accept(j: int, sentence: str) -> bool:
        figures = {n for n in _FIGURE.findall(sentence) if not re.fullmatch(r"(19|20)\d\d", n)}
        if not figures - f.numbers or not period_matches(f, sentence):
            return False
        passage = passages[j]
        wanted = f.item_terms_beyond(passage.title)
        return (bool(wanted) and coverage(wanted, sentence) >= SENTENCE_COVERAGE
                and names_match(f, f"{passage.title} {passage.text}"))

    best = best_answer_sentence(question, [_prose(p.text) for p in passages], embedder, min_similarity=0.0, accept=accept)
    if best is None:
        return None
    number, sentence, _ = best
    return Quote(number, " ".join(sentence.split()), "sentence")
