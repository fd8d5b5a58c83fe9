"""False PERSON findings per 100 pages of business and technical prose, next to Presidio.

    .venv/bin/python -m benchmarks.pii_business_prose [--filing-pages 60] [--list dev] [--source man]

Issue 19: a 10-K names a few dozen people, yet product lines, segments, currencies and plan
names came out as ``<PERSON_n>``. Measured, both systems in one run (``benchmarks.pii_systems``:
Presidio's ``AnalyzerEngine`` with its defaults and the same spaCy model, and the
``Deidentifier`` as the pipeline builds it), on:

* **outside-written prose** (``benchmarks.prose_corpus``): the descriptions and licence texts
  of the installed packages, split once by package name into *dev* (rules are chosen on it)
  and *held-out* (never tuned on: the figure that counts);
* **manual pages** (``--source man``, ``benchmarks.man_corpus``): a second genre of
  outside-written technical prose, split the same way, on which no rule was chosen when it
  was added (2026-12-07); people labelled in ``benchmarks/labels/man_people.txt``;
* **a generated filing** (ours, ``tests/corpus/annual_report.py``): a 10-K-like report whose
  products, segments, currencies and plans are capitalised phrases, parsed as ingestion parses
  it; its only people are the officers on the signature page.

A PERSON finding is *true* when it overlaps a real person's name: on the prose, a name listed
in ``benchmarks/labels/prose_people.txt`` (people the texts name: authors, copyright holders,
contributors, judged by reading each finding of both systems once); on the filing, an
officer. Every other PERSON finding is a false alarm. ``--list dev`` prints the distinct false
findings of the dev part (``--list heldout`` exists for labelling new true names only).
"""

from __future__ import annotations

import argparse
import logging
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.pii_systems import make_deidentifier, presidio_defaults
from benchmarks.prose_corpus import PAGE_CHARS, ProseChunk, pages, prose_corpus

PEOPLE_FILE = Path(__file__).parent / "labels" / "prose_people.txt"
MAN_PEOPLE_FILE = Path(__file__).parent / "labels" / "man_people.txt"


@dataclass
class Tally:
    pages: float
    findings: int = 0
    false: int = 0
    true_names: int = 0
    false_texts: Counter[str] | None = None

    def per_100(self, n: int) -> float:
        return 100 * n / self.pages if self.pages else 0.0


def load_people(path: Path = PEOPLE_FILE) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()  # missing: an error, not zero people
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def person_matcher(names: Sequence[str]) -> Callable[..., bool]:
    """True for a finding that holds a listed name ("Marco Gorelli - DataFrame") or lies
    inside one ("Gorelli" of "Marco Gorelli"), whole words both ways. Given the ``scope``
    (the text of the finding's document), a finding inside a name counts only where that
    name is written in the document: "Mark" of "Mark the module as public" is no part of
    "Mark Adler" named in another page."""
    full = [re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)") for name in names]

    def is_person(text: str, scope: str | None = None) -> bool:
        value = " ".join(text.split()).strip(" .,;:'’")
        if not value:
            return False
        if any(p.search(value) for p in full):
            return True
        inner = re.compile(r"(?<!\w)" + re.escape(value) + r"(?!\w)")
        return any(
            inner.search(name) and (scope is None or pattern.search(scope))
            for name, pattern in zip(names, full, strict=True)
        )

    return is_person


def tally(texts: list[str], findings: list[list[tuple[int, int, str]]], is_person: Callable[..., bool],
          page_count: float, scopes: Sequence[str] | None = None) -> Tally:
    """PERSON findings of ``texts``, true or false; ``scopes``: each text's document
    (``document_scopes``), where the names a lone word may belong to must be written."""
    out = Tally(pages=page_count, false_texts=Counter())
    for i, (text, spans) in enumerate(zip(texts, findings, strict=True)):
        for start, end, kind in spans:
            if kind != "PERSON":
                continue
            out.findings += 1
            value = text[start:end]
            if is_person(value, None if scopes is None else scopes[i]):
                out.true_names += 1
            else:
                out.false += 1
                out.false_texts[" ".join(value.split())] += 1  # type: ignore[index]
    return out


def document_scopes(docs: list[list[str]]) -> list[str]:
    """For each text of ``docs``, flattened, the whole text of its document (white space
    made single spaces, as names are written in ``person_matcher``)."""
    return [whole for doc in docs for whole in [" ".join(" ".join(doc).split())] * len(doc)]


def documents(chunks: list[ProseChunk]) -> list[list[str]]:
    """The chunks of each package, as one document (ingestion de-identifies a document's
    blocks together)."""
    by_package: dict[str, list[str]] = {}
    for c in chunks:
        by_package.setdefault(c.package, []).append(c.text)
    return list(by_package.values())


def filing_texts(page_count: int) -> tuple[list[str], list[str], float]:
    """Blocks of a generated 10-K as ingestion parses them, its officers, and its pages."""
    from ingest.parse import parse_bytes
    from tests.corpus.annual_report import write_annual_report

    with tempfile.TemporaryDirectory() as tmp:
        report = write_annual_report(Path(tmp) / "filing.pdf", pages=page_count)
        parsed = parse_bytes(report.path.read_bytes(), report.path.name)
    return [b.text for b in parsed.blocks], [name for name, _ in report.officers], float(parsed.pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filing-pages", type=int, default=60, help="pages of the generated filing (0: none)")
    parser.add_argument("--list", choices=("dev", "heldout", "dev-more"), help="print that part's distinct false findings")
    parser.add_argument("--no-presidio", action="store_true", help="kb-service only (a quicker look while tuning)")
    parser.add_argument("--parts", nargs="*", default=["dev", "heldout"], choices=("dev", "heldout", "dev-more"),
                        help="dev-more (manual pages only): the dev families beyond the first sample")
    parser.add_argument("--source", choices=("packages", "man"), default="packages",
                        help="the outside-written prose: installed packages' READMEs and licences "
                        "(benchmarks.prose_corpus) or the system's manual pages (benchmarks.man_corpus)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    if args.source == "man":
        from benchmarks.man_corpus import man_corpus

        corpus, people, prefix = man_corpus, load_people(MAN_PEOPLE_FILE), "man"
    else:
        corpus, people, prefix = prose_corpus, load_people(), "prose"
    slices: dict[str, tuple[list[list[str]], Callable[..., bool], float]] = {}
    for split in args.parts:
        chunks = corpus(split)
        slices[f"{prefix}-{split}"] = (documents(chunks), person_matcher(people), pages(chunks))
    if args.filing_pages:
        texts, officers, page_count = filing_texts(args.filing_pages)
        slices["generated-filing"] = ([texts], person_matcher(officers), page_count)

    deid = make_deidentifier()
    systems: dict[str, Callable[[list[str]], list[list[tuple[int, int, str]]]]] = {}
    if not args.no_presidio:
        presidio = presidio_defaults()
        systems["presidio"] = lambda texts: presidio(texts)[0]
    systems["kb-service"] = lambda texts: deid.find_many(texts, document=True)
    results: dict[tuple[str, str], Tally] = {}
    for name, (docs, is_person, page_count) in slices.items():
        texts, scopes = [t for doc in docs for t in doc], document_scopes(docs)
        for system, run in systems.items():
            found = [f for doc in docs for f in run(doc)]
            results[name, system] = tally(texts, found, is_person, page_count, scopes)

    print(f"pages of {PAGE_CHARS:,} characters (the filing: its PDF pages); false = PERSON findings on no real name")
    print("| slice | pages | Presidio PERSON findings | Presidio false / 100 pages "
          "| kb-service PERSON findings | kb-service false / 100 pages | real names found (Presidio / kb) |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    for name in slices:
        k = results[name, "kb-service"]
        p = results.get((name, "presidio"), Tally(pages=k.pages))
        print(f"| {name} | {p.pages:.0f} | {p.findings} | {p.per_100(p.false):.1f} | {k.findings} "
              f"| **{k.per_100(k.false):.1f}** | {p.true_names} / {k.true_names} |")
    if args.list:
        for system in systems:
            t = results[f"{prefix}-{args.list}", system]
            print(f"\n{system}, {prefix}-{args.list}: {t.false} false PERSON findings, {len(t.false_texts or {})} distinct")
            for text, n in (t.false_texts or Counter()).most_common():
                print(f"  {n:3d}  {text}")
    if args.filing_pages:
        k = results["generated-filing", "kb-service"]
        print("\ngenerated filing, kb-service false findings:", ", ".join(
            f"{t} ({n})" for t, n in (k.false_texts or Counter()).most_common(15)) or "none")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
