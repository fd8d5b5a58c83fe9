"""Pure text functions of claim verification: citation markers, sentences and claims.

Nothing here loads a model. The verifier (`answer.verify`), the fact gate (`answer.facts`) and
the scorers (`answer.scorers`) build on these functions; the answer service may use them
directly (e.g. `strip_citations`).
"""

from __future__ import annotations

import re

from kb_service.text import has_cjk

# --- citation markers -------------------------------------------------------------------------

# [1], [2, 3], [1-3], [Passage 2], 【1】. The optional word covers prompts that label passages.
_MARKER_BODY = (
    r"\s*(?:(?:passage|source|doc(?:ument)?|ref)\s*)?\d+(?:\s*(?:[,，、;]|[-–])\s*\d+)*\s*"
)
_MARKER = re.compile(rf"\[{_MARKER_BODY}\]|【{_MARKER_BODY}】", re.IGNORECASE)
_MARKERS_AFTER = re.compile(rf"(?:\s*(?:\[{_MARKER_BODY}\]|【{_MARKER_BODY}】))+", re.IGNORECASE)
_MAX_RANGE = 20


def strip_citations(text: str) -> str:
    """The text without citation markers, with the spaces they leave behind tidied."""
    text = _MARKER.sub(" ", text)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" +([.,;:!?。，；：！？)）])", r"\1", text)
    return text.strip()


def cited_numbers(text: str) -> tuple[int, ...]:
    """1-based passage numbers cited in the text, in order of first citation, without repeats."""
    seen: dict[int, None] = {}
    for marker in _MARKER.finditer(text):
        body = re.sub(r"[^\d,，、;\-–]", "", marker.group(0))
        for part in re.split(r"[,，、;]", body):
            bounds = [int(n) for n in re.split(r"[-–]", part) if n]
            if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] <= _MAX_RANGE:
                numbers = range(bounds[0], bounds[1] + 1)
            else:
                numbers = bounds  # type: ignore[assignment]
            for number in numbers:
                seen.setdefault(number, None)
    return tuple(seen)


# --- sentences and claims ---------------------------------------------------------------------

_ABBREVIATIONS = frozenset(
    "e.g i.e cf vs al approx dept dr mr mrs ms prof sr jr st inc ltd co corp resp incl excl".split()
)
# Abbreviations only before a number: "No. 3", "p. 12", but "The answer is no." ends a sentence.
_NUMBER_ABBREVIATIONS = frozenset("no nr art sec fig p pp vol ch para".split())
_CLOSERS = "\"'”’)）」』]"
_TERMINATOR = re.compile(r"[.!?;。！？；]")
BULLET = re.compile(
    r"^\s*(?:(?:[-*•·▪◦‣+]|\d{1,2}[.)]|[a-z][.)]|[(（]\d{1,2}[)）])\s+"
    r"|(?:\d{1,2}|[一二三四五六七八九十]{1,3})、\s*)"
)
_HEADING = re.compile(r"^\s*(?:#{1,6}\s|[*_]{2}[^*_]+[*_]{2}\s*$)")
_SOURCES_HEADER = re.compile(
    r"^\s*(?:#{1,6}\s*)?[*_]{0,2}\s*(?:sources?|references?|citations?|bibliography|"
    r"来源|参考资料|参考文献|参考|出处|引用)\s*[*_]{0,2}\s*(?:[:：]|$|[\[【])",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"^(?:i hope (?:this|that)|hope (?:this|that) helps|let me know|please let me know|feel free|"
    r"if you have (?:any )?(?:other|further|more|additional) questions|is there anything else|"
    r"希望(?:以上|这)|如(?:果您?)?有(?:其他|任何|更多)(?:问题|疑问))",
    re.IGNORECASE,
)
# "(Source: Employee handbook)" or "Source: [1]." names where a sentence came from; no claim.
_SOURCE_NOTE = re.compile(r"^\s*(?:sources?|references?|citations?|来源|出处|参考)\s*[:：]", re.I)
_SOURCE_PAREN = re.compile(
    r"[(（]\s*(?:sources?|references?|citations?|来源|出处|参考)\s*[:：][^)）\n]*[)）]", re.I
)
# A question asks, it states nothing: "Question: How often must a password be changed?" (a small
# model echoing the prompt), "Do you need more detail?". Nothing in it can be checked.
_QUESTION = re.compile(r"[?？]\s*$|^\s*(?:question|q)\s*[:：]|^\s*问题\s*[:：]", re.I)
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL | re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:['’][A-Za-z]+)?")


def _is_boundary(text: str, index: int) -> bool:
    """Does the terminator at `index` end a sentence?"""
    char = text[index]
    if char in "。！？；":
        return True
    after = text[index + 1 : index + 2]
    if after and not (after.isspace() or after in _CLOSERS or after in "[【" or has_cjk(after)):
        return False  # 1.5, v2.3.1, example.com, "?!"
    if char != ".":
        return True
    word = re.search(r"([A-Za-z][A-Za-z.]*)$", text[:index])
    if word:
        token = word.group(1).lower()
        if token in _ABBREVIATIONS or "." in token or (len(token) == 1 and word.group(1).isupper()):
            return False
        if token in _NUMBER_ABBREVIATIONS and re.match(r"\s*\d", text[index + 1 :]):
            return False
    following = re.match(r"\s*([^\s\"'“‘(\[]?)", text[index + 1 :])
    return not (following and following.group(1).islower())


def split_sentences(text: str) -> list[str]:
    """Sentences of running text; lines are split first, citation markers stay attached.

    A marker after the full stop ("... days. [2]") belongs to the sentence before it.
    """
    sentences: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        start = 0
        for match in _TERMINATOR.finditer(line):
            end = match.end()
            if end <= start or not _is_boundary(line, match.start()):
                continue
            while end < len(line) and (line[end] in _CLOSERS or line[end] in ".!?。！？"):
                end += 1
            markers = _MARKERS_AFTER.match(line, end)
            if markers:
                end = markers.end()
            sentences.append(line[start:end].strip())
            start = end
        sentences.append(line[start:].strip())
    return [s for s in sentences if s]


def _is_claim(fragment: str) -> bool:
    """Drop what a reader would not check: bare markers, framing lines, headings, pleasantries,
    questions."""
    text = strip_citations(fragment).strip(" *_`>")
    if not text:
        return False
    cjk_chars = len(re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff]", text))
    words = _WORD.findall(text)
    if cjk_chars < 2 and len(words) < 2:
        return False
    if text[-1] in ":：" and len(words) + cjk_chars // 2 <= 10:
        return False  # "Sources:", "According to the handbook:"
    if _QUESTION.search(text):
        return False
    return _FILLER.match(text) is None and _SOURCE_NOTE.match(text) is None


def split_claims(answer: str) -> list[str]:
    """The checkable sentences of an answer, each with its citation markers.

    Bullets and numbering are removed; headings, framing lines ("According to the handbook:"),
    pleasantries, questions (a model echoing the question asks nothing), reasoning inside <think>...</think>, reference lines that start with a marker
    ("[1] Handbook, p. 3") and a "Sources"/"References" list (from its header to the end) are
    ignored; a line of markers alone is attached to the claim before it.
    """
    claims: list[str] = []
    answer = _SOURCE_PAREN.sub(" ", _THINK.sub("", answer))
    for line in answer.splitlines():
        if _SOURCES_HEADER.match(line):
            break
        if not line.strip() or _HEADING.match(line):
            continue
        body = BULLET.sub("", line.strip(), count=1)
        leading = _MARKERS_AFTER.match(body)
        if leading:
            if not body[leading.end() :].strip() and claims:
                claims[-1] = f"{claims[-1]} {body}"
            continue
        claims.extend(s for s in split_sentences(body) if _is_claim(s))
    return claims
