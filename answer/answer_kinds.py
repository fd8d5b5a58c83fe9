"""The kind of answer a question asks for (a direction, a percentage, a number, a frequency,
both sides of a comparison, a list, yes or no) and whether a text gives it. English and Chinese,
read lexically; `answer.constraints` puts the kinds beside the question's other constraints."""

from __future__ import annotations

import re
import unicodedata

from answer.facts import extract_facts

# --- the kind of answer -----------------------------------------------------------------------

_YES_NO = re.compile(
    r"^\s*(?:is|are|was|were|do|does|did|can|could|may|must|has|have|had|will|would|should|shall)\b|是否|吗\s*[？?]?\s*$"
    r"|有没有|是不是|能否|可否",
    re.I,
)
_DIRECTION_WORD = (
    r"increas\w*|decreas\w*|\brise[sn]?\b|\brose\b|\brising\b|\bfell\b|\bfall(?:s|en|ing)?\b|\bgr[eo]w(?:n|s|th)?\b|"
    r"declin\w*|improv\w*|worsen\w*|deteriorat\w*|\bup\b|\bdown\b|\bhigher\b|\blower\b|unchanged|\bflat\b|"
    r"\bstable\b|expan\w*|contract(?:ed|ion)|\bdrop\w*|\bgain\w*|leverag\w*|"
    r"增加|增长|上升|提高|提升|减少|下降|降低|下滑|回落|持平|不变|增|减|升|降"
)
DIRECTION = re.compile(_DIRECTION_WORD, re.I)
_ALTERNATIVE = re.compile(r"\bor\b|还是|或是|抑或", re.I)
_HOW_CHANGE = re.compile(r"\bhow\s+(?:did|has|have|does|do)\b.*\bchange|变化|如何变动|怎样变化", re.I)
_PERCENT_Q = re.compile(
    r"\bwhat\s+(?:percent(?:age)?|share|proportion|fraction)\b|\bhow\s+much\s+percent|\bwhat\s+%|百分比|百分之几|占比|比重|多少%|比例是多少",
    re.I,
)
_NUMBER_Q = re.compile(r"\bhow\s+(?:many|much)\b|多少|(?<!哪)几(?=个|天|年|月|周|次|小时|分钟|位|名|人|项|条|倍|家)", re.I)
# "How often must a password be changed?": an answer of that kind says how often (every 90 days,
# monthly, twice a year, once, never). Chinese: 多久一次, 每隔多久, 频率.
_FREQUENCY_Q = re.compile(r"\bhow\s+(?:often|frequently)\b|多久一次|每隔多久|多长时间一次|频率|频次", re.I)
_UNIT = (r"(?:hours?|days?|weeks?|months?|quarters?|years?|times?|shifts?|mornings?|evenings?|nights?|"
         r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?|january|february|march|april|may|june|july|august|"
         r"september|october|november|december)")
_FREQUENCY = re.compile(
    rf"\b(?:every|each)\s+(?:(?:\d+|two|three|four|five|six|seven|eight|ten|twelve|other|few|second|third)\s+)?{_UNIT}\b|"
    rf"\b(?:per|a)\s+(?:day|week|month|quarter|year|annum)\b|\b(?:once|twice|\w+\s+times)\b|"
    r"\b(?:hourly|daily|nightly|weekly|biweekly|fortnightly|monthly|bimonthly|quarterly|annually|yearly|biannually|biennially|semi-?annually|"
    r"never|regularly)\b|"
    r"每隔?\s*(?:\d+|[一二两三四五六七八九十半])?\s*个?\s*(?:天|日|周|星期|月|季度|年|小时|次)|[一两二三\d]+\s*次",
    re.I,
)
_COMPARISON_Q = re.compile(
    r"\bcompar\w*|\bversus\b|\bvs\.?(?!\w)|\bdifference\s+between\b|\b(?:higher|lower|more|less|greater)\s+than\b|比较|相比|对比|相较|差异",
    re.I,
)
_LIST_Q = re.compile(r"^\s*which\b|^\s*what\s+are\b|哪些|哪几", re.I)


def has_direction(text: str) -> bool:
    return DIRECTION.search(text) is not None


def has_frequency(text: str) -> bool:
    return _FREQUENCY.search(unicodedata.normalize("NFKC", text)) is not None


def has_number(text: str) -> bool:
    return any(ch.isdigit() for fact in extract_facts(text) for ch in fact)


def answer_kinds(text: str) -> tuple[str, ...]:
    """The kinds of answer a question asks for: yes_no, direction, percent, number, frequency,
    comparison, list (none for an open question)."""
    kinds: list[str] = []
    yes_no = _YES_NO.search(text) is not None
    if has_direction(text) and (yes_no or _ALTERNATIVE.search(text) or _HOW_CHANGE.search(text)):
        kinds.append("direction")
    elif yes_no:
        kinds.append("yes_no")
    if "direction" not in kinds:
        if _PERCENT_Q.search(text):
            kinds.append("percent")
        elif _NUMBER_Q.search(text):
            kinds.append("number")
        elif _FREQUENCY_Q.search(text):
            kinds.append("frequency")
    if _COMPARISON_Q.search(text):
        kinds.append("comparison")
    if _LIST_Q.search(text) and not kinds:
        kinds.append("list")
    return tuple(kinds)
