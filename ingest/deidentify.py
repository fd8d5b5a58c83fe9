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
from typing import TYPE_CHECKING, Any

from ingest.given_names import (
    GIVEN_NAMES,
    NOT_NAME_PARTS,
    PRODUCT_NOUNS,
    ROLE_WORDS,
    TOOL_PREPOSITIONS,
)
from kb_service.errors import ConfigurationError
from kb_service.models import spacy_model_path

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
# When two detections of one span tie on score and length, the more specific type names it.
_TYPE_PRIORITY = {
    t: i
    for i, t in enumerate(
        reversed(
            [
                "CN_RESIDENT_ID",
                "US_SSN",
                "PASSPORT",
                "CREDIT_CARD",
                "CN_BANK_CARD",
                "IBAN_CODE",
                "CN_MOBILE",
                "EMAIL_ADDRESS",
                "IP_ADDRESS",
                "PHONE_NUMBER",
                "STREET_ADDRESS",
                "PERSON",
            ]
        )
    )
}
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
_NON_DIGIT_RE = re.compile(r"\D")
_NON_ALNUM_RE = re.compile(r"[^0-9A-Za-z]")
_SPACE_RE = re.compile(r"\s+")
_PUNCT_RE = re.compile(r"[\s,.;:，。、：]+")
_NUMERIC_TYPES = {"CREDIT_CARD", "CN_BANK_CARD", "US_SSN"}


@dataclass(frozen=True)
class DeidentifyConfig:
    entities: tuple[str, ...]
    score_threshold: float = 0.4
    spacy_model: str | None = None  # passed to kb_service.models.spacy_model_path

    def __post_init__(self) -> None:
        if not self.entities:
            raise ValueError("DeidentifyConfig.entities must name at least one entity type")
        if not 0.0 <= self.score_threshold <= 1.0:
            raise ValueError("score_threshold must lie between 0 and 1")

    @classmethod
    def from_settings(cls, settings: Settings) -> DeidentifyConfig:
        return cls(
            entities=tuple(settings.pii_entities),
            score_threshold=settings.pii_score_threshold,
            spacy_model=settings.spacy_model,
        )


@dataclass(frozen=True)
class Redacted:
    text: str  # de-identified text
    counts: dict[str, int]  # entity type -> occurrences replaced in this text


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    entity_type: str


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


_POSSESSIVE_RE = re.compile(r"(?:['\u2019]s?|\s+)$")


def _trim(result: Any, text: str) -> Any:
    """NER spans sometimes carry a possessive ("Jane Doe's"); keep it outside the placeholder
    so the value, and with it the placeholder, is the same as in "Jane Doe"."""
    if result.entity_type == "PERSON":
        m = _POSSESSIVE_RE.search(text, result.start, result.end)
        if m and m.start() > result.start:
            result.end = m.start()
    return result


def _resolve_overlaps(results: list[Any], text: str) -> list[_Span]:
    """One replacement per region: overlapping detections merge into their union (so no part
    of a number stays visible), named after the highest score, then the longest span."""
    if not results:
        return []
    ordered = sorted((_trim(r, text) for r in results), key=lambda r: (r.start, -r.end))
    spans: list[_Span] = []
    group = [ordered[0]]
    group_end = ordered[0].end
    for r in ordered[1:]:
        if r.start < group_end:
            group.append(r)
            group_end = max(group_end, r.end)
            continue
        spans.append(_merge(group))
        group, group_end = [r], r.end
    spans.append(_merge(group))
    return spans


def _merge(group: list[Any]) -> _Span:
    best = max(
        group, key=lambda r: (r.score, r.end - r.start, _TYPE_PRIORITY.get(r.entity_type, -1))
    )
    return _Span(min(r.start for r in group), max(r.end for r in group), best.entity_type)


class _Engine:
    """What warm_up builds: the analyzer, the batch analyzer and the analysis arguments."""

    def __init__(self, analyzer: Any, batch: Any, entities: list[str], threshold: float) -> None:
        self.analyzer = analyzer
        self.batch = batch
        self.entities = entities
        self.threshold = threshold

    def analyze_one(self, text: str) -> list[_Span]:
        results = self.analyzer.analyze(
            text=text, language="en", entities=self.entities, score_threshold=self.threshold
        )
        return _resolve_overlaps(results, text)

    def analyze_many(self, texts: list[str], batch_size: int) -> list[list[_Span]]:
        batches = self.batch.analyze_iterator(
            texts=texts,
            language="en",
            batch_size=batch_size,
            entities=self.entities,
            score_threshold=self.threshold,
        )
        return [_resolve_overlaps(results, text) for text, results in zip(texts, batches)]


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
        supported = {e for r in recognizers for e in r.supported_entities}
        unknown = entities - supported
        if unknown:
            raise ConfigurationError(
                f"no recognizer for PII entity types {sorted(unknown)}; supported: {sorted(SUPPORTED_ENTITIES)}"
            )

        model = spacy_model_path(self.config.spacy_model)
        provider = NlpEngineProvider(
            nlp_engines=(_ner_only_engine_class(need_ner="PERSON" in entities),),
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
        logger.info(
            "de-identification ready: %d recognizers for %s",
            len(recognizers),
            ", ".join(sorted(entities)),
        )
        return _Engine(
            analyzer, BatchAnalyzerEngine(analyzer), sorted(entities), self.config.score_threshold
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

    def redact_many(self, texts: list[str]) -> list[Redacted]:
        """Batch of texts in document order (spaCy ``nlp.pipe``); equals ``redact`` one by one."""
        todo = [i for i, t in enumerate(texts) if t.strip()]
        spans = self._engine.analyze_many([texts[i] for i in todo], self._batch_size)
        by_index = dict(zip(todo, spans))
        return [self._apply(t, by_index.get(i, [])) for i, t in enumerate(texts)]

    def _placeholder(self, entity_type: str, value: str) -> str:
        key = (entity_type, _mapping_key(entity_type, value))
        found = self._placeholders.get(key)
        if found is None:
            self._next_index[entity_type] += 1
            found = f"<{entity_type}_{self._next_index[entity_type]}>"
            self._placeholders[key] = found
        return found

    def _apply(self, text: str, spans: list[_Span]) -> Redacted:
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


_ENGINE_CLASSES: dict[bool, type] = {}


def _ner_only_engine_class(need_ner: bool) -> type:
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
                default = self.ner_model_configuration.default_score
                for ent in doc.ents:
                    if ent.label_ == "PERSON":
                        person = _person_span(ent)
                        if person is None or not _plausible_name(person):
                            continue
                        entities.append(person)
                        scores.append(default)
                        continue
                    name = _name_like_prefix(ent) if ent.label_ in _NAME_PRONE_LABELS else None
                    if name is not None and ent.label_ == "ORG" and name[0].lower_ not in GIVEN_NAMES:
                        name = None
                    if name is not None:
                        entities.append(name)
                        scores.append(_RELABELLED_NAME_SCORE)
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


# en_core_web_sm often calls an unfamiliar personal name ORG or GPE ("Amara Lopez" -> ORG).
# Such a span that is just 2-3 title-case words, none of them an organisation or place
# word, is taken as a PERSON with a lower score.
# An ORG span is relabelled only when it starts with a common given name: relabelling every
# ORG turned product and company names ("Google Workspace", "Northwind Analytics") into people.
_NAME_PRONE_LABELS = {"GPE", "NORP", "FAC", "LOC", "ORG"}
_HAS_DIGIT = re.compile(r"\d")


def _plausible_name(ent: Any) -> bool:
    """spaCy's small model tags things like "AES-256", "eu-west-1" or "Dell Latitude 7" as
    PERSON; a personal name has no digits and at least one capitalised word."""
    if _HAS_DIGIT.search(ent.text):
        return False
    return any(tok.text[:1].isupper() and tok.text.isalpha() for tok in ent)


_CELL_ENDS = frozenset({"|", "｜"})


def _person_span(ent: Any) -> Any:
    """``ent`` cut to the name in it, or None. A leading role or label word goes ("Employee
    D. Nguyen", "Name: Milena", but "Customer Success" is no name), so does everything from a
    line break on ("Vilmer M. Holmberg\nSTARTS CORPORATION"); a span with a word that is never
    part of a name is dropped ("Security Team", "Approval Thresholds"). Table cells end it
    too ("Oliver | oliver@example.com")."""
    tokens = list(ent)
    while tokens and (tokens[0].is_space or tokens[0].text in _CELL_ENDS):
        tokens.pop(0)
    trimmed = colon = False
    while tokens and tokens[0].lower_.rstrip(".:") in ROLE_WORDS:
        trimmed = True
        colon = colon or tokens[0].text.endswith(":")
        tokens.pop(0)
        while tokens and tokens[0].text in (":", "-"):
            colon = True
            tokens.pop(0)
    for i, tok in enumerate(tokens):  # a name ends at a line break or a table cell's end
        if tok.is_space or tok.text in _CELL_ENDS or "@" in tok.text:
            tokens = tokens[:i]
            break
        if "\n" in tok.whitespace_ or "\t" in tok.whitespace_:
            tokens = tokens[: i + 1]
            break
    if not tokens or (trimmed and not colon and len(tokens) < 2):
        return None
    if any(t.lower_ in NOT_NAME_PARTS for t in tokens):
        return None
    if len(tokens) == 1 and _tool_context(tokens[0]):
        return None
    if len(tokens) == len(ent):
        return ent
    from spacy.tokens import Span

    return Span(ent.doc, tokens[0].i, tokens[-1].i + 1, label="PERSON")


def _tool_context(token: Any) -> bool:
    """A lone word used as a product: after "in/through/via/using", or before "app/account/..."
    on the same line (a possessive "in Anna's team" stays a name)."""
    doc = token.doc
    before = doc[token.i - 1] if token.i > 0 else None
    after = doc[token.i + 1] if token.i + 1 < len(doc) else None
    if after is not None and after.text in ("'s", "’s"):
        return False
    if before is not None and before.lower_ in TOOL_PREPOSITIONS and "\n" not in before.whitespace_:
        return True
    return after is not None and after.lower_ in PRODUCT_NOUNS and "\n" not in token.whitespace_


_RELABELLED_NAME_SCORE = 0.5
_NOT_NAME_WORDS = frozenset(
    """inc ltd llc plc corp corporation company co group holdings bank university college
    school institute department dept office officer ministry agency authority board council
    committee team services service systems solutions technologies technology software cloud
    data protection privacy security policy support center centre fund foundation
    association union partners capital management international global national federal
    state county city town district region street st avenue ave road rd boulevard lane drive
    court way place park square north south east west new san los las saint santa fort mount
    lake river island bay valley hills beach airport station hospital clinic hotel museum
    church the of and for portal platform suite apt floor pro plus app api gateway network
    payroll hr finance legal compliance europe asia america africa china united kingdom
    republic""".split()  # noqa: SIM905
)


def _name_like_prefix(ent: Any) -> Any:
    """The leading run of 2-3 title-case word tokens of ``ent``, relabelled PERSON, or None."""
    tokens = []
    for tok in ent:
        text = tok.text
        if not (
            text[:1].isupper()
            and text[1:2].islower()
            and text.replace("'", "").replace("-", "").isalpha()
        ):
            break
        if text.lower().rstrip(".") in _NOT_NAME_WORDS or text.lower() in NOT_NAME_PARTS:
            return None
        tokens.append(tok)
    if not 2 <= len(tokens) <= 3:
        return None
    from spacy.tokens import Span

    return Span(ent.doc, tokens[0].i, tokens[-1].i + 1, label="PERSON")


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


__all__ = ["DeidSession", "Deidentifier", "DeidentifyConfig", "Redacted"]
