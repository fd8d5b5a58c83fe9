"""What the answer service is configured with, its question error, and a question between
`AnswerService.prepare` and `conclude` (`answer.service`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from answer.answer_parts import Clock
from answer.constraints import QuestionConstraints
from answer.thinking import ReasoningMode
from kb_service.errors import KBError
from kb_service.types import Answer, Passage


class AnswerError(KBError):
    """The question cannot be answered as asked (empty, too long)."""


@dataclass(frozen=True)
class AnswerConfig:
    k: int
    min_score: float
    threshold: float
    context_tokens: int
    max_tokens: int
    temperature: float
    default_model: str  # served name of the base model or of the default adapter
    base_model_name: str  # served name of the base model
    min_relevance: float = 0.4
    max_question_chars: int = 2000
    constraint_gate: bool = True  # hold supported claims to the question's period, entity, measure
    refocus: bool = True  # a second generation from the one passage sentence of the kind asked
    rerank_pool: int = 0  # passages retrieved for answer.rerank; 0 = the hybrid order
    extractive: bool = False  # quote matching rows / sentences when suppressed (answer.extractive)
    markdown_tables: bool = True
    reasoning: ReasoningMode = "off"
    thinking_budget: int = 0


@dataclass
class Prepared:
    """A question retrieved and prompted, between `AnswerService.prepare` and `conclude`."""

    question: str
    model: str
    threshold: float
    timings: dict[str, float]
    clock: Clock
    asked: QuestionConstraints | None
    answer: Answer | None = None  # set when there is nothing to generate from
    passages: list[Passage] = field(default_factory=list)
    messages: list[dict[str, str]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # what each passage is verified on
    must_state: tuple[str, ...] = ()  # terms a cited passage must state (a follow-up's)
