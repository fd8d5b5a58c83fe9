"""Answering: retrieval, claim verification and the thresholds that suppress an answer.

One group of `kb_service.settings.Settings`; each field is the variable ``KB_<NAME>``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class AnswerSettings(BaseModel):
    # --- answering ------------------------------------------------------------------------
    retrieval_k: int = Field(5, ge=1, le=50, description="Passages retrieved per question.")
    retrieval_min_score: float = Field(
        0.25,
        ge=-1.0,
        le=1.0,
        description=(
            "A passage is relevant when its cosine similarity to the question reaches this, or when a "
            "keyword search of a question in a language the embedder does not cover finds it."
        ),
    )
    confidence_threshold: float = Field(
        0.75, ge=0.0, le=1.0, description="Answers below this confidence are suppressed."
    )
    claim_threshold: float = Field(
        0.6, ge=0.0, le=1.0, description="Support at which a single claim counts as backed by a passage."
    )
    answer_min_relevance: float = Field(
        0.4,
        ge=0.0,
        le=1.0,
        description="Least cosine similarity between question and answer; a supported but off-topic answer is suppressed.",
    )
    nli_model: str | None = Field(
        None, description="NLI cross-encoder (folder or hub name) to score claims; unset = embedder + lexical scorer."
    )
    answer_constraint_gate: bool = Field(
        True,
        description=(
            "Hold supported claims to what the question states (period, company, line item, budget or actual, "
            "kind of answer); a claim that answers another question is dropped and an answer left without them "
            "is suppressed."
        ),
    )
    answer_refocus: bool = Field(
        True,
        description=(
            "When the verified claims do not give the kind of answer asked (a number, a frequency, a direction) "
            "and one passage sentence does, ask the model once more with that passage alone; the second answer "
            "is verified and gated like the first, and returned only when grounded."
        ),
    )
    retrieval_rerank_pool: int = Field(
        12,
        ge=0,
        le=100,
        description=(
            "Passages retrieved for reranking by the question's years, periods, line items, figures and names; "
            "the best KB_RETRIEVAL_K of them go to the model. 0 = no reranking (the hybrid order)."
        ),
    )
    answer_extractive_fallback: bool = Field(
        True,
        description=(
            "When no generated claim is verified, quote the passage row or sentence that matches the question's "
            "period and line item, marked as a quote and cited (grounded stays false, extractive true)."
        ),
    )
    prompt_markdown_tables: bool = Field(
        True, description="Show table passages to the model as Markdown tables (header row, then rows)."
    )
    followup_rewrite: Literal["model", "rules", "off"] = Field(
        "model",
        description=(
            "Follow-up questions in a conversation ('And in London?', '上海呢？') are rewritten into a standalone "
            "question before retrieval: by the served model, checked, with rules for pronouns and ellipsis as the "
            "fallback ('model'); by the rules alone ('rules'); or not at all ('off': the last message as asked)."
        ),
    )
    followup_turns: int = Field(
        6, ge=0, le=50, description="Earlier conversation turns (user and assistant) used to rewrite a follow-up."
    )
