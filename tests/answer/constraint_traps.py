"""The constraint trap set (eval/constraint-traps.jsonl): each trap is a small PDF holding a
near-miss fact (a neighbouring period, a sibling line item, the parent for the subsidiary, a
budget for an actual, an amount for a percentage, one side of a comparison; English and
Chinese) and a question whose true answer is absent; the scripted model copies the near miss.
Positive controls hold the answer and the model copies it.

Each document is ingested through the real pipeline into a store of its own and asked through
the real answer service (store, embedder, verifier, de-identifier), once with the constraint
gate off and once with it on. Used by tests/answer/test_constraint_traps.py and
benchmarks/constraint_gate.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from answer.service import AnswerService
from answer.services import answer_config
from answer.verify import ClaimVerifier, make_scorer
from ingest.deidentify import Deidentifier
from ingest.pipeline import Pipeline
from kb_service.embedder import Embedder
from kb_service.llm.generator import Generation, strip_reasoning
from kb_service.prompting import ApproximateTokenCounter
from kb_service.search import Searcher
from kb_service.settings import Settings
from kb_service.types import Answer

TRAPS_FILE = Path(__file__).resolve().parents[2] / "eval" / "constraint-traps.jsonl"


@dataclass(frozen=True)
class Trap:
    id: str
    lang: str
    kind: str  # "trap" (the answer is absent, the near miss is copied) or "control"
    near_miss: str
    title: str
    sections: list[dict[str, object]]
    question: str
    scripted: str


def load_traps(path: Path = TRAPS_FILE) -> list[Trap]:
    return [Trap(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def trap_pdf(trap: Trap, folder: Path) -> Path:
    from tests.corpus.pdfgen import DocSpec, Section, write_pdf

    spec = DocSpec(
        title=trap.title,
        language="zh" if trap.lang == "zh" else "en",
        header=None,
        sections=[Section(str(s["heading"]), 1, list(s["paragraphs"])) for s in trap.sections],  # type: ignore[arg-type]
    )
    return write_pdf(spec, folder / f"{trap.id}.pdf")


class Scripted:
    """A generator that says one text, whatever it is asked."""

    def __init__(self, text: str) -> None:
        self.text = text

    def generate(self, messages: Sequence[dict[str, str]], *, model: str, max_tokens: int, temperature: float) -> Generation:
        return Generation(strip_reasoning(self.text), model, 100, 20, "stop", 0.01)

    def stream(self, messages: Sequence[dict[str, str]], *, model: str, max_tokens: int, temperature: float) -> Iterator[str]:
        yield self.text

    def models(self) -> list[str]:
        return ["base"]

    def healthy(self) -> bool:
        return True

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class TrapResult:
    trap: Trap
    off: Answer  # the gate off
    on: Answer  # the gate on


def run_traps(
    traps: Sequence[Trap],
    folder: Path,
    *,
    embedder: Embedder,
    deidentifier: Deidentifier,
    on_result: Callable[[TrapResult], None] | None = None,
) -> list[TrapResult]:
    """Ingest each trap into its own store and ask its question with the gate off and on."""
    results = []
    for trap in traps:
        settings = Settings(data_dir=folder / trap.id / "data")
        pipeline = Pipeline(settings, embedder=embedder, deidentifier=deidentifier)
        pipeline.warm_up()
        try:
            outcome = pipeline.ingest_file(trap_pdf(trap, folder / trap.id))
            assert outcome.status == "ingested", (trap.id, outcome.error)
            verifier = ClaimVerifier(make_scorer(embedder, None), claim_threshold=settings.claim_threshold)
            answers = []
            for gate in (False, True):
                service = AnswerService(
                    replace(answer_config(settings), constraint_gate=gate),
                    searcher=Searcher(embedder, pipeline.store),
                    generator=Scripted(trap.scripted),
                    verifier=verifier,
                    embedder=embedder,
                    counter=ApproximateTokenCounter(),
                    scrub=lambda t: deidentifier.session().redact(t).text,
                )
                answers.append(service.ask(trap.question))
        finally:
            pipeline.close()
        result = TrapResult(trap, *answers)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


def counts(results: Sequence[TrapResult]) -> dict[str, dict[str, int]]:
    """Grounded traps (grounded-but-wrong: their true answer is absent) and grounded controls,
    gate off and on."""
    traps = [r for r in results if r.trap.kind == "trap"]
    controls = [r for r in results if r.trap.kind == "control"]
    return {
        gate: {
            "traps": len(traps),
            "traps_grounded_but_wrong": sum(getattr(r, gate).grounded for r in traps),
            "controls": len(controls),
            "controls_grounded": sum(getattr(r, gate).grounded for r in controls),
        }
        for gate in ("off", "on")
    }
