"""The ``month_date`` PERSON rule on outside-written text: false alarms it removes, names it loses.

    .venv/bin/python -m benchmarks.pii_month_dates [--max 600]

The rule (``ingest.pii.person_filters``): a month name or abbreviation right before a day or
a year ("Sep 30, 2024", "June 3", "May 2024") is a date, not a person. The general rule
benchmark (``benchmarks.pii_person_filters``) finds no such dates among its slices' PERSON
findings (its prose drops changelogs and tables), so this one looks where dates are: every
line of the outside-written package descriptions and licences (``benchmarks.prose_corpus``'s
texts, unfiltered: changelog headings, release tables and prose; split by package name as
there, dev and held-out reported apart) that holds a month word before a number. Each is de-identified (as a document of
20 sentences) with the rule on and off, and Presidio's defaults run on the same sentences.
A PERSON finding the rule removes is printed with its sentence: it is a false alarm unless the
words are a person's name (read the list; the count of those is the "names lost" column).
"""

from __future__ import annotations

import argparse
import logging
import re

from benchmarks.pii_systems import make_deidentifier, presidio_defaults
from benchmarks.prose_corpus import package_texts
from ingest.pii import person_filters
from ingest.pii.person_data import MONTH_WORDS

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_MONTH_NUMBER = re.compile(
    r"\b(?:" + "|".join(sorted(MONTH_WORDS, key=len, reverse=True)) + r")\.?[ \t]+\d{1,4}\b", re.IGNORECASE
)
BATCH = 20


def month_sentences(texts: list[str], limit: int) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for text in texts:
        for sentence in _SENTENCE.split(text):
            sentence = sentence.strip()
            if sentence and sentence not in seen and _MONTH_NUMBER.search(sentence):
                seen.add(sentence)
                out.append(sentence)
                if len(out) >= limit:
                    return out
    return out


def persons(deid, sentences: list[str]) -> set[tuple[int, str]]:  # noqa: ANN001 - a script
    found: set[tuple[int, str]] = set()
    for k in range(0, len(sentences), BATCH):
        batch = sentences[k : k + BATCH]
        for offset, spans in enumerate(deid.find_many(batch, document=True)):
            for start, end, kind in spans:
                if kind == "PERSON":
                    found.add((k + offset, batch[offset][start:end]))
    return found


def presidio_month_persons(run, sentences: list[str]) -> int:  # noqa: ANN001 - a script
    """Presidio's PERSON findings that start a month-before-a-number match."""
    found, _ = run(sentences)
    return sum(
        1 for s, spans in zip(sentences, found, strict=True) for start, end, kind in spans
        if kind == "PERSON" and _MONTH_NUMBER.match(s, start)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max", type=int, default=600, help="sentences per part")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    deid = make_deidentifier()
    presidio = presidio_defaults()
    rows = []
    for part in ("dev", "heldout"):
        sentences = month_sentences([text for _, _, text in package_texts(part)], args.max)
        person_filters.DISABLED.discard("month_date")
        with_rule = persons(deid, sentences)
        person_filters.DISABLED.add("month_date")
        without = persons(deid, sentences)
        person_filters.DISABLED.discard("month_date")
        removed = sorted(without - with_rule)
        added = sorted(with_rule - without)
        print(f"\n{part}: {len(sentences)} sentences with a month before a number")
        for index, words in removed:
            print(f"  removed {words!r:28} in {sentences[index][:110]!r}")
        rows.append((part, len(sentences), len(without), len(with_rule), len(removed), len(added),
                     presidio_month_persons(presidio, sentences)))
    print("\n| package-text part | sentences | PERSON rule off | PERSON rule on | removed | added | Presidio defaults: PERSON on a month date |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    for row in rows:
        print("| " + " | ".join(str(x) for x in row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
