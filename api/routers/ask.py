"""POST /v1/ask: the service's own question endpoint, returning the full Answer."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from answer.conversation import Turn
from api.auth import Reader
from api.deps import GateDep, MetricsDep, ServicesDep
from api.errors import ERROR_RESPONSES, NOT_FOUND, TOO_MANY_QUESTIONS
from kb_service.types import Answer

MAX_HISTORY_TURNS = 50
MAX_TURN_CHARS = 8000

router = APIRouter(prefix="/v1", tags=["answers"], responses=ERROR_RESPONSES)


class HistoryTurn(BaseModel):
    role: Literal["user", "assistant"] = Field(description="Who said it: 'user' or 'assistant'.")
    content: str = Field(min_length=1, max_length=MAX_TURN_CHARS, description="What was said.")


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000, description="The question, in any language.")
    k: int | None = Field(None, ge=1, le=50, description="Passages to retrieve (default KB_RETRIEVAL_K).")
    adapter: str | None = Field(
        None, max_length=200, description="Adapter (or the base model's served name) to answer with."
    )
    threshold: float | None = Field(
        None, ge=0.0, le=1.0, description="Confidence threshold for this question (default KB_CONFIDENCE_THRESHOLD)."
    )
    history: list[HistoryTurn] | None = Field(
        None,
        max_length=MAX_HISTORY_TURNS,
        description=(
            "Earlier turns of the conversation, oldest first. A follow-up question ('And in London?') is rewritten "
            "from them into a standalone question (returned as standalone_question) before it is answered."
        ),
    )


@router.post(
    "/ask",
    response_model=Answer,
    summary="Answer a question from the documents, or suppress",
    responses={**NOT_FOUND, **TOO_MANY_QUESTIONS},  # 404: an adapter the model server does not serve
)
async def ask(body: AskRequest, services: ServicesDep, metrics: MetricsDep, gate: GateDep, _: Reader) -> Answer:
    if body.history is None:
        answer = await gate.run(
            services.answers.ask, body.question, k=body.k, model=body.adapter, threshold=body.threshold
        )
    else:
        history = [Turn(role=turn.role, content=turn.content) for turn in body.history]
        answer = await gate.run(
            services.followups.answer, services.answers, body.question, history,
            k=body.k, model=body.adapter, threshold=body.threshold,
        )
    metrics.observe_answer(answer)
    return answer
