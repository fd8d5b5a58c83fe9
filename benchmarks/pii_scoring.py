"""Span scoring of PII findings: recall and precision per entity type, read from real output.

Scoring, per slice (language / data set) and entity type:

* characters are letters and digits (separators and spaces do not count);
* **tp** = planted values of which at least half the characters lie inside findings of the
  same or a compatible type (PHONE_NUMBER ~ CN_MOBILE, CREDIT_CARD ~ CN_BANK_CARD);
  **fn** = the rest; **recall (any type)** accepts findings of any type (what matters for
  leakage); a name found as two findings ("Smith" and "Jane" of "Smith, Jane") counts once;
* **leak-free**: every character of the planted value lies inside some finding;
* a finding is *correct* when at least half its characters lie inside planted values of a
  compatible type; **fp** (in the row of the *predicted* type) = the other findings, except
  those that only touch a neutral region (a city, a bare postcode), which are left out;
  **precision** = correct findings / findings; **F1** from recall and precision; the
  "all types" row is type-agnostic (any finding on any planted value);
* hard negatives: how many planted non-personal values (amounts, sections, products,
  Chinese words that begin with a surname character ...) any finding touched.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from benchmarks.pii_corpus import LabelledText

Finding = tuple[int, int, str]

_COMPATIBLE = {
    "PHONE_NUMBER": {"PHONE_NUMBER", "CN_MOBILE"},
    "CN_MOBILE": {"PHONE_NUMBER", "CN_MOBILE"},
    "CREDIT_CARD": {"CREDIT_CARD", "CN_BANK_CARD"},
    "CN_BANK_CARD": {"CREDIT_CARD", "CN_BANK_CARD"},
}
STRUCTURED = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CN_MOBILE",
    "US_SSN",
    "CN_RESIDENT_ID",
    "PASSPORT",
    "CREDIT_CARD",
    "CN_BANK_CARD",
    "IBAN_CODE",
)
GOALS = {"structured": 0.95, "PERSON": 0.85}
_PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]*?)_\d+>")
_ALNUM = re.compile(r"[^\W_]")


def compatible(gold: str, predicted: str) -> bool:
    return predicted in _COMPATIBLE.get(gold, {gold})


# --------------------------------------------------------------------------- findings


def findings_from_redaction(original: str, redacted: str) -> list[tuple[int, int, str]]:
    """(start, end, type) of every placeholder in ``redacted``, as spans of ``original``.

    The literal text between placeholders is unchanged, so the original must read
    ``lit0 X1 lit1 X2 ... litN`` with each Xi non-empty; a backtracking match finds the Xi.
    """
    parts = _PLACEHOLDER.split(redacted)
    literals, types = parts[0::2], parts[1::2]
    if not types:
        if redacted != original:
            raise ValueError("redacted text differs from the original but has no placeholder")
        return []
    pattern = re.escape(literals[0]) + "".join(f"(.+?){re.escape(lit)}" for lit in literals[1:])
    m = re.fullmatch(pattern, original, re.DOTALL)
    if m is None:
        raise ValueError("cannot align the redacted text with the original")
    return [(m.start(i + 1), m.end(i + 1), t) for i, t in enumerate(types)]



# --------------------------------------------------------------------------- scoring


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _alnum_in(mask: bytes, start: int, end: int) -> int:
    return sum(mask[start:end]) if end > start else 0


@dataclass
class Example:
    slice: str
    kind: str  # "miss" (not found as its type), "partial" (found, not all covered), "fp"
    entity: str
    fmt: str
    value: str
    context: str
    note: str = ""


@dataclass
class SliceReport:
    name: str
    docs: int = 0
    chars: int = 0
    seconds: float = 0.0
    planted: Counter = field(default_factory=Counter)
    tp: Counter = field(default_factory=Counter)
    matched_any: Counter = field(default_factory=Counter)
    leak_free: Counter = field(default_factory=Counter)
    found: Counter = field(
        default_factory=Counter
    )  # findings per predicted type (neutral ones excluded)
    correct: Counter = field(
        default_factory=Counter
    )  # ... matching a planted value of a compatible type
    on_pii: Counter = field(default_factory=Counter)  # ... matching a planted value of any type
    neutral: int = 0
    by_format: dict = field(default_factory=lambda: defaultdict(Counter))  # (type, fmt) -> counts
    negatives: dict = field(default_factory=lambda: defaultdict(Counter))  # kind -> planted / hit
    examples: list = field(default_factory=list)

    def recall(self, entity: str) -> float:
        return self.tp[entity] / self.planted[entity] if self.planted[entity] else float("nan")

    def precision(self, entity: str) -> float:
        return self.correct[entity] / self.found[entity] if self.found[entity] else float("nan")

    def row(self, entity: str) -> dict:
        n, found = self.planted[entity], self.found[entity]
        r, p = self.recall(entity), self.precision(entity)
        f1 = 2 * p * r / (p + r) if n and found and p + r else float("nan")
        return {
            "planted": n,
            "tp": self.tp[entity],
            "fn": n - self.tp[entity],
            "findings": found,
            "fp": found - self.correct[entity],
            "recall": r,
            "recall_any_type": self.matched_any[entity] / n if n else float("nan"),
            "leak_free": self.leak_free[entity] / n if n else float("nan"),
            "precision": p,
            "f1": f1,
        }

    def overall(self) -> dict:
        n, found = sum(self.planted.values()), sum(self.found.values())
        r = sum(self.matched_any.values()) / n if n else float("nan")
        p = sum(self.on_pii.values()) / found if found else float("nan")
        return {
            "planted": n,
            "tp": sum(self.matched_any.values()),
            "fn": n - sum(self.matched_any.values()),
            "findings": found,
            "fp": found - sum(self.on_pii.values()),
            "recall": r,
            "recall_any_type": r,
            "leak_free": sum(self.leak_free.values()) / n if n else float("nan"),
            "precision": p,
            "f1": 2 * p * r / (p + r) if n and found and p + r else float("nan"),
        }

    def to_json(self) -> dict:
        types = sorted(set(self.planted) | set(self.found))
        return {
            "docs": self.docs,
            "chars": self.chars,
            "seconds": round(self.seconds, 3),
            "chars_per_s": round(self.chars / self.seconds) if self.seconds else None,
            "types": {t: _rounded(self.row(t)) for t in types},
            "all_types": _rounded(self.overall()),
            "neutral_findings": self.neutral,
            "by_format": {f"{t}/{f}": dict(c) for (t, f), c in sorted(self.by_format.items())},
            "hard_negatives": {k: dict(c) for k, c in sorted(self.negatives.items())},
        }


def _rounded(row: dict) -> dict:
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}


def _context(text: str, start: int, end: int, width: int = 40) -> str:
    left = text[max(0, start - width) : start]
    right = text[end : end + width]
    return (left + "[[" + text[start:end] + "]]" + right).replace("\n", "⏎")


def score(
    name: str, items: list[LabelledText], redacted: list[str], seconds: float = 0.0
) -> SliceReport:
    """Score one slice: ``redacted[i]`` is the de-identifier's output for ``items[i].text``."""
    found = [findings_from_redaction(i.text, out) for i, out in zip(items, redacted, strict=True)]
    return score_findings(name, items, found, seconds)


def score_findings(
    name: str, items: list[LabelledText], found: list[list[Finding]], seconds: float = 0.0
) -> SliceReport:
    """Score one slice from (start, end, type) findings per text."""
    rep = SliceReport(name, docs=len(items), chars=sum(len(i.text) for i in items), seconds=seconds)
    for item, findings in zip(items, found, strict=True):
        text = item.text
        mask = bytes(1 if ch.isalnum() else 0 for ch in text)
        for (start, end, entity), fmt in zip(item.spans, item.formats or [""] * len(item.spans)):
            rep.planted[entity] += 1
            size = _alnum_in(mask, start, end) or 1
            inside = [(f, _alnum_in(mask, max(start, f[0]), min(end, f[1]))) for f in findings]
            any_cov = sum(n for _, n in inside)
            typed = 2 * sum(n for f, n in inside if compatible(entity, f[2])) >= size
            safe = any_cov >= size
            rep.tp[entity] += typed
            rep.matched_any[entity] += 2 * any_cov >= size
            rep.leak_free[entity] += safe
            counts = rep.by_format[(entity, fmt)]
            counts["planted"] += 1
            counts["tp"] += typed
            counts["leak_free"] += safe
            if not typed or not safe:
                other = sorted({f[2] for f, n in inside if n and not compatible(entity, f[2])})
                note = (
                    "found as " + "/".join(other)
                    if other
                    else ("partly covered" if any_cov else "")
                )
                rep.examples.append(
                    Example(
                        name,
                        "miss" if not typed else "partial",
                        entity,
                        fmt,
                        text[start:end],
                        _context(text, start, end),
                        note,
                    )
                )
        for start, end, predicted in findings:
            size = _alnum_in(mask, start, end) or 1
            gold = [(g, _alnum_in(mask, max(start, g[0]), min(end, g[1]))) for g in item.spans]
            on_pii = 2 * sum(n for _, n in gold) >= size
            if not on_pii and any(_overlap((start, end), n[:2]) for n in item.neutral):
                rep.neutral += 1
                continue
            rep.found[predicted] += 1
            rep.on_pii[predicted] += on_pii
            correct = 2 * sum(n for g, n in gold if compatible(g[2], predicted)) >= size
            rep.correct[predicted] += correct
            if not correct:
                hit = [
                    k
                    for s, k in zip(item.sentinels, item.sentinel_kinds)
                    if _overlap((start, end), s)
                ]
                note = f"on hard negative {hit[0]}" if hit else ("mistyped" if on_pii else "")
                rep.examples.append(
                    Example(
                        name, "fp", predicted, "", text[start:end], _context(text, start, end), note
                    )
                )
        for (start, end), kind in zip(
            item.sentinels, item.sentinel_kinds or ["SENTINEL"] * len(item.sentinels)
        ):
            rep.negatives[kind]["planted"] += 1
            rep.negatives[kind]["hit"] += any(_overlap((start, end), f[:2]) for f in findings)
    return rep


# --------------------------------------------------------------------------- report


def _fmt(v: float) -> str:
    return "–" if math.isnan(v) else f"{v:.3f}"


def markdown(reports: list[SliceReport]) -> str:
    lines = [
        "| slice | type | planted | tp | fn | fp | recall | recall (any type) | leak-free | precision | F1 |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for rep in reports:
        types = sorted(
            {t for t in set(rep.planted) | set(rep.found) if rep.planted[t] or rep.found[t]},
            key=lambda t: (t not in STRUCTURED, t),
        )
        for t in [*types, "all types"]:
            r = rep.overall() if t == "all types" else rep.row(t)
            name = f"**{t}**" if t == "all types" else t
            lines.append(
                f"| {rep.name} | {name} | {r['planted']} | {r['tp']} | {r['fn']} | {r['fp']} | "
                f"{_fmt(r['recall'])} | {_fmt(r['recall_any_type'])} | {_fmt(r['leak_free'])} | "
                f"{_fmt(r['precision'])} | {_fmt(r['f1'])} |"
            )
    lines += [
        "",
        "| slice | docs | characters | seconds | chars/s | hard negatives touched |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for rep in reports:
        planted = sum(c["planted"] for c in rep.negatives.values())
        hit = sum(c["hit"] for c in rep.negatives.values())
        cps = f"{rep.chars / rep.seconds:,.0f}" if rep.seconds else "–"
        lines.append(
            f"| {rep.name} | {rep.docs} | {rep.chars:,} | {rep.seconds:.1f} | {cps} | {hit}/{planted} |"
        )
    return "\n".join(lines)


def goal_check(
    reports: list[SliceReport], configured: Iterable[str] = (), min_planted: int = 10
) -> list[str]:
    """Failures against GOALS (typed recall), for types with at least ``min_planted`` values;
    a type missing from ``configured`` (when given) is marked so."""
    configured = set(configured)
    failures = []
    for rep in reports:
        for entity in sorted(rep.planted):
            goal = GOALS["structured"] if entity in STRUCTURED else GOALS.get(entity)
            if goal is None or rep.planted[entity] < min_planted:
                continue
            if rep.recall(entity) < goal:
                note = " (type not configured)" if configured and entity not in configured else ""
                failures.append(
                    f"{rep.name} {entity}: recall {rep.recall(entity):.3f} < {goal}{note}"
                )
    return failures


