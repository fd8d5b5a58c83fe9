"""Pure metric functions of the evaluation: text normalisation, token F1, ROUGE-L, number match.

English and Chinese are scored on the same footing: CJK text is tokenised by character (as
Chinese QA benchmarks such as CMRC and DuReader do), Latin text by lower-cased words, so a
mixed answer is scored token by token whatever its script.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
# [1], [2, 3], [1-2], 【1】 — the citation markers an answer carries inline.
_CITATION_MARKER = re.compile(r"\[\s*\d+(?:\s*[,，\-–]\s*\d+)*\s*\]|【\s*\d+\s*】")
# A trailing "Sources:" / "References:" / "来源：" block, to the end of the text.
_SOURCES_BLOCK = re.compile(
    r"(?:^|\n)[ \t]*(?:\*\*)?"
    r"(?:sources?|references?|citations?|来源|参考资料|参考|引用)"
    r"(?:\*\*)?[ \t]*[:：].*\Z",
    re.IGNORECASE | re.DOTALL,
)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_ARTICLES = frozenset({"a", "an", "the"})

CORRECTNESS_RULE = (
    "An answerable question counts as correct when it is answered (not suppressed, no error) and "
    "token F1 ≥ 0.5, or ROUGE-L ≥ 0.5, or (every number of the reference appears in the answer "
    "and token F1 ≥ 0.2). An unanswerable question is handled well when it is suppressed."
)


def strip_citations(text: str) -> str:
    """The answer text without inline citation markers and without a trailing sources block."""
    return _CITATION_MARKER.sub(" ", _SOURCES_BLOCK.sub("", text)).strip()


def tokenize(text: str) -> list[str]:
    """CJK characters one by one, other words lower-cased; articles and punctuation dropped."""
    text = _THOUSANDS.sub("", strip_citations(text).lower())
    return [tok for tok in _TOKEN.findall(text) if tok not in _ARTICLES]


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD-style bag-of-tokens F1 between an answer and the reference answer."""
    pred, ref = tokenize(prediction), tokenize(reference)
    if not pred or not ref:
        return float(pred == ref)
    overlap = sum((Counter(pred) & Counter(ref)).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(pred), overlap / len(ref)
    return 2 * precision * recall / (precision + recall)


def _lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    if len(a) < len(b):
        a, b = b, a
    row = [0] * (len(b) + 1)
    for x in a:
        prev_diag = 0
        for j, y in enumerate(b, start=1):
            prev_diag, row[j] = row[j], prev_diag + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F1: longest common subsequence of tokens, harmonic mean of precision and recall."""
    pred, ref = tokenize(prediction), tokenize(reference)
    if not pred or not ref:
        return float(pred == ref)
    lcs = _lcs_length(pred, ref)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(pred), lcs / len(ref)
    return 2 * precision * recall / (precision + recall)


def extract_numbers(text: str) -> set[str]:
    """Numbers in a text, normalised: thousands separators dropped, trailing decimal zeros cut
    ("1,500" → "1500", "220.00" → "220", "0.67" stays). "10:00" gives "10" and "00" → "0"."""
    text = _THOUSANDS.sub("", strip_citations(text))
    numbers = set()
    for raw in _NUMBER.findall(text):
        whole, _, fraction = raw.partition(".")
        whole, fraction = whole.lstrip("0") or "0", fraction.rstrip("0")
        numbers.add(f"{whole}.{fraction}" if fraction else whole)
    return numbers


def numbers_match(prediction: str, reference: str) -> bool | None:
    """Whether all numbers of the reference appear in the answer (None: the reference has none)."""
    wanted = extract_numbers(reference)
    if not wanted:
        return None
    return wanted <= extract_numbers(prediction)


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Linear-interpolated percentile (as numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def histogram(values: Sequence[float], bins: int = 10) -> list[int]:
    """Counts of values in `bins` equal bins over [0, 1]; 1.0 falls in the last bin."""
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, max(0, int(value * bins)))] += 1
    return counts


def bleu4(predictions: Sequence[str], references: Sequence[str]) -> float | None:
    """Corpus BLEU-4 (sacrebleu, exponential smoothing) on 0..1, over the same tokens as F1 and
    ROUGE-L (CJK by character, Latin by lower-cased word), citation markers removed; None for
    no pairs. A secondary metric: short factual answers make BLEU noisy."""
    if not predictions:
        return None
    from sacrebleu.metrics import BLEU

    def joined(text: str) -> str:
        return " ".join(tokenize(strip_citations(text)))

    score = BLEU(tokenize="none", max_ngram_order=4, smooth_method="exp").corpus_score(
        [joined(p) for p in predictions], [[joined(r) for r in references]]
    )
    return score.score / 100


def is_correct(f1: float, rouge: float, numbers: bool | None) -> bool:
    """The correctness rule (CORRECTNESS_RULE) for an answered, answerable question."""
    return f1 >= 0.5 or rouge >= 0.5 or (numbers is True and f1 >= 0.2)
