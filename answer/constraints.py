"""What a question pins down, read lexically: the period, the entity, the measure, the basis
(budget or actual) and the kind of answer it expects. English and Chinese.

The claim gate (`answer.constraint_gate`) holds an answer's claims against these. Everything
here is a regular expression or a small vocabulary, so each decision can be explained by the
words that made it; nothing loads a model. A constraint is extracted only when the question
states it explicitly: "How many days of annual leave do employees get?" has none.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from answer.answer_kinds import (  # noqa: F401 - re-exported: the gate and the tests read them here
    DIRECTION, answer_kinds, has_direction, has_frequency, has_number,
)

# --- periods ----------------------------------------------------------------------------------

_ORDINAL = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
            "一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_Y4 = r"(?:19|20)\d{2}"
_FISCAL = r"(?:fiscal(?:\s+year)?|FY)"
_ORD = r"(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th)"
_ZH_ORD = r"(?P<ord>[一二三四1-4])"

# Order matters: the longest forms are read (and masked) first, a bare year last.
_PERIOD_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # fiscal year ended February 3, 2024: which fiscal year that is depends on the filer
    (re.compile(rf"\bfiscal\s+year\s+end(?:ed|ing)\s+[A-Z][a-z]+\.?\s+\d{{1,2}},?\s+{_Y4}", re.I), "FY?"),
    (re.compile(rf"\b(?:{_FISCAL}\s*'?(?P<y>{_Y4}|\d{{2}})\s+){_ORD}[\s-]+quarter\b", re.I), "Q"),
    (re.compile(rf"\b{_ORD}[\s-]+quarter(?:\s+(?:of\s+)?(?:{_FISCAL}\s*)?'?(?P<y>{_Y4}|\d{{2}}\b))?", re.I), "Q"),
    (re.compile(rf"\bQ(?P<ord>[1-4])(?:\s*(?:of\s+)?(?:{_FISCAL}\s*)?'?(?P<y>{_Y4}|\d{{2}})\b)?", re.I), "Q"),
    (re.compile(rf"(?<![\w.])(?P<ord>[1-4])Q\s*'?(?P<y>{_Y4}|\d{{2}})?\b", re.I), "Q"),
    (re.compile(rf"\b(?P<ord>first|second)\s+half(?:\s+(?:of\s+)?(?:{_FISCAL}\s*)?(?P<y>{_Y4}))?", re.I), "H"),
    (re.compile(rf"\bH(?P<ord>[12])\s*(?:{_FISCAL}\s*)?'?(?P<y>{_Y4}|\d{{2}})?\b"), "H"),
    (re.compile(rf"\b(?:first\s+)?nine\s+months(?:\s+(?:of\s+|ended\s+[A-Z][a-z]+\.?\s+\d{{1,2}},?\s+)?(?P<y>{_Y4}))?", re.I), "9M"),
    (re.compile(rf"\b(?:full[\s-]year|{_FISCAL})\s*'?(?P<y>{_Y4}|\d{{2}})\b", re.I), "FY"),
    (re.compile(rf"\b(?P<y>{_Y4})\s+(?:fiscal\s+year|full[\s-]year)\b", re.I), "FY"),
    (re.compile(r"\bfull[\s-]year\b", re.I), "FY"),
    # Chinese: 2023年第一季度, 2023年一季度, 2023Q1, 2023年上半年, 2023财年, 2023年全年, 前三季度
    (re.compile(rf"(?:(?P<y>{_Y4})\s*年?\s*)?第?{_ZH_ORD}\s*季度"), "Q"),
    (re.compile(rf"(?P<y>{_Y4})\s*年?\s*(?P<ord>[上下])半年(?:度)?"), "H"),
    (re.compile(rf"(?:(?P<y>{_Y4})\s*年?\s*)?(?:前三季度|1\s*[-—至到]\s*9\s*月)"), "9M"),
    (re.compile(rf"(?P<y>{_Y4})\s*(?:财年|财政年度|会计年度|年度|年全年)"), "FY"),
    (re.compile(rf"(?P<y>{_Y4})\s*年"), "Y"),
    (re.compile(r"(?P<ord>[上下])半年"), "H"),
    (re.compile(r"全年|本财年"), "FY"),
    # a bare year, not an amount or a count: not after a currency sign, not before a unit
    (re.compile(rf"(?<![\w$€£¥.,:/-])(?P<y>{_Y4})(?![\w%/-]|[.,:]\d|\s*(?:USD|EUR|GBP|dollars?|euros?|people|employees|users|元))"), "Y"),
]


@dataclass(frozen=True, slots=True)
class Period:
    """A reporting period: a year, a part of one (FY, Q1-Q4, H1, H2, 9M), or both."""

    year: int | None
    part: str | None  # "FY", "Q1".."Q4", "H1", "H2", "9M"; None: a year with no part named

    def label(self) -> str:
        if self.part == "FY":
            return f"FY{self.year}" if self.year else "full year"
        if self.part and self.year:
            return f"{self.part} {self.year}"
        return self.part or str(self.year)

    def compatible(self, other: Period) -> bool:
        """Nothing either states contradicts the other: same year where both give one, same part
        where both name one."""
        if self.year is not None and other.year is not None and self.year != other.year:
            return False
        return self.part is None or other.part is None or self.part == other.part


def _year(text: str | None) -> int | None:
    if not text:
        return None
    value = int(text)
    return value + 2000 if value < 100 else value


def periods_in(text: str) -> list[Period]:
    """The reporting periods a text names, in the order the patterns read them."""
    work = unicodedata.normalize("NFKC", text)
    found: list[Period] = []
    for pattern, kind in _PERIOD_PATTERNS:
        for match in pattern.finditer(work):
            groups = match.groupdict()
            year = _year(groups.get("y"))
            if kind == "FY?":
                found.append(Period(None, "FY"))
            elif kind in ("Q", "H"):
                ordinal = groups["ord"].lower()
                number = {"上": 1, "下": 2}.get(ordinal) or _ORDINAL[ordinal]
                found.append(Period(year, f"{kind}{number}"))
            elif kind in ("9M", "FY"):
                found.append(Period(year, kind))
            else:
                found.append(Period(year, None))
            work = work[: match.start()] + " " * (match.end() - match.start()) + work[match.end() :]
    unique: list[Period] = []
    for period in found:
        if period not in unique:
            unique.append(period)
    return unique


# --- measures: line items, the base of a ratio, the basis -------------------------------------

# Canonical line item -> the words that name it (English lower-case regex, Chinese literal).
# Longer names are matched first, so "comparable sales" is not read as "sales".
LINE_ITEMS: dict[str, tuple[str, ...]] = {
    "comparable sales": (r"comparable(?:[\s-]store)?\s+sales", r"same[\s-]store\s+sales", r"like[\s-]for[\s-]like\s+sales", "同店销售"),
    "gross margin": (r"gross\s+(?:profit\s+)?margin", "毛利率"),
    "operating margin": (r"operating\s+(?:profit\s+)?margin", "营业利润率", "经营利润率"),
    "gross profit": (r"gross\s+profit", "毛利润", "毛利"),
    "operating income": (r"operating\s+(?:income|profit|earnings)", r"income\s+from\s+operations", "营业利润", "经营利润"),
    "net income": (r"net\s+(?:income|profit|earnings|loss)", "净利润", "归母净利"),
    "earnings per share": (r"(?:diluted\s+)?earnings\s+per\s+(?:diluted\s+)?share", r"\beps\b", "每股收益"),
    "ebitda": (r"\bebitda\b",),
    "sg&a": (r"selling,?\s+general\s+and\s+administrative(?:\s+expenses?)?", r"\bsg&a\b", "销售、一般及管理费用", "销售及管理费用"),
    "selling expenses": (r"selling\s+expenses?", "销售费用"),
    "wages": (r"\bwages?\b", r"\bsalar(?:y|ies)\b", r"\bpayroll\b", r"compensation\s+expenses?", r"staff\s+costs?",
              r"personnel\s+(?:costs?|expenses?)", "工资", "薪酬", "人工成本"),
    "research and development": (r"research\s+and\s+development", r"\br&d\b", "研发费用", "研发投入", "研发支出"),
    "marketing": (r"marketing(?:\s+(?:expenses?|spend(?:ing)?|costs?))?", r"advertising", "营销费用", "市场营销", "广告费"),
    "cost of sales": (r"cost\s+of\s+(?:sales|goods\s+sold|revenues?)", r"\bcogs\b", "营业成本", "销售成本"),
    "free cash flow": (r"free\s+cash\s+flows?", "自由现金流"),
    "operating cash flow": (r"operating\s+cash\s+flows?", r"cash\s+(?:flows?\s+)?from\s+operati(?:ons|ng\s+activities)",
                            r"net\s+cash\s+provided\s+by\s+operating\s+activities", "经营活动现金流", "经营活动产生的现金流"),
    "capital expenditures": (r"capital\s+expenditures?", r"\bcapex\b", "资本支出", "资本开支"),
    "dividends": (r"dividends?", "股息", "分红", "派息"),
    "share repurchases": (r"share\s+repurchases?", r"buybacks?", "股份回购", "回购"),
    "inventory": (r"inventor(?:y|ies)", "存货", "库存"),
    "total assets": (r"total\s+assets", "总资产"),
    "debt": (r"(?:total|long[\s-]term)\s+debt", "有息负债", "长期借款"),
    "income tax": (r"income\s+tax(?:es)?(?:\s+expense)?", r"effective\s+tax\s+rate", "所得税"),
    "revenue": (r"net\s+sales", r"total\s+sales", r"net\s+revenues?", r"\brevenues?\b", r"\bturnover\b", r"\bsales\b",
                "营业总收入", "营业收入", "营收", "销售收入", "销售额", "收入"),
}
_ITEM_PATTERNS = [
    (item, re.compile(word, re.I) if word.isascii() else re.compile(re.escape(word)))
    for item, words in LINE_ITEMS.items()
    for word in words
]
_ITEM_ALT = "|".join(w for words in LINE_ITEMS.values() for w in words if w.isascii())
_ITEM_ALT_ZH = "|".join(re.escape(w) for words in LINE_ITEMS.values() for w in words if not w.isascii())
# "as a percent of net sales", "% of revenue", "占营业收入的比例": the base of a ratio
_BASE_EN = re.compile(
    rf"(?:(?:as\s+)?an?\s+)?(?:percent(?:age)?|share|proportion|ratio|%)\s+of\s+(?:total\s+)?(?P<base>{_ITEM_ALT})", re.I
)
_BASE_ZH = re.compile(rf"占(?:公司)?(?P<base>{_ITEM_ALT_ZH})(?:的)?(?:比例|比重|百分比|比率|%)?")
_PERCENTISH = re.compile(r"%|\bpercent|\bper\s+cent|basis\s+points?|\bbps\b|百分之|百分点|个基点", re.I)

_BUDGET = re.compile(
    r"\bbudget(?:s|ed)?\b|\bplann?ed\b|\bforecast(?:s|ed)?\b|\btarget(?:s|ed)?\b|\bguidance\b|\boutlook\b|"
    r"\bexpect(?:s|ed)?\b|\bprojected\b|预算|计划|预计|目标|指引|预测", re.I
)
_ACTUAL = re.compile(r"\bactual(?:ly|s)?\b|\bspent\b|\bspend(?:ing)?\b|实际|已支出|实际支出|决算", re.I)
# Budget or actual is a constraint of money questions only ("How much was spent on ...").
_MONEY_Q = re.compile(r"\bspen[dt]|\bbudget|\bcosts?\b|\bexpen(?:se|ditures?)|预算|支出|费用|开支", re.I)


def line_items_in(text: str) -> set[str]:
    """Canonical line items a text names (the base of a ratio included)."""
    work = unicodedata.normalize("NFKC", text)
    found: set[str] = set()
    for item, pattern in _ITEM_PATTERNS:
        for match in pattern.finditer(work):
            found.add(item)
            work = work[: match.start()] + " " * (match.end() - match.start()) + work[match.end() :]
    return found


def _canonical(name: str) -> str:
    items = line_items_in(name)
    return next(iter(items)) if items else name.lower()


def has_percent(text: str) -> bool:
    return _PERCENTISH.search(unicodedata.normalize("NFKC", text)) is not None


def basis_in(text: str) -> set[str]:
    """"budget" (planned, forecast, target, guidance) and/or "actual" (spent, reported)."""
    found = set()
    if _BUDGET.search(text):
        found.add("budget")
    if _ACTUAL.search(text):
        found.add("actual")
    return found


# --- entities ---------------------------------------------------------------------------------

_ORG_SUFFIX = (r"Inc\.?|Incorporated|Corp\.?|Corporation|Holdings?|Group|Ltd\.?|Limited|LLC|L\.P\.|plc|PLC|Co\.|"
               r"Company|AG|SE|SA|NV|GmbH|Bank|Technologies|Industries|Partners|Capital|Motors|Foods|Brands|Beauty|"
               r"Retail|Logistics|Pharmaceuticals|Energy|Airlines")
_CAP = r"[A-Z][\w&\-]*"
_NAME = rf"{_CAP}(?:\s+(?:&\s+)?{_CAP})*"
_POSSESSIVE = re.compile(rf"(?<![\w])(?P<name>{_NAME})(?:'s|’s|'|’)(?=\s)")
_ORG = re.compile(rf"(?<![\w])(?P<name>{_CAP}(?:\s+(?:&\s+)?{_CAP})*\s+(?:{_ORG_SUFFIX}))(?![\w])")
_AFTER_VERB = re.compile(
    rf"\b(?:of|at|for|by|from|did|does|do|has|have|was|were|is|are)\s+(?P<name>{_CAP}(?:\s+(?:&\s+)?{_CAP})+)"
)
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*_\d+>")
# A Chinese name is a run of characters that are not function characters, before a suffix.
_ZH_NAME_CHAR = r"[^\W\d_的了是在和与及或也都就而则之其这那有为对把被将并等向从于由以年月日季度第前后上下全]"
_ZH_ORG = re.compile(
    rf"(?P<name>{_ZH_NAME_CHAR}{{2,8}}?(?:股份有限公司|有限公司|集团|控股|银行|证券|保险|科技|实业|电子|地产|能源|传媒|物流|公司))"
)
_ZH_NAME_STOP = re.compile(r"^(?:请问|请|问|本|我们|我|贵|该|那|这|其|各|每|全|年|度|的|在|和|与|及)+")
# Words that look like names in a question but constrain nothing.
_NOT_ENTITIES = frozenset(
    "what what's how when where which who why is are was were does do did can could may must has have will "
    "the a an in on at of for it it's that's "
    "ceo cfo coo cto hr it team company employee employees staff manager managers sla api faq".split()
)
_RELATION_EN = r"(?:subsidiar(?:y|ies)|division|unit|segment|parent(?:\s+company)?|affiliate|owner|arm)"
_RELATION_ZH = r"(?:子公司|母公司|分公司|旗下|下属|控股股东)"


def _clean_entity(name: str) -> str | None:
    words = name.split()
    while words and words[0].lower() in _NOT_ENTITIES:  # "Did Ulta Beauty's" -> "Ulta Beauty"
        words = words[1:]
    name = " ".join(words)
    if not words or " ".join(words).lower() in _NOT_ENTITIES or all(w.lower() in _NOT_ENTITIES for w in words):
        return None
    if line_items_in(name) or periods_in(name):  # "Net Sales", "Q4" are not names
        return None
    return name


def entities_in(text: str, *, question: bool = False) -> list[str]:
    """Names of companies, products or people a text states. In a question, a name is read
    only where it is marked as one: a possessive, an organisation suffix, a placeholder, or two
    or more capitalised words after 'of', 'at', 'for' or a verb."""
    text = unicodedata.normalize("NFKC", text)
    found: list[str] = []
    patterns = [_PLACEHOLDER, _POSSESSIVE, _ORG] + ([_AFTER_VERB] if question else [])
    for pattern in patterns:
        for match in pattern.finditer(text):
            raw = match.group("name") if "name" in pattern.groupindex else match.group(0)
            name = _clean_entity(raw) if pattern is not _PLACEHOLDER else raw
            if name and not any(name in other or other in name for other in found):
                found.append(name)
    for match in _ZH_ORG.finditer(text):
        name = _ZH_NAME_STOP.sub("", match.group("name"))
        cjk = re.search(r"[\u4e00-\u9fff]", name) and not re.search(r"[A-Za-z]", name)
        if len(name) >= 3 and cjk and not any(name in o or o in name for o in found):
            found.append(name)
    return found


def _entity_core(name: str) -> str:
    """The distinctive part of a name: 'Acme Holdings, Inc.' -> 'acme holdings'. A Chinese name
keeps its suffix: 华信 alone would also be read in 华信科技."""
    name = re.sub(rf"[,\s]+(?:Inc\.?|Incorporated|Corp\.?|Ltd\.?|Limited|LLC|plc|PLC|Co\.)$", "", name.strip())
    return name.lower()


def mentions(text: str, entity: str) -> bool:
    """Does the text name the entity (its distinctive part), other than as the owner in a
    'subsidiary of X' / 'X旗下' phrase?"""
    core = _entity_core(entity)
    lowered = unicodedata.normalize("NFKC", text).lower()
    lowered = lowered.replace("’", "'")
    escaped = re.escape(core)
    owner = re.compile(
        rf"{_RELATION_EN}\s+of\s+(?:the\s+)?{escaped}|{escaped}(?:'s?)?\s+(?:\w+\s+)?{_RELATION_EN}\b"
        rf"|{escaped}\S{{0,8}}?(?:的)?{_RELATION_ZH}",
        re.I,
    )
    stripped = owner.sub(" ", lowered)
    if core.isascii():
        return re.search(rf"(?<![\w]){escaped}(?![\w])", stripped) is not None
    return core in stripped


def conflicting_entities(text: str, entity: str) -> list[str]:
    """Names in the text of the same kind as the entity but not it: a sibling or parent that
    shares a word with it ('Acme Logistics' for 'Acme Holdings'), or another organisation."""
    core = _entity_core(entity)
    first = core.split()[0] if core.isascii() and core.split() else core[:2]
    others = []
    for name in entities_in(text):
        other = _entity_core(name)
        if other == core or core in other or other in core:
            continue
        shares = other.split()[0] == first if other.isascii() and other.split() else other[:2] == first
        if shares or _ORG.fullmatch(name) or _ZH_ORG.fullmatch(name):
            others.append(name)
    return others


@dataclass(frozen=True, slots=True)
class QuestionConstraints:
    periods: tuple[Period, ...] = ()
    entities: tuple[str, ...] = ()
    line_items: tuple[str, ...] = ()  # canonical names (see LINE_ITEMS)
    base: str | None = None  # the denominator of "as a percent of net sales": "revenue"
    basis: str | None = None  # "budget" or "actual"
    kinds: tuple[str, ...] = ()  # of answer: yes_no, direction, percent, number, frequency, comparison, list

    @property
    def empty(self) -> bool:
        return not (self.periods or self.entities or self.line_items or self.base or self.basis or self.kinds)

    def as_dict(self) -> dict[str, list[str]]:
        """What the answer shows under `constraints`: only what the question stated."""
        shown = {
            "period": [p.label() for p in self.periods],
            "entity": list(self.entities),
            "measure": list(self.line_items) + ([f"% of {self.base}"] if self.base else []),
            "basis": [self.basis] if self.basis else [],
            "answer_type": list(self.kinds),
        }
        return {key: value for key, value in shown.items() if value}


def question_constraints(question: str) -> QuestionConstraints:
    """The constraints a question states explicitly."""
    text = unicodedata.normalize("NFKC", question)
    base = None
    for pattern in (_BASE_EN, _BASE_ZH):
        match = pattern.search(text)
        if match:
            base = _canonical(match.group("base"))
            text_items = text[: match.start()] + " " + text[match.end() :]
            break
    else:
        text_items = text
    items = tuple(sorted(line_items_in(text_items)))
    basis_words = basis_in(text)
    money = bool(items) or _MONEY_Q.search(text) is not None
    basis = next(iter(basis_words)) if len(basis_words) == 1 and money else None
    return QuestionConstraints(
        periods=tuple(periods_in(text)),
        entities=tuple(entities_in(text, question=True)),
        line_items=items,
        base=base,
        basis=basis,
        kinds=answer_kinds(text),
    )
