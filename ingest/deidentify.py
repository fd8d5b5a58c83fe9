"""De-identification: the stage that removes personal data before anything is stored.

Presidio's analyzer finds entities (spaCy NER for English names, pattern recognizers with
checksums for identifiers, ours in ``ingest.recognizers`` for what Presidio lacks); we then
replace each with a typed placeholder that is consistent across one document, so
``Jane Doe`` is ``<PERSON_1>`` in every chunk of that document and text stays readable.

Speed: spaCy runs only its NER component (it has its own tok2vec in ``en_core_web_sm``; the
tagger, parser and lemmatizer are excluded), texts go through ``nlp.pipe`` in batches, and
only the recognizers for the configured entity types are registered, for ``"en"`` only.
Without the lemmatizer, Presidio's context enhancer compares context words against
lower-cased tokens (substring match), which is what it needs.

Nothing here logs document text or detected values; only entity types and counts.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, get_args

from ingest.pii.spacy_engine import ner_only_engine_class
from ingest.pii.spans import Span, resolve_overlaps
from kb_service.errors import ConfigurationError
from kb_service.models import spacy_model_path
from kb_service.settings.pii import SecondOpinionScope

if TYPE_CHECKING:
    from kb_service.settings import Settings

logger = logging.getLogger(__name__)

# Presidio recognizers we keep: entity type -> class in presidio_analyzer.predefined_recognizers.
_PRESIDIO_RECOGNIZERS: dict[str, str] = {
    "CREDIT_CARD": "CreditCardRecognizer",
    "IBAN_CODE": "IbanRecognizer",
    "IP_ADDRESS": "IpRecognizer",
    "US_SSN": "UsSsnRecognizer",
}
# Everything this stage can find (Presidio's recognizers above plus ingest.recognizers).
SUPPORTED_ENTITIES = frozenset(
    {
        "PERSON",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "STREET_ADDRESS",
        "CN_RESIDENT_ID",
        "CN_MOBILE",
        "CN_BANK_CARD",
        "PASSPORT",
    }
    | set(_PRESIDIO_RECOGNIZERS)
)
# spaCy labels we drop (only PERSON is used); listing them avoids Presidio warning per entity.
_SPACY_IGNORED_LABELS = [
    "ORG",
    "ORGANIZATION",
    "GPE",
    "LOC",
    "LOCATION",
    "FAC",
    "NORP",
    "NRP",
    "DATE",
    "TIME",
    "DATE_TIME",
    "CARDINAL",
    "EVENT",
    "LANGUAGE",
    "LAW",
    "MONEY",
    "ORDINAL",
    "PERCENT",
    "PRODUCT",
    "QUANTITY",
    "WORK_OF_ART",
]
_NON_DIGIT_RE = re.compile(r"\D")
_NON_ALNUM_RE = re.compile(r"[^0-9A-Za-z]")
_SPACE_RE = re.compile(r"\s+")
_PUNCT_RE = re.compile(r"[\s,.;:，。、：]+")
_NUMERIC_TYPES = {"CREDIT_CARD", "CN_BANK_CARD", "US_SSN"}
SECOND_OPINION_SCOPES: tuple[str, ...] = get_args(SecondOpinionScope)


@dataclass(frozen=True)
class DeidentifyConfig:
    entities: tuple[str, ...]
    score_threshold: float = 0.4
    spacy_model: str | None = None  # passed to kb_service.models.spacy_model_path
    # ingest.pii.second_opinion: where a second model is asked about doubtful names
    second_opinion: SecondOpinionScope = "markup"

    def __post_init__(self) -> None:
        if not self.entities:
            raise ValueError("DeidentifyConfig.entities must name at least one entity type")
        if not 0.0 <= self.score_threshold <= 1.0:
            raise ValueError("score_threshold must lie between 0 and 1")
        if self.second_opinion not in SECOND_OPINION_SCOPES:
            raise ValueError(f"second_opinion must be one of {', '.join(SECOND_OPINION_SCOPES)}")

    @classmethod
    def from_settings(cls, settings: Settings) -> DeidentifyConfig:
        return cls(
            entities=tuple(settings.pii_entities),
            score_threshold=settings.pii_score_threshold,
            spacy_model=settings.spacy_model,
            second_opinion=settings.pii_second_opinion,
        )


@dataclass(frozen=True)
class Redacted:
    text: str  # de-identified text
    counts: dict[str, int]  # entity type -> occurrences replaced in this text


def _mapping_key(entity_type: str, value: str) -> str:
    """Normalise a detected value so different spellings of one value share a placeholder."""
    if entity_type in ("PHONE_NUMBER", "CN_MOBILE"):
        digits = _NON_DIGIT_RE.sub("", value)
        # '+1 (415) 555-0134' == '415-555-0134'; '+44 20 7946 0958' == '020 7946 0958';
        # '+86 139 1234 5678' == '13912345678'
        keep = 11 if entity_type == "CN_MOBILE" else 10
        return digits[-keep:] if digits else value
    if entity_type in _NUMERIC_TYPES:
        return _NON_DIGIT_RE.sub("", value) or value
    if entity_type in ("CN_RESIDENT_ID", "IBAN_CODE", "PASSPORT"):
        return _NON_ALNUM_RE.sub("", value).upper() or value
    if entity_type in ("PERSON", "EMAIL_ADDRESS"):
        return _SPACE_RE.sub(" ", value).strip().casefold()
    if entity_type == "STREET_ADDRESS":
        return _PUNCT_RE.sub(" ", value).strip().casefold()
    return value.strip()


class _Engine:
    """What warm_up builds: the analyzer, the batch analyzer and the analysis arguments."""

    def __init__(
        self, analyzer: Any, batch: Any, entities: list[str], threshold: float, names: Any = None,
        markup_only: bool = False,
    ) -> None:
        self.analyzer = analyzer
        self.batch = batch
        self.entities = entities
        self.threshold = threshold
        self.names = names  # ingest.pii.second_opinion.NameModel, or None
        self.markup_only = markup_only  # ask the second opinion only in texts written as markup

    def analyze_one(self, text: str) -> list[Span]:
        results = self.analyzer.analyze(
            text=text, language="en", entities=self.entities, score_threshold=self.threshold
        )
        return self._spans(results, text, *self._reviews([text])[0])

    def analyze_many(self, texts: list[str], batch_size: int, document: bool = False) -> list[list[Span]]:
        """Spans of each text; ``document``: the texts are one document's, and a phrase it
        uses as a product somewhere is no PERSON anywhere in it (``ingest.pii.person_review``)."""
        batches = self.batch.analyze_iterator(
            texts=texts,
            language="en",
            batch_size=batch_size,
            entities=self.entities,
            score_threshold=self.threshold,
        )
        reviews = self._reviews(texts, document)
        spans = [self._spans(results, text, *how) for text, results, how in zip(texts, batches, reviews)]
        if document and "PERSON" in self.entities:
            from ingest.pii.person_review import review_document

            spans = review_document(texts, spans)
        return spans

    def _reviews(self, texts: list[str], document: bool = False) -> list[tuple[bool, bool]]:
        """Per text: whether the second opinion is asked there (everywhere, or with
        ``markup_only`` in technical texts) and whether it is technical
        (``person_review.technical``)."""
        if "PERSON" not in self.entities:
            return [(False, False)] * len(texts)
        from ingest.pii.person_review import technical

        tech = technical(texts, document)
        if self.names is None:
            return [(False, t) for t in tech]
        return [(t or not self.markup_only, t) for t in tech]

    def _spans(self, results: list[Any], text: str, ask_second_opinion: bool = False,
               is_technical: bool = False) -> list[Span]:
        if "PERSON" in self.entities:
            from ingest.pii.person_review import review_text

            results = review_text(text, results, self.names if ask_second_opinion else None, is_technical)
        return resolve_overlaps(results, text)


class Deidentifier:
    """Builds the analyzer once (``warm_up``) and hands out one ``DeidSession`` per document."""

    batch_size = 32

    def __init__(self, config: DeidentifyConfig) -> None:
        self.config = config
        self._engine: _Engine | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        if self._engine is not None:
            return
        with self._lock:
            if self._engine is None:
                self._engine = self._build()

    def session(self) -> DeidSession:
        self.warm_up()
        assert self._engine is not None
        return DeidSession(self._engine, self.batch_size)

    def find_many(self, texts: list[str], document: bool = False) -> list[list[tuple[int, int, str]]]:
        """(start, end, type) of what ``redact_many(texts, document)`` would replace in each
        text (benchmarks read findings here: placeholders can be ambiguous to align)."""
        self.warm_up()
        assert self._engine is not None
        todo = [i for i, t in enumerate(texts) if t.strip()]
        spans = self._engine.analyze_many([texts[i] for i in todo], self.batch_size, document)
        found: list[list[tuple[int, int, str]]] = [[] for _ in texts]
        for i, found_spans in zip(todo, spans):
            found[i] = [(s.start, s.end, s.entity_type) for s in found_spans]
        return found

    def _build(self) -> _Engine:
        # tldextract (used by the e-mail recognizer) must use its bundled suffix list.
        os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
        from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine, RecognizerRegistry
        from presidio_analyzer import predefined_recognizers as predefined
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        from ingest.recognizers import OffsetContextEnhancer, custom_recognizers

        entities = set(self.config.entities)
        recognizers: list[Any] = []
        for entity, class_name in _PRESIDIO_RECOGNIZERS.items():
            if entity in entities:
                recognizers.append(getattr(predefined, class_name)(supported_language="en"))
        recognizers.extend(custom_recognizers(entities))
        if "PERSON" in entities:
            from ingest.pii.name_lexicon import common_words, country_names, name_lists

            name_lists(), common_words(), country_names()  # read once, here, not on the first document
        supported = {e for r in recognizers for e in r.supported_entities}
        unknown = entities - supported
        if unknown:
            raise ConfigurationError(
                f"no recognizer for PII entity types {sorted(unknown)}; supported: {sorted(SUPPORTED_ENTITIES)}"
            )

        model = spacy_model_path(self.config.spacy_model)
        provider = NlpEngineProvider(
            nlp_engines=(ner_only_engine_class(need_ner="PERSON" in entities),),
            nlp_configuration={
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": "en", "model_name": model}],
                "ner_model_configuration": {
                    "model_to_presidio_entity_mapping": {"PERSON": "PERSON", "PER": "PERSON"},
                    "labels_to_ignore": _SPACY_IGNORED_LABELS,
                },
            },
        )
        nlp_engine = provider.create_engine()

        registry = RecognizerRegistry(recognizers=recognizers, supported_languages=["en"])
        analyzer = AnalyzerEngine(
            registry=registry,
            nlp_engine=nlp_engine,
            supported_languages=["en"],
            default_score_threshold=self.config.score_threshold,
            context_aware_enhancer=OffsetContextEnhancer(),
        )
        logger.info("de-identification ready: %d recognizers for %s", len(recognizers), ", ".join(sorted(entities)))
        from ingest.pii.second_opinion import model_if

        names = model_if("PERSON" in entities and self.config.second_opinion != "off")
        return _Engine(
            analyzer, BatchAnalyzerEngine(analyzer), sorted(entities), self.config.score_threshold, names,
            markup_only=self.config.second_opinion == "markup",
        )


class DeidSession:
    """Placeholders of one document: the same value gets the same placeholder throughout."""

    def __init__(self, engine: _Engine, batch_size: int = 32) -> None:
        self._engine = engine
        self._batch_size = batch_size
        self._placeholders: dict[tuple[str, str], str] = {}
        self._next_index: Counter[str] = Counter()
        self._counts: Counter[str] = Counter()

    @property
    def counts(self) -> dict[str, int]:
        return dict(self._counts)

    def redact(self, text: str) -> Redacted:
        if not text.strip():
            return Redacted(text=text, counts={})
        return self._apply(text, self._engine.analyze_one(text))

    def redact_many(self, texts: list[str], document: bool = True) -> list[Redacted]:
        """Texts in document order (spaCy ``nlp.pipe``). ``document``: all of one document (a
        phrase it uses as a product is no PERSON in it); False: each alone, as ``redact``."""
        todo = [i for i, t in enumerate(texts) if t.strip()]
        spans = self._engine.analyze_many([texts[i] for i in todo], self._batch_size, document)
        by_index = dict(zip(todo, spans))
        return [self._apply(t, by_index.get(i, [])) for i, t in enumerate(texts)]

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, type) of what ``redact`` would replace in ``text``."""
        if not text.strip():
            return []
        return [(s.start, s.end, s.entity_type) for s in self._engine.analyze_one(text)]

    def placeholder(self, entity_type: str, value: str) -> str:
        """The placeholder of ``value`` in this session (a new one when it is new); not
        counted as a redaction of document text (``ingest.source_names`` uses it)."""
        return self._placeholder(entity_type, value)

    def _placeholder(self, entity_type: str, value: str) -> str:
        key = (entity_type, _mapping_key(entity_type, value))
        found = self._placeholders.get(key)
        if found is None:
            self._next_index[entity_type] += 1
            found = f"<{entity_type}_{self._next_index[entity_type]}>"
            self._placeholders[key] = found
        return found

    def _apply(self, text: str, spans: list[Span]) -> Redacted:
        parts: list[str] = []
        counts: Counter[str] = Counter()
        pos = 0
        for span in spans:  # sorted, non-overlapping
            parts.append(text[pos : span.start])
            parts.append(self._placeholder(span.entity_type, text[span.start : span.end]))
            counts[span.entity_type] += 1
            pos = span.end
        parts.append(text[pos:])
        self._counts.update(counts)
        return Redacted(text="".join(parts), counts=dict(counts))


__all__ = ["DeidSession", "Deidentifier", "DeidentifyConfig", "Redacted"]
