"""Which of the terms a question names no passage text states.

A follow-up ("And in Tokyo?", "那深圳呢？") names what its answer must be about; an answer
whose cited passages never state it is about the previous question's subject, however well
the verifier supports each claim. Chinese terms count as stated when half their character
bigrams occur; other terms when the word occurs whole, in any case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kb_service.text import has_cjk
from kb_service.types import Answer


def char_bigrams(text: str) -> set[str]:
    return {text[i: i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


def missing_terms(terms: Iterable[str], evidence: str) -> list[str]:
    """The terms that `evidence` does not state, in their order."""
    missing = []
    for term in terms:
        if has_cjk(term):
            grams = char_bigrams(term)
            if len(grams & char_bigrams(evidence)) * 2 < len(grams):
                missing.append(term)
        elif not re.search(rf"(?<!\w){re.escape(term)}(?!\w)", evidence, re.IGNORECASE):
            missing.append(term)
    return missing


def cited_text(answer: Answer) -> str:
    """What an answer's cited passages say: the evidence for its terms. Not the answer's own
    text: that is the model's, and SmolLM2 wrote "The hotel limit per night in Tokyo is 180
    euros [1]" from a passage about Paris, which the verifier passed."""
    return " ".join(c.quote for c in answer.citations)
