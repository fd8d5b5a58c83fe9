"""Adapters as the API and `kb adapters` manage them: list, promote, roll back.

A promotion loads the adapter into the running vLLM server first (runtime LoRA loading,
``POST <server root>/v1/load_lora_adapter``) and only then changes the registry, so the
default never names a model the server does not serve. The answer service resolves its
default model from the registry on every request, so no restart is needed.
No HTTP framework here: the router and the CLI call this.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from kb_service.llm.generator import ModelServerError
from kb_service.settings import Settings
from training.registry import AdapterInfo, AdapterRegistry, Evaluate, PromotionResult

if TYPE_CHECKING:
    from ingest.ledger import Ledger

log = logging.getLogger(__name__)


def server_root(llm_url: str) -> str:
    """The server's root from its OpenAI base URL (http://host:port/v1 -> http://host:port)."""
    return llm_url.rstrip("/").removesuffix("/v1")


def load_into_server(llm_url: str, name: str, path: Path, *, api_key: str | None = None, timeout: float = 120.0) -> bool:
    """Load a LoRA adapter into a running vLLM server. Returns False when it was already
    loaded under that name (vLLM answers 400 'has already been loaded'), True when loaded now."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    url = f"{server_root(llm_url)}/v1/load_lora_adapter"
    try:
        response = httpx.post(url, json={"lora_name": name, "lora_path": str(path)}, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise ModelServerError(f"model server at {llm_url} is unreachable: {exc}") from exc
    if response.status_code < 400:
        log.info("loaded adapter %s into the model server", name)
        return True
    message = response.text[:300]
    try:
        message = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        pass
    if response.status_code == 400 and "already been loaded" in message:
        return False
    if response.status_code == 404 and '"error"' not in response.text:
        message = "the server has no runtime LoRA loading (start vLLM with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True)"
    raise ModelServerError(f"the model server could not load adapter {name!r} ({response.status_code}): {message}")


def server_answers(llm_url: str) -> bool:
    try:
        return httpx.get(f"{server_root(llm_url)}/v1/models", timeout=3.0).status_code < 500
    except httpx.HTTPError:
        return False


@dataclass(frozen=True)
class RollbackResult:
    active: str | None  # the registry's adapter now (None = base model)
    previous: str | None
    default_model: str  # what answers by default now (KB_LLM_ADAPTER wins)


class AdapterService:
    """`llm_url`: the OpenAI base URL of the model server to load promoted adapters into;
    None = change the registry only (the managed server loads every adapter folder at start)."""

    def __init__(
        self,
        settings: Settings,
        *,
        llm_url: str | None,
        ledger: Ledger | None = None,
        registry: AdapterRegistry | None = None,
        evaluate: Evaluate | None = None,
    ) -> None:
        self.settings = settings
        self.llm_url = llm_url
        self.registry = registry or AdapterRegistry(settings)
        self._ledger = ledger
        self._evaluate = evaluate

    def list(self) -> list[AdapterInfo]:
        return self.registry.list(ledger=self._ledger)

    def default_model(self) -> str:
        return self.registry.default_model()

    def promote(self, name: str, *, force: bool = False) -> PromotionResult:
        return self.registry.promote(name, force=force, evaluate=self._evaluate, activate=self.activate)

    def rollback(self) -> RollbackResult:
        previous = self.registry.promoted()
        active = self.registry.rollback(activate=self.activate)
        return RollbackResult(active=active, previous=previous, default_model=self.registry.default_model())

    def activate(self, name: str, path: Path) -> None:
        """Load the adapter into the model server (when there is one)."""
        if self.llm_url is not None:
            load_into_server(self.llm_url, name, path, api_key=self.settings.llm_api_key,
                             timeout=self.settings.llm_timeout)
