"""The answer service on a generated 10-Q: the extractive fallback, reranking and the trace count,
on the real store, embedder, verifier and de-identifier, with a scripted model (see
test_answer_service.py for why the model is scripted here)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from answer.extractive import QUOTE_LEAD_EN
from answer.service import AnswerService
from answer.services import answer_config
from answer.verify import ClaimVerifier, make_scorer
from ingest.pipeline import Pipeline
from kb_service.llm.generator import Generation, generation_from_raw
from kb_service.prompting import REFUSAL_EN, ApproximateTokenCounter
from kb_service.search import Searcher
from kb_service.settings import Settings
from tests.corpus.filings import FilingQuestion, write_filings


class Scripted:
    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.prompts: list[str] = []

    def generate(self, messages: Sequence[dict[str, str]], *, model: str, max_tokens: int, temperature: float) -> Generation:
        self.prompts.append(messages[-1]["content"])
        return generation_from_raw(self.raw, model, 100, 60, "stop", 0.01)

    def stream(self, *a: object, **kw: object) -> Iterator[str]:
        yield self.raw

    def models(self) -> list[str]:
        return ["base"]

    def healthy(self) -> bool:
        return True

    def close(self) -> None:
        pass


@pytest.fixture
def filing_questions(pipeline: Pipeline, tmp_path: Path) -> dict[str, FilingQuestion]:
    questions = write_filings(tmp_path / "filings", seeds=(0,))
    report = pipeline.ingest_paths([tmp_path / "filings"])
    assert report.to_dict()["documents"] == 1
    return {q.id.rsplit("2024-", 1)[1]: q for q in questions}


def service(raw: str, pipeline: Pipeline, embedder, deidentifier, settings: Settings) -> tuple[AnswerService, Scripted]:  # type: ignore[no-untyped-def]
    generator = Scripted(raw)
    return AnswerService(
        answer_config(settings), searcher=Searcher(embedder, pipeline.store), generator=generator,
        verifier=ClaimVerifier(make_scorer(embedder, None), claim_threshold=settings.claim_threshold),
        embedder=embedder, counter=ApproximateTokenCounter(), scrub=lambda t: deidentifier.session().redact(t).text,
    ), generator


def test_wrong_figure_is_suppressed_and_the_row_is_quoted(pipeline, embedder, deidentifier, settings, filing_questions) -> None:  # type: ignore[no-untyped-def]
    q = filing_questions["total-assets"]
    answers, generator = service("Total assets were 99,999 million [1].", pipeline, embedder, deidentifier, settings)
    answer = answers.ask(q.question)
    assert not answer.grounded and answer.extractive and answer.suppressed_reason == "low_confidence"
    assert answer.answer.startswith(QUOTE_LEAD_EN) and "99,999" not in answer.answer
    assert f": {q.number}”" in answer.answer and answer.answer.endswith("[1]")
    assert answer.citations[0].page == q.page and answer.citations[0].document == q.doc
    assert q.number in answer.citations[0].quote
    assert "| Total assets |" in generator.prompts[-1], "the table reaches the model as a Markdown table"


def test_refusal_gets_the_footnote_sentence(pipeline, embedder, deidentifier, settings, filing_questions) -> None:  # type: ignore[no-untyped-def]
    q = filing_questions["tax-rate"]
    answer = service(REFUSAL_EN, pipeline, embedder, deidentifier, settings)[0].ask(q.question)
    assert answer.extractive and answer.suppressed_reason == "model_found_no_answer" and q.number in answer.answer


def test_unanswerable_questions_stay_unanswered(pipeline, embedder, deidentifier, settings, filing_questions) -> None:  # type: ignore[no-untyped-def]
    answers, _ = service("Revenue was 6,155 million [1].", pipeline, embedder, deidentifier, settings)
    for key in ("revenue-old", "assets-old", "absent-item"):
        answer = answers.ask(filing_questions[key].question)
        assert not answer.grounded and not answer.extractive, (key, answer.answer)
        assert answer.answer.startswith("The knowledge base does not support an answer") and "documents say" not in answer.answer


def test_extractive_fallback_can_be_turned_off(pipeline, embedder, deidentifier, settings, filing_questions) -> None:  # type: ignore[no-untyped-def]
    off = settings.model_copy(update={"answer_extractive_fallback": False})
    answer = service(REFUSAL_EN, pipeline, embedder, deidentifier, off)[0].ask(filing_questions["total-assets"].question)
    assert not answer.extractive and answer.suppressed_reason == "model_found_no_answer"


def test_reasoning_trace_is_counted_and_never_returned(pipeline, embedder, deidentifier, settings, filing_questions) -> None:  # type: ignore[no-untyped-def]
    q = filing_questions["revenue"]
    raw = "<think>The table says revenue " + "let me check the columns " * 20 + f"</think>Revenue was {q.number} million [1]."
    answer = service(raw, pipeline, embedder, deidentifier, settings)[0].ask(q.question)
    assert answer.reasoning_tokens > 0
    assert "think" not in answer.answer.lower() and "check the columns" not in answer.answer
