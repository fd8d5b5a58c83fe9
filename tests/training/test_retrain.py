"""`kb retrain`'s delta: what changed since the active adapter was trained, the delta dataset,
and a real retraining round on ingested documents (a two-layer Llama, so training takes
seconds; the delta logic does not depend on the model's size)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ingest.pipeline import Pipeline
from kb_service.settings import Settings
from tests.training.test_registry import tiny_base_model
from training.delta import DeltaPlan, plan_delta, write_delta
from training.registry import AdapterRegistry, read_card
from training.retrain import retrain


def card(train: dict[str, str], evaluated: dict[str, str] | None = None) -> dict[str, Any]:
    evaluated = evaluated or {}
    return {"source_documents": {**train, **evaluated}, "splits": {"train": sorted(train), "validation": sorted(evaluated), "test": []}}


def test_plan_delta_rules() -> None:
    learnt = {"source_documents": {"a": "1", "b": "1", "c": "1", "d": "1"}}
    assert plan_delta(None, card({"a": "1"})).mode == "full"
    assert plan_delta(learnt, card({"a": "1", "b": "1", "c": "1", "d": "1"}, {"v": "9"})).mode == "none"
    changed = plan_delta(learnt, card({"a": "2", "b": "1", "c": "1", "d": "1", "e": "1"}, {"v": "9"}))
    assert (changed.mode, changed.changed, changed.removed) == ("delta", ["a", "e"], [])
    gone = plan_delta(learnt, card({"a": "1", "b": "1", "c": "1"}))
    assert (gone.mode, gone.removed) == ("full", ["d"])  # continuing cannot unlearn d
    most = plan_delta(learnt, card({"a": "2", "b": "2", "c": "2", "d": "1"}))
    assert most.mode == "full" and most.changed == ["a", "b", "c"]


def test_write_delta_keeps_changed_examples_and_replays_some_others(tmp_path: Path) -> None:
    full = tmp_path / "full"
    full.mkdir()
    rows = [{"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}],
             "document_ids": [f"doc{i % 5}"], "kind": "qa"} for i in range(40)]
    (full / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (full / "validation.jsonl").write_text('{"v": 1}\n', encoding="utf-8")
    (full / "test.jsonl").write_text('{"t": 1}\n', encoding="utf-8")
    (full / "card.json").write_text(json.dumps({"content_hash": "x", "source_documents": {}}), encoding="utf-8")
    plan = DeltaPlan("delta", "why", changed=["doc1"])
    counted = write_delta(full, plan, tmp_path / "delta", replay_fraction=0.25, seed=3)
    written = [json.loads(line) for line in (tmp_path / "delta" / "train.jsonl").read_text().splitlines()]
    assert counted.delta_examples == 8 and counted.replay_examples == 8  # 25 % of 32, at least one per delta row
    assert sum(r["document_ids"] == ["doc1"] for r in written) == 8 and len(written) == 16
    assert (tmp_path / "delta" / "test.jsonl").read_text() == '{"t": 1}\n'
    delta_card = json.loads((tmp_path / "delta" / "card.json").read_text())
    assert delta_card["delta"]["changed"] == ["doc1"] and delta_card["content_hash"] != "x"
    again = write_delta(full, plan, tmp_path / "again", replay_fraction=0.25, seed=3)
    assert (tmp_path / "again" / "train.jsonl").read_text() == (tmp_path / "delta" / "train.jsonl").read_text()
    assert again == counted


def policy(name: str, value: int) -> bytes:
    return (
        f"# {name} Policy\n\n## Scope\n\nThe {name.lower()} policy applies to all employees of the company.\n\n"
        f"## Limits\n\nThe {name.lower()} limit is {value} euros per month.\n\n"
        f"## Approval\n\n1. Requests above {value} euros need the approval of a manager.\n"
        f"2. Receipts for {name.lower()} costs are kept for 10 years.\n"
    ).encode()


@pytest.mark.slow
def test_retrain_continues_on_the_delta_then_has_nothing_to_do(
    pipeline: Pipeline, settings: Settings, embedder: Any, deidentifier: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tiny_base_model(tmp_path_factory.mktemp("tiny-base"))
    settings = settings.model_copy(update={
        "llm_model": str(base), "train_max_seq_tokens": 512, "train_effective_batch": 4, "train_eval_steps": 2,
        "train_learning_rate": 1e-2, "train_warmup_ratio": 0.0, "dataset_generator": "rules",
    })
    names = ["Travel", "Phone", "Training", "Parking", "Canteen", "Fitness", "Books", "Software"]
    for index, name in enumerate(names):
        assert pipeline.ingest_bytes(policy(name, 100 + index), f"{name.lower()}.md").status == "ingested"
    models = {"embedder": embedder, "deidentifier": deidentifier, "store": pipeline.store}

    first = retrain(settings, name="first", ledger=pipeline.ledger, promote=False, max_steps=2, models=models)
    assert first.plan.mode == "full" and first.parent is None and first.train_dir == first.dataset_dir
    registry = AdapterRegistry(settings)
    assert registry.promote("first", force=True).promoted
    trained_on = read_card(first.adapter_dir)["source_documents"]  # type: ignore[arg-type]
    split = json.loads((first.dataset_dir / "card.json").read_text())["splits"]
    assert set(trained_on) == set(split["train"]) and len(split["train"]) >= 4

    # One train document changes: the round continues "first" on that document's examples.
    ledger_sources = {info.document_id: info.source for info in pipeline.ledger.list()}
    changed_id = sorted(split["train"])[0]
    source = ledger_sources[changed_id]
    assert pipeline.ingest_bytes(policy(source.removesuffix(".md").title(), 999), source).status == "ingested"
    second = retrain(settings, name="second", ledger=pipeline.ledger, max_steps=1, models=models)
    assert second.plan.mode == "delta" and second.plan.changed == [changed_id] and second.parent == "first"
    assert second.train_dir is not None and second.train_dir != second.dataset_dir
    rows = [json.loads(line) for line in (second.train_dir / "train.jsonl").read_text().splitlines()]
    assert second.plan.delta_examples == sum(changed_id in r["document_ids"] for r in rows) > 0
    assert len(rows) == second.plan.delta_examples + second.plan.replay_examples
    child = read_card(second.adapter_dir)  # type: ignore[arg-type]
    assert child["parent"] == "first" and set(child["source_documents"]) == set(split["train"])
    promotion = second.promotion
    assert promotion is not None and promotion.comparison is not None  # a real loss comparison decided it
    assert (registry.active() == "second") == promotion.promoted
    if not promotion.promoted:
        registry.promote("second", force=True)

    third = retrain(settings, name="third", ledger=pipeline.ledger, max_steps=1, models=models)
    assert third.plan.mode == "none" and third.adapter_dir is None
    assert "third" not in registry.folders()
