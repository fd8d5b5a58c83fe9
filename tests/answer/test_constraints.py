"""Question constraints (answer.constraints) and the gate that holds claims to them
(answer.constraint_gate): the lexical rules, then the answer service on the real store."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from answer.constraint_gate import Evidence, anchor_of, hold_to_question
from answer.constraints import Period, entities_in, line_items_in, periods_in, question_constraints
from answer.service import AnswerService
from answer.services import answer_config
from answer.verify import ClaimVerifier, make_scorer
from ingest.pipeline import Pipeline
from kb_service.prompting import ApproximateTokenCounter
from kb_service.search import Searcher
from tests.answer.constraint_traps import Scripted


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("Did wages increase in FY2023?", ["FY2023"]),
        ("in the fourth quarter of fiscal 2021", ["Q4 2021"]),
        ("Q4'23, 3Q 2022 and H1 2023", ["Q4 2023", "Q3 2022", "H1 2023"]),
        ("For the nine months ended September 30, 2023", ["9M 2023"]),
        ("In 2022, revenue was 2,024 USD.", ["2022"]),
        ("2023年第一季度营业收入为5亿元", ["Q1 2023"]),
        ("2024年上半年，北辰物流", ["H1 2024"]),
        ("2023年度公司的净利润", ["FY2023"]),
        ("The hotel limit is 220 USD per night.", []),
        ("Passwords must be at least 14 characters long.", []),
    ],
)
def test_periods(text: str, labels: list[str]) -> None:
    assert [p.label() for p in periods_in(text)] == labels


def test_period_compatibility() -> None:
    assert Period(2023, "FY").compatible(Period(2023, None))
    assert Period(2023, "Q1").compatible(Period(None, "Q1"))
    assert not Period(2023, "FY").compatible(Period(2021, "Q4"))
    assert not Period(2023, "FY").compatible(Period(2023, "Q4"))
    assert not Period(2024, "FY").compatible(Period(2024, "H1"))


def test_line_items_and_the_base_of_a_ratio() -> None:
    asked = question_constraints("Did Ulta Beauty's wages expense as a percent of net sales increase or decrease in FY2023?")
    assert asked.as_dict() == {
        "period": ["FY2023"], "entity": ["Ulta Beauty"], "measure": ["wages", "% of revenue"], "answer_type": ["direction"],
    }
    assert line_items_in("Selling, general and administrative expenses increased 17.3%") == {"sg&a"}
    assert line_items_in("comparable sales rose; net sales fell") == {"comparable sales", "revenue"}
    assert question_constraints("恒远实业2023年职工薪酬占营业收入的比例是多少？").base == "revenue"


def test_entities() -> None:
    assert entities_in("What was Acme Holdings' total revenue in 2023?", question=True) == ["Acme Holdings"]
    assert entities_in("What was the revenue of Orion Software in 2023?", question=True) == ["Orion Software"]
    assert entities_in("华信科技为华信集团的子公司", question=True) == ["华信科技", "华信集团"]
    assert entities_in("公司的年终奖是如何计算的？", question=True) == []
    assert entities_in("What is the CEO's annual salary?", question=True) == []


@pytest.mark.parametrize(
    "question",
    [
        "How many days of paid annual leave do full-time employees get?",
        "What are the core working hours?",
        "What is the hotel limit per night?",
        "Who approves an expense report between 1,000 and 5,000 USD?",
        "When does the People Team send the welcome e-mail?",
        "How and when must a security incident be reported?",
        "系统密码的最小长度和更换周期是多少？",
        "电脑屏幕在无操作多长时间后自动锁定？",
    ],
)
def test_ordinary_policy_questions_state_no_period_entity_or_measure(question: str) -> None:
    asked = question_constraints(question)
    assert not (asked.periods or asked.entities or asked.line_items or asked.base or asked.basis), asked.as_dict()


def test_answer_kinds() -> None:
    assert question_constraints("Did revenue increase or decrease in 2023?").kinds == ("direction",)
    assert question_constraints("What percentage of revenue came from services?").kinds == ("percent",)
    assert question_constraints("How many stock options do new employees receive?").kinds == ("number",)
    assert "comparison" in question_constraints("How did revenue in 2023 compare with 2022?").kinds
    assert question_constraints("Are employees allowed to bring their dogs?").kinds == ("yes_no",)
    assert question_constraints("蓝海电子2023年的研发费用是增加还是减少？").kinds == ("direction",)
    assert question_constraints("公司数据分为哪几个级别？").kinds == ("list",)
    assert question_constraints("How often must a password be changed?").kinds == ("frequency",)
    assert question_constraints("系统密码多久一次更换？").kinds == ("frequency",)
    assert question_constraints("How many times a year are backups tested?").kinds == ("number",)


def _verdict(question: str, *claims: str, passage: str = "") -> tuple[str | None, tuple[int, ...], tuple[str, ...]]:
    text = passage or " ".join(claims)
    verdict = hold_to_question(question_constraints(question), [Evidence(c, anchor_of(c, text), text) for c in claims])
    return verdict.reason, verdict.kept, verdict.issues


def test_the_reported_case_answers_another_question() -> None:
    reason, kept, issues = _verdict(
        "Did Ulta Beauty's wages expense as a percent of net sales increase or decrease in FY2023?",
        "Selling, general and administrative expenses increased 17.3% to $762.7 million compared to $650.0 million "
        "in the fourth quarter of fiscal 2021.",
        passage="Ulta Beauty Reports Fourth Quarter and Fiscal 2023 Results\nSelling, general and administrative "
        "expenses increased 17.3% to $762.7 million compared to $650.0 million in the fourth quarter of fiscal 2021.",
    )
    assert reason == "answers_another_question" and kept == ()
    assert any("Q4 2021" in i and "FY2023" in i for i in issues) and any("sg&a" in i for i in issues)


def test_a_claim_about_another_period_is_dropped_and_the_rest_kept() -> None:
    reason, kept, _ = _verdict(
        "What were net sales in fiscal 2023?",
        "Net sales for fiscal 2023 were $4.6 billion.", "Net sales for fiscal 2022 were $4.2 billion.",
    )
    assert reason is None and kept == (0,)


def test_the_period_can_come_from_the_passage_of_a_silent_claim() -> None:
    passage = "Harbor Lane Retail Inc. Fiscal 2023 Results\nNet sales were $4.6 billion."
    assert _verdict("What were Harbor Lane Retail's net sales in fiscal 2023?", "Net sales were $4.6 billion.",
                    passage=passage)[0] is None
    older = "Harbor Lane Retail Inc. Fiscal 2022 Results\nNet sales were $4.2 billion."
    assert _verdict("What were Harbor Lane Retail's net sales in fiscal 2023?", "Net sales were $4.2 billion.",
                    passage=older)[0] == "answers_another_question"
    nowhere = "Harbor Lane Retail Inc. Results\nNet sales were $4.2 billion."
    assert _verdict("What were Harbor Lane Retail's net sales in fiscal 2023?", "Net sales were $4.2 billion.",
                    passage=nowhere)[0] == "constraint_not_stated"


def test_answer_types() -> None:
    assert _verdict("Did fuel costs increase or decrease in 2023?", "Fuel costs were $640 million in 2023.")[0] == "wrong_answer_type"
    assert _verdict("Did fuel costs increase or decrease in 2023?", "Fuel costs rose to $640 million in 2023.")[0] is None
    assert _verdict("What percentage of staff work remotely?", "Most staff work remotely.")[0] == "wrong_answer_type"
    assert _verdict("How did revenue in 2023 compare with 2022?", "Revenue was $75 million in 2023.")[0] == "wrong_answer_type"
    often = "How often must a password be changed?"
    assert _verdict(often, "A password must be at least 12 characters long.")[0] == "wrong_answer_type"
    assert _verdict(often, "Every laptop must use full-disk encryption.")[0] == "wrong_answer_type"
    for said in ("A password must be changed every 90 days.", "Passwords are changed quarterly.",
                 "Passwords are changed twice a year.", "Passwords never expire.", "密码每隔三个月更换一次。"):
        assert _verdict(often, said)[0] is None, said


# --- the answer service, on the real store, embedder and verifier -----------------------------------

RESULTS = [
    "Net sales for fiscal 2023 were $4.6 billion, up 9.5% from fiscal 2022.",
    "Net sales for fiscal 2022 were $4.2 billion.",
]


@pytest.fixture
def results_indexed(pipeline: Pipeline, tmp_path: Path) -> Pipeline:
    from tests.corpus.pdfgen import DocSpec, Section, write_pdf

    spec = DocSpec(title="Harbor Lane Retail Inc. Annual Results", header=None,
                   sections=[Section("Net sales", 1, RESULTS)])
    assert pipeline.ingest_file(write_pdf(spec, tmp_path / "results.pdf")).status == "ingested"
    return pipeline


def _service(text: str, pipeline: Pipeline, embedder, deidentifier, settings, *, gate: bool = True) -> AnswerService:  # type: ignore[no-untyped-def]
    return AnswerService(
        replace(answer_config(settings), constraint_gate=gate),
        searcher=Searcher(embedder, pipeline.store),
        generator=Scripted(text),
        verifier=ClaimVerifier(make_scorer(embedder, None), claim_threshold=settings.claim_threshold),
        embedder=embedder,
        counter=ApproximateTokenCounter(),
        scrub=lambda t: deidentifier.session().redact(t).text,
    )


QUESTION = "What were Harbor Lane Retail's net sales in fiscal 2023?"


def test_the_service_trims_a_claim_about_another_period(results_indexed, embedder, deidentifier, settings) -> None:  # type: ignore[no-untyped-def]
    service = _service(
        "Net sales for fiscal 2023 were $4.6 billion [1]. Net sales for fiscal 2022 were $4.2 billion [1].",
        results_indexed, embedder, deidentifier, settings,
    )
    answer = service.ask(QUESTION)
    assert answer.grounded and answer.trimmed and answer.claims_dropped == 1, answer
    assert "$4.6 billion" in answer.answer and "4.2" not in answer.answer
    assert answer.constraints == {"period": ["FY2023"], "entity": ["Harbor Lane Retail"], "measure": ["revenue"]}
    assert answer.constraint_issues == ["claim 2: the claim is about FY2022; the question asks about FY2023"]


def test_the_service_suppresses_a_near_miss_and_quotes_the_closest_passage(results_indexed, embedder, deidentifier, settings) -> None:  # type: ignore[no-untyped-def]
    text = "Net sales for fiscal 2022 were $4.2 billion [1]."
    question = "What were Harbor Lane Retail's net sales in fiscal 2021?"
    answer = _service(text, results_indexed, embedder, deidentifier, settings).ask(question)
    assert not answer.grounded and answer.suppressed_reason == "answers_another_question"
    assert answer.answer.startswith("The knowledge base does not support an answer") and "4.2" not in answer.answer.split("says:")[0]
    assert any("fiscal 2022" in c.quote for c in answer.citations)
    assert answer.constraints["period"] == ["FY2021"]

    off = _service(text, results_indexed, embedder, deidentifier, settings, gate=False).ask(question)
    assert off.grounded and off.constraints == {} and off.constraint_issues == []


def test_constraints_are_shown_even_when_nothing_is_retrieved(results_indexed, embedder, deidentifier, settings) -> None:  # type: ignore[no-untyped-def]
    answer = _service("x", results_indexed, embedder, deidentifier, settings).ask("What is the capital city of Peru in 2024?")
    assert answer.suppressed_reason == "no_relevant_passages" and answer.constraints == {"period": ["2024"]}


def test_chat_completions_show_the_constraints_in_the_kb_field(results_indexed, embedder, deidentifier, settings) -> None:  # type: ignore[no-untyped-def]
    from api.chat_service import ChatService
    from api.openai_protocol import ChatCompletionRequest, dump

    text = "Net sales for fiscal 2022 were $4.2 billion [1]."
    chat = ChatService(_service(text, results_indexed, embedder, deidentifier, settings), Scripted(text))
    request = ChatCompletionRequest(messages=[{"role": "user", "content": QUESTION}])  # type: ignore[list-item]
    completion, _ = chat.complete(request)
    kb = dump(completion)["kb"]
    assert kb["suppressed_reason"] == "answers_another_question"
    assert kb["constraints"]["period"] == ["FY2023"]
    assert kb["constraint_issues"] == ["claim 1: the claim is about FY2022; the question asks about FY2023"]
