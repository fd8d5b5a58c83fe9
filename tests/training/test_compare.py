"""The pure parts of `kb eval --compare`: reading a split, prompt-level scores, the verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb_service.errors import KBError
from kb_service.prompting import REFUSAL_EN
from training.compare import Comparison, SideReport, SplitItem, comparison_rows, load_split_items, render_comparison, score_split
from training.eval_metrics import bleu4


def item(kind: str, target: str, oracle: int | None = 1, question: str = "How long is the trial?") -> SplitItem:
    prompt = [{"role": "system", "content": "s"}, {"role": "user", "content": f"Passages:\n[1] x\n\nQuestion: {question}"}]
    return SplitItem(id="t", prompt=prompt, target=target, kind=kind, oracle_position=oracle)


def test_load_split_items_reads_prompt_target_and_question(tmp_path: Path) -> None:
    row = {"messages": [{"role": "system", "content": "rules"},
                        {"role": "user", "content": "Passages:\n[1] a\n\nQuestion: What is the notice period?"},
                        {"role": "assistant", "content": "Two months [1]."}],
           "kind": "qa", "oracle_position": 1}
    (tmp_path / "test.jsonl").write_text(json.dumps(row) + "\n" + json.dumps(row) + "\n", encoding="utf-8")
    items = load_split_items(tmp_path, limit=1)
    assert len(items) == 1
    assert items[0].question == "What is the notice period?"
    assert items[0].target == "Two months [1]." and [m["role"] for m in items[0].prompt] == ["system", "user"]
    (tmp_path / "test.jsonl").write_text("{not json\n", encoding="utf-8")
    with pytest.raises(KBError, match="test.jsonl:1"):
        load_split_items(tmp_path)
    with pytest.raises(KBError, match="no validation split"):
        load_split_items(tmp_path, "validation")


def test_score_split_counts_refusals_citations_and_overlap() -> None:
    items = [item("qa", "The trial lasts 14 days [1]."), item("qa", "It lasts 14 days [2].", oracle=2),
             item("qa", "Data is refreshed every 15 minutes [1]."), item("refusal", REFUSAL_EN),
             item("refusal", REFUSAL_EN)]
    replies = ["The trial lasts 14 days [1].", "It lasts 14 days [1].", REFUSAL_EN, REFUSAL_EN, "It is 30 days."]
    scores = score_split(items, replies)
    assert scores["examples"] == 5 and scores["qa"] == 3 and scores["refusal_examples"] == 2
    assert scores["refusal_rate"] == 0.5
    assert scores["false_refusal_rate"] == pytest.approx(1 / 3)
    assert scores["oracle_citation_rate"] == 0.5  # the second cites [1], its oracle is [2]
    assert scores["mean_rouge_l"] == pytest.approx(1.0)
    assert scores["bleu4"] == pytest.approx(1.0)


def test_bleu4_is_corpus_level_and_handles_chinese() -> None:
    assert bleu4([], []) is None
    assert bleu4(["年假为二十八天。"], ["年假为二十八天。"]) == pytest.approx(1.0)
    partial = bleu4(["the notice period is two months"], ["after probation the notice period is two months"])
    assert partial is not None and 0.3 < partial < 1.0
    assert bleu4(["completely different words here"], ["the notice period is two months"]) < 0.05  # type: ignore[operator]


def test_verdict_follows_each_metric_direction() -> None:
    base = SideReport("base", split={"refusal_rate": 0.5, "false_refusal_rate": 0.2}, loss={"loss": 2.0, "perplexity": 7.4})
    tuned = SideReport("tuned", split={"refusal_rate": 0.9, "false_refusal_rate": 0.4}, loss={"loss": 1.0, "perplexity": 2.7})
    comparison = Comparison(baseline=base, candidate=tuned)
    verdicts = {row.key: row.verdict for row in comparison_rows(comparison)}
    assert verdicts == {"split.refusal_rate": "better", "split.false_refusal_rate": "worse", "split.perplexity": "better"}
    text = render_comparison(comparison)
    assert "| Test split: perplexity of the answers | 7.400 | 2.700 | better |" in text
