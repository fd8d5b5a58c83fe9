"""Example questions for the chat's first screen (reader): made from the indexed documents'
section titles, in their language (see answer/examples.py). Keyed like every /v1 route:
section titles say what the documents hold."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from pydantic import BaseModel, Field

from api.auth import Reader
from api.errors import ERROR_RESPONSES
from answer.examples import ExampleQuestions
from kb_service.types import DocumentStatus

router = APIRouter(tags=["documents"], responses=ERROR_RESPONSES)


class Example(BaseModel):
    question: str
    section: str = Field(description="The section title the question was made from, without its numbering.")
    document: str = Field(description="Source name of the document.")
    language: Literal["en", "zh"]


class ExampleList(BaseModel):
    questions: list[Example]


def examples_of(app: FastAPI) -> ExampleQuestions:
    """One cache per app, made at first use; it rereads the store when a document changes and,
    with KB_EXAMPLE_CHECK, asks its questions through the answer service in the background."""
    state = app.state
    if getattr(state, "examples", None) is None:
        services = state.services
        pipeline = services.pipeline

        def signature() -> tuple[tuple[str, str], ...]:
            indexed = pipeline.ledger.list()
            return tuple(sorted((d.document_id, d.version) for d in indexed if d.status == DocumentStatus.INDEXED))

        def answered(question: str) -> bool:
            return services.answers.ask(question).grounded

        check = answered if state.settings.example_check else None
        state.examples = ExampleQuestions(pipeline.store, signature, check=check)
    return state.examples


async def _examples(request: Request) -> ExampleQuestions:
    return examples_of(request.app)


@router.get(
    "/v1/examples",
    response_model=ExampleList,
    summary="Example questions from the section titles of the indexed documents",
    description="Deterministic; at most one question per document until every document has one. "
    "Questions in `lang` come first when there are any; each question is in its section title's language. "
    "With KB_EXAMPLE_CHECK (the default) questions the service answered grounded come first, then those "
    "not asked yet, then those it suppressed.",
)
def examples(
    _: Reader,
    cache: Annotated[ExampleQuestions, Depends(_examples)],
    n: Annotated[int, Query(ge=1, le=10, description="How many questions.")] = 3,
    lang: Annotated[Literal["en", "zh"] | None, Query(description="Preferred language.")] = None,
) -> ExampleList:
    found = cache.get(n, lang)
    return ExampleList(questions=[
        Example(question=q.question, section=q.section, document=q.document, language=q.language) for q in found
    ])
