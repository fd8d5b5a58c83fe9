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


# --------------------------------------------------------------------------- comparison


def _ours(batched: bool = True) -> Callable[[list[str]], list[str]]:
    from ingest.deidentify import Deidentifier, DeidentifyConfig
    from kb_service.settings import DEFAULT_PII_ENTITIES

    deid = Deidentifier(DeidentifyConfig(entities=DEFAULT_PII_ENTITIES))
    deid.warm_up()

    def run(texts: list[str]) -> list[str]:
        session = deid.session()
        if batched:
            return [r.text for r in session.redact_many(texts)]
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
