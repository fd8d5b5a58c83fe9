"""Answers streamed as their sentences are verified, ending exactly as `AnswerService.ask` would.

The model's tokens arrive from the server's stream; each time a sentence completes, the
sentences so far are verified against the prompt's passages, and the text that the answer is
sure to start with (`AnswerService.settled_prefix`: a leading run of claims each supported at
the confidence threshold, on topic, holding the question's constraints) is sent. When the
generation ends it is verified and decided whole, as `ask` does, and the rest of the answer
follows: more sentences, the note that unsupported parts were removed, or, where nothing was
sent yet, the suppressed answer. So what a client reads in the end is byte for byte the answer
`ask` gives for the same generation, and no sentence is sent before it passed verification.

Not sent early: anything from a reasoning model (its trace is no answer), a first sentence
that fails, or text the personal-data scan would change. Then the answer comes whole at the end.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence

from answer.service import AnswerService
from kb_service.llm.generator import generation_from_raw
from kb_service.types import Answer

log = logging.getLogger(__name__)


def stream_answer(
    service: AnswerService,
    question: str,
    *,
    k: int | None = None,
    model: str | None = None,
    threshold: float | None = None,
    early: bool = True,
    must_state: Sequence[str] = (),
) -> Iterator[str | Answer]:
    """Pieces of verified answer text as they settle, then the final `Answer` (whose
    `answer` starts with all the pieces joined). Errors before the first piece (an empty
    question, a model that is not served) are raised from the first `next()`. With `early`
    false nothing is sent before the final answer; a caller passing `must_state` (see
    `AnswerService.prepare`) wants that, as the settled pieces are not held to those terms."""
    prepared = service.prepare(question, k=k, model=model, threshold=threshold, must_state=must_state)
    if prepared.answer is not None:
        yield prepared.answer
        return
    early = early and service.streams_early(prepared.model)
    raw, sent, sentences_seen = "", "", 0
    started = time.perf_counter()
    first_text_ms: float | None = None
    for delta in service.stream_generation(prepared):
        raw += delta
        if not early:
            continue
        if "<think>" in raw.lower() or "</think>" in raw.lower():
            early = False  # a reasoning trace after all: nothing of it may be sent
            continue
        boundaries = _sentence_ends(raw)
        if boundaries <= sentences_seen:
            continue
        sentences_seen = boundaries
        settled, early = service.settled_prefix(prepared, raw)
        if len(settled) > len(sent) and settled.startswith(sent):
            if first_text_ms is None:
                first_text_ms = round((time.perf_counter() - started) * 1000, 2)
            yield settled[len(sent):]
            sent = settled
    seconds = time.perf_counter() - started
    prepared.timings["generate"] = round(seconds * 1000, 2)
    answer = service.conclude(prepared, generation_from_raw(raw, prepared.model, 0, 0, None, seconds))
    if sent and not answer.answer.startswith(sent):  # by construction it cannot; say so if it does
        log.error("streamed text is not the start of the final answer: %r / %r", sent[:80], answer.answer[:80])
    timings = dict(answer.timings)
    timings["first_text"] = first_text_ms if first_text_ms is not None else timings.get("total", 0.0)
    yield answer.model_copy(update={"timings": timings})


def _sentence_ends(text: str) -> int:
    """How many sentence ends (or line ends) the text has: a cheap trigger for a new check."""
    return sum(text.count(mark) for mark in (". ", "! ", "? ", "。", "！", "？", "\n"))
