"""The prompt format, shared by the answer service and training-pair generation.

Training (RAFT-style examples) and serving must use the same layout and the same refusal
sentence, or an adapter learns a format it never sees at run time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from kb_service.tables import is_row, render_markdown
from kb_service.text import has_cjk
from kb_service.types import Passage

log = logging.getLogger(__name__)

REFUSAL_EN = "The knowledge base does not contain an answer to this question."
REFUSAL_ZH = "知识库中没有这个问题的答案。"

SYSTEM_PROMPT = (
    "You answer questions about company documents using only the numbered passages given to you. "
    "After each sentence, cite the passage it comes from as [n]. "
    "Copy numbers, dates and names exactly as the passages give them. "
    "If the passages do not contain the answer, reply with exactly: {refusal} "
    "Answer in the language of the question, in at most three sentences."
)


def refusal_for(question: str) -> str:
    return REFUSAL_ZH if has_cjk(question) else REFUSAL_EN


def is_refusal(answer: str) -> bool:
    """The model used the refusal sentence (or started with it)."""
    text = answer.strip().lower()
    return any(text.startswith(r.lower().rstrip(".。")) for r in (REFUSAL_EN, REFUSAL_ZH))


class TokenCounter(Protocol):
    def count(self, text: str) -> int: ...


class ApproximateTokenCounter:
    """For servers whose tokenizer we cannot load: errs on the long side."""

    def count(self, text: str) -> int:
        cjk = sum(1 for ch in text if "\u3000" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff")
        return int((len(text) - cjk) / 3.2 + cjk * 1.5) + 1


class TokenizerCounter:
    """Counts with the served model's own tokenizer (loaded from its local folder)."""

    def __init__(self, folder: Path) -> None:
        from transformers import AutoTokenizer

        self._tokenizer: Any = AutoTokenizer.from_pretrained(str(folder))

    def count(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False))


def passage_header(number: int, passage: Passage) -> str:
    where = passage.title or passage.source
    if passage.section:
        where += f" — {passage.section}"
    if passage.page_start:
        where += f", p. {passage.page_start}"
    return f"[{number}] {where}"


def passage_body(text: str, markdown_tables: bool = True) -> str:
    """A passage's text as the prompt shows it: tables as Markdown tables."""
    text = text.strip()
    if markdown_tables and any(is_row(line) for line in text.splitlines()):
        return render_markdown(text).strip()
    return text


@dataclass(frozen=True, slots=True)
class Prompt:
    messages: list[dict[str, str]]
    passages: list[Passage]  # the passages that fitted, in prompt order: [n] is passages[n-1]
    prompt_tokens: int


def build_prompt(
    question: str,
    passages: Sequence[Passage],
    *,
    counter: TokenCounter,
    context_tokens: int,
    answer_tokens: int,
    markdown_tables: bool = True,
) -> Prompt:
    """Numbered passages, most relevant first, as many as fit the context window.

    Table rows (``a | b | c`` lines from the parsers) are shown as Markdown tables, header
    row first, so a small model reads a figure with its column; `markdown_tables=False` gives
    the passage text as stored.

    The budget leaves room for the answer and a margin for the chat template's own tokens.
    A passage that does not fit whole is cut at a line boundary when at least a third of it
    fits; otherwise it and every later passage are left out.
    """
    system = SYSTEM_PROMPT.format(refusal=refusal_for(question))
    question_block = f"Question: {question.strip()}"
    budget = context_tokens - answer_tokens - 32  # template tokens
    used = counter.count(system) + counter.count(question_block) + counter.count("Passages:\n")
    blocks: list[str] = []
    kept: list[Passage] = []
    for passage in passages:
        header = passage_header(len(kept) + 1, passage)
        block = f"{header}\n{passage_body(passage.text, markdown_tables)}"
        cost = counter.count(block) + 2
        if used + cost > budget:
            cut = _cut_to_fit(block, budget - used - 2, counter)
            if cut is None:
                break
            block, cost = cut, counter.count(cut) + 2
        blocks.append(block)
        kept.append(passage)
        used += cost
    user = "Passages:\n" + "\n\n".join(blocks) + f"\n\n{question_block}"
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    return Prompt(messages=messages, passages=kept, prompt_tokens=used)


def _cut_to_fit(block: str, room: int, counter: TokenCounter) -> str | None:
    full = counter.count(block)
    if room <= 0 or room * 3 < full:
        return None
    lines = block.splitlines()
    while len(lines) > 1 and counter.count("\n".join(lines)) > room:
        lines.pop()
    text = "\n".join(lines)
    if counter.count(text) > room:
        return None
    return text if len(lines) > 1 else None
