"""Business and technical English that nobody on the team wrote: what installed packages ship.

Every Python environment holds pages of outside-written prose: the long description of each
installed distribution (its README, in the ``METADATA`` file) and its licence texts. They name
products, projects, companies, currencies, standards and a few real people (authors,
copyright holders): the right material to count false PERSON findings on (issue 19).

* Texts: the description of every installed distribution but ``kb-service``, and each
  licence file it ships (LICENSE, LICENCE, COPYING, NOTICE, AUTHORS excluded: it is a list of
  people). Fenced code blocks and lines that are mostly not words go; paragraphs are joined
  into chunks of at most ``CHUNK_CHARS`` characters, as ingestion chunks them. English only
  (a chunk with CJK characters goes); identical chunks (the same MIT licence in forty
  packages) are kept once.
* **Split, once**: by the SHA-256 of the distribution's normalised name, even first byte
  *dev* (looked at, rules chosen on it), odd *held-out* (never tuned on).
* **A page** is ``PAGE_CHARS`` characters (about one printed page of prose).
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

CHUNK_CHARS = 1_200
PAGE_CHARS = 3_000
_LICENCE_FILE = re.compile(r"^(?:LICEN[CS]E|COPYING|NOTICE)(?:[._-].*)?$", re.IGNORECASE)
_FENCE = re.compile(r"^\s*(```|~~~)")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_LETTERS = re.compile(r"[A-Za-z ]")
_SKIP = {"kb-service"}


@dataclass(frozen=True, slots=True)
class ProseChunk:
    package: str
    kind: str  # "description" or "licence"
    text: str


def split_of(package: str) -> str:
    """"dev" or "heldout", fixed by the package's name."""
    digest = hashlib.sha256(_normalise(package).encode()).digest()
    return "dev" if digest[0] % 2 == 0 else "heldout"


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _prose_lines(text: str) -> list[str]:
    """Lines outside fenced code, blank lines kept (they separate paragraphs)."""
    out: list[str] = []
    fenced = False
    for line in text.replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        stripped = line.strip()
        if stripped and len(_LETTERS.findall(stripped)) < 0.7 * len(stripped):
            continue  # code, tables of symbols, badges
        if line.startswith(("    ", "\t", ">>> ", "$ ")):
            continue  # indented code
        out.append(line)
    return out


def prose_chunks(text: str) -> list[str]:
    """``text`` (a README, a licence, a rendered manual page) as chunks of prose: code and
    symbol lines out, paragraphs joined up to ``CHUNK_CHARS``, English only."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in _prose_lines(text) + [""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current) if not _is_list(current) else "\n".join(current))
            current = []
    chunks: list[str] = []
    buf = ""
    for para in paragraphs:
        if buf and len(buf) + len(para) + 2 > CHUNK_CHARS:
            chunks.append(buf)
            buf = ""
        buf = f"{buf}\n\n{para}" if buf else para
        while len(buf) > CHUNK_CHARS:
            cut = buf.rfind(" ", 0, CHUNK_CHARS)
            cut = cut if cut > 0 else CHUNK_CHARS
            chunks.append(buf[:cut])
            buf = buf[cut:].lstrip()
    if buf:
        chunks.append(buf)
    return [c for c in chunks if not _CJK.search(c) and len(c) >= 40]


def _is_list(lines: list[str]) -> bool:
    return sum(line.startswith(("-", "*", "+")) for line in lines) >= len(lines) / 2


def _texts(dist: md.Distribution) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    meta = dist.metadata
    body = meta.get_payload() if hasattr(meta, "get_payload") else None  # type: ignore[attr-defined]
    description = body or meta.get("Description") or ""
    if isinstance(description, str) and description.strip():
        out.append(("description", description))
    for file in dist.files or []:
        if _LICENCE_FILE.match(Path(str(file)).name):
            try:
                out.append(("licence", Path(str(dist.locate_file(file))).read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError):
                continue
    return out


def package_texts(split: str) -> list[tuple[str, str, str]]:
    """(package, kind, text) of every installed distribution of one split, unfiltered: its
    description and licence files, in package-name order, each package once."""
    out: list[tuple[str, str, str]] = []
    dists = sorted(md.distributions(), key=lambda d: _normalise(d.metadata["Name"] or ""))
    names_seen: set[str] = set()
    for dist in dists:
        name = dist.metadata["Name"] or ""
        key = _normalise(name)
        if not name or key in _SKIP or key in names_seen or split_of(name) != split:
            continue
        names_seen.add(key)
        out.extend((name, kind, text) for kind, text in _texts(dist))
    return out


def unique_chunks(texts: Iterable[tuple[str, str, str]]) -> list[ProseChunk]:
    """The prose chunks of (package, kind, text) triples, in order, each distinct chunk once
    (compared with white space and case folded)."""
    seen: set[str] = set()
    chunks: list[ProseChunk] = []
    for name, kind, text in texts:
        for chunk in prose_chunks(text):
            fingerprint = hashlib.sha256(" ".join(chunk.split()).lower().encode()).hexdigest()
            if fingerprint in seen:
                continue
            seen.add(fingerprint)
            chunks.append(ProseChunk(name, kind, chunk))
    return chunks


def prose_corpus(split: str) -> list[ProseChunk]:
    """The chunks of one split ("dev" or "heldout"), in package-name order."""
    return unique_chunks(package_texts(split))


def pages(chunks: list[ProseChunk]) -> float:
    return sum(len(c.text) for c in chunks) / PAGE_CHARS
