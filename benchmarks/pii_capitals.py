"""Names written in capitals: PERSON recall next to Presidio, and the false alarms it costs.

    .venv/bin/python -m benchmarks.pii_capitals [--outside 600] [--seed 11]

A signature block (``/s/ MARGARET ELLISON``), a form (``PATIENT: MARIA GARCIA``) or a letter
head writes a name in capitals, and spaCy's small model (so Presidio's defaults too) finds
none of them. Measured, both systems in one run (``benchmarks.pii_systems``), on the
outside-written PII texts of ``benchmarks.pii_outside`` (Presidio's own templates, filled with
its own identities), *dev* and *held-out*, each once as written and once with every planted
name written in capitals (the text around it as written: the templates are outside-written;
the capitals are ours), next to kb-service with the recognizer of names in capitals
(``CapitalsNameRecognizer``, rule ``capital_names``) switched off. Recall is PERSON recall; "other recall" that of every other type, so
a rule that buys names by losing phones shows. The false alarms the recognizer adds on prose
with few people are ``benchmarks/pii_person_filters.py``'s ``capital_names`` row.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import replace

from benchmarks.pii_corpus import LabelledText
from benchmarks.pii_outside import make_outside_corpus
from benchmarks.pii_presidio_set import find_presidio_data
from benchmarks.pii_scoring import score_findings
from benchmarks.pii_systems import kb_service, make_deidentifier, presidio_defaults
from ingest.pii import person_filters


def in_capitals(item: LabelledText) -> LabelledText:
    """``item`` with each planted PERSON value in capitals (where that keeps its length, so
    the spans stay where they are: "ß" would not)."""
    text = item.text
    for start, end, kind in item.spans:
        value = text[start:end]
        if kind == "PERSON" and len(value.upper()) == len(value):
            text = text[:start] + value.upper() + text[end:]
    return replace(item, text=text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outside", type=int, default=600)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    data = find_presidio_data()
    if data is None:
        raise SystemExit("presidio-evaluator data not found (pip install --no-deps presidio-evaluator==0.3.2)")
    deid = make_deidentifier()
    kb = kb_service(deid)

    def without_capitals(texts: list[str]):  # noqa: ANN202 - a script
        person_filters.DISABLED.add("capital_names")
        try:
            return kb(texts)
        finally:
            person_filters.DISABLED.discard("capital_names")

    systems = {"presidio": presidio_defaults(), "kb-service": kb, "off": without_capitals}
    print("| slice | names | Presidio PERSON recall | kb-service without `capital_names` | kb-service PERSON recall "
          "| Presidio other recall | kb-service other recall | kb-service PERSON precision (without) |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    for part in ("dev", "heldout"):
        items = make_outside_corpus(data, part, args.outside, args.seed)
        for form, slice_items in (("as written", items), ("names in capitals", [in_capitals(i) for i in items])):
            texts = [i.text for i in slice_items]
            reps = {name: score_findings(f"{part}-{form}", slice_items, run(texts)[0]) for name, run in systems.items()}
            p, k, off = reps["presidio"], reps["kb-service"], reps["off"]
            others = [e for e in k.planted if e != "PERSON"]

            def other(rep, others=others):  # noqa: ANN001, ANN202 - a script
                planted = sum(rep.planted[e] for e in others)
                return sum(rep.tp[e] for e in others) / planted if planted else 0.0

            print(f"| outside-{part}, {form} | {k.planted['PERSON']} | {p.recall('PERSON'):.3f} "
                  f"| {off.recall('PERSON'):.3f} | **{k.recall('PERSON'):.3f}** | {other(p):.3f} | {other(k):.3f} "
                  f"| {k.precision('PERSON'):.3f} ({off.precision('PERSON'):.3f}) |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
