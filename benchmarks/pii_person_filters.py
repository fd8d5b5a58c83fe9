"""What each PERSON rule of ``ingest.pii.person_filters`` buys, on text it was not written for.

    .venv/bin/python -m benchmarks.pii_person_filters [--outside 600] [--seed 11]

For every rule, the outside-written *dev* part (``benchmarks.pii_outside``) and the sample
documents run once with that rule switched off; the table gives, against all rules on, the
true names it loses (names found only with the rule off) and the false PERSON findings it
removes. A rule pays when it removes more false alarms than it loses names (issue 13); an
adding rule (``ADDING``) pays when it adds more names than false alarms. The held-out part
is not used here.
"""

from __future__ import annotations

import argparse
import logging

from benchmarks.pii_outside import make_outside_corpus
from benchmarks.pii_presidio_set import find_presidio_data
from benchmarks.pii_sample_docs import make_samples_corpus
from benchmarks.pii_scoring import score_findings
from benchmarks.pii_systems import make_deidentifier
from ingest.pii import person_filters


def _person(deid, items, name):  # noqa: ANN001, ANN202 - a script
    rep = score_findings(name, items, deid.find_many([i.text for i in items]))
    return rep.tp["PERSON"], rep.found["PERSON"] - rep.correct["PERSON"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outside", type=int, default=600)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    data = find_presidio_data()
    if data is None:
        raise SystemExit("presidio-evaluator data not found (pip install --no-deps presidio-evaluator==0.3.2)")
    slices = {
        "outside-dev": make_outside_corpus(data, "dev", args.outside, args.seed),
        "en-samples": make_samples_corpus("samples")["en"],
    }
    deid = make_deidentifier()
    base = {name: _person(deid, items, name) for name, items in slices.items()}

    def off(rule: str) -> tuple[int, int, int, int]:
        """(dev names, dev false alarms, samples names, samples false alarms): all rules on
        minus ``rule`` switched off."""
        person_filters.DISABLED.clear()
        person_filters.DISABLED.add(rule)
        without = {name: _person(deid, items, name) for name, items in slices.items()}
        (tp0, fp0), (tp1, fp1) = base["outside-dev"], without["outside-dev"]
        (stp0, sfp0), (stp1, sfp1) = base["en-samples"], without["en-samples"]
        return tp0 - tp1, fp0 - fp1, stp0 - stp1, sfp0 - sfp1

    print("| rule switched off | dev names lost by the rule | dev false alarms it removes "
          "| samples names lost | samples false alarms it removes | pays on dev |")
    print("|---|--:|--:|--:|--:|---|")
    for rule in person_filters.RULES:
        lost, removed, slost, sremoved = (-d for d in off(rule))
        print(f"| {rule} | {lost} | {removed} | {slost} | {sremoved} | {'yes' if removed > lost else 'no'} |")
    print("\n| adding rule switched off | dev names it adds | dev false alarms it adds "
          "| samples names it adds | samples false alarms it adds | pays on dev |")
    print("|---|--:|--:|--:|--:|---|")
    for rule in person_filters.ADDING:
        added, alarms, sadded, salarms = off(rule)
        print(f"| {rule} | {added} | {alarms} | {sadded} | {salarms} | {'yes' if added > alarms else 'no'} |")
    person_filters.DISABLED.clear()
    print(f"\nall rules on: dev PERSON tp {base['outside-dev'][0]}, fp {base['outside-dev'][1]}; "
          f"samples tp {base['en-samples'][0]}, fp {base['en-samples'][1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
