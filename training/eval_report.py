"""Write an evaluation run as Markdown (for people), JSON (for tools) and a PNG chart."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from training.eval_metrics import CORRECTNESS_RULE


class EvalReport(Protocol):
    """What the writers read of `training.evaluation.EvalReport` (declared here, so the two
    modules do not import each other)."""

    results: Sequence[Any]  # training.evaluation.QuestionResult
    summary: dict[str, Any]
    metadata: dict[str, Any]

    def to_dict(self) -> dict[str, Any]: ...


REPORT_STEM = "eval-report"
_QUESTION_WIDTH = 60


def write_report(report: EvalReport, out_dir: Path) -> dict[str, Path]:
    """Write eval-report.{md,json,png} into `out_dir` (created if missing); return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "markdown": out_dir / f"{REPORT_STEM}.md",
        "json": out_dir / f"{REPORT_STEM}.json",
        "chart": out_dir / f"{REPORT_STEM}.png",
    }
    paths["json"].write_text(
        json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    write_chart(report, paths["chart"])
    markdown = render_markdown(report, chart=paths["chart"].name)
    paths["markdown"].write_text(markdown, encoding="utf-8")
    return paths


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _mark(value: bool | None) -> str:
    return "–" if value is None else ("✓" if value else "✗")


def _cell(text: str, width: int | None = None) -> str:
    text = " ".join(text.split())
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    return text.replace("|", "\\|")


def _ratio(s: dict[str, Any], rate: str, hits: str, total: str) -> str:
    return f"{_pct(s[rate])} ({s[hits]}/{s[total]})" if s[total] else "–"


def _summary_rows(s: dict[str, Any]) -> list[tuple[str, str]]:
    latency = " / ".join(_num(s[f"latency_{k}_s"]) for k in ("p50", "p95", "mean"))
    return [
        ("Questions (answerable / unanswerable)",
         f"{s['total']} ({s['answerable']} / {s['unanswerable']})"),
        ("Answered / suppressed / errors", f"{s['answered']} / {s['suppressed']} / {s['errors']}"),
        ("Accuracy (correct / answerable)", _ratio(s, "accuracy", "correct", "answerable")),
        ("Mean token F1 (answered answerable)", _num(s["mean_token_f1"], 3)),
        ("Mean ROUGE-L (answered answerable)", _num(s["mean_rouge_l"], 3)),
        ("Corpus BLEU-4 (answered answerable)", _num(s.get("bleu4"), 3)),
        ("Number match rate",
         _ratio(s, "number_match_rate", "numbers_matched", "numbers_checked")),
        ("Citation accuracy: document",
         _ratio(s, "citation_doc_accuracy", "citation_doc_matched", "citation_doc_checked")),
        ("Citation accuracy: page",
         _ratio(s, "citation_page_accuracy", "citation_page_matched", "citation_page_checked")),
        ("Refusal rate on unanswerable (higher is better)",
         _ratio(s, "refusal_rate", "refused", "unanswerable")),
        ("False-suppression rate on answerable (lower is better)",
         _ratio(s, "false_suppression_rate", "false_suppressed", "answerable")),
        ("Answered unanswerable questions", str(s["answered_unanswerable"])),
        ("Latency p50 / p95 / mean (s)", latency),
    ]


def render_markdown(report: EvalReport, chart: str | None = None) -> str:
    """The report as Markdown: settings, summary table, correctness rule, per-question table."""
    meta, s = report.metadata, report.summary
    lines = ["# Evaluation report", ""]
    keys = ["model", "adapter", "threshold", "started_at", "duration_s"]
    keys += [k for k in meta if k not in keys]
    lines += [f"- **{k}**: {'–' if meta.get(k) is None else meta[k]}" for k in keys]
    lines += ["", "## Summary", "", "| metric | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in _summary_rows(s)]
    lines += [
        "",
        "Answer metrics and citation accuracy are computed over answered answerable questions; a "
        "citation matches when any citation names the reference document (and, for the page "
        "metric, its page).",
        "",
        "## Correctness rule",
        "",
        CORRECTNESS_RULE,
        "",
        "## Confidence",
        "",
        "| bin | correct | incorrect | suppressed |",
        "|---|---|---|---|",
    ]
    hist = s["confidence_histogram"]
    edges = hist["edges"]
    for i in range(len(edges) - 1):
        lines.append(
            f"| {edges[i]:.1f}–{edges[i + 1]:.1f} | {hist['correct'][i]} | "
            f"{hist['incorrect'][i]} | {hist['suppressed'][i]} |"
        )
    lines.append("")
    lines.append(
        "Incorrect counts answered answerable questions that fail the rule and answered "
        "unanswerable ones."
    )
    if chart:
        lines += ["", f"![confidence and rates]({chart})"]
    lines += [
        "",
        "## Questions",
        "",
        "| id | answerable | outcome | confidence | F1 | ROUGE-L | doc ok | page ok | latency (s) "
        "| question |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report.results:
        lines.append(
            f"| {_cell(r.question.id)} | {'yes' if r.question.answerable else 'no'} | "
            f"{r.outcome} | "
            f"{_num(r.confidence)} | {_num(r.token_f1)} | {_num(r.rouge_l)} | "
            f"{_mark(r.citation_doc_ok)} | {_mark(r.citation_page_ok)} | {r.latency_s:.2f} | "
            f"{_cell(r.question.question, _QUESTION_WIDTH)} |"
        )
    errors = [r for r in report.results if r.error]
    if errors:
        lines += ["", "## Errors", ""]
        lines += [f"- `{_cell(r.question.id)}`: {_cell(r.error or '', 300)}" for r in errors]
    return "\n".join(lines) + "\n"


def write_chart(report: EvalReport, path: Path) -> Path:
    """One PNG: confidence histograms (correct vs incorrect, threshold line) and the key rates."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    s = report.summary
    hist = s["confidence_histogram"]
    edges = hist["edges"]
    width = edges[1] - edges[0]
    centers = [e + width / 2 for e in edges[:-1]]

    fig = Figure(figsize=(12, 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax_hist, ax_bars = fig.subplots(1, 2, width_ratios=[3, 2])
    ax_hist.bar([c - width / 4 for c in centers], hist["correct"], width=width / 2,
                color="#2a9d8f", label="correct")
    ax_hist.bar([c + width / 4 for c in centers], hist["incorrect"], width=width / 2,
                color="#e76f51", label="incorrect")
    if any(hist["suppressed"]):
        ax_hist.stairs(hist["suppressed"], edges, color="#6c757d", linestyle="--",
                       label="suppressed")
    threshold = report.metadata.get("threshold")
    if isinstance(threshold, int | float):
        ax_hist.axvline(float(threshold), color="black", linestyle=":",
                        label=f"threshold {threshold:g}")
    ax_hist.set_xlim(0, 1)
    ax_hist.set_xticks(edges)
    ax_hist.set_xlabel("confidence")
    ax_hist.set_ylabel("answers")
    ax_hist.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax_hist.set_title("Confidence: correct vs incorrect answers (suppressed dashed)")
    ax_hist.legend(loc="upper left")

    names = ["accuracy", "refusal rate", "false suppression", "citation doc"]
    keys = ["accuracy", "refusal_rate", "false_suppression_rate", "citation_doc_accuracy"]
    values = [s[k] for k in keys]
    bars = ax_bars.bar(names, [v or 0.0 for v in values],
                       color=["#2a9d8f", "#264653", "#e76f51", "#e9c46a"])
    for bar, value in zip(bars, values, strict=True):
        ax_bars.annotate(_pct(value) if value is not None else "n/a",
                         (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                         ha="center", va="bottom", fontsize=9)
    ax_bars.set_ylim(0, 1.1)
    ax_bars.set_title("Rates")
    ax_bars.tick_params(axis="x", labelsize=9)
    fig.savefig(path, format="png", dpi=100)
    return path
