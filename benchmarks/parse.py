"""PDF parsing of a long annual report: extraction engines, and the parse budget before/after.

    python -m benchmarks.parse [--pages 300] [--seed 5] [--out benchmarks/results/parse.json]

1. Engines, page by page on the same generated 10-K-like report (tests/corpus/annual_report.py):
   pypdf's layout mode (what the parser uses), pypdf's plain mode, and pypdfium2 (PDFium).
   Pages/s, and two fidelity measures on the report's known financial tables: a row is *in
   order* when all its cells stand on one line in reading order, and *separable* when the
   parser's own table-row rule (`ingest.parse.pdf._table_row`) splits that line into exactly
   the row's cells.
2. The parse worker with the flat budget of the last release (60 s for any file) against the
   scaled budget of today's defaults, in one run: outcome, seconds, pages/s.
3. `kb ingest` of the report with today's defaults (parse, de-identify, chunk, embed, store).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
if sys.path[:1] != [str(ROOT)]:  # first: this folder's ingest.py would hide the ingest package
    sys.path.insert(0, str(ROOT))

from ingest.parse.pdf import _table_row  # noqa: E402  (the parser's own rule, measured as it is)
from tests.corpus.annual_report import AnnualReport, write_annual_report  # noqa: E402


def _pypdf(data: bytes, mode: str) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if mode == "layout":
        return [page.extract_text(extraction_mode="layout") or "" for page in reader.pages]
    return [page.extract_text() or "" for page in reader.pages]


def _pdfium(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    texts = []
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_bounded())
            textpage.close()
            page.close()
    finally:
        document.close()
    return texts


def _fidelity(pages: list[str], rows: tuple[tuple[str, ...], ...]) -> dict[str, float]:
    lines = [" ".join(line.split()) for text in pages for line in text.splitlines()]
    raw_lines = [line for text in pages for line in text.splitlines()]
    joined = set(lines)
    separable = set()
    for line in raw_lines:
        row = _table_row(line)
        if row is not None:
            separable.add(tuple(cell.strip() for cell in row.split(" | ")))
    in_order = sum(" ".join(" ".join(cell.split()) for cell in row) in joined for row in rows)
    split_right = sum(tuple(" ".join(c.split()) for c in row) in separable for row in rows)
    return {"rows_in_order": in_order / len(rows), "rows_separable": split_right / len(rows)}


def engines(report: AnnualReport) -> list[dict[str, Any]]:
    data = report.path.read_bytes()
    results = []
    for name, run in (
        ("pypdf layout (the parser's mode)", lambda: _pypdf(data, "layout")),
        ("pypdf plain", lambda: _pypdf(data, "plain")),
        ("pypdfium2", lambda: _pdfium(data)),
    ):
        started = time.perf_counter()
        pages = run()
        seconds = time.perf_counter() - started
        results.append({"engine": name, "seconds": seconds, "pages_per_s": len(pages) / seconds,
                        **_fidelity(pages, report.table_rows)})
    return results


def budgets(report: AnnualReport, data_dir: Path) -> list[dict[str, Any]]:
    from ingest.errors import ParseTimeoutError
    from ingest.isolation import IsolatedParser
    from kb_service.settings import Settings

    data = report.path.read_bytes()
    results = []
    for name, overrides in (
        ("flat 60 s (last release)", {"parse_seconds_per_page": 0, "parse_seconds_per_mb": 0}),
        ("scaled (today's defaults)", {}),
    ):
        parser = IsolatedParser(Settings(data_dir=data_dir, **overrides))  # type: ignore[arg-type]
        try:
            parser.parse((ROOT / "samples" / "expense-policy.pdf").read_bytes(), "warm.pdf")  # the worker is up
            started = time.perf_counter()
            try:
                parsed = parser.parse(data, report.path.name)
                outcome, pages = "parsed", parsed.pages
            except ParseTimeoutError as exc:
                outcome, pages = f"refused: {exc}", 0
            seconds = time.perf_counter() - started
        finally:
            parser.close()
        results.append({"budget": name, "outcome": outcome, "seconds": seconds,
                        "pages_per_s": pages / seconds if pages else 0.0})
    return results


def ingest(report: AnnualReport, data_dir: Path) -> dict[str, Any]:
    from ingest.pipeline import Pipeline
    from kb_service.settings import Settings

    pipeline = Pipeline(Settings(data_dir=data_dir))
    try:
        pipeline.warm_up()
        started = time.perf_counter()
        outcome = pipeline.ingest_file(report.path)
        seconds = time.perf_counter() - started
    finally:
        pipeline.close()
    return {"status": outcome.status, "error": outcome.error, "pages": outcome.pages, "chunks": outcome.chunks,
            "seconds": seconds, "pages_per_s": outcome.pages / seconds if outcome.pages else 0.0,
            "stage_seconds": outcome.stage_seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=300, help="pages of the generated report (default 300)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "parse.json")
    parser.add_argument("--no-ingest", action="store_true", help="skip the full `kb ingest` of the report")
    args = parser.parse_args(argv)
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with console.status(f"generating a {args.pages}-page annual report"):
            report = write_annual_report(folder / "annual-report.pdf", pages=args.pages, seed=args.seed)
        size_mb = report.path.stat().st_size / 1e6
        console.print(f"Report: {report.pages} pages, {size_mb:.2f} MB, {len(report.table_rows)} table rows")
        with console.status("timing the extraction engines"):
            engine_rows = engines(report)
        table = Table(title="Text extraction, same report, one run")
        for column in ("engine", "s", "pages/s", "x layout", "rows in order", "rows separable"):
            table.add_column(column)
        base = engine_rows[0]["pages_per_s"]
        for row in engine_rows:
            table.add_row(row["engine"], f"{row['seconds']:.1f}", f"{row['pages_per_s']:.1f}",
                          f"{row['pages_per_s'] / base:.2f}", f"{row['rows_in_order']:.2f}", f"{row['rows_separable']:.2f}")
        console.print(table)
        with console.status("parsing in the worker under both budgets"):
            budget_rows = budgets(report, folder / "data-budget")
        table = Table(title="The parse worker: flat budget vs scaled budget, one run")
        for column in ("budget", "outcome", "s", "pages/s"):
            table.add_column(column)
        for row in budget_rows:
            table.add_row(row["budget"], row["outcome"], f"{row['seconds']:.1f}", f"{row['pages_per_s']:.1f}")
        console.print(table)
        ingested = None
        if not args.no_ingest:
            with console.status("kb ingest of the report with the defaults"):
                ingested = ingest(report, folder / "data-ingest")
            console.print(
                f"kb ingest with the defaults: {ingested['status']}, {ingested['pages']} pages, "
                f"{ingested['chunks']} chunks in {ingested['seconds']:.1f} s ({ingested['pages_per_s']:.2f} pages/s)"
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"pages": report.pages, "size_mb": size_mb, "engines": engine_rows,
                                    "budgets": budget_rows, "ingest": ingested}, indent=2), encoding="utf-8")
    console.print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
