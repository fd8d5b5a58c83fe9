"""Keys (hashed, compared in constant time, reader / admin), admin-only routes, CORS and the
audit log, on the real pipeline and store. The model is the scripted generator: nothing here
needs an answer, and the audit log must be tested without a model server."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.app import create_app
from kb_service.audit import MAX_LINE_BYTES, AuditLog, AuditNote, event_line, key_id, read_tail
from api.auth import Admin, KeyRing, Reader, Role, hash_key
from answer.services import Services, build_services
from ingest.deidentify import Deidentifier
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.settings import Settings
from tests.api.conftest import ADMIN_KEY, READER_KEY, TRAVEL_FACTS, api_settings, auth, travel_policy_pdf
from tests.answer.test_answer_service import ScriptedGenerator

NOWHERE = "http://127.0.0.1:9/v1"  # nothing listens: the scripted generator answers


@pytest.fixture
def app_services(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> Iterator[Services]:
    settings = api_settings(tmp_path / "data", NOWHERE, cors_origins=["https://intranet.example"])
    built = build_services(
        settings, embedder=embedder, deidentifier=deidentifier, generator=ScriptedGenerator(TRAVEL_FACTS["meal"])
    )
    yield built
    built.close()


@pytest.fixture
def client(app_services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(app_services.settings, services=app_services)) as test_client:
        yield test_client


def audit_events(settings: Settings) -> list[dict[str, Any]]:
    return [json.loads(line) for line in settings.audit_path.read_text(encoding="utf-8").splitlines()]


# --- keys ---------------------------------------------------------------------------------------

def test_keys_are_kept_only_as_hashes() -> None:
    ring = KeyRing(["plain-reader-key"], [f"sha256:{hash_key('plain-admin-key')}"], open_access=False)
    kept = repr(vars(ring))
    assert "plain-reader-key" not in kept and "plain-admin-key" not in kept
    assert ring.role_for("plain-reader-key") is Role.READER
    assert ring.role_for("plain-admin-key") is Role.ADMIN
    assert ring.role_for(hash_key("plain-admin-key")) is None  # the hash itself is not a key
    settings = Settings(api_keys=["plain-reader-key"], admin_keys=["plain-admin-key"], llm_api_key="plain-llm-key")
    assert "plain-" not in repr(settings) and "plain-" not in str(settings)


def test_every_stored_hash_is_compared_whichever_key_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    """No early exit: the work (and so the time) does not say which key, if any, matched."""
    import hmac

    ring = KeyRing([f"reader-{n}" for n in range(5)], [f"admin-{n}" for n in range(3)], open_access=False)
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    for key in ("reader-0", "reader-4", "admin-2", "nobody", "x" * 500):
        calls.clear()
        ring.role_for(key)
        assert len(calls) == 8, key
        assert {len(a) for a, _ in calls} == {64}  # digests of equal length, whatever the key's length


def _dependency_calls(dependant: Any) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _dependency_calls(sub)


def _request_path(route: APIRoute) -> str:
    path = route.path
    for name in route.param_convertors:
        path = path.replace("{" + name + "}", "x")
    return path


ADMIN_DEPENDENCY = Admin.__metadata__[0].dependency  # type: ignore[attr-defined]
READER_DEPENDENCY = Reader.__metadata__[0].dependency  # type: ignore[attr-defined]


def test_every_admin_route_refuses_a_reader_key_and_no_key(client: TestClient) -> None:
    admin_routes = [
        route for route in client.app.routes  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and ADMIN_DEPENDENCY in set(_dependency_calls(route.dependant))
    ]
    found = {(method, route.path) for route in admin_routes for method in route.methods}
    # The known admin operations are among them (the list itself is not written down here).
    assert {("POST", "/v1/documents"), ("DELETE", "/v1/documents/{document_id}"),
            ("POST", "/v1/adapters/rollback"), ("GET", "/v1/admin/overview")} <= found
    for route in admin_routes:
        for method in route.methods:
            path = _request_path(route)
            missing = client.request(method, path)
            assert missing.status_code == 401, (method, path, missing.text)
            assert missing.json()["error"]["code"] == "invalid_api_key"
            reader = client.request(method, path, headers=auth(READER_KEY))
            assert reader.status_code == 403, (method, path, reader.text)
            assert reader.json()["error"]["code"] == "insufficient_permissions"
    # The refusals were recorded: one audit event each, with the reader's key id on the 403s.
    events = audit_events(client.app.state.settings)  # type: ignore[attr-defined]
    refused = [e for e in events if e["status"] in (401, 403)]
    assert len(refused) == 2 * sum(len(route.methods) for route in admin_routes)
    assert {e["key_id"] for e in refused if e["status"] == 403} == {key_id(hash_key(READER_KEY))}


def test_every_v1_route_needs_a_key(client: TestClient) -> None:
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and route.path.startswith("/v1/"):
            calls = set(_dependency_calls(route.dependant))
            assert calls & {ADMIN_DEPENDENCY, READER_DEPENDENCY}, route.path


# --- CORS ---------------------------------------------------------------------------------------

def test_cors_preflight_only_for_the_configured_origin(client: TestClient) -> None:
    def preflight(origin: str) -> Any:
        return client.options("/v1/ask", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        })

    allowed = preflight("https://intranet.example")
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://intranet.example"
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in allowed.headers  # keys travel in headers, not cookies

    other = preflight("https://evil.example")
    # Refused, and without an allow-origin header the browser blocks the real request.
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers
    # A simple request from the other origin gets no allow-origin header either (the browser hides it).
    simple = client.get("/v1/documents", headers={"Origin": "https://evil.example", **auth(READER_KEY)})
    assert "access-control-allow-origin" not in simple.headers


def test_no_cors_without_configured_origins(tmp_path: Path, app_services: Services) -> None:
    settings = app_services.settings.model_copy(update={"cors_origins": [], "data_dir": tmp_path / "other"})
    with TestClient(create_app(settings, services=app_services)) as client:
        response = client.options("/v1/ask", headers={
            "Origin": "https://intranet.example", "Access-Control-Request-Method": "POST",
        })
        assert "access-control-allow-origin" not in response.headers


# --- the audit log ------------------------------------------------------------------------------

def test_audit_log_records_who_did_what_and_how_it_ended(client: TestClient, tmp_path: Path) -> None:
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    started = datetime.now(UTC)
    pdf = travel_policy_pdf(tmp_path)
    uploaded = client.post("/v1/documents", headers=auth(ADMIN_KEY), files={"file": (pdf.name, pdf.read_bytes())})
    assert uploaded.status_code == 201, uploaded.text
    document_id = uploaded.json()["document_id"]
    assert client.get("/v1/documents", headers=auth(READER_KEY)).status_code == 200
    assert client.get("/v1/documents").status_code == 401
    assert client.get("/v1/documents", headers={"X-API-Key": "wrong-key"}).status_code == 401
    assert client.post("/v1/documents", headers=auth(READER_KEY), files={"file": ("a.txt", b"x")}).status_code == 403
    assert client.post("/v1/adapters/nope/promote?force=true", headers=auth(ADMIN_KEY)).status_code == 404
    assert client.post("/v1/adapters/rollback", headers=auth(ADMIN_KEY)).status_code == 409
    assert client.delete(f"/v1/documents/{document_id}", headers=auth(ADMIN_KEY)).status_code == 200
    assert client.delete("/v1/documents/travel-policy.pdf", headers=auth(ADMIN_KEY)).status_code == 404
    for public in ("/healthz", "/metrics", "/widget"):  # unkeyed routes are not audited
        assert client.get(public).status_code == 200

    events = audit_events(settings)
    admin_id, reader_id = key_id(hash_key(ADMIN_KEY)), key_id(hash_key(READER_KEY))
    summary = [(e["action"], e["method"], e["route"], e["key_id"], e["role"], e["target"], e["status"]) for e in events]
    assert summary == [
        ("document.upload", "POST", "/v1/documents", admin_id, "admin", document_id, 201),  # never a file name
        ("key.use", "GET", "/v1/documents", reader_id, "reader", None, 200),
        ("key.use", "GET", "/v1/documents", None, None, None, 401),
        ("key.use", "GET", "/v1/documents", key_id(hash_key("wrong-key")), None, None, 401),
        ("document.upload", "POST", "/v1/documents", reader_id, "reader", None, 403),
        ("adapter.promote", "POST", "/v1/adapters/{name}/promote", admin_id, "admin", "nope", 404),
        ("adapter.rollback", "POST", "/v1/adapters/rollback", admin_id, "admin", None, 409),
        ("document.delete", "DELETE", "/v1/documents/{document_id}", admin_id, "admin", document_id, 200),
        ("document.delete", "DELETE", "/v1/documents/{document_id}", admin_id, "admin", document_id, 404),  # by name
    ]
    assert events[0]["detail"] == {"document_id": document_id}
    assert events[5]["detail"] == {"forced": True}
    assert {e["client"] for e in events} == {"testclient"}
    for event in events:
        when = datetime.fromisoformat(event["time"])
        assert when.utcoffset() == timedelta(0) and started - timedelta(seconds=1) <= when <= datetime.now(UTC)

    raw = settings.audit_path.read_text(encoding="utf-8")
    for secret in (ADMIN_KEY, READER_KEY, "wrong-key", hash_key(ADMIN_KEY), hash_key(READER_KEY)):
        assert secret not in raw
    assert stat.S_IMODE(settings.audit_path.stat().st_mode) == 0o600
    assert read_tail(settings.audit_path, 2) == events[-2:]


def test_audit_log_can_be_turned_off(tmp_path: Path, app_services: Services) -> None:
    settings = app_services.settings.model_copy(update={"audit_log": False, "data_dir": tmp_path / "off"})
    with TestClient(create_app(settings, services=app_services)) as client:
        assert client.get("/v1/documents", headers=auth(READER_KEY)).status_code == 200
    assert not settings.audit_path.exists()


def test_concurrent_events_never_interleave_and_lines_stay_below_pipe_buf(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit" / "audit.jsonl", fsync=True)
    huge = AuditNote(
        key_id="k-0", role="admin", target="名" * 5000 + "\x00\n", detail={f"k{n}": "v" * 999 for n in range(20)}
    )
    lines = [event_line(action="document.upload", method="POST", route="/v1/documents", status=201,
                        note=huge if n % 10 == 0 else AuditNote(target=f"doc-{n}.pdf"), client="10.0.0.1")
             for n in range(50)]
    assert max(len(line) for line in lines) < MAX_LINE_BYTES

    def writer() -> None:
        for line in lines:
            audit.write(line)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    written = audit.path.read_text(encoding="utf-8").splitlines()
    assert len(written) == 8 * 50
    events = [json.loads(line) for line in written]  # every line whole
    assert sum(1 for e in events if e["target"] and e["target"].startswith("名")) == 8 * 5
    assert read_tail(audit.path, 3) == events[-3:]
    assert read_tail(audit.path, 10_000) == events


def test_unwritable_audit_log_does_not_fail_requests(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the audit folder should be")
    audit = AuditLog(blocked / "audit.jsonl")
    audit.write(b"{}\n")
    audit.write(b"{}\n")
    assert [r.levelname for r in caplog.records if "audit log" in r.getMessage()] == ["ERROR"]  # once, not per event


def kb(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "KB_DATA_DIR": str(data_dir), "COLUMNS": "200", **env}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        env=environment, capture_output=True, text=True, timeout=120,
    )


def test_kb_audit_tail_and_keys(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = Settings(data_dir=data)
    audit = AuditLog(settings.audit_path)
    for n in range(5):
        audit.write(event_line(action="document.delete", method="DELETE", route="/v1/documents/{document_id}",
                               status=200, note=AuditNote(key_id="k-1", role="admin", target=f"doc-{n}"), client="::1"))
    tailed = kb(data, "audit", "tail", "-n", "2", "--json")
    assert tailed.returncode == 0, tailed.stderr
    assert [json.loads(line)["target"] for line in tailed.stdout.splitlines()] == ["doc-3", "doc-4"]
    table = kb(data, "audit", "tail")
    assert table.returncode == 0 and "document.delete" in table.stdout and "doc-0" in table.stdout

    admin_hash = f"sha256:{hash_key('admin-secret-2')}"
    keys = kb(data, "audit", "keys", KB_API_KEYS="reader-secret-1", KB_ADMIN_KEYS=admin_hash)
    assert keys.returncode == 0, keys.stderr
    assert key_id(hash_key("reader-secret-1")) in keys.stdout and key_id(hash_key("admin-secret-2")) in keys.stdout
    assert "secret" not in keys.stdout + keys.stderr


def test_a_mistyped_key_setting_is_not_printed(tmp_path: Path) -> None:
    result = kb(tmp_path, "docs", "list", KB_API_KEYS='["planted-secret-key"', KB_LOG_LEVEL="loud")
    assert result.returncode == 2
    assert "api_keys" in result.stderr and "log_level" in result.stderr and "loud" in result.stderr
    assert "planted-secret-key" not in result.stdout + result.stderr


def test_secret_flags_of_the_model_server_are_masked_in_the_log() -> None:
    from kb_service.llm.server import loggable_command

    command = ["python", "-m", "vllm", "--api-key", "vk-secret", "--port", "8011", "--hf-token=hf-secret"]
    shown = " ".join(loggable_command(command))
    assert "secret" not in shown and "--port 8011" in shown and "--api-key ***" in shown
