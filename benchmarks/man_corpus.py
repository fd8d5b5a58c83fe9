"""Technical English nobody on the team wrote, of a second kind: the system's manual pages.

``benchmarks.prose_corpus`` (package READMEs and licences) has been read while rules were
chosen, its held-out part included (to label people). This corpus is another genre of
outside-written prose, for a figure that no rule was chosen on (issue 19): the manual pages
under ``/usr/share/man`` (``man1``-``man8``, English only), rendered as a reader sees them by
``groff -man -Tutf8`` (the system's own formatter, not a parser of ours).

* **Pages**: one manual page per family (the name before the first ``-``, ``_`` or ``.``:
  ``git``, ``systemd``, ``gcloud`` ...), the one with the smallest SHA-256 of its file name,
  so that the 16,000 generated ``gcloud`` pages count once. Links and ``.so`` redirects go.
* **Sections**: ``SYNOPSIS`` and ``SEE ALSO`` go (command lines, lists of page names), and so
  do the sections that credit people (``AUTHOR(S)``, ``COPYRIGHT``, ``REPORTING BUGS``,
  ``ACKNOWLEDGEMENTS``, ``THANKS``, ``CONTRIBUTORS``, ``MAINTAINER(S)``, ``CREDITS``): what is
  left is prose about commands, files and protocols with few real people. The people it does
  name (book authors, a program's history) are labelled in ``benchmarks/labels/man_people.txt``.
* Lines are chunked as ``prose_corpus`` chunks a README (its line filter drops code and
  symbol tables).
* **Sample**: the first ``FAMILIES`` families of each part, in the order of the SHA-256 of
  their names.
* **Split, once**, by the SHA-256 of the family name, with ``prose_corpus.split_of`` (a
  family name is already in its normal form): even first byte *dev*, odd *held-out*. Nothing was tuned on either part when it was made
  (2026-12-07); from then on rules may be chosen on *dev* only.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from benchmarks.prose_corpus import ProseChunk, split_of, unique_chunks

MAN_ROOT = Path("/usr/share/man")
# Families per part: about 500 pages of 3,000 characters each (1,813 families, 3,370 pages in
# all on the machine the corpus was made on), as much as the package prose per part.
FAMILIES = 270
_FAMILY = re.compile(r"[-_.]")
_HEADING = re.compile(r"^([A-Z][A-Z0-9 /&()-]*[A-Z)])\s*$")
_DROPPED = frozenset({
    "SYNOPSIS", "SEE ALSO", "AUTHOR", "AUTHORS", "COPYRIGHT", "COPYRIGHT AND LICENSE",
    "REPORTING BUGS", "ACKNOWLEDGEMENTS", "ACKNOWLEDGMENTS", "THANKS", "CONTRIBUTORS",
    "MAINTAINER", "MAINTAINERS", "CREDITS", "AUTHORS AND COPYRIGHT", "AUTHOR AND COPYRIGHT",
})


class NoManualPages(RuntimeError):
    """This machine has no manual pages (or no groff) to build the corpus from."""


def family_of(file_name: str) -> str:
    return _FAMILY.split(file_name)[0].lower()


def _source(path: Path) -> bytes:
    return gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()


@lru_cache(maxsize=4)
def manual_pages(root: Path = MAN_ROOT) -> dict[str, Path]:
    """family -> its chosen page (English sections only; links and redirects go). Read once
    per root: both parts are drawn from it."""
    chosen: dict[str, tuple[str, Path]] = {}
    for section in sorted(root.glob("man[1-8]")):
        for path in sorted(section.iterdir()):
            if path.is_symlink() or not path.is_file():
                continue
            key = hashlib.sha256(path.name.encode()).hexdigest()
            family = family_of(path.name)
            if family in chosen and chosen[family][0] <= key:
                continue
            try:
                if _source(path).startswith(b".so "):
                    continue
            except (OSError, EOFError, gzip.BadGzipFile):
                continue
            chosen[family] = (key, path)
    if not chosen:
        raise NoManualPages(f"no manual pages under {root}")
    return {family: path for family, (_, path) in sorted(chosen.items())}


def render(path: Path) -> str:
    """The page as ``man`` shows it, without bold or underline, lines unbroken."""
    try:
        done = subprocess.run(
            ["groff", "-man", "-Tutf8", "-P-cbou", "-rLL=2000n", "-rHY=0"],
            input=_source(path), capture_output=True, timeout=60, check=False,
        )
    except FileNotFoundError as exc:
        raise NoManualPages("groff is not installed") from exc
    return done.stdout.decode("utf-8", errors="replace")


def prose_of(rendered: str) -> str:
    """The kept sections' lines, dedented (the header and footer lines go)."""
    lines = rendered.splitlines()[1:-1]
    keep, out = True, []
    for line in lines:
        heading = _HEADING.match(line)
        if heading and not line.startswith(" "):
            keep = heading.group(1).strip() not in _DROPPED
            continue
        if keep:
            out.append(line.strip())
    return "\n".join(out)


def man_corpus(split: str, families: int = FAMILIES, root: Path = MAN_ROOT) -> list[ProseChunk]:
    """The chunks of one split ("dev" or "heldout"): the pages of its first ``families``
    families in the order of the SHA-256 of their names (a sample fixed by name alone).

    ``"dev-more"``: the *dev* families after the first ``families`` (all the rest of the
    split). It is dev: rules may be chosen on it; it was added (2026-12-08) because
    the first dev families had been read so often that their figure flattered the rules."""
    part, rest = ("dev", True) if split == "dev-more" else (split, False)
    chosen = sorted(
        ((f, p) for f, p in manual_pages(root).items() if split_of(f) == part),
        key=lambda fp: hashlib.sha256(fp[0].encode()).hexdigest(),
    )
    pages = chosen[families:] if rest else chosen[:families]
    with ThreadPoolExecutor(max_workers=4) as pool:
        rendered = list(pool.map(lambda fp: render(fp[1]), pages))
    return unique_chunks(
        (family, "man", prose_of(text)) for (family, _), text in zip(pages, rendered, strict=True)
    )
