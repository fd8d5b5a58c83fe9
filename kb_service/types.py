"""Domain types shared by ingest, training and api."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

SearchMode = Literal["vector", "keyword", "hybrid"]

# Namespace for deterministic chunk ids: uuid5(namespace, f"{version}:{ordinal}").
CHUNK_NAMESPACE = uuid.UUID("6f1c1b8e-5a55-4c1e-9a41-7d1f0c2f9a10")


def document_id_for(source: str) -> str:
    """A document is keyed by its source name; its id is a short stable hash of that name."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def chunk_id_for(version: str, ordinal: int) -> str:
    """Deterministic chunk id, so a crash and a retry never duplicate a chunk."""
    return str(uuid.uuid5(CHUNK_NAMESPACE, f"{version}:{ordinal}"))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class DocumentStatus(StrEnum):
    PROCESSING = "processing"
    INDEXED = "indexed"
    FAILED = "failed"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class Chunk:
    """One de-identified piece of a document, ready to embed and store."""

    chunk_id: str
    document_id: str
    source: str
    title: str
    version: str
    ordinal: int
    text: str
    section_path: tuple[str, ...]
    page_start: int
    page_end: int
    token_count: int
    redactions: dict[str, int] = field(default_factory=dict)

    @property
    def section(self) -> str:
        return " > ".join(self.section_path)

    def embedding_text(self) -> str:
        """What gets embedded: the heading context, then the text."""
        heading = " > ".join(part for part in (self.title, *self.section_path) if part)
        return f"{heading}\n\n{self.text}" if heading else self.text


@dataclass(frozen=True, slots=True)
class StoredChunk:
    """A chunk with its vector, as the store holds it."""

    chunk: Chunk
    vector: list[float]


class Passage(BaseModel):
    """A search hit."""

    chunk_id: str
    document_id: str
    source: str
    title: str
    section: str
    section_path: list[str]
    page_start: int
    page_end: int
    ordinal: int
    text: str
    score: float = Field(description="Ranking score of the mode used (RRF for hybrid).")
    vector_score: float | None = Field(None, description="Cosine similarity, when vector search ran.")
    keyword_score: float | None = Field(None, description="BM25 score, when keyword search ran.")


class DocumentInfo(BaseModel):
    """A document as the ledger knows it."""

    document_id: str
    source: str
    title: str
    version: str
    status: DocumentStatus
    format: str
    pages: int
    chunks: int
    duplicate_chunks: int = 0
    redactions: dict[str, int] = Field(default_factory=dict)
    needs_ocr_pages: list[int] = Field(
        default_factory=list, description="Pages without usable text: no text layer, or OCR below KB_OCR_MIN_CONFIDENCE."
    )
    ocr_pages: list[int] = Field(default_factory=list, description="Pages whose indexed text was read by OCR.")
    ocr_confidence: float | None = Field(None, description="Mean OCR confidence (0..1) of those pages.")
    error: str | None = None
    size_bytes: int = 0
    created_at: str
    updated_at: str


class Citation(BaseModel):
    document: str
    title: str
    page: int | None
    section: str
    chunk_id: str
    quote: str
    score: float


class Answer(BaseModel):
    id: str = Field(
        default_factory=lambda: f"ans-{uuid.uuid4().hex}",
        description="This answer's id; refer to it in POST /v1/feedback.",
    )
    answer: str = Field(description="Verified answer text with [n] citation markers, or the suppression statement.")
    grounded: bool = Field(description="True when every claim returned is supported by a cited passage.")
    confidence: float = Field(description="Aggregate support of the returned claims, 0..1.")
    citations: list[Citation] = Field(
        default_factory=list,
        description="[n] in the answer is citations[n-1]. For a suppressed answer: the closest passages.",
    )
    suppressed_reason: str | None = Field(
        None,
        description=(
            "Why no answer was given: no_relevant_passages, model_found_no_answer, no_claims, "
            "low_confidence, off_topic, answers_another_question (a period, entity, line item or basis "
            "contradicts the question's), constraint_not_stated (no claim or passage states one the question "
            "names), wrong_answer_type (no direction, percentage, number, frequency or second side where the question asks one)."
        ),
    )
    extractive: bool = Field(
        False,
        description=(
            "The answer is a marked quote of passage text (rows or sentences matching the question's period "
            "and line item), offered when no generated claim was verified; grounded stays false."
        ),
    )
    reasoning_tokens: int = Field(0, description="Tokens of the model's reasoning trace (removed, never returned).")
    trimmed: bool = Field(False, description="Unsupported sentences were removed from an otherwise supported answer.")
    claims_dropped: int = Field(0, description="How many sentences were removed when trimmed.")
    model: str | None = Field(None, description="Model that generated the answer (base or adapter name).")
    adapter: str | None = Field(None, description="LoRA adapter used, if any.")
    constraints: dict[str, list[str]] = Field(
        default_factory=dict,
        description=(
            "What the question states explicitly and the answer was held to: period, entity, measure, "
            "basis (budget or actual), answer_type. Empty when the constraint gate is off."
        ),
    )
    constraint_issues: list[str] = Field(
        default_factory=list, description="Why claims were dropped or the answer held back by the constraint gate."
    )
    standalone_question: str | None = Field(
        None,
        description=(
            "The question answered: a follow-up rewritten from the conversation into a standalone question "
            "(de-identified), or the question as asked. None when answered without a conversation."
        ),
    )
    rewritten_by: Literal["model", "rules", "none"] | None = Field(
        None, description="How the standalone question was made: the served model, the rules, or not rewritten."
    )
    timings: dict[str, float] = Field(default_factory=dict, description="Milliseconds per stage, and total.")


class TrainingPair(BaseModel):
    messages: list[dict[str, str]]
    source_chunks: list[str]
    kind: Literal["qa", "refusal"]
