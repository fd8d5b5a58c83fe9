"""Everything the API, `kb ask` and `kb eval` need, built once from the settings.

Models load here (in a FastAPI lifespan or a CLI command), never at import.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from answer.conversation import FollowUps
from answer.followup_rules import load_nlp
from answer.service import AnswerConfig, AnswerService
from answer.thinking import looks_like_reasoning_model
from answer.verify import ClaimVerifier, make_scorer
from ingest.deidentify import DeidentifyConfig, Deidentifier
from ingest.pipeline import Pipeline
from kb_service.adapters import AdapterIndex
from kb_service.embedder import Embedder, make_embedder
from kb_service.errors import ConfigurationError, KBError
from kb_service.models import spacy_model_path
from kb_service.llm.generator import Generator, OpenAICompatibleGenerator
from kb_service.prompting import ApproximateTokenCounter, TokenCounter, TokenizerCounter
from kb_service.search import Searcher
from kb_service.settings import Settings

log = logging.getLogger(__name__)


def make_token_counter(settings: Settings) -> TokenCounter:
    """The served model's tokenizer when its folder is local (the managed default),
    otherwise a conservative estimate."""
    folder: Path | None = None
    if settings.llm_url is None or settings.llm_model != "auto":
        from kb_service.llm.server import resolve_base_model, resolve_device

        try:
            candidate = Path(resolve_base_model(settings, resolve_device(settings)))
        except ConfigurationError:
            candidate = None
        if candidate is not None and (candidate / "tokenizer_config.json").exists():
            folder = candidate
    if folder is None:
        log.info("no local tokenizer for the model; prompt sizes are estimated")
        return ApproximateTokenCounter()
    return TokenizerCounter(folder)


def answer_config(settings: Settings) -> AnswerConfig:
    return AnswerConfig(
        k=settings.retrieval_k,
        min_score=settings.retrieval_min_score,
        threshold=settings.confidence_threshold,
        context_tokens=settings.llm_context_tokens,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
        default_model=settings.llm_adapter or settings.llm_served_name,
        base_model_name=settings.llm_served_name,
        min_relevance=settings.answer_min_relevance,
        constraint_gate=settings.answer_constraint_gate,
        refocus=settings.answer_refocus,
        rerank_pool=settings.retrieval_rerank_pool,
        extractive=settings.answer_extractive_fallback,
        markdown_tables=settings.prompt_markdown_tables,
        reasoning="on" if settings.llm_reasoning == "auto" and looks_like_reasoning_model(settings.llm_model)
        else settings.llm_reasoning,
        thinking_budget=settings.llm_thinking_budget,
    )


@dataclass
class Services:
    settings: Settings
    embedder: Embedder
    deidentifier: Deidentifier
    pipeline: Pipeline
    searcher: Searcher
    generator: Generator
    answers: AnswerService
    followups: FollowUps

    def scrub(self, text: str) -> str:
        return self.deidentifier.session().redact(text).text

    def close(self) -> None:
        self.generator.close()
        self.pipeline.close()


def build_services(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    deidentifier: Deidentifier | None = None,
    generator: Generator | None = None,
) -> Services:
    """Load models and open the store. Pass already loaded parts to share them (tests)."""
    if settings.llm_url is None and generator is None:
        raise ConfigurationError(
            "no model server: set KB_LLM_URL, or start the service with `kb serve`, which runs one"
        )
    embedder = embedder or make_embedder(settings)
    embedder.warm_up()
    deidentifier = deidentifier or Deidentifier(DeidentifyConfig.from_settings(settings))
    pipeline = Pipeline(settings, embedder=embedder, deidentifier=deidentifier)
    pipeline.warm_up()
    searcher = Searcher(embedder, pipeline.store)
    generator = generator or OpenAICompatibleGenerator(
        settings.llm_url or "",
        api_key=settings.llm_api_key,
        timeout=settings.llm_timeout,
        extra_body={"repetition_penalty": settings.llm_repetition_penalty} if settings.llm_repetition_penalty else None,
    )
    scorer = make_scorer(embedder, settings.nli_model, settings.embedding_device)
    scorer.warm_up()
    verifier = ClaimVerifier(scorer, claim_threshold=settings.claim_threshold)
    services = Services(
        settings=settings,
        embedder=embedder,
        deidentifier=deidentifier,
        pipeline=pipeline,
        searcher=searcher,
        generator=generator,
        answers=None,  # type: ignore[arg-type]  # set below: it needs services.scrub
        followups=None,  # type: ignore[arg-type]  # likewise
    )
    services.answers = AnswerService(
        answer_config(settings),
        searcher=searcher,
        generator=generator,
        verifier=verifier,
        embedder=embedder,
        counter=make_token_counter(settings),
        scrub=services.scrub,
        default_model=AdapterIndex(settings).default_model,  # KB_LLM_ADAPTER, else the promoted adapter
    )
    services.followups = FollowUps(
        generator,
        scrub=services.scrub,
        mode=settings.followup_rewrite,
        turns=settings.followup_turns,
        model=settings.llm_served_name,  # the base model rewrites; adapters are for answers
        nlp=lambda: load_nlp(spacy_model_path(settings.spacy_model)),
        max_chars=services.answers.config.max_question_chars,
    )
    _first_request_warm_up(services)
    return services


def _first_request_warm_up(services: Services) -> None:
    """Run retrieval, verification and the scan once, so the first user does not pay for
    lazy initialisation (index files, tokenizer caches, the de-identifier's pipelines)."""
    try:
        services.searcher.search("warm up", k=1)
    except KBError as exc:
        log.debug("warm-up search skipped: %s", exc)
    services.answers.warm_up()
    services.scrub("warm up")
