"""What each PERSON rule of ``ingest.pii.person_filters`` buys, on text it was not written for.

    .venv/bin/python -m benchmarks.pii_person_filters [--outside 600] [--seed 11]

For every rule, the outside-written *dev* part (``benchmarks.pii_outside``), the sample
documents, the dev part of the outside-written package prose (``benchmarks.prose_corpus``,
people labelled in ``benchmarks/labels/prose_people.txt``) and that of the manual pages
(``benchmarks.man_corpus``, ``benchmarks/labels/man_people.txt``) run once with that rule switched
off; the table gives, against all rules on, the true names it loses (names found only with
the rule off) and the false PERSON findings it removes. A rule pays when it removes more
false alarms than it loses names (issue 13); an adding rule (``ADDING``) pays when it adds
more names than false alarms, all slices together.
No held-out part is used here. ``second_opinion`` is asked in text written as markup by
default (``KB_PII_SECOND_OPINION=markup``); ``everywhere`` in the environment measures it on
every text, ``off`` makes it remove nothing.
"""

from __future__ import annotations

import argparse
import logging

from benchmarks.pii_outside import make_outside_corpus
from benchmarks.pii_presidio_set import find_presidio_data
from benchmarks.pii_sample_docs import make_samples_corpus
from benchmarks.pii_scoring import score_findings
from benchmarks.man_corpus import man_corpus
from benchmarks.pii_business_prose import (
    MAN_PEOPLE_FILE, document_scopes, documents, load_people, person_matcher, tally,
)
from benchmarks.pii_systems import make_deidentifier
from benchmarks.prose_corpus import pages, prose_corpus
from ingest.pii import person_filters


DOCUMENT_TEXTS = 20


def _person(deid, items, name):  # noqa: ANN001, ANN202 - a script
    """PERSON names found and false alarms, the texts read as documents of 20 (ingestion
    de-identifies a document's blocks together: ``product_terms`` looks across them)."""
    texts = [i.text for i in items]
    found = [f for k in range(0, len(texts), DOCUMENT_TEXTS)
             for f in deid.find_many(texts[k : k + DOCUMENT_TEXTS], document=True)]
    rep = score_findings(name, items, found)
    return rep.tp["PERSON"], rep.found["PERSON"] - rep.correct["PERSON"]


def _prose(deid, docs, is_person, page_count):  # noqa: ANN001, ANN202 - a script
    texts = [t for doc in docs for t in doc]
    found = [f for doc in docs for f in deid.find_many(doc, document=True)]
    t = tally(texts, found, is_person, page_count, document_scopes(docs))
    return t.true_names, t.false


SLICES = ("outside-dev", "en-samples", "prose-dev", "man-dev")
MORE = "man-dev-more"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outside", type=int, default=600)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rules", nargs="*", help="only these rules (default: all)")
    parser.add_argument("--dev-more", action="store_true",
                        help="also the manual pages' dev families beyond the first sample "
                        "(man_corpus 'dev-more', about 1,070 pages more: three times as long)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    data = find_presidio_data()
    if data is None:
        raise SystemExit("presidio-evaluator data not found (pip install --no-deps presidio-evaluator==0.3.2)")
    outside = make_outside_corpus(data, "dev", args.outside, args.seed)
    samples = make_samples_corpus("samples")["en"]
    prose = prose_corpus("dev")
    prose_docs, is_person, prose_pages = documents(prose), person_matcher(load_people()), pages(prose)
    man = man_corpus("dev")
    man_docs, man_person, man_pages = documents(man), person_matcher(load_people(MAN_PEOPLE_FILE)), pages(man)
    slices = (*SLICES, MORE) if args.dev_more else SLICES
    more = man_corpus("dev-more") if args.dev_more else []
    more_docs, more_pages = documents(more), pages(more)
    deid = make_deidentifier()

    def measure() -> dict[str, tuple[int, int]]:
        out = {
            "outside-dev": _person(deid, outside, "outside-dev"),
            "en-samples": _person(deid, samples, "en-samples"),
            "prose-dev": _prose(deid, prose_docs, is_person, prose_pages),
            "man-dev": _prose(deid, man_docs, man_person, man_pages),
        }
        if args.dev_more:
            out[MORE] = _prose(deid, more_docs, man_person, more_pages)
        return out

    base = measure()

    def off(rule: str) -> list[int]:
        """Per slice: (names, false alarms) with all rules on minus with ``rule`` off."""
        person_filters.DISABLED.clear()
        person_filters.DISABLED.add(rule)
        without = measure()
        person_filters.DISABLED.clear()
        return [base[s][i] - without[s][i] for s in slices for i in (0, 1)]

    def totals(d: list[int]) -> tuple[int, int]:
        """(names, false alarms) over all slices."""
        return sum(d[0::2]), sum(d[1::2])

    chosen = set(args.rules or person_filters.RULES + person_filters.ADDING)
    head = " | ".join(f"{s} names | {s} false alarms" for s in slices)
    print(f"removing rules: what each takes away (names lost, false alarms removed)\n| rule | {head} | pays |")
    print("|---|" + "--:|" * 2 * len(slices) + "---|")
    for rule in person_filters.RULES:
        if rule in chosen:
            d = [-x for x in off(rule)]
            lost, removed = totals(d)
            print(f"| {rule} | " + " | ".join(str(x) for x in d) + f" | {'yes' if removed > lost else 'no'} |")
    print(f"\nadding rules: what each adds (names, false alarms)\n| rule | {head} | pays |")
    print("|---|" + "--:|" * 2 * len(slices) + "---|")
    for rule in person_filters.ADDING:
        if rule in chosen:
            d = off(rule)
            added, alarms = totals(d)
            print(f"| {rule} | " + " | ".join(str(x) for x in d) + f" | {'yes' if added > alarms else 'no'} |")
    print("\nall rules on: " + "; ".join(f"{s} names {base[s][0]}, false alarms {base[s][1]}" for s in slices)
          + f" ({prose_pages:.0f} prose pages: {100 * base['prose-dev'][1] / prose_pages:.1f} false / 100 pages;"
          f" {man_pages:.0f} manual pages: {100 * base['man-dev'][1] / man_pages:.1f}"
          + (f"; {more_pages:.0f} more: {100 * base[MORE][1] / more_pages:.1f}" if args.dev_more else "") + ")")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
