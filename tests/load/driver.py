"""A load generator for a running kb-service (used by tests/load and benchmarks/load.py).

Clients are threads with one httpx connection each, on loopback:

- askers: `POST /v1/ask` back to back with the evaluation questions, round-robin; a question
  refused with 429 (too many in flight) is followed by a pause of Retry-After seconds;
- uploaders: `POST /v1/documents` with `Prefer: respond-async`; on 429 they wait what
  Retry-After says and send the same file again, until it is accepted (also after the load
  window, within a grace period); every accepted job is polled to its end afterwards;
- a prober: `GET /healthz` every `health_interval` seconds.

Latencies are of whole requests as the client sees them. "errors" are requests that got no
HTTP answer (connection refused or reset, timeout).
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

FINAL = ("ingested", "unchanged", "failed")


@dataclass(frozen=True, slots=True)
class Call:
    kind: str  # ask | upload | health | poll
    status: int  # 0 = no HTTP answer
    seconds: float
    at: float  # start, seconds since the run began
    retry_after: str | None = None
    error: str | None = None


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(calls: Sequence[Call], window: float) -> dict[str, Any]:
    seconds = [c.seconds for c in calls if c.status]
    answered = [c.seconds for c in calls if 200 <= c.status < 300]  # without the quick 429s
    return {
        "requests": len(calls),
        "ok": sum(1 for c in calls if 200 <= c.status < 300),
        "status": dict(sorted(Counter(str(c.status) for c in calls).items())),
        "errors": sum(1 for c in calls if c.status == 0),
        "5xx": sum(1 for c in calls if c.status >= 500),
        "p50_s": round(percentile(seconds, 50), 3) if seconds else None,
        "p95_s": round(percentile(seconds, 95), 3) if seconds else None,
        "max_s": round(max(seconds), 3) if seconds else None,
        "mean_s": round(statistics.fmean(seconds), 3) if seconds else None,
        "ok_p50_s": round(percentile(answered, 50), 3) if answered else None,
        "ok_p95_s": round(percentile(answered, 95), 3) if answered else None,
        "per_s": round(len(calls) / window, 3) if window > 0 else None,
        "failures": [  # the first few: connection errors and 5xx, with what was said
            {"status": c.status, "at_s": round(c.at, 1), "seconds": round(c.seconds, 1), "error": c.error}
            for c in calls if c.status == 0 or c.status >= 500
        ][:5],
    }


# --- CPU accounting: how much of the machine other processes took ------------------------

_TICKS = os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float:
    """CPU-seconds (all cores) not idle since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return (sum(values[:8]) - idle) / _TICKS


def tree_cpu_s(root: int) -> float:
    """CPU-seconds used by `root` and all its descendants (live ones, plus what reaped
    children left in the parents' cutime/cstime)."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = sum(int(v) for v in fields[11:15]) / _TICKS
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(used.get(pid, 0.0) for pid in tree)


class CpuShare:
    """Share of all cores that processes outside our tree used between start() and stop()."""

    def __init__(self, root: int | None = None) -> None:
        self.root = root or os.getpid()

    def start(self) -> CpuShare:
        self._busy, self._ours, self._wall = machine_busy_s(), tree_cpu_s(self.root), time.monotonic()
        return self

    def stop(self) -> dict[str, float]:
        wall = time.monotonic() - self._wall
        ours = tree_cpu_s(self.root) - self._ours
        busy = machine_busy_s() - self._busy
        cores = os.cpu_count() or 1
        return {
            "cores": cores,
            "ours_share": round(ours / (wall * cores), 3),
            "others_share": round(max(0.0, busy - ours) / (wall * cores), 3),
        }


# --- the load --------------------------------------------------------------------------------

@dataclass
class LoadResult:
    seconds: float  # the load window
    elapsed: float  # until the last asker returned
    calls: list[Call]
    accepted: dict[str, str]  # job id -> file name
    final: dict[str, str]  # job id -> final status (or "lost")
    never_accepted: list[str]
    missing_retry_after: int
    cpu: dict[str, float] = field(default_factory=dict)

    def of(self, kind: str) -> list[Call]:
        return [c for c in self.calls if c.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        uploads = self.of("upload")
        return {
            "seconds": self.seconds,
            "elapsed": round(self.elapsed, 1),
            "ask": {**summary(self.of("ask"), self.elapsed), "refused_429": sum(1 for c in self.of("ask") if c.status == 429)},
            "health": summary(self.of("health"), self.elapsed),
            "upload": {
                **summary(uploads, self.elapsed),
                "accepted": len(self.accepted),
                "refused_429": sum(1 for c in uploads if c.status == 429),
                "missing_retry_after": self.missing_retry_after,
                "never_accepted": self.never_accepted,
                "final": dict(Counter(self.final.values())),
            },
            "cpu": self.cpu,
        }


class LoadGenerator:
    def __init__(
        self,
        url: str,
        *,
        questions: Sequence[str],
        documents: Sequence[tuple[str, bytes]] = (),
        askers: int = 50,
        uploaders: int = 5,
        seconds: float = 60,
        reader_key: str,
        admin_key: str,
        health_interval: float = 0.5,
        accept_grace: float = 300,
        drain_timeout: float = 900,
        request_timeout: float = 900,
    ) -> None:
        self.url = url
        self.questions, self.documents = list(questions), list(documents)
        self.askers, self.uploaders = askers, uploaders if documents else 0
        self.seconds = seconds
        self.reader = {"Authorization": f"Bearer {reader_key}"}
        self.admin = {"Authorization": f"Bearer {admin_key}"}
        self.health_interval = health_interval
        self.accept_grace, self.drain_timeout, self.timeout = accept_grace, drain_timeout, request_timeout
        self._calls: list[Call] = []
        self._accepted: dict[str, str] = {}
        self._never: list[str] = []
        self._missing_retry_after = 0
        self._lock = threading.Lock()

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def _request(self, client: httpx.Client, kind: str, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        started = time.monotonic()
        try:
            response = client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            self._record(Call(kind, 0, time.monotonic() - started, started - self._t0, error=f"{type(exc).__name__}: {exc}"[:300]))
            return None
        detail = response.text[:300] if response.status_code >= 500 else None
        self._record(Call(kind, response.status_code, time.monotonic() - started, started - self._t0,
                          retry_after=response.headers.get("Retry-After"), error=detail))
        return response

    def _ask(self, index: int) -> None:
        with httpx.Client(base_url=self.url, timeout=self.timeout) as client:
            n = index
            while time.monotonic() < self._deadline:
                question = self.questions[n % len(self.questions)]
                n += self.askers
                response = self._request(client, "ask", "POST", "/v1/ask", headers=self.reader, json={"question": question})
                if response is not None and response.status_code == 429:  # shed: come back when told
                    time.sleep(min(float(response.headers.get("Retry-After") or 1), max(0.0, self._deadline - time.monotonic())))

    def _upload(self, index: int) -> None:
        with httpx.Client(base_url=self.url, timeout=self.timeout) as client:
            k = 0
            while time.monotonic() < self._deadline:
                name, data = self.documents[(index + k * self.uploaders) % len(self.documents)]
                name = f"load-{index}-{k}-{name}"  # a new document each time
                k += 1
                while True:
                    response = self._request(
                        client, "upload", "POST", "/v1/documents",
                        headers={**self.admin, "Prefer": "respond-async"},
                        files={"file": (name, data, "application/octet-stream")},
                    )
                    if response is not None and response.status_code in (200, 201, 202):
                        job = response.json().get("job_id") or response.json().get("id")
                        with self._lock:
                            self._accepted[job] = name
                        break
                    if response is not None and response.status_code == 429:
                        retry_after = response.headers.get("Retry-After")
                        if retry_after is None:
                            with self._lock:
                                self._missing_retry_after += 1
                        if time.monotonic() > self._deadline + self.accept_grace:
                            self._never.append(name)
                            break
                        time.sleep(float(retry_after or 1))
                        continue
                    self._never.append(name)  # refused for another reason: counted by status
                    break

    def _probe(self, stop: threading.Event) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not stop.is_set():
                self._request(client, "health", "GET", "/healthz")
                stop.wait(self.health_interval)

    def _drain(self) -> dict[str, str]:
        final: dict[str, str] = {}
        deadline = time.monotonic() + self.drain_timeout
        with httpx.Client(base_url=self.url, timeout=60) as client:
            for job, _ in list(self._accepted.items()):
                while True:
                    response = self._request(client, "poll", "GET", f"/v1/documents/jobs/{job}", headers=self.admin)
                    status = response.json().get("status") if response is not None and response.status_code == 200 else None
                    if status in FINAL:
                        final[job] = status
                        break
                    if time.monotonic() > deadline:
                        final[job] = "lost"
                        break
                    time.sleep(0.5)
        return final

    def run(self) -> LoadResult:
        cpu = CpuShare().start()
        self._t0 = time.monotonic()
        self._deadline = self._t0 + self.seconds
        stop = threading.Event()
        prober = threading.Thread(target=self._probe, args=(stop,), daemon=True)
        clients = [threading.Thread(target=self._ask, args=(i,), daemon=True) for i in range(self.askers)]
        clients += [threading.Thread(target=self._upload, args=(i,), daemon=True) for i in range(self.uploaders)]
        prober.start()
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        elapsed = time.monotonic() - self._t0
        stop.set()
        prober.join()
        final = self._drain()
        return LoadResult(self.seconds, elapsed, list(self._calls), dict(self._accepted), final,
                          list(self._never), self._missing_retry_after, cpu.stop())


def during_upload(
    url: str, name: str, data: bytes, *, questions: Sequence[str], reader_key: str, admin_key: str,
    askers: int = 2, health_interval: float = 0.2, timeout: float = 1800,
) -> tuple[dict[str, Any], list[Call]]:
    """Upload one (large) document and, until its job ends, probe /healthz and ask questions.
    Returns the final job and the calls made meanwhile."""
    admin = {"Authorization": f"Bearer {admin_key}"}
    generator = LoadGenerator(url, questions=questions, askers=askers, seconds=timeout,
                              reader_key=reader_key, admin_key=admin_key, health_interval=health_interval)
    generator._t0 = time.monotonic()
    with httpx.Client(base_url=url, timeout=120) as client:
        accepted = client.post("/v1/documents", headers={**admin, "Prefer": "respond-async"},
                               files={"file": (name, data, "application/pdf")})
        accepted.raise_for_status()
        job_url = accepted.headers["Location"]
        generator._deadline = time.monotonic() + timeout
        stop = threading.Event()
        threads = [threading.Thread(target=generator._probe, args=(stop,), daemon=True)]
        threads += [threading.Thread(target=generator._ask, args=(i,), daemon=True) for i in range(askers)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + timeout
        while True:
            job = client.get(job_url, headers=admin).json()
            if job["status"] in FINAL or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        generator._deadline = 0.0  # askers finish their current question
        stop.set()
        for thread in threads:
            thread.join()
    return job, list(generator._calls)


def table(rows: Sequence[tuple[str, dict[str, Any]]]) -> str:
    """A fixed-width table of summaries: one row per (label, summary)."""
    head = f"{'':34} {'requests':>8} {'ok':>6} {'4xx':>5} {'5xx':>5} {'errors':>6} {'p50 s':>8} {'p95 s':>8} {'max s':>8} {'req/s':>7}"
    lines = [head, "-" * len(head)]
    for label, s in rows:
        four = sum(n for code, n in s["status"].items() if code.startswith("4"))

        def num(value: Any) -> str:
            return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)

        lines.append(
            f"{label:34} {s['requests']:>8} {s['ok']:>6} {four:>5} {s['5xx']:>5} {s['errors']:>6} "
            f"{num(s['p50_s']):>8} {num(s['p95_s']):>8} {num(s['max_s']):>8} {num(s['per_s']):>7}"
        )
    return "\n".join(lines)
