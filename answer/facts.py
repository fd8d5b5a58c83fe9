"""Checkable facts of a claim (numbers, dates, amounts, named entities) and content terms.

The fact gate: a number, date or name in a claim must appear in a supporting passage.
Nothing here loads a model.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from answer.fact_names import names_in
from answer.sentences import strip_citations
from kb_service.text import has_cjk

# --- facts ------------------------------------------------------------------------------------

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_MONTHS = {
    name: index
    for index, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
# Capitalised only: "may" is a verb.
_MONTH = (
    r"(?P<month>(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)(?![a-z])"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_DATE_PATTERNS = [
    re.compile(r"(?<!\d)(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)"),
    re.compile(r"(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月(?:\s*(?P<day>\d{1,2})\s*[日号])?"),
    re.compile(r"(?<!\d)(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*[日号]"),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b"),
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b"),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}(?![a-z])"),
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?!\s*(?:%|percent|days?|hours?|weeks?))"),
    re.compile(rf"\b{_MONTH}\s+{_YEAR}\b"),
]
_CURRENCIES = {
    "$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP",
    "¥": "CNY", "rmb": "CNY", "cny": "CNY", "yuan": "CNY", "元": "CNY", "块": "CNY",
    "人民币": "CNY",
}
_AMOUNT = re.compile(
    r"(?:(?P<pre>US\$|[$€£¥]|\b(?:USD|EUR|GBP|RMB|CNY)\b|人民币)\s*)?"
    rf"(?<!\d)(?<!\d[.,])(?P<num>{_NUM})(?![\d])\s*(?P<mult>k\b|thousand\b|million\b|万|亿)?\s*"
    r"(?P<post>[$€£]|\b(?:USD|EUR|GBP|RMB|CNY|dollars?|euros?|pounds?|yuan)\b|元|块)?",
    re.IGNORECASE,
)
_MULTIPLIERS = {"k": 1_000, "thousand": 1_000, "million": 1_000_000, "万": 10_000, "亿": 100_000_000}
_TIME_PATTERNS = [
    re.compile(
        r"(?<![\d:])(?P<h>\d{1,2}):(?P<m>\d{2})(?![\d:])(?:\s*(?P<ap>[ap])\.?m\.?(?![a-z]))?", re.I
    ),
    re.compile(r"(?<![\d:.])(?P<h>\d{1,2})\s*(?P<ap>[ap])\.?m\.?(?![a-z])", re.I),
    re.compile(
        r"(?P<ap>上午|下午|晚上|早上)?(?P<h>\d{1,2})\s*点(?:\s*(?P<m>\d{1,2})\s*分|(?P<half>半))?"
    ),
]
_PERCENT = re.compile(rf"(?<!\d)(?<!\d[.,])(?P<num>{_NUM})\s*(?:%|percent\b|per\s+cent\b)", re.I)
_VERSION = re.compile(r"\bv?(?P<v>\d+(?:\.\d+){2,})\b", re.I)
_NUMBER = re.compile(rf"(?<!\d)(?<!\d[.,])(?P<num>{_NUM})(?:st|nd|rd|th)?(?![\d])")
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")
_MONTH_WORDS = frozenset(_MONTHS) | {day.lower() for day in _WEEKDAY_NAMES}
# A weekday or month named alone is a fact too ("on Fridays"); "May" alone is far more often
# the verb and is left out.
_DAY_OR_MONTH = re.compile(
    rf"\b(?P<name>{'|'.join(name for name in _WEEKDAY_NAMES + _MONTH_NAMES if name != 'May')})s?\b"
)
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*>")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\]）)]+", re.I)

_UNITS = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_NUMBER_WORD = re.compile(
    rf"\b(?:(?P<tens>{'|'.join(_TENS)})(?:[\s-](?P<unit>{'|'.join(list(_UNITS)[1:9])}))?"
    rf"|(?P<single>one|{'|'.join(_UNITS)}))\b",
    re.IGNORECASE,
)
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_LARGE = {"万": 10_000, "亿": 100_000_000}
# A Chinese numeral counts only before a unit: 十分 ("very"), 一般, 统一 are not numbers.
_CN_NUMBER = re.compile(
    r"(?<![\d.])(?P<run>[零〇一二两三四五六七八九十百千万亿]+)"
    r"(?=个?(?:天|日|号|年|月|周|星期|小时|分钟|秒|元|块|角|次|人|名|位|岁|倍|项|条|份|张|页|家|%)"
    r"|个(?:月|工作日|小时|星期))"
)
_CN_PERCENT = re.compile(r"百分之(?P<run>[零〇一二两三四五六七八九十百千]+|\d+(?:\.\d+)?)")
_MYRIAD = re.compile(rf"(?<!\d)(?<!\d[.,])({_NUM})\s*(万|亿)")  # 3万 -> 30000



def _chinese_number(run: str) -> int:
    if not any(ch in _CN_SMALL or ch in _CN_LARGE for ch in run):
        return int("".join(str(_CN_DIGITS[ch]) for ch in run))  # 二〇二四 -> 2024
    total = section = digit = 0
    for ch in run:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_SMALL:
            section += (digit or 1) * _CN_SMALL[ch]
            digit = 0
        else:
            total = (total + section + digit) * _CN_LARGE[ch]
            section = digit = 0
    return total + section + digit


def _number(text: str, multiplier: int = 1) -> str:
    """'1,200' -> '1200', '50.00' -> '50', '1.5' with 万 -> '15000'."""
    value = text.replace(",", "")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    if multiplier != 1:
        scaled = float(value) * multiplier
        value = str(int(scaled)) if scaled.is_integer() else f"{scaled:g}"
    if "." in value:
        return value
    return value.lstrip("0") or "0"


def _words_to_digits(text: str, *, lenient: bool) -> str:
    """Number words and Chinese numerals as digits, so 'fifteen days' and '十五天' read '15'.

    "one" and a lone 一 read as 1 only on the passage side: in a claim they are usually an
    article ("one of the options", 一个), and a fact the passage never states would sink it.
    """

    def english(match: re.Match[str]) -> str:
        if match.group("tens"):
            unit = _UNITS.get((match.group("unit") or "").lower(), 0)
            return str(_TENS[match.group("tens").lower()] + unit)
        word = match.group("single").lower()
        if word == "one":
            return "1" if lenient else match.group(0)
        return str(_UNITS[word])

    def chinese(match: re.Match[str]) -> str:
        run = match.group("run")
        if run == "一" and not lenient:
            return run
        return str(_chinese_number(run))

    def percent(match: re.Match[str]) -> str:
        run = match.group("run")
        return f"{run if run[0].isdigit() else _chinese_number(run)}%"

    def myriad(match: re.Match[str]) -> str:
        return _number(match.group(1), _MULTIPLIERS[match.group(2)])

    text = _CN_PERCENT.sub(percent, text)
    text = _CN_NUMBER.sub(chinese, text)
    text = _MYRIAD.sub(myriad, text)
    return _NUMBER_WORD.sub(english, text)


def _date(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    month_text = groups.get("month") or ""
    month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text.rstrip(".").lower())
    if not month or not 1 <= month <= 12:
        return None
    day = int(groups["day"]) if groups.get("day") else None
    if day is not None and not 1 <= day <= 31:
        return None
    year = groups.get("year")
    if year and day:
        return f"{year}-{month:02d}-{day:02d}"
    if year:
        return f"{year}-{month:02d}"
    return f"{month:02d}-{day:02d}" if day else None


def _time(match: re.Match[str]) -> str | None:
    hour = int(match.group("h"))
    minute = int(match.groupdict().get("m") or 0)
    if match.groupdict().get("half"):
        minute = 30
    marker = (match.group("ap") or "").lower()
    if marker in ("p", "下午", "晚上") and hour < 12:
        hour += 12
    elif marker == "a" and hour == 12:
        hour = 0
    if hour > 24 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def _mask(text: str, match: re.Match[str]) -> str:
    return text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]


def _scan(text: str, *, lenient: bool) -> set[str]:
    text = unicodedata.normalize("NFKC", strip_citations(text))
    facts: set[str] = set()
    for pattern in (_PLACEHOLDER, _EMAIL, _URL):
        for match in pattern.finditer(text):
            value = match.group(0)
            facts.add(value if pattern is _PLACEHOLDER else value.rstrip(".,;:").lower())
            text = _mask(text, match)
    facts |= names_in(text, _MONTH_WORDS)
    work = _words_to_digits(text, lenient=lenient)
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(work):
            if (value := _date(match)) is not None:
                facts.add(value)
                work = _mask(work, match)
    for match in _DAY_OR_MONTH.finditer(work):
        facts.add(match.group("name"))
    for pattern in _TIME_PATTERNS:
        for match in pattern.finditer(work):
            if (value := _time(match)) is not None:
                facts.add(value)
                work = _mask(work, match)
    for match in _AMOUNT.finditer(work):
        pre, post = match.group("pre"), match.group("post")
        if pre or post:
            code = _CURRENCIES[(pre or post).lower()]
            multiplier = _MULTIPLIERS.get((match.group("mult") or "").lower(), 1)
            facts.add(f"{_number(match.group('num'), multiplier)} {code}")
            work = _mask(work, match)
    for pattern, suffix in ((_PERCENT, "%"), (_VERSION, ""), (_NUMBER, "")):
        for match in pattern.finditer(work):
            raw = match.group("v") if pattern is _VERSION else match.group("num")
            facts.add((raw if pattern is _VERSION else _number(raw)) + suffix)
            work = _mask(work, match)
    return facts


def extract_facts(text: str) -> set[str]:
    """Checkable facts of a claim, normalised.

    Forms: numbers '1200', '1.5'; percentages '25%'; amounts '50 EUR' (USD, EUR, GBP, CNY);
    dates '2024-01-31', '2024-01' or '01-31' when the year is not given; times '17:30';
    versions '2.3.1'; weekdays and months named alone 'Friday', 'March'; e-mails and URLs in
    lower case; placeholders '<PERSON_1>'; names 'Anna Schmidt'.
    """
    return _scan(text, lenient=False)


@lru_cache(maxsize=2048)
def _passage_view(text: str) -> tuple[frozenset[str], frozenset[str], str]:
    """Facts, word stems and lower-cased text of a passage, cached: passages recur per claim."""
    lowered = unicodedata.normalize("NFKC", text).lower()
    words = frozenset(_stem(w) for w in re.findall(r"[\w'’\-]+", lowered))
    return frozenset(_scan(text, lenient=True)), words, lowered


def _stem(word: str) -> str:
    word = re.sub(r"['’]s$", "", word.lower())
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


_CURRENCY_WORDS = {
    code: {term for term, value in _CURRENCIES.items() if value == code}
    for code in set(_CURRENCIES.values())
}


def fact_in_text(fact: str, text: str) -> bool:
    """Does the text state the fact? The text goes through the same normalisation as the claim.

    Looser than equality where the passage may put a fact differently: a number matches the
    number of an amount, percentage or date; an amount matches the number plus any mention of its
    currency; a date without year matches a dated one; a name matches when each of its words
    occurs.
    """
    facts, words, lowered = _passage_view(text)
    if fact in facts:
        return True
    if re.fullmatch(r"\d+(?:\.\d+)?", fact):  # '50' in '50 EUR', '25%', '2024-01-31', '03-31'
        return any(
            re.split(r"[ %-]", other)[0] == fact or other.split("-")[-1].lstrip("0") == fact
            for other in facts
            if other[:1].isdigit() and ":" not in other
        )
    if amount := re.fullmatch(r"(\S+) (USD|EUR|GBP|CNY)", fact):
        number, code = amount.groups()
        named = (
            re.search(rf"\b{term}\b", lowered) if term.isascii() and term.isalpha()
            else term in lowered
            for term in _CURRENCY_WORDS[code]
        )
        return number in facts and any(named)
    if re.fullmatch(r"\d{2}-\d{2}", fact):
        return any(re.fullmatch(rf"\d{{4}}-{fact}", other) for other in facts)
    if re.fullmatch(r"\d{4}-\d{2}", fact):
        return any(other.startswith(fact + "-") for other in facts)
    if fact in _MONTH_NAMES:
        month = f"-{_MONTH_NAMES.index(fact) + 1:02d}"
        dated = re.compile(rf"\d{{4}}{month}|{month[1:]}-")
        return fact.lower() in words or any(dated.match(other) for other in facts)
    if fact.startswith("<") or "@" in fact or fact.startswith(("http", "www")) or ":" in fact:
        return fact.lower() in lowered
    if not fact[:1].isdigit():
        return all(_stem(w) in words for w in re.findall(r"[\w'’\-]+", fact))
    return False


# --- lexical terms ----------------------------------------------------------------------------

STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can cannot could did do does doing down during each either
    few for from further had has have having he her here hers him his how i if in into is it its
    itself just may me might more most must my need needs no nor not of off on once only or other
    our out over own per shall she should so some such than that the their them then there
    these they this those through to too under until up upon us very via was we were what when
    where which while who whom why will with within would yes you your yours according answer
    based passage passages context provided document documents stated states say says""".split()
)
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_CJK_STOP = frozenset("的了是在和与及或也都就而则之其这那有为对把被将并等可以会能")


def content_terms(text: str) -> list[str]:
    """Words that carry the content of a text, as stems; CJK text as characters and bigrams.

    Numbers are left out (Chinese numerals too): the fact gate checks them exactly, and "15"
    vs "fifteen" should not cost lexical support. For CJK, bigrams reward shared phrases while
    single characters (function characters left out) keep a reworded sentence from scoring
    near zero: 享受 vs 享有 shares 享.
    """
    text = unicodedata.normalize("NFKC", strip_citations(text)).lower()
    terms = [
        _stem(word)
        for word in re.findall(r"[a-z\u00c0-\u024f][a-z\u00c0-\u024f'’\-]*", text)
        if word not in STOP_WORDS and word not in _UNITS and word not in _TENS and len(word) > 1
    ]
    if has_cjk(text):
        for run in _CJK_RUN.findall(_words_to_digits(text, lenient=True)):
            terms.extend(ch for ch in run if ch not in _CJK_STOP)
            terms.extend(run[i : i + 2] for i in range(len(run) - 1))
    return terms
