"""The dataset delta of a retraining round: what changed since the parent adapter was trained.

`plan_delta` compares the parent adapter's card (``source_documents``: the train-split
documents it learnt, with their versions) with a dataset freshly built from the current
documents:

- **changed** train documents: new, or at another version than the parent learnt;
- **removed** documents: the parent learnt them, the new train split no longer has them
  (deleted, changed split, or no longer usable).

`write_delta` then writes the training set for continuing the parent:

- train = every example of the changed documents, plus a seeded replay sample of the others
  (``replay_fraction`` of them, at least one per changed example where there are enough), so
  continuing does not forget what did not change;
- validation and test = those of the full new dataset, unchanged, so the promotion compares
  the new adapter and its parent on the same held-out examples.

Removal cannot be learnt by continuing: weights that learnt a deleted document keep it.
`DeltaPlan.mode` is therefore ``"full"`` (train from the base model on the whole new dataset)
when a document the parent learnt is gone, when there is no parent, or when most of the train
split changed; ``"delta"`` when only some documents changed or were added; ``"none"`` when
nothing the parent learnt changed.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from training.dataset import content_hash
from training.dataset_card import SPLITS

Mode = Literal["none", "delta", "full"]
FULL_WHEN_CHANGED_SHARE = 0.5  # more than half of the train documents changed: train afresh


@dataclass(frozen=True)
class DeltaPlan:
    mode: Mode
    reason: str
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    train_examples: int = 0
    delta_examples: int = 0
    replay_examples: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _train_documents(card: Mapping[str, Any]) -> dict[str, str]:
    versions = dict(card.get("source_documents") or {})
    splits = card.get("splits")
    if isinstance(splits, dict) and "train" in splits:
        return {doc: versions.get(doc, "") for doc in splits["train"]}
    return versions


def _rows(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()] if path.exists() else []


def plan_delta(parent_card: Mapping[str, Any] | None, dataset_card: Mapping[str, Any]) -> DeltaPlan:
    """What a retraining round has to do; see the module text for the rules."""
    current = _train_documents(dataset_card)
    if parent_card is None:
        return DeltaPlan("full", "no active adapter to continue: training from the base model",
                         changed=sorted(current))
    learnt = dict(parent_card.get("source_documents") or {})
    changed = sorted(doc for doc, version in current.items() if learnt.get(doc) != version)
    removed = sorted(doc for doc in learnt if doc not in current)
    if removed:
        return DeltaPlan("full", f"{len(removed)} document(s) the adapter learnt are gone, which continuing "
                         "cannot unlearn: training from the base model", changed, removed)
    if not changed:
        return DeltaPlan("none", "no document the adapter learnt has changed and none was added")
    if current and len(changed) / len(current) > FULL_WHEN_CHANGED_SHARE:
        return DeltaPlan("full", f"{len(changed)} of {len(current)} train documents changed: training from "
                         "the base model", changed, removed)
    return DeltaPlan("delta", f"{len(changed)} changed or new train document(s): continuing the adapter",
                     changed, removed)


def write_delta(
    dataset_dir: Path, plan: DeltaPlan, out_dir: Path, *, replay_fraction: float, seed: int
) -> DeltaPlan:
    """Write the delta dataset of `plan` (mode "delta") to `out_dir`; returns the plan with its counts."""
    if plan.mode != "delta":
        raise ValueError(f"write_delta needs a delta plan, not {plan.mode!r}")
    changed = set(plan.changed)
    delta: list[str] = []
    others: list[str] = []
    for line in _rows(dataset_dir / "train.jsonl"):
        documents = json.loads(line).get("document_ids") or []
        (delta if changed.intersection(documents) else others).append(line)
    rng = random.Random(seed)
    replay_count = min(len(others), max(round(replay_fraction * len(others)), min(len(delta), len(others))))
    replay = rng.sample(others, replay_count)
    train = delta + replay
    rng.shuffle(train)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    (out_dir / "train.jsonl").write_text("".join(row + "\n" for row in train), encoding="utf-8")
    for split in SPLITS:
        if split != "train" and (dataset_dir / f"{split}.jsonl").exists():
            shutil.copyfile(dataset_dir / f"{split}.jsonl", out_dir / f"{split}.jsonl")
    counted = DeltaPlan(plan.mode, plan.reason, plan.changed, plan.removed, len(train), len(delta), len(replay))
    card = json.loads((dataset_dir / "card.json").read_text(encoding="utf-8"))
    card.update(
        path=str(out_dir),
        content_hash=content_hash(out_dir),
        delta={"of": str(dataset_dir), "of_content_hash": card.get("content_hash"), **counted.to_dict(),
               "replay_fraction": replay_fraction},
    )
    card.setdefault("notes", []).append(
        f"Retraining delta of {dataset_dir.name}: {len(delta)} examples of changed documents and "
        f"{len(replay)} replayed; validation and test are the full dataset's."
    )
    (out_dir / "card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False), encoding="utf-8")
    return counted

