"""The HTTP API: binding, keys, limits, queues, the audit log; and logging.

One group of `kb_service.settings.Settings`; each field is the variable ``KB_<NAME>``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from kb_service.settings.lists import EnvList


class APISettings(BaseModel):
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
    example_check: bool = Field(
        True,
        description="Ask the chat's example questions in the background (from start-up, and again when the "
        "documents change) and offer those answered grounded first, so a first click gets a cited answer.",
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
