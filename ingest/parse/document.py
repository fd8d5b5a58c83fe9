"""What every parser returns: a sequence of typed blocks with the page they sit on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "paragraph", "table"]


@dataclass(frozen=True, slots=True)
class Block:
    """A run of text on one page. Headings carry their level (1 = top)."""

    text: str
    page: int  # 1-based; formats without pages use 1
    kind: BlockKind = "paragraph"
    level: int = 0


@dataclass(slots=True)
class ParsedDocument:
    title: str
    format: str  # "pdf", "markdown", "text", "docx", "html"
    pages: int
    blocks: list[Block]
    needs_ocr_pages: list[int] = field(default_factory=list)  # no text layer, or OCR below the floor
    ocr_pages: list[int] = field(default_factory=list)  # pages whose text came from OCR
    ocr_confidence: float | None = None  # mean OCR confidence (0..1) of those pages
