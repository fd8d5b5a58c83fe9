"""Claim verification: is every sentence of a generated answer backed by a retrieved passage?

The answer is split into claims (sentences), each claim is scored against every passage by a
`SupportScorer`, a fact gate demands that the claim's numbers, amounts, dates, times and names
occur in the passage that supports it, citations are checked and repaired, and the claims'
support is aggregated into the answer's confidence. The answer service compares that confidence
with `KB_CONFIDENCE_THRESHOLD` and trims or suppresses.

The text functions live in `answer.sentences` and `answer.facts` and the scorers in `answer.scorers`; both are re-exported
here so callers need one import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from answer.facts import content_terms, extract_facts, fact_in_text
from answer.sentences import cited_numbers, split_claims, split_sentences, strip_citations
from kb_service.text import is_cjk
from answer.scorers import CrossEncoderNLIScorer, EmbeddingLexicalScorer, SupportScorer, make_scorer
from kb_service.embedder import Embedder
from kb_service.errors import ConfigurationError

__all__ = [
    "ClaimCheck",
    "ClaimVerifier",
    "CrossEncoderNLIScorer",
    "EmbeddingLexicalScorer",
    "SupportScorer",
    "Verification",
    "best_answer_sentence",
    "cited_numbers",
    "extract_facts",
    "fact_in_text",
    "make_scorer",
    "split_claims",
    "strip_citations",
]

# Support of a passage that lacks one of the claim's facts, however similar it reads otherwise.
FACT_GATE_CAP = 0.2
# Weight of the weakest claim in the answer's confidence (see ClaimVerifier.aggregate).
MIN_WEIGHT = 0.4


@dataclass(frozen=True, slots=True)
class ClaimCheck:
    raw: str  # the claim as it appeared, with citation markers
    text: str  # without citation markers
    cited: tuple[int, ...]  # passage numbers (1-based) the model cited
    support: float  # 0..1: best support over passages, after the fact gate
    passage: int | None  # 1-based number of the best-supporting passage, None when unsupported
    citations: tuple[int, ...]  # verified (or repaired) citations; empty when unsupported
    missing_facts: tuple[str, ...]  # facts of the claim found in no supporting passage
    supported: bool  # support >= claim_threshold and no missing facts
    citation_repaired: bool  # the model's citations were wrong/missing and were changed


@dataclass(frozen=True, slots=True)
class Verification:
    claims: tuple[ClaimCheck, ...]
    confidence: float  # aggregate 0..1; 0.0 when there are no claims

    @property
    def unsupported(self) -> tuple[ClaimCheck, ...]:
        return tuple(claim for claim in self.claims if not claim.supported)


class ClaimVerifier:
    """Checks an answer claim by claim against the passages it was generated from."""

    def __init__(self, scorer: SupportScorer, *, claim_threshold: float = 0.5) -> None:
        if not 0.0 <= claim_threshold <= 1.0:
            raise ConfigurationError(f"claim_threshold must be in [0, 1], got {claim_threshold}")
        self.scorer = scorer
        self.claim_threshold = claim_threshold

    def verify(self, answer: str, passages: Sequence[str]) -> Verification:
        raws = split_claims(answer)
        texts = [strip_citations(raw) for raw in raws]
        if not raws:
            return Verification(claims=(), confidence=0.0)
        passages = list(passages)
        scores = self.scorer.score(texts, passages) if passages else [[] for _ in texts]
        checks = tuple(
            self._check(raw, text, row, passages)
            for raw, text, row in zip(raws, texts, scores, strict=True)
        )
        return Verification(claims=checks, confidence=self.aggregate(checks))

    def _check(
        self, raw: str, text: str, scores: Sequence[float], passages: Sequence[str]
    ) -> ClaimCheck:
        threshold = self.claim_threshold
        facts = sorted(extract_facts(text))
        missing = [{f for f in facts if not fact_in_text(f, passage)} for passage in passages]
        gated = [
            min(float(s), FACT_GATE_CAP) if gaps else float(s)
            for s, gaps in zip(scores, missing, strict=True)
        ]
        best = int(np.argmax(gated)) if gated else None
        support = gated[best] if best is not None else 0.0

        # Passages that read like support before the fact gate; a fact none of them holds is
        # what the answer made up. With none above the threshold, the closest one stands in.
        candidates = [j for j, s in enumerate(scores) if s >= threshold]
        if not candidates and scores:
            candidates = [int(np.argmax(scores))]
        missing_facts = tuple(
            f for f in facts if candidates and all(f in missing[j] for j in candidates)
        )
        supported = best is not None and support >= threshold and not missing_facts

        cited = cited_numbers(raw)
        if supported and best is not None:
            verified = tuple(
                n for n in cited if 1 <= n <= len(passages) and gated[n - 1] >= threshold
            )
            citations = verified or (best + 1,)
        else:
            citations = ()
        return ClaimCheck(
            raw=raw,
            text=text,
            cited=cited,
            support=round(support, 4),
            passage=best + 1 if supported and best is not None else None,
            citations=citations,
            missing_facts=missing_facts,
            supported=supported,
            citation_repaired=supported and citations != cited,
        )

    def aggregate(self, claims: Sequence[ClaimCheck]) -> float:
        """Confidence of an answer made of these claims.

            e_i        = support_i if claim i is supported, else support_i / 2
            w_i        = number of content terms of claim i (at least 1)
            confidence = 0.6 * (sum w_i e_i / sum w_i) + 0.4 * min_i e_i

        The length-weighted mean says how much of the answer is backed; the minimum keeps one
        bad claim from hiding among good ones, which a mean alone would allow (four claims at
        0.95 and one invented at 0.2 average 0.8). Every claim at 0.75 or more gives 0.75 or
        more; one unsupported claim (e_i < threshold / 2) caps the confidence at
        0.6 + 0.2 * threshold, below 0.75 for any claim threshold up to 0.75. Called again by
        the answer service on the claims it keeps after trimming unsupported ones.
        """
        if not claims:
            return 0.0
        effective = np.array([c.support if c.supported else c.support / 2 for c in claims])
        weights = np.array([max(1, len(content_terms(c.text))) for c in claims], dtype=float)
        mean = float(effective @ weights / weights.sum())
        return round((1 - MIN_WEIGHT) * mean + MIN_WEIGHT * float(effective.min()), 4)


_QUESTION_WORDS = re.compile(r"什么|多少|几|吗|呢|如何|怎么|怎样|哪|谁|是否|为什么|请问")


def best_answer_sentence(
    question: str,
    passages: Sequence[str],
    embedder: Embedder,
    *,
    min_similarity: float = 0.6,
    accept: Callable[[int, str], bool] | None = None,
) -> tuple[int, str, float] | None:
    """The passage sentence that answers the question most directly, for a suppressed answer.

    Returns (1-based passage number, sentence, similarity), or None when no sentence reaches
    `min_similarity`. Similarity is the embedder's cosine; for a CJK question, which the default
    English embedder cannot read, it is the share of the question's characters and character
    bigrams (question words such as 多少 and 什么 left out) found in the sentence. `accept`
    (0-based passage index, sentence) narrows the candidates first (the extractive answer
    keeps only sentences of the question's period and line item).
    """
    candidates = [
        (j, sentence)
        for j, passage in enumerate(passages)
        for sentence in split_sentences(passage)
        if len(content_terms(sentence)) >= 2 and (accept is None or accept(j, sentence))
    ]
    if not candidates or not question.strip():
        return None
    if is_cjk(question):
        terms = set(content_terms(_QUESTION_WORDS.sub(" ", question)))
        if not terms:
            return None
        similarities = [
            len(terms & set(content_terms(sentence))) / len(terms) for _, sentence in candidates
        ]
    else:
        vectors = np.asarray(embedder.embed([question, *(sentence for _, sentence in candidates)]))
        similarities = (vectors[1:] @ vectors[0]).tolist()
    best = int(np.argmax(similarities))
    if similarities[best] < min_similarity:
        return None
    passage, sentence = candidates[best]
    return passage + 1, sentence, round(float(similarities[best]), 4)
