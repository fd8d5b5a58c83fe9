"""Faults injected into a running service, and what it must look like afterwards.

- `kill -9` of a real API process (`kb serve` against the session's vLLM) while an upload is
  being ingested and while a question is being answered, then a restart on the same data
  folder: nothing lost, nothing duplicated, every document wholly its old or its new version.
  (`kb ingest` and `kb watch` killed mid-batch: tests/ingest/test_crash_recovery.py.)
- The model server going away and coming back while the API keeps running.
- A full disk and a read-only data folder (real tmpfs mounts; needs root): clear errors, and
  a store and ledger that still open and answer.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from answer.services import build_services
from ingest.deidentify import Deidentifier
from ingest.pipeline import Pipeline
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.settings import Settings
from kb_service.types import document_id_for, sha256_bytes
from tests.api.conftest import api_settings, free_port, travel_policy_pdf
from tests.api_process import ADMIN_KEY, READER_KEY, ApiProcess, auth
from tests.corpus.pdfgen import policy_document, write_pdf
from tests.ingest.test_crash_recovery import assert_consistent, ledger_rows, statuses, stored
from tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.slow, pytest.mark.vllm]

QUESTION = {"question": "What is the daily meal allowance on business travel?"}


def assert_openai_error(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["message"] and error["code"] == code
    return error


def poll_job(client: httpx.Client, job_id: str, timeout: float = 600) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/documents/jobs/{job_id}", headers=auth(ADMIN_KEY)).json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.25)
    raise AssertionError(f"job {job_id} not finished in {timeout} s")


def upload(client: httpx.Client | TestClient, path: Path, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/v1/documents", headers={**auth(ADMIN_KEY), **headers},
        files={"file": (path.name, path.read_bytes(), "application/pdf")},
    )


def clean_counts(
    files: list[Path], root: Path, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> dict[str, tuple[str, int]]:
    """document id -> (version, chunks) after ingesting `files` in order into a fresh store."""
    pipeline = Pipeline(Settings(data_dir=root), embedder=embedder, deidentifier=deidentifier)
    pipeline.warm_up()
    try:
        for path in files:
            outcome = pipeline.ingest_bytes(path.read_bytes(), path.name)
            assert outcome.status == "ingested", outcome.error
        return {info.document_id: (info.version, info.chunks) for info in pipeline.ledger.list()}
    finally:
        pipeline.close()


def store_counts(settings: Settings) -> dict[str, tuple[str, int]]:
    rows = Counter((r["document_id"], r["version"]) for r in stored(settings))
    return {doc: (version, n) for (doc, version), n in rows.items()}


# --- kill -9 of the API --------------------------------------------------------------------

def test_kill_api_mid_ingestion_then_restart(
    tmp_path: Path, llm_url: str, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> None:
    """v1 indexed; v2 (40 pages) accepted and being ingested, another file queued behind it:
    kill -9. The store holds exactly v1; both spooled uploads are ingested after the restart,
    and the store then equals a clean ingestion of v1, v2 and the other file."""
    v1 = write_pdf(policy_document(60, pages=3)[0], tmp_path / "v1" / "policy.pdf")
    v2 = write_pdf(policy_document(61, pages=40)[0], tmp_path / "v2" / "policy.pdf")
    other = write_pdf(policy_document(62, pages=3)[0], tmp_path / "other.pdf")
    settings = Settings(data_dir=tmp_path / "api")
    policy_id = document_id_for("policy.pdf")

    api = ApiProcess(settings.data_dir, llm_url).start()
    try:
        with httpx.Client(base_url=api.url, timeout=300) as client:
            assert upload(client, v1).status_code == 201
            job_v2 = upload(client, v2, Prefer="respond-async").json()["id"]
            job_other = upload(client, other, Prefer="respond-async").json()["id"]
            deadline = time.monotonic() + 300
            while statuses(settings.ledger_path).get("policy.pdf") != "processing":
                assert time.monotonic() < deadline, "v2 never started"
                time.sleep(0.05)
            time.sleep(0.2)  # a little into the 40 pages (seconds of work even on a fast machine)
            state = client.get(f"/v1/documents/jobs/{job_v2}", headers=auth(ADMIN_KEY)).json()
            assert state["status"] == "running", "v2 finished before the crash point"
            api.kill9()
    finally:
        api.stop()

    # Right after the crash: exactly v1, no trace of v2 or of the other file in the store.
    (v1_version, v1_chunks), = [(v, n) for doc, (v, n) in store_counts(settings).items() if doc == policy_id]
    assert v1_version == sha256_bytes(v1.read_bytes())
    assert store_counts(settings) == {policy_id: (v1_version, v1_chunks)}
    assert_consistent(settings)
    spool = {p.name for p in settings.upload_spool_dir.rglob("*")}
    assert {f"{job_v2}.upload", f"{job_other}.upload"} <= spool  # nothing accepted was lost

    with ApiProcess(settings.data_dir, llm_url) as api, httpx.Client(base_url=api.url, timeout=300) as client:
        resumed, queued = poll_job(client, job_v2), poll_job(client, job_other)
        assert (resumed["status"], resumed["attempts"]) == ("ingested", 2)
        assert (queued["status"], queued["attempts"]) == ("ingested", 1)
        listed = {d["source"]: d["status"] for d in client.get("/v1/documents", headers=auth(READER_KEY)).json()}
        assert listed == {"policy.pdf": "indexed", "other.pdf": "indexed"}
        assert client.post("/v1/ask", headers=auth(READER_KEY), json=QUESTION).status_code == 200

    assert_consistent(settings)
    expected = clean_counts([v1, v2, other], tmp_path / "clean", embedder, deidentifier)
    assert store_counts(settings) == expected
    assert {doc: (version, chunks) for doc, (_, version, chunks) in ledger_rows(settings).items()} == expected
    assert not list(settings.upload_spool_dir.rglob("*.upload"))


def test_kill_api_mid_answer_then_restart(tmp_path: Path, llm_url: str) -> None:
    settings = Settings(data_dir=tmp_path / "api")
    pdf = travel_policy_pdf(tmp_path)
    upstream = httpx.URL(llm_url)
    # The API reaches the model through a proxy that holds the generation request: the kill
    # lands while the API is waiting on the model, whatever the speed of this machine.
    proxy = TcpProxy(free_port(), (upstream.host, upstream.port or 80), hold=b"/chat/completions")
    proxy.start()
    api = ApiProcess(settings.data_dir, f"http://127.0.0.1:{proxy.port}/v1").start()
    outcome: dict[str, object] = {}
    try:
        with httpx.Client(base_url=api.url, timeout=300) as client:
            assert upload(client, pdf).status_code == 201
        before = store_counts(settings)

        def ask() -> None:
            try:
                with httpx.Client(base_url=api.url, timeout=300) as client:
                    outcome["status"] = client.post("/v1/ask", headers=auth(READER_KEY), json=QUESTION).status_code
            except httpx.HTTPError as exc:
                outcome["error"] = type(exc).__name__

        asking = threading.Thread(target=ask)
        asking.start()
        assert proxy.held.wait(timeout=120), f"the API never asked the model: {outcome}"
        assert asking.is_alive(), outcome
        api.kill9()
        proxy.release.set()
        asking.join(timeout=60)
    finally:
        api.stop()
        proxy.stop()
    assert "status" not in outcome and outcome.get("error"), outcome  # a dropped connection, never a 5xx
    assert store_counts(settings) == before
    assert_consistent(settings)

    with ApiProcess(settings.data_dir, llm_url) as api, httpx.Client(base_url=api.url, timeout=300) as client:
        answer = client.post("/v1/ask", headers=auth(READER_KEY), json=QUESTION)
        assert answer.status_code == 200, answer.text
        assert answer.json()["citations"], answer.json()
        assert client.get("/readyz").status_code == 200
    assert store_counts(settings) == before


# --- the model server goes away and comes back ------------------------------------------

def test_model_server_away_then_back_without_restarting_the_api(
    tmp_path: Path, llm_url: str, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> None:
    upstream = httpx.URL(llm_url)
    proxy = TcpProxy(free_port(), (upstream.host, upstream.port or 80))
    settings = api_settings(tmp_path / "data", f"http://127.0.0.1:{proxy.port}/v1")
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
    try:
        with TestClient(create_app(settings, services=services)) as client:
            assert upload(client, travel_policy_pdf(tmp_path)).status_code == 201

            def down() -> None:
                error = assert_openai_error(
                    client.post("/v1/ask", headers=auth(READER_KEY), json=QUESTION), 503, "model_server_unavailable"
                )
                assert "model server" in str(error["message"]) and error["type"] == "service_unavailable"
                ready = client.get("/readyz")
                assert ready.status_code == 503 and ready.json()["checks"]["model_server"] == "unreachable"

            def up() -> None:
                response = client.post("/v1/ask", headers=auth(READER_KEY), json=QUESTION)
                assert response.status_code == 200, response.text
                assert client.get("/readyz").status_code == 200

            down()  # nothing listens yet
            proxy.start()
            up()  # the server appeared: no restart of the API needed
            proxy.stop()
            down()  # went away, with the client's kept-alive connections cut
            proxy.start()
            up()  # and back again
    finally:
        proxy.stop()
        services.close()


# --- full disk and read-only data folder (real tmpfs mounts) ------------------------------

@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "mnt"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path, leave: int = 0) -> Path:
    """Fill the file system (unbuffered writes, down to single blocks), then give back `leave` bytes."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        for size in (1 << 20, 65536, 4096, 512):
            block = b"\0" * size
            try:
                while True:
                    os.write(fd, block)
            except OSError:
                pass
    finally:
        os.close(fd)
    if leave:
        os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler


def test_full_disk_gives_507_and_no_corruption(
    tmpfs: Path, tmp_path: Path, llm_url: str, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> None:
    settings = api_settings(tmpfs / "data", llm_url)
    travel = travel_policy_pdf(tmp_path)
    other = write_pdf(policy_document(63, pages=4)[0], tmp_path / "other.pdf")
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
    try:
        with TestClient(create_app(settings, services=services)) as client:
            assert upload(client, travel).status_code == 201
            before = store_counts(settings)

            filler = fill(tmpfs)
            jobs_before = sorted(settings.upload_spool_dir.rglob("*"))
            error = assert_openai_error(upload(client, other), 507, "insufficient_storage")
            assert "full" in str(error["message"])
            assert sorted(settings.upload_spool_dir.rglob("*")) == jobs_before  # nothing half-written

            # Room for the spooled upload, not for the index: accepted, then fails with the reason.
            filler.unlink()
            filler = fill(tmpfs, leave=other.stat().st_size + 16 * 1024)
            error = assert_openai_error(upload(client, other), 507, "insufficient_storage")
            assert "full" in str(error["message"])
            assert store_counts(settings) == before

            filler.unlink()
            assert client.post("/v1/ask", headers=auth(READER_KEY), json=QUESTION).status_code == 200
            listed = {d["source"]: d["status"] for d in client.get("/v1/documents", headers=auth(READER_KEY)).json()}
            assert listed["travel-policy.pdf"] == "indexed"
            assert upload(client, other).status_code == 201  # space is back: it works again
    finally:
        services.close()
    assert_consistent(Settings(data_dir=settings.data_dir))
    assert len(store_counts(settings)) == 2


def test_read_only_data_folder_refuses_writes_and_still_answers(
    tmpfs: Path, tmp_path: Path, llm_url: str, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> None:
    settings = api_settings(tmpfs / "data", llm_url)
    travel = travel_policy_pdf(tmp_path)
    other = write_pdf(policy_document(64, pages=2)[0], tmp_path / "other.pdf")

    def app_session():  # type: ignore[no-untyped-def]
        services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
        return services, TestClient(create_app(settings, services=services))

    services, app = app_session()
    with app as client:
        assert upload(client, travel).status_code == 201
    services.close()
    before = store_counts(settings)
    remount = subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], capture_output=True)
    assert remount.returncode == 0, remount.stderr.decode()
    try:
        services, app = app_session()  # starts on the read-only folder
        with app as client:
            error = assert_openai_error(upload(client, other), 503, "storage_unavailable")
            assert "not writable" in str(error["message"])
            assert_openai_error(
                client.delete("/v1/documents/travel-policy.pdf", headers=auth(ADMIN_KEY)), 503, "storage_unavailable"
            )
            answer = client.post("/v1/ask", headers=auth(READER_KEY), json=QUESTION)
            assert answer.status_code == 200 and answer.json()["citations"], answer.text
            assert [d["source"] for d in client.get("/v1/documents", headers=auth(READER_KEY)).json()] == ["travel-policy.pdf"]
        services.close()

        cli = subprocess.run(
            [sys.executable, "-m", "cli.main", "ingest", str(other)],
            env={**os.environ, "KB_DATA_DIR": str(settings.data_dir), "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": ""},
            capture_output=True, text=True, timeout=600,
        )
        assert cli.returncode == 1, cli.stderr
        assert "not writable" in cli.stderr and "Traceback" not in cli.stderr, cli.stderr
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], check=True)
    assert store_counts(settings) == before

    services, app = app_session()  # writable again: same store and ledger, and uploads work
    with app as client:
        assert upload(client, other).status_code == 201
        assert client.post("/v1/ask", headers=auth(READER_KEY), json=QUESTION).status_code == 200
    services.close()
    assert_consistent(Settings(data_dir=settings.data_dir))
