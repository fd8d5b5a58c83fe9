"""The constraint gate: a supported answer must also answer the question that was asked.

Claim verification proves that a sentence is in a passage, not that it is about the period,
the company, the line item or the basis the question names, nor that it gives the kind of
answer asked for. This gate holds the supported claims against the question's constraints
(`answer.constraints`), each at three levels, nearest first: the claim itself, the passage
sentence that holds the claim's figures, and the whole passage with its title and section.
The first level that states a value of the kind decides:

- it states the asked value (or one compatible with it): carried;
- it states only other values of that kind (another year or quarter, another line item, a
  sibling or parent company, a budget where actual spending was asked): contradicted, and the
  claim is dropped;
- no level states one: silent.

The answer is grounded only when every explicit constraint is carried by at least one kept
claim and the kept claims give the kind of answer asked (a direction, a percentage, a number,
a frequency, both sides of a comparison). A budget-or-actual basis is enforced only against contradiction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from answer.constraints import (
    Period,
    QuestionConstraints,
    basis_in,
    conflicting_entities,
    has_direction,
    has_frequency,
    has_number,
    has_percent,
    line_items_in,
    mentions,
    periods_in,
)
from answer.facts import content_terms, extract_facts, fact_in_text
from answer.sentences import split_sentences
from answer.verify import ClaimCheck
from kb_service.types import Passage

ANSWERS_ANOTHER_QUESTION = "answers_another_question"
CONSTRAINT_NOT_STATED = "constraint_not_stated"
WRONG_ANSWER_TYPE = "wrong_answer_type"

CARRIED, CONTRADICTED, SILENT = "carried", "contradicted", "silent"
_AMOUNT = re.compile(r"[$€£¥]\s*\d|\d\s*(?:USD|EUR|GBP|CNY|RMB|dollars?|euros?|million|billion|元|万元|亿元)", re.I)
_SHARE_OF = re.compile(r"(?:percent(?:age)?|share|%)\s+of\b|占", re.I)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One supported claim and where it came from."""

    claim: str  # the claim, without citation markers
    anchor: str  # the sentence(s) of its passage that hold its figures, or the closest one
    passage: str  # the whole passage with its title, section path and file name


@dataclass(frozen=True, slots=True)
class GateVerdict:
    kept: tuple[int, ...]  # indexes of the claims that answer the question asked
    reason: str | None  # the suppression reason; None when the kept claims answer
    issues: tuple[str, ...]  # why claims were dropped or the answer held back, for the user


Status = tuple[str, str | None]


def anchor_of(claim: str, passage: str) -> str:
    """The passage sentences that state the claim's figures; without figures, the sentence that
    shares most of its content words (at least two), else ''."""
    sentences = split_sentences(passage)
    figures = [fact for fact in extract_facts(claim) if any(ch.isdigit() for ch in fact)]
    if figures and sentences:
        counts = [sum(fact_in_text(fact, sentence) for fact in figures) for sentence in sentences]
        best = max(counts)
        if best > 0:
            return " ".join(s for s, n in zip(sentences, counts, strict=True) if n == best)
    terms = set(content_terms(claim))
    if not terms or not sentences:
        return ""
    overlaps = [len(terms & set(content_terms(sentence))) for sentence in sentences]
    best_index = max(range(len(sentences)), key=overlaps.__getitem__)
    return sentences[best_index] if overlaps[best_index] >= 2 else ""


def evidence_for(claim: ClaimCheck, passages: Sequence[Passage]) -> Evidence:
    passage = passages[claim.passage - 1] if claim.passage and claim.passage <= len(passages) else None
    if passage is None:
        return Evidence(claim.text, "", "")
    source = re.sub(r"[-_.]+", " ", passage.source.rsplit("/", 1)[-1])  # "ulta-beauty-fy2023.pdf"
    context = " ".join(part for part in (passage.title, passage.section, source) if part)
    return Evidence(claim.text, anchor_of(claim.text, passage.text), f"{context}\n{passage.text}")


def _levels(evidence: Evidence) -> list[tuple[str, str]]:
    return [("the claim", evidence.claim), ("its passage sentence", evidence.anchor), ("its passage", evidence.passage)]


def _labels(periods: Sequence[Period]) -> str:
    return ", ".join(p.label() for p in periods)


def _period(asked: QuestionConstraints, evidence: Evidence) -> Status:
    for where, text in _levels(evidence):
        stated = periods_in(text)
        if not stated:
            continue
        if any(s.compatible(a) for s in stated for a in asked.periods):
            return CARRIED, None
        return CONTRADICTED, f"{where} is about {_labels(stated)}; the question asks about {_labels(asked.periods)}"
    return SILENT, f"no claim or passage states the period {_labels(asked.periods)}"


def _entity(asked: QuestionConstraints, evidence: Evidence) -> Status:
    for where, text in _levels(evidence):
        named = [e for e in asked.entities if mentions(text, e)]
        if named:
            return CARRIED, None
        others = [o for e in asked.entities for o in conflicting_entities(text, e)]
        if others:
            return CONTRADICTED, f"{where} is about {others[0]}; the question asks about {', '.join(asked.entities)}"
    return SILENT, f"no claim or passage names {', '.join(asked.entities)}"


def _measure(asked: QuestionConstraints, evidence: Evidence) -> Status:
    wanted = set(asked.line_items)
    for where, text in _levels(evidence):
        stated = line_items_in(text)
        if not stated:
            continue
        if stated & wanted:
            return CARRIED, None
        return CONTRADICTED, f"{where} is about {', '.join(sorted(stated))}; the question asks about {', '.join(sorted(wanted))}"
    return SILENT, f"no claim or passage names {', '.join(sorted(wanted))}"


def _ratio(asked: QuestionConstraints, evidence: Evidence) -> Status:
    """'as a percent of net sales': a percentage, and the base or a 'percent of' phrase."""
    text = f"{evidence.claim} {evidence.anchor}"
    if has_percent(text) and (asked.base in line_items_in(text) or _SHARE_OF.search(text)):
        return CARRIED, None
    if _AMOUNT.search(evidence.claim) and not has_percent(evidence.claim):
        return CONTRADICTED, f"the claim gives an amount; the question asks for a percent of {asked.base}"
    return SILENT, f"no claim states a percent of {asked.base}"


def _basis(asked: QuestionConstraints, evidence: Evidence) -> Status:
    for where, text in _levels(evidence)[:2]:
        stated = basis_in(text)
        if asked.basis in stated:
            return CARRIED, None
        if stated:
            other = "a budget" if "budget" in stated else "an actual"
            return CONTRADICTED, f"{where} states {other} figure; the question asks for the {asked.basis} one"
    return SILENT, None  # figures are actual unless they say otherwise


def _checks(asked: QuestionConstraints) -> list[tuple[str, Callable[[QuestionConstraints, Evidence], Status], bool]]:
    """(name, check, enforced when silent) for each constraint the question states."""
    checks: list[tuple[str, Callable[[QuestionConstraints, Evidence], Status], bool]] = []
    if asked.periods:
        checks.append(("period", _period, True))
    if asked.entities:
        checks.append(("entity", _entity, True))
    if asked.line_items:
        checks.append(("measure", _measure, True))
    if asked.base:
        checks.append(("ratio", _ratio, True))
    if asked.basis:
        checks.append(("basis", _basis, False))
    return checks


def _answer_type(asked: QuestionConstraints, claims: Sequence[str]) -> str | None:
    """What the kept claims lack of the kind of answer asked, or None."""
    text = " ".join(claims)
    if "direction" in asked.kinds and not has_direction(text):
        return "the answer states no direction (increase or decrease)"
    if "percent" in asked.kinds and not has_percent(text):
        return "the question asks for a percentage and the answer gives none"
    if "number" in asked.kinds and not has_number(text):
        return "the question asks for a number and the answer gives none"
    if "frequency" in asked.kinds and not has_frequency(text):
        return "the question asks how often and the answer gives no frequency"
    if "comparison" in asked.kinds:
        if len(asked.periods) >= 2:
            stated = periods_in(text)
            missing = [p for p in asked.periods if not any(p.compatible(s) for s in stated)]
            if missing:
                return f"the comparison lacks a side: {_labels(missing)}"
        elif len(asked.entities) >= 2:
            missing_names = [e for e in asked.entities if not mentions(text, e)]
            if missing_names:
                return f"the comparison lacks a side: {', '.join(missing_names)}"
        elif len(asked.line_items) >= 2:
            missing_items = sorted(set(asked.line_items) - line_items_in(text))
            if missing_items:
                return f"the comparison lacks a side: {', '.join(missing_items)}"
    return None


def gives_answer_type(asked: QuestionConstraints, text: str) -> bool:
    """Whether the text gives the kind of answer asked (a frequency for "how often", ...)."""
    return _answer_type(asked, [text]) is None


def hold_to_question(asked: QuestionConstraints, evidence: Sequence[Evidence]) -> GateVerdict:
    """Drop the claims that answer another question; suppress when what is left does not
    carry every constraint or does not give the kind of answer asked."""
    checks = _checks(asked)
    issues: list[str] = []
    kept: list[int] = []
    carried: dict[str, bool] = {name: False for name, _, _ in checks}
    silent_notes: dict[str, str] = {}
    for index, item in enumerate(evidence):
        statuses = [(name, *check(asked, item)) for name, check, _ in checks]
        contradictions = [note for _, status, note in statuses if status == CONTRADICTED]
        if contradictions:
            issues.extend(f"claim {index + 1}: {note}" for note in contradictions if note)
            continue
        kept.append(index)
        for name, status, note in statuses:
            if status == CARRIED:
                carried[name] = True
            elif note:
                silent_notes.setdefault(name, note)
    if not kept:
        return GateVerdict((), ANSWERS_ANOTHER_QUESTION, tuple(issues))
    unstated = [name for name, _, enforced in checks if enforced and not carried[name]]
    if unstated:
        issues.extend(silent_notes[name] for name in unstated if name in silent_notes)
        reason = ANSWERS_ANOTHER_QUESTION if len(kept) < len(evidence) else CONSTRAINT_NOT_STATED
        return GateVerdict(tuple(kept), reason, tuple(issues))
    lacking = _answer_type(asked, [evidence[i].claim for i in kept])
    if lacking:
        return GateVerdict(tuple(kept), WRONG_ANSWER_TYPE, (*issues, lacking))
    return GateVerdict(tuple(kept), None, tuple(issues))


def gate_claims(asked: QuestionConstraints, claims: Sequence[ClaimCheck], passages: Sequence[Passage]) -> GateVerdict:
    """The gate over the answer service's supported claims and the prompt's passages."""
    return hold_to_question(asked, [evidence_for(claim, passages) for claim in claims])
