"""The shape of a name: rules on the words of a candidate PERSON span (issue 19).

Code, products and business phrases that spaCy's small model calls people have shapes no
personal name has: symbols, lower-case or camel-case words, acronyms, English words at the
ends ("General Public License"), nationalities inside ("Mandarin Chinese"). ``ingest.pii.person_filters`` applies
these as named rules (switchable, measured by ``benchmarks/pii_person_filters.py``); the
functions here take the span's tokens and say whether the rule fires.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import regex as re

from ingest.given_names import NOT_NAME_PARTS
from ingest.pii.name_lexicon import is_country, is_frequent_word, is_given, is_name_word, zipf
from ingest.pii.person_data import (
    MONTH_WORDS, NATIONALITY_WORDS, NOT_NAME_WORDS, OFFICER_TITLE, PERSON_CONTEXT,
)

_WORD = re.compile(r"[^\W\d_]+")


_CODE_CHARS = re.compile(r"[_/\\=\[\]{}<>|#@~^*+$%`]|://")
_DOT_IN_WORD = re.compile(r"[^\W\d_]\.[^\W\d_]{2,}")
# Inner capitals of real names: McDonald, MacArthur, DeShawn, LeBron, DiCaprio, VanDyke, O'Neil.
_NAME_INNER_CAPS = re.compile(r"^(?:Mc|Mac|De|Di|Da|Du|La|Le|Van|Von|St|Fitz)\p{Lu}\p{Ll}+$")


def not_name_word(word: str) -> bool:
    """A word no name is made of: a role, an organisation or another non-name word
    (``NOT_NAME_WORDS``, ``NOT_NAME_PARTS``), in any case."""
    w = word.lower()
    return w in NOT_NAME_WORDS or w in NOT_NAME_PARTS


def title_case(text: str) -> bool:
    return text[:1].isupper() and text[1:2].islower() and text.replace("'", "").replace("-", "").isalpha()


def junk_tail(tokens: list[Any]) -> bool:
    """The last word is an acronym ("CV", "CFO"), or a frequent English word that is no name
    after a rare name of the lexicon ("Copyright"): the name ends before it."""
    last = tokens[-1].text
    if acronym(last):
        return True  # "Jane Doe CV", "Priya Raman CFO"
    if is_name_word(last) or not (title_case(last) and is_frequent_word(last)):
        return False
    return any(is_name_word(t.text) and not is_frequent_word(t.text) for t in tokens[:-1])


def english_word(word: str) -> bool:
    """A frequent English word that is no name of the lexicon ("Project", "Producer")."""
    return is_frequent_word(word) and not is_name_word(word)


def without_english_ends(tokens: list[Any]) -> list[Any]:
    """``tokens`` without frequent English words that are no names at either end ("Producer
    Alira Regalado", "Will Nguyen of"; "General Public License": nothing left), and nothing
    when a word was cut from the end and what is left is one frequent word ("Ray Project",
    "Meta Platforms": a thing named after its head noun)."""
    if len(tokens) < 2:
        return tokens
    kept = list(tokens)

    def junk(tok: Any) -> bool:
        words = _WORD.findall(tok.text)
        return tok.is_punct if not words else all(english_word(w) for w in words)

    if any(t.lower_.rstrip(".") in NOT_NAME_WORDS for t in tokens):
        return tokens  # "Rio Nalon St.": an address or an organisation, left as it was found

    while kept and junk(kept[0]):
        kept.pop(0)
    end = len(kept)
    while kept and junk(kept[-1]):
        kept.pop()
    if len(kept) == 1 and len(kept) < end and is_frequent_word(kept[0].text):
        return []
    return kept


def _words(tokens: list[Any]) -> list[str]:
    """The words of ``tokens``, a possessive's "s" left out."""
    return [w for t in tokens if t.lower_ not in ("'s", "’s") for w in _WORD.findall(t.text)]


def place_words(tokens: list[Any]) -> bool:
    """Two words or more with a country, a nationality or a language in them ("Mandarin
    Chinese", "Great Britain", "Northern Ireland"). A lone word may be a surname ("French")."""
    words = [w for t in tokens for w in _WORD.findall(t.text)]
    return len(words) >= 2 and any(is_country(w) or w.lower() in NATIONALITY_WORDS for w in words)


def symbols(tokens: list[Any]) -> bool:
    """A character of code, paths or markup ("my_script.py", "= Annotated[T", "https://...",
    "a/b"), or a full stop inside a word ("platforms.html"). Prose punctuation is no sign:
    spaCy's span 'Grace:"I'm Noah' holds two names."""
    text = "".join(t.text_with_ws for t in tokens).strip()
    return bool(_CODE_CHARS.search(text) or _DOT_IN_WORD.search(text))


UNKNOWN_ZIPF = 3.0


def known_non_name(tokens: list[Any]) -> bool:
    """No word is a name of the lexicon and every word is one English text uses often (Zipf 3
    or more: "Python", "Linux", "Supervisor", "Guilty Pleasures", "Salesperson"). A rarer
    word keeps the span: names from outside the lexicon ("Zeliha Sultygov", "Kowalski") are
    such words, and so are names written like one ("McAllister", "O'Hara")."""
    words = [w for t in tokens for w in _WORD.findall(t.text)]
    if not words or any(is_name_word(w) or _NAME_INNER_CAPS.match(w) for w in words):
        return False
    if any("'" in t.text or "’" in t.text for t in tokens if t.lower_ not in ("'s", "’s")):
        return False  # "O'Hara"; a possessive is no sign
    return all(zipf(w) >= UNKNOWN_ZIPF for w in words)


def code_shape(tokens: list[Any]) -> bool:
    """Written as code or a product, not a name: lower-case words ("orjson", "asyncio's"), a
    capital inside a word ("PyArrow", "MinHash"; not "McDonald", "DeShawn"), or an acronym
    beside another word ("Valid JSON")."""
    words = _words(tokens)
    if words and all(w.islower() for w in words):
        return True
    if len(words) >= 2 and any(acronym(w) for w in words):
        return True  # "Travis CI", "Valid JSON", "Sequential BLAS"
    return any(_inner_capital(w) for w in words)


def acronym(word: str) -> bool:
    """A word in capitals, two letters or more, that is no lexicon name ("JSON", "CV")."""
    return len(word) >= 2 and word.isalpha() and word.isupper() and not is_name_word(word)


def _inner_capital(word: str) -> bool:
    if word.isupper() or not any(ch.isupper() for ch in word[1:]):
        return False
    return not _NAME_INNER_CAPS.match(word)


_DAY_OR_YEAR = re.compile(r"[ \t]*(?:\d{1,2}(?!\d)|\d{4}(?!\d))")


def month_date(last_word: str, text_after: str) -> bool:
    """A month name right before a day or a year: "Sep 30, 2024", "June 3", "May 2024"."""
    return last_word.lower().rstrip(".") in MONTH_WORDS and bool(_DAY_OR_YEAR.match(text_after))


# Text written as markup or code (a README, a docstring, a Markdown table, a manual page):
# backticks, URLs, headings, table cells, links, reStructuredText directives, braces; page
# references, long options and system paths (chosen on the manual pages' dev part: 19 more
# false people removed there, no name lost on any dev slice).
_MARKUP = re.compile(
    r"`|://|^#|\||\]\(|::|\.\. |\bpip install\b|\bimport\b|\.py\b|[{}]"
    # a manual page's text: references to pages ("fork(2)"), long options, system paths
    r"|\b[a-z][a-z0-9_.-]*\([1-8][a-z]*\)|(?<![\w-])--[a-z][a-z-]+|(?<![\w/])/(?:usr|etc|proc|dev|var|sys|bin|lib|opt)/",
    re.M,
)
_CREDIT_WORDS = frozenset(
    "patch patches pr fix fixes reported contributed written authored created maintained "
    "developed suggested implemented".split()
)
_INITIAL = re.compile(r"\p{Lu}\.?")


# A reference initial right after a surname: "Cai, Q.", "Specia, L., & Turchi, M."
_CITED_AFTER = re.compile(r",[ ]*\p{Lu}\.")
# The one or two words right before a finding ("Dear", "name is", "ask").
_WORDS_BEFORE = re.compile(r"(\p{L}+)\W{1,3}(?:(\p{L}+)\W{1,3})?$")
_PERSON_WORDS = frozenset(PERSON_CONTEXT)


def line_around(text: str, start: int, end: int) -> str:
    """The line of ``text`` that holds ``text[start:end]``."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return text[line_start : len(text) if line_end < 0 else line_end]


def cited(text: str, end: int) -> bool:
    """A reference initial follows ``text[:end]``: "Cai, Q." is a cited author."""
    return bool(_CITED_AFTER.match(text, end))


def person_word_before(text: str, start: int) -> bool:
    """One of the two words right before ``start``, within 30 characters, is a word that
    marks a person ("Dear", "name is", "ask")."""
    m = _WORDS_BEFORE.search(text, max(0, start - 30), start)
    return bool(m) and any(w and w.lower() in _PERSON_WORDS for w in m.groups())


@lru_cache(maxsize=256)
def markup(text: str) -> bool:
    """``text`` is written as markup or code. Remembered for the last texts: the review of one
    text asks it once per finding and per step (``person_review``, ``second_opinion``,
    ``lone_unknown_in_markup``)."""
    return bool(_MARKUP.search(text))


def lone_unknown_in_markup(token: Any) -> bool:
    """A one-word finding in text written as markup or code, which is no name of the lexicon
    and has nothing beside it that marks a person: a product or project ("Starlette", "Modin",
    "Quickstart", "Jaccard"). Kept: "Specia, L." (a citation), "thanks Picatureanu", "Patch
    by Livanh", a name spaCy cut in two ("Nicusor Picatureanu", "Mike Naberezny"), and names
    written like "McAllister". Prose without markup keeps every such word."""
    w = token.text
    if is_name_word(w) or not title_case(w) or _NAME_INNER_CAPS.match(w):
        return False
    doc = token.doc
    if not markup(doc.text):
        return False
    after = [t.text for t in doc[token.i + 1 : token.i + 3]]
    if len(after) == 2 and after[0] == "," and _INITIAL.fullmatch(after[1]):
        return False
    if token.i == 0 or "\n" in doc[token.i - 1].whitespace_:
        return True
    before = doc[token.i - 1]
    if before.lower_.rstrip(".") in PERSON_CONTEXT:
        return False
    if before.lower_ == "by" and token.i > 1 and doc[token.i - 2].lower_ in _CREDIT_WORDS:
        return False
    return not (title_case(before.text) and (is_given(before.text) or not is_frequent_word(before.text)))


def placeholder_in_capitals(text: str, start: int, end: int) -> bool:
    """Every word of ``text[start:end]`` written in capitals: in a technical document, a
    manual page's placeholder ("-t CHAR", "discard CHAR CHAR") or a constant, which the
    ``acronym`` rule keeps when the word is also a lexicon name ("CHAR" of "Char"). Kept: a
    line that names people, a signature ("/s/ JOHN SMITH", "| JOHN SMITH | Chief Executive
    Officer |"), a credit, a greeting."""
    words = _WORD.findall(text[start:end])
    if not (words and all(len(w) >= 2 and w.isupper() for w in words)):
        return False
    return not people_named_near(text, start, end, next_line=False)


def people_named_near(text: str, start: int, end: int, next_line: bool = True, credits: bool = True) -> bool:
    """The line of ``text[start:end]`` (or, with ``next_line``, the line after it) names people:
    a signature, an officer's title (in any case: "CHIEF EXECUTIVE OFFICER"), a credit (with
    ``credits``: a copyright or author line), or a word that marks a person right before it
    ("Dear", "Name:", "Patient")."""
    if person_word_before(text, start):
        return True
    line = line_around(text, start, end)
    if next_line:
        after = text.find("\n", end)
        if after >= 0:
            line += "\n" + line_around(text, after + 1, after + 1)
    if _SIGNATURE_LINE.search(line) or _SIGNATURE_LINE.search(line.title()):
        return True
    return credits and bool(_CREDIT_LINE.search(line))


# Lines that name people: a signature or an officer's title; a credit.
_SIGNATURE_LINE = re.compile(r"/s/|" + OFFICER_TITLE + r"|(?i:\bsigned\b|\bsignature)")
_CREDIT_LINE = re.compile(r"(?i:copyright|©|\bauthors?\b|\bmaintainers?\b)")


_INSTRUCTION_AFTER = re.compile(
    r"[ \t]+(?:a|an|the|all|any|each|every|this|that|these|those)[ \t]+\p{Ll}[\p{L}-]*\b"
)


def imperative_start(text: str, start: int, end: int) -> bool:
    """The one word ``text[start:end]`` opens a line, or follows only code on its line, and is
    followed by an article and a lower-case word: an instruction, as a manual page, a
    changelog or a list of options writes its entries ("Mark the module as public.", "* Emit a
    fatal error if ...", "ascii_downcase, ascii_upcase Emit a copy of ..."). A name seldom
    opens a line so ("Anna the accountant" is one)."""
    before = text[text.rfind("\n", 0, start) + 1 : start]
    opens = not before.strip(" \t*-•") or _only_code(before)
    return opens and " " not in text[start:end] and bool(_INSTRUCTION_AFTER.match(text, end))


_CODE_TOKEN = re.compile(r"[_();]|,$")


def _only_code(before: str) -> bool:
    """Every word of ``before`` is code: an identifier with an underscore, a call, a list
    comma ("scan(regex), scan(regex; flags)"), and one at least holds ``_`` or ``(``."""
    words = before.split()
    return bool(words) and all(_CODE_TOKEN.search(w) for w in words) and any(re.search(r"[_(]", w) for w in words)


# Nouns a name is seldom put in front of, and a technical word often: "the Miller-Rabin test",
# "the Julian day", "the Alpha architecture", "Sine function".
_TECHNICAL_HEAD = re.compile(
    r"(?:-\p{Lu}\p{L}*)*[ \t]+(?:test|algorithm|architecture|processor|platform|function|transform|"
    r"distribution|theorem|day|calendar|cipher|encoding|protocol|format|kernel|port|filter|curve|"
    r"number|method|sequence|series|mode|machine|chip|terminal)s?\b(?![-'’])"
)


def before_technical_noun(text: str, start: int, end: int) -> bool:
    """The one word ``text[start:end]`` (with a hyphened second name: "Miller-Rabin") stands
    right before a technical noun on its line, as a modifier: "the Miller-Rabin test", "the
    Julian day", "an Alpha processor"."""
    return " " not in text[start:end] and bool(_TECHNICAL_HEAD.match(text, end))
