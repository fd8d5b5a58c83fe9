"""Claim verifier: text functions, fact gate, citations, aggregation; real MiniLM embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from answer.verify import (
    ClaimCheck,
    ClaimVerifier,
    CrossEncoderNLIScorer,
    EmbeddingLexicalScorer,
    Verification,
    best_answer_sentence,
    cited_numbers,
    extract_facts,
    fact_in_text,
    make_scorer,
    split_claims,
    strip_citations,
)
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.errors import ConfigurationError, ModelNotFoundError

LEAVE = (
    "Annual leave. Full-time employees are entitled to 25 days of paid annual leave per calendar "
    "year. Part-time employees receive leave in proportion to their working hours. Up to 5 unused "
    "leave days may be carried over to the next year; they must be taken by 31 March. Requests for "
    "leave must be submitted at least 10 working days in advance through the HR portal."
)
EXPENSES = (
    "Travel expenses. Meal expenses during business travel are reimbursed up to €50 per day. "
    "Hotel costs are covered up to €150 per night. Receipts must be submitted within 30 days of "
    "the trip. Alcohol is not reimbursed."
)
PASSWORDS = (
    "Passwords must be at least 12 characters long and must be changed every 90 days. Never share "
    "your password with anyone, including the IT department. Use the company password manager to "
    "store credentials."
)
CONTACT = (
    "Questions about leave should be directed to <PERSON_1> in Human Resources. The HR office is "
    "open Monday to Friday from 9:00 to 17:00. Sick leave must be reported on the first day of "
    "absence."
)
CHINESE = (
    "员工每年享有15天带薪年假。未休年假最多可结转5天，须在次年3月31日前休完。"
    "差旅餐费每天报销上限为100元，发票须在30天内提交。"
)
PASSAGES = [LEAVE, EXPENSES, PASSWORDS, CONTACT, CHINESE]


@pytest.fixture(scope="module")
def verifier(embedder: SentenceTransformerEmbedder) -> ClaimVerifier:
    scorer = make_scorer(embedder, None)
    scorer.warm_up()
    return ClaimVerifier(scorer, claim_threshold=0.6)


def _only(verification: Verification) -> ClaimCheck:
    assert len(verification.claims) == 1, verification.claims
    return verification.claims[0]


# --- splitting and citations ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            "Leave accrues at 2.5 days per month, e.g. for new staff. Ask Dr. Weber, room No. 3.",
            [
                "Leave accrues at 2.5 days per month, e.g. for new staff.",
                "Ask Dr. Weber, room No. 3.",
            ],
        ),
        (
            "Version 2.3.1 of the portal, i.e. the current one, is used. It opens at 9:00.",
            ["Version 2.3.1 of the portal, i.e. the current one, is used.", "It opens at 9:00."],
        ),
        (
            "Employees get 25 days. [1] Up to 5 days may be carried over [1][2].",
            ["Employees get 25 days. [1]", "Up to 5 days may be carried over [1][2]."],
        ),
        (
            "Rules:\n- Passwords need 12 characters [3]\n* They expire after 90 days [3]\n"
            "2. Use the manager.",
            [
                "Passwords need 12 characters [3]",
                "They expire after 90 days [3]",
                "Use the manager.",
            ],
        ),
        (
            "员工每年享有15天年假【5】。报销上限为100元；发票须在30天内提交！是否可以结转？",
            ["员工每年享有15天年假【5】。", "报销上限为100元；", "发票须在30天内提交！"],
        ),
        (
            "Receipts are due within 30 days.\n[2]\n\nSources:\n[1] Employee handbook\n"
            "[2] Travel policy",
            ["Receipts are due within 30 days. [2]"],
        ),
        (
            "<think>The user asks about leave.</think>## Leave\nAccording to the handbook:\n"
            "Employees get 25 days [1].\n[1]\nI hope this helps!",
            ["Employees get 25 days [1]. [1]"],
        ),
        (
            "The answer is no. Employees must ask first.",
            ["The answer is no.", "Employees must ask first."],
        ),
        (
            "Employees get 25 days. (Source: Employee Handbook) Sources of funding vary.",
            ["Employees get 25 days.", "Sources of funding vary."],
        ),
        (  # a question states nothing: a small model echoing the prompt's question
            "A password must be at least 12 characters long [1].\n\nQuestion: How often must a password be changed?\n"
            "Q: Is that all? 问题：多久更换一次",
            ["A password must be at least 12 characters long [1]."],
        ),
        ("", []),
        ("[1][2]", []),
    ],
)
def test_split_claims(answer: str, expected: list[str]) -> None:
    assert split_claims(answer) == expected


def test_strip_and_read_citations() -> None:
    text = "Employees get 25 days [1, 2] and more [3-4] 【5】 [Passage 6] [1]."
    assert strip_citations(text) == "Employees get 25 days and more."
    assert cited_numbers(text) == (1, 2, 3, 4, 5, 6)
    assert cited_numbers("x [1][3] y [1]") == (1, 3)
    assert cited_numbers("no markers, 25 [sic] days") == ()


# --- facts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("The limit is 1,200 per year and 25% of it, or 1.50 days.", {"1200", "25%", "1.5"}),
        (
            "Meals up to €50, hotels 150 euros, flights $1,200.00 or USD 80.",
            {"50 EUR", "150 EUR", "1200 USD", "80 USD"},
        ),
        ("报销上限为500元，人民币3万元，¥20。", {"500 CNY", "30000 CNY", "20 CNY"}),
        (
            "Due 2024-01-31, 31 January 2024, March 5, 2024 or by 31 March.",
            {"2024-01-31", "2024-03-05", "03-31"},
        ),
        ("须在2024年1月31日前提交，最迟2024年3月。", {"2024-01-31", "2024-03"}),
        ("Open from 9:00 to 5:30 pm, or 8 am.", {"09:00", "17:30", "08:00"}),
        (
            "Contact Anna Schmidt or <PERSON_1> at <EMAIL_ADDRESS_2>.",
            {"Anna Schmidt", "<PERSON_1>", "<EMAIL_ADDRESS_2>"},
        ),
        ("Anna Schmidt grants fifteen days and twenty-five %.", {"Anna Schmidt", "15", "25%"}),
        ("Leave ends on the 3rd; USB sticks are blocked.", {"3"}),
        ("员工有三十天年假，十五天病假，两天内审批，百分之二十。", {"30", "15", "2", "20%"}),
        ("一般情况下统一处理，十分重要。", set()),
        ("One of the options works; it takes one day.", set()),
        ("Employees may work from home on Fridays.", {"Friday"}),
        ("See section 4.2 of v2.3.1, No. 3.", {"4.2", "2.3.1", "3"}),
    ],
)
def test_extract_facts(text: str, facts: set[str]) -> None:
    assert extract_facts(text) == facts


@pytest.mark.parametrize(
    ("fact", "text", "found"),
    [
        ("15", "Employees get fifteen days.", True),
        ("1", "It takes one day.", True),
        ("30", "员工有三十天年假。", True),
        ("50 EUR", "Meals up to 50 euros.", True),
        ("50 EUR", "Meals up to €50 per day.", True),
        ("50 USD", "Meals up to €50 per day.", False),
        ("25", "The share is 25%.", True),
        ("03-31", "They must be taken by 31 March 2025.", True),
        ("2024-01-31", "Submit by 2024-01-31.", True),
        ("2024-01-31", "Submit by 2024-02-28.", False),
        ("Anna Schmidt", "Ask anna schmidt's office.", True),
        ("Anna Schmidt", "Ask Anna Weber.", False),
        ("<PERSON_1>", "Contact <PERSON_1> in HR.", True),
        ("<PERSON_2>", "Contact <PERSON_1> in HR.", False),
        ("Friday", "Open Monday to Friday.", True),
        ("17:00", "Open until 5 pm.", True),
    ],
)
def test_fact_in_text(fact: str, text: str, found: bool) -> None:
    assert fact_in_text(fact, text) is found


# --- verification -----------------------------------------------------------------------------


def test_fully_supported_answer_keeps_citations(verifier: ClaimVerifier) -> None:
    answer = (
        "Full-time employees are entitled to 25 days of paid annual leave per calendar year [1]. "
        "Meal expenses during business travel are reimbursed up to €50 per day [2]. "
        "Passwords must be at least 12 characters long [3]."
    )
    result = verifier.verify(answer, PASSAGES)
    assert [c.citations for c in result.claims] == [(1,), (2,), (3,)]
    assert all(c.supported and not c.citation_repaired and c.support > 0.9 for c in result.claims)
    assert result.unsupported == ()
    assert result.confidence > 0.9


def test_paraphrase_is_supported(verifier: ClaimVerifier) -> None:
    answer = (
        "Staff working full time get 25 paid vacation days each year [1]. "
        "You can carry up to five unused days into the following year [1]. "
        "You should not give your password to anybody, not even IT [3]. "
        "Contact <PERSON_1> in HR if you have questions about leave [4]."
    )
    result = verifier.verify(answer, PASSAGES)
    assert len(result.claims) == 4
    for claim in result.claims:
        assert claim.supported and claim.support >= 0.75, claim
        assert claim.citations == claim.cited
    assert result.confidence >= 0.75


def test_invented_number_sinks_its_claim_and_the_confidence(verifier: ClaimVerifier) -> None:
    answer = (
        "Full-time employees get 30 days of paid annual leave per year [1]. "
        "Meals on business trips are reimbursed up to €50 per day [2]. "
        "Passwords must be at least 12 characters long [3]. "
        "Sick leave must be reported on the first day of absence [4]."
    )
    result = verifier.verify(answer, PASSAGES)
    invented, *rest = result.claims
    assert not invented.supported
    assert invented.missing_facts == ("30",)
    assert invented.support <= 0.2
    assert invented.citations == () and invented.passage is None
    assert all(claim.supported for claim in rest)
    assert result.unsupported == (invented,)
    assert result.confidence < 0.75
    assert verifier.aggregate(rest) >= 0.75  # what the service keeps after trimming


def test_invented_amount_currency_and_name(verifier: ClaimVerifier) -> None:
    claim = _only(verifier.verify("Meal costs are reimbursed up to $50 per day [2].", PASSAGES))
    assert not claim.supported and claim.missing_facts == ("50 USD",)
    for name in ("Anna Schmidt", "<PERSON_2>"):
        answer = f"Questions about leave go to {name} in Human Resources [4]."
        claim = _only(verifier.verify(answer, PASSAGES))
        assert not claim.supported and claim.missing_facts == (name,)


def test_wrong_citation_is_repaired(verifier: ClaimVerifier) -> None:
    claim = _only(verifier.verify("Passwords must be changed every 90 days [1].", PASSAGES))
    assert claim.supported
    assert claim.cited == (1,)
    assert claim.citations == (3,) and claim.passage == 3
    assert claim.citation_repaired


def test_missing_citation_is_added(verifier: ClaimVerifier) -> None:
    answer = "Receipts must be handed in within 30 days of the trip."
    claim = _only(verifier.verify(answer, PASSAGES))
    assert claim.supported and claim.cited == ()
    assert claim.citations == (2,) and claim.citation_repaired


def test_citation_out_of_range_is_dropped(verifier: ClaimVerifier) -> None:
    claim = _only(verifier.verify("Hotel costs are covered up to €150 per night [2][9].", PASSAGES))
    assert claim.supported
    assert claim.cited == (2, 9)
    assert claim.citations == (2,)
    assert claim.citation_repaired


@pytest.mark.parametrize(
    "answer",
    [
        "The company offers free gym memberships to all employees [1].",
        "Parental leave lasts up to three years [1].",
        "Paris is the capital of France.",
    ],
)
def test_off_topic_claim_is_unsupported(verifier: ClaimVerifier, answer: str) -> None:
    claim = _only(verifier.verify(answer, PASSAGES))
    assert not claim.supported
    assert claim.support < 0.5
    assert claim.citations == () and claim.passage is None and not claim.citation_repaired


@pytest.mark.parametrize(
    "answer",
    [
        "Unused leave days cannot be carried over [1].",
        "You may share your password with the IT department [3].",
        "Alcohol is reimbursed on business trips [2].",
    ],
)
def test_negated_claim_is_unsupported(verifier: ClaimVerifier, answer: str) -> None:
    claim = _only(verifier.verify(answer, PASSAGES))
    assert not claim.supported and claim.support < 0.5


def test_one_bad_claim_among_many_pulls_confidence_down(verifier: ClaimVerifier) -> None:
    answer = (
        "Full-time employees are entitled to 25 days of paid annual leave per calendar year [1]. "
        "Receipts must be submitted within 30 days of the trip [2]. "
        "Hotel costs are covered up to €150 per night [2]. "
        "Passwords must be changed every 90 days [3]. "
        "Sick leave must be reported on the first day of absence [4]. "
        "Employees also receive a yearly bonus of 2,000 euros [1]."
    )
    result = verifier.verify(answer, PASSAGES)
    assert [c.supported for c in result.claims] == [True] * 5 + [False]
    assert result.confidence < 0.75
    assert verifier.aggregate(result.claims[:5]) > 0.75


def test_chinese_supported_answer(verifier: ClaimVerifier) -> None:
    result = verifier.verify("员工每年享有15天带薪年假【5】。差旅餐费每天最多报销100元【5】。", PASSAGES)
    assert len(result.claims) == 2
    assert all(c.supported and c.citations == (5,) for c in result.claims)
    assert result.confidence >= 0.75


def test_chinese_paraphrase_with_chinese_numerals(verifier: ClaimVerifier) -> None:
    claim = _only(verifier.verify("员工每年可以享受十五天的带薪年假。", PASSAGES))
    assert claim.supported and claim.citations == (5,) and claim.citation_repaired


def test_chinese_wrong_amount_is_unsupported(verifier: ClaimVerifier) -> None:
    result = verifier.verify("员工每年享有15天带薪年假【5】。差旅餐费每天最多报销200元【5】。", PASSAGES)
    supported, wrong = result.claims
    assert supported.supported
    assert not wrong.supported and wrong.missing_facts == ("200 CNY",)
    assert result.confidence < 0.75


def test_no_claims_and_no_passages(verifier: ClaimVerifier) -> None:
    empty = verifier.verify("Sources: [1]", PASSAGES)
    assert empty.claims == () and empty.confidence == 0.0
    alone = verifier.verify("Employees get 25 days of leave [1].", [])
    assert alone.confidence < 0.75
    claim = _only(alone)
    assert not claim.supported and claim.citations == () and claim.support == 0.0
    assert verifier.aggregate([]) == 0.0


def test_claim_threshold_is_validated(embedder: SentenceTransformerEmbedder) -> None:
    with pytest.raises(ConfigurationError):
        ClaimVerifier(EmbeddingLexicalScorer(embedder), claim_threshold=1.5)


# --- the passage sentence shown with a suppressed answer ----------------------------------------


def test_best_answer_sentence(embedder: SentenceTransformerEmbedder) -> None:
    found = best_answer_sentence("How long do I have to submit my receipts?", PASSAGES, embedder)
    assert found is not None
    passage, sentence, similarity = found
    assert (passage, sentence) == (2, "Receipts must be submitted within 30 days of the trip.")
    assert 0.6 <= similarity <= 1.0
    question = "How many days of annual leave do full-time employees get?"
    found = best_answer_sentence(question, PASSAGES, embedder)
    assert found is not None and found[0] == 1 and "25 days" in found[1]
    assert best_answer_sentence("What is the capital of France?", PASSAGES, embedder) is None
    assert best_answer_sentence("How many days of leave?", [], embedder) is None


def test_best_answer_sentence_chinese(embedder: SentenceTransformerEmbedder) -> None:
    found = best_answer_sentence("差旅餐费每天可以报销多少？", PASSAGES, embedder)
    assert found is not None and found[0] == 5 and "100元" in found[1]
    assert best_answer_sentence("公司的股票期权怎么分配？", PASSAGES, embedder) is None


# --- scorers ----------------------------------------------------------------------------------


def test_scorer_matrix_shape_and_range(embedder: SentenceTransformerEmbedder) -> None:
    scorer = EmbeddingLexicalScorer(embedder)
    scores = scorer.score(["Passwords expire after 90 days.", "员工每年享有15天带薪年假。"], PASSAGES)
    assert len(scores) == 2 and all(len(row) == len(PASSAGES) for row in scores)
    assert all(0.0 <= value <= 1.0 for row in scores for value in row)
    assert max(range(5), key=lambda j: scores[0][j]) == 2
    assert max(range(5), key=lambda j: scores[1][j]) == 4
    assert scorer.score([], PASSAGES) == []


def test_make_scorer_picks_backend(embedder: SentenceTransformerEmbedder) -> None:
    assert isinstance(make_scorer(embedder, None), EmbeddingLexicalScorer)
    assert isinstance(make_scorer(embedder, "some/nli-model"), CrossEncoderNLIScorer)


def test_nli_scorer_with_missing_model_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="nli-model"):
        CrossEncoderNLIScorer(str(tmp_path / "no-such" / "nli-model")).warm_up()
    with pytest.raises(ModelNotFoundError, match="KB_NLI_MODEL"):
        CrossEncoderNLIScorer(str(tmp_path)).warm_up()  # a folder, but no model in it


@pytest.mark.slow
def test_nli_scorer_needs_an_entailment_label(tmp_path: Path) -> None:
    """MiniLM turned into an (untrained) cross-encoder: real loading and label lookup."""
    from sentence_transformers import CrossEncoder

    from kb_service.models import packaged_model_path

    base = str(packaged_model_path("all-MiniLM-L6-v2"))
    with pytest.raises(ConfigurationError, match="entailment"):
        CrossEncoderNLIScorer(base).warm_up()  # one output, label LABEL_0

    model = CrossEncoder(base, num_labels=3)
    model.config.id2label = {0: "CONTRADICTION", 1: "ENTAILMENT", 2: "NEUTRAL"}
    model.config.label2id = {label: i for i, label in model.config.id2label.items()}
    model.save_pretrained(str(tmp_path / "nli"))
    scorer = CrossEncoderNLIScorer(str(tmp_path / "nli"))
    scores = scorer.score(["Passwords expire after 90 days.", "Paris is in France."], PASSAGES[:3])
    assert len(scores) == 2 and all(len(row) == 3 for row in scores)
    assert all(0.0 <= value <= 1.0 for row in scores for value in row)
