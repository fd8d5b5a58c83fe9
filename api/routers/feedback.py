"""POST /v1/feedback: a reader rates an answer (the chat widget's thumbs up / down)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from api.auth import Reader
from api.deps import MetricsDep
from api.errors import ERROR_RESPONSES
from api.feedback_service import FeedbackService, Rating

router = APIRouter(prefix="/v1", tags=["feedback"], responses=ERROR_RESPONSES)


def _feedback(request: Request) -> FeedbackService:
    return request.app.state.feedback


FeedbackDep = Annotated[FeedbackService, Depends(_feedback)]


class FeedbackRequest(BaseModel):
    answer_id: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="The `id` of the chat completion rated, or the client's own id of an answer (/v1/ask).",
    )
    rating: Rating = Field(description="'up' (helpful) or 'down' (not helpful).")
    comment: str | None = Field(
        None, max_length=2000, description="What was good or wrong; de-identified before it is stored."
    )
    question: str | None = Field(
        None, max_length=2000, description="The question asked; de-identified before it is stored."
    )


class FeedbackReceipt(BaseModel):
    id: str
    answer_id: str
    rating: Rating
    created_at: str


@router.post("/feedback", response_model=FeedbackReceipt, status_code=201, summary="Rate an answer (up / down)")
def post_feedback(body: FeedbackRequest, feedback: FeedbackDep, metrics: MetricsDep, _: Reader) -> FeedbackReceipt:
    record = feedback.record(answer_id=body.answer_id, rating=body.rating, comment=body.comment, question=body.question)
    metrics.observe_feedback(record.rating)
    return FeedbackReceipt(id=record.id, answer_id=record.answer_id, rating=record.rating, created_at=record.created_at)
