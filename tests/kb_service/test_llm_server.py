"""The managed model server: its plan, the settings the API gets once it runs, and its
watchdog bringing it back after a kill -9."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from answer.services import build_services, make_token_counter
from ingest.deidentify import Deidentifier
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.llm.server import ManagedModelServer, plan_server
from kb_service.prompting import ApproximateTokenCounter, TokenizerCounter
from kb_service.settings import Settings
from tests.api.conftest import READER_KEY, api_settings, auth, free_port, travel_policy_pdf


def test_served_settings_count_tokens_with_the_served_models_tokenizer(
    tmp_path: Path, model_cache: Path, base_model_dir: Path
) -> None:
    """`kb serve` with the default KB_LLM_MODEL=auto: once the managed server runs, the API
    knows the resolved model folder and counts prompt tokens with its tokenizer."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "models").symlink_to(model_cache)  # the session's conversion, not a second one
    settings = Settings(data_dir=data_dir, llm_port=8123)
    assert settings.llm_model == "auto"
    server = ManagedModelServer(settings)
    server.plan = plan_server(settings)  # what start() computes before launching vLLM
    served = server.served_settings(settings)
    assert served.llm_url == "http://127.0.0.1:8123/v1"
    assert Path(served.llm_model).resolve() == base_model_dir.resolve()
    assert served.llm_model in server.plan.command
    counter = make_token_counter(served)
    assert isinstance(counter, TokenizerCounter)
    # The served model's real count, not the estimate (which errs on the long side).
    text = "The daily meal allowance on business trips is 45 euros."
    assert counter.count(text) < ApproximateTokenCounter().count(text)


def test_an_external_server_with_an_unknown_model_gets_the_estimate(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, llm_url="http://10.0.0.5:8000/v1")
    assert isinstance(make_token_counter(settings), ApproximateTokenCounter)


@pytest.mark.vllm
@pytest.mark.slow
def test_killed_model_server_is_restarted_and_the_api_recovers(
    tmp_path: Path, base_model_dir: Path, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> None:
    """kill -9 of the managed vLLM (the whole process group, as the OOM killer would leave it)
    while the API runs: questions get 503 model_server_unavailable, /readyz says why, and the
    watchdog brings the server back on the same port so the same API answers again."""
    settings = api_settings(
        tmp_path / "data", "unused", llm_port=free_port(), llm_startup_timeout=600, llm_model=str(base_model_dir)
    ).model_copy(update={"llm_url": None})
    server = ManagedModelServer(settings, check_interval=0.5)
    server.start()
    services = build_services(server.served_settings(settings), embedder=embedder, deidentifier=deidentifier)
    question = {"question": "What is the daily meal allowance on business travel?"}
    try:
        assert services.pipeline.ingest_file(travel_policy_pdf(tmp_path)).status == "ingested"
        with TestClient(create_app(server.served_settings(settings), services=services)) as client:
            assert client.post("/v1/ask", headers=auth(READER_KEY), json=question).status_code == 200
            assert server.pid is not None
            os.killpg(server.pid, signal.SIGKILL)

            down = client.post("/v1/ask", headers=auth(READER_KEY), json=question)
            assert down.status_code == 503, down.text
            assert down.json()["error"]["code"] == "model_server_unavailable"
            assert client.get("/readyz").json()["checks"]["model_server"] == "unreachable"

            deadline = time.monotonic() + 600
            while client.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline, "the model server did not come back"
                time.sleep(1)
            back = client.post("/v1/ask", headers=auth(READER_KEY), json=question)
            assert back.status_code == 200 and back.json()["grounded"], back.text
            assert len(server.restarts) == 1 and server.running()
    finally:
        services.close()
        server.stop()
    assert not server.running()
    with pytest.raises(OSError):  # nothing of it is left on the port
        socket.create_connection(("127.0.0.1", settings.llm_port), timeout=1)
