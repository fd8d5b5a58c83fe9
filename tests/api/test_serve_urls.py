"""`kb serve` (the last step of `make run`) prints the landing page, the chat widget, the admin
page and a curl line once the API answers, not before: at the moment the lines appear, every
URL in them answers."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.api_process import ROOT, free_port

pytestmark = pytest.mark.slow


def test_kb_serve_prints_the_urls_once_the_api_answers(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KB_")},
        "KB_CONFIG": str(tmp_path / "absent-kb.toml"),
        "KB_DATA_DIR": str(tmp_path / "data"),
        "KB_LLM_URL": f"http://127.0.0.1:{free_port()}/v1",  # no model server: the API starts anyway
        "KB_OPEN_ACCESS": "true",
        "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    lines: list[str] = []
    answered: dict[str, int] = {}

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if "landing page" in line and not answered:  # check at once, while the rest is printed
                for url in re.findall(r"http://127\.0\.0\.1:\d+/\S*", line):
                    answered[url] = httpx.get(url, timeout=10).status_code

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 240
        while not any(line.lstrip().startswith("curl -s") for line in lines):
            assert proc.poll() is None, "\n".join(lines)
            assert time.monotonic() < deadline, "no URLs printed:\n" + "\n".join(lines)
            time.sleep(0.2)
        base = f"http://127.0.0.1:{port}"
        assert answered == {f"{base}/": 200}, lines
        text = "\n".join(lines)
        assert re.search(r"kb-service is (ready|up, but not every part is ready)", text), text
        for label, path in (("landing page", "/"), ("chat widget", "/widget"), ("admin page", "/admin"), ("API docs", "/docs")):
            assert re.search(rf"^\s*{label}\s+{re.escape(base + path)}$", text, re.M), (label, text)
            assert httpx.get(base + path, timeout=10).status_code == 200
        curl = next(line.strip() for line in lines if line.lstrip().startswith("curl -s"))
        assert curl.startswith(f"curl -s {base}/v1/ask -H 'Content-Type: application/json' -d '{{\"question\": ")
        assert "Authorization" not in curl  # open access: no key in the example
        assert httpx.get(f"{base}/capabilities", timeout=10).json()["open_access"] is True
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever it started (the parse worker) goes too
        except (ProcessLookupError, PermissionError):
            pass
