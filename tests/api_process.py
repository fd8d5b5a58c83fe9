"""`kb serve` as a child process on loopback, for the fault and load tests and benchmarks/load.py:
a real API process that can be killed with SIGKILL and started again on the same data folder."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
READER_KEY = "reader-key-for-tests"
ADMIN_KEY = "admin-key-for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ApiProcess:
    """`python -m cli.main serve` against an already running model server (KB_LLM_URL)."""

    def __init__(self, data_dir: Path, llm_url: str, *, port: int | None = None, **env: object) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("KB_")},
            "KB_CONFIG": str(data_dir.parent / "absent-kb.toml"),
            "KB_DATA_DIR": str(data_dir),
            "KB_LLM_URL": llm_url,
            "KB_API_KEYS": READER_KEY,
            "KB_ADMIN_KEYS": ADMIN_KEY,
            "KB_LLM_MAX_TOKENS": "96",
            "KB_EXAMPLE_CHECK": "false",  # no background answers beside the load and fault clients
            "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
            **{f"KB_{k.upper()}": str(v) for k, v in env.items()},
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.parent / f"api-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 300.0) -> ApiProcess:
        """Start and wait until /healthz answers (models load before uvicorn accepts)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cli.main", "serve", "--port", str(self.port)],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: cleanup reaches its parse worker too
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the API exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"the API did not start in {timeout:.0f} s:\n{self.log_tail()}")

    def kill9(self) -> None:
        """SIGKILL the API process only (as a crash would); its children notice on their own."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._reap_group()

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self._reap_group()

    def _reap_group(self) -> None:
        """Whatever the API started (the parse worker) goes with it."""
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> ApiProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
