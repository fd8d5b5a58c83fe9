"""Streamed answers (answer.streaming) against `ask` for the same generation, byte for byte.

The model is scripted (a text handed out a few characters at a time), for the reason given in
test_answer_service.py: a supported, a trimmed and a suppressed answer cannot be caused on
demand with the real model. Everything else is real: store, embedder, verifier, scrubber. The
real model's stream is compared with its plain answer in tests/api/test_api.py and
test_openai_clients.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from answer.service import AnswerService
from answer.streaming import stream_answer
from api.chat_service import ChatService, content_of
from api.openai_protocol import ChatCompletionRequest
from ingest.pipeline import Pipeline
from kb_service.types import Answer
from tests.answer.test_answer_service import ScriptedGenerator, service_for
from tests.api.conftest import TRAVEL_FACTS, travel_policy_pdf

MEAL_AND_HOTEL = "What are the daily meal allowance and the hotel limit per night?"


class TokenStream(ScriptedGenerator):
    """Hands out `text` in pieces of `size` characters; counts what it has handed out."""

    def __init__(self, text: str, size: int = 4) -> None:
        super().__init__(text)
        self.size, self.handed = size, 0

    def stream(self, messages: Sequence[dict[str, str]], *, model: str, max_tokens: int, temperature: float) -> Iterator[str]:
        for start in range(0, len(self.text), self.size):
            self.handed = start + self.size
            yield self.text[start : start + self.size]


@pytest.fixture
def indexed(pipeline: Pipeline, tmp_path: Path) -> Pipeline:
    outcome = pipeline.ingest_file(travel_policy_pdf(tmp_path))
    assert outcome.status == "ingested", outcome.error
    return pipeline


def streamed(service: AnswerService, generator: TokenStream, question: str) -> tuple[list[tuple[str, int]], Answer]:
    """The pieces (each with how much of the generation had been handed out when it came)
    and the final answer."""
    pieces: list[tuple[str, int]] = []
    final = None
    for item in stream_answer(service, question):
        if isinstance(item, str):
            pieces.append((item, generator.handed))
        else:
            final = item
    assert final is not None
    return pieces, final


def both(text: str, question: str, indexed, embedder, deidentifier, settings):  # type: ignore[no-untyped-def]
    generator = TokenStream(text)
    service, _ = service_for(text, indexed, embedder, deidentifier, settings, generator=generator)
    pieces, final = streamed(service, generator, question)
    plain = service.ask(question)
    return pieces, final, plain, generator


def same_answer(final: Answer, plain: Answer, *, also: frozenset[str] = frozenset()) -> None:
    """The same answer but for its id and timings (and `also`)."""
    assert final.answer == plain.answer
    skip = {"id", "timings", *also}
    assert final.model_dump(exclude=skip) == plain.model_dump(exclude=skip)
    assert {"first_text", "generate", "verify", "total"} <= set(final.timings)


def test_supported_sentences_are_sent_before_the_generation_ends(indexed, embedder, deidentifier, settings) -> None:  # type: ignore[no-untyped-def]
    text = f"{TRAVEL_FACTS['meal']} Receipts are not needed for the meal allowance. {TRAVEL_FACTS['hotel']}"
    pieces, final, plain, _ = both(text, "What is the daily meal allowance on business travel?",
                                   indexed, embedder, deidentifier, settings)
    same_answer(final, plain)
    assert final.grounded
    assert pieces, "nothing was sent before the end"
    first, handed = pieces[0]
    assert "45 euros" in first and handed < len(text)  # sent while the model was still writing
    assert final.answer.startswith("".join(p for p, _ in pieces))
    assert final.timings["first_text"] < final.timings["total"]


def test_a_failing_sentence_ends_the_stream_in_the_trimmed_shape(indexed, embedder, deidentifier, settings) -> None:  # type: ignore[no-untyped-def]
    text = (f"{TRAVEL_FACTS['hotel']} Employees may also bring their spouse on every trip at the company's "
            "expense, as Maria Gonzalez decided. Book hotels through the travel portal.")
    pieces, final, plain, _ = both(text, "How much may a hotel cost per night?", indexed, embedder, deidentifier, settings)
    same_answer(final, plain)
    assert final.trimmed and "removed" in final.answer
    sent = "".join(p for p, _ in pieces)
    assert "160 euros" in sent and "spouse" not in sent and "Gonzalez" not in sent
    assert final.answer.startswith(sent)


def test_an_unsupported_first_sentence_sends_nothing_before_the_suppressed_answer(indexed, embedder, deidentifier, settings) -> None:  # type: ignore[no-untyped-def]
    text = "Employees on business travel receive a daily meal allowance of 60 euros. Receipts are never needed."
    pieces, final, plain, _ = both(text, "What is the daily meal allowance on business travel?",
                                   indexed, embedder, deidentifier, settings)
    same_answer(final, plain)
    assert pieces == [] and final.suppressed_reason == "low_confidence" and "60" not in final.answer


def test_a_reasoning_trace_is_never_streamed(indexed, embedder, deidentifier, settings) -> None:  # type: ignore[no-untyped-def]
    text = f"<think>The user asks about hotels. {TRAVEL_FACTS['hotel']} Maybe 200 euros.</think>{TRAVEL_FACTS['hotel']}"
    pieces, final, plain, _ = both(text, "What is the hotel limit per night?", indexed, embedder, deidentifier, settings)
    same_answer(final, plain, also=frozenset({"reasoning_tokens"}))  # the stream's count is an estimate
    assert pieces == [] and final.grounded and "200" not in final.answer and final.reasoning_tokens > 0


def test_chat_stream_events_carry_exactly_the_plain_content(indexed, embedder, deidentifier, settings) -> None:  # type: ignore[no-untyped-def]
    import json

    text = f"{TRAVEL_FACTS['meal']} {TRAVEL_FACTS['hotel']}"
    generator = TokenStream(text)
    service, _ = service_for(text, indexed, embedder, deidentifier, settings, generator=generator)
    chat = ChatService(service, generator)
    request = ChatCompletionRequest(model="kb", messages=[{"role": "user", "content": MEAL_AND_HOTEL}], stream=True)
    seen: list[Answer] = []
    chunks = [json.loads(e[6:]) for e in chat.stream(request, seen.append) if e.startswith("data: {")]
    content = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    completion, answer = chat.complete(request.model_copy(update={"stream": False}))
    assert content == completion.choices[0].message.content == content_of(answer)
    assert len(seen) == 1 and seen[0].answer == answer.answer
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["kb"]["grounded"]
    assert sum(1 for c in chunks if c["choices"][0]["delta"].get("content")) >= 3  # not one block
