"""POST /v1/feedback on the real app, store and de-identifier (no model server needed)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.feedback_service import FeedbackService
from answer.services import build_services
from ingest.deidentify import Deidentifier
from kb_service.embedder import SentenceTransformerEmbedder
from tests.api.conftest import ADMIN_KEY, READER_KEY, api_settings, auth, free_port


@pytest.fixture
def client(tmp_path: Path, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier) -> Iterator[TestClient]:
    settings = api_settings(tmp_path / "data", f"http://127.0.0.1:{free_port()}/v1")
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
    with TestClient(create_app(settings, services=services)) as test_client:
        yield test_client
    services.close()


def feedback_lines(client: TestClient) -> list[dict[str, object]]:
    path = client.app.state.settings.feedback_path  # type: ignore[attr-defined]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def assert_openai_error(response, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["code"] == code


def test_reader_rates_an_answer_and_it_is_stored_and_counted(client: TestClient) -> None:
    response = client.post(
        "/v1/feedback", headers=auth(READER_KEY), json={"answer_id": "chatcmpl-abc123", "rating": "up"}
    )
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["answer_id"] == "chatcmpl-abc123" and receipt["rating"] == "up"
    assert receipt["id"].startswith("fb-") and receipt["created_at"]
    down = client.post(
        "/v1/feedback", headers=auth(ADMIN_KEY),
        json={"answer_id": "chatcmpl-def456", "rating": "down", "comment": "Wrong page cited."},
    )
    assert down.status_code == 201, down.text

    lines = feedback_lines(client)
    assert [(r["answer_id"], r["rating"]) for r in lines] == [("chatcmpl-abc123", "up"), ("chatcmpl-def456", "down")]
    assert lines[0]["id"] == receipt["id"] and lines[0]["comment"] is None and lines[0]["question"] is None
    assert lines[1]["comment"] == "Wrong page cited."
    metrics = client.get("/metrics").text
    assert 'kb_feedback_total{rating="up"} 1.0' in metrics
    assert 'kb_feedback_total{rating="down"} 1.0' in metrics


def test_personal_data_in_comment_and_question_never_reaches_the_file(client: TestClient) -> None:
    comment = "Wrong: ask John Smith (john.smith@example.com, +1 415-555-0132), he knows the real limit."
    question = "Does Maria Gonzalez at maria.gonzalez@example.org get the meal allowance?"
    response = client.post(
        "/v1/feedback", headers=auth(READER_KEY),
        json={"answer_id": "chatcmpl-1", "rating": "down", "comment": comment, "question": question},
    )
    assert response.status_code == 201, response.text
    raw = client.app.state.settings.feedback_path.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    for secret in ("John Smith", "john.smith@example.com", "555-0132", "Maria Gonzalez", "maria.gonzalez@example.org"):
        assert secret not in raw
    (record,) = feedback_lines(client)
    assert "<PERSON_1>" in str(record["comment"]) and "<EMAIL_ADDRESS_1>" in str(record["comment"])
    assert "the real limit" in str(record["comment"])
    assert "meal allowance" in str(record["question"]) and "<EMAIL_ADDRESS_1>" in str(record["question"])


def test_feedback_needs_a_key_and_a_valid_body(client: TestClient) -> None:
    good = {"answer_id": "chatcmpl-1", "rating": "up"}
    assert_openai_error(client.post("/v1/feedback", json=good), 401, "invalid_api_key")
    assert_openai_error(client.post("/v1/feedback", headers=auth("wrong"), json=good), 401, "invalid_api_key")
    for bad in (
        {"answer_id": "chatcmpl-1", "rating": "meh"},
        {"answer_id": "chatcmpl-1"},
        {"rating": "up"},
        {"answer_id": "", "rating": "up"},
        {"answer_id": "../../etc/passwd\n", "rating": "up"},
        {"answer_id": "chatcmpl-1", "rating": "down", "comment": "x" * 2001},
        {"answer_id": "chatcmpl-1", "rating": "down", "question": "x" * 2001},
    ):
        assert_openai_error(client.post("/v1/feedback", headers=auth(READER_KEY), json=bad), 422, "validation_error")
    assert not client.app.state.settings.feedback_path.exists()  # type: ignore[attr-defined]
    assert 'kb_feedback_total{rating="up"} 0.0' in client.get("/metrics").text
    long_ok = {"answer_id": "chatcmpl-1", "rating": "down", "comment": "x" * 2000}
    assert client.post("/v1/feedback", headers=auth(READER_KEY), json=long_ok).status_code == 201


def test_concurrent_writers_never_interleave_lines(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    services = [FeedbackService(path, scrub=lambda text: text) for _ in range(2)]  # two replicas, one file

    def write(service: FeedbackService, n: int) -> None:
        for i in range(50):
            service.record(answer_id=f"a-{n}-{i}", rating="up", comment="long comment " * 200)

    threads = [threading.Thread(target=write, args=(services[n % 2], n)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = services[0].read()
    assert len(records) == 200
    assert len({r.answer_id for r in records}) == 200
