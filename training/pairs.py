"""Question/answer candidates from one stored chunk, by rules (no model needed).

`RuleGenerator` turns the shapes policy documents are written in into questions:

- a section heading -> "What does the <title> say about <heading>?" (Chinese: 第X条 articles
  -> "《标题》第X条（标题）是如何规定的？"), answered by the chunk's first sentence(s); an FAQ
  heading that already is a question is used as it stands;
- a definition ("X means Y", "X is defined as Y", "A X is any Y", "long name (ABBR)";
  以下简称"X", X是指Y) -> "What does X mean?" / "What does ABBR stand for?";
- a rule (must / must not / never / may only; 不得 / 严禁 / 禁止 / 应当 / 须 / 必须) ->
  "What are the rules for <subject>?" / "What is not allowed for <subject>?"; numbered steps
  ("1. ...") -> "What is step 1 of <heading>?";
- a number, amount, percentage, date or time -> the sentence with that value asked for
  ("Full-time employees receive how many days of paid annual leave?"; "系统密码长度不得少于多少位？");
- a yes/no statement ("SMS codes are not accepted.", "Employees may use ...", "严禁共用账号")
  -> "Are SMS codes accepted?", "Can employees use ...?", "是否可以共用账号？";
- a table row under a header row ("a | b | c") -> "What is the <column> for <row>?".

Every answer except a table row's is a sentence copied from the chunk, so it is supported by
its chunk by construction; a table answer is one sentence made of the row's own cells
("The Limit (USD) for Taxi is 60.00."). Sentences are split exactly as the claim verifier
splits answers (`answer.sentences.split_sentences`), so an answer is a sequence of whole claims.
Questions that would carry a de-identification placeholder (``<PERSON_1>``) are not made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from kb_service.text import is_cjk
from kb_service.types import Passage
from training.pair_numbers import number_questions
from training.pair_text import (
    _ARTICLE,
    _FUNCTION_WORDS,
    _HEADING_NUMBER,
    _PRONOUNS,
    _TERMINAL,
    PLACEHOLDER,
    _Chunk,
    _cjk_len,
    _read,
    _soft_lower,
    _title_phrase,
    _topic_case,
    _words,
)

QType = Literal["fact", "definition", "procedure", "number", "yesno", "table"]
QTYPES: tuple[QType, ...] = ("fact", "definition", "procedure", "number", "yesno", "table")


@dataclass(frozen=True, slots=True)
class QAPair:
    """A question, its answer, and the chunk that supports the answer."""

    question: str
    answer: str
    chunk_id: str
    document_id: str
    qtype: str
    generator: str = "rules"  # "rules" or "llm"


class RuleGenerator:
    """Deterministic question/answer pairs from one chunk (see the module docstring)."""

    def __init__(self, max_per_chunk: int = 8, max_table_rows: int = 6) -> None:
        if max_per_chunk < 1:
            raise ValueError("max_per_chunk must be at least 1")
        self.max_per_chunk = max_per_chunk
        self.max_table_rows = max_table_rows

    def generate(self, passage: Passage) -> list[QAPair]:
        zh = is_cjk(passage.text)  # mainly Chinese: the Chinese rules apply
        chunk = _read(passage.text, zh)
        by_type: dict[str, list[tuple[str, str]]] = {
            "fact": list(self._heading(passage, chunk, zh)) + list(self._labelled(passage, chunk, zh)),
            "definition": list(self._definitions(passage, chunk, zh)),
            "procedure": list(self._rules(passage, chunk, zh)),
            "number": list(self._numbers(chunk, zh)),
            "yesno": list(self._yes_no(passage, chunk, zh)),
            "table": list(self._table_rows(chunk, zh)),
        }
        picked: list[QAPair] = []
        seen: set[str] = set()
        # Round-robin over the types, so a chunk full of numbers still gets its heading question.
        queues = {qtype: iter(items) for qtype, items in by_type.items()}
        while queues and len(picked) < self.max_per_chunk:
            for qtype in list(queues):
                item = next(queues[qtype], None)
                if item is None:
                    del queues[qtype]
                    continue
                question, answer = (part.strip() for part in item)
                key = re.sub(r"\W+", " ", question.lower()).strip()
                if (
                    not question
                    or not answer
                    or key in seen
                    or PLACEHOLDER.search(question)
                    or question.rstrip("?？") == answer.rstrip(".。")
                ):
                    continue
                seen.add(key)
                picked.append(
                    QAPair(question, answer, passage.chunk_id, passage.document_id, qtype, "rules")
                )
                if len(picked) >= self.max_per_chunk:
                    break
        return picked

    # --- headings -----------------------------------------------------------------------
    def _heading(self, passage: Passage, chunk: _Chunk, zh: bool) -> Iterable[tuple[str, str]]:
        if not passage.section_path or not chunk.sentences:
            return
        raw = passage.section_path[-1].strip()
        if PLACEHOLDER.search(raw):
            return
        first = chunk.sentences[0]
        short = (_cjk_len(first) < 15) if zh else (len(_words(first)) < 10)
        answer = first
        if short and len(chunk.sentences) > 1:
            answer = f"{first}{'' if zh else ' '}{chunk.sentences[1]}"
        if raw.endswith(("?", "？")):
            yield raw, answer  # an FAQ heading is the question
            return
        article = _ARTICLE.match(raw)
        topic = _HEADING_NUMBER.sub("", _ARTICLE.sub("", raw)).strip()
        if len(topic) < 2 or topic == (passage.title or "").strip():
            return
        title = _title_phrase(passage, zh)
        if zh:
            if article:
                yield f"{title}{article.group(1)}（{topic}）是如何规定的？", answer
            else:
                yield f"{title}中关于{topic}有哪些规定？", answer
        else:
            topic = _topic_case(topic, passage.text)
            yield f"What does {title} say about {topic}?", answer

    def _labelled(self, passage: Passage, chunk: _Chunk, zh: bool) -> Iterable[tuple[str, str]]:
        """List items such as "- Starter: 49 USD per user per month, ..."."""
        for label, line in chunk.labelled:
            if PLACEHOLDER.search(label) or not _TERMINAL.search(line):
                continue
            if zh:
                yield f"{_title_phrase(passage, zh)}中关于{label}有什么规定？", line
            else:
                yield f"What does {_title_phrase(passage, zh)} say about {label}?", line

    # --- definitions --------------------------------------------------------------------
    _EN_DEFINES = re.compile(
        r"^(?P<term>[A-Z][\w'’\- ]{1,60}?)\s+(?P<verb>means|is defined as|are defined as|refers to|"
        r"is any|are any|is the|is an?)\s+\S"
    )
    _ABBREVIATION = re.compile(r"((?:[A-Za-z][\w\-]*\s+){1,7}?)\(([A-Z]{2,6})\)")
    _ZH_ALIAS = re.compile(r"以下简称[“\"「]([^”\"」]{1,12})[”\"」]")
    _ZH_DEFINES = re.compile(r"(?:^|[，,；;])(?P<term>[^，,；;。：:]{2,16}?)(?:是指|系指|指的是)")

    def _definitions(self, passage: Passage, chunk: _Chunk, zh: bool) -> Iterable[tuple[str, str]]:
        for sentence in chunk.sentences:
            if zh:
                if m := self._ZH_ALIAS.search(sentence):
                    yield f"{_title_phrase(passage, zh)}中的“{m.group(1)}”指什么？", sentence
                if m := self._ZH_DEFINES.search(sentence):
                    yield f"{m.group('term').strip()}是指什么？", sentence
                continue
            for m in self._ABBREVIATION.finditer(sentence):
                words, abbr = m.group(1).split(), m.group(2)
                tail_words = words[-len(abbr):] if len(words) >= len(abbr) else []
                initials = "".join(w[0] for w in tail_words).upper()
                compact = "".join(part[0] for w in words for part in w.split("-")).upper()
                if initials == abbr or compact.endswith(abbr):
                    yield f"What does {abbr} stand for?", sentence
            m = self._EN_DEFINES.match(sentence)
            if m is None:
                continue
            term, verb = m.group("term").strip(), m.group("verb")
            if len(term.split()) > 6 or term.split()[0].lower() in _PRONOUNS or PLACEHOLDER.search(term):
                continue
            if verb in ("means", "is defined as", "are defined as", "refers to"):
                yield f"What does {_soft_lower(term, passage.text)} mean?", sentence
            elif verb in ("is any", "are any") or len(term.split()) <= 4:
                be = "are" if verb.startswith("are") else "is"
                yield f"What {be} {_soft_lower(term, passage.text)}?", sentence

    # --- rules --------------------------------------------------------------------------
    _EN_MODAL = re.compile(
        r"\b(?P<modal>must not|must never|must|shall not|shall|may only|may not|is required to|"
        r"are required to|is not allowed|are not allowed|is mandatory|are mandatory|is prohibited|"
        r"are prohibited)\b"
    )
    # 须 but not 无须 ("need not"); 应 as a modal, not inside 响应, 供应商, 相应, 应用 ...
    _ZH_MODAL = re.compile(
        r"(?P<modal>不得|严禁|禁止|不准|应当|必须|(?<![必无])须"
        r"|(?<![响供相对适反答回效])应(?=[在于当按及将向对为予由经]))"
    )
    _ZH_NEGATIVE = ("不得", "严禁", "禁止", "不准")

    def _rules(self, passage: Passage, chunk: _Chunk, zh: bool) -> Iterable[tuple[str, str]]:
        heading = passage.section_path[-1] if passage.section_path else ""
        heading = _HEADING_NUMBER.sub("", _ARTICLE.sub("", heading)).strip()
        if not zh:
            heading = _topic_case(heading, passage.text)
        if PLACEHOLDER.search(heading):
            heading = ""
        for number, item in chunk.numbered:
            if heading and _TERMINAL.search(item) and not zh:
                yield f"What is step {number} of {heading}?", item
        for sentence in chunk.sentences:
            if zh:
                m = self._ZH_MODAL.search(sentence)
                if m is None:
                    continue
                clause = re.split(r"[，,；;：:]", sentence[: m.start()])[-1]
                subject = re.sub(r"^(?:且|并|但|并且|同时|其中|如|若)", "", clause).strip()
                negative = m.group("modal") in self._ZH_NEGATIVE
                if 2 <= len(subject) <= 20 and not PLACEHOLDER.search(subject):
                    yield (f"{subject}有哪些禁止性要求？" if negative else f"对{subject}有什么要求？"), sentence
                elif heading:
                    title = _title_phrase(passage, zh)
                    yield (f"{title}在{heading}方面禁止哪些行为？" if negative
                           else f"{title}对{heading}有什么要求？"), sentence
                continue
            m = self._EN_MODAL.search(sentence)
            if m is None:
                continue
            modal = m.group("modal")
            clause = re.split(r"[,;:]\s", sentence[: m.start()])[-1].strip()
            subject = re.sub(r"^(?:and|but|or|so|then)\s+", "", clause)
            negative = any(word in modal for word in ("not", "never", "prohibited"))
            words = subject.split()
            usable = (
                1 <= len(words) <= 8
                and words[0].lower() not in _PRONOUNS
                and words[-1].lower() not in _FUNCTION_WORDS
                and not re.search(r"\b(?:is|are|was|were|has|have|do|does)\b", subject)
                and not PLACEHOLDER.search(subject)
                and subject[:1].isalpha()
            )
            if usable:
                subject = _soft_lower(subject, passage.text)
                yield (f"What is not allowed for {subject}?" if negative
                       else f"What are the rules for {subject}?"), sentence
            elif heading:
                yield (f"What is not allowed regarding {heading}?" if negative
                       else f"What is required regarding {heading}?"), sentence

    def _numbers(self, chunk: _Chunk, zh: bool) -> Iterable[tuple[str, str]]:
        return number_questions(chunk, zh)

    # --- yes / no -------------------------------------------------------------------------
    _EN_BE = re.compile(
        r"^(?P<subj>[A-Z][\w'’\-]*(?:,? (?:and |or )?[\w'’\-]+){0,5}?) (?P<be>is|are) "
        r"(?P<neg>not |never )?(?P<pred>(?:only )?(?:[a-z]+ed|allowed|permitted|accepted|paid|"
        r"required|mandatory|tolerated|blocked|available|kept|held|sent|shown|taken|given))\b"
        r"(?P<tail>(?:[^,;:]|,(?=\d))*)"
    )
    _EN_MAY = re.compile(
        r"^(?P<subj>[A-Z][\w'’\-]*(?: [\w'’\-]+){0,4}?) (?:may|can) (?P<neg>not |never |only )?"
        r"(?P<verb>[a-z]+)\b(?P<tail>(?:[^,;:]|,(?=\d))*)"
    )
    _CUT_TAIL = re.compile(
        r"\s+\b(?:only|unless|if|when|within|after|before|up to|until|once|every|as|at least|"
        r"at most|for at most|because|so that|provided)\b.*$"
    )
    _ZH_NO = re.compile(r"(?P<modal>不得|严禁|禁止|不准)(?P<act>[^，,；;。]{2,40})(?=[，,；;。]|$)")

    def _yes_no(self, passage: Passage, chunk: _Chunk, zh: bool) -> Iterable[tuple[str, str]]:
        for sentence in chunk.sentences:
            if zh:
                for m in self._ZH_NO.finditer(sentence):
                    clause = re.split(r"[，,；;：:]", sentence[: m.start()])[-1]
                    subject = re.sub(r"^(?:且|并|但|并且|同时)", "", clause).strip()
                    if not subject:  # "废弃的纸质文件须…，严禁直接丢弃": the first clause's subject
                        first = re.split(r"[，,；;：:]", sentence)[0]
                        modal = self._ZH_MODAL.search(first)
                        subject = first[: modal.start()].strip() if modal else ""
                    if PLACEHOLDER.search(subject) or len(subject) > 20:
                        subject = ""
                    yield f"{subject}是否可以{m.group('act').strip()}？", sentence
                    break
                continue
            if m := self._EN_BE.match(sentence):
                subject, pred = m.group("subj"), m.group("pred").removeprefix("only ")
                tail = m.group("tail").strip()
                restricted = m.group("pred").startswith("only ") or tail.startswith("only")
                if (
                    restricted  # "Software is installed only from X": not a yes/no matter
                    or subject.split()[0].lower() in _PRONOUNS
                    or PLACEHOLDER.search(sentence[: m.end()])
                ):
                    continue
                tail = self._CUT_TAIL.sub("", m.group("tail")).rstrip(" .")
                if len(tail.split()) > 8:
                    tail = ""
                be = "Are" if m.group("be") == "are" else "Is"
                yield f"{be} {_soft_lower(subject, passage.text)} {pred}{tail}?", sentence
            elif m := self._EN_MAY.match(sentence):
                subject, verb = m.group("subj"), m.group("verb")
                if (
                    subject.split()[0].lower() in _PRONOUNS
                    or verb in ("be", "also")
                    or PLACEHOLDER.search(sentence[: m.end()])
                ):
                    continue
                tail = self._CUT_TAIL.sub("", m.group("tail")).rstrip(" .")
                if not tail.strip() or len(tail.split()) > 8 or m.group("neg") == "only ":
                    continue
                yield f"Can {_soft_lower(subject, passage.text)} {verb}{tail}?", sentence

    # --- tables ---------------------------------------------------------------------------
    def _table_rows(self, chunk: _Chunk, zh: bool) -> Iterable[tuple[str, str]]:
        for table in chunk.tables:
            header, rows = table[0], table[1:]
            width = len(header)
            if width < 2 or any(not cell or PLACEHOLDER.search(cell) for cell in header):
                continue
            used = 0
            for index, row in enumerate(rows):
                if used >= self.max_table_rows:
                    break
                if len(row) != width or not all(row) or PLACEHOLDER.search(" ".join(row)):
                    continue  # a row the parser split or merged differently from the header
                column = 1 + index % (width - 1)
                label, name, value = row[0], header[column], row[column]
                used += 1
                if zh:
                    yield f"{label}的{name}是什么？", f"{label}的{name}是{value}。"
                else:
                    value = value.rstrip(".;")
                    yield f"What is the {name} for {label}?", f"The {name} for {label} is {value}."
