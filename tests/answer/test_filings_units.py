"""Tables, question focus, rerank, the extractive quote and the thinking budget, without a store
or a model server (the sentence quote uses the real embedder)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from answer.extractive import QUOTE_LEAD_EN, find_quote
from answer.question_focus import focus, period_matches
from answer.rerank import rerank
from answer.thinking import ThinkingBudget, looks_like_reasoning_model
from kb_service.llm.generator import Generation, generation_from_raw
from kb_service.prompting import ApproximateTokenCounter, build_prompt
from kb_service.tables import header_count, table_rows, to_markdown
from kb_service.types import Passage

OPS = """The following table presents the results of operations of Initech (in millions).

(in millions, except per share) | Three Months Ended | Three Months Ended | Nine Months Ended
Sep 30, 2024 | Sep 30, 2023 | Sep 30, 2024
Revenue | 6,155 | 5,604 | 15,734
Cost of revenue | (2,578) | (2,541) | (7,023)
Net income | 1,307 | 1,166 | 3,108"""
BALANCE = """(in millions) | Sep 30, 2024 | Dec 31, 2023
Goodwill | 1,637 | 1,428
Total assets | 11,464 | 10,613"""
NOTES = ("The effective tax rate was 23.8% for the three months ended September 30, 2024, compared with "
         "22.3% for the three months ended September 30, 2023.")
FORWARD = "This report contains forward-looking statements about the business of Initech for 2024."


def passage(text: str, n: int, *, title: str = "Initech Form 10-Q for the quarter ended September 30, 2024",
            section: str = "Statements", page: int = 1) -> Passage:
    return Passage(chunk_id=f"c{n}", document_id="d", source="initech-10-q.pdf", title=title, section=section,
                   section_path=[section], page_start=page, page_end=page, ordinal=n, text=text,
                   score=1.0 / (n + 1), vector_score=0.5)


def test_multi_line_header_becomes_one_markdown_header_row() -> None:
    lines = OPS.splitlines()[2:]
    assert header_count([line.split(" | ") for line in lines]) == 2
    table = to_markdown(lines).splitlines()
    assert table[0] == ("| (in millions, except per share) | Three Months Ended Sep 30, 2024 "
                        "| Three Months Ended Sep 30, 2023 | Nine Months Ended Sep 30, 2024 |")
    assert table[1] == "|---|---|---|---|"
    assert table[2] == "| Revenue | 6,155 | 5,604 | 15,734 |"
    headers, row = next(table_rows(OPS))
    assert headers[2] == "Three Months Ended Sep 30, 2023" and row[2] == "5,604"


def test_prompt_shows_tables_as_markdown_and_training_gets_the_same_layout() -> None:
    counter = ApproximateTokenCounter()
    prompt = build_prompt("What was revenue?", [passage(OPS, 0)], counter=counter, context_tokens=2048, answer_tokens=200)
    user = prompt.messages[-1]["content"]
    assert "| Revenue | 6,155 | 5,604 | 15,734 |" in user
    assert "The following table presents" in user  # prose around the table is kept as it is
    plain = build_prompt("What was revenue?", [passage(OPS, 0)], counter=counter, context_tokens=2048,
                         answer_tokens=200, markdown_tables=False)
    assert "Revenue | 6,155 | 5,604 | 15,734" in plain.messages[-1]["content"]
    assert "| Revenue |" not in plain.messages[-1]["content"]


def test_question_focus_and_period_match() -> None:
    f = focus("What were Initech's total assets as of December 31, 2023?")
    assert f.years == {"2023"} and f.months == {"dec"} and {"total", "asset"} <= f.item_terms
    assert period_matches(f, "Dec 31, 2023") and not period_matches(f, "Sep 30, 2024")
    three = focus("What was revenue for the three months ended September 30, 2024?")
    assert period_matches(three, "Three Months Ended Sep 30, 2024")
    assert not period_matches(three, "Nine Months Ended Sep 30, 2024")


def test_rerank_moves_the_row_of_the_question_s_item_and_period_up() -> None:
    passages = [passage(FORWARD, 0), passage(NOTES, 1), passage(BALANCE, 2, section="Balance Sheets")]
    ranked = rerank("What were Initech's total assets as of December 31, 2023?", passages)
    assert ranked[0].chunk_id == "c2"
    assert sorted(p.chunk_id for p in ranked) == ["c0", "c1", "c2"]


def test_quote_is_the_cell_of_the_question_s_row_and_column(embedder) -> None:  # type: ignore[no-untyped-def]
    passages = [passage(FORWARD, 0), passage(OPS, 1), passage(BALANCE, 2)]
    quote = find_quote("What was Initech's net income for the three months ended September 30, 2023?", passages, embedder)
    assert quote is not None and quote.passage == 2 and quote.kind == "row"
    assert quote.text == "Net income, Three Months Ended Sep 30, 2023 (in millions, except per share): 1,166"
    assets = find_quote("What were Initech's total assets as of December 31, 2023?", passages, embedder)
    assert assets is not None and assets.text.endswith(": 10,613") and "11,464" not in assets.text


def test_quote_of_a_footnote_sentence(embedder) -> None:  # type: ignore[no-untyped-def]
    passages = [passage(FORWARD, 0), passage(NOTES, 1, section="Note 8 — Income Taxes")]
    quote = find_quote("What was Initech's effective tax rate for the three months ended September 30, 2024?", passages, embedder)
    assert quote is not None and quote.kind == "sentence" and "23.8%" in quote.text
    assert QUOTE_LEAD_EN.endswith("The documents say:")


def test_no_quote_for_a_period_an_item_or_a_company_the_passages_lack(embedder) -> None:  # type: ignore[no-untyped-def]
    passages = [passage(OPS, 0), passage(BALANCE, 1), passage(NOTES, 2)]
    for question in (
        "What was Initech's revenue for the three months ended September 30, 2021?",  # neighbouring period
        "What were Initech's total assets as of December 31, 2021?",
        "How much did Initech record in goodwill impairment for the three months ended September 30, 2024?",  # absent item
        "How much did Initech record in restructuring charges for the three months ended September 30, 2024?",
        "What was Globex Industries's revenue for the three months ended September 30, 2024?",  # another company
        "What was Initech's effective tax rate for the nine months ended September 30, 2024?",  # period kind
    ):
        assert find_quote(question, passages, embedder) is None, question


class TracingGenerator:
    """Writes a reasoning trace before its answer; cut off inside the trace below `room` tokens."""

    def __init__(self, answer: str, trace_words: int = 300, room: int = 500) -> None:
        self.raw = "<think>" + " ".join(["hmm"] * trace_words) + "</think>" + answer
        self.room = room
        self.max_tokens: list[int] = []

    def generate(self, messages: Sequence[dict[str, str]], *, model: str, max_tokens: int, temperature: float) -> Generation:
        self.max_tokens.append(max_tokens)
        if max_tokens < self.room:
            return generation_from_raw(self.raw[: max_tokens * 4].split("</think>")[0], model, 10, max_tokens, "length", 0.1)
        return generation_from_raw(self.raw, model, 10, 320, "stop", 0.1)

    def stream(self, *a: object, **kw: object) -> Iterator[str]:
        yield self.raw

    def models(self) -> list[str]:
        return ["base"]

    def healthy(self) -> bool:
        return True

    def close(self) -> None:
        pass


def test_trace_is_stripped_and_counted() -> None:
    generation = generation_from_raw("<think>" + "step " * 100 + "</think>It is 25 days.", "m", 10, 130, "stop", 0.1)
    assert generation.text == "It is 25 days."
    assert 100 <= generation.reasoning_tokens < 130
    assert generation_from_raw("It is 25 days.", "m", 10, 6, "stop", 0.1).reasoning_tokens == 0
    assert looks_like_reasoning_model("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B")
    assert not looks_like_reasoning_model("SmolLM2-135M-Instruct")


def test_thinking_budget_when_on_and_learned_when_auto() -> None:
    on = TracingGenerator("The answer is 5.")
    generation = ThinkingBudget("on", 1024).generate(on, [], model="m", answer_tokens=200, temperature=0.0)
    assert on.max_tokens == [1224] and generation.text == "The answer is 5." and generation.reasoning_tokens > 0

    auto = TracingGenerator("The answer is 5.")
    budget = ThinkingBudget("auto", 1024)
    generation = budget.generate(auto, [], model="m", answer_tokens=200, temperature=0.0)
    assert auto.max_tokens == [200, 1224], "cut off inside the first trace: asked again with the budget"
    assert generation.text == "The answer is 5." and budget.active
    budget.generate(auto, [], model="m", answer_tokens=200, temperature=0.0)
    assert auto.max_tokens[-1] == 1224

    off = TracingGenerator("The answer is 5.")
    generation = ThinkingBudget("off", 1024).generate(off, [], model="m", answer_tokens=200, temperature=0.0)
    assert off.max_tokens == [200] and generation.text == ""
