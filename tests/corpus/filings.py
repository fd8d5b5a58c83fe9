"""Synthetic 10-Q / 10-K filings with real-filing structure, and questions with page-level gold.

Each filing (written with :func:`tests.corpus.pdfgen.write_pdf`) has a cover paragraph, a
statement of operations with 3 period columns, a balance sheet with 2 dates, a cash-flow
statement, a segment table, MD&A prose, footnotes (debt, income taxes) and a signature page
with officer names (which de-identification replaces). Table headers wrap over two lines the
way the parser sees real filings ("Three Months Ended" / "Sep 30, 2024").

Questions: answerable ones name the company, the line item and the period, and carry the
expected figure as printed; unanswerable ones ask for a neighbouring period that the filing
does not report, or a line item it does not have. Gold pages are found after writing, by
reading each page's text back with pypdf, so a layout change cannot make them stale.

    python -m tests.corpus.filings OUT_DIR      # writes the PDFs and filings-questions.jsonl
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.corpus.pdfgen import DocSpec, Section, write_pdf

__all__ = ["FilingQuestion", "Filing", "filing", "filings", "write_filings", "question_lines"]

COMPANIES = ["Globex Industries", "Initech", "Contoso Ltd", "Fabrikam Inc", "Litware Inc", "Proseware"]
SEGMENTS = [("Cloud Services", "Devices"), ("Industrial", "Consumer"), ("Payments", "Lending"),
            ("Software", "Hardware"), ("Retail", "Wholesale"), ("Energy", "Materials")]
OFFICERS = ["Jane Miller", "Carlos Mendes", "Priya Raman", "Olumide Adeyemi", "Hannah Fischer",
            "Lukas Schneider", "Sofia Rossi", "Daniel Nguyen", "Rachel Bennett", "Thomas Weber"]
MONTHS = {"Sep": "September", "Dec": "December"}
ABSENT_ITEMS = ["restructuring charges", "goodwill impairment", "advertising expense",
                "litigation settlement costs"]


@dataclass(frozen=True)
class FilingQuestion:
    id: str
    question: str
    answerable: bool
    doc: str = ""
    number: str = ""  # the expected figure exactly as printed ("5,123", "18.2%")
    answer: str = ""  # a reference sentence holding the figure
    label: str = ""  # the row label or phrase that locates the figure on its page
    page: int | None = None  # filled in after the PDF is written


@dataclass
class Filing:
    doc: str
    spec: DocSpec
    questions: list[FilingQuestion] = field(default_factory=list)


def _m(value: int) -> str:
    """A figure in millions as filings print it: 5,123 or (2,100) for a negative."""
    return f"({-value:,})" if value < 0 else f"{value:,}"


@dataclass(frozen=True)
class _Period:
    header: str  # column header as printed
    phrase: str  # how a question names it


def _periods(kind: str, year: int) -> dict[str, list[_Period]]:
    if kind == "10-Q":
        q = [_Period(f"Three Months Ended Sep 30, {y}", f"the three months ended September 30, {y}") for y in (year, year - 1)]
        n = [_Period(f"Nine Months Ended Sep 30, {y}", f"the nine months ended September 30, {y}") for y in (year, year - 1)]
        return {"ops": [q[0], q[1], n[0]], "cash": n,
                "balance": [_Period(f"Sep 30, {year}", f"September 30, {year}"),
                            _Period(f"Dec 31, {year - 1}", f"December 31, {year - 1}")]}
    years = [_Period(f"Year Ended Dec 31, {y}", f"the year ended December 31, {y}") for y in (year, year - 1, year - 2)]
    return {"ops": years, "cash": years[:2],
            "balance": [_Period(f"Dec 31, {y}", f"December 31, {y}") for y in (year, year - 1)]}


def filing(seed: int, *, kind: str = "10-Q", year: int = 2024) -> Filing:
    """One filing and its questions (pages not yet known: see :func:`write_filings`)."""
    rng = random.Random(seed)
    company = COMPANIES[seed % len(COMPANIES)]
    seg_a, seg_b = SEGMENTS[seed % len(SEGMENTS)]
    periods = _periods(kind, year)
    scale = 3 if kind == "10-K" else 1
    title = f"{company} Form {kind} for the {'quarter ended September 30' if kind == '10-Q' else 'fiscal year ended December 31'}, {year}"
    doc = f"{company.lower().replace(' ', '-')}-{kind.lower()}-{year}.pdf"

    def column(base: int, spread: float = 0.12) -> list[int]:
        values, value = [], base
        for period in periods["ops"]:
            values.append(value if "Nine" not in period.header else value * 3 + rng.randint(-40, 40))
            value = int(value / (1 + rng.uniform(0.03, spread)))
        return values

    revenue = column(rng.randint(3000, 9000) * scale)
    cost = [-int(r * rng.uniform(0.38, 0.46)) for r in revenue]
    rnd = [-int(r * rng.uniform(0.10, 0.14)) for r in revenue]
    sga = [-int(r * rng.uniform(0.15, 0.19)) for r in revenue]
    operating = [r + c + d + s for r, c, d, s in zip(revenue, cost, rnd, sga)]
    interest = [-rng.randint(20, 90) * scale for _ in revenue]
    pretax = [o + i for o, i in zip(operating, interest)]
    tax_rate = [round(rng.uniform(15.0, 24.0), 1) for _ in revenue]
    taxes = [-int(p * t / 100) for p, t in zip(pretax, tax_rate)]
    net = [p + t for p, t in zip(pretax, taxes)]
    shares = rng.randint(300, 900)
    eps = [f"{n / shares:.2f}" for n in net]
    ops_items = [("Revenue", revenue), ("Cost of revenue", cost), ("Research and development", rnd),
                 ("Selling, general and administrative", sga), ("Operating income", operating),
                 ("Interest expense", interest), ("Income before income taxes", pretax),
                 ("Provision for income taxes", taxes), ("Net income", net)]
    ops_rows = [[label, *map(_m, values)] for label, values in ops_items] + [["Diluted earnings per share", *eps]]

    def two(base: int) -> list[int]:
        return [base, int(base / rng.uniform(1.02, 1.15))]

    cash, receivables, inventories = two(rng.randint(900, 4000) * scale), two(rng.randint(500, 2500) * scale), two(rng.randint(300, 1800) * scale)
    current = [a + b + c + rng.randint(100, 400) for a, b, c in zip(cash, receivables, inventories)]
    ppe, goodwill = two(rng.randint(1500, 6000) * scale), two(rng.randint(800, 3000) * scale)
    assets = [a + b + c for a, b, c in zip(current, ppe, goodwill)]
    payables, debt = two(rng.randint(400, 1500) * scale), two(rng.randint(1000, 4000) * scale)
    liabilities = [p + d + rng.randint(300, 900) for p, d in zip(payables, debt)]
    equity = [a - li for a, li in zip(assets, liabilities)]
    bal_items = [("Cash and cash equivalents", cash), ("Accounts receivable, net", receivables),
                 ("Inventories", inventories), ("Total current assets", current),
                 ("Property and equipment, net", ppe), ("Goodwill", goodwill), ("Total assets", assets),
                 ("Accounts payable", payables), ("Long-term debt", debt), ("Total liabilities", liabilities),
                 ("Total stockholders' equity", equity)]

    ncash = len(periods["cash"])
    operating_cf = [rng.randint(800, 3000) * scale for _ in range(ncash)]
    capex = [-rng.randint(200, 900) * scale for _ in range(ncash)]
    investing = [c - rng.randint(50, 300) for c in capex]
    buybacks = [-rng.randint(100, 800) * scale for _ in range(ncash)]
    dividends = [-rng.randint(50, 300) * scale for _ in range(ncash)]
    financing = [b + d - rng.randint(10, 200) for b, d in zip(buybacks, dividends)]
    cf_items = [("Net cash provided by operating activities", operating_cf), ("Capital expenditures", capex),
                ("Net cash used in investing activities", investing), ("Repurchases of common stock", buybacks),
                ("Dividends paid", dividends), ("Net cash used in financing activities", financing)]

    seg_share = rng.uniform(0.55, 0.7)
    seg_rows = [[name, *(_m(int(r * share)) for r in revenue[:2])]
                for name, share in ((seg_a, seg_share),)] + [[seg_b, *(_m(r - int(r * seg_share)) for r in revenue[:2])]]
    growth = round((revenue[0] / revenue[1] - 1) * 100, 1)
    notes_amount, coupon, maturity = rng.choice([300, 500, 750, 1000]), rng.choice(["4.75%", "5.25%", "5.90%", "6.10%"]), year + rng.randint(5, 9)
    ceo, cfo = rng.sample(OFFICERS, 2)
    p0, p1 = periods["ops"][0], periods["ops"][1]

    sections = [
        Section("Cautionary Note Regarding Forward-Looking Statements", 1, [
            f"This report contains forward-looking statements about {company}'s business, operations and "
            "financial performance. Words such as expects, anticipates, intends, plans and believes identify "
            "such statements, which involve risks and uncertainties that could cause actual results to differ.",
            "Factors include changes in demand for our products, competition, supply chain disruptions, "
            "interest rates, foreign exchange rates, cybersecurity incidents, regulation and litigation. We "
            "undertake no obligation to update any forward-looking statement.",
            "Unless the context requires otherwise, references to the Company, we, us and our refer to "
            f"{company} and its consolidated subsidiaries. All amounts are unaudited unless stated otherwise.",
        ]),
        Section("Condensed Consolidated Statements of Operations", 1, [
            f"The following table presents the results of operations of {company} (unaudited; in millions, except per-share data).",
            "See the accompanying notes to the condensed consolidated financial statements.",
        ], table=[["(in millions, except per share)", *(p.header for p in periods["ops"])], *ops_rows]),
        Section("Condensed Consolidated Balance Sheets", 1, [
            f"Assets, liabilities and equity of {company} (in millions).",
        ], table=[["(in millions)", *(p.header for p in periods["balance"])],
                  *([label, *map(_m, values)] for label, values in bal_items)]),
        Section("Condensed Consolidated Statements of Cash Flows", 1, [
            f"Cash flows of {company} (in millions).",
        ], table=[["(in millions)", *(p.header for p in periods["cash"])],
                  *([label, *map(_m, values)] for label, values in cf_items)]),
        Section("Segment Information", 1, [
            f"{company} reports two segments, {seg_a} and {seg_b}. Segment revenue (in millions):",
        ], table=[["Segment", p0.header, p1.header], *seg_rows]),
        Section("Management's Discussion and Analysis", 1, [
            f"Revenue for {p0.phrase} increased {growth}% compared with {p1.phrase}, driven by higher "
            f"demand in {seg_a} and pricing actions in {seg_b}.",
            f"Operating margin was {operating[0] / revenue[0] * 100:.1f}% for {p0.phrase}. Management "
            "expects supply constraints to ease over the coming quarters.",
        ]),
        Section("Liquidity and Capital Resources", 1, [
            "Our principal sources of liquidity are cash generated from operations, our commercial paper "
            "program and a revolving credit facility. We believe these sources will be sufficient to fund "
            "operations, capital expenditures, dividends and share repurchases for at least the next twelve months.",
            "We continually evaluate our capital allocation, including acquisitions, repurchases of common "
            "stock and the level of our dividend, in light of market conditions and our outlook.",
        ]),
        Section("Note 5 — Debt", 2, [
            f"In March {year}, the Company issued ${notes_amount} million aggregate principal amount of "
            f"senior notes bearing interest at {coupon} per annum and maturing in {maturity}.",
        ]),
        Section("Note 8 — Income Taxes", 2, [
            f"The effective tax rate was {tax_rate[0]}% for {p0.phrase}, compared with {tax_rate[1]}% for {p1.phrase}.",
        ]),
        Section("Signatures", 1, [
            "Pursuant to the requirements of the Securities Exchange Act of 1934, the registrant has duly "
            "caused this report to be signed on its behalf by the undersigned thereunto duly authorized.",
            f"/s/ {ceo}, Chief Executive Officer<br/>/s/ {cfo}, Chief Financial Officer",
        ]),
    ]
    spec = DocSpec(title=title, sections=sections, header=f"{company} — Form {kind}", numbered=False,
                   subtitle=f"Commission file number 001-{rng.randint(10000, 99999)}")

    questions: list[FilingQuestion] = []

    def ask(key: str, text: str, number: str, label: str, answer: str) -> None:
        questions.append(FilingQuestion(f"{doc.removesuffix('.pdf')}-{key}", text, True, doc, number, answer, label))

    c = company
    ask("revenue", f"What was {c}'s revenue for {p0.phrase}?", _m(revenue[0]), "Revenue",
        f"Revenue for {p0.phrase} was {_m(revenue[0])} million.")
    ask("net-income-prior", f"What was {c}'s net income for {p1.phrase}?", _m(net[1]), "Net income",
        f"Net income for {p1.phrase} was {_m(net[1])} million.")
    ask("rnd", f"How much did {c} spend on research and development in {p0.phrase}?", _m(rnd[0]),
        "Research and development", f"Research and development was {_m(rnd[0])} million.")
    ask("eps", f"What were {c}'s diluted earnings per share for {p0.phrase}?", eps[0], "Diluted earnings per share",
        f"Diluted earnings per share were {eps[0]}.")
    b0, b1 = periods["balance"]
    ask("total-assets", f"What were {c}'s total assets as of {b1.phrase}?", _m(assets[1]), "Total assets",
        f"Total assets as of {b1.phrase} were {_m(assets[1])} million.")
    ask("cash", f"How much cash and cash equivalents did {c} hold at {b0.phrase}?", _m(cash[0]),
        "Cash and cash equivalents", f"Cash and cash equivalents were {_m(cash[0])} million.")
    cf0 = periods["cash"][0]
    ask("operating-cf", f"What was {c}'s net cash provided by operating activities for {cf0.phrase}?",
        _m(operating_cf[0]), "Net cash provided by operating activities",
        f"Net cash provided by operating activities was {_m(operating_cf[0])} million.")
    ask("segment", f"What was {c}'s {seg_a} segment revenue for {p0.phrase}?", seg_rows[0][1], seg_a,
        f"{seg_a} revenue was {seg_rows[0][1]} million.")
    ask("growth", f"By what percentage did {c}'s revenue increase in {p0.phrase}?", f"{growth}%",
        "increased", f"Revenue increased {growth}%.")
    ask("coupon", f"What interest rate do the senior notes {c} issued in March {year} bear?", coupon,
        "senior notes", f"The senior notes bear interest at {coupon}.")
    ask("tax-rate", f"What was {c}'s effective tax rate for {p0.phrase}?", f"{tax_rate[0]}%",
        "effective tax rate", f"The effective tax rate was {tax_rate[0]}%.")

    def refuse(key: str, text: str) -> None:
        questions.append(FilingQuestion(f"{doc.removesuffix('.pdf')}-{key}", text, False))

    old = year - 3
    if kind == "10-Q":
        refuse("revenue-old", f"What was {c}'s revenue for the three months ended September 30, {old}?")
        refuse("assets-old", f"What were {c}'s total assets as of December 31, {old}?")
    else:
        refuse("revenue-old", f"What was {c}'s revenue for the year ended December 31, {old}?")
        refuse("assets-old", f"What were {c}'s total assets as of December 31, {old}?")
    item = ABSENT_ITEMS[seed % len(ABSENT_ITEMS)]
    refuse("absent-item", f"How much did {c} record in {item} for {p0.phrase}?")
    return Filing(doc, spec, questions)


def filings(seeds: tuple[int, ...] = (0, 1, 2, 3)) -> list[Filing]:
    """The benchmark corpus: two 10-Qs (2024) and two 10-Ks (fiscal 2023) by default."""
    return [filing(seed, kind="10-Q" if i % 2 == 0 else "10-K", year=2024 if i % 2 == 0 else 2023)
            for i, seed in enumerate(seeds)]


def _norm(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split())


def _gold_page(pages: list[str], q: FilingQuestion) -> int | None:
    """First page holding the figure and its label, on one line when the figure is in a table."""
    for number, text in enumerate(pages, start=1):
        lines = [_norm(line) for line in text.splitlines()]
        if any(q.label in line and q.number in line for line in lines):
            return number
    for number, text in enumerate(pages, start=1):
        if q.label in _norm(text) and q.number in _norm(text):
            return number
    return None


def write_filings(directory: Path, seeds: tuple[int, ...] = (0, 1, 2, 3)) -> list[FilingQuestion]:
    """Write the PDFs into `directory`; return every question, answerable ones with their page."""
    from pypdf import PdfReader

    directory.mkdir(parents=True, exist_ok=True)
    result: list[FilingQuestion] = []
    for item in filings(seeds):
        path = write_pdf(item.spec, directory / item.doc)
        pages = [page.extract_text() or "" for page in PdfReader(str(path)).pages]
        for q in item.questions:
            if q.answerable:
                page = _gold_page(pages, q)
                if page is None:
                    raise AssertionError(f"{q.id}: {q.number!r} next to {q.label!r} is on no page of {item.doc}")
                q = FilingQuestion(**{**q.__dict__, "page": page})
            result.append(q)
    return result


def question_lines(questions: list[FilingQuestion]) -> list[str]:
    """JSONL lines in the `kb eval` question format (id, question, answer, doc, page, answerable)."""
    return [json.dumps({"id": q.id, "question": q.question, "answer": q.answer, "doc": q.doc, "page": q.page,
                        "answerable": q.answerable}, ensure_ascii=False) for q in questions]


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "filings")
    qs = write_filings(out)
    (out / "filings-questions.jsonl").write_text("\n".join(question_lines(qs)) + "\n", encoding="utf-8")
    print(f"{len(qs)} questions ({sum(not q.answerable for q in qs)} unanswerable) in {out}")
