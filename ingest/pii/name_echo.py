"""A name found once in a text is a name wherever else it stands in that text.

"My name is Cerys Holt but everyone calls me Cerys", "said Tristan to Tristan",
"Ackermann, Ackermann and Ackermann": spaCy and the lexicon find the first mention and miss
the others. Every capitalised word of a PERSON finding (two letters or more, not a
frequent English word, not an organisation or place word) is looked up again in the same
text; a whole-word, capitalised occurrence outside every finding becomes a PERSON with the
score of the finding it echoes, capped at 0.6.
"""

from __future__ import annotations

from typing import Any

import regex as re
from presidio_analyzer import RecognizerResult

from ingest.pii.name_lexicon import is_frequent_word
from ingest.pii.person_shapes import not_name_word

_NAME_WORD = re.compile(r"\p{Lu}[\p{L}'’-]*\p{Ll}")
ECHO_SCORE_CAP = 0.6


def echo_names(text: str, results: list[Any]) -> list[Any]:
    """``results`` plus PERSON results for further mentions of the names in them."""
    words: dict[str, float] = {}
    for r in results:
        if r.entity_type != "PERSON":
            continue
        for m in _NAME_WORD.finditer(text, r.start, r.end):
            w = m.group()
            if len(w) < 2 or not_name_word(w):
                continue
            if is_frequent_word(w):
                continue
            words[w] = max(words.get(w, 0.0), min(r.score, ECHO_SCORE_CAP))
    if not words:
        return results
    covered = [(r.start, r.end) for r in results]
    pattern = re.compile(
        r"(?<![\p{L}\p{N}])(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?![\p{L}\p{N}])"
    )
    extra = []
    for m in pattern.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in covered):
            continue
        extra.append(
            RecognizerResult(
                "PERSON",
                m.start(),
                m.end(),
                words[m.group()],
                recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: "NameEcho"},
            )
        )
    return results + extra
