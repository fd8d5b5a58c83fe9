"""Names in a claim or passage, for the fact gate (`answer.facts`): runs of capitalised words
that do not open a sentence, and one capitalised word inside a sentence."""

from __future__ import annotations

import re

from answer.sentences import BULLET, split_sentences, strip_citations

_ENTITY_CONNECTORS = frozenset("van von de der den da di du le la of y".split())
_SENTENCE_STARTERS = frozenset(
    "the a an all any each every our your their this that these those please contact ask send "
    "email call submit see note according under per for in at on by from to if when while with "
    "employees staff managers".split()
)
_CAP_WORD = re.compile(r"[A-Z][\w'’\-]*")


# One capitalised word inside a sentence names something too ("the hotel limit in Tokyo"): a
# claim about Tokyo is not supported by a passage about Paris, however alike they read.
_LONE_NAME = re.compile(r"[A-Z][a-z]{2,}")


def _lone_name(sentence: str, run: list[tuple[str, int, int]], calendar: frozenset[str]) -> bool:
    """One Title-case word after a space inside the sentence, not after a colon, a quote or a
    bracket (a list, a quoted heading), and no sentence starter, month or weekday."""
    word, start, _ = run[0]
    before = sentence[:start].rstrip()
    return (
        len(run) == 1 and start > 0 and sentence[start - 1] == " " and before[-1:] not in (":", '"', "“", "(", "[")
        and _LONE_NAME.fullmatch(word) is not None and word.lower() not in _SENTENCE_STARTERS
        and word.lower().removesuffix("s") not in calendar  # "on Fridays" is a weekday fact already
    )


def names_in(text: str, calendar: frozenset[str]) -> set[str]:
    """Capitalised multi-word names ("Anna Schmidt", "Human Resources") not opening a sentence,
    and single capitalised words inside one ("in Tokyo"); `calendar`: month and weekday words,
    which are dates, not names."""
    found: set[str] = set()
    for sentence in split_sentences(text):
        sentence = BULLET.sub("", strip_citations(sentence), count=1)
        tokens = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"[\w'’\-]+", sentence)]
        run: list[tuple[str, int, int]] = []
        for index in range(len(tokens) + 1):
            token = tokens[index] if index < len(tokens) else None
            joined = token is not None and (not run or sentence[run[-1][2] : token[1]] == " ")
            is_cap = token is not None and _CAP_WORD.fullmatch(token[0]) is not None
            if joined and (is_cap or (run and token[0] in _ENTITY_CONNECTORS)):
                run.append(token)  # type: ignore[arg-type]
                continue
            while run and run[-1][0] in _ENTITY_CONNECTORS:
                run.pop()
            if run and run[0][1] == 0 and run[0][0].lower() in _SENTENCE_STARTERS | calendar:
                run = run[1:]
            words = [w for w, _, _ in run]
            if len(words) >= 2 and not all(w.lower().rstrip(".") in calendar for w in words):
                found.add(" ".join(words))
            elif words and _lone_name(sentence, run, calendar):
                found.add(words[0])
            run = [token] if token is not None and is_cap else []  # type: ignore[list-item]
    return found
