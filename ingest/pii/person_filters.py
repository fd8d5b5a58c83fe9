"""PERSON spans from spaCy's entities: NER names, trimmed and filtered; mislabelled names kept.

``person_entities(doc, score)`` turns one spaCy ``Doc`` into the PERSON spans Presidio's
spaCy recognizer reports. Each rule that can drop (or refuse to add) a span has a name, so
``benchmarks/pii_person_filters.py`` can switch it off (``DISABLED``) and count, on the
outside-written dev part, how many false alarms it removes and how many true names it
loses. A rule stays only where it removes more false alarms than names (issue 13), on the
outside-written PII texts, the sample documents and outside-written package prose together
(issue 19: ``benchmarks/pii_business_prose.py``):

* ``digits``: a span with a digit is no name ("AES-256", "eu-west-1");
* ``symbols``: nor one with a character no name has ("my_script.py", "https://...");
* ``code_shape``: nor one written as code or a product: lower-case words ("orjson"), a
  capital inside a word ("PyArrow"; not "McDonald"), an acronym beside a word ("Valid JSON");
* ``currency``: nor one ending in a currency ("Japanese Yen", "British Pounds");
* ``acronym``: nor one word in capitals that is no name of the lexicon ("JSON", "ZSTD");
* ``needs_lexicon``: a span no word of which is a name of the lexicon, and every word of
  which English uses often (Zipf 3 or more: "Python", "Linux", "Salesperson"); a rarer word
  keeps it ("Zeliha Sultygov", "Kowalski": names from outside the lexicon are such);
* ``common_head``: frequent English words that are no names are cut from the ends
  ("Producer Alira Regalado", "Will Nguyen of"); nothing left, or one frequent word left
  after its head noun was cut ("General Public License", "Ray Project"), is no name;
* ``place_words``: two words or more with a country, nationality or language in them
  ("Mandarin Chinese", "Northern Ireland");
* ``product_terms`` (``ingest.pii.product_terms``, over a whole document): a phrase the
  document also uses as a product ("our X", "X subscription", "X 3.2", "`X`") is no name;
* ``lowercase_echo`` (the same module): nor a one-word finding the document also writes in
  lower case outside e-mail addresses and handles ("Tidelift" and "tidelift.com");
* ``second_opinion`` (``ingest.pii.second_opinion``): a finding with a word that is no lexicon
  name is dropped when a second NER model (Rampart) sees no name in it (by default only in
  text written as markup, ``KB_PII_SECOND_OPINION``);
* ``not_name_parts``: a span holding "team", "policy", "portal", or a contract's party word
  ("Licensor", "Licensee", "Tenant", "License") ... ("Security Team", "General Public License");
* ``tool_context``: a lone word after in/via/using or before app/account ("in Navan");
  it neither removes nor loses anything on the outside-written dev part, and removes 7
  false alarms (product names) on the sample documents without losing a name there, so
  it stays for business prose;
* ``ordinary_words``: a PERSON span whose words are all frequent English words and none a
  given name or surname of the lexicon ("Disposal", "Taxi", "Wi-Fi", "Description
  Approved": spaCy's small model calls a capitalised table cell or heading word a person);
* ``no_letters``: a PERSON span with no letter ("😉", "↔");
* ``lone_unknown`` (``person_shapes.lone_unknown_in_markup``): a one-word span in text written
  as markup or code (backticks, URLs, headings, table cells, links; in a manual page, page
  references such as "fcntl(2)", long options, system paths) that is no lexicon name and
  stands beside nothing that marks a person ("Starlette", "Modin", "Quickstart", "Solaris");
  a citation ("Specia, L."), "thanks X", "Patch by X" or a name spaCy cut in two keep it, and
  plain prose keeps every such word (issue 19; dev: 51 false alarms removed from the package
  prose and 36 from the manual pages, 0 names lost);
* ``imperative_start`` (``person_shapes.imperative_start``, also for the lexicon's names in
  ``ingest.pii.name_shapes``): one word that opens a line before an article and a lower-case
  word is an instruction's verb ("Mark the module as public.", "Emit a fatal error if ..."); so
  is one that follows only code on its line ("ascii_downcase, ascii_upcase Emit a copy ...");
* ``technical_head`` (``person_shapes.before_technical_noun``, also in ``ingest.pii.name_shapes``):
  one word right before a technical noun is its modifier ("the Miller-Rabin test", "the
  Julian day", "an Alpha processor", "Sine function");
* ``technical_capitals`` (in ``ingest.pii.person_review``, per text): in a technical text or
  document, a spaCy finding written all in capitals is a placeholder or a constant ("-t
  CHAR", "discard CHAR CHAR"), unless its line names people (a signature, an officer's title);
* ``head_noun``: a relabelled span (ORG ...) that ends in a frequent English word that is no
  name is named after that word ("Wolfram Research", "Meta Platforms");
* ``org_needs_given_name``: an ORG span is a name only when its first word is a given name
  or its last a surname (of the large lexicon, ``ingest.pii.name_lexicon``);
* ``relabel_needs_shape``: a GPE/LOC/NORP/FAC/ORG span is a name only when it is 2-3
  title-case words, none an organisation or place word.

Four rules add names (``ADDING``; switched off, they add nothing):

* ``name_lists``: an ORG/GPE/NORP span that is a list of 2-3 lexicon names, none a
  frequent English word ("Lövgren, Meeres" as ORG): each is a PERSON;
* ``rare_given_place``: a lone given name or surname that spaCy calls a place or a
  nationality and that English text seldom uses (Zipf < 3.5: "said Zoë to Siobhan" as GPE,
  "Priya" as NORP, "Borges" as GPE; not "Austin", "Georgia", "Florence", nor a country:
  "Montenegro"); also as a building, product or event ("my kid Siobhan" as FAC);
* ``rare_surname_org``: a lone surname of the lexicon that spaCy calls an organisation and
  that English text almost never uses (Zipf < 2.5: "the Overgaard novel", "early
  Lindqvist?"; not "Costa", "Phillips" or a company such as "Siemens");
* ``capital_names`` (``ingest.pii.persons.CapitalsNameRecognizer``): names written in
  capitals, which spaCy never finds ("/s/ MARGARET ELLISON", "Dear JOHN SMITH").

Trimming (role words and labels in front, everything from a line break or a table cell on,
a possessive) is not a rule: it never drops a name. Two rules were measured and removed
(issue 13): "no capitalised word" and "a role word then one word" removed no false alarm
and lost no name on the dev part or the sample documents.
"""

from __future__ import annotations

from typing import Any

import regex as re

from ingest.given_names import NOT_NAME_PARTS, PRODUCT_NOUNS, ROLE_WORDS, TOOL_PREPOSITIONS
from ingest.pii.name_lexicon import (
    is_common_word, is_country, is_frequent_word, is_given, is_name_word, is_surname, zipf,
)
from ingest.pii.person_data import CURRENCY_WORDS, NOT_NAME_WORDS
from ingest.pii.person_shapes import (
    acronym, before_technical_noun, code_shape, imperative_start, junk_tail, known_non_name,
    lone_unknown_in_markup, month_date, place_words, symbols, title_case, without_english_ends,
)

RULES = (
    "digits",
    "symbols",
    "code_shape",
    "currency",
    "month_date",
    "acronym",
    "needs_lexicon",
    "common_head",
    "place_words",
    "product_terms",
    "lowercase_echo",
    "second_opinion",
    "not_name_parts",
    "tool_context",
    "ordinary_words",
    "no_letters",
    "lone_unknown",
    "technical_capitals",
    "imperative_start",
    "technical_head",
    "lone_in_markup",
    "head_noun",
    "org_needs_given_name",
    "relabel_needs_shape",
)
ADDING = ("name_lists", "rare_given_place", "rare_surname_org", "capital_names")
DISABLED: set[str] = set()  # rules switched off (benchmarks only)

# en_core_web_sm often calls an unfamiliar personal name ORG, GPE or NORP ("Amara Lopez").
_NAME_PRONE_LABELS = {"GPE", "NORP", "FAC", "LOC", "ORG"}
RELABELLED_NAME_SCORE = 0.5
LEXICON_NAME_SCORE = 0.45
_HAS_DIGIT = re.compile(r"\d")
_CELL_ENDS = frozenset({"|", "｜"})


def _on(rule: str) -> bool:
    return rule not in DISABLED


def person_entities(doc: Any, default_score: float) -> tuple[list[Any], list[float]]:
    """PERSON spans of ``doc`` and their scores."""
    entities: list[Any] = []
    scores: list[float] = []
    for ent in doc.ents:
        if ent.label_ == "PERSON":
            person = _person_span(ent)
            if person is None or not _plausible_name(person):
                continue
            entities.append(person)
            scores.append(default_score)
            continue
        if ent.label_ not in _NAME_PRONE_LABELS:
            continue
        name = _name_like_prefix(ent)
        if name is None and not _on("relabel_needs_shape"):
            name = _title_case_run(ent)
        if name is not None and ent.label_ == "ORG" and _on("org_needs_given_name"):
            if not is_given(name[0].text) and not is_surname(name[-1].text):
                name = None
        if name is not None and _on("head_noun") and len(without_english_ends(list(name))) < len(name):
            name = None  # "Wolfram Research", "Meta Platforms": a thing named after its head noun
        if name is not None and _shaped_like_name(list(name)):
            entities.append(name)
            scores.append(RELABELLED_NAME_SCORE)
            continue
        name = (_lexicon_name(ent) or _named_after_person_word(ent) or _rare_given_place(ent)
                or _rare_surname_org(ent))
        names = [name] if name is not None else _name_list(ent)
        names = [n for n in names if _shaped_like_name(list(n))]
        entities.extend(names)
        scores.extend(LEXICON_NAME_SCORE for _ in names)
    return entities, scores


RARE_GIVEN_ZIPF = 3.5
RARE_SURNAME_ZIPF = 2.5
_PLACE_LIKE = frozenset({"GPE", "NORP", "LOC", "FAC", "PRODUCT", "EVENT"})
_LIST_GLUE = frozenset({",", "and", "&"})


def _lexicon_word(tok: Any) -> bool:
    """A title-case name of the lexicon that is no frequent English word nor a place word."""
    w = tok.text
    return (title_case(w) and is_name_word(w) and not is_frequent_word(w) and not is_country(w)
            and w.lower() not in NOT_NAME_WORDS and w.lower() not in NOT_NAME_PARTS)


def _name_list(ent: Any) -> list[Any]:
    """"Lövgren, Meeres" (ORG): 2-3 lexicon names joined by commas or "and", one span each."""
    if not _on("name_lists"):
        return []
    words = [t for t in ent if t.text not in _LIST_GLUE]
    glue = [t for t in ent if t.text in _LIST_GLUE]
    if not 2 <= len(words) <= 3 or not glue or not all(_lexicon_word(t) for t in words):
        return []
    from spacy.tokens import Span

    return [Span(ent.doc, t.i, t.i + 1, label="PERSON") for t in words]


def _rare_given_place(ent: Any) -> Any:
    """A lone lexicon name labelled GPE, NORP, LOC ... that English seldom uses ("Siobhan",
    "Borges")."""
    if not _on("rare_given_place") or ent.label_ not in _PLACE_LIKE or len(ent) != 1:
        return None
    tok = ent[0]
    if not _lexicon_word(tok) or zipf(tok.text) >= RARE_GIVEN_ZIPF:
        return None
    return _relabel(ent)


def _rare_surname_org(ent: Any) -> Any:
    """A lone surname labelled ORG that English almost never uses ("the Overgaard novel")."""
    if not _on("rare_surname_org") or ent.label_ != "ORG" or len(ent) != 1:
        return None
    tok = ent[0]
    if not _lexicon_word(tok) or not is_surname(tok.text) or zipf(tok.text) >= RARE_SURNAME_ZIPF:
        return None
    return _relabel(ent)


def _plausible_name(ent: Any) -> bool:
    """spaCy's small model tags things like "AES-256", "eu-west-1" or "Dell Latitude 7" as
    PERSON; a personal name has no digits."""
    return not (_on("digits") and _HAS_DIGIT.search(ent.text))


def _person_span(ent: Any) -> Any:
    """``ent`` cut to the name in it, or None. A leading role or label word goes ("Employee
    D. Nguyen", "Name: Milena"), so does everything from a line break on ("Vilmer M.
    Holmberg\\nSTARTS CORPORATION") and from a table cell's end ("Oliver | oliver@x.com")."""
    tokens = list(ent)
    while tokens and (tokens[0].is_space or tokens[0].text in _CELL_ENDS):
        tokens.pop(0)
    while tokens and tokens[0].lower_.rstrip(".:") in ROLE_WORDS:
        tokens.pop(0)
        while tokens and tokens[0].text in (":", "-"):
            tokens.pop(0)
    for i, tok in enumerate(tokens):  # a name ends at a line break or a table cell's end
        if tok.is_space or tok.text in _CELL_ENDS or "@" in tok.text:
            tokens = tokens[:i]
            break
        if "\n" in tok.whitespace_ or "\t" in tok.whitespace_:
            tokens = tokens[: i + 1]
            break
    cut = False
    while len(tokens) >= 2 and junk_tail(tokens):
        tokens.pop()  # "Samuel Colvin Permission", "Keith Stribley Copyright"
        cut = True
    if cut and len(tokens) == 1 and is_frequent_word(tokens[0].text):
        return None  # "Valid JSON": what is left is an English word
    if _on("common_head"):
        tokens = without_english_ends(tokens)
    if not tokens:
        return None
    if _on("not_name_parts") and any(t.lower_ in NOT_NAME_PARTS for t in tokens):
        return None
    if not _shaped_like_name(tokens):
        return None
    if _on("needs_lexicon") and known_non_name(tokens):
        return None
    if _on("tool_context") and len(tokens) == 1 and _tool_context(tokens[0]):
        return None
    if _on("ordinary_words") and _ordinary_words(tokens):
        return None
    if _on("no_letters") and not any(_WORD.search(t.text) for t in tokens):
        return None  # "😉", "↔"
    if _on("lone_unknown") and len(tokens) == 1 and lone_unknown_in_markup(tokens[0]):
        return None
    if (_on("imperative_start") and len(tokens) == 1
            and imperative_start(ent.doc.text, tokens[0].idx, tokens[0].idx + len(tokens[0].text))):
        return None
    if (_on("technical_head") and len(tokens) == 1
            and before_technical_noun(ent.doc.text, tokens[0].idx, tokens[0].idx + len(tokens[0].text))):
        return None
    if len(tokens) == len(ent):
        return ent
    from spacy.tokens import Span

    return Span(ent.doc, tokens[0].i, tokens[-1].i + 1, label="PERSON")


_WORD = re.compile(r"[^\W\d_]+")


def _shaped_like_name(tokens: list[Any]) -> bool:
    """The rules every PERSON span from spaCy passes, however it was labelled."""
    if _on("symbols") and symbols(tokens):
        return False
    if _on("code_shape") and code_shape(tokens):
        return False
    if _on("currency") and tokens[-1].lower_ in CURRENCY_WORDS:
        return False
    if _on("month_date") and _before_a_day(tokens[-1]):
        return False
    if _on("acronym") and len(tokens) == 1 and acronym(tokens[0].text):
        return False
    return not (_on("place_words") and place_words(tokens))


def _before_a_day(token: Any) -> bool:
    end = token.idx + len(token.text)
    return month_date(token.text, token.doc.text[end : end + 8])


def _ordinary_words(tokens: list[Any]) -> bool:
    """Every word frequent in English and none a name of the lexicon ("Taxi", "Wi-Fi")."""
    words = [w for t in tokens for w in _WORD.findall(t.text)]
    return bool(words) and all(is_frequent_word(w) and not is_name_word(w) for w in words)


def _tool_context(token: Any) -> bool:
    """A lone word used as a product: after "in/through/via/using", or before "app/account/..."
    on the same line (a possessive "in Anna's team" stays a name)."""
    doc = token.doc
    before = doc[token.i - 1] if token.i > 0 else None
    after = doc[token.i + 1] if token.i + 1 < len(doc) else None
    if after is not None and after.text in ("'s", "’s"):
        return False
    if before is not None and before.lower_ in TOOL_PREPOSITIONS and "\n" not in before.whitespace_:
        return True
    return after is not None and after.lower_ in PRODUCT_NOUNS and "\n" not in token.whitespace_


def _name_like_prefix(ent: Any) -> Any:
    """The leading run of 2-3 title-case word tokens of ``ent``, relabelled PERSON, or None."""
    tokens = []
    for tok in ent:
        if not title_case(tok.text):
            break
        if tok.lower_.rstrip(".") in NOT_NAME_WORDS or tok.lower_ in NOT_NAME_PARTS:
            return None
        tokens.append(tok)
    if not 2 <= len(tokens) <= 3:
        return None
    from spacy.tokens import Span

    return Span(ent.doc, tokens[0].i, tokens[-1].i + 1, label="PERSON")


def _title_case_run(ent: Any) -> Any:
    """The leading title-case run of ``ent`` with no shape rule (``relabel_needs_shape`` off)."""
    tokens = []
    for tok in ent:
        if not title_case(tok.text):
            break
        tokens.append(tok)
    if not tokens:
        return None
    from spacy.tokens import Span

    return Span(ent.doc, tokens[0].i, tokens[-1].i + 1, label="PERSON")


def _lexicon_name(ent: Any) -> Any:
    """A mislabelled span of 1-3 title-case words that are all given names or surnames of the
    lexicon and none an ordinary English word ("Darda" as GPE, "Hamanová" as NORP)."""
    tokens = [t for t in ent if not t.is_punct]
    if not 1 <= len(tokens) <= 3 or len(tokens) != len(ent):
        return None
    for tok in tokens:
        if not title_case(tok.text) or is_common_word(tok.text) or not is_name_word(tok.text):
            return None
        if tok.lower_ in NOT_NAME_WORDS or tok.lower_ in NOT_NAME_PARTS:
            return None
    if len(tokens) == 1 and (ent.label_ != "ORG" or not is_given(tokens[0].text)):
        return None  # a lone place or nationality word is one ("Austin", "Briton")
    return ent if ent.label_ == "PERSON" else _relabel(ent)


def _relabel(ent: Any) -> Any:
    from spacy.tokens import Span

    return Span(ent.doc, ent.start, ent.end, label="PERSON")


_PERSON_WORDS_BEFORE = frozenset(
    "name named call called me dear hi hello hey thanks mr mrs ms miss dr".split()  # noqa: SIM905
)


def _named_after_person_word(ent: Any) -> Any:
    """A mislabelled lone lexicon name right after "my name is", "call me", "Dear" ...
    ("call me Karin" -> GPE, "maiden name is Lamotte" -> ORG)."""
    if len(ent) != 1 or not title_case(ent.text) or not is_name_word(ent.text):
        return None
    if is_common_word(ent.text) or ent.text.lower() in NOT_NAME_WORDS:
        return None
    doc = ent.doc
    before = [t.lower_ for t in doc[max(0, ent.start - 2) : ent.start] if not t.is_punct]
    if not any(w in _PERSON_WORDS_BEFORE for w in before):  # "Dear X", "name is X"
        return None
    return _relabel(ent)
