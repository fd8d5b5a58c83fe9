"""`kb retrain`: dataset from the current documents → its delta against the current adapter
(`training.delta`) → continue training the current adapter on the delta (or train afresh when
continuing cannot be right) → compare on the test split → promote only if not worse.

Thin orchestration over the dataset builder (`training.dataset.build_latest`) and the
trainer (`training.lora.train_adapter` with `init_from` = the active adapter), both imported lazily (torch, peft, trl). The new
adapter always gets a new folder and name, so the model server never serves stale weights
under a reused name; a refused adapter stays on disk, listed but not active.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb_service.settings import Settings
from training.delta import DeltaPlan, plan_delta, write_delta
from training.registry import (
    Activate,
    AdapterRegistry,
    Evaluate,
    PromotionRefusedError,
    PromotionResult,
    RegistryError,
    read_card,
)

if TYPE_CHECKING:
    from ingest.ledger import Ledger

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrainResult:
    name: str
    parent: str | None  # the adapter training continued from (None = from the base model)
    dataset_dir: Path  # the full dataset built from the current documents
    train_dir: Path | None  # what was trained on: the delta folder, the full dataset, or None
    adapter_dir: Path | None  # None when there was nothing to retrain
    plan: DeltaPlan
    promotion: PromotionResult | None  # None when promotion was not attempted here

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "parent": self.parent,
            "dataset_dir": str(self.dataset_dir),
            "train_dir": str(self.train_dir) if self.train_dir else None,
            "adapter_dir": str(self.adapter_dir) if self.adapter_dir else None,
            "plan": self.plan.to_dict(),
            "promotion": self.promotion.to_dict() if self.promotion else None,
        }


def new_adapter_name() -> str:
    return "adapter-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S")


def retrain(
    settings: Settings,
    *,
    name: str | None = None,
    ledger: Ledger | None = None,
    promote: bool = True,
    evaluate: Evaluate | None = None,
    activate: Activate | None = None,
    console: Any = None,
    max_steps: int | None = None,
    full: bool = False,
    models: Mapping[str, Any] | None = None,
) -> RetrainResult:
    """One retraining round. `activate(name, path)` loads the new adapter into a model server
    before the registry names it (see AdapterRegistry.promote); `evaluate` scores losses
    (default `training.lora.evaluate_loss`). `promote=False` stops after training: the CLI
    then promotes through KB_API_URL, so the service's own model server loads the adapter.
    `console`: a rich Console for the trainer's progress bar; `full`: train from the base
    model on the whole dataset whatever changed; `models`: already loaded parts for the dataset
    build (`embedder`, `deidentifier`, `store`), as `build_latest` takes them."""
    from training.dataset import build_latest
    from training.lora import TrainRequest, train_adapter

    registry = AdapterRegistry(settings)
    name = name or new_adapter_name()
    if name in registry.folders():
        raise RegistryError(f"an adapter named {name!r} exists already; choose another name")
    parent = registry.active()
    if parent and parent not in registry.folders():
        log.warning("the active adapter %r has no folder; training from the base model", parent)
        parent = None

    dataset_dir = Path(os.fspath(build_latest(settings, ledger=ledger, **(models or {}))))  # every current document
    dataset_card = json.loads((dataset_dir / "card.json").read_text(encoding="utf-8"))
    plan = plan_delta(read_card(registry.get(parent)) if parent else None, dataset_card)
    if full and plan.mode != "full":
        plan = DeltaPlan("full", "--full: training from the base model on the whole dataset", plan.changed, plan.removed)
    log.info("retrain: dataset %s; %s", dataset_dir, plan.reason)
    if plan.mode == "none":
        return RetrainResult(name, parent, dataset_dir, None, None, plan, None)
    train_dir, init_from = dataset_dir, None
    if plan.mode == "delta":
        train_dir, init_from = settings.datasets_dir / f"{dataset_dir.name}-delta-{name}", parent
        plan = write_delta(dataset_dir, plan, train_dir, replay_fraction=settings.retrain_replay_fraction,
                           seed=settings.dataset_seed)
    request = TrainRequest(dataset_dir=train_dir, name=name, init_from=init_from, max_steps=max_steps)
    trained = train_adapter(settings, request, console=console)
    adapter_dir = trained.adapter_dir  # adapters_dir/<name>, written complete or not at all

    promotion = None
    if promote:
        try:
            promotion = registry.promote(name, evaluate=evaluate, activate=activate)
        except PromotionRefusedError as exc:
            promotion = exc.result
    return RetrainResult(name, init_from, dataset_dir, train_dir, adapter_dir, plan, promotion)
