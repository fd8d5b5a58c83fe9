"""`kb retrain`: dataset from the current documents → continue training the current adapter →
compare on the test split → promote only if not worse.

Thin orchestration over the dataset builder (`training.dataset.build_latest`) and the
trainer (`training.lora.train_adapter` with `init_from` = the active adapter), both imported lazily (torch, peft, trl). The new
adapter always gets a new folder and name, so the model server never serves stale weights
under a reused name; a refused adapter stays on disk, listed but not active.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb_service.settings import Settings
from training.registry import (
    Activate,
    AdapterRegistry,
    Evaluate,
    PromotionRefusedError,
    PromotionResult,
    RegistryError,
)

if TYPE_CHECKING:
    from ingest.ledger import Ledger

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrainResult:
    name: str
    parent: str | None  # the adapter training continued from (None = from the base model)
    dataset_dir: Path
    adapter_dir: Path
    promotion: PromotionResult | None  # None when promotion was not attempted here

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "parent": self.parent,
            "dataset_dir": str(self.dataset_dir),
            "adapter_dir": str(self.adapter_dir),
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
) -> RetrainResult:
    """One retraining round. `activate(name, path)` loads the new adapter into a model server
    before the registry names it (see AdapterRegistry.promote); `evaluate` scores losses
    (default `training.lora.evaluate_loss`). `promote=False` stops after training: the CLI
    then promotes through KB_API_URL, so the service's own model server loads the adapter.
    `console`: a rich Console for the trainer's progress bar."""
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

    dataset_dir = Path(os.fspath(build_latest(settings, ledger=ledger)))  # every current document
    log.info("retrain: dataset %s; continuing from %s", dataset_dir, parent or "the base model")
    trained = train_adapter(settings, TrainRequest(dataset_dir=dataset_dir, name=name, init_from=parent), console=console)
    adapter_dir = trained.adapter_dir  # adapters_dir/<name>, written complete or not at all

    promotion = None
    if promote:
        try:
            promotion = registry.promote(name, evaluate=evaluate, activate=activate)
        except PromotionRefusedError as exc:
            promotion = exc.result
    return RetrainResult(name, parent, dataset_dir, adapter_dir, promotion)
