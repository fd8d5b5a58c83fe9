"""Redaction quality on a small seeded slice of the labelled corpus (benchmarks/pii_quality.py).

Real Presidio, real spaCy model, real recognizers: a recognizer that regresses (a phone
format, Chinese names in a table, e-mail next to CJK text) fails the recall goals here; one
that starts to over-redact fails the precision floors. The floors are what the full
benchmark measured (2026-11-26) minus a margin; see benchmarks/README.md.
"""

from __future__ import annotations

import pytest

from benchmarks.pii_corpus import LabelledText, make_span_corpus, span_corpus_self_check
from benchmarks.pii_quality import (
    GOALS,
    STRUCTURED,
    SliceReport,
    findings_from_redaction,
    goal_check,
    score,
)
from ingest.deidentify import Deidentifier, DeidentifyConfig
from kb_service.settings import DEFAULT_PII_ENTITIES

SEED = 5  # not the benchmark's seed: the test must not only pass on the numbers we tuned on
DOCS = 120
# Measured by the full benchmark (2026-11-26): precision en PERSON 0.974, zh PERSON 1.000,
# identifiers 1.000, all types en 0.989 / zh 1.000; hard negatives touched en 1.4 %, zh 0 %.
# The floors leave a margin for the smaller sample.
PRECISION_FLOOR = {"PERSON": {"en": 0.93, "zh": 0.97}, "structured": 0.97, "all": 0.96}
HARD_NEGATIVES_TOUCHED_MAX = {"en": 0.04, "zh": 0.01}


def _run(deid: Deidentifier, items: list[LabelledText], name: str) -> SliceReport:
    redacted = [r.text for r in deid.session().redact_many([i.text for i in items], document=False)]
    return score(name, items, redacted)


@pytest.fixture(scope="module")
def reports(deidentifier: Deidentifier) -> dict[str, SliceReport]:
    corpus = make_span_corpus(DOCS, SEED)
    span_corpus_self_check(corpus)
    return {
        lang: _run(deidentifier, [i for i in corpus if i.language == lang], lang)
        for lang in ("en", "zh")
    }


def _summary(rep: SliceReport) -> str:
    rows = [
        f"{t}: recall {rep.recall(t):.3f} ({rep.tp[t]}/{rep.planted[t]}), "
        f"precision {rep.precision(t):.3f} ({rep.correct[t]}/{rep.found[t]})"
        for t in sorted(set(rep.planted) | set(rep.found))
    ]
    misses = [f"{e.kind} {e.entity} {e.fmt}: {e.context}" for e in rep.examples[:15]]
    return "\n".join(rows + ["examples:"] + misses)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_recall_goals(reports: dict[str, SliceReport], lang: str) -> None:
    rep = reports[lang]
    configured = set(DEFAULT_PII_ENTITIES)
    failures = [
        f for f in goal_check([rep], configured, min_planted=8) if "not configured" not in f
    ]
    assert not failures, f"{failures}\n{_summary(rep)}"
    assert rep.planted["PERSON"] >= 50 and rep.recall("PERSON") >= GOALS["PERSON"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_precision_floors(reports: dict[str, SliceReport], lang: str) -> None:
    rep = reports[lang]
    problems = []
    if rep.precision("PERSON") < PRECISION_FLOOR["PERSON"][lang]:
        problems.append(f"PERSON precision {rep.precision('PERSON'):.3f}")
    for entity in STRUCTURED:
        if rep.found[entity] >= 8 and rep.precision(entity) < PRECISION_FLOOR["structured"]:
            problems.append(f"{entity} precision {rep.precision(entity):.3f}")
    if rep.overall()["precision"] < PRECISION_FLOOR["all"]:
        problems.append(f"all-types precision {rep.overall()['precision']:.3f}")
    planted = sum(c["planted"] for c in rep.negatives.values())
    touched = sum(c["hit"] for c in rep.negatives.values())
    if touched > HARD_NEGATIVES_TOUCHED_MAX[lang] * planted:
        problems.append(f"hard negatives touched {touched}/{planted}")
    assert not problems, f"{problems}\n{_summary(rep)}"


def test_passport_numbers_when_configured() -> None:
    """PASSPORT is not among the default types; when configured it needs its context word."""
    deid = Deidentifier(DeidentifyConfig(entities=(*DEFAULT_PII_ENTITIES, "PASSPORT")))
    deid.warm_up()
    corpus = [i for i in make_span_corpus(60, SEED + 1) if any(s[2] == "PASSPORT" for s in i.spans)]
    rep = _run(deid, corpus, "passport")
    assert rep.planted["PASSPORT"] >= 10
    assert rep.recall("PASSPORT") >= GOALS["structured"], _summary(rep)
    out = deid.session().redact("Order 123456789 and ticket E1234567 shipped on time.").text
    assert "123456789" in out and "E1234567" in out


def test_findings_are_read_back_from_placeholders() -> None:
    original = "Call Jane Doe on 555-0100, or Jane at jane@x.org."
    redacted = "Call <PERSON_1> on <PHONE_NUMBER_1>, or <PERSON_2> at <EMAIL_ADDRESS_1>."
    assert findings_from_redaction(original, redacted) == [
        (5, 13, "PERSON"),
        (17, 25, "PHONE_NUMBER"),
        (30, 34, "PERSON"),
        (38, 48, "EMAIL_ADDRESS"),
    ]
    assert findings_from_redaction("no PII", "no PII") == []
    with pytest.raises(ValueError):
        findings_from_redaction("abc", "xyz")


def test_scoring_rules() -> None:
    """Split names count once, over-long findings are false alarms, types can be compatible."""
    text = "Smith, Jane | 13812345678 | Section 4.2 | Acme Cloud"
    item = LabelledText(
        text,
        [(0, 11, "PERSON"), (14, 25, "PHONE_NUMBER")],
        sentinels=[(28, 39)],
        formats=["last_comma_first", "cn"],
        sentinel_kinds=["SECTION"],
    )
    redacted = "<PERSON_1>, <PERSON_2> | <CN_MOBILE_1> | <PERSON_3> 4.2 | Acme Cloud"
    rep = score("unit", [item], [redacted])
    assert rep.tp["PERSON"] == 1 and rep.found["PERSON"] == 3 and rep.correct["PERSON"] == 2
    assert rep.tp["PHONE_NUMBER"] == 1 and rep.correct["CN_MOBILE"] == 1  # compatible types
    assert rep.leak_free["PERSON"] == 1
    assert rep.negatives["SECTION"] == {"planted": 1, "hit": 1}
    assert rep.row("PERSON")["fp"] == 1
