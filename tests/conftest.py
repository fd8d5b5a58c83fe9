"""Shared fixtures: real models loaded once per session, a fresh data folder per test."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.deidentify import DeidentifyConfig, Deidentifier
from ingest.pipeline import Pipeline
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.llm.server import ManagedModelServer
from kb_service.settings import Settings


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No KB_* variable or kb.toml of the developer's leaks into a test."""
    import os

    for key in list(os.environ):
        if key.startswith("KB_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("KB_CONFIG", str(tmp_path / "absent-kb.toml"))
    # No background answers to example questions beside a test's own model calls; the tests of
    # that check (tests/api/test_example_questions.py, test_first_visit.py) turn it on.
    monkeypatch.setenv("KB_EXAMPLE_CHECK", "false")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", watch_settle_seconds=0.2, watch_interval=0.1)


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    model = SentenceTransformerEmbedder("all-MiniLM-L6-v2")
    model.warm_up()
    return model


@pytest.fixture(scope="session")
def deidentifier() -> Deidentifier:
    deid = Deidentifier(DeidentifyConfig.from_settings(Settings()))
    deid.warm_up()
    return deid


@pytest.fixture
def pipeline(settings: Settings, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier) -> Iterator[Pipeline]:
    pipe = Pipeline(settings, embedder=embedder, deidentifier=deidentifier)
    pipe.warm_up()
    yield pipe
    pipe.close()


# --- the model server: one real vLLM CPU server per test session ---------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where SmolLM2 is converted once per session; the vLLM server and training share it."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def base_model_dir(model_cache: Path) -> Path:
    from kb_service.llm.convert import ensure_converted

    return ensure_converted(model_cache)


@pytest.fixture(scope="session")
def llm_url(tmp_path_factory: pytest.TempPathFactory, base_model_dir: Path) -> Iterator[str]:
    """The managed vLLM server, exactly as `kb serve` starts it (on the session's conversion)."""
    data_dir = tmp_path_factory.mktemp("vllm-data")
    settings = Settings(
        data_dir=data_dir, llm_port=free_port(), llm_startup_timeout=600, llm_model=str(base_model_dir)
    )
    server = ManagedModelServer(settings)
    url = server.start()
    yield url
    server.stop()
