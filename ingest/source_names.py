"""Source names are personal data too: ``Jane_Doe_CV.pdf`` becomes ``<PERSON_1>_CV.pdf``.

The de-identifier reads a file name with its separators (``_``, ``-``, ``.``, ``+``)
as spaces, so spaCy and the name lexicon see words; placeholders are then written into the
name as it was, one per finding, with the document's own session, so the person in the
name and in the text get the same placeholder. The display name is what the store, the
citations, the ledger's listing and the logs see; the ledger keeps the original privately
(``Ledger.remember_source``) so ``kb docs delete Jane_Doe_CV.pdf`` still finds it, and the
document id stays the hash of the original name (re-ingest and delete keep working).
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Protocol

# "_", "+", "." and a "-" next to a letter; not the "-" of "2024-05-01" (a date, not a phone).
_SEPARATORS = re.compile(r"[_+.]|(?<=[^\W\d])-|-(?=[^\W\d])")


class _Session(Protocol):
    def find(self, text: str) -> list[tuple[int, int, str]]: ...

    def placeholder(self, entity_type: str, value: str) -> str: ...


# Words a file name adds around a name ("Jane_Doe_CV", "Final_Report_Jane_Doe_v2"): NER
# takes them into the name, and the placeholder would then differ from the text's.
FILE_WORDS = frozenset(
    """cv resume résumé lebenslauf report final draft copy scan scanned signed letter
    contract invoice offer notes note memo review application form v1 v2 v3 new old""".split()  # noqa: SIM905
)
_LAST_WORD = re.compile(r"[ _.+-]+([^ _.+-]+)$")


def _without_file_words(stem: str, start: int, end: int, entity_type: str) -> tuple[int, int, str]:
    """A PERSON span less the file words at its end ("Jane_Doe_CV" -> "Jane_Doe")."""
    while entity_type == "PERSON":
        m = _LAST_WORD.search(stem, start, end)
        if m is None or m.group(1).lower() not in FILE_WORDS:
            break
        end = m.start()
    return start, end, entity_type


def _union(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping findings merged, named after the longest."""
    out: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(found, key=lambda f: (f[0], -f[1])):
        if out and start < out[-1][1]:
            s0, e0, k0 = out[-1]
            out[-1] = (s0, max(e0, end), k0 if e0 - s0 >= end - start else kind)
        else:
            out.append((start, end, kind))
    return out


def readable(name: str) -> str:
    """``name`` with separators read as spaces, same length (offsets stay valid)."""
    return _SEPARATORS.sub(" ", name)


def display_name(session: _Session, source: str) -> str:
    """``source`` with every personal value of its stem replaced by a placeholder."""
    path = PurePath(source)
    stem, suffix = (path.stem, path.suffix) if path.suffix else (source, "")
    prefix = source[: len(source) - len(stem) - len(suffix)]
    words = readable(stem)
    # The name as written finds e-mail addresses ("john.smith@example.com"), read as words it
    # finds people ("Jane_Doe"). NER on the name as written is noise ("zero_byte" is a PERSON
    # to spaCy, "zero byte" is not), and so is a PERSON of two letters or fewer ("zh-12").
    as_written = [f for f in session.find(stem) if f[2] != "PERSON"]
    found = as_written + [_without_file_words(stem, *f) for f in session.find(words)]
    spans = _union([f for f in found if f[2] != "PERSON" or f[1] - f[0] > 2])
    if not spans:
        return source
    parts: list[str] = []
    pos = 0
    for start, end, entity_type in spans:
        parts.append(stem[pos:start])
        parts.append(session.placeholder(entity_type, words[start:end]))  # "Jane Doe" as in text
        pos = end
    parts.append(stem[pos:])
    return prefix + "".join(parts) + suffix


_PLACEHOLDER = re.compile(r"(<[A-Z][A-Z0-9_]*_\d+>)")


def readable_title(title: str) -> str:
    """A title taken from a file name ("Jane_Doe_CV") read as words, same length;
    placeholders already in it ("<PERSON_1>_CV") stay as they are."""
    if "_" not in title:
        return title
    parts = _PLACEHOLDER.split(title)
    return "".join(p if i % 2 else readable(p) for i, p in enumerate(parts))
