"""The answer service: retrieve → prompt → generate → verify → decide → scan.

No HTTP here: the routers, `kb ask` and `kb eval` all call `AnswerService.ask`. An answer is
either supported claim by claim by the retrieved passages (with verified citations) or
suppressed: then it contains no claim of the model, only the statement that the knowledge
base does not support an answer and the closest passages. Supported claims must also answer
the question asked: its period, entity, measure and answer type (`answer.constraint_gate`).
Claims of the wrong kind (a length where "how often" was asked) get one more generation from
the one passage whose sentence is of the kind asked, verified and gated as the first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from answer.answer_parts import (
    Clock, answer_sentences, citation, join, lang, passage_for_verification, relevant, shielded,
    short_quote, unique,
)
from answer.constraint_gate import WRONG_ANSWER_TYPE, gate_claims, gives_answer_type
from answer.constraints import QuestionConstraints, question_constraints
from answer.extractive import extractive_answer, find_quote
from answer.named_terms import cited_text, missing_terms
from answer.prepared import AnswerConfig, AnswerError, Prepared
from answer.rerank import rerank
from answer.thinking import ThinkingBudget, looks_like_reasoning_model
from answer.verify import ClaimCheck, ClaimVerifier, Verification, best_answer_sentence
from kb_service.embedder import Embedder
from kb_service.llm.generator import Generation, Generator
from kb_service.injection import echoes_system_prompt
from kb_service.prompting import Prompt, TokenCounter, build_prompt, is_refusal
from kb_service.search import Searcher
from kb_service.text import has_cjk
from kb_service.types import Answer, Passage

log = logging.getLogger(__name__)

NOT_IN_KB_EN = "This is not in the knowledge base: no document matches the question."
NOT_IN_KB_ZH = "知识库中没有与该问题相关的内容。"
UNSUPPORTED_EN = "The knowledge base does not support an answer to this question."
UNSUPPORTED_ZH = "知识库中的内容不足以支持对该问题的回答。"
CLOSEST_EN = "The closest passage says:"
CLOSEST_ZH = "最相关的段落写道："
TRIMMED_EN = "(Parts of the generated answer that the documents do not support were removed.)"
TRIMMED_ZH = "（生成的回答中没有文档依据的部分已被删除。）"


class AnswerService:
    def __init__(
        self,
        config: AnswerConfig,
        *,
        searcher: Searcher,
        generator: Generator,
        verifier: ClaimVerifier,
        embedder: Embedder,
        counter: TokenCounter,
        scrub: Callable[[str], str],
        default_model: Callable[[], str] | None = None,
    ) -> None:
        self.config = config
        self._default_model = default_model  # resolved per request: a promotion needs no restart
        self._searcher = searcher
        self._generator = generator
        self._verifier = verifier
        self._embedder = embedder
        self._counter = counter
        self._scrub = scrub  # the ingestion de-identifier, applied to everything returned
        self._thinking = ThinkingBudget(config.reasoning, config.thinking_budget)

    def default_model(self) -> str:
        """The model a request that names none gets."""
        return self._default_model() if self._default_model is not None else self.config.default_model

    def warm_up(self) -> None:
        """One verification and one relevance check, to load what they load lazily."""
        verification = self._verifier.verify("Employees get 25 days of leave.", ["Employees get 25 days of leave."])
        self._on_topic("How many days of leave?", verification.claims)

    def ask(
        self, question: str, *, k: int | None = None, model: str | None = None, threshold: float | None = None,
        must_state: Sequence[str] = (),
    ) -> Answer:
        prepared = self.prepare(question, k=k, model=model, threshold=threshold, must_state=must_state)
        if prepared.answer is not None:
            return prepared.answer
        with prepared.clock("generate"):
            generation = self._thinking.generate(
                self._generator, prepared.messages, model=prepared.model, answer_tokens=self.config.max_tokens,
                temperature=self.config.temperature,
            )
        return self.conclude(prepared, generation)

    def prepare(
        self, question: str, *, k: int | None = None, model: str | None = None, threshold: float | None = None,
        must_state: Sequence[str] = (),
    ) -> Prepared:
        """Retrieve and build the prompt; `answer` is set when no passage is relevant.
        `must_state`: terms a grounded answer's cited passages must state (what a follow-up
        names, "Tokyo" of "And in Tokyo?"), else it is suppressed as constraint_not_stated."""
        question = question.strip()
        if not question:
            raise AnswerError("the question is empty")
        if len(question) > self.config.max_question_chars:
            raise AnswerError(f"the question is longer than {self.config.max_question_chars} characters")
        threshold = self.config.threshold if threshold is None else threshold
        model = model or self.default_model()
        timings: dict[str, float] = {}
        clock = Clock(timings)
        asked = question_constraints(question) if self.config.constraint_gate else None

        with clock("retrieve"):
            k = k or self.config.k
            hits = self._searcher.search(question, k=max(k, self.config.rerank_pool), mode="hybrid")
            passages = shielded(relevant(hits, question, self.config.min_score))
            if self.config.rerank_pool:
                passages = rerank(question, passages)[:k]
        prepared = Prepared(question, model, threshold, timings, clock, asked, must_state=tuple(must_state))
        if not passages:
            answer = Answer(
                answer=lang(question, NOT_IN_KB_EN, NOT_IN_KB_ZH),
                grounded=False,
                confidence=0.0,
                suppressed_reason="no_relevant_passages",
                model=None,
                adapter=None,
            )
            prepared.answer = self._finish(answer, timings, clock, asked)
            return prepared

        with clock("prompt"):
            prompt = self._prompt(question, passages)
        if not prompt.passages:
            raise AnswerError("the question leaves no room for passages in the model's context window")
        prepared.passages, prepared.messages = list(prompt.passages), list(prompt.messages)
        prepared.texts = [passage_for_verification(p) for p in prompt.passages]
        return prepared

    def _prompt(self, question: str, passages: Sequence[Passage]) -> Prompt:
        """The model's messages for the question and as many of the passages as fit."""
        return build_prompt(
            question, passages, counter=self._counter, context_tokens=self.config.context_tokens,
            answer_tokens=self._thinking.max_tokens(self.config.max_tokens), markdown_tables=self.config.markdown_tables,
        )

    def conclude(self, prepared: Prepared, generation: Generation, *, refocus: bool = True) -> Answer:
        """Verify the generation against the prompt's passages and decide (ask's last steps).
        Supported claims that do not give the kind of answer asked (the password's length for
        "How often must a password be changed?") get one more try: `_refocused`."""
        with prepared.clock("verify"):
            answer = self._judged(prepared, generation)
        reasoning_tokens = generation.reasoning_tokens
        if refocus and self.config.refocus and answer.suppressed_reason == WRONG_ANSWER_TYPE:
            with prepared.clock("refocus"):
                second = self._refocused(prepared)
            if second is not None:
                reasoning_tokens += second[1]
                if second[0].grounded:
                    answer = second[0]
        return self._finish(answer, prepared.timings, prepared.clock, prepared.asked, reasoning_tokens=reasoning_tokens)

    def _judged(self, prepared: Prepared, generation: Generation) -> Answer:
        """The generation verified claim by claim and decided: grounded, trimmed or suppressed."""
        question, passages, asked = prepared.question, prepared.passages, prepared.asked
        adapter = None if prepared.model == self.config.base_model_name else prepared.model
        meta = {"model": generation.model, "adapter": adapter}
        if not generation.text or is_refusal(generation.text):
            return self._suppressed(question, passages, "model_found_no_answer", 0.0, meta)
        verification = self._verifier.verify(generation.text, prepared.texts)
        answer = self._decide(question, passages, verification, prepared.threshold, meta, asked)
        if answer.grounded and (missing := missing_terms(prepared.must_state, cited_text(answer))):
            answer = self._unnamed(question, passages, answer, missing, meta)
        return answer

    def _refocused(self, prepared: Prepared) -> tuple[Answer, int] | None:
        """The second try when the claims were supported but of the wrong kind: a small model
        given several passages often copies the wrong one. When a passage sentence gives the
        kind of answer asked, the model is asked again with that passage alone, and its answer
        is verified, gated and checked as the first was. (answer, reasoning tokens), or None
        when no passage sentence is of the kind asked."""
        asked = prepared.asked
        if asked is None or len(prepared.passages) < 2:
            return None
        found = best_answer_sentence(
            prepared.question, prepared.texts, self._embedder,
            accept=lambda _, sentence: gives_answer_type(asked, sentence),
        )
        if found is None:
            return None
        passage = prepared.passages[found[0] - 1]
        prompt = self._prompt(prepared.question, [passage])
        if not prompt.passages:
            return None
        timings: dict[str, float] = {}
        focused = replace(
            prepared, timings=timings, clock=Clock(timings), passages=list(prompt.passages),
            messages=list(prompt.messages), texts=[passage_for_verification(p) for p in prompt.passages],
        )
        generation = self._thinking.generate(
            self._generator, focused.messages, model=focused.model, answer_tokens=self.config.max_tokens,
            temperature=self.config.temperature,
        )
        log.info("refocused on passage %d: the first answer gave no %s", found[0], "/".join(asked.kinds))
        return self._judged(focused, generation), generation.reasoning_tokens

    # --- streaming (answer.streaming) ---------------------------------------------------
    def streams_early(self, model: str) -> bool:
        """Whether sentences may be sent before the generation ends: not for a reasoning model,
        whose trace is no answer and may not be marked as one."""
        return not self._thinking.active and self.config.reasoning != "on" and not looks_like_reasoning_model(model)

    def stream_generation(self, prepared: Prepared) -> Iterator[str]:
        return self._generator.stream(
            prepared.messages, model=prepared.model, max_tokens=self._thinking.max_tokens(self.config.max_tokens),
            temperature=self.config.temperature,
        )

    def settled_prefix(self, prepared: Prepared, text: str) -> tuple[str, bool]:
        """What the answer will start with, however the generation goes on after `text` (its
        last claim, still being written, is left out), and whether more may be settled later.
        A leading run of claims each supported at the threshold stays in every grounded or
        trimmed outcome of `_decide` (see `_confident`), once it is on topic and holds the
        question's constraints by itself; the run ends at the first weaker claim."""
        lead: list[ClaimCheck] = []
        claims = unique(self._verifier.verify(text, prepared.texts).claims[:-1])
        for claim in claims:
            if not claim.supported or claim.support < prepared.threshold or echoes_system_prompt(claim.text):
                break
            lead.append(claim)
        more = len(lead) == len(claims)
        if not lead or not self._on_topic(prepared.question, lead):
            return "", more
        if prepared.asked is not None and not prepared.asked.empty:
            verdict = gate_claims(prepared.asked, lead, prepared.passages)
            if verdict.reason is not None or len(verdict.kept) < len(lead):
                return "", more
        settled = join(answer_sentences(lead)[0], prepared.question)
        return (settled, more) if self._scrub(settled) == settled else ("", False)

    # --- decisions ----------------------------------------------------------------------
    def _decide(
        self,
        question: str,
        passages: Sequence[Passage],
        verification: Verification,
        threshold: float,
        meta: dict[str, str | None],
        asked: QuestionConstraints | None = None,
    ) -> Answer:
        claims = [  # the system prompt is never returned, whatever passage seems to hold it
            replace(claim, supported=False, support=0.0, passage=None, citations=())
            if echoes_system_prompt(claim.text) else claim
            for claim in unique(verification.claims)
        ]
        if not claims:
            return self._suppressed(question, passages, "no_claims", 0.0, meta)
        kept = [claim for claim in claims if claim.supported]
        if len(kept) == len(claims) and verification.confidence >= threshold:
            confidence = verification.confidence
        elif (chosen := self._confident(kept, threshold)) is not None:
            kept, confidence = chosen
        else:
            return self._suppressed(question, passages, "low_confidence", verification.confidence, meta)
        if not self._on_topic(question, kept):
            return self._suppressed(question, passages, "off_topic", confidence, meta)
        issues: list[str] = []
        if asked is not None and not asked.empty:  # supported is not enough: the question asked
            verdict = gate_claims(asked, kept, passages)
            issues = list(verdict.issues)
            if verdict.reason is None and len(verdict.kept) < len(kept):
                gated = [kept[i] for i in verdict.kept]
                if (chosen := self._confident(gated, threshold)) is None:
                    answer = self._suppressed(question, passages, "low_confidence", self._verifier.aggregate(gated), meta)
                    return answer.model_copy(update={"constraint_issues": issues})
                kept, confidence = chosen
                if len(kept) < len(gated):  # a weak claim left: the rest must still hold the question
                    verdict = gate_claims(asked, kept, passages)
            if verdict.reason is not None:
                answer = self._suppressed(question, passages, verdict.reason, confidence, meta)
                return answer.model_copy(update={"constraint_issues": issues})
        dropped = len(claims) - len(kept)
        answer = self._grounded(question, passages, kept, confidence, meta, dropped=dropped)
        return answer.model_copy(update={"constraint_issues": issues})

    def _unnamed(
        self, question: str, passages: Sequence[Passage], answer: Answer, missing: Sequence[str],
        meta: dict[str, str | None],
    ) -> Answer:
        """A grounded answer whose cited passages never state what the follow-up names: it
        is about the previous question's subject ("And in Tokyo?" answered from Paris's
        passage), so it is suppressed, with the closest passages and their answering sentence."""
        issue = f"the follow-up names {', '.join(repr(self._scrub(t)) for t in missing)}, which no cited passage states"
        held = self._suppressed(question, passages, "constraint_not_stated", answer.confidence, meta)
        return held.model_copy(update={"constraint_issues": [*answer.constraint_issues, issue]})

    def _confident(self, kept: list[ClaimCheck], threshold: float) -> tuple[list[ClaimCheck], float] | None:
        """The supported claims and their confidence when it reaches the threshold; else only
        the claims each supported at the threshold or above (a weaker claim leaves the answer
        as an unsupported one does), so that claims which pass can never be taken back by a
        later weak one (streaming relies on it); None when no claim is that strong."""
        if kept and (confidence := self._verifier.aggregate(kept)) >= threshold:
            return kept, confidence
        strong = [claim for claim in kept if claim.support >= threshold]
        if strong and (confidence := self._verifier.aggregate(strong)) >= threshold:
            return strong, confidence
        return None

    def _on_topic(self, question: str, claims: Sequence[ClaimCheck]) -> bool:
        """Supported is not enough: the answer must be about the question. A small model
        sometimes copies a true but unrelated sentence from a passage. Judged with the
        (English) embedder; CJK questions are not judged."""
        if has_cjk(question) or self.config.min_relevance <= 0:
            return True
        vectors = self._embedder.embed([question, *(c.text for c in claims)])
        best = max(sum(a * b for a, b in zip(vectors[0], v, strict=True)) for v in vectors[1:])
        return best >= self.config.min_relevance

    def _grounded(
        self,
        question: str,
        passages: Sequence[Passage],
        claims: Sequence[ClaimCheck],
        confidence: float,
        meta: dict[str, str | None],
        *,
        dropped: int,
    ) -> Answer:
        sentences, order, best = answer_sentences(claims)
        citations = []
        for n in order:
            passage = passages[n - 1]
            claims_here = " ".join(c.text for c in claims if n in (c.citations or (c.passage,)))
            quote = best_answer_sentence(claims_here, [passage.text], self._embedder, min_similarity=0.0)
            citations.append(citation(passage, quote[1] if quote else passage.text, best[n]))
        text = join(sentences, question)
        if dropped:
            text = text + TRIMMED_ZH if has_cjk(question) else f"{text} {TRIMMED_EN}"
        return Answer(
            answer=text,
            grounded=True,
            confidence=round(confidence, 4),
            citations=citations,
            trimmed=dropped > 0,
            claims_dropped=dropped,
            **meta,
        )

    def _suppressed(
        self,
        question: str,
        passages: Sequence[Passage],
        reason: str,
        confidence: float,
        meta: dict[str, str | None],
    ) -> Answer:
        """No claim of the model survives: a marked quote of the row or sentence that matches
        the question's period and line item (answer.extractive), else the statement, a
        directly answering passage sentence when there is one, and the closest passages."""
        if self.config.extractive and (quote := find_quote(question, passages, self._embedder)):
            return extractive_answer(quote, passages, cite=citation, reason=reason, confidence=confidence, meta=meta)
        lead = lang(question, UNSUPPORTED_EN, UNSUPPORTED_ZH)
        closest = list(passages[:3])
        citations = [citation(p, p.text, p.vector_score if p.vector_score is not None else p.score) for p in closest]
        direct = best_answer_sentence(question, [p.text for p in closest], self._embedder)
        if direct is not None:
            number, sentence, _ = direct
            quoted = " ".join(sentence.split())
            if has_cjk(question):
                lead = f"{lead}{CLOSEST_ZH}“{quoted}”[{number}]"
            else:
                lead = f"{lead} {CLOSEST_EN} “{quoted}” [{number}]"
            citations[number - 1] = citations[number - 1].model_copy(update={"quote": short_quote(sentence)})
        return Answer(
            answer=lead,
            grounded=False,
            confidence=round(confidence, 4),
            citations=citations,
            suppressed_reason=reason,
            **meta,
        )

    def _finish(
        self, answer: Answer, timings: dict[str, float], clock: Clock,
        asked: QuestionConstraints | None = None, *, reasoning_tokens: int = 0,
    ) -> Answer:
        """Scan everything returned for personal data, with the ingestion de-identifier."""
        with clock("scan"):
            update: dict[str, object] = {"answer": self._scrub(answer.answer), "reasoning_tokens": reasoning_tokens}
            update["citations"] = [c.model_copy(update={"quote": self._scrub(c.quote)}) for c in answer.citations]
        timings["total"] = round(sum(v for k, v in timings.items() if k != "total"), 2)
        update["timings"] = dict(timings)
        if asked is not None:  # from the question and the (de-identified) passages, never the model
            update["constraints"] = asked.as_dict()
        return answer.model_copy(update=update)
