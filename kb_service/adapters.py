"""Which LoRA adapter answers by default: the read side of the adapter registry.

Adapters are folders ``KB_DATA_DIR/adapters/<name>/`` in PEFT format with an
``adapter_card.json``; the registry's state is ``adapters/registry.json`` (see
`training.registry`, which promotes and rolls back). Answering needs only to know, on every
request, which served model answers by default, so that part lives in the core and imports
nothing above it.

``KB_LLM_ADAPTER`` stays an override: when set, it answers by default whatever the registry says.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb_service.errors import KBError
from kb_service.settings import Settings

log = logging.getLogger(__name__)

REGISTRY_FILE = "registry.json"
CARD_FILE = "adapter_card.json"


class RegistryError(KBError):
    """The registry file cannot be read or written."""


class AdapterNotFoundError(KBError):
    """No adapter folder of that name."""


@dataclass
class RegistryState:
    active: str | None = None
    rollback_stack: list[str | None] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RegistryState:
        return cls(
            active=data.get("active"),
            rollback_stack=list(data.get("rollback_stack", [])),
            history=list(data.get("history", [])),
        )

    def to_json(self) -> dict[str, Any]:
        return {"version": 1, "active": self.active, "rollback_stack": self.rollback_stack, "history": self.history}


def read_card(adapter_dir: Path) -> dict[str, Any]:
    path = adapter_dir / CARD_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("unreadable adapter card %s: %s", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


class AdapterIndex:
    """Reads the registry; `training.registry.AdapterRegistry` adds the changes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dir = settings.adapters_dir
        self.path = self.dir / REGISTRY_FILE
        self._cache: tuple[tuple[int, int, int], RegistryState] | None = None
        self._warned: set[str] = set()

    def folders(self) -> dict[str, Path]:
        from kb_service.llm.server import adapter_folders

        return adapter_folders(self.dir)

    def _read(self) -> RegistryState:
        """The state, re-read only when the file changed (one stat per call: cheap enough
        to resolve the default model on every request)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._cache = None
            return RegistryState()
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        cached = self._cache
        if cached is not None and cached[0] == key:
            return cached[1]
        state = self._load()
        self._cache = (key, state)
        return state

    def _load(self) -> RegistryState:
        """A fresh copy of the state from the file."""
        try:
            return RegistryState.from_json(json.loads(self.path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return RegistryState()
        except (OSError, ValueError, AttributeError) as exc:
            raise RegistryError(f"{self.path} is unreadable ({exc}); fix or remove it") from exc

    def promoted(self) -> str | None:
        """The registry's active adapter, ignoring KB_LLM_ADAPTER."""
        return self._read().active

    def active(self) -> str | None:
        """The adapter that answers by default: KB_LLM_ADAPTER when set, else the registry's."""
        return self.settings.llm_adapter or self.promoted()

    def default_model(self) -> str:
        """The served name a request without a model gets. Never raises: an unreadable
        registry or a removed adapter folder falls back to the base model, with a warning."""
        if self.settings.llm_adapter:
            return self.settings.llm_adapter
        try:
            name = self.promoted()
        except RegistryError as exc:
            log.error("%s; answering with the base model", exc)
            return self.settings.llm_served_name
        if name and not (self.dir / name / "adapter_config.json").exists():
            if name not in self._warned:
                self._warned.add(name)
                log.warning("the active adapter %r has no folder any more; answering with the base model", name)
            return self.settings.llm_served_name
        return name or self.settings.llm_served_name

    def history(self) -> list[dict[str, Any]]:
        return list(self._read().history)

    def get(self, name: str) -> Path:
        path = self.folders().get(name)
        if path is None:
            raise AdapterNotFoundError(f"no adapter {name!r} in {self.dir} (see `kb adapters list`)")
        return path
