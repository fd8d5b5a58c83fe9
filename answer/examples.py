"""Example questions for a first visit, drawn from the section titles of the stored chunks.

A question is made from a heading, never from body text, and from the store's chunks only, so
from de-identified text. It is in the heading's language (a Chinese heading gives a Chinese
question) and shaped by the heading: a heading that is already a question stays one, "How to
..." becomes "How do I ...?", an amount or a rule ("Meal allowance", "Working hours") becomes
"What is / are the ...?", "Before the First Day" becomes "What happens before the first day?",
anything else "What does <document> say about ...?". Headings that say nothing of the content
(Purpose, Scope, Contacts, Welcome, 总则, 附则 ...) are skipped, and so is one with a redaction
placeholder in it.

The choice is deterministic and favours the questions a document most likely answers in a
sentence: a heading that is a question, then amounts, rules and procedures, then the rest
(`rank`); within a rank, reading order. One question per document in turn, the documents of
each round by rank, then by id, until there are enough.

A heading says what a section is about, not that the served model answers it: with a `check`
(the answer service, asked in a background thread), `ExampleQuestions` asks the candidates in
that order until `wanted` per language were answered grounded, and offers those first, the
unchecked next, and the ones the service suppressed last. A click on an example then gets
a cited answer, not a suppression, whatever the model.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from kb_service.store.base import VectorStore
from kb_service.store.filters import Eq
from kb_service.text import has_cjk, is_cjk
from kb_service.types import Passage

Language = Literal["en", "zh"]
Check = Callable[[str], bool]  # True when the service answers the question grounded

log = logging.getLogger(__name__)

# Documents read at most for one set of examples: enough to spread three over documents,
# few enough that a large store is not read whole.
MAX_DOCUMENTS_READ = 12
MAX_TITLE_CHARS = 60

_NUMBERING = re.compile(
    r"^\s*(?:"
    r"(?i:section|chapter|article|part)\s+(?:\d+|[IVXLC]+)[.:)]?"  # Section 3, Chapter IV
    r"|\d{1,2}(?:\.\d{1,3})*[.):]?(?=\s)"  # 1.  4.1  2)  (not a year: "2024 Changes")
    r"|[IVXLC]+[.)](?=\s)"  # IV.  (upper case and a dot: "Civil Leave" keeps its first word)
    r"|[A-Za-z][.)](?=\s)"  # A.  b)
    r"|第[一二三四五六七八九十百零〇\d]+[章节条部分款篇]"  # 第三章  第十二条
    r"|[一二三四五六七八九十]+[、.．]"  # 一、
    r"|[（(][一二三四五六七八九十\d]+[）)]"  # （一）
    r")\s*",
)
_PLACEHOLDER = re.compile(r"<[A-Z_]+_\d+>")
_GENERIC_EN = frozenset({
    "purpose", "scope", "purpose and scope", "scope and purpose", "introduction", "overview", "summary",
    "contents", "table of contents", "contact", "contacts", "contact information", "references", "appendix",
    "annex", "glossary", "definitions", "general", "general provisions", "document control", "revision history",
    "version history", "change log", "changelog", "about this document", "background", "notes", "index",
    "welcome", "foreword", "preface", "about us", "checklist", "miscellaneous", "other", "others", "faq",
    "frequently asked questions", "questions", "q&a", "questions and answers", "further information",
})
_GENERIC_ZH = frozenset({"总则", "附则", "目的", "适用范围", "目录", "引言", "前言", "概述", "定义", "术语和定义",
                         "联系方式", "附录", "附件", "说明", "其他", "其它", "修订记录", "版本记录"})
# English headings naming an amount, a rule or a procedure: "What is the <heading>?"
_WHAT_IS_EN = re.compile(
    r"\b(allowance|limit|rate|amount|fee|deadline|period|threshold|policy|procedure|process|schedule|"
    r"entitlement|budget|requirement|rule|term|hour|benefit|step|responsibilit(?:y|ies)|categor(?:y|ies))s?$",
    re.IGNORECASE,
)
_PREPOSITION_EN = re.compile(r"^(?:before|after|during|on|in|at|within|until|upon|from)\s", re.IGNORECASE)
_PERIOD_EN = re.compile(r"^(?:the\s+)?(?:first|last|next)\s+(?:\d+\s+)?(?:day|week|month|year)s?$", re.IGNORECASE)
_HOW_TO_EN = re.compile(r"^how\s+(?:to|do\s+i|can\s+i)\s+(.+)$", re.IGNORECASE)
_WH_EN = re.compile(r"^(?:who|what|when|where|which|why|how)\s", re.IGNORECASE)
_AMOUNT_ZH = re.compile(r"(标准|额度|金额|补贴|限额|费用|期限|天数)$")
_PROCEDURE_ZH = re.compile(r"(流程|程序|步骤|办法|方式|手续)$")
_HOW_ZH = re.compile(r"(如何|怎样|怎么|是否|哪些|什么|多少)")


@dataclass(frozen=True)
class ExampleQuestion:
    question: str
    section: str  # the heading it was made from, without its numbering
    document: str  # the document's source name
    language: Language
    rank: int = 3  # 0: the heading asks; 1: an amount, a rule, a procedure; 2: a time or place; 3: a topic


def clean_heading(heading: str) -> str:
    """The heading without its numbering ("4.1 Health and Safety" -> "Health and Safety")."""
    text = " ".join(heading.split())
    stripped = _NUMBERING.sub("", text, count=1).strip(" .:-—–·")
    return stripped or text


def heading_language(heading: str) -> Language:
    return "zh" if is_cjk(heading) else "en"


def _usable(heading: str, document_title: str) -> bool:
    if not heading or len(heading) > MAX_TITLE_CHARS or _PLACEHOLDER.search(heading) or "<" in heading:
        return False
    if not re.search(r"[A-Za-z\u3400-\u9fff]", heading):
        return False  # numbers or punctuation only
    if heading.casefold() == document_title.casefold():
        return False
    key = heading.casefold().rstrip("?？")
    return key not in _GENERIC_EN and heading not in _GENERIC_ZH


def _lower_words(phrase: str) -> str:
    """'Meal Allowance' -> 'meal allowance'; acronyms and words with digits keep their case
    ('IT Equipment' -> 'IT equipment')."""
    def keep(word: str) -> bool:
        return any(ch.isdigit() for ch in word) or (not word.istitle() and not word.islower())

    return " ".join(word if keep(word) else word.lower() for word in phrase.split(" "))


def question_for(heading: str, document_title: str) -> str:
    """A question in the heading's language, by the heading's shape."""
    return shaped_question(heading, document_title)[0]


def shaped_question(heading: str, document_title: str) -> tuple[str, int]:
    """(question, rank): see ExampleQuestion.rank."""
    if heading_language(heading) == "zh":
        return _question_zh(heading, document_title)
    return _question_en(heading, document_title)


def _question_en(heading: str, title: str) -> tuple[str, int]:
    text = heading.rstrip(" .:")
    if text.endswith("?"):
        return text, 0
    if match := _HOW_TO_EN.match(text):
        return f"How do I {_lower_words(match.group(1))}?", 1
    if _WH_EN.match(text):
        return f"{text}?", 0
    phrase = _lower_words(text)
    if _PREPOSITION_EN.match(text):
        return f"What happens {phrase}?", 2
    if _PERIOD_EN.match(text):  # "First Week" -> "What happens in the first week?"
        return f"What happens in the {phrase.removeprefix('the ')}?", 2
    if " " in text and _WHAT_IS_EN.search(text) and not re.search(r"\s(?:and|&)\s|,", text):
        verb = "are" if re.search(r"(?<!s)s$", text) else "is"
        return f"What {verb} the {phrase}?", 1
    if title and not has_cjk(title):
        subject = title if title.lower().startswith("the ") else f"the {title}"
        return f"What does {subject} say about {phrase}?", 3
    return f"What are the rules on {phrase}?", 3


def _question_zh(heading: str, title: str) -> tuple[str, int]:
    text = heading.rstrip("。：:")
    if text.endswith(("？", "?")):
        return text.rstrip("?") + ("" if text.endswith("？") else "？"), 0
    if _HOW_ZH.search(text):
        return f"{text}？", 0
    if _AMOUNT_ZH.search(text):
        return f"{text}是多少？", 1
    if _PROCEDURE_ZH.search(text):
        return f"{text}是怎样的？", 1
    if title and is_cjk(title):
        return f"《{title}》中关于{text}有哪些规定？", 3
    return f"关于{text}有哪些规定？", 3


def _document_candidates(passages: Iterable[Passage]) -> list[ExampleQuestion]:
    """One candidate per distinct usable heading of a document, by rank, then in reading order."""
    seen: set[str] = set()
    found: list[ExampleQuestion] = []
    for passage in sorted(passages, key=lambda p: p.ordinal):
        path = passage.section_path or ([passage.section] if passage.section else [])
        if not path:
            continue
        heading = clean_heading(path[-1])  # the innermost heading says most about the chunk
        key = heading.casefold()
        if key in seen or not _usable(heading, clean_heading(passage.title)):
            continue
        seen.add(key)
        question, rank = shaped_question(heading, passage.title)
        found.append(ExampleQuestion(question, heading, passage.source, heading_language(heading), rank))
    return sorted(found, key=lambda q: q.rank)  # stable: reading order within a rank


def pick_examples(
    per_document: Sequence[list[ExampleQuestion]], n: int = 3, language: Language | None = None
) -> list[ExampleQuestion]:
    """Round-robin over documents so examples come from different ones (each round by rank,
    then in document order); questions in `language` first when there are any."""
    def interleave(lists: Sequence[list[ExampleQuestion]]) -> list[ExampleQuestion]:
        out: list[ExampleQuestion] = []
        depth = max((len(items) for items in lists), default=0)
        for i in range(depth):
            out += sorted((items[i] for items in lists if i < len(items)), key=lambda q: q.rank)
        return out

    if language is None:
        return interleave(per_document)[:n]
    preferred = interleave([[q for q in items if q.language == language] for items in per_document])
    others = interleave([[q for q in items if q.language != language] for items in per_document])
    return (preferred + others)[:n]


def example_questions(store: VectorStore, n: int = 3, language: Language | None = None) -> list[ExampleQuestion]:
    """Up to `n` example questions from the stored chunks' section titles."""
    per_document: list[list[ExampleQuestion]] = []
    for document_id in sorted(store.documents())[:MAX_DOCUMENTS_READ]:
        candidates = _document_candidates(store.chunks(Eq("document_id", document_id)))
        if candidates:
            per_document.append(candidates)
    return pick_examples(per_document, n, language)


class ExampleQuestions:
    """Example questions, computed once per state of the knowledge base.

    `signature` says what is indexed (e.g. document ids and versions); the store is read
    again only when it changes, so the chat's first screen costs no store scan. With a
    `check`, `start_checking` asks the candidates in the background (see the module text)."""

    def __init__(
        self, store: VectorStore, signature: Callable[[], Hashable], *, pool: int = 10,
        check: Check | None = None, wanted: int = 3,
    ) -> None:
        self._store = store
        self._signature = signature
        self._pool = pool
        self._check = check
        self._wanted = wanted
        self._lock = threading.Lock()
        self._cached: tuple[Hashable, dict[Language | None, list[ExampleQuestion]]] | None = None
        self._verdicts: dict[str, bool] = {}  # question -> answered grounded, for the cached signature
        self._checking: threading.Thread | None = None
        self._checked: Hashable | None = None  # the signature whose check ran to its end
        self._stopping = threading.Event()

    def get(self, n: int = 3, language: Language | None = None) -> list[ExampleQuestion]:
        signature, found = self._candidates(language)
        if self._check is not None:
            self.start_checking(signature)
        with self._lock:
            verdicts = dict(self._verdicts)
        answered = [q for q in found if verdicts.get(q.question) is True]
        unchecked = [q for q in found if q.question not in verdicts]
        suppressed = [q for q in found if verdicts.get(q.question) is False]
        return (answered + unchecked + suppressed)[:n]

    def verdicts(self) -> dict[str, bool]:
        with self._lock:
            return dict(self._verdicts)

    def _candidates(self, language: Language | None) -> tuple[Hashable, list[ExampleQuestion]]:
        """(what is indexed now, the candidates for it): the store is read once per state."""
        signature = self._signature()
        with self._lock:
            if self._cached is None or self._cached[0] != signature:
                self._cached = (signature, {})
                self._verdicts = {}
            by_language = self._cached[1]
            if language not in by_language:
                by_language[language] = example_questions(self._store, self._pool, language)
            return signature, by_language[language]

    def start_checking(self, signature: Hashable | None = None) -> None:
        """Ask the candidates in a daemon thread, unless a check is running or has run for
        what is indexed now (`signature`, read here when not given)."""
        signature = self._signature() if signature is None else signature
        with self._lock:
            if self._check is None or (self._checking is not None and self._checking.is_alive()):
                return
            if self._stopping.is_set() or (self._checked is not None and self._checked == signature):
                return
            self._checking = threading.Thread(target=self.check_now, name="example-questions", daemon=True)
            self._checking.start()

    def stop(self, timeout: float = 30.0) -> None:
        """No further question is asked; waits for the one being answered (service shutdown)."""
        self._stopping.set()
        self.wait(timeout)

    def wait(self, timeout: float) -> bool:
        """Wait for a running check to end; True when none is running."""
        with self._lock:
            thread = self._checking
        if thread is not None:
            thread.join(timeout)
        return thread is None or not thread.is_alive()

    def check_now(self) -> None:
        """Ask candidates in order until `wanted` per language were answered grounded (or all
        were asked); stops early when the indexed documents change."""
        assert self._check is not None
        signature, candidates = self._candidates(None)
        languages = {q.language for q in candidates}
        for question in candidates:
            with self._lock:
                if self._stopping.is_set() or self._cached is None or self._cached[0] != signature:
                    return
                good = [q.language for q in candidates if self._verdicts.get(q.question) is True]
                if all(good.count(lang) >= self._wanted for lang in languages):
                    break
                if question.question in self._verdicts or good.count(question.language) >= self._wanted:
                    continue
            try:
                answered = self._check(question.question)
            except Exception as exc:  # the model server down: leave it unchecked, try later
                log.warning("example question not checked (%s); it stays on offer", type(exc).__name__)
                return
            with self._lock:
                if self._cached is not None and self._cached[0] == signature:
                    self._verdicts[question.question] = answered
        with self._lock:
            self._checked = signature
