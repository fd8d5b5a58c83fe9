"""The answer service's small parts: which passages the model sees, how an answer's text
and citations are written, and the stage clock. No decisions here (answer.service)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence

from answer.verify import ClaimCheck
from kb_service.injection import shield_all
from kb_service.text import has_cjk
from kb_service.types import Citation, Passage

log = logging.getLogger("answer.service")

_END_PUNCT = re.compile(r"([.!?。！？]+)$")
QUOTE_CHARS = 300


def relevant(passages: Sequence[Passage], question: str, min_score: float) -> list[Passage]:
    """Passages worth showing the model. The embedder (English) decides for English
    questions; for a CJK question, which it cannot judge, a keyword (bigram) match does."""
    cjk = has_cjk(question)
    keep = []
    for passage in passages:
        semantic = passage.vector_score is not None and passage.vector_score >= min_score
        keyword = cjk and passage.keyword_score is not None and passage.keyword_score > 0
        if semantic or keyword:
            keep.append(passage)
    return keep


def lang(question: str, en: str, zh: str) -> str:
    return zh if has_cjk(question) else en


def with_markers(text: str, numbers: Sequence[int]) -> str:
    """Citation markers before the sentence's final punctuation: 'It is 25 days [1].'"""
    if not numbers:
        return text
    marks = "".join(f"[{n}]" for n in numbers)
    match = _END_PUNCT.search(text)
    body, end = (text[: match.start()].rstrip(), match.group(1)) if match else (text, "")
    return f"{body}{marks}{end}" if has_cjk(text) else f"{body} {marks}{end}"


def answer_sentences(claims: Sequence[ClaimCheck]) -> tuple[list[str], dict[int, int], dict[int, float]]:
    """The answer's sentences with citation markers numbered in order of first use, the map
    prompt passage number -> citation number, and each cited passage's best support."""
    order: dict[int, int] = {}
    best: dict[int, float] = {}
    sentences = []
    for claim in claims:
        numbers = []
        for n in claim.citations or ((claim.passage,) if claim.passage else ()):
            order.setdefault(n, len(order) + 1)
            best[n] = max(best.get(n, 0.0), claim.support)
            numbers.append(order[n])
        sentences.append(with_markers(claim.text.strip(), sorted(set(numbers))))
    return sentences, order, best


def join(sentences: Sequence[str], question: str) -> str:
    return ("" if has_cjk(question) else " ").join(sentences)


def short_quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rstrip() + "…"


def citation(passage: Passage, quote_text: str, score: float) -> Citation:
    return Citation(
        document=passage.source,
        title=passage.title,
        page=passage.page_start or None,
        section=passage.section,
        chunk_id=passage.chunk_id,
        quote=short_quote(quote_text),
        score=round(float(score), 4),
    )


def passage_for_verification(passage: Passage) -> str:
    """Only the passage's text: a claim that merely repeats a title or heading (small models
    echo the prompt's passage headers) must not count as supported."""
    return passage.text


def shielded(passages: Sequence[Passage]) -> list[Passage]:
    """The passages with instruction-like sentences (planted prompt injections) replaced by a
    marker, for the prompt, the verification and the quotes alike; a passage with nothing
    else left is dropped."""
    kept, removed = shield_all(passages)
    if removed:
        log.warning("instruction-like text left out of retrieved passages (chunk: sentences): %s", removed)
    return kept


def unique(claims: Sequence[ClaimCheck]) -> list[ClaimCheck]:
    """Drop repeated sentences, and a repeat cut off by the token limit (greedy decoding of
    small models loops): a claim equal to, or the start of, an earlier one."""
    seen: list[str] = []
    kept = []
    for claim in claims:
        key = " ".join(re.sub(r"[^\w\s]", " ", claim.text.lower()).split())
        if key and not any(earlier.startswith(key) for earlier in seen):
            seen.append(key)
            kept.append(claim)
    return kept


class Clock:
    """Records milliseconds per stage into a dict."""

    def __init__(self, timings: dict[str, float]) -> None:
        self._timings = timings

    def __call__(self, stage: str) -> Stage:
        return Stage(self._timings, stage)


class Stage:
    def __init__(self, timings: dict[str, float], stage: str) -> None:
        self._timings, self._stage = timings, stage

    def __enter__(self) -> None:
        self._start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self._timings[self._stage] = round((time.perf_counter() - self._start) * 1000, 2)
