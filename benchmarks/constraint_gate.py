"""The constraint gate, off vs on, in one run: the real model on the sample evaluation set and
the scripted model on the constraint trap set.

    .venv/bin/python benchmarks/constraint_gate.py [--model-dir DIR] [--skip-traps] \
        [--out benchmarks/results/constraint-gate-<timestamp>.json]

1. Sample evaluation: a managed vLLM CPU server exactly as `kb serve` starts it (SmolLM2-135M-
   Instruct; ``--model-dir`` or /tmp/kbmodels/SmolLM2-135M-Instruct reuses a conversion),
   ``build_services`` with default settings, ``samples/`` ingested, and
   ``eval/sample-questions.jsonl`` asked through two answer services that differ only in
   ``constraint_gate``. Both share one generator that remembers each prompt's generation, so
   the model is called once per question and both services judge the same text: the difference
   is the gate's alone. Scored with ``training.evaluation`` (the `kb eval` rule): grounded
   answers, correct grounded answers, grounded-but-wrong (grounded and not correct, an answered
   unanswerable question included), and the questions whose outcome changed.
2. Trap set: ``tests/answer/constraint_traps.py`` (the scripted model copies the near miss;
   controls copy the true answer), gate off and on.

Results: a table on stdout and JSON in benchmarks/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

CONVERTED = Path("/tmp/kbmodels/SmolLM2-135M-Instruct")


def vllm_settings(tmp: Path, model_dir: Path | None = None) -> Any:
    """Settings for a managed vLLM CPU server on a free port, its data folder in ``tmp``; a
    converted SmolLM2 folder (``model_dir`` or CONVERTED) is reused instead of converting."""
    from kb_service.settings import Settings

    data_dir = tmp / "data"
    source = model_dir or CONVERTED
    if (source / "kb-converted.json").exists():  # llm_model stays "auto" as in `kb serve`
        (data_dir / "models").mkdir(parents=True)
        (data_dir / "models" / source.name).symlink_to(source)
    return Settings(data_dir=data_dir, llm_port=free_port())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RememberingGenerator:
    """Calls the model once per question; asking it again gets the same generation. Keyed by the
    question (set `question` before asking), not the prompt: a first run showed prompts of the
    same question differing between passes, and the model regenerating at ~1 token/s."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._seen: dict[str, Any] = {}
        self.calls = 0
        self.question = ""

    def generate(self, messages: Sequence[dict[str, str]], *, model: str, max_tokens: int, temperature: float) -> Any:
        key = json.dumps([self.question, model, max_tokens, temperature], sort_keys=True)
        if key not in self._seen:
            self.calls += 1
            self._seen[key] = self._inner.generate(messages, model=model, max_tokens=max_tokens, temperature=temperature)
        return self._seen[key]

    def stream(self, messages: Sequence[dict[str, str]], *, model: str, max_tokens: int, temperature: float) -> Iterator[str]:
        yield self.generate(messages, model=model, max_tokens=max_tokens, temperature=temperature).text

    def models(self) -> list[str]:
        return self._inner.models()

    def healthy(self) -> bool:
        return self._inner.healthy()

    def close(self) -> None:
        self._inner.close()


def grounded_counts(results: Sequence[Any]) -> dict[str, int]:
    grounded = [r for r in results if r.answered]
    return {
        "questions": len(results),
        "grounded": len(grounded),
        "grounded_correct": sum(r.correct for r in grounded),
        "grounded_but_wrong": sum(not r.correct for r in grounded),
        "suppressed": sum(r.suppressed for r in results),
        "errors": sum(r.error is not None for r in results),
    }


def sample_evaluation(model_dir: Path | None, tmp: Path) -> dict[str, Any]:
    from answer.service import AnswerService
    from answer.services import answer_config, build_services, make_token_counter
    from answer.verify import ClaimVerifier, make_scorer
    from kb_service.adapters import AdapterIndex
    from kb_service.llm.server import ManagedModelServer
    from training.evaluation import load_questions, run_evaluation

    questions = load_questions(ROOT / "eval" / "sample-questions.jsonl")
    settings = vllm_settings(tmp, model_dir)
    server = ManagedModelServer(settings)
    services = None
    try:
        print(f"starting vLLM on port {settings.llm_port} (log {settings.log_dir / 'vllm.log'}) ...", flush=True)
        t0 = time.perf_counter()
        settings = settings.model_copy(update={"llm_url": server.start()})
        print(f"  ready in {time.perf_counter() - t0:.0f} s", flush=True)
        services = build_services(settings)
        ingest = services.pipeline.ingest_paths([ROOT / "samples"]).to_dict()
        print(f"  ingested {ingest['documents']} documents, {ingest['chunks']} chunks", flush=True)
        generator = RememberingGenerator(services.generator)
        verifier = ClaimVerifier(make_scorer(services.embedder, settings.nli_model), claim_threshold=settings.claim_threshold)
        counter = make_token_counter(settings)

        def service(gate: bool) -> AnswerService:
            return AnswerService(
                replace(answer_config(settings), constraint_gate=gate),
                searcher=services.searcher,  # type: ignore[union-attr]
                generator=generator,
                verifier=verifier,
                embedder=services.embedder,  # type: ignore[union-attr]
                counter=counter,
                scrub=services.scrub,  # type: ignore[union-attr]
                default_model=AdapterIndex(settings).default_model,
            )

        reports = {}
        for name, gate in (("off", False), ("on", True)):
            t0 = time.perf_counter()
            answers = service(gate)

            def ask(question: str, answers: AnswerService = answers) -> Any:
                generator.question = question
                return answers.ask(question)

            reports[name] = run_evaluation(questions, ask)
            print(f"  gate {name}: {time.perf_counter() - t0:.0f} s, model calls so far {generator.calls}", flush=True)
    finally:
        if services is not None:
            services.close()
        server.stop()
    changed = []
    for off, on in zip(reports["off"].results, reports["on"].results, strict=True):
        if off.outcome != on.outcome or (off.answer and on.answer and off.answer.answer != on.answer.answer):
            changed.append({
                "id": off.question.id, "question": off.question.question,
                "off": off.outcome, "on": on.outcome,
                "answer_off": off.answer.answer if off.answer else None,
                "on_reason": on.answer.suppressed_reason if on.answer else None,
                "constraints": on.answer.constraints if on.answer else None,
                "issues": on.answer.constraint_issues if on.answer else None,
            })
    with_constraints = [
        {"id": r.question.id, "constraints": r.answer.constraints}
        for r in reports["on"].results if r.answer is not None and r.answer.constraints
    ]
    return {
        "model": reports["on"].metadata.get("model"),
        "model_calls": generator.calls,
        "off": grounded_counts(reports["off"].results),
        "on": grounded_counts(reports["on"].results),
        "changed": changed,
        "questions_with_constraints": with_constraints,
        "results": {name: [r.to_dict() for r in report.results] for name, report in reports.items()},
    }


def trap_set(tmp: Path) -> dict[str, Any]:
    from ingest.deidentify import DeidentifyConfig, Deidentifier
    from kb_service.embedder import SentenceTransformerEmbedder
    from kb_service.settings import Settings
    from tests.answer.constraint_traps import counts, load_traps, run_traps

    embedder = SentenceTransformerEmbedder.from_settings(Settings())
    embedder.warm_up()
    deidentifier = Deidentifier(DeidentifyConfig.from_settings(Settings()))
    deidentifier.warm_up()
    rows = []

    def record(result: Any) -> None:
        rows.append({
            "id": result.trap.id, "kind": result.trap.kind, "near_miss": result.trap.near_miss,
            "off": result.off.suppressed_reason or "grounded", "on": result.on.suppressed_reason or "grounded",
            "issues": result.on.constraint_issues,
        })
        print(f"  {result.trap.id:28} off {rows[-1]['off']:26} on {rows[-1]['on']}", flush=True)

    results = run_traps(load_traps(), tmp / "traps", embedder=embedder, deidentifier=deidentifier, on_result=record)
    return {**counts(results), "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", type=Path, default=None, help="a converted SmolLM2 folder to reuse")
    parser.add_argument("--skip-traps", action="store_true")
    parser.add_argument("--skip-samples", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or ROOT / "benchmarks" / "results" / f"constraint-gate-{datetime.now():%Y%m%dT%H%M%S}.json"
    result: dict[str, Any] = {"started": datetime.now().isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory(prefix="kb-constraint-gate-") as folder:
        tmp = Path(folder)
        if not args.skip_samples:
            print("sample evaluation, real model, gate off vs on", flush=True)
            result["samples"] = sample_evaluation(args.model_dir, tmp)
        if not args.skip_traps:
            print("trap set, scripted model, gate off vs on", flush=True)
            result["traps"] = trap_set(tmp)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    if "samples" in result:
        s = result["samples"]
        print(f"\nsample evaluation ({s['model']}, {s['off']['questions']} questions):")
        for key in ("grounded", "grounded_correct", "grounded_but_wrong", "suppressed", "errors"):
            print(f"  {key:20} off {s['off'][key]:3}   on {s['on'][key]:3}")
        for row in s["changed"]:
            print(f"  changed: {row['id']}: {row['off']} -> {row['on']} ({row['on_reason']}) {row['issues']}")
    if "traps" in result:
        t = result["traps"]
        print("\ntrap set (scripted model):")
        for key in ("traps_grounded_but_wrong", "controls_grounded"):
            print(f"  {key:26} off {t['off'][key]:3}   on {t['on'][key]:3}   (of {t['off'][key.split('_')[0]]})")
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
