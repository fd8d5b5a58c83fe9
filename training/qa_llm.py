"""Question/answer pairs written by the configured model, kept only when the claim verifier
finds every claim of the answer in the chunk.

The model (through the model server, any `Generator`) is asked once per chunk and question
type (fact, definition, procedure, number/date, yes/no) for one question the chunk answers and
an answer copied from it, in a fixed "Q: ... A: ..." form. The reply is parsed leniently
(markdown, numbering, "Question:"/"Answer:", Chinese labels, several pairs, a missing
question mark), then each answer goes through `answer.verify.ClaimVerifier` against the chunk
text, the single implementation the answer service also uses: a pair survives only when the
answer has claims and all of them are supported. A small model writes few pairs that pass;
that is the point of the check, not a fault.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from answer.verify import ClaimVerifier, make_scorer
from kb_service.llm.generator import Generator
from kb_service.prompting import is_refusal
from kb_service.text import has_cjk
from kb_service.types import Passage
from training.pairs import PLACEHOLDER, QAPair

if TYPE_CHECKING:
    from kb_service.embedder import Embedder
    from kb_service.settings import Settings

log = logging.getLogger(__name__)

LLM_QTYPES: dict[str, str] = {
    "fact": "a factual question (who, what, where or which)",
    "definition": "a question asking what a term or name used in the passage means",
    "procedure": "a question about a rule, a requirement or the steps of a procedure",
    "number": "a question whose answer is a number, an amount, a duration or a date",
    "yesno": "a yes/no question",
}

SYSTEM = (
    "You write exam questions about company documents. Every question must be answerable from "
    "the passage alone, and every answer must be copied from the passage word for word."
)
_USER = (
    "Passage:\n{text}\n\n"
    "Write {description} that this passage answers, and its answer copied from the passage "
    "in one or two sentences.{language}\n"
    "Reply in exactly this form and nothing else:\n"
    "Q: <question>\n"
    "A: <answer>"
)
_ZH_NOTE = " Write the question and the answer in Chinese."

_LABEL_Q = r"(?:Q|Question|问题|问)"
_LABEL_A = r"(?:A|Answer|答案|答)"
_PAIR = re.compile(
    rf"(?:^|\n)[\s>*_#\-\d.)]*{_LABEL_Q}\s*\d*\s*[:：][\s*_]*(?P<q>.+?)"
    rf"\s*\n[\s>*_#\-\d.)]*{_LABEL_A}\s*\d*\s*[:：][\s*_]*(?P<a>.+?)"
    rf"(?=\n[\s>*_#\-\d.)]*{_LABEL_Q}\s*\d*\s*[:：]|\n\s*\n|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_INLINE = re.compile(
    rf"{_LABEL_Q}\s*[:：]\s*(?P<q>[^\n]+?[?？])\s*{_LABEL_A}\s*[:：]\s*(?P<a>[^\n]+)", re.IGNORECASE
)


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """Every (question, answer) in a reply; [] when none can be read."""
    found = [(m.group("q"), m.group("a")) for m in _PAIR.finditer(text)]
    if not found:
        found = [(m.group("q"), m.group("a")) for m in _INLINE.finditer(text)]
    pairs = []
    for question, answer in found:
        question = _tidy(question)
        answer = _tidy(answer)
        if not question or not answer:
            continue
        if not question.endswith(("?", "？")):
            question += "？" if has_cjk(question) else "?"
        pairs.append((question, answer))
    return pairs


_ANSWER_PREFIX = re.compile(r"^(?:the answer is|answer|答案是?|回答)\s*[:：]?\s*", re.IGNORECASE)
_EN_QUESTION = re.compile(
    r"^(?:what|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did|can|could|may|"
    r"must|should|will|would|has|have|had|shall|in|on|at|for|from|to|by|under|within|according)\b",
    re.IGNORECASE,
)
_ZH_QUESTION = re.compile(r"什么|多少|几|哪|谁|如何|怎么|怎样|是否|吗|呢|为何|为什么|多久|多长")


def well_formed(question: str, answer: str) -> bool:
    """What the verifier cannot judge: a real question, and an answer that is a sentence of
    its own rather than a bare name, an echo of the question or a piece of the prompt. (A
    small model answers "Northwind Analytics" to anything, and the passage does contain it.)"""
    if is_refusal(answer) or PLACEHOLDER.search(question):
        return False
    if re.search(r"\b(?:Q|A|Question|Answer)\s*:|问题[:：]|passage", answer, re.IGNORECASE):
        return False
    cjk = has_cjk(question)
    if not (_ZH_QUESTION.search(question) if cjk else _EN_QUESTION.match(question)):
        return False
    q, a = (re.sub(r"[\W_]+", " ", t).strip().lower() for t in (question, answer))
    if not a or a in q or q in a:
        return False
    if has_cjk(answer):
        return len(re.findall(r"[\u3400-\u9fff]", answer)) >= 6
    return len(re.findall(r"[A-Za-z0-9]+", answer)) >= 4


def _tidy(text: str) -> str:
    text = re.sub(r"[*_`]+", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip("\"'“”‘’ ")


@dataclass(slots=True)
class LLMStats:
    requests: int = 0
    failed_requests: int = 0
    parsed: int = 0
    unsupported: int = 0
    rejected: int = 0  # empty, refusal, placeholder in the question, answer = question
    kept: int = 0
    by_qtype: dict[str, int] = field(default_factory=dict)


class LLMGenerator:
    """Per chunk and question type: prompt, parse, verify. Requests run concurrently (vLLM
    batches them); pairs come back in chunk order, then question-type order."""

    def __init__(
        self,
        generator: Generator,
        model: str,
        verifier: ClaimVerifier,
        *,
        qtypes: Sequence[str] = tuple(LLM_QTYPES),
        max_tokens: int = 160,
        temperature: float = 0.0,
        concurrency: int = 8,
    ) -> None:
        unknown = set(qtypes) - set(LLM_QTYPES)
        if unknown:
            raise ValueError(f"unknown question types {sorted(unknown)}; known: {sorted(LLM_QTYPES)}")
        self.generator = generator
        self.model = model
        self.verifier = verifier
        self.qtypes = tuple(qtypes)
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.concurrency = max(1, concurrency)
        self.stats = LLMStats()

    def messages(self, passage: Passage, qtype: str) -> list[dict[str, str]]:
        language = _ZH_NOTE if has_cjk(passage.text) else ""
        user = _USER.format(text=passage.text.strip(), description=LLM_QTYPES[qtype], language=language)
        return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]

    def generate(self, passage: Passage) -> list[QAPair]:
        return self.generate_many([passage])

    def generate_many(
        self, passages: Sequence[Passage], progress: Callable[[int, int], None] | None = None
    ) -> list[QAPair]:
        """Requests run in threads; parsing and verification (which uses the embedder) run
        here, in order, as the replies arrive."""
        jobs = [(p, qtype) for p in passages for qtype in self.qtypes]
        kept: list[QAPair] = []
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            futures = [pool.submit(self._request, p, qtype) for p, qtype in jobs]
            for done, ((passage, qtype), future) in enumerate(zip(jobs, futures, strict=True), start=1):
                reply = future.result()
                self.stats.requests += 1
                if reply is None:
                    self.stats.failed_requests += 1
                else:
                    kept.extend(self._keep(passage, qtype, reply))
                if progress is not None:
                    progress(done, len(jobs))
        return kept

    def _request(self, passage: Passage, qtype: str) -> str | None:
        try:
            return self.generator.generate(
                self.messages(passage, qtype),
                model=self.model,
                max_tokens=self.max_tokens,
                temperature=self.temperature,
            ).text
        except Exception as exc:  # noqa: BLE001 - one failed request must not end the build
            log.warning(
                "question generation failed for chunk %s (%s): %s", passage.chunk_id, qtype, type(exc).__name__
            )
            return None

    def _keep(self, passage: Passage, qtype: str, reply: str) -> list[QAPair]:
        kept = []
        for question, answer in parse_pairs(reply):
            self.stats.parsed += 1
            answer = _ANSWER_PREFIX.sub("", answer).strip()
            if not well_formed(question, answer):
                self.stats.rejected += 1
                continue
            if not self.supported(answer, passage.text):
                self.stats.unsupported += 1
                continue
            self.stats.kept += 1
            self.stats.by_qtype[qtype] = self.stats.by_qtype.get(qtype, 0) + 1
            kept.append(QAPair(question, answer, passage.chunk_id, passage.document_id, qtype, "llm"))
        return kept

    def supported(self, answer: str, chunk_text: str) -> bool:
        verification = self.verifier.verify(answer, [chunk_text])
        return bool(verification.claims) and all(claim.supported for claim in verification.claims)


@contextmanager
def llm_pair_generator(settings: Settings, embedder: Embedder) -> Iterator[LLMGenerator]:
    """An LLMGenerator on the model server at KB_LLM_URL, or on a managed vLLM server
    started for the build and stopped after it."""
    from kb_service.llm.generator import OpenAICompatibleGenerator
    from kb_service.llm.server import ManagedModelServer

    server = ManagedModelServer(settings) if settings.llm_url is None else None
    url = server.start() if server is not None else settings.llm_url
    client = OpenAICompatibleGenerator(url or "", api_key=settings.llm_api_key, timeout=settings.llm_timeout)
    try:
        scorer = make_scorer(embedder, settings.nli_model, settings.embedding_device)
        scorer.warm_up()
        verifier = ClaimVerifier(scorer, claim_threshold=settings.claim_threshold)
        yield LLMGenerator(client, settings.llm_served_name, verifier)
    finally:
        client.close()
        if server is not None:
            server.stop()
