"""Evaluation: metrics, the run loop, the summary, the report files and the shipped question set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb_service.errors import KBError
from kb_service.types import Answer, Citation
from training.eval_metrics import (
    extract_numbers,
    histogram,
    numbers_match,
    percentile,
    rouge_l,
    strip_citations,
    token_f1,
    tokenize,
)
from training.eval_report import render_markdown, write_report
from training.evaluation import (
    EvalQuestion,
    QuestionResult,
    load_questions,
    run_evaluation,
    summarize,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
SHIPPED = ROOT / "eval" / "sample-questions.jsonl"
HANDBOOK, SECURITY, FAQ = "employee-handbook.pdf", "it-security-policy.pdf", "product-faq.md"


def cite(document: str, page: int | None) -> Citation:
    return Citation(
        document=document, title=document, page=page, section="", chunk_id="c", quote="q", score=0.5
    )


def answered(text: str, confidence: float, *citations: Citation) -> Answer:
    return Answer(
        answer=text,
        grounded=True,
        confidence=confidence,
        citations=list(citations),
        model="m",
        adapter="a",
    )


def suppressed(confidence: float) -> Answer:
    return Answer(
        answer="The knowledge base does not support an answer.",
        grounded=False,
        confidence=confidence,
        suppressed_reason="low confidence",
    )


def q(qid: str, answer: str = "", doc: str = "", page: int | None = None) -> EvalQuestion:
    """A question whose text is "question <qid>?"; answerable when it has a reference answer."""
    return EvalQuestion(
        id=qid, question=f"question {qid}?", answer=answer, doc=doc, page=page,
        answerable=bool(answer),
    )


# --- metrics -------------------------------------------------------------------------------


def test_token_f1_english() -> None:
    assert token_f1("The answer is 25 days", "25 days") == pytest.approx(2 / 3)
    assert token_f1("25 Days.", "25 days") == 1.0
    assert token_f1("nothing in common", "25 days") == 0.0
    assert token_f1("", "25 days") == 0.0


def test_token_f1_chinese_by_character() -> None:
    assert tokenize("屏幕10分钟后锁定") == ["屏", "幕", "10", "分", "钟", "后", "锁", "定"]
    assert token_f1("屏幕10分钟后锁定", "10分钟") == pytest.approx(6 / 11)
    assert tokenize("Okta Verify推送") == ["okta", "verify", "推", "送"]


def test_rouge_l_uses_order() -> None:
    assert token_f1("x y z w", "w z y x") == 1.0
    assert rouge_l("x y z w", "w z y x") == pytest.approx(0.25)
    assert rouge_l("25 days of paid leave", "25 days of paid leave") == 1.0
    assert rouge_l("公开、内部、秘密、机密", "公开内部秘密机密四个级别") == pytest.approx(0.8)


def test_citation_markers_and_sources_block_are_stripped() -> None:
    text = "Leave is 25 days [1][2, 3].\n\nSources:\n[1] employee-handbook.pdf, page 1"
    assert tokenize(text) == ["leave", "is", "25", "days"]
    assert strip_citations("每90天更换一次【1】。\n来源：信息安全制度.pdf") == "每90天更换一次 。"
    assert token_f1(text, "Leave is 25 days") == 1.0


def test_numbers_match() -> None:
    numbers = extract_numbers("1,500 USD, 220.00 USD or 0.67 per mile; 99.9%")
    assert numbers == {"1500", "220", "0.67", "99.9"}
    assert numbers_match("The budget is 1500 USD a year.", "1,500 USD per year") is True
    assert numbers_match("220 or 320 USD", "220 USD and 320 USD") is True
    assert numbers_match("220 USD", "220 USD and 320 USD") is False
    assert numbers_match("Once a week [1].", "1 meeting") is False  # a citation marker is no number
    assert numbers_match("anything", "FileVault and BitLocker") is None
    assert numbers_match("不少于12位，每90天更换", "12位，90天") is True


def test_percentile_and_histogram() -> None:
    assert percentile([], 50) is None
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert histogram([0.0, 0.05, 0.55, 0.99, 1.0]) == [2, 0, 0, 0, 0, 1, 0, 0, 0, 2]


# --- results and summary -------------------------------------------------------------------


def test_question_result_fields() -> None:
    good = QuestionResult(
        q("1", "25 days of paid annual leave per year.", HANDBOOK, 1),
        answered(
            "Employees get 25 days of paid annual leave per year [1].",
            0.9,
            cite(SECURITY, 1),
            cite(HANDBOOK, 1),
        ),
        None,
        1.0,
    )
    assert good.answered and not good.suppressed and good.correct and good.outcome == "correct"
    assert good.token_f1 == pytest.approx(8 / 9) and good.rouge_l == pytest.approx(8 / 9)
    assert good.numbers_match is True
    assert good.citation_doc_ok is True and good.citation_page_ok is True

    # numbers right, wording far off: the number clause of the rule needs F1 >= 0.2
    numeric = QuestionResult(q("2", "16 weeks", HANDBOOK), answered("16", 0.9), None, 1.0)
    assert numeric.token_f1 == pytest.approx(2 / 3) and numeric.correct
    vague = QuestionResult(
        q("3", "Primary caregivers receive 16 weeks of fully paid parental leave.", HANDBOOK),
        answered("It is 16.", 0.9),
        None,
        1.0,
    )
    assert vague.numbers_match is True and vague.token_f1 < 0.2 and not vague.correct
    assert vague.citation_doc_ok is False and vague.citation_page_ok is None  # no reference page

    refused = QuestionResult(q("4"), suppressed(0.1), None, 1.0)
    assert refused.outcome == "refused"
    assert refused.token_f1 is None and refused.citation_doc_ok is None
    failed = QuestionResult(q("5", "x", FAQ), None, "RuntimeError: boom", 1.0)
    assert failed.outcome == "error" and not failed.answered and not failed.suppressed


def crafted_results() -> list[QuestionResult]:
    return [
        # answerable, answered, correct, right document and page
        QuestionResult(
            q("q1", "25 days of paid annual leave per year.", HANDBOOK, 1),
            answered(
                "Employees get 25 days of paid annual leave per year [1].", 0.9, cite(HANDBOOK, 1)
            ),
            None,
            1.0,
        ),
        # answerable, answered, wrong, wrong document
        QuestionResult(
            q("q2", "The core hours are 10:00 to 16:00.", HANDBOOK, 1),
            answered("Lunch is served at noon.", 0.8, cite(SECURITY, 2)),
            None,
            2.0,
        ),
        # answerable, suppressed
        QuestionResult(q("q3", "At least 14 characters.", SECURITY, 1), suppressed(0.3), None, 3.0),
        # answerable, ask() failed
        QuestionResult(q("q4", "99 USD per user per month.", FAQ), None, "RuntimeError: boom", 4.0),
        # unanswerable, suppressed
        QuestionResult(q("q5"), suppressed(0.2), None, 5.0),
        # unanswerable, answered anyway
        QuestionResult(q("q6"), answered("The Wi-Fi password is guest123.", 0.85), None, 10.0),
    ]


def test_summary_exact_values() -> None:
    s = summarize(crafted_results())
    expected = {
        "total": 6,
        "answerable": 4,
        "unanswerable": 2,
        "answered": 3,
        "suppressed": 2,
        "errors": 1,
        "correct": 1,
        "accuracy": 0.25,
        "scored": 2,
        "number_match_rate": 0.5,
        "citation_doc_accuracy": 0.5,
        "citation_page_accuracy": 0.5,
        "refusal_rate": 0.5,
        "false_suppression_rate": 0.25,
        "answered_unanswerable": 1,
        "latency_p50_s": 3.5,
    }
    assert {k: s[k] for k in expected} == expected
    assert s["mean_token_f1"] == pytest.approx(4 / 9)
    assert s["mean_rouge_l"] == pytest.approx(4 / 9)
    assert s["latency_p95_s"] == pytest.approx(8.75)
    assert s["latency_mean_s"] == pytest.approx(25 / 6)
    hist = s["confidence_histogram"]
    assert hist["edges"][0] == 0.0 and hist["edges"][-1] == 1.0 and len(hist["edges"]) == 11
    assert hist["correct"] == [0] * 9 + [1]
    # the wrong answer and the answered unanswerable one
    assert hist["incorrect"] == [0] * 8 + [2, 0]
    assert hist["suppressed"] == [0, 0, 1, 1, 0, 0, 0, 0, 0, 0]


def test_summary_of_nothing_answered_has_no_rates() -> None:
    s = summarize([QuestionResult(q("u"), suppressed(0.1), None, 0.5)])
    assert s["accuracy"] is None and s["mean_token_f1"] is None
    assert s["citation_doc_accuracy"] is None
    assert s["refusal_rate"] == 1.0 and s["false_suppression_rate"] is None


# --- run_evaluation ------------------------------------------------------------------------


def test_run_evaluation_records_errors_and_goes_on() -> None:
    questions = [
        q("a", "25 days of paid annual leave.", HANDBOOK, 1),
        q("b", "At least 14 characters.", SECURITY, 1),
        q("c"),
    ]
    replies = {
        "question a?": answered("25 days of paid annual leave [1].", 0.92, cite(HANDBOOK, 1)),
        "question c?": suppressed(0.15),
    }
    asked: list[str] = []

    def ask(text: str) -> Answer:
        asked.append(text)
        if text not in replies:
            raise TimeoutError("generator timed out")
        return replies[text]

    progress: list[tuple[int, int]] = []
    report = run_evaluation(
        questions,
        ask,
        on_progress=lambda done, total: progress.append((done, total)),
        metadata={"threshold": 0.75},
    )
    assert asked == ["question a?", "question b?", "question c?"]
    assert progress == [(1, 3), (2, 3), (3, 3)]
    assert [r.outcome for r in report.results] == ["correct", "error", "refused"]
    assert report.results[1].error == "TimeoutError: generator timed out"
    assert all(r.latency_s >= 0 for r in report.results)
    assert report.summary["errors"] == 1 and report.summary["accuracy"] == 0.5
    assert report.summary["refusal_rate"] == 1.0
    meta = report.metadata
    assert meta["model"] == "m" and meta["adapter"] == "a" and meta["threshold"] == 0.75
    assert meta["started_at"] and meta["duration_s"] >= 0


# --- report files --------------------------------------------------------------------------


def test_write_report_writes_markdown_json_and_png(tmp_path: Path) -> None:
    crafted = crafted_results()
    replies = {r.question.question: r.answer for r in crafted}

    def ask(text: str) -> Answer:
        reply = replies[text]
        if reply is None:
            raise RuntimeError("boom")
        return reply

    report = run_evaluation(
        [r.question for r in crafted], ask, metadata={"threshold": 0.75, "questions": "crafted"}
    )
    paths = write_report(report, tmp_path / "out")
    assert set(paths) == {"markdown", "json", "chart"}
    assert all(p.is_file() and p.parent == tmp_path / "out" for p in paths.values())

    assert paths["chart"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["summary"]["total"] == 6 and data["summary"]["accuracy"] == 0.25
    assert data["metadata"]["threshold"] == 0.75
    assert [r["outcome"] for r in data["results"]] == [
        "correct", "wrong", "false-suppression", "error", "refused", "answered-unanswerable"
    ]
    assert data["results"][0]["citations"] == [{"document": HANDBOOK, "page": 1, "score": 0.5}]

    md = paths["markdown"].read_text(encoding="utf-8")
    assert "## Summary" in md and "## Correctness rule" in md and "token F1 ≥ 0.5" in md
    assert "| Accuracy (correct / answerable) | 25.0% (1/4) |" in md
    assert "| Refusal rate on unanswerable (higher is better) | 50.0% (1/2) |" in md
    assert "eval-report.png" in md and "RuntimeError: boom" in md
    for qid in ("q1", "q2", "q3", "q4", "q5", "q6"):
        assert f"| {qid} |" in md


def test_markdown_truncates_and_escapes_question_text() -> None:
    text = "Is a|b " + "very " * 30 + "long?"
    long = EvalQuestion(id="long", question=text, answer="", doc="", answerable=False)
    report = run_evaluation([long], lambda _: suppressed(0.1))
    md = render_markdown(report)
    row = next(line for line in md.splitlines() if line.startswith("| long |"))
    assert "a\\|b" in row and row.endswith("… |") and "long?" not in row


# --- question files ------------------------------------------------------------------------


def test_load_questions_rejects_bad_line_with_its_number(tmp_path: Path) -> None:
    good = {
        "id": "1", "question": "Q?", "answer": "A", "doc": HANDBOOK, "page": 1, "answerable": True
    }
    path = tmp_path / "questions.jsonl"

    path.write_text(json.dumps(good) + "\n\n{not json\n", encoding="utf-8")
    with pytest.raises(KBError, match=r"questions\.jsonl:3"):
        load_questions(path)

    missing = {k: v for k, v in good.items() if k != "answerable"} | {"id": "2"}
    path.write_text(json.dumps(good) + "\n" + json.dumps(missing) + "\n", encoding="utf-8")
    with pytest.raises(KBError, match=r"questions\.jsonl:2: .*answerable"):
        load_questions(path)

    no_doc = good | {"id": "2", "doc": ""}
    path.write_text(json.dumps(good) + "\n" + json.dumps(no_doc) + "\n", encoding="utf-8")
    with pytest.raises(KBError, match=r":2: .*doc"):
        load_questions(path)

    path.write_text(json.dumps(good) + "\n" + json.dumps(good) + "\n", encoding="utf-8")
    with pytest.raises(KBError, match=r":2: duplicate question id"):
        load_questions(path)

    path.write_text(json.dumps(good) + "\n", encoding="utf-8")
    assert load_questions(path) == [EvalQuestion(**good)]


def test_shipped_question_set() -> None:
    questions = load_questions(SHIPPED)
    answerable = [x for x in questions if x.answerable]
    unanswerable = [x for x in questions if not x.answerable]
    assert len(answerable) >= 20 and len(unanswerable) >= 6
    samples = {p.name for p in SAMPLES.iterdir()}
    assert {x.doc for x in answerable} == samples  # every sample document is asked about
    for x in answerable:
        assert x.doc in samples
        if not x.doc.endswith(".pdf"):
            assert x.page is None, x.id
    chinese = [x for x in answerable if x.doc == "信息安全制度.pdf"]
    assert len(chinese) >= 3 and all(tokenize(x.answer)[0] != x.answer for x in chinese)


def test_shipped_question_set_has_no_planted_personal_data() -> None:
    text = SHIPPED.read_text(encoding="utf-8").lower()
    planted = (
        "ellison", "mendes", "okafor", "raman", "lindqvist", "bennett", "陈静", "王磊",
        "784-3310", "913 4471", "7946 1182", "4539", "gb82", "13812345678",
        "31010419880612023x", "185.220.101.47", "漕溪北路",
    )
    for value in planted:
        assert value not in text, value
