"""Follow-up questions with the real model: the conversation-aware service against plain
last-message retrieval (the baseline), in one run.

    .venv/bin/python benchmarks/followups.py [--out benchmarks/results/followups-<timestamp>.json]

Setup: a managed vLLM CPU server as `kb serve` starts it (SmolLM2-135M-Instruct, converted
once into --model-cache), `build_services` with default settings (KB_FOLLOWUP_REWRITE=model),
the documents and conversations of tests/corpus/conversations.py (English and Chinese; the
same city and office names in several documents). Each conversation is played turn by turn;
the assistant turns of the history are the service's own answers.

Per follow-up:
- *model*: the served model's rewrite (asked directly, accepted or not), and whether it equals
  the gold standalone question (case, spaces and final punctuation aside) and was accepted;
- *service*: the standalone question the service used and how (model / rules / none);
- *right*: answerable follow-ups answered grounded from the expected document with the
  expected figure; unanswerable ones (no document) still suppressed;
- *passage right*: grounded or not, the answer shows the expected document's passage with the
  figure (a suppressed answer quotes its closest passage); unanswerable ones still suppressed.
The baseline asks the last user message alone, as the service did before.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[?？.。!！\s]+$", "", text.strip()).lower().split())


def right_passage(answer: Any, document: str | None, figure: str | None) -> bool:
    """Grounded or not, the answer shows the right passage: a citation of the expected document
    whose quote holds the figure, and the figure in the answer text (a suppressed answer quotes
    the closest passage's sentence). For an unanswerable follow-up: still suppressed."""
    if document is None or figure is None:
        return not answer.grounded
    return figure in answer.answer and any(c.document == document and figure in c.quote for c in answer.citations)


def right(answer: Any, document: str | None, figure: str | None) -> bool:
    if document is None:
        return not answer.grounded
    if not answer.grounded or not answer.citations:
        return False
    return answer.citations[0].document == document and (figure is None or figure in answer.answer)


def run(cache: Path, tmp: Path) -> dict[str, Any]:
    from answer.conversation import FollowUps, Turn, acceptable
    from answer.services import build_services
    from kb_service.llm.convert import ensure_converted
    from kb_service.llm.server import ManagedModelServer
    from kb_service.settings import Settings
    from tests.conftest import free_port
    from tests.corpus.conversations import CONVERSATIONS, write_documents

    model_dir = ensure_converted(cache)
    settings = Settings(data_dir=tmp / "data", llm_port=free_port(), llm_model=str(model_dir), llm_max_tokens=96,
                        llm_startup_timeout=900, example_check=False)
    server = ManagedModelServer(settings)
    settings = settings.model_copy(update={"llm_url": server.start()})
    services = build_services(settings)
    try:
        services.pipeline.ingest_paths(write_documents(tmp / "docs"))
        followups: FollowUps = services.followups
        rows: list[dict[str, Any]] = []
        for conversation in CONVERSATIONS:
            first = services.answers.ask(conversation.first)
            history = [Turn("user", conversation.first), Turn("assistant", first.answer)]
            previous = conversation.first
            for follow in conversation.follow_ups:
                raw = followups._ask_model(follow.question, followups.previous_question([previous]))
                with_history = followups.answer(services.answers, follow.question, history)
                baseline = services.answers.ask(follow.question)
                row = {
                    "conversation": conversation.name,
                    "language": conversation.language,
                    "question": follow.question,
                    "gold": follow.standalone,
                    "model_rewrite": raw,
                    "model_accepted": raw is not None and acceptable(raw, follow.question, previous),
                    "model_right": raw is not None and _norm(raw) == _norm(follow.standalone),
                    "standalone": with_history.standalone_question,
                    "method": with_history.rewritten_by,
                    "standalone_right": _norm(with_history.standalone_question or "") == _norm(follow.standalone),
                    "right": right(with_history, follow.document, follow.figure),
                    "baseline_right": right(baseline, follow.document, follow.figure),
                    "passage_right": right_passage(with_history, follow.document, follow.figure),
                    "baseline_passage_right": right_passage(baseline, follow.document, follow.figure),
                    "grounded": with_history.grounded,
                    "suppressed_reason": with_history.suppressed_reason,
                    "answer": with_history.answer,
                    "baseline_answer": baseline.answer,
                    "cited": with_history.citations[0].document if with_history.citations else None,
                    "baseline_cited": baseline.citations[0].document if baseline.citations else None,
                    "rewrite_ms": with_history.timings.get("rewrite"),
                }
                if follow.document is None:  # the gold standalone question asked directly, without a conversation
                    direct = services.answers.ask(follow.standalone)
                    row["direct_grounded"], row["direct_answer"] = direct.grounded, direct.answer
                rows.append(row)
                print(json.dumps({k: row[k] for k in ("question", "model_rewrite", "method", "standalone", "right",
                                                      "baseline_right", "cited", "baseline_cited")},
                                 ensure_ascii=False), flush=True)
                history += [Turn("user", follow.question), Turn("assistant", with_history.answer)]
                previous = with_history.standalone_question or follow.question
        return {"rows": rows, "summary": summary(rows)}
    finally:
        services.close()
        server.stop()


def summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for language in ("en", "zh"):
        mine = [r for r in rows if r["language"] == language]
        table[language] = {
            "follow_ups": len(mine),
            "model_rewrite_right": sum(r["model_right"] for r in mine),
            "model_rewrite_accepted": sum(r["model_accepted"] for r in mine),
            "used_model": sum(r["method"] == "model" for r in mine),
            "used_rules": sum(r["method"] == "rules" for r in mine),
            "used_none": sum(r["method"] == "none" for r in mine),
            "standalone_right": sum(r["standalone_right"] for r in mine),
            "right_with_history": sum(r["right"] for r in mine),
            "right_baseline": sum(r["baseline_right"] for r in mine),
            "passage_right_with_history": sum(r["passage_right"] for r in mine),
            "passage_right_baseline": sum(r["baseline_passage_right"] for r in mine),
        }
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--model-cache", type=Path, default=Path(tempfile.gettempdir()) / "kb-followups-model")
    args = parser.parse_args()
    args.model_cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args.model_cache, Path(tmp))
    print()
    columns = list(next(iter(result["summary"].values())))
    print("| language | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for language, counts in result["summary"].items():
        print(f"| {language} | " + " | ".join(str(counts[c]) for c in columns) + " |")
    out = args.out or ROOT / "benchmarks" / "results" / f"followups-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
