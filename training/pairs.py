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

from answer.sentences import split_sentences
from kb_service.text import is_cjk
from kb_service.types import Passage

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

    # --- numbers, amounts, dates ----------------------------------------------------------
    _MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    _NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
    _FUNCTION_WORDS = _FUNCTION_WORDS
    _UNITS = frozenset(
        """second seconds minute minutes hour hours day days week weeks month months year years
        time times character characters user users guest guests people person persons employee
        employees session sessions password passwords recipient recipients attempt attempts
        dashboard dashboards document documents page pages item items trip trips night nights
        mile miles kilometre kilometres kilometer kilometers gb mb tb percent words digits
        members colleagues goals""".split()
    )
    _EN_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
        (re.compile(
            rf"(?<![\w.\-])(?:(?:USD|EUR|GBP|CNY|US\$|\$|€|£|¥)\s?(?:{_NUMBER})"
            rf"|(?:{_NUMBER})\s?(?:USD|EUR|GBP|CNY|euros?|dollars?|pounds?(?: sterling)?|yuan|RMB))(?![\w\-])"
        ), "how much"),
        (re.compile(rf"(?<![\w.\-])(?:{_NUMBER})\s?(?:%|percent\b|per cent\b)"), "what percentage"),
        (re.compile(
            rf"(?<![\w.\-])(?:\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}(?: \d{{4}})?"
            rf"|{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?(?:, \d{{4}})?)(?![\w\-])"
        ), "what date"),
        (re.compile(r"(?<![\w.:\-])\d{1,2}:\d{2}(?![\w:])"), "what time"),
        (re.compile(
            r"(?:(?<=\bin )|(?<=\bsince )|(?<=\buntil )|(?<=\bby )|(?<=\bfrom ))(?:19|20)\d{2}(?![\w\-])"
        ), "which year"),
    )
    _EN_COUNT = re.compile(
        rf"(?<![\w.\-$€£])(?P<num>{_NUMBER})\s+(?P<words>[A-Za-z][\w\-]*(?:\s+[A-Za-z][\w\-]*){{0,2}})"
    )
    _ZH_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
        (re.compile(r"\d{4}年\d{1,2}月\d{1,2}日"), "什么时候"),
        (re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s?(?:万元|元|块)"), "多少钱"),
        (re.compile(r"\d+(?:\.\d+)?\s?%|百分之[零〇一二两三四五六七八九十百\d.]+"), "百分之多少"),
    )
    _ZH_COUNT = re.compile(
        r"(?P<num>\d+(?:\.\d+)?)\s?"
        r"(?P<unit>个工作日|个月|个小时|小时|分钟|学时|工作日|天|日|周|年|次|位|人|条|页|项|份|台|GB|MB)"
    )

    def _numbers(self, chunk: _Chunk, zh: bool) -> Iterable[tuple[str, str]]:
        for sentence in chunk.sentences:
            if not zh and sentence.split(" ", 1)[0].lower() in _VAGUE_STARTS:
                continue  # "Both are open from 7:00": the question would not say what is
            masked = PLACEHOLDER.sub(lambda m: "#" * len(m.group(0)), sentence)
            spans = self._number_spans(masked, zh)
            for start, end, ask in spans[:2]:
                prefix, rest = sentence[:start], sentence[end:]
                # Ask with the sentence up to the end of the clause that holds the value.
                stops = [m.start() for m in re.finditer(r"[，,；;：:]" if zh else _EN_CLAUSE_END, rest)]
                stop = stops[0] if stops else len(rest)
                if zh and stops and 0 < stop < 4:  # "合作结束后5个工作日内，应收回…": add the next clause
                    stop = stops[1] if len(stops) > 1 else len(rest)
                tail = rest[:stop]
                question = f"{prefix}{ask}{tail}"
                if not zh:
                    question = _first_upper(question) if not prefix.strip() else question
                yield _question_mark(question, zh), sentence

    def _number_spans(self, text: str, zh: bool) -> list[tuple[int, int, str]]:
        found: list[tuple[int, int, str]] = []

        def free(start: int, end: int) -> bool:
            return all(end <= s or start >= e for s, e, _ in found)

        patterns = self._ZH_PATTERNS if zh else self._EN_PATTERNS
        for pattern, ask in patterns:
            for m in pattern.finditer(text):
                if free(m.start(), m.end()):
                    found.append((m.start(), m.end(), ask))
        if zh:
            for m in self._ZH_COUNT.finditer(text):
                if free(m.start(), m.end()):
                    found.append((m.start(), m.end(), f"多少{m.group('unit').strip()}"))
        else:
            for m in self._EN_COUNT.finditer(text):
                words = m.group("words").split()
                # the shortest run of words that ends in a unit: "25 days of paid" -> "days",
                # "3 consecutive calendar days" -> "consecutive calendar days"
                for size in range(1, len(words) + 1):
                    unit_words = words[:size]
                    leading = unit_words[:-1]
                    if any(w[:1].isupper() or w.lower() in self._FUNCTION_WORDS for w in leading):
                        break
                    if unit_words[-1].lower() in self._UNITS:
                        unit = " ".join(unit_words)
                        end = text.index(unit, m.start("words")) + len(unit)
                        if free(m.start(), end):
                            found.append((m.start(), end, f"how many {unit}"))
                        break
        return sorted(found)

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
