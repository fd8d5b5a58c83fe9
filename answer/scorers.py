"""Support scorers: how well does a passage back a claim? (Facts are the verifier's job.)

`EmbeddingLexicalScorer` is the default (the embedder the service already holds, CPU, no extra
model). `CrossEncoderNLIScorer` uses an NLI cross-encoder when one is configured.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from answer.facts import content_terms
from answer.sentences import split_sentences
from kb_service.text import is_cjk
from kb_service.embedder import Embedder
from kb_service.errors import ConfigurationError, ModelNotFoundError
from kb_service.models import resolve_model

log = logging.getLogger(__name__)


@runtime_checkable
class SupportScorer(Protocol):
    name: str

    def warm_up(self) -> None: ...

    def score(self, claims: Sequence[str], passages: Sequence[str]) -> list[list[float]]:
        """support[i][j] in [0, 1]: how well passage j supports claim i (facts not checked here)."""


# Bounds such as "no more than", "must not exceed", 不超过 state a limit, not a negation.
_BOUND = re.compile(
    r"\b(?:no|not)\s+(?:more|less|fewer|later|earlier|longer|sooner|higher|lower)\s+than\b"
    r"|\b(?:not|never)\s+(?:to\s+)?exceed\w*|不得?(?:超过|少于|多于|低于|高于|晚于|迟于|早于)"
    r"|不(?:同|久|仅|管|论)",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(?:not|never|none|nobody|nothing|neither|nor|cannot|without)\b|\bno\b(?!\.?\s*\d)|n['’]t\b"
    r"|不|没有|无需|无法|禁止",
    re.IGNORECASE,
)


def _negated(text: str) -> bool:
    return _NEGATION.search(_BOUND.sub(" ", text)) is not None


def _markdown_free(text: str) -> str:
    return re.sub(r"[*_`#>]+", " ", text)


class _Window:
    """A stretch of a passage a claim is compared with: one sentence or two adjacent ones."""

    __slots__ = ("passage", "sentences", "terms", "parts")

    def __init__(self, passage: int, sentences: tuple[int, ...], texts: Sequence[str]) -> None:
        self.passage = passage
        self.sentences = sentences
        self.parts = [(frozenset(content_terms(texts[k])), _negated(texts[k])) for k in sentences]
        self.terms: frozenset[str] = frozenset().union(*(terms for terms, _ in self.parts))

    def negated_for(self, claim_terms: frozenset[str]) -> bool:
        """Polarity of the window's sentence that shares most terms with the claim.

        Not of the window as a whole: "Never share your password" next to "Passwords must be
        changed" must not make "Passwords never need to be changed" look agreeing.
        """
        return max(self.parts, key=lambda part: len(part[0] & claim_terms))[1]


def _windows(passages: Sequence[str]) -> tuple[list[list[str]], list[_Window]]:
    sentences = [split_sentences(_markdown_free(p)) or [p] for p in passages]
    windows = [
        _Window(j, tuple(range(k, k + size)), texts)
        for j, texts in enumerate(sentences)
        for size in (1, 2)
        for k in range(len(texts) - size + 1)
    ]
    return sentences, windows


class EmbeddingLexicalScorer:
    """Semantic similarity from the embedder blended with lexical containment, per window.

    For a claim c and a window w of a passage (one sentence, or two adjacent ones):

        sem  = clip((cos(c, w) - 0.45) / 0.30, 0, 1)
        lex  = share of the claim's content terms (word stems without stop words and numbers;
               CJK characters and character bigrams) that occur in w
        unit = 0.75 * sem + 0.25 * lex         English claims
        unit = min(1, lex / 0.8)               CJK claims: the default embedder is English-only
        unit *= 0.4                            when one of claim and window is negated and the
                                               other not ("not", "never", 不, 禁止; "no more
                                               than" and 不超过 are bounds, not negations)
        support(c, passage) = max over the passage's windows

    The semantic part carries paraphrases; the lexical part lifts verbatim restatements and
    keeps a claim that merely sounds like a passage from full marks. On the calibration set
    (policy passages of the tests), MiniLM cosines of a claim with the sentence it restates
    were 0.73-1.0, with a related but unsupported sentence 0.41-0.61, with unrelated text below
    0.4; the rescale maps 0.75 and up to full semantic support and the unsupported range to
    0-0.5. Resulting support: paraphrases 0.81-1.0 (mean 0.91), verbatim restatements 1.0,
    related but unsupported claims 0-0.53 (mean 0.22; the top one, "work from home on Fridays",
    is then stopped by the fact gate), off-topic 0-0.15, negated restatements 0.31-0.46.
    Cosine cannot tell "submit 10 days ahead" from "submit on the same day" (0.95): numbers are
    the fact gate's job, negation the factor's; other contradictions need the NLI scorer.
    The constants fit all-MiniLM-L6-v2; another embedder has its own cosine range and needs
    its own SEMANTIC_FLOOR and SEMANTIC_SPAN. CJK claims rest on lexical containment and facts
    alone and are checked more coarsely: on Chinese policy sentences, rewordings scored
    0.69-1.0 (0.28 for 没有休完 in place of 未休, read as a negation), unsupported claims
    0.2-0.6, but one that swaps a single noun of a passage sentence (带薪病假 for 带薪年假)
    scores like a restatement. Chinese deployments should configure an NLI model.

    Speed: embedding every sentence of five 200-token chunks takes a few hundred ms on two
    cores, so only windows that could win are embedded: per claim, the `candidates` windows
    with the best lexical containment plus the best window of each of the `passages` passages
    that overlap it most. Other windows score on their lexical part alone, which keeps them
    below any useful threshold. A two-sentence window's vector is the normalised sum of its
    sentence vectors (MiniLM pools by mean); sentence vectors are cached across calls (the same
    chunks come back for related questions) and all misses of one call go to one embed() call.
    """

    name = "embedding-lexical"
    SEMANTIC_FLOOR = 0.45
    SEMANTIC_SPAN = 0.30
    SEMANTIC_WEIGHT = 0.75
    CJK_FULL_LEXICAL = 0.8
    NEGATION_FACTOR = 0.4

    def __init__(
        self, embedder: Embedder, *, candidates: int = 2, passages: int = 3, cache_size: int = 4096
    ) -> None:
        self._embedder = embedder
        self._candidates = candidates
        self._passages = passages
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        self._embedder.warm_up()

    def _vectors(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors for the texts: cached ones, and the rest from one embed() call."""
        with self._lock:
            found = {t: self._cache[t] for t in texts if t in self._cache}
            for text in found:
                self._cache.move_to_end(text)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            vectors = np.asarray(self._embedder.embed(missing), dtype=np.float32)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    found[text] = vector
                    self._cache[text] = vector
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return found

    def _worth_embedding(self, lexical: np.ndarray, windows: Sequence[_Window]) -> set[int]:
        """Windows of one claim that could win: best lexical overall and best per passage."""
        order = sorted(range(len(windows)), key=lambda w: (-lexical[w], len(windows[w].sentences)))
        best_per_passage: dict[int, int] = {}
        for w in order:
            if lexical[w] > 0:
                best_per_passage.setdefault(windows[w].passage, w)
        passages = list(best_per_passage.values())[: self._passages]
        return set(order[: self._candidates]) | set(passages)

    def _semantic(self, claim: np.ndarray, sentences: Sequence[np.ndarray]) -> float:
        summed = np.sum(sentences, axis=0)
        cosine = float(claim @ summed) / max(float(np.linalg.norm(summed)), 1e-9)
        return min(1.0, max(0.0, (cosine - self.SEMANTIC_FLOOR) / self.SEMANTIC_SPAN))

    def score(self, claims: Sequence[str], passages: Sequence[str]) -> list[list[float]]:
        if not claims or not passages:
            return [[0.0] * len(passages) for _ in claims]
        sentences, windows = _windows(passages)
        claim_terms = [frozenset(content_terms(c)) for c in claims]
        lexical = np.array(
            [[len(t & w.terms) / len(t) if t else 0.0 for w in windows] for t in claim_terms]
        )
        english = [None if is_cjk(c) else _markdown_free(c) for c in claims]
        wanted: list[set[int]] = []
        for text, terms, row in zip(english, claim_terms, lexical, strict=True):
            if text is None:
                wanted.append(set())
            elif terms:
                wanted.append(self._worth_embedding(row, windows))
            else:  # nothing to rank by: compare with every window
                wanted.append(set(range(len(windows))))
        needed = {
            (windows[w].passage, k) for ws in wanted for w in ws for k in windows[w].sentences
        }
        texts = [t for t in english if t is not None] + [sentences[j][k] for j, k in sorted(needed)]
        vectors = self._vectors(texts)

        support = np.zeros((len(claims), len(passages)))
        for i, claim in enumerate(claims):
            negated = _negated(claim)
            text = english[i]
            for w, window in enumerate(windows):
                lex = float(lexical[i, w])
                if text is None:
                    value = min(1.0, lex / self.CJK_FULL_LEXICAL)
                else:
                    sem = 0.0
                    if w in wanted[i]:
                        parts = [vectors[sentences[window.passage][k]] for k in window.sentences]
                        sem = self._semantic(vectors[text], parts)
                    value = self.SEMANTIC_WEIGHT * sem + (1 - self.SEMANTIC_WEIGHT) * lex
                if negated != window.negated_for(claim_terms[i]):
                    value *= self.NEGATION_FACTOR
                support[i, window.passage] = max(support[i, window.passage], value)
        return support.round(4).tolist()


class CrossEncoderNLIScorer:
    """Support = entailment probability of an NLI cross-encoder; premise: a passage window.

    Windows of three sentences, overlapping by one, so a long chunk does not exceed the model's
    input and a claim drawn from two adjacent sentences still finds both.
    """

    name = "cross-encoder-nli"
    WINDOW_SENTENCES = 3

    def __init__(self, model: str, device: str = "cpu") -> None:
        self.model_name = model
        self.name = f"nli:{model}"
        self._device = device
        self._model: Any = None
        self._entailment = 0
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            self._model, self._entailment = self._load()
            log.info("NLI model %s loaded (entailment label %d)", self.model_name, self._entailment)

    def _load(self) -> tuple[Any, int]:
        hint = "Set KB_NLI_MODEL to a local NLI cross-encoder folder, or unset it."
        target, local = resolve_model(self.model_name)
        if not local and (target.startswith((".", "/", "~")) or target.count("/") > 1):
            raise ModelNotFoundError(f"NLI model folder {self.model_name!r} does not exist. {hint}")
        if local:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder never calls the hub
        from sentence_transformers import CrossEncoder

        try:
            model = CrossEncoder(target, device=self._device)
        except (OSError, ValueError) as exc:
            reason = str(exc).strip().rstrip(".")
            raise ModelNotFoundError(
                f"cannot load NLI model {self.model_name!r}: {reason}. {hint}"
            ) from exc
        config = getattr(model, "config", None) or getattr(model.model, "config", None)
        labels = dict(getattr(config, "id2label", None) or {})
        entailment = [int(k) for k, v in labels.items() if "entail" in str(v).lower()]
        if len(entailment) != 1:
            raise ConfigurationError(
                f"NLI model {self.model_name!r} has no entailment label (labels: "
                f"{labels or 'none'}); KB_NLI_MODEL must name an NLI cross-encoder"
            )
        return model, entailment[0]

    def _windows(self, passage: str) -> list[str]:
        sentences = split_sentences(passage) or [passage]
        size = self.WINDOW_SENTENCES
        if len(sentences) <= size:
            return [" ".join(sentences)]
        starts = list(range(0, len(sentences) - size + 1, size - 1))
        if starts[-1] != len(sentences) - size:
            starts.append(len(sentences) - size)
        return [" ".join(sentences[k : k + size]) for k in starts]

    def score(self, claims: Sequence[str], passages: Sequence[str]) -> list[list[float]]:
        self.warm_up()
        windows = [self._windows(p) for p in passages]
        pairs = [(window, claim) for claim in claims for ws in windows for window in ws]
        if not pairs:
            return [[0.0] * len(passages) for _ in claims]
        predicted = self._model.predict(pairs, apply_softmax=True, show_progress_bar=False)
        entailment = np.asarray(predicted)[:, self._entailment]
        support: list[list[float]] = []
        cursor = 0
        for _ in claims:
            row = []
            for ws in windows:
                row.append(round(float(entailment[cursor : cursor + len(ws)].max()), 4))
                cursor += len(ws)
            support.append(row)
        return support


def make_scorer(embedder: Embedder, nli_model: str | None, device: str = "cpu") -> SupportScorer:
    """The NLI scorer when a model is configured, else the embedding + lexical one."""
    if nli_model:
        return CrossEncoderNLIScorer(nli_model, device)
    return EmbeddingLexicalScorer(embedder)
