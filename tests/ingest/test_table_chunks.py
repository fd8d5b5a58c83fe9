"""Tables are chunked by whole rows, and every piece of a split table repeats its header rows."""

from __future__ import annotations

from pathlib import Path

from ingest.chunk import ChunkConfig, Chunker, rejoin_wrapped_labels
from ingest.parse.document import Block
from ingest.parse.pdf import parse_pdf
from kb_service.tables import is_row
from tests.corpus.filings import filing
from tests.corpus.pdfgen import write_pdf


def test_filing_tables_keep_rows_whole_with_their_header(embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    item = filing(0, kind="10-Q", year=2024)
    parsed = parse_pdf(write_pdf(item.spec, tmp_path / item.doc).read_bytes(), item.doc)
    chunker = Chunker(embedder.tokenizer, ChunkConfig(chunk_tokens=120, max_model_tokens=embedder.max_tokens))
    pieces = chunker.chunk(parsed.title, parsed.blocks)
    tables = [p for p in pieces if any(is_row(line) for line in p.text.splitlines())]
    ops = [p for p in tables if "Statements of Operations" in " ".join(p.section_path)]
    assert len(ops) >= 2, "the statement of operations is split at 120 tokens"
    for piece in ops:
        rows = [line for line in piece.text.splitlines() if is_row(line)]
        assert rows[0].startswith("(in millions, except per share) | Three Months Ended"), piece.text
        assert rows[1].startswith("Sep 30, 2024 | Sep 30, 2023"), piece.text
        assert all(len(row.split(" | ")) == 4 for row in rows[2:]), "no row is cut"
        assert piece.token_count <= 120
    labels = [line.split(" | ")[0] for p in ops for line in p.text.splitlines()[2:] if is_row(line)]
    assert "Revenue" in labels and "Diluted earnings per share" in labels
    cash = " ".join(p.text for p in tables if "Cash Flows" in " ".join(p.section_path))
    assert "Net cash provided by operating activities | " in cash, "the wrapped row label is joined back"
    assert [p.text for p in chunker.chunk(parsed.title, parsed.blocks)] == [p.text for p in pieces], "deterministic"


def test_continued_table_takes_the_header_and_page_of_its_part(embedder) -> None:  # type: ignore[no-untyped-def]
    header = "(in millions) | Sep 30, 2024 | Dec 31, 2023"
    blocks = [Block("Balance", 1, "heading", 1), Block(f"{header}\nCash | 1,304 | 1,169", 1, "table"),
              Block("Total assets | 11,464 | 10,613", 2, "table")]
    pieces = Chunker(embedder.tokenizer, ChunkConfig()).chunk("T", blocks)
    assert [p.page_start for p in pieces] == [1, 2]
    assert pieces[1].text == f"{header}\nTotal assets | 11,464 | 10,613"


def test_short_line_between_table_parts_is_a_wrapped_label() -> None:
    blocks = [Block("a | b | c\nNet cash provided by operating | 1 | 2", 1, "table"), Block("activities", 1),
              Block("Capital expenditures | 3 | 4", 1, "table")]
    joined = rejoin_wrapped_labels(blocks)
    assert len(joined) == 1
    assert joined[0].text.splitlines()[1] == "Net cash provided by operating activities | 1 | 2"
    prose = [blocks[0], Block("See the notes.", 1), blocks[2]]
    assert len(rejoin_wrapped_labels(prose)) == 3
