"""The one settings object of kb-service.

Built once at an entry point (the CLI, ``create_app``) and passed down; nothing reads the
environment deep inside the code. Sources, strongest first: constructor arguments, ``KB_*``
environment variables, a ``.env`` file, then ``kb.toml`` (path in ``KB_CONFIG``, default
``./kb.toml``).

The fields are declared in groups, one module each, the way a user reads them: store, ingest,
pii, llm, answer, training, api. `Settings` is still one flat class: every field is
``settings.<name>`` and the variable ``KB_<NAME>``, whatever group declares it.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from kb_service.settings.answer import AnswerSettings
from kb_service.settings.api import APISettings
from kb_service.settings.ingest import IngestSettings
from kb_service.settings.lists import EnvList, split_list
from kb_service.settings.llm import DEFAULT_GPU_MODEL, LLMSettings
from kb_service.settings.pii import DEFAULT_PII_ENTITIES, PiiSettings
from kb_service.settings.store import StoreSettings
from kb_service.settings.training import TrainingSettings

__all__ = ["DEFAULT_GPU_MODEL", "DEFAULT_PII_ENTITIES", "EnvList", "Settings", "describe_invalid_settings"]


# Pydantic orders the fields from the last base to the first: listed in reverse, they keep the
# order a user reads them in (store first), as in `kb --help`-style listings and the docs.
class Settings(
    APISettings,
    TrainingSettings,
    AnswerSettings,
    LLMSettings,
    PiiSettings,
    IngestSettings,
    StoreSettings,
    BaseSettings,
):
    """Every knob of the service. Each field is also an environment variable ``KB_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="KB_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

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
        return split_list(value)

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
        shown = "" if str((error.get("loc") or ("",))[0]) in secret else f" (given: {error.get('input')!r:.200})"
        lines.append(f"  {field}: {error.get('msg')}{shown}")
    return "\n".join(lines)
