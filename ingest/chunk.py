"""Chunking along structure: split by section, then by tokens of the embedder's tokenizer.

Each chunk keeps its section path (the headings above it) and the pages it spans. Separators
cover Chinese sentence punctuation as well as English, so Chinese text splits at sentence
ends instead of mid-word.

Tables are chunked by rows: a table block becomes pieces of whole rows, and every piece of a
table that does not fit one chunk repeats the table's header rows, so a figure is never
separated from the column (period) it belongs to. A row label that the PDF wrapped onto its
own line between two parts of one table is joined back to its row.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from ingest.parse.document import Block
from kb_service.tables import cells, header_count, is_row

INTRO_TOKENS = 48  # a paragraph this short before a table is its caption
SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", ". ", "! ", "? ", "; ", "，", ", ", " ", ""]


@dataclass(frozen=True, slots=True)
class Piece:
    """A chunk before it has an identity: text, where it sits, how long it is."""

    text: str
    section_path: tuple[str, ...]
    page_start: int
    page_end: int
    token_count: int


@dataclass(frozen=True, slots=True)
class ChunkConfig:
    chunk_tokens: int = 200
    chunk_overlap: int = 32
    max_model_tokens: int = 256
    table_rows: bool = True  # tables split at row boundaries, header rows repeated


@dataclass(slots=True)
class _Section:
    path: tuple[str, ...]
    blocks: list[Block]


def sections(blocks: list[Block]) -> list[_Section]:
    """Group body blocks under the heading path in force where they appear."""
    stack: list[tuple[int, str]] = []
    result: list[_Section] = []
    for block in blocks:
        if block.kind == "heading":
            level = max(block.level, 1)
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, block.text))
            continue
        path = tuple(title for _, title in stack)
        if result and result[-1].path == path:
            result[-1].blocks.append(block)
        else:
            result.append(_Section(path, [block]))
    return result


class Chunker:
    """Holds the tokenizer; one instance serves every document."""

    def __init__(self, tokenizer: Any, config: ChunkConfig) -> None:
        self._tokenizer = tokenizer
        self._config = config
        self._splitters: dict[int, Any] = {}

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.tokenize(text))

    def _splitter(self, budget: int) -> Any:
        splitter = self._splitters.get(budget)
        if splitter is None:
            from langchain_text_splitters import RecursiveCharacterTextSplitter

            splitter = RecursiveCharacterTextSplitter(
                separators=SEPARATORS,
                keep_separator="end",
                chunk_size=budget,
                chunk_overlap=min(self._config.chunk_overlap, budget // 4),
                length_function=self.count_tokens,
                add_start_index=True,
            )
            self._splitters[budget] = splitter
        return splitter

    def chunk(self, title: str, blocks: list[Block]) -> list[Piece]:
        pieces: list[Piece] = []
        for section in sections(blocks):
            heading = " > ".join(part for part in (title, *section.path) if part)
            # The heading is embedded with the text; keep both inside the model's window.
            room = self._config.max_model_tokens - self.count_tokens(heading) - 4
            budget = max(32, min(self._config.chunk_tokens, room))
            if self._config.table_rows and any(block.kind == "table" for block in section.blocks):
                pieces.extend(self._split_with_tables(section, budget))
            else:
                pieces.extend(self._split_section(section, budget))
        return pieces

    def _split_with_tables(self, section: _Section, budget: int) -> list[Piece]:
        """Text runs through the splitter, each table block by rows."""
        pieces: list[Piece] = []
        text_run: list[Block] = []
        header: list[str] = []
        for block in rejoin_wrapped_labels(section.blocks):
            if block.kind != "table":
                text_run.append(block)
                continue
            intro = None  # a short paragraph right before a table ("Segment revenue (in millions):") stays with it
            if text_run and text_run[-1].page == block.page and self.count_tokens(text_run[-1].text) <= INTRO_TOKENS:
                intro = text_run.pop().text
            if text_run:
                pieces.extend(self._split_section(_Section(section.path, text_run), budget))
                text_run = []
            header, table_pieces = self._split_table(block, header, budget - (self.count_tokens(intro) + 2 if intro else 0))
            if intro and table_pieces:
                table_pieces[0] = f"{intro}\n\n{table_pieces[0]}"
            pieces.extend(Piece(text, section.path, block.page, block.page, self.count_tokens(text)) for text in table_pieces)
        if text_run:
            pieces.extend(self._split_section(_Section(section.path, text_run), budget))
        return pieces

    def _split_table(self, block: Block, inherited: list[str], budget: int) -> tuple[list[str], list[str]]:
        """Pieces of whole rows within the budget, each starting with the header rows. A table
        block without header rows (continued from the previous page) takes the last one's."""
        lines = [line for line in block.text.splitlines() if line.strip()]
        n = header_count([cells(line) for line in lines]) if all(is_row(line) for line in lines[:1]) else 0
        header, rows = (lines[:n], lines[n:]) if n else (inherited, lines)
        if not rows:
            return header, ["\n".join(header)] if header else []
        pieces: list[str] = []
        current: list[str] = []
        for row in rows:
            candidate = "\n".join([*header, *current, row])
            if current and self.count_tokens(candidate) > budget:
                pieces.append("\n".join([*header, *current]))
                current = []
            current.append(row)
        pieces.append("\n".join([*header, *current]))
        return header, pieces

    def _split_section(self, section: _Section, budget: int) -> list[Piece]:
        starts: list[int] = []
        pages: list[int] = []
        parts: list[str] = []
        offset = 0
        for block in section.blocks:
            starts.append(offset)
            pages.append(block.page)
            parts.append(block.text)
            offset += len(block.text) + 2
        text = "\n\n".join(parts)
        pieces = []
        for doc in self._splitter(budget).create_documents([text]):
            start = int(doc.metadata["start_index"])
            if start < 0:
                start = 0
            end = start + max(len(doc.page_content) - 1, 0)
            first = pages[max(bisect_right(starts, start) - 1, 0)]
            last = pages[max(bisect_right(starts, end) - 1, 0)]
            pieces.append(
                Piece(
                    text=doc.page_content,
                    section_path=section.path,
                    page_start=first,
                    page_end=max(first, last),
                    token_count=self.count_tokens(doc.page_content),
                )
            )
        return pieces


def rejoin_wrapped_labels(blocks: list[Block]) -> list[Block]:
    """A short line between two table blocks on one page ("activities" under "Net cash provided
    by operating | 1,182 | 2,433") is the wrapped end of the row label above it."""
    result: list[Block] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        prev = result[-1] if result else None
        if (
            prev is not None and nxt is not None and block.kind == "paragraph"
            and prev.kind == "table" and nxt.kind == "table" and prev.page == block.page == nxt.page
            and len(block.text.split()) <= 4 and not any(ch.isdigit() for ch in block.text)
            and not block.text.rstrip().endswith((".", ":", "。"))
        ):
            lines = prev.text.splitlines()
            first, sep, rest = lines[-1].partition(" | ")
            lines[-1] = f"{first} {block.text.strip()}{sep}{rest}"
            result[-1] = Block("\n".join(lines) + "\n" + nxt.text, prev.page, "table")
            i += 2
            continue
        result.append(block)
        i += 1
    return result
