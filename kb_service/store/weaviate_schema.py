"""The pure half of the Weaviate backend: schema, object mapping, filter translation and
batch-error reporting. Nothing here talks to a server, so all of it is tested without one.

weaviate-client is imported inside the functions: the package is needed only when the
Weaviate backend is used.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from kb_service.errors import StoreError
from kb_service.store.base import chunk_fields
from kb_service.store.filters import And, Eq, Filter, In
from kb_service.types import Chunk, Passage, StoredChunk

if TYPE_CHECKING:
    from weaviate.collections.classes.batch import BatchObjectReturn
    from weaviate.collections.classes.filters import _Filters as WeaviateFilter

VECTOR_NAME = "default"
EPOCH_KEY = "__epoch__"

# Properties of a chunk object, mirroring LanceDB's columns: (name, kind). kind: "id" =
# exact-match filterable text (field tokenization), "int" = filterable integer, "bm25" = the
# keyword index (word tokenization), "stored*" = kept but not indexed.
CHUNK_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("chunk_id", "id"),
    ("document_id", "id"),
    ("source", "id"),
    ("title", "stored"),
    ("version", "id"),
    ("ordinal", "int"),
    ("text", "stored"),
    ("keyword_text", "bm25"),
    ("text_hash", "id"),
    ("section", "id"),
    ("section_path", "stored_list"),
    ("page_start", "int"),
    ("page_end", "int"),
    ("token_count", "stored_int"),
    ("redactions", "stored"),
)
RESULT_PROPERTIES = [
    "chunk_id", "document_id", "source", "title", "section", "section_path",
    "page_start", "page_end", "ordinal", "text",
]  # fmt: skip
STATE_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("key", "id"),
    ("hidden", "stored_list"),
    ("pending", "int"),
    ("token", "stored"),
)


class MatchNothing:
    """A filter that no object satisfies (an empty `In`): Weaviate has no literal FALSE."""

    def __repr__(self) -> str:
        return "MATCH_NOTHING"


MATCH_NOTHING = MatchNothing()


def _filter_value(value: str | int) -> str | int:
    if isinstance(value, bool):
        raise TypeError("booleans are not filterable values")
    return value


def to_weaviate_filter(node: Filter) -> WeaviateFilter | MatchNothing | None:
    """Translate our filter tree into a weaviate `Filter`; None matches everything."""
    from weaviate.classes.query import Filter as WFilter

    if isinstance(node, Eq):
        return WFilter.by_property(node.field).equal(_filter_value(node.value))
    if isinstance(node, In):
        if not node.values:
            return MATCH_NOTHING
        values = [_filter_value(v) for v in node.values]
        return WFilter.by_property(node.field).contains_any(values)  # type: ignore[arg-type]
    if isinstance(node, And):
        parts = [to_weaviate_filter(child) for child in node.children]
        if any(isinstance(part, MatchNothing) for part in parts):
            return MATCH_NOTHING
        present = [part for part in parts if part is not None]
        return WFilter.all_of(present) if present else None  # type: ignore[arg-type]
    raise TypeError(f"not a filter node: {node!r}")


def visibility_filter(hidden: Mapping[str, Sequence[str]]) -> WeaviateFilter | None:
    """Exclude the chunks of hidden (document, version) pairs; None when nothing is hidden."""
    from weaviate.classes.query import Filter as WFilter

    clauses = [
        WFilter.any_of(
            [
                WFilter.by_property("document_id").not_equal(document_id),
                WFilter.by_property("version").not_equal(version),
            ]
        )
        for document_id, versions in sorted(hidden.items())
        for version in sorted(versions)
    ]
    return WFilter.all_of(clauses) if clauses else None


def combine(*parts: WeaviateFilter | MatchNothing | None) -> WeaviateFilter | MatchNothing | None:
    if any(isinstance(part, MatchNothing) for part in parts):
        return MATCH_NOTHING
    present = [part for part in parts if part is not None]
    if not present:
        return None
    from weaviate.classes.query import Filter as WFilter

    return WFilter.all_of(present)  # type: ignore[arg-type]


def is_visible(props: Mapping[str, Any], hidden: Mapping[str, Sequence[str]]) -> bool:
    return props.get("version") not in hidden.get(str(props.get("document_id")), ())


def chunk_uuid(chunk_id: str) -> str:
    """Deterministic object id, so writing a chunk twice overwrites it."""
    from weaviate.util import generate_uuid5

    return generate_uuid5(chunk_id)


def chunk_properties(stored: StoredChunk) -> dict[str, Any]:
    """A chunk as the properties of its Weaviate object (the vector travels beside them)."""
    return chunk_fields(stored)


def passage_from_properties(props: Mapping[str, Any], score: float, **extra: float | None) -> Passage:
    return Passage(
        chunk_id=props["chunk_id"],
        document_id=props["document_id"],
        source=props.get("source") or "",
        title=props.get("title") or "",
        section=props.get("section") or "",
        section_path=list(props.get("section_path") or []),
        page_start=int(props["page_start"]),
        page_end=int(props["page_end"]),
        ordinal=int(props["ordinal"]),
        text=props.get("text") or "",
        score=score,
        **extra,
    )


def stored_chunk_from_object(props: Mapping[str, Any], vector: Sequence[float]) -> StoredChunk:
    """The inverse of `chunk_properties`: what `export_document` and a migration read back."""
    chunk = Chunk(
        chunk_id=props["chunk_id"],
        document_id=props["document_id"],
        source=props.get("source") or "",
        title=props.get("title") or "",
        version=props.get("version") or "",
        ordinal=int(props["ordinal"]),
        text=props.get("text") or "",
        section_path=tuple(props.get("section_path") or ()),
        page_start=int(props["page_start"]),
        page_end=int(props["page_end"]),
        token_count=int(props.get("token_count") or 0),
        redactions=json.loads(props.get("redactions") or "{}"),
    )
    return StoredChunk(chunk, [float(x) for x in vector])


def batch_failures(result: BatchObjectReturn, labels: Sequence[str]) -> list[str]:
    """'label: reason' for every object a batch insert refused (labels indexed like the batch)."""
    return [
        f"{labels[index] if index < len(labels) else index}: {error.message}"
        for index, error in sorted(result.errors.items())
    ]


def raise_for_batch(result: BatchObjectReturn, labels: Sequence[str], collection: str) -> None:
    failures = batch_failures(result, labels)
    if failures:
        shown = "; ".join(failures[:10])
        more = f" (and {len(failures) - 10} more)" if len(failures) > 10 else ""
        raise StoreError(
            f"Weaviate refused {len(failures)} of {len(labels)} objects in {collection}: {shown}{more}"
        )


def collection_names(table: str) -> tuple[str, str]:
    """(chunks collection, state collection). Weaviate class names start with a capital."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", table):
        raise StoreError(f"store_table {table!r} is not a valid Weaviate collection name (letters, digits, _)")
    name = table[0].upper() + table[1:]
    return name, f"{name}State"


@dataclass(frozen=True, slots=True)
class Endpoint:
    http_host: str
    http_port: int
    secure: bool
    grpc_port: int


def parse_endpoint(url: str, grpc_port: int) -> Endpoint:
    parts = urlsplit(url.strip().rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreError(f"KB_WEAVIATE_URL must look like http://host:8080, not {url!r}")
    secure = parts.scheme == "https"
    return Endpoint(parts.hostname, parts.port or (443 if secure else 80), secure, grpc_port)


def property_configs(spec: Sequence[tuple[str, str]]) -> list[Any]:
    from weaviate.classes.config import DataType, Property, Tokenization

    kinds: dict[str, dict[str, Any]] = {
        "id": {"data_type": DataType.TEXT, "tokenization": Tokenization.FIELD,
               "index_filterable": True, "index_searchable": False},
        "int": {"data_type": DataType.INT, "index_filterable": True},
        "bm25": {"data_type": DataType.TEXT, "tokenization": Tokenization.WORD,
                 "index_filterable": False, "index_searchable": True},
        "stored": {"data_type": DataType.TEXT, "index_filterable": False, "index_searchable": False},
        "stored_list": {"data_type": DataType.TEXT_ARRAY, "index_filterable": False,
                        "index_searchable": False},
        "stored_int": {"data_type": DataType.INT, "index_filterable": False},
    }  # fmt: skip
    return [Property(name=name, **kinds[kind]) for name, kind in spec]


def vector_config() -> dict[str, Any]:
    """One self-provided, cosine-HNSW named vector, spelled for the installed client."""
    from weaviate.classes.config import Configure, VectorDistances

    index = Configure.VectorIndex.hnsw(distance_metric=VectorDistances.COSINE)
    vectors = getattr(Configure, "Vectors", None)
    if vectors is not None:  # newer 4.x clients; older ones only know NamedVectors
        return {"vector_config": vectors.self_provided(name=VECTOR_NAME, vector_index_config=index)}
    return {"vectorizer_config": [Configure.NamedVectors.none(name=VECTOR_NAME, vector_index_config=index)]}


@contextmanager
def translate_errors(action: str) -> Iterator[None]:
    from weaviate.exceptions import WeaviateBaseError

    try:
        yield
    except WeaviateBaseError as exc:
        raise StoreError(f"Weaviate {action} failed: {exc}") from exc


def state_uuid(key: str) -> str:
    """Object id of a state record (a document's hidden versions, or the epoch)."""
    from weaviate.util import generate_uuid5

    return generate_uuid5(f"kb-state:{key}")
