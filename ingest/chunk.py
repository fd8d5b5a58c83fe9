"""Chunking along structure: split by section, then by tokens of the embedder's tokenizer.

Each chunk keeps its section path (the headings above it) and the pages it spans. Separators
cover Chinese sentence punctuation as well as English, so Chinese text splits at sentence
ends instead of mid-word.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from ingest.parse.document import Block

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
            pieces.extend(self._split_section(section, budget))
        return pieces

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
