"""Text helpers of the rule generator (`training.pairs`): sentence shape, casing, question
marks, and a chunk read into its title, sentences, items and table rows."""

from __future__ import annotations

import re
from dataclasses import dataclass

from answer.sentences import split_sentences
from kb_service.types import Passage

PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*_\d+>")
_TERMINAL = re.compile(r"[.!?。！？；;][\"'”’)）」』]*$")
_STARTS_WELL = re.compile(r"^[\"“‘(（]?[A-Z0-9\u3400-\u4dbf\u4e00-\u9fff]")
_HEADING_NUMBER = re.compile(
    r"^\s*(?:(?:\d+(?:\.\d+)*\.?|[A-Z]\.)\s+"
    r"|第[一二三四五六七八九十百零〇两\d]+[章节部分编]\s*)"
)
_ARTICLE = re.compile(r"^\s*(第[一二三四五六七八九十百零〇两\d]+条)\s*")
_NUMBERED_ITEM = re.compile(r"^\s*(\d{1,2})[.)]\s+(\S.*)$")
_LABELLED_ITEM = re.compile(r"^\s*[-*•·▪]\s+(?P<label>[^:：]{2,40})[:：]\s*(?P<body>\S.*)$")
_WORD = re.compile(r"[A-Za-z][\w'’\-]*")
# A subject starting with one of these is a pronoun or a subordinate clause, not a subject.
_PRONOUNS = frozenset(
    """you we they it this that these those there he she i one each both its their our your my his
    her when if after before while once unless although because for in on at during where""".split()
)
_ARTICLES = frozenset({"the", "a", "an", "all", "every", "each", "any", "no"})
# Where an English clause ends: a semicolon or colon, or a comma before a linking word (a comma
# inside a list, "breakfast, lunch, dinner", does not end it).
_EN_CLAUSE_END = re.compile(
    r"[;:]\s|,\s+(?=(?:and|but|or|so|which|who|whose|as|unless|if|when|while|because|although|"
    r"whereas|except|including|provided|everywhere|otherwise)\b)"
)
# A question made from a sentence that starts like this would not say what it is about.
_VAGUE_STARTS = frozenset("it they this these those both he she its their our we".split())
_FUNCTION_WORDS = frozenset(
    "and or to of the a an per in on at for with by from than as is are was be between into".split()
)


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _cjk_len(text: str) -> int:
    return len(re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff]", text))


def _placeholder_share(text: str) -> float:
    """Share of the sentence's words (or CJK characters) that are placeholders."""
    holders = len(PLACEHOLDER.findall(text))
    if not holders:
        return 0.0
    rest = PLACEHOLDER.sub(" ", text)
    units = len(_words(rest)) + _cjk_len(rest) // 2
    return holders / max(1, holders + units)


def _is_sentence(text: str, zh: bool) -> bool:
    """Running prose: starts like a sentence, ends with a terminator, long enough to say
    something, and is not mostly placeholders (a contact block teaches nothing)."""
    if not _TERMINAL.search(text) or not _STARTS_WELL.match(text):
        return False
    size = _cjk_len(text) if zh else len(_words(text))
    return size >= (8 if zh else 4) and _placeholder_share(text) <= 0.3


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _soft_lower(phrase: str, context: str) -> str:
    """Lower-case the first word of a sentence-initial phrase when it is an ordinary word:
    "Passwords" -> "passwords", "A lost YubiKey" -> "a lost YubiKey", but "Okta Verify",
    "SMS codes" and "Finance" (capitalised in mid-sentence elsewhere) stay as they are."""
    words = phrase.split(" ")
    first = words[0]
    if first.lower() in _ARTICLES:
        return first.lower() + phrase[len(first):]
    if not first[:1].isupper() or not first[1:].islower():
        return phrase
    if re.search(rf"[\w,;:)]\s+{re.escape(first)}\b", context):
        return phrase  # capitalised in mid-sentence: a name
    if len(words) > 1 and not words[1][:1].islower():
        return phrase
    return first.lower() + phrase[len(first):]


def _topic_case(topic: str, context: str) -> str:
    """A heading in running text: "Breaks and Rest" -> "breaks and rest", keeping acronyms and
    words the chunk or title capitalises in mid-sentence ("Northwind", "Okta"). Title case in
    a question reads like a name, to a reader and to the de-identifier's NER alike."""
    def lower(word: str) -> str:
        parts = word.split("-")
        if not all(p[:1].isupper() and p[1:].islower() for p in parts if p):
            return word
        if re.search(rf"[\w,;:)]\s+{re.escape(parts[0])}\b", context):
            return word
        return word.lower()

    return " ".join(lower(word) for word in topic.split(" "))


def _question_mark(text: str, zh: bool) -> str:
    text = re.sub(r"[\s,;:，；：、.。!！]+$", "", text.strip())
    return text + ("？" if zh else "?")


def _title_phrase(passage: Passage, zh: bool) -> str:
    title = (passage.title or passage.source).strip()
    if zh:
        return f"《{title}》" if title else "本制度"
    if not title:
        return "the document"
    return title if title.lower().startswith("the ") else f"the {title}"


def _merge_clauses(pieces: list[str]) -> list[str]:
    """The claim splitter also cuts at ';' and '；'; a reader's sentence ends at '.', '?', '!'."""
    merged: list[str] = []
    for piece in pieces:
        if merged and merged[-1].endswith((";", "；")):
            separator = "" if merged[-1].endswith("；") else " "
            merged[-1] = f"{merged[-1]}{separator}{piece}"
        else:
            merged.append(piece)
    return merged


@dataclass(frozen=True, slots=True)
class _Chunk:
    """What the rules look at: prose sentences, list items and table blocks."""

    sentences: list[str]
    numbered: list[tuple[str, str]]  # (number, item text)
    labelled: list[tuple[str, str]]  # (label, whole item line)
    tables: list[list[list[str]]]  # rows of cells; the first row is the header


def _read(text: str, zh: bool) -> _Chunk:
    sentences: list[str] = []
    numbered: list[tuple[str, str]] = []
    labelled: list[tuple[str, str]] = []
    tables: list[list[list[str]]] = []
    table: list[list[str]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.count("|") >= 1 and len(stripped.split("|")) >= 2:
            table.append([cell.strip() for cell in stripped.split("|")])
            continue
        if table:
            tables.append(table)
            table = []
        if not stripped:
            continue
        if m := _NUMBERED_ITEM.match(stripped):
            numbered.append((m.group(1), m.group(2).strip()))
        if m := _LABELLED_ITEM.match(stripped):
            labelled.append((m.group("label").strip(), stripped.lstrip("-*•·▪ ").strip()))
        body = _NUMBERED_ITEM.sub(r"\2", stripped)
        body = re.sub(r"^\s*[-*•·▪]\s+", "", body)
        sentences.extend(s for s in _merge_clauses(split_sentences(body)) if _is_sentence(s, zh))
    if table:
        tables.append(table)
    return _Chunk(sentences, numbered, labelled, tables)
