"""Token budget for reasoning models (DeepSeek-R1 distills think at length before answering).

A reasoning model writes a ``<think>…</think>`` trace before its answer; with the plain answer
budget (``KB_LLM_MAX_TOKENS``) the trace uses it up and no answer is left. When the served model
is a reasoning model, ``KB_LLM_THINKING_BUDGET`` more tokens are allowed. Whether it is one:
``KB_LLM_REASONING`` on / off, or auto: the model's name says so (R1, QwQ, "thinking"), or its
output has shown a trace once (then a reply cut off inside its trace is asked again, once, with
the budget). The trace is stripped by the generator and its tokens counted
(``Answer.reasoning_tokens``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

from kb_service.llm.generator import Generation, Generator

log = logging.getLogger(__name__)

ReasoningMode = Literal["auto", "on", "off"]
REASONING_NAME_HINTS = ("deepseek-r1", "r1-distill", "qwq", "thinking", "reasoner")


def looks_like_reasoning_model(name: str) -> bool:
    lowered = name.lower()
    return any(hint in lowered for hint in REASONING_NAME_HINTS)


class ThinkingBudget:
    """Decides each request's max_tokens; learns from traces it sees (mode auto)."""

    def __init__(self, mode: ReasoningMode, budget: int) -> None:
        self.mode = mode
        self.budget = budget
        self._seen = False

    @property
    def active(self) -> bool:
        return self.budget > 0 and (self.mode == "on" or (self.mode == "auto" and self._seen))

    def max_tokens(self, answer_tokens: int) -> int:
        return answer_tokens + (self.budget if self.active else 0)

    def generate(
        self, generator: Generator, messages: Sequence[dict[str, str]], *, model: str, answer_tokens: int, temperature: float
    ) -> Generation:
        budgeted = self.active
        generation = generator.generate(messages, model=model, max_tokens=self.max_tokens(answer_tokens), temperature=temperature)
        if generation.reasoning_tokens and self.mode == "auto" and not self._seen:
            log.info("the model writes reasoning traces: answers get %d more tokens from now on", self.budget)
            self._seen = True
        if (
            not budgeted and self.active and generation.reasoning_tokens
            and generation.finish_reason == "length" and not generation.text
        ):  # cut off inside its first trace: once more, with the budget
            first = generation.reasoning_tokens
            generation = generator.generate(messages, model=model, max_tokens=self.max_tokens(answer_tokens), temperature=temperature)
            generation = Generation(
                generation.text, generation.model, generation.prompt_tokens, generation.completion_tokens,
                generation.finish_reason, generation.seconds, generation.reasoning_tokens + first,
            )
        return generation
