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
    raise ConfigurationError(f"unknown store backend {settings.store_backend!r}")
