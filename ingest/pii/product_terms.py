"""Capitalised phrases a document uses as products, not people (issue 19).

spaCy's small model calls a product line, a segment or a software project a person ("of our
Creative Cloud for", "Tidelift Subscription", "written in Rust"). A document gives itself
away: somewhere it writes the same phrase where no person stands: after "our", "its",
"their" or "your", or "using", "via"; before a product noun ("X subscription", "X
customers", "X library", "X segment"); before a version number ("Python 3.12"); as code
(in backticks, called, an attribute: "`Len`", "Len(min_length=x)", "Config.load"). A phrase
found so anywhere in the document is no PERSON anywhere in it. Real people seldom stand in
those places ("our Anna"? "Anna customers"?), and the rule only looks inside one document,
so a name in one file is never undone by a product in another.

A second document-level rule (``lowercase_echo``): a one-word PERSON value that the document
also writes in lower case, outside e-mail addresses and @handles, is a project's name in its
address, package or command ("Tidelift" and "tidelift.com", "Blis" and "cython-blis").

``benchmarks/pii_person_filters.py`` measures both (rules ``product_terms`` and
``lowercase_echo``) like the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import regex as re

# Words after a phrase that make it a product, a project or a business line.
PRODUCT_AFTER = frozenset(
    """subscription subscriptions customer customers revenue revenues platform platforms plan
    plans library libraries package packages project projects api apis app apps version
    versions integration integrations segment segments offering offerings user users
    service services product products module modules framework frameworks server servers
    client clients support documentation docs license licence community ecosystem extension
    extensions plugin plugins sdk cli release releases format formats model models engine
    engines database databases cluster clusters account accounts bindings wrapper interface
    backend backends implementation implementations repository repo developers toolchain
    compiler compilers code tools toolkit program programs suite edition editions
    deployment deployments instance instances runtime protocol protocols parser parsers
    syntax standard standards specification schema schemas query queries
    driver drivers adapter adapters connector connectors devices device hardware software
    solution solutions business businesses brand brands market markets sales unit units
    portfolio portfolios stores store channel channels tier tiers industries incorporated
    corporation corp inc ltd llc plc holdings""".split()  # noqa: SIM905
)
# Words before a phrase that make it a thing someone owns or uses.
PRODUCT_BEFORE = frozenset("our its their your using via install".split())  # noqa: SIM905
_VERSION = re.compile(r"\s*v?\d+(?:\.\d+)+\b")
_WORD_AFTER = re.compile(r"[\s-]*([\p{L}']+)")
_WORD_BEFORE = re.compile(r"([\p{L}]+)[\s]*$")


class _Span(Protocol):
    start: int
    end: int
    entity_type: str


def _key(value: str) -> str:
    return " ".join(value.split())


def product_phrases(texts: Sequence[str], spans: Sequence[Sequence[_Span]]) -> set[str]:
    """The PERSON values of ``spans`` that the document (``texts``) also uses as products."""
    values = {_key(t[s.start : s.end]) for t, found in zip(texts, spans) for s in found if s.entity_type == "PERSON"}
    values.discard("")
    if not values:
        return set()
    alternation = "|".join(re.escape(v).replace(r"\ ", r"\s+") for v in sorted(values, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\p{{L}}\p{{N}}])(?:{alternation})(?![\p{{L}}\p{{N}}])")
    out: set[str] = set()
    for text in texts:
        for m in pattern.finditer(text):
            value = _key(m.group())
            if value in out or value not in values:
                continue
            if _product_context(text, m.start(), m.end()):
                out.add(value)
    return out


def _product_context(text: str, start: int, end: int) -> bool:
    if _VERSION.match(text, end) or _code(text, start, end):
        return True
    after = _WORD_AFTER.match(text, end)
    if after and "\n" not in text[end : after.start(1)] and after.group(1).lower() in PRODUCT_AFTER:
        return True
    before = _WORD_BEFORE.search(text, max(0, start - 30), start)
    return bool(before and "\n" not in text[before.end(1) : start] and before.group(1).lower() in PRODUCT_BEFORE)


def _code(text: str, start: int, end: int) -> bool:
    """Written as code: in backticks (`` `Len` ``; not reStructuredText's `` `Jane Doe <url>`_ ``),
    called (``Len(``), an attribute (``.X``, ``X.y``), an identifier or an argument (``X_``,
    ``_X``, ``X=``, ``=X``)."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    nxt = text[end + 1] if end + 1 < len(text) else ""
    if before == "`" and after == "`":
        return True
    if after in ("(", "_", "=") or before in (".", "_", "="):
        return True
    return after == "." and nxt.isalnum()


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LOWER_COMPOUND = re.compile(r"(?<![\p{L}\p{N}@])[\p{Ll}\p{N}]+(?:[-_.][\p{Ll}\p{N}]+)*(?![\p{L}\p{N}])")
_PART = re.compile(r"\p{Ll}+")


def lowercase_words(texts: Sequence[str]) -> set[str]:
    """Every lower-case word of the document outside e-mail addresses and @handles: a
    project's name in its address, its package or its command ("tidelift.com",
    "cython-blis", "[granian]"). A compound with another part that is a rare name of the
    lexicon is a person's handle and gives nothing ("github.com/fredrik-johansson")."""
    from ingest.pii.name_lexicon import is_frequent_word, is_name_word

    out: set[str] = set()
    for text in texts:
        for compound in _LOWER_COMPOUND.findall(_EMAIL.sub(" ", text)):
            parts = _PART.findall(compound)
            for i, part in enumerate(parts):
                others = parts[:i] + parts[i + 1 :]
                if not any(is_name_word(o) and not is_frequent_word(o) for o in others):
                    out.add(part)
    return out


def lowercase_echoes(texts: Sequence[str], spans: Sequence[Sequence[_Span]]) -> set[str]:
    """One-word PERSON values that the document also writes in lower case ("Tidelift" and
    "tidelift.com"); an address ("jane@doe.com") or a handle ("@jane") is no such echo."""
    values = {_key(t[s.start : s.end]) for t, found in zip(texts, spans) for s in found if s.entity_type == "PERSON"}
    single = {v for v in values if v and " " not in v and v.lower() != v}
    if not single:
        return set()
    lower = lowercase_words(texts)
    return {v for v in single if v.lower() in lower}


def drop_products(
    texts: Sequence[str], spans: Sequence[list[_Span]], phrases: bool = True, echoes: bool = True
) -> list[list[_Span]]:
    """``spans`` without the PERSON spans whose value the document uses as a product
    (``phrases``: in a product's place; ``echoes``: a one-word value written in lower case)."""
    products = product_phrases(texts, spans) if phrases else set()
    if echoes:
        products |= lowercase_echoes(texts, spans)
    return [
        [s for s in found if s.entity_type != "PERSON" or _key(t[s.start : s.end]) not in products]
        for t, found in zip(texts, spans)
    ]
