"""Vector stores: the protocol, the filter tree and the factory that picks a backend."""

from __future__ import annotations

from kb_service.errors import ConfigurationError
from kb_service.settings import Settings
from kb_service.store.base import VectorStore, reciprocal_rank_fusion
from kb_service.store.filters import And, Eq, Filter, In

__all__ = ["And", "Eq", "Filter", "In", "VectorStore", "make_store", "reciprocal_rank_fusion"]


def make_store(settings: Settings, dim: int) -> VectorStore:
    """The one place a backend is chosen."""
    match settings.store_backend:
        case "lancedb":
            from kb_service.store.lancedb_store import LanceDBStore

            return LanceDBStore(
                settings.store_dir, settings.store_table, dim, settings.ann_index_min_rows
            )
        case "weaviate":
            if not settings.weaviate_url:
                raise ConfigurationError(
                    "KB_STORE_BACKEND=weaviate needs KB_WEAVIATE_URL (e.g. http://localhost:8080)"
                )
            from kb_service.store.weaviate_store import WeaviateStore

            api_key = settings.weaviate_api_key
            return WeaviateStore(
                settings.weaviate_url,
                dim,
                table=settings.store_table,
                api_key=api_key.get_secret_value() if api_key is not None else None,
                grpc_port=settings.weaviate_grpc_port,
                tenant=settings.weaviate_tenant,
                replication_factor=settings.weaviate_replication_factor,
                timeout_s=settings.weaviate_timeout_s,
            )
    raise ConfigurationError(f"unknown store backend {settings.store_backend!r}")
