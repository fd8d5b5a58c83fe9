"""Presidio's context enhancer, made cheaper, and table column headers as context."""

from __future__ import annotations

import bisect
from typing import Any

import regex as re
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer


class OffsetContextEnhancer(LemmaContextAwareEnhancer):
    """Presidio's lemma context enhancer, made cheaper: the token under a match is found by
    bisection over token end offsets (Presidio scans the text's tokens once per detection),
    and results are updated in place instead of deep-copied (the analyzer created them for
    this call). Together that was about a third of the analysis time."""

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: Any,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        if nlp_artifacts is None:
            return raw_results
        by_id = {r.id: r for r in recognizers}
        extra = [w.lower() for w in context or []]
        for result in raw_results:
            meta = result.recognition_metadata or {}
            recognizer = by_id.get(meta.get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY))
            if recognizer is None or not recognizer.context:
                continue
            if meta.get(RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY):
                continue
            words = self._extract_surrounding_words(
                nlp_artifacts, text[result.start : result.end], result.start
            )
            words.extend(extra)
            words.extend(column_header_words(text, result.start))
            supportive = self._find_supportive_word_in_context(
                words, recognizer.context, self.context_matching_mode
            )
            if supportive:
                result.score = min(
                    max(
                        result.score + self.context_similarity_factor,
                        self.min_score_with_context_similarity,
                    ),
                    1.0,
                )
                if result.analysis_explanation is not None:
                    result.analysis_explanation.set_supportive_context_word(supportive)
                    result.analysis_explanation.set_improved_score(result.score)
        return raw_results

    def _extract_surrounding_words(self, nlp_artifacts: Any, word: str, start: int) -> list[str]:
        if not nlp_artifacts.tokens:
            return [""]
        ends = getattr(nlp_artifacts, "token_ends", None)
        if ends is None:
            ends = [t.idx + len(t.text) for t in nlp_artifacts.tokens]
            nlp_artifacts.token_ends = ends
        index = bisect.bisect_right(ends, start)
        if index >= len(ends):
            raise ValueError("match lies beyond the last token")
        keywords = nlp_artifacts.keywords
        lemmas = nlp_artifacts.lemmas
        context = self._add_n_words_backward(index, self.context_prefix_count, lemmas, keywords)
        context += self._add_n_words_forward(index, self.context_suffix_count, lemmas, keywords)
        return list(set(context))


_WORD_RE = re.compile(r"\w+")


def column_header_words(text: str, start: int, max_rows: int = 500) -> list[str]:
    """Lower-cased words of the header cell above ``start`` when it lies in a table row
    (cells joined by ``|``, as the parsers write tables, or by tabs): the header "SSN" or
    "手机" is the context of a bare number twenty rows down its column."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    delimiter = "|" if "|" in line else "\t" if "\t" in line else None
    if delimiter is None:
        return []
    column = text.count(delimiter, line_start, start)
    header_start = line_start
    for _ in range(max_rows):
        if header_start == 0:
            break
        above = text.rfind("\n", 0, header_start - 1) + 1
        if delimiter not in text[above : header_start - 1]:
            break
        header_start = above
    if header_start == line_start:
        return []  # the match is in the header row itself
    header_end = text.find("\n", header_start)
    cells = text[header_start:header_end].split(delimiter)
    return _WORD_RE.findall(cells[column].lower()) if column < len(cells) else []
