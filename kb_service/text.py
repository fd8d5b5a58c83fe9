"""Text helpers shared by ingestion, search and answering."""

from __future__ import annotations

import re

# CJK Unified Ideographs (+ extension A), Hiragana, Katakana, Hangul syllables.
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7af]+")


_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def has_cjk(text: str) -> bool:
    return _CJK_RUN.search(text) is not None


def is_cjk(text: str) -> bool:
    """Is the text mainly CJK (so an English-only embedder cannot judge it)?"""
    han = sum(len(run) for run in _HAN_RUN.findall(text))
    return has_cjk(text) and han * 2 >= len(_LATIN_LETTER.findall(text))


def _bigrams(run: str) -> str:
    if len(run) == 1:
        return run
    return " ".join(run[i : i + 2] for i in range(len(run) - 1))


def keyword_text(text: str) -> str:
    """Text as the keyword index sees it: CJK runs become overlapping bigrams.

    BM25 tokenizers split on whitespace and punctuation, which leaves a Chinese sentence as one
    huge token. Overlapping bigrams (as Lucene's CJK analyzer does) make Chinese terms findable
    while English words keep their normal tokenization and stemming. Queries go through the
    same function, so both sides agree on every backend.
    """
    return _CJK_RUN.sub(lambda m: f" {_bigrams(m.group(0))} ", text)
