"""Uploads off the request path: the spool, the bounded queue, 202 + polling, 429 + Retry-After,
and jobs that a previous process accepted but did not finish. Real pipeline, real store."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routers.documents import requested_wait
from answer.services import Services, build_services
from api.upload_queue import QueueFullError, UploadQueue
from api.upload_spool import Job, UploadSpool
from ingest.deidentify import Deidentifier
from ingest.pipeline import IngestOutcome
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.settings import Settings
from kb_service.types import document_id_for
from tests.api.conftest import ADMIN_KEY, READER_KEY, api_settings, auth, free_port, travel_policy_pdf
from tests.corpus.pdfgen import policy_document, write_pdf

DEAD_LLM = "http://127.0.0.1:{port}/v1"


@pytest.fixture
def offline(tmp_path: Path, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier) -> Iterator[tuple[Settings, Services]]:
    settings = api_settings(tmp_path / "data", DEAD_LLM.format(port=free_port()), upload_queue_size=1)
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
    yield settings, services
    services.close()


def post(client: TestClient, name: str, data: bytes, **headers: str):  # type: ignore[no-untyped-def]
    return client.post("/v1/documents", headers={**auth(ADMIN_KEY), **headers}, files={"file": (name, data, "application/pdf")})


def poll(client: TestClient, location: str, timeout: float = 180) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(location, headers=auth(ADMIN_KEY)).json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {location} not finished after {timeout} s")


def spooled(settings: Settings) -> list[str]:
    """Job files in every owner's folder."""
    folder = settings.upload_spool_dir
    return sorted(p.name for p in folder.rglob("*") if p.suffix in (".json", ".upload")) if folder.exists() else []


@pytest.mark.parametrize(
    ("prefer", "expected"),
    [
        (None, (20.0, False)),
        ("respond-async", (0.0, True)),
        ("respond-async, wait=5", (5.0, True)),
        ("wait=3", (3.0, False)),
        ("wait=99999", (600.0, False)),
        ("handling=lenient; x=1, wait=nonsense", (20.0, False)),
    ],
)
def test_prefer_header(prefer: str | None, expected: tuple[float, bool]) -> None:
    assert requested_wait(prefer, 20.0) == expected


def test_async_upload_is_stored_then_polled_to_the_end(offline: tuple[Settings, Services], tmp_path: Path) -> None:
    settings, services = offline
    pdf = travel_policy_pdf(tmp_path)
    with TestClient(create_app(settings, services=services)) as client:
        accepted = post(client, pdf.name, pdf.read_bytes(), Prefer="respond-async")
        assert accepted.status_code == 202, accepted.text
        job = accepted.json()
        assert accepted.headers["Location"] == f"/v1/documents/jobs/{job['id']}"
        assert accepted.headers["Preference-Applied"] == "respond-async"
        assert job["status"] in ("queued", "running") and job["source"] == pdf.name
        assert job["size_bytes"] == pdf.stat().st_size and job["document_id"] == document_id_for(pdf.name)

        done = poll(client, accepted.headers["Location"])
        assert done["status"] == "ingested" and done["result"]["chunks"] > 0 and done["attempts"] == 1
        assert done["result"]["job_id"] == job["id"] and done["finished_at"]
        assert spooled(settings) == [f"{job['id']}.json"]  # the bytes are gone once ingested
        listed = client.get("/v1/documents", headers=auth(READER_KEY)).json()
        assert [(d["source"], d["status"]) for d in listed] == [(pdf.name, "indexed")]

        again = post(client, pdf.name, pdf.read_bytes())  # the default waits: same bytes -> 200
        assert again.status_code == 200 and again.json()["status"] == "unchanged"
        assert client.get(accepted.headers["Location"], headers=auth(READER_KEY)).status_code == 403
        missing = client.get("/v1/documents/jobs/nope", headers=auth(ADMIN_KEY))
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "job_not_found"


def test_full_queue_refuses_with_retry_after_and_stores_nothing(offline: tuple[Settings, Services], tmp_path: Path) -> None:
    """Queue of 1: a long document runs, a second waits, a third is refused until a slot frees."""
    settings, services = offline
    big = write_pdf(policy_document(21, pages=30)[0], tmp_path / "big.pdf").read_bytes()
    small = [write_pdf(policy_document(22 + i, pages=2)[0], tmp_path / f"s{i}.pdf").read_bytes() for i in range(2)]
    with TestClient(create_app(settings, services=services)) as client:
        running = post(client, "big.pdf", big, Prefer="respond-async")
        waiting = post(client, "s0.pdf", small[0], Prefer="respond-async")
        assert (running.status_code, waiting.status_code) == (202, 202)
        before = spooled(settings)
        refused = post(client, "s1.pdf", small[1])
        assert refused.status_code == 429, refused.text
        assert int(refused.headers["Retry-After"]) >= 1
        error = refused.json()["error"]
        assert set(error) == {"message", "type", "param", "code"} and error["code"] == "upload_queue_full"
        assert spooled(settings) == before  # refused before anything was written
        assert "kb_upload_rejected_total 1.0" in client.get("/metrics").text

        # The client's part of the contract: wait Retry-After, try again, until accepted.
        deadline = time.monotonic() + 300
        while refused.status_code == 429 and time.monotonic() < deadline:
            time.sleep(int(refused.headers["Retry-After"]))
            refused = post(client, "s1.pdf", small[1], Prefer="respond-async")
        assert refused.status_code == 202, refused.text
        for response in (running, waiting, refused):
            assert poll(client, response.headers["Location"])["status"] == "ingested"
        assert {d["source"] for d in client.get("/v1/documents", headers=auth(READER_KEY)).json()} == {"big.pdf", "s0.pdf", "s1.pdf"}


def test_jobs_left_by_a_crash_are_resumed_at_start(offline: tuple[Settings, Services], tmp_path: Path) -> None:
    """As a kill -9 leaves the spool: one job acknowledged and queued, one cut off while
    running, and bytes of an upload that was never acknowledged (no record)."""
    settings, services = offline
    spool = UploadSpool(settings.upload_spool_dir)
    pdf = travel_policy_pdf(tmp_path)
    other = write_pdf(policy_document(31, pages=2)[0], tmp_path / "other.pdf")
    queued = spool.accept(pdf.name, document_id_for(pdf.name), io.BytesIO(pdf.read_bytes()))
    cut = spool.accept(other.name, document_id_for(other.name), io.BytesIO(other.read_bytes()))
    cut.status, cut.attempts = "running", 1
    spool.save(cut)
    assert spool.folder is not None
    (spool.folder / "0000000000000000deadbeef.upload").write_bytes(b"never acknowledged")
    spool.release()  # as the death of its process does

    with TestClient(create_app(settings, services=services)) as client:
        first = poll(client, f"/v1/documents/jobs/{queued.id}")
        second = poll(client, f"/v1/documents/jobs/{cut.id}")
        assert (first["status"], first["attempts"]) == ("ingested", 1)
        assert (second["status"], second["attempts"]) == ("ingested", 2)
    assert spooled(settings) == sorted([f"{queued.id}.json", f"{cut.id}.json"])
    # Finished records outlive the process: a client polling across a restart gets its answer.
    with TestClient(create_app(settings, services=services)) as client:
        assert client.get(f"/v1/documents/jobs/{cut.id}", headers=auth(ADMIN_KEY)).json()["status"] == "ingested"


def test_queue_bound_and_worker_order(tmp_path: Path) -> None:
    """The queue itself, with an ingest step the test releases: FIFO, bounded, Retry-After
    from measured job durations, and nothing spooled for a refused upload."""
    gate = threading.Event()
    order: list[str] = []

    def ingest(job: Job, data: bytes) -> IngestOutcome:
        gate.wait(30)
        order.append(job.source)
        return IngestOutcome(job.source, job.source, "ingested", job.document_id, job.sha256, 1, 1)

    queue = UploadQueue(UploadSpool(tmp_path / "spool"), ingest, capacity=2)
    queue.start()
    try:
        jobs = [queue.submit(f"doc{i}.txt", io.BytesIO(b"x" * (i + 1))) for i in range(3)]  # 1 running + 2 waiting
        deadline = time.monotonic() + 10
        while queue.depth() != (2, 1) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert queue.depth() == (2, 1)
        assert [queue.position(j) for j in jobs] == [None, 1, 2]
        with pytest.raises(QueueFullError) as refused:
            queue.submit("doc3.txt", io.BytesIO(b"y"))
        assert refused.value.retry_after >= 1
        assert len(list((tmp_path / "spool").rglob("*.upload"))) == 3
        gate.set()
        for job in jobs:
            assert queue.wait(job, 10).status == "ingested"
        assert order == ["doc0.txt", "doc1.txt", "doc2.txt"]
        assert not list((tmp_path / "spool").rglob("*.upload"))
    finally:
        gate.set()
        queue.stop()


def test_replicas_keep_their_own_jobs_and_adopt_a_dead_ones(tmp_path: Path) -> None:
    """Two API processes on one data folder: neither resumes the other's jobs while it lives;
    once its owner is gone (its lock released, as at death), the next start adopts them."""
    root = tmp_path / "uploads"
    alive = UploadSpool(root)
    job = alive.accept("a.txt", document_id_for("a.txt"), io.BytesIO(b"queued on the live replica"))
    other = UploadSpool(root)
    assert other.recover() == ([], [])  # not ours: left alone
    assert other.find_record(job.id) == job  # but a poll through this replica still finds it
    assert other.find_record("../../etc") is None
    alive.release()
    later = UploadSpool(root)
    pending, _ = later.recover()
    assert [j.id for j in pending] == [job.id] and later.read_bytes(pending[0]) == b"queued on the live replica"
    assert not (root / f"{alive.folder.name}.lock").exists()  # type: ignore[union-attr]
