"""The HTTP API on the real models, the real store and (where marked) the real vLLM server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import hash_key
from answer.services import build_services
from ingest.deidentify import Deidentifier
from kb_service.embedder import SentenceTransformerEmbedder
from tests.api.conftest import ADMIN_KEY, READER_KEY, LiveServer, api_settings, auth, free_port, travel_policy_pdf

DEAD_LLM = "http://127.0.0.1:{port}/v1"


@pytest.fixture
def offline_client(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> Iterator[TestClient]:
    """An app whose model server is down (nothing listens on its port)."""
    settings = api_settings(tmp_path / "data", DEAD_LLM.format(port=free_port()))
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
    with TestClient(create_app(settings, services=services)) as client:
        yield client
    services.close()


def upload(client: TestClient, path: Path, key: str = ADMIN_KEY):  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        return client.post("/v1/documents", headers=auth(key), files={"file": (path.name, handle, "application/pdf")})


def assert_openai_error(response, status: int, code: str | None = None) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["message"]
    if code:
        assert error["code"] == code


# --- without a model server ------------------------------------------------------------------

def test_keys_roles_and_error_shapes(offline_client: TestClient, tmp_path: Path) -> None:
    assert_openai_error(offline_client.get("/v1/documents"), 401, "invalid_api_key")
    assert_openai_error(offline_client.get("/v1/documents", headers=auth("wrong")), 401, "invalid_api_key")
    assert offline_client.get("/v1/documents", headers=auth(READER_KEY)).status_code == 200
    pdf = travel_policy_pdf(tmp_path)
    assert_openai_error(upload(offline_client, pdf, READER_KEY), 403, "insufficient_permissions")
    assert_openai_error(offline_client.delete("/v1/documents/x", headers=auth(READER_KEY)), 403)
    assert_openai_error(offline_client.get("/v1/documents/nope", headers=auth(READER_KEY)), 404, "document_not_found")
    assert_openai_error(offline_client.post("/v1/ask", headers=auth(READER_KEY), json={"q": 1}), 422, "validation_error")
    assert offline_client.get("/healthz").json() == {"status": "ok"}


def test_upload_list_show_delete(offline_client: TestClient, tmp_path: Path) -> None:
    pdf = travel_policy_pdf(tmp_path)
    first = upload(offline_client, pdf)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["status"] == "ingested" and body["chunks"] > 0
    assert upload(offline_client, pdf).status_code == 200  # same bytes: unchanged
    metrics = offline_client.get("/metrics").text
    assert 'kb_ingest_documents_total{status="ingested"} 1.0' in metrics
    assert 'kb_ingest_documents_total{status="unchanged"} 1.0' in metrics
    listed = offline_client.get("/v1/documents", headers=auth(READER_KEY)).json()
    assert [d["source"] for d in listed] == ["travel-policy.pdf"]
    shown = offline_client.get(f"/v1/documents/{body['document_id']}", headers=auth(READER_KEY)).json()
    assert shown["chunks"] == body["chunks"]
    deleted = offline_client.delete(f"/v1/documents/{body['document_id']}", headers=auth(ADMIN_KEY))
    assert deleted.status_code == 200
    assert offline_client.get("/v1/documents", headers=auth(READER_KEY)).json() == []


def test_bad_upload_is_refused_and_kept_with_a_reason(offline_client: TestClient, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\nthis is not a pdf")
    response = offline_client.post(
        "/v1/documents", headers=auth(ADMIN_KEY), files={"file": ("../../etc/\x00evil.pdf", broken.read_bytes())}
    )
    assert_openai_error(response, 422, "ingest_failed")
    failed_dir = offline_client.app.state.settings.failed_dir  # type: ignore[attr-defined]
    kept = sorted(p.name for p in failed_dir.iterdir())
    # The client percent-encodes the NUL; the path parts are gone either way.
    assert len(kept) == 2 and kept[0].endswith("evil.pdf") and kept[1] == kept[0] + ".error.txt", kept
    assert "damaged" in (failed_dir / kept[1]).read_text()
    assert not (tmp_path / "etc").exists()


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("a\x00b.pdf", "ab.pdf"),
        ("...hidden.pdf", "hidden.pdf"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_upload_names_are_neutralised(raw: str, safe: str) -> None:
    from api.upload_service import safe_source_name

    assert safe_source_name(raw) == safe


@pytest.mark.parametrize("raw", ["", "../", "\x00\x01", "..."])
def test_unusable_upload_names_are_refused(raw: str) -> None:
    from api.upload_service import UploadNameError, safe_source_name

    with pytest.raises(UploadNameError):
        safe_source_name(raw)


def test_oversized_body_is_refused(offline_client: TestClient) -> None:
    huge = {"question": "x" * (300 * 1024)}
    assert_openai_error(offline_client.post("/v1/ask", headers=auth(READER_KEY), json=huge), 413, "request_too_large")


def test_model_server_down_gives_503_and_not_ready(offline_client: TestClient, tmp_path: Path) -> None:
    assert upload(offline_client, travel_policy_pdf(tmp_path)).status_code == 201
    response = offline_client.post(
        "/v1/ask", headers=auth(READER_KEY), json={"question": "What is the daily meal allowance?"}
    )
    assert_openai_error(response, 503, "model_server_unavailable")
    ready = offline_client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"store": "ok", "embedder": "ok", "model_server": "unreachable"}


def test_hashed_keys_and_open_access(tmp_path: Path, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier) -> None:
    dead = DEAD_LLM.format(port=free_port())
    settings = api_settings(tmp_path / "a", dead, api_keys=[f"sha256:{hash_key('s3cret')}"], admin_keys=[])
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
    with TestClient(create_app(settings, services=services)) as client:
        assert client.get("/v1/documents", headers=auth("s3cret")).status_code == 200
        assert client.get("/v1/documents", headers={"X-API-Key": "s3cret"}).status_code == 200
        assert client.get("/v1/documents", headers=auth("sha256:" + hash_key("s3cret"))).status_code == 401
    open_settings = api_settings(tmp_path / "a", dead, api_keys=[], admin_keys=[], open_access=True)
    with TestClient(create_app(open_settings, services=services)) as client:
        assert client.get("/v1/documents").status_code == 200
    services.close()


def test_cors_only_for_configured_origins(tmp_path: Path, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier) -> None:
    settings = api_settings(tmp_path / "c", DEAD_LLM.format(port=free_port()), cors_origins=["https://intranet.example"])
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
    with TestClient(create_app(settings, services=services)) as client:
        def preflight(origin: str):  # type: ignore[no-untyped-def]
            return client.options("/v1/ask", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
        assert preflight("https://intranet.example").headers.get("access-control-allow-origin") == "https://intranet.example"
        assert "access-control-allow-origin" not in preflight("https://evil.example").headers
    services.close()


# --- with the real vLLM server ---------------------------------------------------------------

@pytest.mark.vllm
@pytest.mark.slow
def test_dropped_pdf_to_cited_answer_and_suppression(client: TestClient, services, app_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ingest.watcher import InboxWatcher

    app_settings.inbox_dir.mkdir(parents=True, exist_ok=True)
    travel_policy_pdf(app_settings.inbox_dir)
    watcher = InboxWatcher(services.pipeline, app_settings.inbox_dir, app_settings)
    (outcome,) = watcher.run_once(wait_for_settle=False)
    assert outcome.status == "ingested", outcome.error

    response = client.post(
        "/v1/ask", headers=auth(READER_KEY), json={"question": "What is the daily meal allowance on business travel?"}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    # Greedy decoding on SmolLM2 copies the fact from the passage: a grounded, cited answer.
    assert answer["grounded"] is True, answer
    assert "45 euros" in answer["answer"] and "[1]" in answer["answer"]
    assert answer["confidence"] >= 0.75
    cited = answer["citations"][0]
    assert (cited["document"], cited["page"], cited["title"]) == ("travel-policy.pdf", 1, "Travel Policy")
    assert "45 euros" in cited["quote"]
    assert answer["model"] == "base" and answer["adapter"] is None
    assert answer["timings"]["generate"] > 0

    outside = client.post(
        "/v1/ask", headers=auth(READER_KEY), json={"question": "Which football club won the 1998 World Cup final?"}
    ).json()
    assert outside["grounded"] is False and outside["suppressed_reason"] is not None
    assert "1998" not in outside["answer"]

    metrics = client.get("/metrics").text
    assert 'kb_answers_total{outcome="suppressed"' in metrics
    assert 'kb_http_requests_total{method="POST",route="/v1/ask",status="200"}' in metrics
    assert 'kb_answer_stage_seconds_bucket{le="0.005",stage="generate"}' in metrics
    assert 'kb_answers_total{outcome="grounded",reason=""} 1.0' in metrics
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text


@pytest.mark.vllm
@pytest.mark.slow
def test_openai_client_plain_and_streaming(app_settings, services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import openai

    services.pipeline.ingest_file(travel_policy_pdf(tmp_path))
    with LiveServer(create_app(app_settings, services=services)) as live:
        api = openai.OpenAI(base_url=f"{live.url}/v1", api_key=READER_KEY, max_retries=0)
        names = [m.id for m in api.models.list().data]
        assert names[0] == "kb" and "base" in names

        question = [{"role": "user", "content": "How much may a hotel cost per night?"}]
        plain = api.chat.completions.create(model="kb", messages=question)
        content = plain.choices[0].message.content or ""
        extra = plain.model_extra or {}
        assert extra["kb"]["grounded"] in (True, False)
        if extra["citations"]:
            assert "Sources:" in content and "travel-policy.pdf" in content
            assert extra["citations"][0]["document"] == "travel-policy.pdf"

        stream = api.chat.completions.create(model="kb", messages=question, stream=True)
        pieces, last = [], None
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                pieces.append(chunk.choices[0].delta.content)
            last = chunk
        assert "".join(pieces) == content  # the stream carries exactly the verified answer
        assert last is not None and last.choices[0].finish_reason == "stop"
        assert (last.model_extra or {}).get("citations") == extra["citations"]

        with pytest.raises(openai.NotFoundError):
            api.chat.completions.create(model="no-such-adapter", messages=question)
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=f"{live.url}/v1", api_key="bad", max_retries=0).models.list()


@pytest.mark.vllm
@pytest.mark.slow
def test_chinese_question_gets_a_chinese_reply(client: TestClient, tmp_path: Path) -> None:
    from tests.corpus.pdfgen import policy_document, write_pdf

    spec, _ = policy_document(5, pages=2, language="zh")
    pdf = write_pdf(spec, tmp_path / "zh.pdf")
    assert upload(client, pdf).status_code == 201
    answer = client.post("/v1/ask", headers=auth(READER_KEY), json={"question": "年假有多少天？"}).json()
    from kb_service.text import has_cjk

    assert has_cjk(answer["answer"]), answer
    if not answer["grounded"]:
        assert answer["answer"].startswith("知识库")
