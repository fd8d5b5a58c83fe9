"""Dataset building's two set operations: documents split into train / validation / test, and
near-duplicate questions dropped."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from kb_service.text import is_cjk
from training.dataset_card import SPLITS
from training.pairs import QAPair

if TYPE_CHECKING:
    from kb_service.embedder import Embedder

EMBED_BATCH = 256


def split_documents(
    document_ids: Iterable[str], fractions: Sequence[float], seed: int
) -> tuple[dict[str, list[str]], str | None]:
    """Documents into train / validation / test, deterministically.

    Documents are ordered by sha256(seed:id), an order that adding or removing a document
    does not reshuffle, and the test, then the validation share is taken from the front.
    With three documents or more, a split with a non-zero share gets at least one. With fewer
    than three, all go to train; the returned note says so.
    """
    ids = sorted(set(document_ids))
    empty: dict[str, list[str]] = {name: [] for name in SPLITS}
    if len(ids) < 3:
        note = (
            f"only {len(ids)} document(s): all are in train, validation and test are empty "
            "(a split by document needs at least 3)"
        )
        return {**empty, "train": ids}, note
    f_train, f_val, f_test = fractions
    order = sorted(ids, key=lambda d: hashlib.sha256(f"{seed}:{d}".encode()).hexdigest())
    n = len(order)
    n_val = max(1, round(n * f_val)) if f_val > 0 else 0
    n_test = max(1, round(n * f_test)) if f_test > 0 else 0
    while f_train > 0 and n - n_val - n_test < 1:
        if n_val >= n_test and n_val > 1:
            n_val -= 1
        elif n_test > 1:
            n_test -= 1
        else:
            break
    test, validation, train = order[:n_test], order[n_test : n_test + n_val], order[n_test + n_val :]
    return {"train": sorted(train), "validation": sorted(validation), "test": sorted(test)}, None


def _bigrams(text: str) -> Counter[str]:
    compact = re.sub(r"\s+", "", text)
    return Counter(compact[i : i + 2] for i in range(len(compact) - 1))


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    norm = (sum(v * v for v in a.values()) * sum(v * v for v in b.values())) ** 0.5
    return dot / norm if norm else 0.0


def dedupe_questions(
    pairs: Sequence[QAPair],
    embedder: Embedder,
    threshold: float,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> list[QAPair]:
    """Drop each question whose cosine similarity to an earlier kept one reaches `threshold`.

    Earlier wins, so callers order pairs by priority (train before test: a test question
    that repeats a training question would measure memory, not generalisation). Questions are
    compared within their language only. For mainly-CJK questions the character-bigram cosine
    must reach the threshold too: an English-only embedder maps different Chinese questions to
    nearly the same vector (all-MiniLM gives 1.00 to 关于密码要求 vs 关于账号管理).
    """
    if not pairs:
        return []
    texts = [p.question for p in pairs]
    vectors: list[list[float]] = []
    for start in range(0, len(texts), EMBED_BATCH):
        vectors.extend(embedder.embed(texts[start : start + EMBED_BATCH]))
        if progress is not None:
            progress(min(start + EMBED_BATCH, len(texts)), len(texts))
    matrix = np.asarray(vectors, dtype=np.float32)
    groups: dict[bool, list[int]] = {True: [], False: []}
    kept: list[QAPair] = []
    for index, pair in enumerate(pairs):
        cjk = is_cjk(pair.question)
        earlier = groups[cjk]
        duplicate = False
        if earlier:
            sims = matrix[earlier] @ matrix[index]
            for position in np.flatnonzero(sims >= threshold):
                other = pairs[earlier[int(position)]].question
                if not cjk or _cosine(_bigrams(pair.question), _bigrams(other)) >= threshold:
                    duplicate = True
                    break
        if not duplicate:
            earlier.append(index)
            kept.append(pair)
    return kept
