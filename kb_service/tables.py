"""Tables in chunk text: the parsers write a table row as ``cell | cell | cell`` on one line.

Shared by chunking (which keeps rows whole and repeats the header rows in every piece of a
split table), the prompt (which shows a table to the model as a Markdown table) and the
extractive answer (which quotes a row under its column header).

A financial table's header often spans several lines ("Three Months Ended" over
"Sep 30, 2024"), and a header line may lack the empty label cell: header lines are the
leading rows with no amount in them, and a short one is aligned to the right columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

CELL_SEPARATOR = " | "
_AMOUNT = re.compile(r"^[($€£-]*\s?\$?\s?\d[\d,]*(\.\d+)?\s?[%)]*$")
_YEAR = re.compile(r"^(19|20)\d\d$")
MAX_HEADER_ROWS = 3


def is_row(line: str) -> bool:
    """A table row as the parsers write it: at least three cells."""
    return line.count(CELL_SEPARATOR) >= 2 and not line.lstrip().startswith("|")


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.split(CELL_SEPARATOR)]


def is_amount(cell: str) -> bool:
    text = cell.strip()
    return bool(_AMOUNT.match(text)) and not _YEAR.match(text.strip("()"))


def is_data_row(row: Sequence[str]) -> bool:
    """A row that reports figures (not a header line of dates and period names)."""
    return any(is_amount(cell) for cell in row[1:])


def header_count(rows: Sequence[Sequence[str]]) -> int:
    """How many leading rows are header lines (0 when the first row already holds figures)."""
    count = 0
    for row in rows[:MAX_HEADER_ROWS]:
        if is_data_row(row):
            break
        count += 1
    return count if count < len(rows) else 0


def column_headers(rows: Sequence[Sequence[str]], width: int) -> list[str]:
    """The header lines joined column by column; a line with fewer cells than the table is
    aligned to the right (its first, label, cell is the one missing)."""
    headers = [""] * width
    for row in rows:
        padded = [""] * (width - len(row)) + list(row) if len(row) < width else list(row[:width])
        headers = [f"{a} {b}".strip() for a, b in zip(headers, padded, strict=True)]
    return headers


def runs(text: str) -> Iterator[tuple[bool, list[str]]]:
    """The text's lines grouped into (is_table, lines) runs; a blank line ends a table run."""
    current: list[str] = []
    table = False
    for line in text.splitlines():
        row = is_row(line) or (table and bool(current) and CELL_SEPARATOR in line)
        if current and row != table and (line.strip() or table):
            yield table, current
            current = []
        if not current:
            table = row
        current.append(line)
    if current:
        yield table, current


def to_markdown(lines: Sequence[str]) -> str:
    """Rows as a Markdown table: the header lines merged into one header row."""
    rows = [cells(line) for line in lines if line.strip()]
    width = max(len(row) for row in rows)
    n = header_count(rows)
    head = column_headers(rows[:n], width) if n else [""] * width
    body = rows[n:]

    def line(row: Sequence[str]) -> str:
        padded = list(row) + [""] * (width - len(row))
        return "| " + " | ".join(cell.replace("|", "/") for cell in padded) + " |"

    return "\n".join([line(head), "|" + "---|" * width, *(line(row) for row in body)])


def render_markdown(text: str) -> str:
    """The text with every run of table rows turned into a Markdown table."""
    parts = []
    for table, lines in runs(text):
        parts.append(to_markdown(lines) if table else "\n".join(lines))
    return "\n".join(parts)


def table_rows(text: str) -> Iterator[tuple[list[str], list[str]]]:
    """(column headers, data row) for every data row of every table in the text."""
    for table, lines in runs(text):
        if not table:
            continue
        rows = [cells(line) for line in lines if line.strip()]
        width = max(len(row) for row in rows)
        n = header_count(rows)
        headers = column_headers(rows[:n], width)
        for row in rows[n:]:
            if is_data_row(row):
                yield headers, row + [""] * (width - len(row))
