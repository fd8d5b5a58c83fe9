"""Rules that turn a follow-up question into a standalone one, from the previous question.

The fallback of `answer.conversation` when the served model's rewrite is not acceptable, and
a mode of its own (KB_FOLLOWUP_REWRITE=rules). Pure functions of the two questions and a
spaCy pipeline (noun chunks and parts of speech of the English model Presidio already uses):

- English ellipsis: "And in London?" after "What is the hotel limit per night in Paris?" gives
  "What is the hotel limit per night in London?" (the phrase with the same preposition is
  replaced, or the phrase appended); "What about X?", "How about X?" and a bare noun phrase
  replace the proper noun or the main noun chunk of the previous question.
- English pronouns (it, they, them, this, that, those, these, its, their) become the main noun
  chunk of the previous question.
- Chinese: "X呢？" / "那X呢？" replace the matching place or entity of the previous question, or
  its attribute ("北京的住宿标准是多少？" + "上海呢？" -> "上海的住宿标准是多少？"; "系统密码的最短
  长度是多少？" + "那更换周期呢？" -> "系统密码的更换周期是多少？"); 他们 / 它 / 这个 / 那个 become the
  previous question's subject.

`rewrite` returns None when no rule applies: the caller keeps the question as asked.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from kb_service.text import has_cjk

Nlp = Any  # a spaCy Language; spaCy is imported lazily by `load_nlp`

PREPOSITIONS = (
    "in", "for", "at", "on", "to", "from", "during", "within", "by", "under", "after", "before", "with",
    "without", "outside", "inside", "per", "of", "into", "across", "between", "over",
)
_LEAD = re.compile(r"^\s*(?:and|but|also|so|ok(?:ay)?|then)\b[\s,]*", re.IGNORECASE)
_ABOUT = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+", re.IGNORECASE)
_SAME = re.compile(r"^\s*(?:and\s+)?(?:the\s+)?same\s+(?:for|in|at)\s+", re.IGNORECASE)
_EN_PRONOUN = re.compile(r"\b(it|its|they|them|their|this|that|these|those)\b", re.IGNORECASE)
# "Is it possible to …", "it is required that …": the dummy "it" refers to nothing.
_DUMMY_IT = re.compile(
    r"\bit\s+(?:is\s+|was\s+|be\s+)?(?:possible|allowed|permitted|necessary|required|mandatory|ok|okay|"
    r"true|advisable|important|forbidden|prohibited)\s+(?:to|that|for)\b|\bit\s+(?:takes|costs)\b",
    re.IGNORECASE,
)
_WH = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how"}
_END = re.compile(r"[\s?？.。!！]+$")
# Small talk is no follow-up: "Thanks!" must not become "What is the thanks per night in Paris?"
_SMALL_TALK = {
    "thanks", "thank you", "thx", "ok", "okay", "hello", "hi", "hey", "yes", "no", "great", "cool", "bye",
    "goodbye", "got it", "nice", "good", "perfect", "sure", "你好", "您好", "谢谢", "多谢", "好的", "好", "嗯",
    "再见", "明白", "明白了", "知道了", "收到", "是的", "不是", "对", "可以",
}

_ZH_PRONOUNS = ("他们", "她们", "它们", "它", "这个", "那个", "这些", "那些", "他", "她")
_ZH_FOLLOW = re.compile(r"^(?:那么|那|还有|另外|而)?(.+?)(?:呢)[？?。]?$")
_ZH_PREDICATE = re.compile(r"(是|有|需要|需|要|可以|可|能|必须|应当|应该|应|由|在|多|怎么|如何|为)")
# Words that end an attribute (a measure of the subject), not an entity.
_ZH_ATTRIBUTES = (
    "标准", "周期", "长度", "期限", "天数", "金额", "额度", "时间", "要求", "上限", "下限", "费用", "比例",
    "次数", "频率", "规定", "流程", "条件", "范围", "方式", "时长", "数量", "津贴", "补贴", "报销", "价格",
    "位数", "年限", "年龄", "假", "费", "率", "期", "额",
)
_ZH_PLACES = (
    "北京", "上海", "广州", "深圳", "天津", "重庆", "杭州", "南京", "成都", "武汉", "西安", "苏州", "香港",
    "澳门", "台北", "长沙", "郑州", "青岛", "大连", "厦门", "沈阳", "哈尔滨", "昆明", "济南", "合肥", "福州",
    "国外", "境外", "海外", "国内", "境内", "伦敦", "巴黎", "东京", "纽约",
)
_ZH_PLACE_SUFFIX = re.compile(r"(?:市|省|区|县|州)$")


@lru_cache(maxsize=4)
def load_nlp(path: str) -> Nlp:
    """The spaCy pipeline at `path` without its NER (noun chunks and tags are enough), once."""
    import spacy

    return spacy.load(path, exclude=["ner"])


def is_follow_up(question: str) -> bool:
    """Does the question lean on an earlier one (ellipsis, a pronoun, "what about")?"""
    text = question.strip()
    if not text or _END.sub("", text).lower().strip(" ,!，") in _SMALL_TALK:
        return False
    if has_cjk(text):
        core = _END.sub("", text)
        return (
            core.endswith("呢") or core.startswith(("那么", "那", "还有", "另外"))
            or any(p in core for p in _ZH_PRONOUNS) or len(core) <= 4
        )
    if _ABOUT.match(text) or _SAME.match(text) or re.match(r"^\s*and\b", text, re.IGNORECASE):
        return True
    if _EN_PRONOUN.search(_DUMMY_IT.sub(" ", text)):
        return True
    words = re.findall(r"[A-Za-z']+", text)
    return 0 < len(words) <= 3 and not any(w.lower() in _WH for w in words)


def rewrite(question: str, previous: str, nlp: Nlp | None) -> str | None:
    """The follow-up `question` as a standalone question, given the previous (standalone)
    user question, or None when no rule applies. `nlp` is needed for English only."""
    question, previous = question.strip(), previous.strip()
    if not question or not previous or not is_follow_up(question):
        return None
    if has_cjk(question):
        return _rewrite_zh(question, previous) if has_cjk(previous) else None
    if nlp is None or has_cjk(previous):
        return None
    result = _rewrite_en(question, previous, nlp)
    return None if result is None or _norm(result) == _norm(previous) and _norm(question) != _norm(previous) else result


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


# --- English ---------------------------------------------------------------------------------
def _question_mark(text: str) -> str:
    return _END.sub("", text).rstrip(",;: ") + "?"


def _rewrite_en(question: str, previous: str, nlp: Nlp) -> str | None:
    body = _END.sub("", question)
    ellipsis = None
    for pattern in (_ABOUT, _SAME):
        if match := pattern.match(body):
            ellipsis = body[match.end():]
            break
    if ellipsis is None and (match := _LEAD.match(body)) and not _starts_clause(body[match.end():], nlp):
        ellipsis = body[match.end():]
    if ellipsis is None and not _EN_PRONOUN.search(_DUMMY_IT.sub(" ", body)) and len(body.split()) <= 3:
        ellipsis = body
    if ellipsis is not None and ellipsis.strip():
        return _fill_ellipsis(ellipsis.strip(), previous, nlp)
    clause = _LEAD.sub("", body) if _LEAD.match(body) else body
    return _resolve_pronouns(clause, previous, nlp)


def _starts_clause(text: str, nlp: Nlp) -> bool:
    """'And how often must it be changed' is a clause (pronouns); 'And in London' is not."""
    words = text.split()
    if not words:
        return False
    if words[0].lower() in _WH or words[0].lower() in {"is", "are", "do", "does", "can", "must", "should", "may", "will"}:
        return True
    return any(token.pos_ in {"VERB", "AUX"} for token in nlp(text))


def _fill_ellipsis(fragment: str, previous: str, nlp: Nlp) -> str | None:
    doc = nlp(_END.sub("", previous))
    words = fragment.split()
    first = words[0].lower()
    if first in PREPOSITIONS and len(words) > 1:
        for token in doc:
            if token.lower_ == first and token.dep_ in {"prep", "agent", "dative"}:
                span = doc[token.left_edge.i: token.right_edge.i + 1] if token.left_edge.i == token.i else doc[token.i: token.right_edge.i + 1]
                return _question_mark(doc.text[: span.start_char] + fragment + doc.text[span.end_char:])
        return _question_mark(f"{doc.text} {fragment}")
    fragment_doc = nlp(fragment)
    if not any(t.pos_ in {"NOUN", "PROPN", "NUM"} for t in fragment_doc):
        return None  # "Hmm?", "Really?": nothing to put in the previous question
    proper = any(t.pos_ == "PROPN" for t in fragment_doc)
    if proper:
        names = _proper_spans(doc)
        if names:
            start, end = names[-1]
            known = {t.lower_ for t in doc}
            if all(t.pos_ == "PROPN" or t.lower_ in known for t in fragment_doc):
                # "And the Paris office?" after "… the London office …": only the name changes
                fragment = " ".join(t.text for t in fragment_doc if t.pos_ == "PROPN")
            return _question_mark(doc.text[:start] + fragment + doc.text[end:])
        return _question_mark(f"{doc.text} for {fragment}")
    chunk = _main_chunk(doc)
    if chunk is None:
        return None
    start, end = chunk.start_char, chunk.end_char
    # keep the previous chunk's determiner when the fragment has none ("the hotel limit")
    if chunk[0].pos_ == "DET" and fragment_doc[0].pos_ != "DET":
        start = chunk[1].idx if len(chunk) > 1 else start
    return _question_mark(doc.text[:start] + fragment + doc.text[end:])


def _proper_spans(doc: Any) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for token in doc:
        if token.pos_ != "PROPN" or token.i == 0:
            continue
        if spans and doc.text[spans[-1][1]: token.idx].strip() == "":
            spans[-1] = (spans[-1][0], token.idx + len(token.text))
        else:
            spans.append((token.idx, token.idx + len(token.text)))
    return spans


def _main_chunk(doc: Any) -> Any | None:
    """The noun chunk the previous question is about: its subject, attribute or object, not a
    wh-word, a pronoun or a phrase under a preposition (the last is where ellipsis goes)."""
    chunks = [c for c in doc.noun_chunks if c.root.pos_ != "PRON" and c.root.lower_ not in _WH]
    if not chunks:
        return None
    for deps in ({"nsubj", "nsubjpass", "attr"}, {"dobj", "ROOT"}):
        for chunk in chunks:
            if chunk.root.dep_ in deps:
                return _without_wh(chunk)
    return _without_wh(chunks[0])


def _without_wh(chunk: Any) -> Any:
    """'which form' -> 'form'; 'how many days' stays a chunk of its own."""
    while len(chunk) > 1 and chunk[0].lower_ in _WH | {"many", "much"}:
        chunk = chunk[1:]
    return chunk


def _referent(chunk: Any) -> str:
    """The chunk with the modifiers that follow it: 'a trip abroad', 'the rate for a private car'."""
    doc, end = chunk.doc, chunk.end
    while end < len(doc):
        token = doc[end]
        if token.head.i == chunk.root.i and token.dep_ in {"prep", "amod", "advmod", "acl"}:
            end = token.right_edge.i + 1
        elif token.pos_ == "ADV" and token.dep_ == "advmod" and token.i == chunk.end:
            end += 1
        else:
            break
    return doc[chunk.start: end].text


def _resolve_pronouns(clause: str, previous: str, nlp: Nlp) -> str | None:
    doc = nlp(_END.sub("", previous))
    chunk = _main_chunk(doc)
    if chunk is None:
        return None
    referent = _referent(chunk)
    if chunk[0].pos_ != "DET" and chunk.root.pos_ != "PROPN" and not chunk[0].text[:1].isupper():
        referent = f"the {referent}"
    protected = {(m.start(), m.end()) for m in _DUMMY_IT.finditer(clause)}
    target = nlp(clause)
    out, position, replaced = [], 0, False
    for token in target:
        word = token.lower_
        if not _EN_PRONOUN.fullmatch(word) or any(a <= token.idx < b for a, b in protected):
            continue
        if word in {"this", "that", "these", "those"} and token.pos_ == "DET" or token.dep_ == "mark":
            continue  # "this policy", "so that": not a pronoun
        if word == "that" and token.tag_ == "WDT":
            continue
        replacement = f"{referent}'s" if word in {"its", "their"} else referent
        out.append(clause[position: token.idx])
        out.append(replacement)
        position, replaced = token.idx + len(token.text), True
    if not replaced:
        return None
    out.append(clause[position:])
    text = "".join(out)
    return _question_mark(text[:1].upper() + text[1:])


# --- Chinese ---------------------------------------------------------------------------------
def _zh_parts(previous: str) -> tuple[str, str, str] | None:
    """(subject, attribute, predicate) of "A的B是多少？"; without 的: (A, "", rest)."""
    core = previous.strip()
    if "的" in core:
        subject, _, rest = core.partition("的")
        match = _ZH_PREDICATE.search(rest)
        if match and match.start() > 0:
            return subject, rest[: match.start()], rest[match.start():]
        return subject, rest.rstrip("？?。"), "是多少？"
    match = _ZH_PREDICATE.search(core)
    if match and match.start() > 0:
        return core[: match.start()], "", core[match.start():]
    return None


def _is_place(text: str) -> bool:
    return text in _ZH_PLACES or bool(_ZH_PLACE_SUFFIX.search(text)) and len(text) <= 5


def _is_attribute(text: str) -> bool:
    return text.endswith(_ZH_ATTRIBUTES)


def _zh_end(text: str) -> str:
    return text if text.endswith(("？", "?")) else _END.sub("", text) + "？"


def _rewrite_zh(question: str, previous: str) -> str | None:
    parts = _zh_parts(previous)
    text = _END.sub("", question)
    pronoun = next((p for p in _ZH_PRONOUNS if p in text), None)
    if pronoun is not None and parts is not None and parts[0]:
        text = text.replace(pronoun, parts[0], 1)
        if not (text.endswith("呢") or text.startswith(("那么", "那"))):
            return _zh_end(text)
    match = _ZH_FOLLOW.match(text + "呢" if not text.endswith("呢") else text)
    fragment = (match.group(1) if match else text).strip("，, ")
    fragment = re.sub(r"^(?:那么|那|还有|另外)", "", fragment)
    if not fragment:
        return None
    places = [p for p in _ZH_PLACES if p in previous]
    if _is_place(fragment) and places:
        return _zh_end(previous.replace(places[0], fragment, 1))
    for place in (p for p in _ZH_PLACES if p in fragment):
        for before in places:  # "上海办公室呢？" after "北京办公室几点开门？"
            if fragment.replace(place, before) in previous:
                return _zh_end(previous.replace(fragment.replace(place, before), fragment, 1))
    if parts is None:
        return None
    subject, attribute, predicate = parts
    if _ZH_PREDICATE.match(fragment) and subject:  # "那需要提前几天呢？": the fragment is a predicate
        return _zh_end(subject + fragment)
    if "的" in fragment:  # a whole "A的B" (after a pronoun was resolved)
        return _zh_end(fragment + predicate)
    if attribute and _is_attribute(fragment) and not _is_place(fragment):
        return _zh_end(f"{subject}的{fragment}{predicate}")
    if attribute:
        return _zh_end(f"{fragment}的{attribute}{predicate}")
    return _zh_end(f"{fragment}{predicate}")
