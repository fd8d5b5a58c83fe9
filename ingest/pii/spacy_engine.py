"""The spaCy engine Presidio runs: tokenizer and NER only, PERSON spans voted in
``ingest.pii.person_filters``.

Speed: spaCy runs only its NER component (it has its own tok2vec in ``en_core_web_sm``; the
tagger, parser and lemmatizer are excluded), and texts go through ``nlp.pipe`` in batches.
Without the lemmatizer, Presidio's context enhancer compares context words against
lower-cased tokens (substring match), which is what it needs. Nothing is imported from
spaCy or Presidio before ``ner_only_engine_class`` is called (in ``warm_up``).
"""

from __future__ import annotations

import os
from typing import Any

from ingest.pii.person_filters import person_entities

# Everything an English spaCy pipeline may hold besides the tokenizer and NER.
_SPACY_NON_NER_COMPONENTS = (
    "tok2vec",
    "tagger",
    "morphologizer",
    "parser",
    "senter",
    "attribute_ruler",
    "lemmatizer",
    "trainable_lemmatizer",
    "entity_ruler",
    "entity_linker",
    "textcat",
)
# Context words of our recognizers that spaCy lists as stop words.
_CONTEXT_WORDS = frozenset({"call"})


_ENGINE_CLASSES: dict[bool, type] = {}


def ner_only_engine_class(need_ner: bool) -> type:
    """A SpacyNlpEngine that loads only the tokenizer and NER (or only the tokenizer when no
    PERSON is configured), and uses lower-cased tokens where Presidio expects lemmas."""
    if need_ner in _ENGINE_CLASSES:
        return _ENGINE_CLASSES[need_ner]
    import spacy
    from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine

    class NerOnlySpacyNlpEngine(SpacyNlpEngine):
        engine_name = "spacy"
        is_available = True

        def load(self) -> None:
            # exclude (not disable): excluded components are never even loaded.
            self.nlp = {}
            for model in self.models:
                self._validate_model_params(model)
                name = model["model_name"]
                exclude = list(_SPACY_NON_NER_COMPONENTS)
                if not need_ner:
                    exclude.append("ner")
                elif _ner_listens_to_tok2vec(name):
                    exclude.remove("tok2vec")
                self.nlp[model["lang_code"]] = spacy.load(name, exclude=exclude)

        def is_stopword(self, word: str, language: str) -> bool:
            # Stop words never count as context; spaCy's list holds "call", which is how a
            # number is introduced ("call 020 7946 0958").
            return word.lower() not in _CONTEXT_WORDS and super().is_stopword(word, language)

        def _doc_to_nlp_artifact(self, doc: Any, language: str) -> Any:
            entities: list[Any] = []
            scores: list[float] = []
            if need_ner:
                entities, scores = person_entities(doc, self.ner_model_configuration.default_score)
                entities, scores = self._get_updated_entities(entities, scores)
            indices, lemmas, ends = [], [], []
            for t in doc:  # one pass: building spaCy tokens is the costly part
                indices.append(t.idx)
                lemmas.append(t.lower_)
                ends.append(t.idx + len(t))
            artifacts = NlpArtifacts(
                entities=entities,
                tokens=doc,
                tokens_indices=indices,
                lemmas=lemmas,
                nlp_engine=self,
                language=language,
                scores=scores,
            )
            artifacts.token_ends = ends  # read by OffsetContextEnhancer
            return artifacts

    _ENGINE_CLASSES[need_ner] = NerOnlySpacyNlpEngine
    return NerOnlySpacyNlpEngine


def _ner_listens_to_tok2vec(model_name: str) -> bool:
    """True when the model's NER shares the pipeline's tok2vec (then it must stay loaded).
    ``en_core_web_sm`` gives NER its own; other models may not."""
    import spacy

    path = model_name if os.path.isdir(model_name) else None
    if path is None:
        try:
            path = str(spacy.util.get_package_path(model_name))
        except Exception:  # noqa: BLE001 - unknown layout: keep tok2vec, the safe choice
            return True
    cfg_path = os.path.join(path, "config.cfg")
    if not os.path.exists(cfg_path):
        return True
    with open(cfg_path, encoding="utf-8") as f:
        cfg = f.read()
    ner = cfg.split("[components.ner.model.tok2vec]", 1)
    return len(ner) < 2 or "Listener" in ner[1].split("[", 1)[0]

