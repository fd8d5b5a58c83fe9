"""Names by shape and lexicon, a vote beside spaCy's NER: capitalised words that are given
names and surnames of ``ingest.pii.name_lexicon``.

In a run of capitalised words, a name starts at the first word that is a given name and
no ordinary English word, and takes up to two more capitalised words (a middle initial
may sit between). Scores:

* given name + a surname of the lexicon: 0.6;
* given name + another capitalised word that is no surname of the lexicon and rare in
  English (Zipf < 3: "Esa Uppa", not "Okta Verify" or "Dell Latitude"): 0.35;
* with no spaCy entity of another kind over it (a place, an organisation, a date ...),
  and not in a Title Case heading, any of these scores at least 0.45: spaCy's small model
  knows few names from outside the English-speaking world, and says so by labelling
  nothing; when it labels the word as something else, the name needs 0.6 (given name +
  surname);
* a given name alone: 0.2, a surname alone 0.15, a name only after a person word
  ("Dear", "Mr", "name is", "call", "speak to" ...: +0.35). The check is ours, on the two
  words right before, not Presidio's context enhancer, whose five-word window and
  substring matching made "Cash" and "London" people.

A word of an organisation or place ("Bank", "Street", "Team") ends the name and, right
after it, cancels it ("Paula Bank" is no person); so does an all-caps word. A word glued to
a capital ("Lang" of "LangChain") is no word. In text written as markup or code (a README:
``person_shapes.markup``), a lone lexicon name gets no unlabelled score, unless a citation
initial follows it ("Cai, Q."): "powered by Rust", "`zh-Hans`" (rule ``lone_in_markup``).
"""

from __future__ import annotations

from typing import Any

import regex as re
from presidio_analyzer import RecognizerResult

from ingest.pii.common import ScanningRecognizer
from ingest.given_names import PRODUCT_NOUNS, TOOL_PREPOSITIONS
from ingest.pii.name_lexicon import (
    is_common_word,
    is_frequent_word,
    is_given,
    is_known_word,
    is_surname,
)
from ingest.pii import person_filters
from ingest.pii.person_shapes import (
    before_technical_noun, cited, imperative_start, line_around, markup, month_date, not_name_word, person_word_before,
)

_WORD = r"\p{Lu}\p{Ll}+(?:[-'’]\p{Lu}?\p{Ll}+)*"
# A run ends at a word's end: "Lang" of "LangChain" is no word.
_RUN = re.compile(
    rf"(?<![\p{{L}}\p{{N}}@.])(?:{_WORD}|\p{{Lu}}\.)(?:[ ]+(?:{_WORD}|\p{{Lu}}\.))*(?![\p{{L}}\p{{N}}_])"
)
_TOKEN = re.compile(rf"{_WORD}|\p{{Lu}}\.")
_CONTEXT_BOOST = 0.35
_UNLABELLED_SCORE = 0.45
# spaCy labels that veto a lexicon name: the word is a place, an organisation, a date ...
_VETO_LABELS = frozenset(
    "GPE LOC ORG NORP FAC PRODUCT EVENT WORK_OF_ART LANGUAGE LAW DATE TIME MONEY".split()
)


class NameShapeRecognizer(ScanningRecognizer):
    """PERSON: given name (+ surname) of the lexicon, in capitalised words."""

    ENTITY = "PERSON"

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        results = []
        vetoed = _other_entities(nlp_artifacts)
        for run in _RUN.finditer(text):
            tokens = list(_TOKEN.finditer(run.group()))
            found = _name_in(tokens)
            if found is None:
                continue
            start, end, score = found
            start, end = run.start() + start, run.start() + end
            if _month_before_a_day(text, start, end):
                continue
            other_entity = any(a < end and start < b for a, b in vetoed)
            if not other_entity and score < 0.6 and _plain_word_use(text, start, end):
                score = max(score, _UNLABELLED_SCORE)
            if score < 0.4 or (other_entity and score < 0.6):
                # spaCy calls it a place, an organisation ...: a name only after "Dear", "Mr" ...
                if not person_word_before(text, start):
                    continue
                score = min(score, 0.35) + _CONTEXT_BOOST
            results.append(self.finding(start, end, score))
        return results


def _name_in(tokens: list[Any]) -> tuple[int, int, float] | None:
    words = [t.group() for t in tokens]
    for i, word in enumerate(words):
        if word.endswith(".") or is_common_word(word) or not_name_word(word):
            continue
        if not is_given(word):
            if len(words) == 1 and is_surname(word):
                return tokens[0].start(), tokens[0].end(), 0.15  # "Dear Hamanová"
            continue
        rest: list[int] = []
        for j in range(i + 1, min(i + 4, len(words))):
            if not_name_word(words[j]):
                return None if j == i + 1 or not rest else _scored(tokens, i, rest)
            if words[j].endswith(".") and (j + 1 >= len(words) or words[j + 1].endswith(".")):
                break
            rest.append(j)
            if not words[j].endswith(".") and len(rest) >= 2:
                break
        return _scored(tokens, i, rest)
    return None


def _scored(tokens: list[Any], i: int, rest: list[int]) -> tuple[int, int, float]:
    words = [t.group() for t in tokens]
    while rest and words[rest[-1]].endswith("."):
        rest.pop()  # a trailing initial belongs to the next sentence
    if not rest:
        return tokens[i].start(), tokens[i].end(), 0.2
    last = words[rest[-1]]
    if is_surname(last):
        score = 0.6
    elif is_known_word(last):  # "Okta Verify", "Dell Latitude": a product's word
        return tokens[i].start(), tokens[i].end(), 0.2
    else:
        score = 0.35
    return tokens[i].start(), tokens[rest[-1]].end(), score


def _month_before_a_day(text: str, start: int, end: int) -> bool:
    """"Sep 30", "June 2024": a date (rule ``month_date`` of ``ingest.pii.person_filters``)."""
    if "month_date" in person_filters.DISABLED:
        return False
    return month_date(text[start:end].split()[-1], text[end : end + 8])


def _other_entities(nlp_artifacts: Any) -> list[tuple[int, int]]:
    doc = getattr(nlp_artifacts, "tokens", None)
    ents = getattr(doc, "ents", ())
    return [(e.start_char, e.end_char) for e in ents if e.label_ in _VETO_LABELS]


def _sentence_of_capitals(text: str, start: int, end: int) -> bool:
    """A heading or a title in Title Case: most words around are capitalised."""
    words = [w for w in line_around(text, start, end).split() if w[:1].isalpha()]
    return len(words) >= 4 and sum(w[:1].isupper() for w in words) >= 0.7 * len(words)


def _plain_word_use(text: str, start: int, end: int) -> bool:
    """No reason to doubt a lexicon name spaCy left unlabelled: not a frequent English word
    when alone, not in a Title Case heading, not used as a product ("the Okta account",
    "blocked in Okta": the ``tool_context`` rule of ``ingest.pii.person_filters``)."""
    value = text[start:end]
    if " " not in value and is_frequent_word(value):
        return False
    if " " not in value and "lone_in_markup" not in person_filters.DISABLED and markup(text):
        if not cited(text, end):  # "Cai, Q., & Brysbaert, M." is a citation
            return False  # "powered by Rust", "`zh-Hans`": in a README a lone name is a project's
    if _sentence_of_capitals(text, start, end):
        return False
    if "imperative_start" not in person_filters.DISABLED and imperative_start(text, start, end):
        return False  # "Emit a fatal error if ...": an instruction's verb
    if "technical_head" not in person_filters.DISABLED and before_technical_noun(text, start, end):
        return False  # "the Julian day": a modifier
    after = _WORD_AFTER.match(text, end)
    if after and after.group(1).lower() in PRODUCT_NOUNS:
        return False
    before = _WORD_BEFORE.search(text, max(0, start - 20), start)
    return not (" " not in value and before and before.group(1).lower() in TOOL_PREPOSITIONS)


_WORD_AFTER = re.compile(r"[ ]+(\p{L}+)")
_WORD_BEFORE = re.compile(r"(\p{L}+)[ ]+$")
