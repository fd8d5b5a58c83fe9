"""Shared fixtures: real models loaded once per session, a fresh data folder per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.deidentify import DeidentifyConfig, Deidentifier
from ingest.pipeline import Pipeline
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.settings import Settings


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No KB_* variable or kb.toml of the developer's leaks into a test."""
    import os

    for key in list(os.environ):
        if key.startswith("KB_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("KB_CONFIG", str(tmp_path / "absent-kb.toml"))


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
