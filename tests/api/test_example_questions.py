"""Example questions for the chat's first screen: made from the section titles of chunks that the
real pipeline stored (parsed, de-identified, chunked, embedded), in the titles' language, the
same every time, and never with personal data in them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from answer.examples import ExampleQuestions, clean_heading, example_questions, question_for, shaped_question
from api.app import create_app
from answer.services import build_services
from ingest.deidentify import Deidentifier
from ingest.pipeline import Pipeline
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.text import has_cjk
from kb_service.llm.generator import Generation
from kb_service.prompting import REFUSAL_EN
from tests.answer.test_answer_service import ScriptedGenerator
from tests.api.conftest import (
    ADMIN_KEY, READER_KEY, TRAVEL_FACTS, api_settings, auth, free_port, travel_policy_pdf,
)
from tests.corpus.pdfgen import DocSpec, Section, policy_document, write_pdf

NAME, EMAIL = "Maria Gonzalez", "maria.gonzalez@example.com"


def contacts_pdf(folder: Path) -> Path:
    """A policy whose headings hold a person's name: de-identified before anything is stored."""
    spec = DocSpec(
        title="Office Handbook",
        sections=[
            Section(f"Questions to {NAME}", 1, [f"Write to {NAME} at {EMAIL} with any question."]),
            Section("Working hours", 1, ["The office is open from 8:00 to 18:00 on working days."]),
            Section("How to book a meeting room", 1, ["Book meeting rooms in the calendar, at most a week ahead."]),
        ],
    )
    return write_pdf(spec, folder / "office-handbook.pdf")


@pytest.fixture
def indexed(pipeline: Pipeline, tmp_path: Path) -> Pipeline:
    zh_spec, _ = policy_document(1, pages=2, language="zh")
    for path in (travel_policy_pdf(tmp_path), contacts_pdf(tmp_path), write_pdf(zh_spec, tmp_path / "差旅制度.pdf")):
        outcome = pipeline.ingest_file(path)
        assert outcome.status == "ingested", outcome.error
    return pipeline


def test_heading_shapes_make_questions_in_the_heading_language() -> None:
    cases = {
        ("1. Meals", "Travel Policy"): "What does the Travel Policy say about meals?",
        ("Meal allowance", "Travel Policy"): "What is the meal allowance?",
        ("3.2 Working Hours", "Handbook"): "What are the working hours?",
        ("How to request leave", "Handbook"): "How do I request leave?",
        ("Who approves a trip?", "Travel Policy"): "Who approves a trip?",
        ("IT Equipment", "Handbook"): "What does the Handbook say about IT equipment?",
        ("Before the First Day", "Onboarding Checklist"): "What happens before the first day?",
        ("First 90 Days", "Onboarding Checklist"): "What happens in the first 90 days?",
        ("第三条 审批流程", "员工差旅费报销制度"): "审批流程是怎样的？",
        ("第五条 报销标准", "员工差旅费报销制度"): "报销标准是多少？",
        ("第四条 借款", "员工差旅费报销制度"): "《员工差旅费报销制度》中关于借款有哪些规定？",
    }
    numbered = {"4.1 Health and Safety": "Health and Safety", "IV. Scope": "Scope", "Section 3: Hotels": "Hotels",
                "第十二条 借款": "借款", "一、年休假": "年休假", "Civil Leave": "Civil Leave", "2024 Changes": "2024 Changes"}
    assert {heading: clean_heading(heading) for heading in numbered} == numbered
    for (heading, title), expected in cases.items():
        assert question_for(clean_heading(heading), title) == expected, heading
    # what a document most likely answers in a sentence comes first, then reading order
    assert [rank for _, rank in map(lambda h: shaped_question(h, "Handbook"), (
        "Is there a free trial?", "Meal allowance", "Before the First Day", "Meals"))] == [0, 1, 2, 3]


def test_examples_from_a_real_store(indexed: Pipeline) -> None:
    store = indexed.store
    examples = example_questions(store, 3)
    assert len(examples) == 3
    assert example_questions(store, 3) == examples  # deterministic
    assert len({e.document for e in examples}) == 3, examples  # one per document while they last
    for example in examples:
        zh = example.document.endswith("差旅制度.pdf")
        assert example.language == ("zh" if zh else "en")
        assert has_cjk(example.question) == zh, example
        assert example.question.endswith("？" if zh else "?")
        # made from a heading of a stored chunk of that document, never from body text
        sections = {clean_heading(p.section_path[-1]) for p in store.chunks() if p.source == example.document and p.section_path}
        assert example.section in sections
    # headings that say nothing (Purpose, 总则 ...) and redacted ones are skipped
    every = example_questions(store, 30)
    assert not any(e.section.lower() in {"purpose", "scope"} or e.section in {"总则", "目的", "附则"} for e in every)
    text = " ".join(e.question + e.section for e in every)
    assert "Maria" not in text and "Gonzalez" not in text and EMAIL not in text and "<" not in text
    assert any(e.section == "Working hours" and e.question == "What are the working hours?" for e in every)
    assert [e.rank for e in examples] == sorted(e.rank for e in examples)  # each round by rank
    # the travel policy's headings are topics only (rank 3): its question comes last
    assert examples[-1].document == "travel-policy.pdf" and [e.rank for e in examples[:2]] == [1, 1]
    # a language preference puts its questions first
    assert example_questions(store, 1, "zh")[0].language == "zh"
    assert [e.language for e in example_questions(store, 3, "en")][:2] == ["en", "en"]


def test_cache_follows_the_indexed_documents(indexed: Pipeline, tmp_path: Path) -> None:
    def signature() -> tuple[tuple[str, str], ...]:
        return tuple(sorted((d.document_id, d.version) for d in indexed.ledger.list() if d.status == "indexed"))

    cache = ExampleQuestions(indexed.store, signature)
    first = cache.get(3)
    assert cache.get(3) == first
    indexed.delete("office-handbook.pdf")
    after = cache.get(3)
    assert all(e.document != "office-handbook.pdf" for e in after)


def test_examples_route_needs_a_reader_key_and_answers_in_the_spec_shape(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> None:
    settings = api_settings(tmp_path / "data", f"http://127.0.0.1:{free_port()}/v1")
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
    try:
        assert services.pipeline.ingest_file(travel_policy_pdf(tmp_path)).status == "ingested"
        with TestClient(create_app(settings, services=services)) as client:
            assert client.get("/v1/examples").status_code == 401
            assert client.get("/v1/examples", headers=auth("not-a-key")).status_code == 401
            body = client.get("/v1/examples", headers=auth(READER_KEY), params={"n": 2}).json()
            assert [q["question"] for q in body["questions"]] == [
                "What does the Travel Policy say about meals?",
                "What does the Travel Policy say about hotels?",
            ]
            assert body["questions"][0] == {
                "question": "What does the Travel Policy say about meals?", "section": "Meals",
                "document": "travel-policy.pdf", "language": "en",
            }
            assert client.get("/v1/examples", headers=auth(ADMIN_KEY), params={"n": 11}).status_code == 422
            assert client.get("/v1/examples", headers=auth(ADMIN_KEY), params={"lang": "fr"}).status_code == 422
    finally:
        services.close()


class HotelsOnly(ScriptedGenerator):
    """Answers the hotel question with the policy's sentence and declines every other one:
    the real answer service then finds one example grounded and suppresses the rest."""

    def __init__(self) -> None:
        super().__init__(REFUSAL_EN)

    def generate(self, messages: Sequence[dict[str, str]], *, model: str, max_tokens: int, temperature: float) -> Generation:
        question = messages[-1]["content"].rsplit("Question:", 1)[-1]
        self.text = f"{TRAVEL_FACTS['hotel']} [1]" if "hotel" in question.lower() else REFUSAL_EN
        return super().generate(messages, model=model, max_tokens=max_tokens, temperature=temperature)


def test_examples_the_service_answers_come_first(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> None:
    """KB_EXAMPLE_CHECK: from start-up the service asks its example questions (the real answer
    service and verifier, a generator that only knows the hotel rule) and offers the grounded
    one first, the suppressed ones after it."""
    settings = api_settings(tmp_path / "data", f"http://127.0.0.1:{free_port()}/v1", example_check=True)
    generator = HotelsOnly()
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier, generator=generator)
    try:
        assert services.pipeline.ingest_file(travel_policy_pdf(tmp_path)).status == "ingested"
        app = create_app(settings, services=services)
        with TestClient(app) as client:  # the lifespan starts the check
            assert app.state.examples.wait(timeout=120)
            body = client.get("/v1/examples", headers=auth(READER_KEY), params={"n": 3}).json()
            verdicts = app.state.examples.verdicts()
            calls = len(generator.calls)
            assert client.get("/v1/examples", headers=auth(READER_KEY)).status_code == 200
            assert app.state.examples.wait(timeout=30) and len(generator.calls) == calls  # asked once
        questions = [q["question"] for q in body["questions"]]
        assert questions[0] == "What does the Travel Policy say about hotels?", questions
        assert verdicts["What does the Travel Policy say about hotels?"] is True
        assert verdicts["What does the Travel Policy say about meals?"] is False
        assert "What does the Travel Policy say about meals?" in questions[1:]  # suppressed: offered last
        asked = {m[-1]["content"].rsplit("Question:", 1)[-1].strip() for m in generator.calls}
        assert asked == set(verdicts)  # one model call per checked question
    finally:
        services.close()


def test_examples_stay_unchecked_when_the_model_server_is_down(
    indexed: Pipeline, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier, tmp_path: Path
) -> None:
    """No model server at KB_LLM_URL (a closed port): the check gives up at once, says so in
    the log, and the examples are offered as headings give them."""
    settings = api_settings(tmp_path / "data", f"http://127.0.0.1:{free_port()}/v1", example_check=True)
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
    try:
        def signature() -> tuple[tuple[str, str], ...]:
            return tuple(sorted((d.document_id, d.version) for d in indexed.ledger.list() if d.status == "indexed"))

        cache = ExampleQuestions(indexed.store, signature, check=lambda q: services.answers.ask(q).grounded)
        plain = ExampleQuestions(indexed.store, signature).get(3)
        cache.check_now()
        assert cache.verdicts() == {}
        assert cache.get(3) == plain
    finally:
        services.close()
