"""A labelled synthetic corpus for de-identification, and a scorer.

``make_labelled_corpus`` writes English and Chinese policy-like paragraphs with planted
personal data in many formats, and also plants *sentinels*: non-personal values a
de-identifier must leave alone (amounts, periods, dates, section numbers, product names).

``evaluate`` scores a batch redaction function:

* recall per entity type: a planted value counts as caught when the planted substring no
  longer appears anywhere in the redacted text of its paragraph;
* sentinel survival (a precision proxy): the fraction of planted sentinels whose exact
  substring still appears in the redacted text;
* throughput in characters per second of input.

Run ``python -m benchmarks.pii_corpus`` from the repository root to compare our
``Deidentifier`` with Presidio's defaults on the same corpus.

``make_span_corpus`` is the richer, span-labelled set that ``benchmarks.pii_quality`` scores:
every planted value with its type, span and format (``FORMATS``), tables and lists, and hard
negatives with their kind (``NEGATIVES``).
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# --------------------------------------------------------------------------- values

_EN_FIRST = [
    "Jane",
    "John",
    "Maria",
    "Ahmed",
    "Priya",
    "Olusegun",
    "Chen",
    "Sofia",
    "Liam",
    "Aisha",
    "Mateo",
    "Hannah",
    "Kenji",
    "Fatima",
    "Lucas",
    "Emily",
    "Dmitri",
    "Grace",
    "Rahul",
    "Noah",
    "Isabella",
    "Tomasz",
    "Amara",
    "Ethan",
    "Yuki",
    "Carlos",
    "Zoe",
    "Oliver",
    "Nadia",
    "Samuel",
]
_EN_LAST = [
    "Doe",
    "Smith",
    "Garcia",
    "Khan",
    "Raman",
    "Adeyemi",
    "Nguyen",
    "Rossi",
    "O'Brien",
    "Patel",
    "Fernandez",
    "Miller",
    "Tanaka",
    "Haddad",
    "Schmidt",
    "Johnson",
    "Ivanov",
    "Kim",
    "Mehta",
    "Williams",
    "Kowalski",
    "Okafor",
    "Brown",
    "Sato",
    "Lopez",
    "Taylor",
    "Anderson",
    "Novak",
]
_ZH_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡杜叶程苏魏吕丁沈姚卢"
_ZH_COMPOUND = ["欧阳", "司马", "诸葛", "上官"]
_ZH_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文海波晓雪梅琳"
_EMAIL_DOMAINS = [
    "example.com",
    "acme-corp.com",
    "mail.example.org",
    "company.cn",
    "qq.com",
    "163.com",
]
_STREETS = [
    "Market",
    "Baker",
    "Elm",
    "Oak",
    "Maple",
    "Washington",
    "Lincoln",
    "Pine",
    "Cedar",
    "Main",
    "High",
    "Park",
    "Sunset",
    "Lake Shore",
    "Mission",
]
_SUFFIXES = [
    "Street",
    "St.",
    "Avenue",
    "Ave.",
    "Road",
    "Rd.",
    "Boulevard",
    "Blvd.",
    "Lane",
    "Drive",
]
_CITIES = [
    ("San Francisco", "CA", "94103"),
    ("Austin", "TX", "78701"),
    ("Seattle", "WA", "98101"),
    ("New York", "NY", "10001"),
    ("Chicago", "IL", "60601"),
    ("Boston", "MA", "02110"),
]
_ZH_CITIES = [
    ("北京市", ["海淀区", "朝阳区", "东城区"]),
    ("上海市", ["浦东新区", "徐汇区", "静安区"]),
    ("广东省深圳市", ["南山区", "福田区"]),
    ("杭州市", ["西湖区", "滨江区"]),
    ("江苏省南京市", ["鼓楼区", "玄武区"]),
    ("成都市", ["武侯区", "锦江区"]),
]
_ZH_ROADS = [
    "中关村大街",
    "世纪大道",
    "科技园路",
    "文三路",
    "建国路",
    "淮海中路",
    "人民南路",
    "中山北路",
    "长安街",
]
_CN_REGIONS = ["110101", "110108", "310104", "310115", "440305", "320102", "510107", "330106"]
_PRODUCTS = [
    "Acme Cloud Backup",
    "ReportBuilder Pro",
    "Northwind Payroll",
    "DataVault 3",
    "Contoso Expense",
    "the Helpdesk Portal",
]


def _luhn_complete(rng: random.Random, prefix: str, length: int) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    for check in "0123456789":
        digits = body + check
        total = 0
        for i, ch in enumerate(reversed(digits)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable")


def _group(digits: str, sizes: list[int], sep: str) -> str:
    out, pos = [], 0
    for size in sizes:
        out.append(digits[pos : pos + size])
        pos += size
    if pos < len(digits):
        out.append(digits[pos:])
    return sep.join(out)


def cn_resident_id(rng: random.Random) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    birth = f"{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first17 = rng.choice(_CN_REGIONS) + birth + f"{rng.randint(0, 999):03d}"
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def _iban(rng: random.Random) -> str:
    country = rng.choice(["DE", "GB", "FR"])
    if country == "DE":
        bban = "".join(rng.choice("0123456789") for _ in range(18))
    elif country == "GB":
        bban = "NWBK" + "".join(rng.choice("0123456789") for _ in range(14))
    else:
        bban = "".join(rng.choice("0123456789") for _ in range(23))
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    iban = f"{country}{check:02d}{bban}"
    return iban if rng.random() < 0.5 else " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _value(kind: str, rng: random.Random) -> str:
    r = rng.random()
    if kind == "PERSON":
        return f"{rng.choice(_EN_FIRST)} {rng.choice(_EN_LAST)}"
    if kind == "ZH_PERSON":
        surname = rng.choice(_ZH_COMPOUND) if r < 0.1 else rng.choice(_ZH_SURNAMES)
        return surname + "".join(rng.choice(_ZH_GIVEN) for _ in range(rng.choice([1, 2, 2])))
    if kind == "EMAIL_ADDRESS":
        first, last = rng.choice(_EN_FIRST).lower(), rng.choice(_EN_LAST).lower().replace("'", "")
        local = rng.choice(
            [f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}{rng.randint(1, 99)}"]
        )
        return f"{local}@{rng.choice(_EMAIL_DOMAINS)}"
    if kind == "PHONE_NUMBER":
        a, b, c = rng.randint(201, 989), rng.randint(200, 999), rng.randint(0, 9999)
        return rng.choice(
            [
                f"({a}) {b}-{c:04d}",
                f"{a}-{b}-{c:04d}",
                f"{a}.{b}.{c:04d}",
                f"+1 {a} {b} {c:04d}",
                f"+1-{a}-{b}-{c:04d}",
                f"+44 20 {rng.randint(7000, 8999)} {c:04d}",
                f"+33 1 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                f"+49 30 {rng.randint(1000, 9999)} {c:04d}",
            ]
        )
    if kind == "CN_MOBILE":
        num = f"1{rng.choice('3456789')}{rng.randint(0, 999999999):09d}"
        return rng.choice(
            [
                num,
                f"{num[:3]} {num[3:7]} {num[7:]}",
                f"+86 {num[:3]}-{num[3:7]}-{num[7:]}",
                f"+86 {num}",
                f"{num[:3]}-{num[3:7]}-{num[7:]}",
            ]
        )
    if kind == "CN_RESIDENT_ID":
        v = cn_resident_id(rng)
        return v if r < 0.8 else f"{v[:6]} {v[6:14]} {v[14:]}"
    if kind == "CN_BANK_CARD":
        v = _luhn_complete(rng, rng.choice(["6222", "6217", "6228", "6212"]), rng.choice([16, 19]))
        return v if r < 0.5 else _group(v, [4, 4, 4, 4], " ")
    if kind == "CREDIT_CARD":
        if r < 0.2:
            v = _luhn_complete(rng, rng.choice(["34", "37"]), 15)
            return _group(v, [4, 6, 5], " ")
        v = _luhn_complete(rng, rng.choice(["4", "51", "52", "53", "54", "55"]), 16)
        return rng.choice([v, _group(v, [4, 4, 4, 4], " "), _group(v, [4, 4, 4, 4], "-")])
    if kind == "IBAN_CODE":
        return _iban(rng)
    if kind == "IP_ADDRESS":
        if r < 0.2:
            return "2001:db8:" + ":".join(f"{rng.randint(0, 65535):x}" for _ in range(6))
        return ".".join(str(rng.randint(1, 254)) for _ in range(4))
    if kind == "US_SSN":
        return f"{rng.randint(101, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"
    if kind == "STREET_ADDRESS":
        addr = f"{rng.randint(1, 9999)} {rng.choice(_STREETS)} {rng.choice(_SUFFIXES)}"
        if r < 0.15:
            addr = f"{rng.randint(1, 300)}B {rng.choice(_STREETS)} {rng.choice(_SUFFIXES)}"
        if rng.random() < 0.4:
            addr += rng.choice(
                [
                    f", Suite {rng.randint(100, 999)}",
                    f", Apt {rng.randint(1, 30)}C",
                    f", Floor {rng.randint(2, 40)}",
                ]
            )
        if rng.random() < 0.6:
            city, state, zipc = rng.choice(_CITIES)
            addr += f", {city}, {state} {zipc}"
        return addr
    if kind == "ZH_ADDRESS":
        city, districts = rng.choice(_ZH_CITIES)
        addr = (
            (city if r < 0.85 else "")
            + rng.choice(districts)
            + rng.choice(_ZH_ROADS)
            + f"{rng.randint(1, 999)}号"
        )
        if rng.random() < 0.3:
            addr += f"{rng.randint(1, 12)}栋{rng.randint(101, 2808)}室"
        return addr
    raise KeyError(kind)


# Sentinels: values that must survive de-identification.
_SENTINELS = {
    "DAYS": ["30 days", "14 calendar days", "90 days", "five business days"],
    "AMOUNT": ["$1,500", "$250.00", "USD 10,000", "$75"],
    "SECTION": ["section 4.2", "Section 7.1.3", "clause 12(b)", "Article 9"],
    "DATE": ["2024-05-01", "May 1, 2024", "January 15, 2025", "2023-12-31"],
    "PRODUCT": _PRODUCTS,
    "PERCENT": ["12%", "3.5%", "0.25%"],
    "VERSION": ["version 3.1", "v2.0.4", "release 11"],
    "ZH_DAYS": ["30天", "15个工作日", "七日"],
    "ZH_AMOUNT": ["1500元", "人民币5,000元", "200元"],
    "ZH_SECTION": ["第4.2条", "第十二条", "第三章"],
    "ZH_DATE": ["2024年5月1日", "2025年1月15日"],
    "ZH_PERCENT": ["5%", "0.5%"],
}
_SLOT_TYPE = {"ZH_PERSON": "PERSON", "ZH_ADDRESS": "STREET_ADDRESS"}

_EN_TEMPLATES = [
    "Questions about this policy should be directed to {PERSON}, Data Protection Officer, at {EMAIL_ADDRESS} or {PHONE_NUMBER}.",
    "Refund requests must be submitted within {DAYS} of purchase; amounts above {AMOUNT} require approval as described in {SECTION}.",
    "This policy takes effect on {DATE} and applies to all users of {PRODUCT}.",
    "Employee {PERSON} (SSN {US_SSN}) is enrolled in the {PRODUCT} benefits plan.",
    "Payments may be made by card {CREDIT_CARD} or by wire transfer to IBAN {IBAN_CODE}.",
    "Mail written notices to {STREET_ADDRESS}.",
    "Access from IP address {IP_ADDRESS} was logged for {PERSON} on {DATE}.",
    "Contact: {PERSON}, phone {PHONE_NUMBER}, email {EMAIL_ADDRESS}.",
    "Our China support desk can be reached at {CN_MOBILE}; reimbursements are paid to card {CN_BANK_CARD}.",
    "Late fees of {PERCENT} apply after {DAYS}, see {SECTION}.",
    "{PERSON} reviewed {VERSION} of the {PRODUCT} guidelines on {DATE}.",
    "The visitor registered with resident ID {CN_RESIDENT_ID} and mobile number {CN_MOBILE}.",
    "Please send the signed form to {PERSON} at {STREET_ADDRESS} before {DATE}.",
    "Traffic from {IP_ADDRESS} to the {PRODUCT} gateway was blocked under {SECTION}.",
    "The annual limit is {AMOUNT} per employee, and unused balances expire after {DAYS}.",
    "All records are encrypted at rest and retained for {DAYS} unless {SECTION} requires longer.",
    "For billing disputes call {PHONE_NUMBER} or write to {EMAIL_ADDRESS}; our office is at {STREET_ADDRESS}.",
    "Managers may approve expenses up to {AMOUNT}; claims above {PERCENT} of budget go to {PERSON}.",
    "The corporate card ending program was replaced: card {CREDIT_CARD} was cancelled on {DATE}.",
    "Dr. {PERSON} leads the review board; her assistant {PERSON} schedules meetings.",
]
_ZH_TEMPLATES = [
    "如有疑问，请联系人：{ZH_PERSON}，电话{CN_MOBILE}，邮箱：{EMAIL_ADDRESS}。",
    "员工{ZH_PERSON}的身份证号码为{CN_RESIDENT_ID}，工资发放至银行卡{CN_BANK_CARD}。",
    "公司地址：{ZH_ADDRESS}。",
    "退款申请须在{ZH_DAYS}内提交，金额超过{ZH_AMOUNT}需经审批，详见{ZH_SECTION}。",
    "本制度自{ZH_DATE}起施行，适用于{PRODUCT}的全部用户。",
    "{ZH_PERSON}女士负责该项目，联系电话：{CN_MOBILE}。",
    "报销由{ZH_PERSON}负责审批，结果将发送至{EMAIL_ADDRESS}。",
    "服务器IP地址{IP_ADDRESS}仅限内网访问。",
    "境外汇款请汇至IBAN：{IBAN_CODE}，或使用信用卡 {CREDIT_CARD} 支付。",
    "致{ZH_PERSON}：您的申请已受理，逾期费率为{ZH_PERCENT}。",
    "客户{ZH_PERSON}，手机号{CN_MOBILE}，住址：{ZH_ADDRESS}。",
    "海外联系人 {PERSON} 的电话为 {PHONE_NUMBER}。",
    "年度预算上限为{ZH_AMOUNT}，未使用部分在{ZH_DAYS}后失效，参见{ZH_SECTION}。",
    "申请人姓名：{ZH_PERSON}，身份证号：{CN_RESIDENT_ID}，开户行卡号：{CN_BANK_CARD}。",
    "文件请寄往{ZH_ADDRESS}，收件人：{ZH_PERSON}。",
    "所有数据在{ZH_DAYS}后删除，本条款自{ZH_DATE}起生效。",
]


@dataclass
class LabelledText:
    text: str
    spans: list[tuple[int, int, str]]  # (start, end, entity type) of planted personal data
    sentinels: list[tuple[int, int]] = field(default_factory=list)  # planted non-PII values
    # Filled by ``make_span_corpus`` (and benchmarks.pii_presidio_set); empty in the old corpus.
    language: str = ""  # "en" or "zh": the language of the paragraph's prose
    formats: list[str] = field(default_factory=list)  # per span: how the value is written
    sentinel_kinds: list[str] = field(default_factory=list)  # per sentinel: AMOUNT, PRODUCT ...
    # Neither personal data nor a value that must survive (a city, a postcode on its own
    # line): a detection there is neither a hit nor a false alarm.
    neutral: list[tuple[int, int, str]] = field(default_factory=list)
    source: str = ""  # which generator or template set made it


_SLOT_RE = re.compile(r"\{(\w+)\}")


def _fill(
    template: str,
    rng: random.Random,
    out: list[str],
    pos: int,
    spans: list[tuple[int, int, str]],
    sentinels: list[tuple[int, int]],
) -> int:
    last = 0
    for m in _SLOT_RE.finditer(template):
        literal = template[last : m.start()]
        out.append(literal)
        pos += len(literal)
        slot = m.group(1)
        if slot in _SENTINELS:
            value = rng.choice(_SENTINELS[slot])
            sentinels.append((pos, pos + len(value)))
        else:
            value = _value(slot, rng)
            spans.append((pos, pos + len(value), _SLOT_TYPE.get(slot, slot)))
        out.append(value)
        pos += len(value)
        last = m.end()
    out.append(template[last:])
    return pos + len(template) - last


def make_labelled_corpus(n_docs: int, seed: int) -> list[LabelledText]:
    """``n_docs`` paragraphs, about 60 % English and 40 % Chinese, 5-9 sentences each."""
    rng = random.Random(seed)
    corpus: list[LabelledText] = []
    for _ in range(n_docs):
        chinese = rng.random() < 0.4
        templates = _ZH_TEMPLATES if chinese else _EN_TEMPLATES
        sep = "" if chinese else " "
        out: list[str] = []
        spans: list[tuple[int, int, str]] = []
        sentinels: list[tuple[int, int]] = []
        pos = 0
        for i, template in enumerate(rng.sample(templates, rng.randint(5, 9))):
            if i:
                out.append(sep)
                pos += len(sep)
            pos = _fill(template, rng, out, pos, spans, sentinels)
        corpus.append(LabelledText("".join(out), spans, sentinels))
    return corpus


def evaluate(
    redact_fn: Callable[[list[str]], list[str]], corpus: list[LabelledText]
) -> dict[str, dict]:
    """Score ``redact_fn`` (a batch: texts in, redacted texts out, same order) on ``corpus``.

    Returns ``{entity_type: {planted, caught, recall}}`` plus ``"_sentinels"``
    (``planted``, ``survived``, ``survival``) and ``"_speed"`` (``chars``, ``seconds``,
    ``chars_per_s``). A planted value is caught when its exact substring is absent from the
    redacted paragraph; a sentinel survives when its exact substring is still present.
    """
    texts = [item.text for item in corpus]
    started = time.perf_counter()
    redacted = redact_fn(texts)
    seconds = time.perf_counter() - started
    if len(redacted) != len(texts):
        raise ValueError("redact_fn must return one text per input text")

    planted: dict[str, int] = {}
    caught: dict[str, int] = {}
    kept = total_sentinels = 0
    for item, out in zip(corpus, redacted):
        for start, end, kind in item.spans:
            planted[kind] = planted.get(kind, 0) + 1
            if item.text[start:end] not in out:
                caught[kind] = caught.get(kind, 0) + 1
        for start, end in item.sentinels:
            total_sentinels += 1
            kept += item.text[start:end] in out

    report: dict[str, dict] = {
        kind: {"planted": n, "caught": caught.get(kind, 0), "recall": caught.get(kind, 0) / n}
        for kind, n in sorted(planted.items())
    }
    report["_sentinels"] = {
        "planted": total_sentinels,
        "survived": kept,
        "survival": kept / total_sentinels if total_sentinels else 1.0,
    }
    chars = sum(len(t) for t in texts)
    report["_speed"] = {
        "chars": chars,
        "seconds": seconds,
        "chars_per_s": chars / seconds if seconds else 0.0,
    }
    return report


# --------------------------------------------------------------------------- span corpus
#
# ``make_span_corpus``: every planted value carries its entity type, its character span and
# the format it is written in; sentinels carry their kind. More formats per type than the
# corpus above, names in tables and lists, and hard negatives that look like personal data
# (capitalised common words, product and company names, order numbers, Chinese words that
# begin with a surname character). benchmarks/pii_quality.py scores on it.

_EN_FIRST_HARD = ["José", "Zoë", "Björn", "Chloé", "Siobhan", "Grace", "Will", "Rose", "Mark"]
_EN_LAST_HARD = ["Álvarez", "Müller", "Lindqvist", "Dubois", "Smith-Jones", "McAllister"]
_EN_PARTICLE = ["van der Berg", "de la Cruz", "von Essen", "di Stefano"]
_TITLES = ["Dr.", "Mr.", "Mrs.", "Ms.", "Prof.", "Dr", "Mr"]
_EMAIL_SUBDOMAINS = ["mail.eu.acme-corp.com", "dept.uni-example.ac.uk", "corp.contoso.de"]
_ZH_GIVEN_2 = "子涵浩然梓萱一诺宇轩欣怡嘉怡思远俊杰"
_IBAN_COUNTRIES = {  # country -> BBAN shape: 'n' digit, 'a' upper-case letter, 'c' either
    "DE": "n" * 18,
    "GB": "aaaa" + "n" * 14,
    "FR": "n" * 10 + "c" * 11 + "nn",
    "NL": "aaaa" + "n" * 10,
    "ES": "n" * 20,
    "IT": "a" + "n" * 10 + "c" * 12,
    "CH": "n" * 5 + "c" * 12,
}


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def iban(rng: random.Random, country: str) -> str:
    """A check-digit-valid IBAN (ISO 13616 mod 97) with a random BBAN of the country's shape."""
    alphabet = {"n": "0123456789", "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    alphabet["c"] = alphabet["n"] + alphabet["a"]
    bban = "".join(rng.choice(alphabet[c]) for c in _IBAN_COUNTRIES[country])
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def _en_name(rng: random.Random, hard: float = 0.25) -> tuple[str, str]:
    first = rng.choice(_EN_FIRST_HARD if rng.random() < hard else _EN_FIRST)
    last = rng.choice(_EN_LAST_HARD if rng.random() < hard else _EN_LAST)
    return first, last


def _zh_name(rng: random.Random, fmt: str) -> str:
    if fmt == "compound":
        return rng.choice(_ZH_COMPOUND) + rng.choice(_ZH_GIVEN)
    surname = rng.choice(_ZH_SURNAMES)
    if fmt == "2char":
        return surname + rng.choice(_ZH_GIVEN)
    return surname + rng.choice(_ZH_GIVEN + _ZH_GIVEN_2) + rng.choice(_ZH_GIVEN)


def _cn_mobile_digits(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{_digits(rng, 9)}"


def _resident_id(rng: random.Random, check_x: bool) -> str:
    for _ in range(200):
        v = cn_resident_id(rng)
        if (v[-1] == "X") == check_x:
            return v
    return v


# A format: (name, function of the rng returning the value or (unlabelled prefix, value)).
_Format = tuple[str, Callable[[random.Random], "str | tuple[str, str]"]]


def _f(name: str, fn: Callable[[random.Random], str | tuple[str, str]]) -> _Format:
    return (name, fn)


def _us(pattern: str) -> Callable[[random.Random], str]:
    """US number: area code, exchange, line; ``pattern`` uses {a} {b} {c}."""

    def make(rng: random.Random) -> str:
        a, b, c = rng.randint(201, 989), rng.randint(200, 999), rng.randint(0, 9999)
        return pattern.format(a=a, b=b, c=f"{c:04d}")

    return make


def _digit_pattern(pattern: str) -> Callable[[random.Random], str]:
    """Every ``#`` becomes a random digit: ``"+44 20 7### ####"``."""
    return lambda rng: "".join(rng.choice("0123456789") if ch == "#" else ch for ch in pattern)


def _email(pattern: str) -> Callable[[random.Random], str]:
    """{f} first name, {l} last name, {i} initial (lower case), {n} 1-99, {tag}, {dom}, {sub}."""

    def make(rng: random.Random) -> str:
        first, last = (x.lower().replace("'", "") for x in _en_name(rng, 0))
        return pattern.format(
            f=first,
            l=last,
            i=first[0],
            F=first.title(),
            L=last.title(),
            n=rng.randint(1, 99),
            tag=rng.choice(["billing", "hr", "kb-2024"]),
            dom=rng.choice(_EMAIL_DOMAINS),
            sub=rng.choice(_EMAIL_SUBDOMAINS),
        )

    return make


def _mobile(pattern: str) -> Callable[[random.Random], str]:
    """A mainland mobile number in ``pattern``: {n} all 11 digits, or {a} {b} {c} as 3-4-4."""

    def make(rng: random.Random) -> str:
        n = _cn_mobile_digits(rng)
        return pattern.format(n=n, a=n[:3], b=n[3:7], c=n[7:])

    return make


def _card(
    prefixes: list[str], length: int, groups: list[int] | None = None, sep: str = " "
) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        number = _luhn_complete(rng, rng.choice(prefixes), length)
        return _group(number, groups, sep) if groups else number

    return make


def _iban_format(country: str, grouped: bool) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        v = iban(rng, country)
        return " ".join(v[i : i + 4] for i in range(0, len(v), 4)) if grouped else v

    return make


def _ssn(pattern: str) -> Callable[[random.Random], str]:
    """A well-formed SSN: area 101-665, group 01-99, serial 0001-9999 ({a} {g} {s})."""

    def make(rng: random.Random) -> str:
        area, group, serial = rng.randint(101, 665), rng.randint(1, 99), rng.randint(1, 9999)
        return pattern.format(a=area, g=f"{group:02d}", s=f"{serial:04d}")

    return make


def _spaced_resident_id(rng: random.Random) -> str:
    v = _resident_id(rng, False)
    return f"{v[:6]} {v[6:14]} {v[14:]}"


def _uk_address(rng: random.Random) -> str:
    street = (
        f"{rng.randint(1, 250)} {rng.choice(_STREETS)} {rng.choice(['Street', 'Road', 'Lane'])}"
    )
    postcode = f"{rng.choice(['NW1', 'SE1', 'EC2A'])} {rng.randint(1, 9)}"
    return f"{street}, London {postcode}{rng.choice('ABDEFG')}{rng.choice('HJLNPQ')}"


_FOUR = [4, 4, 4, 4]
FORMATS: dict[str, list[_Format]] = {
    "PERSON": [
        _f("first_last", lambda r: "{} {}".format(*_en_name(r))),
        _f(
            "middle_initial", lambda r: "{0} {2}. {1}".format(*_en_name(r), r.choice("ABCDJKLMRST"))
        ),
        _f("initial_last", lambda r: f"{r.choice('ABCDJKLMRST')}. {_en_name(r)[1]}"),
        _f("title_first_last", lambda r: (r.choice(_TITLES) + " ", "{} {}".format(*_en_name(r)))),
        _f("title_last", lambda r: (r.choice(["Mr.", "Mrs.", "Ms.", "Dr."]) + " ", _en_name(r)[1])),
        _f("particle", lambda r: f"{r.choice(_EN_FIRST)} {r.choice(_EN_PARTICLE)}"),
        _f("diacritics", lambda r: f"{r.choice(_EN_FIRST_HARD[:4])} {r.choice(_EN_LAST_HARD[:4])}"),
    ],
    "PERSON_LIST": [  # in tables and lists: also "Last, First"
        _f("first_last", lambda r: "{} {}".format(*_en_name(r))),
        _f("last_comma_first", lambda r: "{1}, {0}".format(*_en_name(r))),
        _f("initial_last", lambda r: f"{r.choice('ABCDJKLMRST')}. {_en_name(r)[1]}"),
    ],
    "ZH_PERSON": [
        _f("2char", lambda r: _zh_name(r, "2char")),
        _f("3char", lambda r: _zh_name(r, "3char")),
        _f("compound", lambda r: _zh_name(r, "compound")),
    ],
    "EMAIL_ADDRESS": [
        _f("first.last", _email("{f}.{l}@{dom}")),
        _f("flast", _email("{i}{l}@{dom}")),
        _f("plus_tag", _email("{f}.{l}+{tag}@example.com")),
        _f("subdomain", _email("{i}.{l}@{sub}")),
        _f("mixed_case", _email("{F}.{L}@Example.COM")),
        _f("underscore_digits", _email("{f}_{l}{n}@acme-corp.com")),
        _f("new_tld", _email("{f}@startup.io")),
        _f(
            "pinyin",
            lambda r: (
                r.choice(["zhangwei", "wang.fang", "li_na"])
                + "{}@{}".format(r.randint(1, 999), r.choice(["163.com", "qq.com", "company.cn"]))
            ),
        ),
        _f("qq_number", lambda r: f"{r.randint(10000000, 999999999)}@qq.com"),
    ],
    "PHONE_NUMBER": [
        _f("us_paren", _us("({a}) {b}-{c}")),
        _f("us_dash", _us("{a}-{b}-{c}")),
        _f("us_dot", _us("{a}.{b}.{c}")),
        _f("us_plus1_space", _us("+1 {a} {b} {c}")),
        _f("us_e164", _us("+1{a}{b}{c}")),
        _f("us_1_toll_free", _us("1-800-{b}-{c}")),
        _f("uk_intl", _digit_pattern("+44 20 7### ####")),
        _f("uk_national", _digit_pattern("020 8### ####")),
        _f("uk_mobile_intl", _digit_pattern("+44 7### ######")),
        _f("uk_mobile_national", _digit_pattern("07### ######")),
        _f("uk_paren", _digit_pattern("(020) 7### ####")),
        _f("uk_e164", _digit_pattern("+44207#######")),
        _f("uk_0044", _digit_pattern("0044 20 7### ####")),
        _f("de_intl", _digit_pattern("+49 30 ########")),
        _f("de_intl_trunk", _digit_pattern("+49 (0)30 #### ####")),
        _f("de_national", _digit_pattern("030 ########")),
        _f("de_slash", _digit_pattern("030/#######")),
        _f("de_mobile_national", _digit_pattern("017# #######")),
        _f("de_mobile_intl", _digit_pattern("+49 15# #######")),
        _f("fr_intl", _digit_pattern("+33 1 4# ## ## ##")),
        _f("fr_national_dots", _digit_pattern("01.4#.##.##.##")),
        _f("cn_landline", lambda r: r.choice(["010-", "021-", "0755-"]) + _digits(r, 8)),
        _f("cn_landline_intl", _digit_pattern("+86 10 6### ####")),
    ],
    "CN_MOBILE": [
        _f("plain", _mobile("{n}")),
        _f("spaced_3_4_4", _mobile("{a} {b} {c}")),
        _f("dashed_3_4_4", _mobile("{a}-{b}-{c}")),
        _f("plus86_space", _mobile("+86 {n}")),
        _f("plus86_dashed", _mobile("+86 {a}-{b}-{c}")),
        _f("plus86_glued", _mobile("+86{n}")),
        _f("paren_plus86", _mobile("(+86) {a} {b} {c}")),
        _f("0086", _mobile("0086 {n}")),
    ],
    "US_SSN": [
        _f("dashed", _ssn("{a}-{g}-{s}")),
        _f("spaced", _ssn("{a} {g} {s}")),
        _f("plain", _ssn("{a}{g}{s}")),
    ],
    "CN_RESIDENT_ID": [
        _f("plain", lambda r: _resident_id(r, False)),
        _f("check_x", lambda r: _resident_id(r, True)),
        _f("check_x_lower", lambda r: _resident_id(r, True).lower()),
        _f("spaced_6_8_4", _spaced_resident_id),
    ],
    "PASSPORT": [
        _f("cn_e", lambda r: f"E{_digits(r, 8)}"),
        _f("us_9", lambda r: f"{r.randint(1, 9)}{_digits(r, 8)}"),
        _f(
            "de_alnum",
            lambda r: "C" + "".join(r.choice("0123456789CFGHJKLMNPRTVWXYZ") for _ in range(8)),
        ),
    ],
    "CREDIT_CARD": [
        _f("visa_plain", _card(["4"], 16)),
        _f("visa_spaced", _card(["4"], 16, _FOUR)),
        _f("visa_dashed", _card(["4"], 16, _FOUR, "-")),
        _f("mc_5x_spaced", _card(["51", "53", "55"], 16, _FOUR)),
        _f("mc_2x_plain", _card(["2221", "2500", "2720"], 16)),
        _f("amex_4_6_5", _card(["34", "37"], 15, [4, 6, 5])),
        _f("discover_spaced", _card(["6011"], 16, _FOUR)),
        _f("jcb_dashed", _card(["35"], 16, _FOUR, "-")),
        _f("diners_4_6_4", _card(["36"], 14, [4, 6, 4])),
    ],
    "CN_BANK_CARD": [
        _f("unionpay_16_plain", _card(["6222", "6217", "6228"], 16)),
        _f("unionpay_16_spaced", _card(["6217"], 16, _FOUR)),
        _f("unionpay_19_plain", _card(["6222", "6212"], 19)),
        _f("unionpay_19_spaced", _card(["6228"], 19, _FOUR)),
    ],
    "IBAN_CODE": [
        *[_f(f"{c.lower()}_compact", _iban_format(c, False)) for c in _IBAN_COUNTRIES],
        *[
            _f(f"{c.lower()}_grouped", _iban_format(c, True))
            for c in ("DE", "GB", "FR", "NL", "IT")
        ],
    ],
    "IP_ADDRESS": [_f("v4_or_v6", lambda r: _value("IP_ADDRESS", r))],
    "STREET_ADDRESS": [
        _f("us", lambda r: _value("STREET_ADDRESS", r)),
        _f("uk_postcode", _uk_address),
    ],
    "ZH_ADDRESS": [_f("zh", lambda r: _value("ZH_ADDRESS", r))],
}
_V2_SLOT_TYPE = {"PERSON_LIST": "PERSON", "ZH_PERSON": "PERSON", "ZH_ADDRESS": "STREET_ADDRESS"}


def planted_value(kind: str, rng: random.Random, fmt: str | None = None) -> tuple[str, str, str]:
    """(unlabelled prefix, value, format name) of one planted ``kind`` (a slot name of
    ``FORMATS``); a random format unless ``fmt`` names one."""
    formats = FORMATS[kind]
    name, make = next(f for f in formats if f[0] == fmt) if fmt else rng.choice(formats)
    made = make(rng)
    prefix, value = made if isinstance(made, tuple) else ("", made)
    return prefix, value, name


# Hard negatives: look like personal data to a careless recognizer, must survive.
NEGATIVES: dict[str, list[str] | Callable[[random.Random], str]] = {
    "AMOUNT": lambda r: r.choice(["${:,}", "USD {:,}", "EUR {:,}.00", "${:,}.50"]).format(
        r.randint(5, 2_000_000)
    ),
    "DATE": lambda r: r.choice(
        ["2024-{:02d}-{:02d}", "{:02d}/{:02d}/2025", "{:02d}.{:02d}.2023"]
    ).format(r.randint(1, 12), r.randint(1, 28)),
    "DATE_WORDS": ["May 1, 2024", "January 15, 2025", "1 March 2023", "Friday, 3 May"],
    "SECTION": lambda r: r.choice(
        ["section {}.{}", "Section {}.{}.2", "clause {}({})", "§ {}.{}", "Article {}({})"]
    ).format(r.randint(1, 30), r.randint(1, 9)),
    "VERSION": lambda r: r.choice(
        ["v{}.{}.{}", "version {}.{}", "release {}.{}.{}", "build 2024.{}.{}"]
    ).format(r.randint(0, 12), r.randint(0, 20), r.randint(0, 99)),
    "ROOM": lambda r: r.choice(["Room {}", "room {}B", "Building {}, Floor {}", "Gate {}"]).format(
        r.randint(2, 40), r.randint(100, 950)
    ),
    "TICKET": lambda r: r.choice(
        ["INC{:07d}", "PO-2024-{:05d}", "Order #{:09d}", "ticket {:06d}"]
    ).format(r.randint(1, 999999)),
    "STANDARD": [
        "ISO 27001",
        "ISO/IEC 27001:2022",
        "SOC 2 Type II",
        "RFC 5322",
        "PCI DSS 4.0",
        "NIST SP 800-53",
    ],
    "ISBN": ["ISBN 978-3-16-148410-0", "ISBN 978-0-306-40615-7"],
    "TIME": ["09:30", "14:00", "17:45 CET", "8:00 a.m."],
    "PERCENT": ["12%", "3.5%", "0.25%"],
    "NON_LUHN_16": lambda r: _not_luhn("5" + _digits(r, 15)),
    "PRODUCT": [
        *_PRODUCTS,
        "Microsoft Teams",
        "Google Workspace",
        "Adobe Acrobat",
        "Jira Service Management",
        "Salesforce Service Cloud",
    ],
    "COMPANY": [
        "Northwind Traders",
        "Contoso Ltd.",
        "Fabrikam Inc.",
        "Tailspin Toys",
        "Adventure Works Cycles",
        "Wingtip Toys",
    ],
    "CAPITALISED": [
        "Grace Period",
        "Annual Leave",
        "Customer Success",
        "Human Resources",
        "Wisdom",
        "Discipline",
        "Data Protection Impact Assessment",
        "Acceptable Use",
        "Business Continuity",
        "Will Writing Service",
    ],
    "DEPT": ["Finance", "Legal", "IT Operations", "Procurement", "People & Culture", "Security"],
    "CITY": ["San Francisco", "Berlin", "London", "Singapore", "Toronto"],
    "ZH_AMOUNT": ["1500元", "人民币5,000元", "200元", "3万元", "12.5万元"],
    "ZH_DATE": ["2024年5月1日", "2025年1月15日", "5月20日", "2023年12月"],
    "ZH_SECTION": ["第4.2条", "第十二条", "第三章", "第二节第5款"],
    "ZH_DAYS": ["30天", "15个工作日", "七日", "三个月"],
    "ZH_PRODUCT": ["企业微信", "钉钉", "飞书", "腾讯会议", "金山文档"],
    "ZH_DEPT": ["人力资源部", "财务部", "信息安全委员会", "法务部", "华东区销售部", "江南分公司"],
    # Non-name words that begin with a surname character (高 安 常 方 金 文 黄 马 许 程 ...).
    "ZH_ROLE": [
        "高级经理",
        "安全主管",
        "常务副总",
        "项目经理",
        "部门负责人",
        "文档专员",
        "方案负责人",
    ],
    "ZH_WORD": [
        "金额",
        "方案",
        "文件",
        "程序",
        "黄金会员",
        "许可证",
        "白皮书",
        "周报",
        "文档",
        "安全报告",
        "史料",
        "康复中心",
        "龙头企业",
        "文明公约",
        "高峰时段",
        "常见问题",
    ],
    "ZH_WEEKDAY": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
}


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _not_luhn(digits: str) -> str:
    """``digits`` with the last digit changed when it happens to pass the Luhn check."""
    return digits if not _luhn_ok(digits) else digits[:-1] + str((int(digits[-1]) + 1) % 10)


def negative_value(kind: str, rng: random.Random) -> str:
    source = NEGATIVES[kind]
    return source(rng) if callable(source) else rng.choice(source)


_EN_TEMPLATES_V2 = [
    "Questions about this policy go to {PERSON}, Data Protection Officer, at {EMAIL_ADDRESS} or {PHONE_NUMBER}.",
    "Refund requests must reach {DEPT} within 30 days; amounts above {AMOUNT} need approval under {SECTION}.",
    "This policy takes effect on {DATE} and applies to every user of {PRODUCT} {VERSION}.",
    "Employee {PERSON} (SSN {US_SSN}) is enrolled in the {PRODUCT} benefits plan.",
    "Payments may be made by card {CREDIT_CARD} or by wire transfer to IBAN {IBAN_CODE}.",
    "Mail written notices to {STREET_ADDRESS}, attention {PERSON}.",
    "Access from {IP_ADDRESS} was logged for {PERSON} on {DATE_WORDS} at {TIME}.",
    "Contact: {PERSON}, phone {PHONE_NUMBER}, email {EMAIL_ADDRESS}.",
    "Our China desk answers on {CN_MOBILE}; reimbursements are paid to card {CN_BANK_CARD}.",
    "Late fees of {PERCENT} apply after the {CAPITALISED} ends, see {SECTION}.",
    "{PERSON} reviewed {VERSION} of the {CAPITALISED} guidelines on {DATE}.",
    "The visitor registered with resident ID {CN_RESIDENT_ID} and passport number {PASSPORT}.",
    "Please send the signed form to {PERSON} in {ROOM} before {DATE_WORDS}.",
    "Ticket {TICKET} about the {PRODUCT} outage was closed by {PERSON}.",
    "The {CAPITALISED} policy follows {STANDARD} and {STANDARD}; see {ROOM} for the binder.",
    "For billing disputes call {PHONE_NUMBER} or write to {EMAIL_ADDRESS}.",
    "Managers may approve up to {AMOUNT}; anything above goes to {PERSON} in {CITY}.",
    "Card {CREDIT_CARD} was cancelled on {DATE}; order {NON_LUHN_16} was refunded.",
    "Her assistant, {PERSON}, schedules the {COMPANY} reviews; call {PHONE_NUMBER} to book.",
    "Applicant {PERSON} holds passport {PASSPORT}; her SSN is {US_SSN}.",
    "Wire the deposit to {IBAN_CODE} and reference {TICKET}.",
    "The handbook ({ISBN}) was last revised by {PERSON} for {COMPANY}.",
    "I spoke with {PERSON} and {PERSON} about the {CAPITALISED} programme.",
    "Escalations: {PERSON} ({EMAIL_ADDRESS}), then the {DEPT} team lead.",
    "Reach the on-call engineer at {PHONE_NUMBER} between {TIME} and {TIME}.",
    "{PERSON} asked that statements be sent to {EMAIL_ADDRESS} instead of {EMAIL_ADDRESS}.",
]
_ZH_TEMPLATES_V2 = [
    "如有疑问，请联系人：{ZH_PERSON}，电话{CN_MOBILE}，邮箱：{EMAIL_ADDRESS}。",
    "员工{ZH_PERSON}的身份证号码为{CN_RESIDENT_ID}，工资发放至银行卡{CN_BANK_CARD}。",
    "公司地址：{ZH_ADDRESS}。",
    "退款申请须在{ZH_DAYS}内提交，金额超过{ZH_AMOUNT}需经{ZH_ROLE}审批，详见{ZH_SECTION}。",
    "本制度自{ZH_DATE}起施行，适用于{ZH_PRODUCT}的全部用户。",
    "{ZH_PERSON}女士负责该项目，联系电话：{CN_MOBILE}。",
    "报销由{ZH_PERSON}负责审批，结果将发送至{EMAIL_ADDRESS}。",
    "服务器IP地址{IP_ADDRESS}仅限内网访问。",
    "境外汇款请汇至IBAN：{IBAN_CODE}，或使用信用卡 {CREDIT_CARD} 支付。",
    "致{ZH_PERSON}：您的申请已受理，{ZH_WORD}将在{ZH_DAYS}内到账。",
    "客户{ZH_PERSON}，手机号{CN_MOBILE}，住址：{ZH_ADDRESS}。",
    "海外联系人 {PERSON} 的电话为 {PHONE_NUMBER}。",
    "年度预算上限为{ZH_AMOUNT}，由{ZH_ROLE}统一管理，参见{ZH_SECTION}。",
    "申请人姓名：{ZH_PERSON}，身份证号：{CN_RESIDENT_ID}，开户行卡号：{CN_BANK_CARD}。",
    "文件请寄往{ZH_ADDRESS}，收件人：{ZH_PERSON}。",
    "{ZH_WORD}和{ZH_WORD}须经{ZH_DEPT}确认后归档，本条款自{ZH_DATE}起生效。",
    "护照号码{PASSPORT}的持有人{ZH_PERSON}已完成登记。",
    "项目由{ZH_PERSON}和{ZH_PERSON}共同负责，{ZH_ROLE}每周汇总{ZH_WORD}。",
    "{ZH_PERSON}经理已批准该申请，请于{ZH_DATE}前到{ZH_DEPT}领取{ZH_WORD}。",
    "感谢{ZH_PERSON}老师的支持，会议纪要已上传{ZH_PRODUCT}。",
    "请将{ZH_WORD}发送至{EMAIL_ADDRESS}，或致电{PHONE_NUMBER}。",
    "联系{ZH_DEPT}的{ZH_PERSON}，或拨打{CN_MOBILE}。",
    "事件请发邮件至{EMAIL_ADDRESS}或拨打{PHONE_NUMBER}报告{ZH_DEPT}。",
]
_EN_TABLE_HEADERS = [
    (
        "| Name | Email | Phone | Team |",
        "| {PERSON_LIST} | {EMAIL_ADDRESS} | {PHONE_NUMBER} | {DEPT} |",
    ),
    ("| Employee | Card on file | Room |", "| {PERSON_LIST} | {CREDIT_CARD} | {ROOM} |"),
    ("Name\tSSN\tStart date", "{PERSON_LIST}\t{US_SSN}\t{DATE}"),
    ("Attendees:", "- {PERSON} ({DEPT}), {EMAIL_ADDRESS}"),
    ("Signatories", "{PERSON}, {CAPITALISED} lead"),
]
_ZH_TABLE_HEADERS = [
    ("| 姓名 | 手机 | 部门 |", "| {ZH_PERSON} | {CN_MOBILE} | {ZH_DEPT} |"),
    ("| 姓名 | 身份证号 | 银行卡号 |", "| {ZH_PERSON} | {CN_RESIDENT_ID} | {CN_BANK_CARD} |"),
    ("值班表：", "{ZH_DATE}：{ZH_PERSON}（{ZH_DEPT}）"),
    ("轮值安排：", "{ZH_WEEKDAY}、{ZH_WEEKDAY}：{ZH_PERSON}"),
    ("参会人员：", "{ZH_PERSON}、{ZH_PERSON}、{ZH_PERSON}"),
    ("| 项目 | 金额 | 说明 |", "| {ZH_WORD} | {ZH_AMOUNT} | {ZH_SECTION} |"),
]


def _fill_spans(template: str, rng: random.Random, item: LabelledText) -> None:
    """Append ``template`` to ``item.text`` with every slot filled and labelled."""
    out = [item.text]
    pos = len(item.text)
    last = 0
    for m in _SLOT_RE.finditer(template):
        literal = template[last : m.start()]
        out.append(literal)
        pos += len(literal)
        slot = m.group(1)
        if slot in FORMATS:
            prefix, value, fmt = planted_value(slot, rng)
            out.append(prefix)
            pos += len(prefix)
            item.spans.append((pos, pos + len(value), _V2_SLOT_TYPE.get(slot, slot)))
            item.formats.append(fmt)
        else:
            value = negative_value(slot, rng)
            item.sentinels.append((pos, pos + len(value)))
            item.sentinel_kinds.append(slot)
        out.append(value)
        pos += len(value)
        last = m.end()
    out.append(template[last:])
    item.text = "".join(out)


def make_span_corpus(n_docs: int, seed: int, zh_share: float = 0.4) -> list[LabelledText]:
    """``n_docs`` labelled paragraphs (about ``zh_share`` of them Chinese): 3-6 sentences of
    policy prose, and in one paragraph of three a table or list of 2-5 rows."""
    rng = random.Random(seed)
    corpus: list[LabelledText] = []
    for _ in range(n_docs):
        chinese = rng.random() < zh_share
        templates = _ZH_TEMPLATES_V2 if chinese else _EN_TEMPLATES_V2
        tables = _ZH_TABLE_HEADERS if chinese else _EN_TABLE_HEADERS
        sep = "" if chinese else " "
        item = LabelledText("", [], language="zh" if chinese else "en", source="span_corpus")
        for i, template in enumerate(rng.sample(templates, rng.randint(3, 6))):
            _fill_spans((sep if i else "") + template, rng, item)
        if rng.random() < 1 / 3:
            header, row = rng.choice(tables)
            _fill_spans("\n\n" + header + "\n", rng, item)
            for _ in range(rng.randint(2, 5)):
                _fill_spans(row + "\n", rng, item)
        corpus.append(item)
    return corpus


def span_corpus_self_check(corpus: list[LabelledText]) -> None:
    """Labels must cut the text where the values are: a generator bug fails loudly here."""
    for item in corpus:
        assert len(item.formats) == len(item.spans)
        assert len(item.sentinel_kinds) == len(item.sentinels)
        for start, end, _ in item.spans:
            assert 0 <= start < end <= len(item.text), (start, end)
            assert item.text[start:end].strip() == item.text[start:end]


# --------------------------------------------------------------------------- comparison


def _ours(batched: bool = True) -> Callable[[list[str]], list[str]]:
    from ingest.deidentify import Deidentifier, DeidentifyConfig
    from kb_service.settings import DEFAULT_PII_ENTITIES

    deid = Deidentifier(DeidentifyConfig(entities=DEFAULT_PII_ENTITIES))
    deid.warm_up()

    def run(texts: list[str]) -> list[str]:
        session = deid.session()
        if batched:
            return [r.text for r in session.redact_many(texts, document=False)]
        return [session.redact(t).text for t in texts]

    return run


def _presidio_defaults() -> Callable[[list[str]], list[str]]:
    import os

    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_anonymizer import AnonymizerEngine

    from kb_service.models import spacy_model_path

    nlp_engine = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": spacy_model_path(None)}],
        }
    ).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=nlp_engine)
    anonymizer = AnonymizerEngine()

    def run(texts: list[str]) -> list[str]:
        out = []
        for text in texts:
            results = analyzer.analyze(text=text, language="en")
            out.append(anonymizer.anonymize(text=text, analyzer_results=results).text)
        return out

    return run


def _table(reports: dict[str, dict[str, dict]]) -> str:
    names = list(reports)
    kinds = sorted({k for r in reports.values() for k in r if not k.startswith("_")})
    width = max(len(k) for k in kinds) + len("recall ")
    lines = [
        "| " + "metric".ljust(width) + " | " + " | ".join(n.ljust(19) for n in names) + " |",
        "|" + "-" * (width + 2) + "|" + "|".join("-" * 21 for _ in names) + "|",
    ]
    for kind in kinds:
        cells = []
        for n in names:
            row = reports[n].get(kind, {"caught": 0, "planted": 0, "recall": 0.0})
            cells.append(f"{row['recall']:.3f} ({row['caught']}/{row['planted']})".ljust(19))
        lines.append("| " + f"recall {kind}".ljust(width) + " | " + " | ".join(cells) + " |")
    cells = [
        f"{reports[n]['_sentinels']['survival']:.3f} ({reports[n]['_sentinels']['survived']}/"
        f"{reports[n]['_sentinels']['planted']})".ljust(19)
        for n in names
    ]
    lines.append("| " + "sentinel survival".ljust(width) + " | " + " | ".join(cells) + " |")
    cells = [f"{reports[n]['_speed']['chars_per_s']:,.0f}".ljust(19) for n in names]
    lines.append("| " + "chars/s".ljust(width) + " | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    import logging

    logging.basicConfig(level=logging.ERROR)
    corpus = make_labelled_corpus(n_docs=185, seed=7)
    chars = sum(len(item.text) for item in corpus)
    print(
        f"corpus: {len(corpus)} paragraphs, {chars:,} characters, "
        f"{sum(len(i.spans) for i in corpus)} planted values, {sum(len(i.sentinels) for i in corpus)} sentinels"
    )
    warm = corpus[:3]
    reports = {}
    factories = {
        "ours (redact_many)": _ours,
        "ours (redact)": lambda: _ours(batched=False),
        "presidio defaults": _presidio_defaults,
    }
    for name, factory in factories.items():
        fn = factory()
        fn([item.text for item in warm])  # first-call costs (lazy loads) out of the timing
        reports[name] = evaluate(fn, corpus)
    print(_table(reports))


if __name__ == "__main__":
    main()
