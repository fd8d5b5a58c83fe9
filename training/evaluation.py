"""Evaluate the answer service on a question set: load questions, ask each, score, summarise.

`kb eval QUESTIONS.jsonl` wires `run_evaluation` to the answer service and `write_report` to
`--out`. The metrics are in `training.eval_metrics`; the report files in `training.eval_report`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kb_service.errors import KBError
from kb_service.types import Answer
from training.eval_metrics import (
    CORRECTNESS_RULE,
    bleu4,
    histogram,
    is_correct,
    numbers_match,
    percentile,
    rouge_l,
    token_f1,
)

HISTOGRAM_BINS = 10


class EvalQuestion(BaseModel):
    """One line of a question file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answer: str = Field(description='Reference answer; "" for unanswerable questions.')
    doc: str = Field(description='Source file name that holds the answer; "" if unanswerable.')
    page: int | None = Field(None, ge=1, description="1-based page of the answer (PDF only).")
    answerable: bool

    @model_validator(mode="after")
    def _consistent(self) -> EvalQuestion:
        if self.answerable and not (self.answer.strip() and self.doc.strip()):
            raise ValueError("an answerable question needs a reference 'answer' and a 'doc'")
        if not self.answerable and (self.answer or self.doc or self.page is not None):
            raise ValueError("an unanswerable question has answer \"\", doc \"\" and no page")
        return self


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read a JSONL question file; a bad line raises KBError naming the file and line."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise KBError(f"cannot read question file {path}: {exc}") from exc
    questions: list[EvalQuestion] = []
    seen: set[str] = set()
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            question = EvalQuestion.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise KBError(f"{path}:{lineno}: invalid question: {_one_line(exc)}") from exc
        if question.id in seen:
            raise KBError(f"{path}:{lineno}: duplicate question id {question.id!r}")
        seen.add(question.id)
        questions.append(question)
    if not questions:
        raise KBError(f"{path}: no questions")
    return questions


def _one_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(map(str, err['loc'])) or 'line'}: {err['msg']}" for err in exc.errors()
        )
    return str(exc)


def _same_document(cited: str, expected: str) -> bool:
    # Citation.document holds the source name; compare file names in case a path is stored.
    return Path(cited).name == Path(expected).name


@dataclass
class QuestionResult:
    """One question, what the service said, and how it scored."""

    question: EvalQuestion
    answer: Answer | None
    error: str | None
    latency_s: float
    answered: bool = field(init=False)
    suppressed: bool = field(init=False)
    token_f1: float | None = field(init=False)
    rouge_l: float | None = field(init=False)
    numbers_match: bool | None = field(init=False)
    citation_doc_ok: bool | None = field(init=False)
    citation_page_ok: bool | None = field(init=False)
    correct: bool = field(init=False)

    def __post_init__(self) -> None:
        ans, q = self.answer, self.question
        ok = self.error is None and ans is not None
        self.suppressed = ok and ans is not None and ans.suppressed_reason is not None
        self.answered = ok and not self.suppressed
        self.token_f1 = self.rouge_l = None
        self.numbers_match = self.citation_doc_ok = self.citation_page_ok = None
        self.correct = False
        if not (self.answered and q.answerable and ans is not None):
            return
        self.token_f1 = token_f1(ans.answer, q.answer)
        self.rouge_l = rouge_l(ans.answer, q.answer)
        self.numbers_match = numbers_match(ans.answer, q.answer)
        same_doc = [c for c in ans.citations if _same_document(c.document, q.doc)]
        self.citation_doc_ok = bool(same_doc)
        if q.page is not None:
            self.citation_page_ok = any(c.page == q.page for c in same_doc)
        self.correct = is_correct(self.token_f1, self.rouge_l, self.numbers_match)

    @property
    def confidence(self) -> float | None:
        return self.answer.confidence if self.answer is not None else None

    @property
    def outcome(self) -> str:
        """correct, wrong, false-suppression, refused, answered-unanswerable or error."""
        if not (self.answered or self.suppressed):
            return "error"
        if self.question.answerable:
            if self.suppressed:
                return "false-suppression"
            return "correct" if self.correct else "wrong"
        return "refused" if self.suppressed else "answered-unanswerable"

    def to_dict(self) -> dict[str, Any]:
        ans = self.answer
        return {
            **self.question.model_dump(mode="json"),
            "reference": self.question.answer,
            "answer": ans.answer if ans else None,
            "grounded": ans.grounded if ans else None,
            "confidence": self.confidence,
            "suppressed_reason": ans.suppressed_reason if ans else None,
            "citations": [
                {"document": c.document, "page": c.page, "score": c.score}
                for c in (ans.citations if ans else [])
            ],
            "error": self.error,
            "latency_s": self.latency_s,
            "outcome": self.outcome,
            "answered": self.answered,
            "suppressed": self.suppressed,
            "token_f1": self.token_f1,
            "rouge_l": self.rouge_l,
            "numbers_match": self.numbers_match,
            "citation_doc_ok": self.citation_doc_ok,
            "citation_page_ok": self.citation_page_ok,
            "correct": self.correct,
        }


@dataclass
class EvalReport:
    """The results of a run, their summary (see `summarize`) and the run's settings."""

    results: list[QuestionResult]
    summary: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "metadata": self.metadata,
            "correctness_rule": CORRECTNESS_RULE,
            "summary": self.summary,
            "results": [r.to_dict() for r in self.results],
        }


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _rate(hits: int, total: int) -> float | None:
    return hits / total if total else None


def summarize(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """Aggregate metrics. Rates are None when their denominator is empty."""
    answerable = [r for r in results if r.question.answerable]
    unanswerable = [r for r in results if not r.question.answerable]
    scored = [r for r in answerable if r.answered]
    with_numbers = [r for r in scored if r.numbers_match is not None]
    doc_checked = [r for r in scored if r.citation_doc_ok is not None]
    page_checked = [r for r in scored if r.citation_page_ok is not None]
    correct_conf = [r.confidence for r in scored if r.correct and r.confidence is not None]
    incorrect_conf = [
        r.confidence for r in results if r.answered and not r.correct and r.confidence is not None
    ]
    suppressed_conf = [r.confidence for r in results if r.suppressed and r.confidence is not None]
    latencies = [r.latency_s for r in results]
    counts = {
        "total": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "answered": sum(r.answered for r in results),
        "suppressed": sum(r.suppressed for r in results),
        "errors": sum(r.error is not None for r in results),
        "correct": sum(r.correct for r in results),
        "scored": len(scored),
        "numbers_checked": len(with_numbers),
        "numbers_matched": sum(r.numbers_match is True for r in with_numbers),
        "citation_doc_checked": len(doc_checked),
        "citation_doc_matched": sum(r.citation_doc_ok is True for r in doc_checked),
        "citation_page_checked": len(page_checked),
        "citation_page_matched": sum(r.citation_page_ok is True for r in page_checked),
        "refused": sum(r.suppressed for r in unanswerable),
        "false_suppressed": sum(r.suppressed for r in answerable),
        "answered_unanswerable": sum(r.answered for r in unanswerable),
    }
    c = counts
    return {
        **counts,
        "accuracy": _rate(c["correct"], c["answerable"]),
        "mean_token_f1": _mean([r.token_f1 for r in scored if r.token_f1 is not None]),
        "mean_rouge_l": _mean([r.rouge_l for r in scored if r.rouge_l is not None]),
        "bleu4": bleu4([r.answer.answer for r in scored if r.answer], [r.question.answer for r in scored if r.answer]),
        "number_match_rate": _rate(c["numbers_matched"], c["numbers_checked"]),
        "citation_doc_accuracy": _rate(c["citation_doc_matched"], c["citation_doc_checked"]),
        "citation_page_accuracy": _rate(c["citation_page_matched"], c["citation_page_checked"]),
        "refusal_rate": _rate(c["refused"], c["unanswerable"]),
        "false_suppression_rate": _rate(c["false_suppressed"], c["answerable"]),
        "latency_p50_s": percentile(latencies, 50),
        "latency_p95_s": percentile(latencies, 95),
        "latency_mean_s": _mean(latencies),
        "confidence_histogram": {
            "edges": [i / HISTOGRAM_BINS for i in range(HISTOGRAM_BINS + 1)],
            "correct": histogram(correct_conf, HISTOGRAM_BINS),
            "incorrect": histogram(incorrect_conf, HISTOGRAM_BINS),
            "suppressed": histogram(suppressed_conf, HISTOGRAM_BINS),
        },
    }


def run_evaluation(
    questions: Sequence[EvalQuestion],
    ask: Callable[[str], Answer],
    *,
    on_progress: Callable[[int, int], None] | None = None,
    metadata: dict[str, Any] | None = None,
) -> EvalReport:
    """Ask every question in turn and score it. An exception from `ask` is recorded as that
    question's error and the run goes on; `on_progress(done, total)` follows each question."""
    started = datetime.now(UTC)
    clock = time.perf_counter()
    results: list[QuestionResult] = []
    for done, question in enumerate(questions, start=1):
        t0 = time.perf_counter()
        answer: Answer | None = None
        error: str | None = None
        try:
            answer = ask(question.question)
        except Exception as exc:  # noqa: BLE001 - one failing question must not end the run
            error = f"{type(exc).__name__}: {exc}"
        results.append(QuestionResult(question, answer, error, time.perf_counter() - t0))
        if on_progress is not None:
            on_progress(done, len(questions))
    meta: dict[str, Any] = {"model": None, "adapter": None, "threshold": None}
    first = next((r.answer for r in results if r.answer is not None), None)
    if first is not None:
        meta.update(model=first.model, adapter=first.adapter)
    meta.update(metadata or {})
    meta["started_at"] = started.isoformat(timespec="seconds")
    meta["duration_s"] = round(time.perf_counter() - clock, 3)
    return EvalReport(results=results, summary=summarize(results), metadata=meta)


__all__ = [
    "CORRECTNESS_RULE",
    "EvalQuestion",
    "EvalReport",
    "QuestionResult",
    "load_questions",
    "run_evaluation",
    "summarize",
]
