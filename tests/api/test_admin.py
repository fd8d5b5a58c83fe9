"""The admin page and its admin-only JSON: documents with versions and redaction counts,
failed files with reasons, adapters with their scores, and answers over time (the metrics
history, which survives a restart). Real models, the real store, real uploads; the answer
counts come from real /v1/ask calls on the vLLM server."""

from __future__ import annotations

import bisect
import hashlib
import json
import random
import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.metrics_history import LATENCY_EDGES_MS, Bucket, MetricsHistory, history_path
from answer.services import build_services
from ingest.deidentify import Deidentifier
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.settings import Settings
from tests.api.conftest import ADMIN_KEY, READER_KEY, api_settings, auth, free_port, travel_policy_pdf
from tests.corpus.pdfgen import policy_document, write_pdf
from training.registry import AdapterRegistry

ADMIN_ROUTES = ("/v1/admin/overview", "/v1/admin/failed", "/v1/admin/metrics/history")


@pytest.fixture
def offline_settings(tmp_path: Path) -> Settings:
    """An app whose model server is down: everything but answering works."""
    return api_settings(tmp_path / "data", f"http://127.0.0.1:{free_port()}/v1")


@pytest.fixture
def offline_client(
    offline_settings: Settings, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> Iterator[TestClient]:
    services = build_services(offline_settings, embedder=embedder, deidentifier=deidentifier)
    try:
        with TestClient(create_app(offline_settings, services=services)) as client:
            yield client
    finally:
        services.close()


def upload(client: TestClient, path: Path, data: bytes | None = None):  # type: ignore[no-untyped-def]
    content = path.read_bytes() if data is None else data
    return client.post("/v1/documents", headers=auth(ADMIN_KEY), files={"file": (path.name, content, "application/pdf")})


def admin_get(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, headers=auth(ADMIN_KEY), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def fake_adapter(settings: Settings, name: str, metrics: dict[str, float]) -> Path:
    """An adapter folder as the registry reads it (no weights: the admin page never loads them)."""
    folder = settings.adapters_dir / name
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 4}), encoding="utf-8")
    dataset_dir = settings.datasets_dir / f"ds-{name}"
    dataset_dir.mkdir(parents=True)
    (dataset_dir / "test.jsonl").write_text("{}\n", encoding="utf-8")
    card = {
        "name": name, "base_model": "SmolLM2-135M-Instruct", "base_model_served_name": settings.llm_served_name,
        "dataset_dir": str(dataset_dir), "dataset_hash": "0" * 64, "source_documents": {},
        "metrics": metrics, "created_at": "2025-01-01T00:00:00+00:00", "parent": None,
    }
    (folder / "adapter_card.json").write_text(json.dumps(card), encoding="utf-8")
    return folder


# --- auth ---------------------------------------------------------------------------------------

def test_admin_routes_need_an_admin_key(offline_client: TestClient) -> None:
    for path in ADMIN_ROUTES:
        missing = offline_client.get(path)
        assert missing.status_code == 401, (path, missing.text)
        assert missing.json()["error"]["code"] == "invalid_api_key"
        assert missing.headers["www-authenticate"] == "Bearer"
        assert offline_client.get(path, headers=auth("not-a-key")).status_code == 401
        reader = offline_client.get(path, headers=auth(READER_KEY))
        assert reader.status_code == 403, (path, reader.text)
        assert reader.json()["error"]["code"] == "insufficient_permissions"
        assert offline_client.get(path, headers=auth(ADMIN_KEY)).status_code == 200
    # the key in the query string is not a way in
    assert offline_client.get(f"/v1/admin/overview?key={ADMIN_KEY}").status_code == 401


# --- the page -----------------------------------------------------------------------------------

class _References(HTMLParser):
    """The URLs a page references, and whether it has inline script, style or handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline = 0
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.urls += [value for name, value in values.items() if name in ("src", "href", "action") and value]
        self.inline += "style" in values or any(name.startswith("on") for name in values)
        self._open = tag

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def handle_data(self, data: str) -> None:
        self.inline += self._open in ("script", "style") and bool(data.strip())


def test_admin_page_is_served_with_only_same_origin_assets(offline_client: TestClient) -> None:
    page = offline_client.get("/admin")  # the page itself holds no data: no key needed
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert page.headers["x-frame-options"] == "DENY"

    parser = _References()
    parser.feed(page.text)
    assert parser.inline == 0  # the CSP allows no inline script or style
    assets = parser.urls
    assert any(url.endswith(".js") for url in assets) and any(url.endswith(".css") for url in assets)
    for url in assets:
        assert not re.match(r"^([a-z][a-z0-9+.-]*:|//)", url, re.I), f"{url} is not same-origin"
        resolved = urlsplit(urljoin("http://testserver/admin", url))
        assert resolved.netloc == "testserver"
        asset = offline_client.get(resolved.path)
        assert asset.status_code == 200, resolved
        text = asset.text.replace('"http://www.w3.org/2000/svg"', "")  # a namespace name, not a fetch
        assert "http://" not in text and "https://" not in text and "url(" not in text, f"{url} reaches elsewhere"

    script = offline_client.get("/admin/admin.js").text
    # the key goes into a header and sessionStorage, never into a URL or localStorage
    assert "sessionStorage" in script and "localStorage" not in script
    assert "Authorization" in script and "?key=" not in script and "api_key=" not in script
    assert ".innerHTML" not in script  # service text is inserted as text nodes
    for path in ADMIN_ROUTES + ("v1/documents",):
        assert path.lstrip("/") in script
    assert offline_client.get("/admin/").status_code == 200  # redirected to /admin
    assert offline_client.get("/admin/settings.py").status_code == 404
    assert offline_client.get("/admin/..%2Fapp.py").status_code == 404


# --- documents, failed files, adapters ------------------------------------------------------------

def test_overview_shows_documents_redactions_failed_files_and_adapters(
    offline_client: TestClient, offline_settings: Settings, tmp_path: Path
) -> None:
    travel = travel_policy_pdf(tmp_path)
    spec, planted = policy_document(11, pages=2)
    personal = write_pdf(spec, tmp_path / "contacts-policy.pdf")
    assert {kind for kind, _ in planted} >= {"PERSON", "EMAIL_ADDRESS"}
    corrupt = tmp_path / "scan-0042.pdf"
    corrupt_bytes = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + random.Random(7).randbytes(4000)

    assert upload(offline_client, travel).status_code == 201
    personal_upload = upload(offline_client, personal)
    assert personal_upload.status_code == 201, personal_upload.text
    refused = upload(offline_client, corrupt, corrupt_bytes)
    assert refused.status_code == 422
    reason = refused.json()["error"]["message"]

    overview = admin_get(offline_client, "/v1/admin/overview")
    documents = {d["source"]: d for d in overview["documents"]}
    assert set(documents) == {"travel-policy.pdf", "contacts-policy.pdf", "scan-0042.pdf"}
    assert documents["travel-policy.pdf"]["status"] == "indexed"
    assert documents["travel-policy.pdf"]["version"] == hashlib.sha256(travel.read_bytes()).hexdigest()
    assert documents["contacts-policy.pdf"]["version"] == hashlib.sha256(personal.read_bytes()).hexdigest()
    redactions = documents["contacts-policy.pdf"]["redactions"]
    assert redactions.get("PERSON", 0) > 0 and redactions.get("EMAIL_ADDRESS", 0) > 0, redactions
    assert redactions == personal_upload.json()["redactions"]
    assert documents["scan-0042.pdf"]["status"] == "failed" and documents["scan-0042.pdf"]["error"] == reason

    counts = overview["counts"]
    assert counts["by_status"] == {"indexed": 2, "failed": 1}
    assert counts["redactions"]["PERSON"] >= redactions["PERSON"]
    indexed_chunks = sum(d["chunks"] for d in overview["documents"] if d["status"] == "indexed")
    assert counts["chunks_in_store"] == indexed_chunks > 0
    assert overview["failed_files"] == 1
    assert overview["answers_last_day"]["answers"] == 0
    assert overview["adapters"]["active"] is None and overview["adapters"]["default_model"] == "base"

    failed = admin_get(offline_client, "/v1/admin/failed")
    assert failed["total"] == 1
    (entry,) = failed["files"]
    assert entry["name"] == "scan-0042.pdf" and entry["reason"] == reason
    assert entry["size_bytes"] == len(corrupt_bytes) and entry["failed_at"]
    # a reason file whose kept file was removed by hand is still shown
    failed_dir = offline_settings.failed_dir
    (failed_dir / "scan-0042.pdf").unlink()
    (orphan,) = admin_get(offline_client, "/v1/admin/failed")["files"]
    assert orphan["name"] == "scan-0042.pdf" and orphan["reason"] == reason and orphan["size_bytes"] is None

    # adapters: what the registry stores, card metrics and promotion scores
    fake_adapter(offline_settings, "first", {"val_loss": 1.9, "test_loss": 2.0, "test_perplexity": 7.4})
    fake_adapter(offline_settings, "second", {"val_loss": 1.4, "test_loss": 1.5, "test_perplexity": 4.5})
    registry = AdapterRegistry(offline_settings)
    losses = {None: 2.5, "first": 2.0, "second": 1.5}

    def scorer(adapter_dir: Path | None, dataset_dir: Path, split: str = "test") -> dict[str, float]:
        return {"loss": losses[adapter_dir.name if adapter_dir else None]}

    registry.promote("first", force=True)
    registry.promote("second", evaluate=scorer)
    adapters = admin_get(offline_client, "/v1/admin/overview")["adapters"]
    assert adapters["active"] == "second" and adapters["promoted"] == "second" and adapters["default_model"] == "second"
    by_name = {a["name"]: a for a in adapters["adapters"]}
    assert by_name["second"]["active"] and not by_name["first"]["active"]
    assert by_name["second"]["metrics"]["test_loss"] == 1.5
    scores = by_name["second"]["promotion"]["scores"]
    assert (scores["candidate_loss"], scores["baseline"], scores["baseline_loss"], scores["accepted"]) == (
        1.5, "first", 2.0, True)
    assert by_name["first"]["promotion"]["forced"] and by_name["first"]["promotion"]["scores"] is None
    assert [e["event"] for e in adapters["history"]] == ["promote", "promote"]
    assert adapters["history"][0]["name"] == "second"  # newest first

    # deleting through the documents route (as the page does) takes it off the page
    deleted = offline_client.delete(
        f"/v1/documents/{documents['contacts-policy.pdf']['document_id']}", headers=auth(ADMIN_KEY)
    )
    assert deleted.status_code == 200
    after = admin_get(offline_client, "/v1/admin/overview")
    assert "contacts-policy.pdf" not in {d["source"] for d in after["documents"]}
    assert after["counts"]["chunks_in_store"] == documents["travel-policy.pdf"]["chunks"]


def test_unreadable_registry_is_reported_not_fatal(offline_client: TestClient, offline_settings: Settings) -> None:
    offline_settings.adapters_dir.mkdir(parents=True)
    (offline_settings.adapters_dir / "registry.json").write_text("{not json", encoding="utf-8")
    adapters = admin_get(offline_client, "/v1/admin/overview")["adapters"]
    assert "registry.json" in adapters["error"] and adapters["default_model"] == "base"


# --- answers over time --------------------------------------------------------------------------

class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_history_buckets_persist_as_deltas_without_double_counting(tmp_path: Path) -> None:
    path = history_path(tmp_path)
    clock = Clock(1_700_000_000.0)  # 22:13:20 UTC: minute 1_699_999_980
    history = MetricsHistory(path, flush_seconds=10, clock=clock)
    history.record(suppressed=False, latency_ms=800)
    history.record(suppressed=True, latency_ms=120)  # same minute, within 10 s: not written yet
    assert path.read_text().count("\n") == 1  # the first observation is written at once
    clock.now += 60
    history.record(suppressed=False, latency_ms=2400)  # next minute: the pending delta is written
    history.flush()

    reloaded = MetricsHistory(path, clock=clock)
    series = reloaded.series(minutes=60)
    assert [(p["answers"], p["suppressed"]) for p in series["points"]] == [(2, 1), (1, 0)]
    assert series["totals"]["answers"] == 3 and series["totals"]["suppressed"] == 1
    assert series["totals"]["suppression_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert series["totals"]["latency_ms_avg"] == pytest.approx((800 + 120 + 2400) / 3, abs=0.1)
    assert series["points"][0]["start"].endswith("22:13:00+00:00")

    # a second process appends to the same file: its deltas add up with the first one's
    reloaded.record(suppressed=True, latency_ms=300)
    reloaded.flush()
    history.flush()  # nothing pending: writes nothing
    third = MetricsHistory(path, clock=clock).series(minutes=60, resolution=60)
    assert len(third["points"]) == 1 and third["totals"]["answers"] == 4 and third["totals"]["suppressed"] == 2

    # a line cut short by a crash is skipped
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"minute": 1699999980, "answ')
    assert MetricsHistory(path, clock=clock).series(minutes=60)["totals"]["answers"] == 4


def test_a_pending_delta_is_written_without_a_following_answer(tmp_path: Path) -> None:
    path = history_path(tmp_path)
    history = MetricsHistory(path, flush_seconds=0.3)
    history.record(suppressed=False, latency_ms=100)  # written at once
    history.record(suppressed=True, latency_ms=200)  # pending: a timer writes it
    assert path.read_text().count("\n") == 1
    deadline = time.monotonic() + 10
    while path.read_text().count("\n") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    totals = MetricsHistory(path).series(minutes=5)["totals"]
    assert (totals["answers"], totals["suppressed"]) == (2, 1)


def test_history_ring_is_bounded_and_p95_is_approximate(tmp_path: Path) -> None:
    clock = Clock(1_700_000_000.0)
    history = MetricsHistory(None, capacity=5, clock=clock)
    for _ in range(8):
        history.record(suppressed=False, latency_ms=100)
        clock.now += 60
    assert len(history.buckets()) == 5

    bucket = Bucket(0)
    for ms in [100] * 90 + [4000] * 10:
        bucket.observe(suppressed=False, latency_ms=ms)
    p95 = bucket.percentile_ms(0.95)
    assert p95 is not None and 3000 <= p95 <= 5000  # inside the bin that holds the 95th value
    assert Bucket(0).percentile_ms(0.95) is None
    slow = Bucket(0)
    slow.observe(suppressed=False, latency_ms=10 * LATENCY_EDGES_MS[-1])
    assert slow.percentile_ms(0.95) == LATENCY_EDGES_MS[-1]  # the open bin: a lower bound

    # compaction: a file with far more lines than kept minutes is rewritten, totals unchanged
    path = history_path(tmp_path)
    writer = MetricsHistory(path, flush_seconds=0, clock=clock)
    for _ in range(1500):
        writer.record(suppressed=False, latency_ms=50)
    assert path.read_text().count("\n") == 1500
    assert MetricsHistory(path, clock=clock).series(minutes=10)["totals"]["answers"] == 1500
    assert path.read_text().count("\n") == 1


@pytest.mark.vllm
@pytest.mark.slow
def test_history_counts_real_answers_and_survives_a_restart(
    tmp_path: Path, llm_url: str, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> None:
    settings = api_settings(tmp_path / "data", llm_url)
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
    questions = [
        "What is the daily meal allowance on business travel?",
        "How much may a hotel cost per night?",
        "Which football club won the 1998 World Cup final?",
    ]
    try:
        with TestClient(create_app(settings, services=services)) as client:
            assert upload(client, travel_policy_pdf(tmp_path)).status_code == 201
            answers = []
            for question in questions:
                response = client.post("/v1/ask", headers=auth(READER_KEY), json={"question": question})
                assert response.status_code == 200, response.text
                answers.append(response.json())
            suppressed = sum(1 for a in answers if a["suppressed_reason"])
            assert 1 <= suppressed < len(answers)  # the football question at least

            history = admin_get(client, "/v1/admin/metrics/history", minutes=60)
            totals = history["totals"]
            assert totals["answers"] == len(questions) and totals["suppressed"] == suppressed
            assert totals["suppression_rate"] == pytest.approx(suppressed / len(questions), abs=1e-4)
            assert sum(p["answers"] for p in history["points"]) == len(questions)
            assert sum(p["suppressed"] for p in history["points"]) == suppressed
            mean_ms = sum(a["timings"]["total"] for a in answers) / len(answers)
            assert totals["latency_ms_avg"] == pytest.approx(mean_ms, abs=0.5)
            slowest = max(a["timings"]["total"] for a in answers)
            edges = (0.0, *LATENCY_EDGES_MS)
            low = edges[bisect.bisect_left(LATENCY_EDGES_MS, slowest)]  # the 3rd of 3 values: its bin
            assert low <= totals["latency_ms_p95"] <= max(slowest * 2, low)
            summary = admin_get(client, "/v1/admin/overview")["answers_last_day"]
            assert (summary["answers"], summary["suppressed"]) == (len(questions), suppressed)
        before = history

        assert history_path(settings.data_dir).exists()
        with TestClient(create_app(settings, services=services)) as restarted:  # a new app instance
            after = admin_get(restarted, "/v1/admin/metrics/history", minutes=60)
            assert after["totals"] == before["totals"]
            assert [(p["minute"], p["answers"], p["suppressed"]) for p in after["points"]] == [
                (p["minute"], p["answers"], p["suppressed"]) for p in before["points"]]
            # and it keeps counting on top of what it loaded
            response = restarted.post("/v1/ask", headers=auth(READER_KEY), json={"question": questions[2]})
            assert response.status_code == 200
            again = admin_get(restarted, "/v1/admin/metrics/history", minutes=60)["totals"]
            assert again["answers"] == len(questions) + 1
            assert again["suppressed"] == suppressed + (1 if response.json()["suppressed_reason"] else 0)
    finally:
        services.close()
