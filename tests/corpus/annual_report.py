"""A long 10-K-like annual report, generated: Items of a filing with business prose in which
products, segments, currencies and plan names are capitalised phrases, financial statements as
multi-period tables, footnotes, and a signature page with the officers' names and titles.

For what a finance team drops in first: the parse budget and parser speed on 150-300 pages, and
de-identification that must keep "Digital Media" and "British Pounds" while it removes the
signing officers. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from tests.corpus.pdfgen import DocSpec, Section, count_pages, write_pdf

PRODUCTS = ("Creative Studio", "Document Cloud", "Experience Platform", "Commerce Hub", "Insight Analytics")
SEGMENTS = ("Digital Media", "Digital Experience", "Publishing and Advertising")
CURRENCIES = ("British Pounds", "Japanese Yen", "Euro", "Australian Dollars", "Indian Rupees")
PLANS = ("Restricted Stock Unit Plan", "Employee Stock Purchase Plan", "Performance Share Program")
OFFICERS = (
    ("Margaret Ellison", "Chief Executive Officer"),
    ("Theodore Vance", "Chief Financial Officer"),
    ("Priya Ramaswamy", "Chief Accounting Officer"),
    ("Jonas Lindqvist", "Director"),
)
YEARS = ("2024", "2023", "2022")

_PROSE = (
    "Revenue from {product} grew as customers in the {segment} segment renewed their subscriptions "
    "and adopted additional seats across enterprise agreements during fiscal {year}.",
    "Our {segment} segment includes {product} and related services; we sell through direct sales, "
    "resellers and our online store in more than {n} countries.",
    "Net revenue denominated in {currency} was affected by exchange rates; we hedge a portion of "
    "the exposure with forward contracts that mature within {n} months.",
    "Stock-based compensation under the {plan} was ${amount} million in fiscal {year}, recognised "
    "over the requisite service period of the awards.",
    "Customers of {product} may choose monthly or annual plans; deferred revenue reflects amounts "
    "billed in advance of the delivery of the {segment} offerings.",
    "Risks related to {product} include competition, changes in customer demand and the pace at "
    "which we introduce new features to the {segment} market.",
)
_LINE_ITEMS = (
    "Subscription revenue", "Product revenue", "Services and other", "Total revenue",
    "Cost of revenue", "Gross profit", "Research and development", "Sales and marketing",
    "General and administrative", "Operating income", "Interest expense", "Net income",
)


@dataclass(frozen=True)
class AnnualReport:
    path: Path
    pages: int
    company: str
    officers: tuple[tuple[str, str], ...]
    kept_terms: tuple[str, ...]  # products, segments, currencies, plans: must survive ingestion
    table_rows: tuple[tuple[str, ...], ...]  # every row of every financial table, header rows too


def _paragraph(rng: random.Random) -> str:
    return rng.choice(_PROSE).format(
        product=rng.choice(PRODUCTS), segment=rng.choice(SEGMENTS), currency=rng.choice(CURRENCIES),
        plan=rng.choice(PLANS), year=rng.choice(YEARS), n=rng.randint(3, 120),
        amount=f"{rng.randint(100, 2400):,}",
    )


def _statement(rng: random.Random, title: str) -> list[list[str]]:
    rows = [[title + " (in millions)", *(f"Fiscal {y}" for y in YEARS)]]
    for item in rng.sample(_LINE_ITEMS, 8):
        base = rng.randint(200, 9000)
        rows.append([item, *(f"{base * (1 - 0.07 * i) + rng.randint(-50, 50):,.1f}" for i in range(len(YEARS)))])
    return rows


def _sections(rng: random.Random, items: int) -> list[Section]:
    sections: list[Section] = []
    for item in range(1, items + 1):
        sections.append(Section(f"Item {item}. {rng.choice(('Business', 'Risk Factors', 'Results of Operations', 'Liquidity'))}",
                                1, [_paragraph(rng) for _ in range(3)]))
        for part in range(1, 4):
            table = _statement(rng, rng.choice(("Statements of Operations", "Balance Sheets", "Cash Flows",
                                                "Revenue by Segment")))
            notes = [f"({n}) {_paragraph(rng)}" for n in range(1, 3)]
            sections.append(Section(f"{item}.{part} {rng.choice(SEGMENTS)}", 2,
                                    [_paragraph(rng)] + [_paragraph(rng) for _ in range(4)] + notes, table))
    signature = ["Pursuant to the requirements of the Securities Exchange Act of 1934, the registrant has "
                 "duly caused this report to be signed on its behalf by the undersigned."]
    signature += [f"/s/ {name}<br/>{name}<br/>{title}" for name, title in OFFICERS]
    sections.append(Section("Signatures", 1, signature))
    return sections


def write_annual_report(path: Path, *, pages: int = 200, seed: int = 5, outline: bool = False) -> AnnualReport:
    """A report of about `pages` pages (the item count is sized from a small trial). Without
    bookmarks by default, as many filings come: the parser then reads headings from fonts."""
    company = "Northwind Software Inc."

    def spec(items: int) -> DocSpec:
        return DocSpec(title=f"{company} Annual Report on Form 10-K", sections=_sections(random.Random(seed), items),
                       header=f"{company} — Form 10-K", numbered=False, outline=outline)

    per_item = count_pages(spec(2)) / 2
    items = max(1, round(pages / per_item))
    final = spec(items)
    write_pdf(final, path)
    return AnnualReport(
        path=path, pages=count_pages(final), company=company, officers=OFFICERS,
        kept_terms=PRODUCTS + SEGMENTS + CURRENCIES + PLANS,
        table_rows=tuple(tuple(row) for section in final.sections if section.table for row in section.table),
    )
