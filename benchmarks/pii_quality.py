"""PII redaction quality: Presidio's defaults and kb-service side by side, in one run.

    .venv/bin/python -m benchmarks.pii_quality [--docs 400] [--seed 11] [--outside 600]
        [--presidio-evaluator WHEEL_OR_DIR] [--extra-entities PASSPORT] [--show-misses 5]
        [--by-format] [--out PATH]

Slices, each run through both systems (``benchmarks.pii_systems``) in the same process:

* ``en`` / ``zh``: the project's own corpus (``benchmarks.pii_corpus.make_span_corpus``),
  written alongside the recognizers: it says whether a rule works, not how well;
* ``outside-dev`` / ``outside-heldout``: Presidio's templates and identities
  (``presidio-evaluator``, installed or ``--presidio-evaluator`` pointing at its wheel), split
  once by template and identity (``benchmarks.pii_outside``), filled by three generators.
  The held-out part is never looked at while tuning; ``--show-misses`` prints dev examples
  only. Held-out is the figure that counts;
* ``en-samples`` / ``zh-samples``: the blocks of the demo documents in ``samples/``
  (``benchmarks.pii_sample_docs``): few planted values, a precision check on real prose.

The de-identifier runs with the entity types of ``Settings()`` (``KB_PII_ENTITIES``) plus
``--extra-entities``. Scoring: ``benchmarks.pii_scoring`` (a planted value is caught when
findings of a compatible type cover at least half of its letters and digits).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import math
import os
import platform
import random
from collections import defaultdict
from pathlib import Path

from benchmarks.pii_corpus import LabelledText, make_span_corpus, span_corpus_self_check
from benchmarks.pii_scoring import (
    GOALS,
    STRUCTURED,
    Example,
    SliceReport,
    compatible,
    findings_from_redaction,
    goal_check,
    markdown,
    score,
    score_findings,
)
from benchmarks.pii_systems import kb_service, make_deidentifier, presidio_defaults, run_deidentifier

__all__ = [
    "GOALS",
    "STRUCTURED",
    "SliceReport",
    "compatible",
    "findings_from_redaction",
    "goal_check",
    "make_deidentifier",
    "markdown",
    "run_deidentifier",
    "score",
]
SYSTEMS = ("presidio", "kb-service")
# Targets on the held-out part (issue 13): recall per type, and precision over all types.
TARGETS = {
    "PERSON": 0.92,
    "PHONE_NUMBER": 0.95,
    "CREDIT_CARD": 0.97,
    "STREET_ADDRESS": 0.70,
    "EMAIL_ADDRESS": 1.0,
    "IBAN_CODE": 1.0,
    "IP_ADDRESS": 1.0,
    "US_SSN": 1.0,
}
PRECISION_TARGET = 0.90

def _print_examples(reports: list[SliceReport], n: int) -> None:
    by_key: dict[tuple[str, str, str], list[Example]] = defaultdict(list)
    for rep in reports:
        for ex in rep.examples:
            by_key[(ex.slice, ex.kind, ex.entity)].append(ex)
    rng = random.Random(0)
    for (slice_, kind, entity), examples in sorted(by_key.items()):
        print(f"\n## {slice_}: {kind} {entity} ({len(examples)})")
        for ex in rng.sample(examples, min(n, len(examples))):
            extra = ", ".join(x for x in (ex.fmt, ex.note) if x)
            print(f"  - {ex.context}" + (f"   ({extra})" if extra else ""))


def _print_formats(reports: list[SliceReport]) -> None:
    print("\n| slice | type / format | planted | recall | leak-free |\n|---|---|--:|--:|--:|")
    for rep in reports:
        for (entity, fmt), c in sorted(rep.by_format.items()):
            print(
                f"| {rep.name} | {entity} / {fmt} | {c['planted']} | {c['tp'] / c['planted']:.3f} | "
                f"{c['leak_free'] / c['planted']:.3f} |"
            )
    print("\n| slice | hard negative | planted | touched |\n|---|---|--:|--:|")
    for rep in reports:
        for kind, c in sorted(rep.negatives.items()):
            print(f"| {rep.name} | {kind} | {c['planted']} | {c['hit']} |")


def build_slices(
    docs: int,
    seed: int,
    outside: int,
    presidio_location: str | None,
    samples: str | None = "samples",
) -> tuple[dict[str, list[LabelledText]], str]:
    corpus = make_span_corpus(docs, seed)
    slices = {
        "en": [i for i in corpus if i.language == "en"],
        "zh": [i for i in corpus if i.language == "zh"],
    }
    note = "presidio-evaluator data: not found (pip install --no-deps presidio-evaluator==0.3.2)"
    if outside:
        from benchmarks.pii_outside import make_outside_corpus
        from benchmarks.pii_presidio_set import find_presidio_data

        data = find_presidio_data(presidio_location)
        if data is not None:
            for part in ("dev", "heldout"):
                slices[f"outside-{part}"] = make_outside_corpus(data, part, outside, seed)
            note = f"presidio-evaluator data: {data.origin} ({len(data.templates)} templates)"
    if samples:
        from benchmarks.pii_sample_docs import make_samples_corpus

        try:
            for language, items in make_samples_corpus(samples).items():
                slices[f"{language}-samples"] = items
        except Exception as exc:  # noqa: BLE001 - the parsers are someone else's work in progress
            note += f"; samples/ slice skipped: {exc!r}"
    for items in slices.values():
        span_corpus_self_check(items)
    return slices, note


def _f(v: float) -> str:
    return "–" if math.isnan(v) else f"{v:.2f}"


def side_by_side(reports: dict[str, dict[str, SliceReport]]) -> str:
    """One row per slice and type: planted, recall and precision of both systems."""
    lines = [
        "| slice | type | planted | recall Presidio | recall kb-service | "
        "precision Presidio | precision kb-service |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    for name, by_system in reports.items():
        p, k = by_system["presidio"], by_system["kb-service"]
        types = sorted(
            {t for t in set(k.planted) | set(p.planted) if k.planted[t] or p.planted[t]},
            key=lambda t: (t not in STRUCTURED, t),
        )
        for t in types:
            lines.append(
                f"| {name} | {t} | {k.planted[t]} | {_f(p.recall(t))} | {_f(k.recall(t))} | "
                f"{_f(p.precision(t))} | {_f(k.precision(t))} |"
            )
        po, ko = p.overall(), k.overall()
        lines.append(
            f"| {name} | **all types** | {ko['planted']} | {_f(po['recall'])} | "
            f"{_f(ko['recall'])} | {_f(po['precision'])} ({po['fp']} fp) | "
            f"{_f(ko['precision'])} ({ko['fp']} fp) |"
        )
    return "\n".join(lines)


def target_check(reports: dict[str, dict[str, SliceReport]], slice_name: str) -> list[str]:
    """On ``slice_name``: each type at or above its target and above Presidio's defaults,
    precision over all types at or above PRECISION_TARGET."""
    if slice_name not in reports:
        return [f"{slice_name}: not measured"]
    p, k = reports[slice_name]["presidio"], reports[slice_name]["kb-service"]
    problems = []
    for t in sorted(k.planted):
        if k.planted[t] < 5:
            continue
        goal = TARGETS.get(t, 0.0)
        if k.recall(t) < goal or k.recall(t) < p.recall(t):
            problems.append(
                f"{slice_name} {t}: recall {k.recall(t):.3f} (target {goal}, Presidio {p.recall(t):.3f})"
            )
    if k.overall()["precision"] < PRECISION_TARGET:
        problems.append(f"{slice_name}: precision {k.overall()['precision']:.3f} < {PRECISION_TARGET}")
    return problems


def by_generator_table(reports_by_gen: dict[str, dict[str, SliceReport]]) -> str:
    lines = ["| slice / generator | type | planted | recall Presidio | recall kb-service |", "|---|---|--:|--:|--:|"]
    for name, by_system in reports_by_gen.items():
        p, k = by_system["presidio"], by_system["kb-service"]
        for t in sorted(t for t in k.planted if k.planted[t]):
            lines.append(f"| {name} | {t} | {k.planted[t]} | {_f(p.recall(t))} | {_f(k.recall(t))} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=400, help="paragraphs of the span corpus")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--outside", type=int, default=600, help="texts per outside part; 0: skip")
    parser.add_argument("--presidio-evaluator", default=None, help="its wheel or unpacked folder")
    parser.add_argument("--samples", default="samples", help="the demo documents' folder; '' to skip")
    parser.add_argument("--extra-entities", default="", help="comma-separated extra types")
    parser.add_argument("--show-misses", type=int, default=0, metavar="N", help="N dev examples per kind")
    parser.add_argument("--by-format", action="store_true", help="kb-service recall per value format")
    parser.add_argument("--only", default="", help="comma-separated slice names to run")
    parser.add_argument("--out", default="benchmarks/results/pii_quality.json")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    slices, note = build_slices(
        args.docs, args.seed, args.outside, args.presidio_evaluator, args.samples or None
    )
    if args.only:
        keep = {s.strip() for s in args.only.split(",")}
        slices = {k: v for k, v in slices.items() if k in keep}
    deid = make_deidentifier([e.strip() for e in args.extra_entities.split(",") if e.strip()])
    systems = {"presidio": presidio_defaults(), "kb-service": kb_service(deid)}
    reports: dict[str, dict[str, SliceReport]] = {}
    by_gen: dict[str, dict[str, SliceReport]] = {}
    for name, items in slices.items():
        reports[name] = {}
        for system, run in systems.items():
            found, seconds = run([i.text for i in items])
            reports[name][system] = score_findings(name, items, found, seconds)
            if name.startswith("outside"):
                for gen in ("fng", "faker", "corpus"):
                    pick = [j for j, i in enumerate(items) if i.source.endswith("/" + gen)]
                    key = f"{name} / {gen}"
                    by_gen.setdefault(key, {})[system] = score_findings(
                        key, [items[j] for j in pick], [found[j] for j in pick]
                    )

    when = dt.datetime.now().isoformat(timespec="minutes")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    print(f"# PII redaction quality ({when}; {machine}; seed {args.seed})\n{note}")
    print(f"kb-service entity types: {', '.join(deid.config.entities)}\n")
    print(side_by_side(reports))
    if by_gen:
        print("\n" + by_generator_table(by_gen))
    print("\n## kb-service, all columns\n")
    print(markdown([r["kb-service"] for r in reports.values()]))
    failures = target_check(reports, "outside-heldout")
    print("\ntargets on outside-heldout:", "met" if not failures else "MISSED")
    for f in failures:
        print("  -", f)
    if args.by_format:
        _print_formats([r["kb-service"] for r in reports.values()])
    if args.show_misses:  # never the held-out part
        _print_examples(
            [r["kb-service"] for n, r in reports.items() if n != "outside-heldout"],
            args.show_misses,
        )

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "when": when,
        "machine": machine,
        "seed": args.seed,
        "entities": list(deid.config.entities),
        "data": note,
        "targets": TARGETS,
        "target_failures": failures,
        "slices": {n: {s: r.to_json() for s, r in by.items()} for n, by in reports.items()},
        "by_generator": {n: {s: r.to_json() for s, r in by.items()} for n, by in by_gen.items()},
    }
    out.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
