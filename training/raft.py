"""RAFT-style training examples: a question, its oracle chunk among distractor chunks, a target.

Retrieval-Augmented Fine-Tuning (Zhang et al., 2024, "RAFT: Adapting Language Model to
Domain Specific RAG") trains on the prompt the model will see at run time: the question with
several retrieved documents, only some of which help. Its convention, followed here:

- with probability P (``oracle_probability``) the context holds the oracle chunk plus
  ``distractors`` distractor chunks, in random order, and the target is the answer citing the
  oracle as ``[n]`` (n = the oracle's position in the prompt), as the answer service expects;
- with probability 1 - P the oracle is left out and the context holds ``distractors + 1``
  distractors (RAFT keeps the number of documents constant), and the target is *still* the
  answer, without a citation since no passage supports it. RAFT found that these examples,
  which make the model memorise domain knowledge, improve answers; set P = 1 to leave them
  out. (They share their input shape with the refusal examples below; the answer service
  suppresses any answer its passages do not support, so at run time only supported answers
  are shown either way.)

Refusal examples (not in RAFT; they teach the refusal the answer service uses) hold
``distractors + 1`` distractors and no oracle, and the target is
``kb_service.prompting.refusal_for(question)``. There are ``round(refusal_fraction * #qa)`` of
them, drawn from the same pairs.

The prompt is built by ``kb_service.prompting.build_prompt``, the function the answer service
uses, so the layout, the passage headers, the system prompt and the refusal sentence are the
ones served. Distractors come only from ``passages_by_doc`` (the caller passes one split's
chunks, so a test document never appears in a training context), preferably from other
documents, never the oracle, and never a chunk that also states the answer (overlapping
chunks and repeated facts would otherwise make a "distractor" an oracle and a refusal wrong).
Everything is deterministic given ``rng``.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from answer.sentences import split_sentences
from kb_service.prompting import TokenCounter, build_prompt, refusal_for
from kb_service.types import Passage
from training.pairs import QAPair

Kind = Literal["qa", "refusal"]


@dataclass(frozen=True, slots=True)
class TrainingExample:
    """One line of a dataset file.

    ``source_chunks``: the chunk the question was drawn from (its oracle) first, then the other
    chunks of the context in prompt order; ``document_ids``: their documents, in the same order
    of first appearance. An adapter trained on the example is stale once any of them changes.
    """

    messages: list[dict[str, str]]
    source_chunks: list[str]
    kind: Kind
    document_ids: list[str]
    qtype: str
    generator: str
    oracle_chunk: str
    oracle_position: int | None  # [n] of the oracle in the prompt; None when it is not there
    context_chunks: list[str] = field(default_factory=list)  # prompt order: [n] is context_chunks[n-1]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class RaftStats:
    """What build_examples did, for the dataset card."""

    qa_with_oracle: int = 0
    qa_without_oracle: int = 0  # RAFT's memorisation examples
    refusal: int = 0
    skipped_oracle_did_not_fit: int = 0
    skipped_no_distractors: int = 0


_END = re.compile(r"(?P<punct>[.!?。！？]+[\"'”’)）」』]*)$")


def cite(answer: str, number: int) -> str:
    """The answer with ``[number]`` after each sentence, before its final punctuation:
    "Leave is 25 days." -> "Leave is 25 days [2]."; "锁定30分钟。" -> "锁定30分钟[2]。"."""
    pieces = split_sentences(answer)
    sentences: list[str] = []
    for piece in pieces:  # a clause ending in ';' is cited with the sentence it belongs to
        if sentences and sentences[-1].endswith((";", "；")):
            separator = "" if sentences[-1].endswith("；") else " "
            sentences[-1] = f"{sentences[-1]}{separator}{piece}"
        else:
            sentences.append(piece)
    cited = []
    for sentence in sentences:
        cjk = bool(re.search(r"[\u3400-\u9fff]", sentence[-3:]))
        marker = f"[{number}]" if cjk else f" [{number}]"
        m = _END.search(sentence)
        if m:
            cited.append(f"{sentence[: m.start()].rstrip()}{marker}{m.group('punct')}")
        else:
            cited.append(f"{sentence.rstrip()}{marker}")
    joined = ""
    for sentence in cited:
        chinese_run = re.search(r"[\u3400-\u9fff。！？]$", joined) and re.match(r"[\u3400-\u9fff]", sentence)
        if joined and not chinese_run:
            joined += " "
        joined += sentence
    return joined


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().lower()


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_TERM = re.compile(r"[a-z][a-z'\-]{2,}|[\u3400-\u9fff]{2}")
_MINOR = frozenset(
    "the and for are with that this from not any per its our you your all was were has have".split()
)


def states_answer(text: str, answer: str) -> bool:
    """Does a chunk say what the answer says? The answer copied whole, or every number of the
    answer together with most of its words (the same fact worded again elsewhere)."""
    body, target = _normal(text), _normal(answer).rstrip(".。!！?？")
    if target and target in body:
        return True
    numbers = set(_NUMBER.findall(target))
    if not numbers or not numbers <= set(_NUMBER.findall(body)):
        return False
    terms = {t for t in _TERM.findall(target) if t not in _MINOR}
    if not terms:
        return True
    present = sum(1 for t in terms if t in body)
    return present / len(terms) >= 0.6


class _DistractorPicker:
    """Draws distractors for one split: other documents first, then the oracle's own
    document; never the oracle, never a chunk that states the answer."""

    def __init__(self, passages_by_doc: Mapping[str, Sequence[Passage]], rng: random.Random) -> None:
        self._rng = rng
        self._by_doc = {doc: list(ps) for doc, ps in sorted(passages_by_doc.items())}
        self._all = [p for ps in self._by_doc.values() for p in ps]

    def pick(self, oracle: Passage, answer: str, count: int) -> list[Passage]:
        if count <= 0:
            return []
        chosen: list[Passage] = []
        taken = {oracle.chunk_id}

        def acceptable(p: Passage) -> bool:
            return p.chunk_id not in taken and not states_answer(p.text, answer)

        others = [p for p in self._all if p.document_id != oracle.document_id]
        # Rejection sampling keeps this O(count) per example on a large split.
        for _ in range(count * 20 if others else 0):
            if len(chosen) == count:
                break
            candidate = others[self._rng.randrange(len(others))]
            if acceptable(candidate):
                chosen.append(candidate)
                taken.add(candidate.chunk_id)
        if len(chosen) < count:  # few other documents: a deterministic sweep, then the same document
            own = [p for p in self._by_doc.get(oracle.document_id, []) if p.chunk_id != oracle.chunk_id]
            for pool in (others, own):
                rest = [p for p in pool if acceptable(p)]
                self._rng.shuffle(rest)
                for candidate in rest[: count - len(chosen)]:
                    chosen.append(candidate)
                    taken.add(candidate.chunk_id)
        return chosen


def build_examples(
    pairs: Sequence[QAPair],
    passages_by_doc: Mapping[str, Sequence[Passage]],
    *,
    distractors: int,
    oracle_probability: float,
    refusal_fraction: float,
    rng: random.Random,
    counter: TokenCounter,
    context_tokens: int,
    answer_tokens: int,
    stats: RaftStats | None = None,
) -> list[TrainingExample]:
    """QA examples (one per pair) followed by refusal examples; see the module docstring.

    ``answer_tokens`` is the least room the prompt leaves for the target (more when the
    target itself is longer), so prompt + target always fit ``context_tokens``.
    """
    if distractors < 0 or not 0.0 <= oracle_probability <= 1.0 or refusal_fraction < 0:
        raise ValueError("distractors >= 0, 0 <= oracle_probability <= 1, refusal_fraction >= 0")
    stats = stats if stats is not None else RaftStats()
    by_id = {p.chunk_id: p for ps in passages_by_doc.values() for p in ps}
    picker = _DistractorPicker(passages_by_doc, rng)
    examples: list[TrainingExample] = []

    def assemble(pair: QAPair, context: list[Passage], target: str, kind: Kind, oracle: Passage,
                 with_oracle: bool) -> TrainingExample | None:
        reserve = max(answer_tokens, counter.count(target) + 8)
        prompt = build_prompt(
            pair.question, context, counter=counter, context_tokens=context_tokens, answer_tokens=reserve
        )
        position = None
        if with_oracle:
            ids = [p.chunk_id for p in prompt.passages]
            user = prompt.messages[-1]["content"]
            if oracle.chunk_id not in ids or oracle.text.strip() not in user:
                stats.skipped_oracle_did_not_fit += 1  # left out or cut: the answer may be gone
                return None
            position = ids.index(oracle.chunk_id) + 1
            target = cite(target, position)
        context_ids = [p.chunk_id for p in prompt.passages]
        sources = [oracle.chunk_id, *(cid for cid in context_ids if cid != oracle.chunk_id)]
        documents: list[str] = []
        for cid in sources:
            doc = by_id[cid].document_id
            if doc not in documents:
                documents.append(doc)
        return TrainingExample(
            messages=[*prompt.messages, {"role": "assistant", "content": target}],
            source_chunks=sources,
            kind=kind,
            document_ids=documents,
            qtype=pair.qtype,
            generator=pair.generator,
            oracle_chunk=oracle.chunk_id,
            oracle_position=position,
            context_chunks=context_ids,
        )

    usable: list[tuple[QAPair, Passage]] = []
    for pair in pairs:
        oracle = by_id.get(pair.chunk_id)
        if oracle is None:
            raise ValueError(f"pair from chunk {pair.chunk_id}, which is not among the passages given")
        usable.append((pair, oracle))
        with_oracle = rng.random() < oracle_probability
        picked = picker.pick(oracle, pair.answer, distractors if with_oracle else distractors + 1)
        if not with_oracle and not picked:
            stats.skipped_no_distractors += 1
            continue
        context = [*picked, oracle] if with_oracle else picked
        rng.shuffle(context)
        example = assemble(pair, context, pair.answer.strip(), "qa", oracle, with_oracle)
        if example is not None:
            examples.append(example)
            if with_oracle:
                stats.qa_with_oracle += 1
            else:
                stats.qa_without_oracle += 1

    wanted = min(len(usable), round(refusal_fraction * len(examples)))
    for index in sorted(rng.sample(range(len(usable)), wanted)):
        pair, oracle = usable[index]
        picked = picker.pick(oracle, pair.answer, distractors + 1)
        if not picked:
            stats.skipped_no_distractors += 1
            continue
        rng.shuffle(picked)
        example = assemble(pair, picked, refusal_for(pair.question), "refusal", oracle, False)
        if example is not None:
            examples.append(example)
            stats.refusal += 1
    return examples
