"""Example questions on the sample documents with the real model: the first three as section
titles give them (the baseline, `KB_EXAMPLE_CHECK=false`) against the first three after the
service has asked them (`KB_EXAMPLE_CHECK=true`), in one run.

    .venv/bin/python benchmarks/examples.py [--model-dir DIR] [--pool 10]

A managed vLLM CPU server exactly as `kb serve` starts it (SmolLM2-135M-Instruct; ``--model-dir``
or /tmp/kbmodels/SmolLM2-135M-Instruct reuses a conversion), ``build_services`` with default
settings, ``samples/`` ingested as `make run` does. Every candidate of the pool is asked once
through the answer service (as the background check asks it); the table says, per candidate,
whether the answer was grounded, and how many of the three offered first get a cited answer
with and without the check. Time is the check's: model calls from a cold start.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

def run(model_dir: Path | None, pool: int, tmp: Path) -> dict[str, Any]:
    from answer.examples import ExampleQuestions
    from answer.services import build_services
    from benchmarks.constraint_gate import vllm_settings
    from kb_service.llm.server import ManagedModelServer
    from kb_service.types import DocumentStatus

    settings = vllm_settings(tmp, model_dir)
    server = ManagedModelServer(settings)
    services = None
    rows: list[dict[str, Any]] = []
    try:
        print(f"starting vLLM on port {settings.llm_port} ...", flush=True)
        settings = settings.model_copy(update={"llm_url": server.start()})
        services = build_services(settings)
        report = services.pipeline.ingest_paths([ROOT / "samples"]).to_dict()
        print(f"  ingested {report['documents']} documents, {report['chunks']} chunks", flush=True)
        pipeline = services.pipeline

        def signature() -> tuple[tuple[str, str], ...]:
            docs = pipeline.ledger.list()
            return tuple(sorted((d.document_id, d.version) for d in docs if d.status == DocumentStatus.INDEXED))

        plain = ExampleQuestions(pipeline.store, signature, pool=pool)
        answers = services.answers
        outcome: dict[str, bool] = {}

        def check(question: str) -> bool:
            t0 = time.perf_counter()
            answer = answers.ask(question)
            rows.append({
                "question": question, "grounded": answer.grounded, "seconds": time.perf_counter() - t0,
                "reason": answer.suppressed_reason, "answer": answer.answer,
            })
            print(f"  {'grounded  ' if answer.grounded else 'suppressed'} {rows[-1]['seconds']:5.1f} s  {question}", flush=True)
            outcome[question] = answer.grounded
            return answer.grounded

        checked = ExampleQuestions(pipeline.store, signature, pool=pool, check=check)
        baseline = [q.question for q in plain.get(3)]
        t0 = time.perf_counter()
        checked.check_now()
        check_s = time.perf_counter() - t0
        offered = [q.question for q in checked.get(3)]
        for question in baseline:  # the baseline's questions, asked too if the check skipped them
            if question not in outcome:
                check(question)
    finally:
        if services is not None:
            services.close()
        server.stop()
    return {
        "model": settings.llm_model, "pool": pool, "check_seconds": check_s, "rows": rows,
        "baseline": {"offered": baseline, "answered": sum(outcome[q] for q in baseline)},
        "checked": {"offered": offered, "answered": sum(outcome.get(q, False) for q in offered)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", type=Path, default=None, help="a converted SmolLM2 folder to reuse")
    parser.add_argument("--pool", type=int, default=10, help="candidate questions read from the headings")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or ROOT / "benchmarks" / "results" / f"examples-{datetime.now():%Y%m%dT%H%M%S}.json"
    with tempfile.TemporaryDirectory(prefix="kb-examples-") as folder:
        result = run(args.model_dir, args.pool, Path(folder))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print("\n| first three examples | answered grounded | questions |")
    print("|---|--:|---|")
    for name in ("baseline", "checked"):
        r = result[name]
        print(f"| {'as headings give them' if name == 'baseline' else 'after the check'} | {r['answered']} / 3 "
              f"| {'; '.join(r['offered'])} |")
    grounded = sum(r["grounded"] for r in result["rows"])
    print(f"\ncandidates asked: {len(result['rows'])}, grounded {grounded}; "
          f"the check took {result['check_seconds']:.0f} s; results: {out}")


if __name__ == "__main__":
    main()
