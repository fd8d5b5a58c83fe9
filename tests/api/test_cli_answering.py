"""`kb ask`, `kb eval` and `kb serve` against the session's real vLLM server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.api.conftest import READER_KEY, free_port, travel_policy_pdf

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def kb(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args], env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def indexed_env(tmp_path: Path, llm_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update({"KB_DATA_DIR": str(tmp_path / "data"), "KB_LLM_URL": llm_url, "KB_CONFIG": str(tmp_path / "none.toml")})
    result = kb(["ingest", str(travel_policy_pdf(tmp_path))], env)
    assert result.returncode == 0, result.stderr
    return env


def test_kb_ask_in_process_json(indexed_env: dict[str, str]) -> None:
    result = kb(["ask", "How much may a hotel cost per night?", "--json"], indexed_env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["model"] == "base"
    assert answer["citations"] and answer["citations"][0]["document"] == "travel-policy.pdf"
    assert answer["grounded"] or answer["answer"].startswith("The knowledge base does not support an answer")


def test_kb_eval_writes_a_report(indexed_env: dict[str, str], tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    lines = [
        {"id": "meal", "question": "What is the daily meal allowance?", "answer": "45 euros", "doc": "travel-policy.pdf", "page": 1, "answerable": True},
        {"id": "mileage", "question": "How is a private car reimbursed?", "answer": "0.30 euros per kilometre", "doc": "travel-policy.pdf", "page": 1, "answerable": True},
        {"id": "none", "question": "Which football club won the 1998 World Cup?", "answer": "", "doc": "", "answerable": False},
    ]
    questions.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    out = tmp_path / "report"
    result = kb(["eval", str(questions), "--out", str(out), "--json"], indexed_env)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["total"] == 3 and summary["errors"] == 0
    assert summary["refusal_rate"] == 1.0  # the unanswerable question must end suppressed
    assert {p.name for p in out.iterdir()} >= {"eval-report.md", "eval-report.json", "eval-report.png"}


def test_kb_serve_uses_the_configured_model_server(indexed_env: dict[str, str]) -> None:
    port = free_port()
    env = dict(indexed_env, KB_API_KEYS=READER_KEY)
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "kb serve did not come up"
            time.sleep(0.3)
        ready = httpx.get(f"{base}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
        response = httpx.post(
            f"{base}/v1/ask", json={"question": "What is the daily meal allowance?"},
            headers={"Authorization": f"Bearer {READER_KEY}"}, timeout=120,
        )
        assert response.status_code == 200, response.text
        assert httpx.post(f"{base}/v1/ask", json={"question": "x"}, timeout=10).status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode is not None


def test_kb_ask_reports_an_unreachable_service(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["--data-dir", str(tmp_path), "ask", "anything"],
        env={"KB_API_URL": f"http://127.0.0.1:{free_port()}", "KB_CONFIG": str(tmp_path / "none.toml")},
    )
    assert result.exit_code != 0
    assert "unreachable" in str(result.exception) or "unreachable" in result.output


def test_kb_ask_talks_to_a_running_service(app_settings, services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from api.app import create_app
    from tests.api.conftest import LiveServer

    services.pipeline.ingest_file(travel_policy_pdf(tmp_path))
    with LiveServer(create_app(app_settings, services=services)) as live:
        env = {"KB_API_URL": live.url, "KB_API_KEY": READER_KEY, "KB_CONFIG": str(tmp_path / "none.toml")}
        result = CliRunner().invoke(
            app, ["--data-dir", str(tmp_path / "client"), "ask", "What is the daily meal allowance?", "--json"], env=env
        )
        assert result.exit_code == 0, result.output
        answer = json.loads(result.stdout)
        assert answer["citations"][0]["document"] == "travel-policy.pdf"
        denied = CliRunner().invoke(
            app, ["--data-dir", str(tmp_path / "client"), "ask", "x"], env=dict(env, KB_API_KEY="wrong")
        )
        assert denied.exit_code != 0 and "401" in str(denied.exception)
