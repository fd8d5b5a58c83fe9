"""Questions beyond what the service answers at once wait in a bounded queue; beyond that they
get 429 with Retry-After at once, and nothing else of the service slows down.

The gate itself on an event loop, then the real API (uvicorn on loopback, the session's vLLM
behind a proxy that holds the first generation request, so 'the model is busy' is a state
the test controls rather than a race it hopes to win).
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from pathlib import Path

import httpx
import pytest

from api.admission import AnswerGate, OverloadedError
from api.app import create_app
from answer.services import build_services
from ingest.deidentify import Deidentifier
from kb_service.embedder import SentenceTransformerEmbedder
from tests.api.conftest import (
    READER_KEY,
    LiveServer,
    api_settings,
    auth,
    free_port,
    travel_policy_pdf,
)
from tests.tcp_proxy import TcpProxy

QUESTION = {"question": "What is the daily meal allowance on business travel?"}


def test_gate_bounds_answering_and_waiting_and_times_out() -> None:
    rejected: list[int] = []

    async def scenario() -> None:
        gate = AnswerGate(concurrency=2, queue=1, wait_seconds=0.3, on_reject=lambda: rejected.append(1))
        release = asyncio.Event()
        order: list[str] = []

        async def answer(name: str) -> None:
            async with gate.slot():
                order.append(name)
                await release.wait()

        first = [asyncio.create_task(answer(n)) for n in ("a", "b", "c")]
        await asyncio.sleep(0.05)
        assert (gate.active, gate.waiting) == (2, 1) and order == ["a", "b"]
        with pytest.raises(OverloadedError) as refused:  # 2 answering + 1 waiting: full
            async with gate.slot():
                pass
        assert "2 answering, 1 waiting" in str(refused.value) and refused.value.retry_after >= 1
        assert f"retry in {refused.value.retry_after} s" in str(refused.value)
        release.set()
        await asyncio.gather(*first)
        assert order == ["a", "b", "c"] and (gate.active, gate.waiting) == (0, 0)

        # A waiter that gets no slot within wait_seconds is refused, not left hanging.
        release.clear()
        holders = [asyncio.create_task(answer(n)) for n in ("d", "e")]
        await asyncio.sleep(0.05)
        started = time.monotonic()
        with pytest.raises(OverloadedError, match="within 0.3 s"):
            async with gate.slot():
                pass
        assert 0.25 < time.monotonic() - started < 2
        release.set()
        await asyncio.gather(*holders)
        assert (gate.active, gate.waiting) == (0, 0)

    asyncio.run(scenario())
    assert len(rejected) == 2


def test_retry_after_follows_recent_answer_times() -> None:
    async def scenario() -> AnswerGate:
        gate = AnswerGate(concurrency=2, queue=10, wait_seconds=5)
        assert gate.retry_after() == 5  # no answer yet: the default guess
        for _ in range(3):
            async with gate.slot():
                await asyncio.sleep(0.01)
        return gate

    gate = asyncio.run(scenario())
    assert gate.retry_after() == 1  # answers take ~10 ms
    gate._durations.extend([30.0] * 50)
    gate.waiting = 5
    assert gate.retry_after() == 90  # 30 s a round, 3 rounds of 2 for the 6 ahead and itself


@pytest.mark.vllm
@pytest.mark.slow
def test_overloaded_api_sheds_with_429_and_stays_responsive(
    tmp_path: Path, llm_url: str, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> None:
    upstream = httpx.URL(llm_url)
    proxy = TcpProxy(free_port(), (upstream.host, upstream.port or 80), hold=b"/chat/completions")
    proxy.start()
    settings = api_settings(
        tmp_path / "data", f"http://127.0.0.1:{proxy.port}/v1", answer_concurrency=1, answer_queue=1
    )
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
    outcomes: dict[str, int] = {}
    try:
        assert services.pipeline.ingest_file(travel_policy_pdf(tmp_path)).status == "ingested"
        with LiveServer(create_app(settings, services=services)) as server, httpx.Client(
            base_url=server.url, headers=auth(READER_KEY), timeout=300
        ) as client:

            def ask(name: str) -> None:
                with httpx.Client(base_url=server.url, headers=auth(READER_KEY), timeout=300) as own:
                    outcomes[name] = own.post("/v1/ask", json=QUESTION).status_code

            answering = threading.Thread(target=ask, args=("answering",))
            answering.start()
            assert proxy.held.wait(timeout=120), "the first question never reached the model"
            waiting = threading.Thread(target=ask, args=("waiting",))
            waiting.start()
            deadline = time.monotonic() + 30
            while 'kb_answers_in_flight{state="waiting"} 1.0' not in client.get("/metrics").text:
                assert time.monotonic() < deadline, "the second question never queued"
                time.sleep(0.05)

            # One answering, one waiting: the next questions are refused at once.
            started = time.monotonic()
            refused = client.post("/v1/ask", json=QUESTION)
            chat = client.post("/v1/chat/completions", json={"model": "kb", "messages": [{"role": "user", "content": "Hotels?"}]})
            assert time.monotonic() - started < 5
            for response in (refused, chat):
                assert response.status_code == 429, response.text
                assert int(response.headers["Retry-After"]) >= 1
                error = response.json()["error"]
                assert (error["type"], error["code"]) == ("rate_limit_error", "too_many_questions")
                assert "retry" in error["message"].lower()
            # Everything that is not a question still answers at once.
            started = time.monotonic()
            assert client.get("/healthz").status_code == 200
            assert client.get("/v1/documents").status_code == 200
            assert time.monotonic() - started < 5

            proxy.release.set()
            answering.join(timeout=300)
            waiting.join(timeout=300)
            assert outcomes == {"answering": 200, "waiting": 200}
            assert client.post("/v1/ask", json=QUESTION).status_code == 200
            metrics = client.get("/metrics").text
            assert re.search(r"^kb_answer_rejected_total 2\.0$", metrics, re.MULTILINE), metrics
            assert 'kb_answers_in_flight{state="answering"} 0.0' in metrics
    finally:
        proxy.release.set()
        proxy.stop()
        services.close()
