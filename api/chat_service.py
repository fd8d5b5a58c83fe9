"""Turns answers into OpenAI chat completions: content with a readable "Sources" list, the
structured citations beside it, and a stream that carries only verified text, sentence by
sentence as the model writes it (answer.streaming)."""

from __future__ import annotations

import itertools
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator

from answer.conversation import FollowUps, Turn
from answer.service import AnswerError, AnswerService
from answer.streaming import stream_answer
from api.openai_protocol import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    Choice,
    ChunkChoice,
    Delta,
    KBInfo,
    ModelCard,
    ModelList,
    Usage,
)
from kb_service.errors import KBError
from kb_service.llm.generator import Generator
from kb_service.text import has_cjk
from kb_service.types import Answer

log = logging.getLogger(__name__)

DEFAULT_MODEL = "kb"
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")


def sources_block(answer: Answer) -> str:
    if not answer.citations:
        return ""
    label = "来源" if has_cjk(answer.answer) else "Sources"
    lines = [f"{label}:"]
    for n, c in enumerate(answer.citations, start=1):
        where = c.title or c.document
        if c.section:
            where += f" — {c.section}"
        if c.page:
            where += f", p. {c.page}"
        lines.append(f"[{n}] {where} ({c.document})")
    return "\n".join(lines)


def content_of(answer: Answer) -> str:
    block = sources_block(answer)
    return f"{answer.answer}\n\n{block}" if block else answer.answer


def kb_info(answer: Answer) -> KBInfo:
    return KBInfo(
        grounded=answer.grounded,
        confidence=answer.confidence,
        suppressed_reason=answer.suppressed_reason,
        trimmed=answer.trimmed,
        timings=answer.timings,
        model=answer.model,
        adapter=answer.adapter,
        constraints=answer.constraints,
        constraint_issues=answer.constraint_issues,
        standalone_question=answer.standalone_question,
        rewritten_by=answer.rewritten_by,
    )


def split_conversation(request: ChatCompletionRequest) -> tuple[str, list[Turn]]:
    """The last user message, and the user and assistant messages before it (the history
    a follow-up is rewritten from; system and tool messages play no part)."""
    last = next((i for i in range(len(request.messages) - 1, -1, -1) if request.messages[i].role == "user"), None)
    if last is None:
        return "", []
    history = [
        Turn(role=m.role, content=m.text())  # type: ignore[arg-type]  # filtered to user / assistant
        for m in request.messages[:last] if m.role in ("user", "assistant") and m.text().strip()
    ]
    return request.messages[last].text().strip(), history


class ChatService:
    def __init__(self, answers: AnswerService, generator: Generator, followups: FollowUps | None = None) -> None:
        self._answers = answers
        self._generator = generator
        self._followups = followups  # None: the last user message is answered on its own

    def models(self) -> ModelList:
        now = int(time.time())
        cards = [ModelCard(id=DEFAULT_MODEL, created=now, description="The knowledge base with its default adapter.")]
        cards += [ModelCard(id=name, created=now) for name in self._generator.models() if name != DEFAULT_MODEL]
        return ModelList(data=cards)

    def _question(self, request: ChatCompletionRequest) -> tuple[str, list[Turn], str | None]:
        question, history = split_conversation(request)
        if not question:
            raise AnswerError("the conversation has no user message to answer")
        return question, history, None if request.model in ("", DEFAULT_MODEL) else request.model

    def _answer(self, request: ChatCompletionRequest) -> Answer:
        question, history, model = self._question(request)
        if self._followups is None:
            return self._answers.ask(question, model=model)
        return self._followups.answer(self._answers, question, history, model=model)

    def complete(self, request: ChatCompletionRequest) -> tuple[ChatCompletion, Answer]:
        answer = self._answer(request)
        content = content_of(answer)
        completion = ChatCompletion(
            id=f"chatcmpl-{uuid.uuid4().hex}",
            created=int(time.time()),
            model=request.model or DEFAULT_MODEL,
            choices=[Choice(message=AssistantMessage(content=content))],
            usage=Usage(),
            citations=answer.citations,
            kb=kb_info(answer),
        )
        return completion, answer

    def stream(self, request: ChatCompletionRequest, on_answer: Callable[[Answer], None]) -> Iterator[str]:
        """Server-sent events: verified sentences as the model writes them (answer.streaming),
        then the rest of the answer, its sources and the `kb` field; `on_answer` gets the final
        answer. The first `next()` retrieves and starts the generation, so a bad request or a
        model that is not served fails before any event is sent."""
        question, history, model = self._question(request)
        made = self._followups.standalone(question, history) if self._followups is not None else None
        asked = made.question if made is not None else question
        # A rewritten follow-up's answer must state what the follow-up names (`must_state`),
        # which the answer service checks only once the generation ends: then nothing is sent
        # before the final answer.
        named = FollowUps.must_state(question, made) if made is not None else ()
        items = stream_answer(
            self._answers, asked, model=model, early=made is None or made.method == "none", must_state=named
        )
        first = next(items)
        ident, created, name = f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), request.model or DEFAULT_MODEL

        def event(delta: Delta, **extra: object) -> str:
            finish = "stop" if extra else None
            chunk = ChatCompletionChunk(
                id=ident, created=created, model=name, choices=[ChunkChoice(delta=delta, finish_reason=finish)],
                **extra,  # type: ignore[arg-type]
            )
            return f"data: {json.dumps(chunk.model_dump(mode='json', exclude_none=True), ensure_ascii=False)}\n\n"

        def events() -> Iterator[str]:
            yield event(Delta(role="assistant"))
            sent = ""
            try:
                for item in itertools.chain([first], items):
                    if isinstance(item, str):
                        sent += item
                        yield event(Delta(content=item))
                        continue
                    if made is not None and self._followups is not None:
                        item = self._followups.finish(item, question, made)
                    content = content_of(item)
                    rest = content[len(sent):] if content.startswith(sent) else f"\n\n{content}"
                    for piece in _pieces(rest):
                        yield event(Delta(content=piece))
                    on_answer(item)
                    yield event(Delta(), citations=item.citations, kb=kb_info(item))
            except KBError as exc:  # the model server failed mid-answer: say so, end the stream
                log.warning("streamed answer failed: %s", exc)
                yield f"data: {json.dumps({'error': {'message': str(exc), 'type': 'model_server_error'}})}\n\n"
            yield "data: [DONE]\n\n"

        return events()


def _pieces(text: str) -> Iterator[str]:
    """Sentence-sized pieces whose concatenation is exactly the text."""
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if end > start:
            yield text[start:end]
            start = end
    if start < len(text):
        yield text[start:]
