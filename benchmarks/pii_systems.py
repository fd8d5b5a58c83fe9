"""The two systems the PII benchmarks compare, each turned into (start, end, type) findings.

* ``kb-service``: ``ingest.deidentify.Deidentifier`` as the pipeline builds it
  (``Settings()``); findings are read back from its real redacted output.
* ``presidio``: Presidio's ``AnalyzerEngine`` with its default recognizers and the same
  ``en_core_web_sm`` model (full pipeline, as Presidio loads it), score threshold 0.35.
  Its findings keep their types, except ``LOCATION``, which is scored as STREET_ADDRESS
  (Presidio has no street-address type; its LOCATION is what would remove one). Types
  neither system is scored on here (DATE_TIME, NRP, URL, US_DRIVER_LICENSE, ...) are not
  requested, so they count neither as hits nor as false alarms.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from benchmarks.pii_scoring import Finding, findings_from_redaction

PRESIDIO_THRESHOLD = 0.35
PRESIDIO_ENTITIES = [
    "PERSON",
    "LOCATION",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
    "US_SSN",
]
_PRESIDIO_TYPE = {"LOCATION": "STREET_ADDRESS"}

System = Callable[[list[str]], tuple[list[list[Finding]], float]]


def make_deidentifier(extra_entities: Iterable[str] = ()) -> Any:
    """The stage as the pipeline builds it (``Settings()``: ``KB_PII_SECOND_OPINION=markup`` or
    ``everywhere`` in the environment measures the second opinion), plus ``extra_entities``."""
    from ingest.deidentify import Deidentifier, DeidentifyConfig
    from kb_service.settings import Settings

    config = DeidentifyConfig.from_settings(Settings())
    extra = tuple(e for e in extra_entities if e not in config.entities)
    deid = Deidentifier(
        DeidentifyConfig(config.entities + extra, config.score_threshold, config.spacy_model, config.second_opinion)
    )
    deid.warm_up()
    return deid


def run_deidentifier(deid: Any, texts: list[str]) -> tuple[list[str], float]:
    """Redacted texts (one session, batched as the pipeline does) and the seconds it took."""
    deid.session().redact_many(["Warm-up: Jane Doe, jane@example.com, 联系人：张伟。"])
    started = time.perf_counter()
    out = [r.text for r in deid.session().redact_many(texts, document=False)]
    return out, time.perf_counter() - started


def kb_service(deid: Any) -> System:
    """Findings as ``Deidentifier.find_many`` reports them; the redacted output is checked
    to hold exactly those placeholders (reading findings back from placeholders alone is
    ambiguous when the text after one also occurs inside the value)."""

    def run(texts: list[str]) -> tuple[list[list[Finding]], float]:
        redacted, seconds = run_deidentifier(deid, texts)
        found = deid.find_many(texts)
        for text, out, spans in zip(texts, redacted, found, strict=True):
            if len(findings_from_redaction(text, out)) != len(spans):
                raise AssertionError("find_many disagrees with redact_many")
        return found, seconds

    return run


def presidio_defaults() -> System:
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from kb_service.models import spacy_model_path

    nlp_engine = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": spacy_model_path(None)}],
        }
    ).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])

    def run(texts: list[str]) -> tuple[list[list[Finding]], float]:
        started = time.perf_counter()
        out = []
        for text in texts:
            results = analyzer.analyze(
                text=text,
                language="en",
                entities=PRESIDIO_ENTITIES,
                score_threshold=PRESIDIO_THRESHOLD,
            )
            out.append(
                sorted(
                    (r.start, r.end, _PRESIDIO_TYPE.get(r.entity_type, r.entity_type))
                    for r in results
                )
            )
        return out, time.perf_counter() - started

    return run
