"""The second try for answers of the wrong kind (KB_ANSWER_REFOCUS) against none, in one run.

    .venv/bin/python benchmarks/refocus.py [--sets samples conversations filings] [--out PATH]

Each question is retrieved, prompted and generated once by the real model (SmolLM2-135M on the
vLLM CPU server, as `kb serve` starts it); that one generation is then concluded twice: with
the second try off (`AnswerService.conclude(..., refocus=False)`, the service before it) and on
(today's default). The arms differ only where the first answer was suppressed as
`wrong_answer_type` and a passage sentence gives the kind of answer asked: there the "on" arm
generates once more from that passage alone. Each set gets its own store:

* samples: `samples/` with `eval/sample-questions.jsonl` (written by the team);
* conversations: the standalone questions of `tests/corpus/conversations.py`' follow-ups
  (written by the team; English and Chinese; an answer is right when grounded, citing the
  expected document, with the figure);
* filings: `tests.corpus.filings` (generated) with `eval/filings-questions.jsonl`.

No outside-written question set exists in this repository yet, so every figure here is on the
team's own material. Outcomes follow `kb eval` (training.evaluation): correct, wrong,
false-suppression, refused, answered-unanswerable.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from benchmarks.answer import CONVERTED, free_port, machine, run_and_save  # noqa: E402

SETS = ("samples", "conversations", "filings")
OUTCOMES = ("correct", "wrong", "false-suppression", "refused", "answered-unanswerable", "error")


def questions_for(name: str, folder: Path) -> tuple[list[Path], list[Any]]:
    """The documents to ingest and the questions (training.evaluation.EvalQuestion) of a set."""
    from training.evaluation import EvalQuestion, load_questions

    if name == "samples":
        return [ROOT / "samples"], load_questions(ROOT / "eval" / "sample-questions.jsonl")
    if name == "filings":
        from tests.corpus.filings import write_filings

        write_filings(folder)
        return [folder], load_questions(ROOT / "eval" / "filings-questions.jsonl")
    from tests.corpus.conversations import CONVERSATIONS, write_documents

    questions = [
        EvalQuestion(id=f"{c.name}-{i}", question=f.standalone, answer=f.figure or "", doc=f.document or "",
                     page=1 if f.document else None, answerable=f.document is not None)
        for c in CONVERSATIONS for i, f in enumerate(c.follow_ups)
    ]
    return write_documents(folder), questions


def outcome(question: Any, answer: Any, conversations: bool) -> str:
    """kb eval's outcome; for the conversations set, right means grounded with the figure from
    the expected document (their reference is only the figure)."""
    from training.evaluation import QuestionResult

    if not conversations or not question.answerable:
        return QuestionResult(question, answer, None, 0.0).outcome
    if not answer.grounded:
        return "false-suppression"
    right = question.answer in answer.answer and bool(answer.citations) and answer.citations[0].document == question.doc
    return "correct" if right else "wrong"


def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from answer.services import build_services
    from kb_service.embedder import SentenceTransformerEmbedder
    from kb_service.llm.convert import ensure_converted
    from kb_service.llm.server import ManagedModelServer
    from kb_service.settings import Settings

    ensure_converted(CONVERTED.parent)
    settings = Settings(data_dir=tmp / "server", llm_port=free_port(), llm_model=str(CONVERTED),
                        llm_startup_timeout=900, example_check=False)
    server = ManagedModelServer(settings)
    url = server.start()
    embedder = SentenceTransformerEmbedder(settings.embedding_model)
    deidentifier = None
    rows: list[dict[str, Any]] = []
    try:
        for name in args.sets:
            documents, questions = questions_for(name, tmp / f"{name}-docs")
            set_settings = settings.model_copy(update={"llm_url": url, "data_dir": tmp / name})
            services = build_services(set_settings, embedder=embedder, deidentifier=deidentifier)
            deidentifier = services.deidentifier
            try:
                services.pipeline.ingest_paths(documents)
                service = services.answers
                for question in questions:
                    started = time.perf_counter()
                    prepared = service.prepare(question.question)
                    if prepared.answer is not None:
                        off = on = prepared.answer
                    else:
                        generation = service._thinking.generate(
                            service._generator, prepared.messages, model=prepared.model,
                            answer_tokens=service.config.max_tokens, temperature=service.config.temperature,
                        )
                        off = service.conclude(replace(prepared, timings=dict(prepared.timings)), generation, refocus=False)
                        on = service.conclude(prepared, generation)
                    row = {
                        "set": name, "id": question.id, "question": question.question,
                        "off": outcome(question, off, name == "conversations"),
                        "on": outcome(question, on, name == "conversations"),
                        "tried_again": "refocus" in on.timings, "refocus_ms": on.timings.get("refocus"),
                        "off_reason": off.suppressed_reason, "on_reason": on.suppressed_reason,
                        "off_answer": off.answer, "on_answer": on.answer, "seconds": time.perf_counter() - started,
                    }
                    rows.append(row)
                    print(json.dumps({k: row[k] for k in ("set", "id", "off", "on", "tried_again")}), flush=True)
            finally:
                services.close()
    finally:
        server.stop()
    return {"machine": machine(), "rows": rows, "summary": summarize(rows)}


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for name in dict.fromkeys(r["set"] for r in rows):
        mine = [r for r in rows if r["set"] == name]
        tried = [r for r in mine if r["tried_again"]]
        table[name] = {
            "questions": len(mine),
            "off": dict(Counter(r["off"] for r in mine)),
            "on": dict(Counter(r["on"] for r in mine)),
            "tried_again": len(tried),
            "changed": sum(r["off"] != r["on"] for r in mine),
            "refocus_ms_mean": round(sum(r["refocus_ms"] for r in tried) / len(tried), 1) if tried else None,
        }
    return table


def print_table(result: dict[str, Any]) -> None:
    print("| set | arm | " + " | ".join(OUTCOMES) + " | tried again | changed | refocus ms (mean) |")
    print("|---" * (len(OUTCOMES) + 5) + "|")
    for name, s in result["summary"].items():
        for arm in ("off", "on"):
            counts = " | ".join(str(s[arm].get(o, 0)) for o in OUTCOMES)
            extra = f"{s['tried_again']} | {s['changed']} | {s['refocus_ms_mean']}" if arm == "on" else " | | "
            print(f"| {name} ({s['questions']}) | {arm} | {counts} | {extra} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    out = args.out or ROOT / "benchmarks" / "results" / f"refocus-{datetime.now():%Y%m%d-%H%M%S}.json"
    run_and_save(lambda tmp: run(args, tmp), out, "kb-refocus-", print_table, quiet=("httpx", "presidio-analyzer"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
