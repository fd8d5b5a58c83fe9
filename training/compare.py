"""Base model against an adapter, side by side: `kb eval QUESTIONS --compare`.

Each side (a model name the server serves: the base model or an adapter) is measured three ways:

- **service**: the question file through the whole answer service (retrieval, generation,
  verification), scored by `training.evaluation` (correctness, citations, refusal rate, false
  suppression, ROUGE-L, BLEU-4);
- **test split, prompt level**: each example of the dataset's test split is sent to the model
  exactly as training formats it (system prompt, numbered passages, question) and its reply is
  scored against the target: refusal rate on the refusal examples (context without the answer),
  false refusals, token F1 / ROUGE-L / BLEU-4 and whether the oracle passage is cited as [n] on
  the answerable ones. The service cannot measure this: its retriever finds the oracle;
- **perplexity** of the test split's answers (`training.lora.evaluate_loss`, answer tokens only,
  the same number promotion compares).

The model calls are passed in (`ask`, `generate`, `loss`), so this module has no I/O of its own
beyond `write_comparison`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb_service.errors import KBError
from kb_service.prompting import is_refusal
from kb_service.types import Answer
from training.eval_metrics import bleu4, rouge_l, token_f1
from training.eval_report import write_report
from training.evaluation import EvalQuestion, EvalReport, run_evaluation

Message = dict[str, str]
Progress = Callable[[str, int, int], None]  # (what, done, total)
_QUESTION = re.compile(r"(?:^|\n)Question:\s*(?P<q>.+?)\s*\Z", re.DOTALL)
_CITED = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True, slots=True)
class SplitItem:
    """One dataset example as a prompt-level test: the prompt, the target and what to expect."""

    id: str
    prompt: list[Message]
    target: str
    kind: str  # "qa" | "refusal"
    oracle_position: int | None

    @property
    def question(self) -> str:
        match = _QUESTION.search(self.prompt[-1]["content"])
        return match.group("q") if match else self.prompt[-1]["content"]


def load_split_items(dataset_dir: Path, split: str = "test", limit: int | None = None) -> list[SplitItem]:
    """The examples of `split` in file order (the first `limit` of them)."""
    path = Path(dataset_dir) / f"{split}.jsonl"
    if not path.is_file():
        raise KBError(f"no {split} split in {dataset_dir}: {path.name} is missing")
    items: list[SplitItem] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            messages = row["messages"]
            items.append(SplitItem(
                id=f"{split}-{number}",
                prompt=[{"role": m["role"], "content": m["content"]} for m in messages[:-1]],
                target=messages[-1]["content"],
                kind=row["kind"],
                oracle_position=row.get("oracle_position"),
            ))
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise KBError(f"{path}:{number}: not a training example ({exc})") from exc
        if limit is not None and len(items) >= limit:
            break
    return items


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _rate(hits: int, total: int) -> float | None:
    return hits / total if total else None


def score_split(items: Sequence[SplitItem], replies: Sequence[str]) -> dict[str, Any]:
    """Prompt-level metrics of `replies` (one per item, same order)."""
    qa = [(i, r) for i, r in zip(items, replies, strict=True) if i.kind == "qa"]
    refusal = [(i, r) for i, r in zip(items, replies, strict=True) if i.kind == "refusal"]
    answered = [(i, r) for i, r in qa if not is_refusal(r)]
    with_oracle = [(i, r) for i, r in answered if i.oracle_position is not None]
    return {
        "examples": len(items),
        "qa": len(qa),
        "refusal_examples": len(refusal),
        "refusal_rate": _rate(sum(is_refusal(r) for _, r in refusal), len(refusal)),
        "false_refusal_rate": _rate(len(qa) - len(answered), len(qa)),
        "mean_token_f1": _mean([token_f1(r, i.target) for i, r in answered]),
        "mean_rouge_l": _mean([rouge_l(r, i.target) for i, r in answered]),
        "bleu4": bleu4([r for _, r in answered], [i.target for i, _ in answered]),
        "oracle_citation_rate": _rate(
            sum(str(i.oracle_position) in _CITED.findall(r) for i, r in with_oracle), len(with_oracle)
        ),
    }


@dataclass
class SideReport:
    """Everything measured for one model name."""

    model: str
    service: EvalReport | None = None
    split: dict[str, Any] | None = None
    split_replies: list[dict[str, Any]] = field(default_factory=list)
    loss: Mapping[str, Any] | None = None

    def metrics(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.service is not None:
            out.update({f"service.{k}": v for k, v in self.service.summary.items() if not isinstance(v, dict)})
        if self.split is not None:
            out.update({f"split.{k}": v for k, v in self.split.items()})
        if self.loss is not None:
            out.update({"split.answer_loss": self.loss.get("loss"), "split.perplexity": self.loss.get("perplexity")})
        return out


@dataclass
class Comparison:
    baseline: SideReport
    candidate: SideReport
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "metadata": self.metadata,
            "baseline": {"model": self.baseline.model, "metrics": self.baseline.metrics()},
            "candidate": {"model": self.candidate.model, "metrics": self.candidate.metrics()},
            "rows": [row.to_dict() for row in comparison_rows(self)],
        }


def measure_side(
    model: str,
    *,
    questions: Sequence[EvalQuestion],
    ask: Callable[[str, str], Answer] | None,
    items: Sequence[SplitItem],
    generate: Callable[[list[Message], str], str] | None,
    loss: Callable[[str], Mapping[str, Any]] | None,
    on_progress: Progress | None = None,
) -> SideReport:
    """Measure one model: `ask(question, model)`, `generate(prompt, model)`, `loss(model)`;
    a part whose callable is None (or whose inputs are empty) is left out."""
    side = SideReport(model=model)
    if ask is not None and questions:
        side.service = run_evaluation(
            questions,
            lambda q: ask(q, model),
            on_progress=(lambda d, t: on_progress(f"{model}: questions", d, t)) if on_progress else None,
            metadata={"compared_as": model},
        )
    if generate is not None and items:
        replies: list[str] = []
        for done, item in enumerate(items, start=1):
            replies.append(generate(item.prompt, model))
            if on_progress is not None:
                on_progress(f"{model}: test split", done, len(items))
        side.split = score_split(items, replies)
        side.split_replies = [
            {"id": i.id, "kind": i.kind, "question": i.question, "target": i.target, "reply": r}
            for i, r in zip(items, replies, strict=True)
        ]
    if loss is not None:
        side.loss = dict(loss(model))
    return side


# --- the side-by-side table -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    label: str
    higher_is_better: bool
    baseline: float | None
    candidate: float | None

    @property
    def verdict(self) -> str:
        if self.baseline is None or self.candidate is None:
            return "–"
        if abs(self.candidate - self.baseline) < 1e-9:
            return "same"
        better = (self.candidate > self.baseline) == self.higher_is_better
        return "better" if better else "worse"

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "higher_is_better": self.higher_is_better,
                "baseline": self.baseline, "candidate": self.candidate, "verdict": self.verdict}


ROWS: tuple[tuple[str, str, bool], ...] = (
    ("service.accuracy", "Sample set: accuracy (correct / answerable)", True),
    ("service.citation_doc_accuracy", "Sample set: citation accuracy (document)", True),
    ("service.citation_page_accuracy", "Sample set: citation accuracy (page)", True),
    ("service.refusal_rate", "Sample set: refusal rate on unanswerable", True),
    ("service.false_suppression_rate", "Sample set: false suppression on answerable", False),
    ("service.mean_rouge_l", "Sample set: ROUGE-L (answered)", True),
    ("service.bleu4", "Sample set: BLEU-4 (answered)", True),
    ("service.latency_p50_s", "Sample set: latency p50 (s)", False),
    ("split.refusal_rate", "Test split: refusal rate (context lacks the answer)", True),
    ("split.false_refusal_rate", "Test split: false refusals (context has the answer)", False),
    ("split.oracle_citation_rate", "Test split: cites the oracle passage [n]", True),
    ("split.mean_token_f1", "Test split: token F1 (answered)", True),
    ("split.mean_rouge_l", "Test split: ROUGE-L (answered)", True),
    ("split.bleu4", "Test split: BLEU-4 (answered)", True),
    ("split.perplexity", "Test split: perplexity of the answers", False),
)


def comparison_rows(comparison: Comparison) -> list[Row]:
    base, cand = comparison.baseline.metrics(), comparison.candidate.metrics()
    return [
        Row(key, label, higher, base.get(key), cand.get(key))
        for key, label, higher in ROWS
        if key in base or key in cand
    ]


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def render_comparison(comparison: Comparison) -> str:
    base, cand = comparison.baseline.model, comparison.candidate.model
    lines = [f"# {cand} against {base}", ""]
    lines += [f"- **{k}**: {v}" for k, v in comparison.metadata.items()]
    lines += ["", f"| metric | {base} | {cand} | {cand} is |", "|---|---|---|---|"]
    for row in comparison_rows(comparison):
        lines.append(f"| {row.label} | {_fmt(row.baseline)} | {_fmt(row.candidate)} | {row.verdict} |")
    lines += [
        "",
        "Sample set: the question file through the whole answer service (retrieval, generation, "
        "claim verification). Test split: the dataset's held-out documents, prompted exactly as in "
        "training; perplexity over the answer tokens only. Per-side reports are in the folders "
        "next to this file.",
    ]
    return "\n".join(lines) + "\n"


def write_comparison(comparison: Comparison, out_dir: Path) -> dict[str, Path]:
    """comparison.md, comparison.json, and per side: its service report and its split replies."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"markdown": out_dir / "comparison.md", "json": out_dir / "comparison.json"}
    paths["markdown"].write_text(render_comparison(comparison), encoding="utf-8")
    paths["json"].write_text(json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    for role, side in (("baseline", comparison.baseline), ("candidate", comparison.candidate)):
        folder = out_dir / role
        if side.service is not None:
            write_report(side.service, folder)
        if side.split_replies:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "split_replies.jsonl").write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in side.split_replies), encoding="utf-8"
            )
    return paths

