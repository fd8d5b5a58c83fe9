"""OpenAI-compatible chat completions and model list, for chat tools and the openai client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

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
    if body.stream:  # the answer slot is held until the last event is sent
        slot = AsyncExitStack()
        await slot.enter_async_context(gate.slot())
        try:
            events = await run_in_threadpool(chat.stream, body, metrics.observe_answer)
            first = await run_in_threadpool(next, events)  # retrieval and the model's start: errors here are HTTP errors
        except BaseException:
            await slot.aclose()
            raise

        async def send() -> AsyncIterator[str]:
            try:
                yield first
                async for item in iterate_in_threadpool(events):
                    yield item
            finally:
                await slot.aclose()

        return StreamingResponse(send(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
    completion, answer = await gate.run(chat.complete, body)
    metrics.observe_answer(answer)
    return completion
