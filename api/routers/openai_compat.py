"""OpenAI-compatible chat completions and model list, for chat tools and the openai client."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from api.auth import Reader
from api.deps import ChatDep, GateDep, MetricsDep
from api.errors import ERROR_RESPONSES, NOT_FOUND, TOO_MANY_QUESTIONS
from api.openai_protocol import ChatCompletion, ChatCompletionRequest, ModelList

router = APIRouter(prefix="/v1", tags=["openai"], responses=ERROR_RESPONSES)


@router.get("/models", response_model=ModelList, summary="Models: 'kb' (default), the base model, adapters")
def list_models(chat: ChatDep, _: Reader) -> ModelList:
    return chat.models()


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    summary="Answer the last user message (OpenAI chat completions, plain or streamed)",
    responses={200: {"content": {"text/event-stream": {}}}, **NOT_FOUND, **TOO_MANY_QUESTIONS},  # 404: a model not served
)
async def chat_completions(
    body: ChatCompletionRequest, chat: ChatDep, metrics: MetricsDep, gate: GateDep, _: Reader
) -> ChatCompletion | StreamingResponse:
    if body.stream:  # verified whole before the first event, so the slot covers the answering
        events, answer = await gate.run(chat.stream, body)
        metrics.observe_answer(answer)
        return StreamingResponse(events, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
    completion, answer = await gate.run(chat.complete, body)
    metrics.observe_answer(answer)
    return completion
