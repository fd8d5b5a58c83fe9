"""The adapter registry: which LoRA adapter answers by default, and how it got there.

Adapters are folders ``KB_DATA_DIR/adapters/<name>/`` in PEFT format with an
``adapter_card.json``. The registry's own state is ``adapters/registry.json``::

    {"version": 1, "active": "<name>" | null, "rollback_stack": [previous actives],
     "history": [{"event": "promote" | "refused" | "rollback", "name", "previous", "at",
                  "forced", "scores": {...} | null}]}

It is written atomically (temporary file + ``os.replace``) under an exclusive ``fcntl`` lock
on ``adapters/.registry.lock``, so the CLI, the API and a retrain job can change it at the
same time without losing an update. Readers take no lock: they see the old file or the new.

``KB_LLM_ADAPTER`` stays an override: when set, it answers by default whatever the registry
says (`default_model`, `active`), and promotions only change the registry.

A promotion is compared first: the candidate and the current default (the active adapter,
or the base model when there is none) are scored with ``evaluate`` (by default
``training.lora.evaluate_loss``) on the test split of the candidate's dataset. A candidate
whose loss is worse than the current one's by more than ``tolerance`` (relative) is refused
unless forced; a forced promotion skips the comparison (it can take minutes on a CPU).
The ``evaluate`` argument is the seam for the comparison; tests pass a scorer they control.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb_service.adapters import (
    AdapterIndex,
    AdapterNotFoundError,
    RegistryError,
    RegistryState,
    read_card,
)
from kb_service.errors import KBError
from kb_service.settings import Settings
from kb_service.types import DocumentStatus

if TYPE_CHECKING:
    from ingest.ledger import Ledger

log = logging.getLogger(__name__)

# The read side lives in the core (`kb_service.adapters`); its names are re-exported here.
__all__ = [
    "Activate",
    "AdapterIndex",
    "AdapterInfo",
    "AdapterNotFoundError",
    "AdapterRegistry",
    "Comparison",
    "NothingToRollBackError",
    "PromotionRefusedError",
    "PromotionResult",
    "RegistryError",
    "Evaluate",
    "default_evaluate",
    "read_card",
    "stale_reasons",
]

LOCK_FILE = ".registry.lock"
DEFAULT_TOLERANCE = 0.01  # a candidate may score up to 1 % worse (noise of a small test split)
SPLIT = "test"

# evaluate(adapter_dir or None for the base model, dataset_dir, split=...) -> {"loss": float, ...}
Evaluate = Callable[..., Mapping[str, Any]]
# activate(name, adapter_dir): make a model server serve the adapter (raise to abort).
Activate = Callable[[str, Path], None]


class NothingToRollBackError(KBError):
    """No earlier default to return to."""


class PromotionRefusedError(KBError):
    """The candidate scored worse than the current default, or could not be compared."""

    def __init__(self, message: str, result: PromotionResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class AdapterInfo:
    name: str
    path: Path
    card: dict[str, Any]
    active: bool  # answers requests that name no model
    stale: bool  # a document it was trained on changed or was deleted since
    stale_reasons: list[str]
    metrics: dict[str, Any]

    @property
    def created_at(self) -> str | None:
        value = self.card.get("created_at")
        return str(value) if value else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": str(self.path),
            "active": self.active,
            "stale": self.stale,
            "stale_reasons": list(self.stale_reasons),
            "metrics": dict(self.metrics),
            "created_at": self.created_at,
            "base_model": self.card.get("base_model"),
            "dataset_hash": self.card.get("dataset_hash"),
            "parent": self.card.get("parent"),
        }


@dataclass(frozen=True)
class Comparison:
    """Test-split losses of the candidate and of the default it would replace."""

    split: str
    dataset_dir: str
    candidate: str
    candidate_loss: float
    baseline: str  # adapter name, or the base model's served name
    baseline_loss: float
    tolerance: float

    @property
    def accepted(self) -> bool:
        return self.candidate_loss <= self.baseline_loss * (1.0 + self.tolerance)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "accepted": self.accepted}


@dataclass(frozen=True)
class PromotionResult:
    name: str
    previous: str | None  # the registry's active adapter before (None = base model)
    promoted: bool
    forced: bool
    comparison: Comparison | None
    message: str
    overridden_by: str | None = None  # KB_LLM_ADAPTER, which keeps answering by default

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["comparison"] = self.comparison.to_dict() if self.comparison else None
        return data


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def default_evaluate(settings: Settings) -> Evaluate:
    """`training.lora.evaluate_loss`, imported only when a comparison runs (torch, peft)."""

    def evaluate(adapter_dir: Path | None, dataset_dir: Path, split: str = SPLIT) -> Mapping[str, Any]:
        from training.lora import evaluate_loss

        return evaluate_loss(adapter_dir, dataset_dir, split=split, settings=settings)

    return evaluate


class AdapterRegistry(AdapterIndex):
    def __init__(self, settings: Settings, *, tolerance: float = DEFAULT_TOLERANCE) -> None:
        super().__init__(settings)
        self.tolerance = tolerance

    def list(self, *, ledger: Ledger | None = None) -> list[AdapterInfo]:
        """Every adapter folder, with its card, whether it is active and whether it is stale.
        Staleness needs the ingestion ledger; one is opened (and closed) when none is given."""
        active = self.active()
        folders = self.folders()
        if not folders:
            return []
        with _ledger(self.settings, ledger) as open_ledger:
            infos = []
            for name, path in folders.items():
                card = read_card(path)
                reasons = stale_reasons(card, open_ledger)
                metrics = card.get("metrics")
                infos.append(AdapterInfo(
                    name=name,
                    path=path,
                    card=card,
                    active=name == active,
                    stale=bool(reasons),
                    stale_reasons=reasons,
                    metrics=dict(metrics) if isinstance(metrics, dict) else {},
                ))
        return infos

    # --- changing -----------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[RegistryState]:
        """Exclusive read-modify-write: yields the current state; writes it back on success."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with (self.dir / LOCK_FILE).open("a+") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                state = self._load()  # a private copy: the cache never holds unwritten changes
                yield state
                self._write(state)
            finally:
                self._cache = None
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _write(self, state: RegistryState) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".registry-", suffix=".json", dir=self.dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(state.to_json(), handle, indent=2)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def promote(
        self,
        name: str,
        *,
        force: bool = False,
        evaluate: Evaluate | None = None,
        activate: Activate | None = None,
    ) -> PromotionResult:
        """Make `name` the default adapter, if it is not worse than the current default.

        `activate(name, path)` runs after the comparison passed and before the registry
        changes (the API loads the adapter into vLLM there); if it raises, nothing changes.
        Raises PromotionRefusedError (recorded in the history as 'refused') and
        AdapterNotFoundError.
        """
        path = self.get(name)
        with self._locked() as state:
            previous = state.active
            if previous == name:
                if activate is not None:
                    activate(name, path)
                return PromotionResult(name, previous, True, force, None, f"{name} is already the active adapter",
                                       overridden_by=self._override(name))
            comparison = None
            if not force:
                comparison = self._compare(name, path, self.settings.llm_adapter or previous, evaluate)
            if comparison is not None and not comparison.accepted:
                state.history.append(self._event("refused", name, previous, False, comparison))
            else:
                if activate is not None:
                    activate(name, path)
                state.rollback_stack.append(previous)
                state.active = name
                state.history.append(self._event("promote", name, previous, force, comparison))
        if comparison is not None and not comparison.accepted:
            message = (
                f"{name} scores worse than {comparison.baseline} on the {comparison.split} split "
                f"(loss {comparison.candidate_loss:.4f} vs {comparison.baseline_loss:.4f}, tolerance "
                f"{comparison.tolerance:.0%}); promote with force to use it anyway"
            )
            raise PromotionRefusedError(message, PromotionResult(name, previous, False, False, comparison, message))
        log.info("promoted adapter %s (previous: %s, forced: %s)", name, previous, force)
        message = f"{name} is now the default" + (" (forced, not compared)" if force else "")
        return PromotionResult(name, previous, True, force, comparison, message, overridden_by=self._override(name))

    def rollback(self, *, activate: Activate | None = None) -> str | None:
        """Return to the default before the last promotion; returns it (None = base model).
        Earlier defaults whose folder was removed since are skipped."""
        folders = self.folders()
        with self._locked() as state:
            current = state.active
            while state.rollback_stack:
                target = state.rollback_stack.pop()
                if target is None or target in folders:
                    break
                log.warning("skipping removed adapter %r while rolling back", target)
            else:
                if current is None:
                    raise NothingToRollBackError("nothing to roll back: the base model is already the default")
                target = None
            if target is not None and activate is not None:
                activate(target, folders[target])
            state.active = target
            state.history.append(self._event("rollback", target, current, False, None))
        log.info("rolled back from %s to %s", current, target or "the base model")
        return target

    # --- helpers ------------------------------------------------------------------------
    def _override(self, name: str) -> str | None:
        override = self.settings.llm_adapter
        return override if override and override != name else None

    def _compare(self, name: str, path: Path, baseline: str | None, evaluate: Evaluate | None) -> Comparison:
        dataset_dir = self.dataset_dir(read_card(path))
        if dataset_dir is None:
            message = (
                f"cannot compare {name}: its card names no dataset folder that exists; "
                "promote with force to use it anyway"
            )
            raise PromotionRefusedError(message, PromotionResult(name, baseline, False, False, None, message))
        evaluate = evaluate or default_evaluate(self.settings)
        baseline_dir = self.folders().get(baseline) if baseline else None
        if baseline and baseline_dir is None:
            log.warning("the current adapter %r has no folder; comparing with the base model", baseline)
            baseline = None
        candidate_loss = float(evaluate(path, dataset_dir, split=SPLIT)["loss"])
        baseline_loss = float(evaluate(baseline_dir, dataset_dir, split=SPLIT)["loss"])
        return Comparison(
            split=SPLIT,
            dataset_dir=str(dataset_dir),
            candidate=name,
            candidate_loss=round(candidate_loss, 6),
            baseline=baseline or self.settings.llm_served_name,
            baseline_loss=round(baseline_loss, 6),
            tolerance=self.tolerance,
        )

    def dataset_dir(self, card: Mapping[str, Any]) -> Path | None:
        """The card's dataset folder (relative paths are taken from KB_DATA_DIR), if it exists."""
        value = card.get("dataset_dir")
        if not value:
            return None
        path = Path(str(value))
        if not path.is_absolute():
            path = self.settings.data_dir / path
        return path if path.is_dir() else None

    @staticmethod
    def _event(event: str, name: str | None, previous: str | None, forced: bool, comparison: Comparison | None) -> dict[str, Any]:
        return {
            "event": event,
            "name": name,
            "previous": previous,
            "at": _now(),
            "forced": forced,
            "scores": comparison.to_dict() if comparison else None,
        }


def stale_reasons(card: Mapping[str, Any], ledger: Ledger) -> list[str]:
    """Why an adapter's training data no longer matches the knowledge base: each source
    document (card ``source_documents``: id -> version) that changed, was deleted, or is
    no longer indexed."""
    sources = card.get("source_documents") or {}
    if not isinstance(sources, dict):
        return []
    reasons = []
    for document_id, version in sorted(sources.items()):
        info = ledger.get(str(document_id))
        if info is None:
            reasons.append(f"{document_id}: not in the knowledge base")
        elif info.status == DocumentStatus.DELETED:
            reasons.append(f"{info.source}: deleted")
        elif info.version != version:
            reasons.append(f"{info.source}: changed")
        elif info.status != DocumentStatus.INDEXED:
            reasons.append(f"{info.source}: {info.status.value}")
    return reasons


@contextlib.contextmanager
def _ledger(settings: Settings, ledger: Ledger | None) -> Iterator[Ledger]:
    if ledger is not None:
        yield ledger
        return
    from ingest.ledger import Ledger

    opened = Ledger(settings.ledger_path)
    try:
        yield opened
    finally:
        opened.close()
