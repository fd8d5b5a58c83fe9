"""The Weaviate server side of `WeaviateStore`: connecting, opening (or creating) and checking
its collections, batch writes, and the two queries hybrid search fuses. Functions of their
arguments, no state: the store keeps the client, the collections and the visibility protocol."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kb_service.errors import StoreError, missing_extra
from kb_service.store.weaviate_schema import (
    RESULT_PROPERTIES,
    VECTOR_NAME,
    Endpoint,
    chunk_properties,
    chunk_uuid,
    passage_from_properties,
    property_configs,
    raise_for_batch,
    vector_config,
)
from kb_service.text import keyword_text
from kb_service.types import Passage, StoredChunk


def connect(url: str, endpoint: Endpoint, *, api_key: str | None, timeout_s: float) -> Any:
    """A connected `weaviate` client; the error names the settings to check."""
    try:
        import weaviate
        from weaviate.classes.init import AdditionalConfig, Auth, Timeout
        from weaviate.exceptions import WeaviateBaseError
    except ImportError as exc:
        raise missing_extra("weaviate-client", "weaviate") from exc
    try:
        return weaviate.connect_to_custom(
            http_host=endpoint.http_host,
            http_port=endpoint.http_port,
            http_secure=endpoint.secure,
            grpc_host=endpoint.http_host,
            grpc_port=endpoint.grpc_port,
            grpc_secure=endpoint.secure,
            auth_credentials=Auth.api_key(api_key) if api_key else None,
            additional_config=AdditionalConfig(
                timeout=Timeout(init=min(timeout_s, 10.0), query=timeout_s, insert=timeout_s)
            ),
        )
    except WeaviateBaseError as exc:
        raise StoreError(
            f"cannot reach Weaviate at {url} (gRPC port {endpoint.grpc_port}): {exc} "
            "Check KB_WEAVIATE_URL and KB_WEAVIATE_GRPC_PORT."
        ) from exc


def open_collection(
    client: Any, name: str, spec: Sequence[tuple[str, str]], *, tenant: str | None, replication_factor: int
) -> Any:
    """The collection `name`, created when missing, checked against `spec`, scoped to the
    tenant and read and written at QUORUM when replicated."""
    from weaviate.classes.config import ConsistencyLevel
    from weaviate.classes.tenants import Tenant

    if not client.collections.exists(name):
        _create(client, name, spec, tenant=tenant, replication_factor=replication_factor)
    collection = client.collections.get(name)
    _check_schema(collection, name, spec, tenant=tenant)
    if tenant is not None:
        if tenant not in collection.tenants.get():
            collection.tenants.create([Tenant(name=tenant)])
        collection = collection.with_tenant(tenant)
    if replication_factor > 1:
        collection = collection.with_consistency_level(ConsistencyLevel.QUORUM)
    return collection


def _create(
    client: Any, name: str, spec: Sequence[tuple[str, str]], *, tenant: str | None, replication_factor: int
) -> None:
    from weaviate.classes.config import Configure
    from weaviate.exceptions import WeaviateBaseError

    try:
        client.collections.create(
            name,
            properties=property_configs(spec),
            multi_tenancy_config=Configure.multi_tenancy(enabled=tenant is not None),
            replication_config=Configure.replication(factor=replication_factor),
            **vector_config(),
        )
    except WeaviateBaseError:
        if not client.collections.exists(name):  # not a lost race with another process
            raise


def _check_schema(collection: Any, name: str, spec: Sequence[tuple[str, str]], *, tenant: str | None) -> None:
    config = collection.config.get()
    multi_tenant = bool(config.multi_tenancy_config.enabled)
    if multi_tenant != (tenant is not None):
        raise StoreError(
            f"Weaviate collection {name} is {'multi' if multi_tenant else 'single'}-tenant but "
            f"KB_WEAVIATE_TENANT is {'set' if tenant else 'unset'}: use another "
            "KB_STORE_TABLE or match the setting"
        )
    missing = {prop for prop, _ in spec} - {prop.name for prop in config.properties}
    if missing:
        raise StoreError(
            f"Weaviate collection {name} exists without properties {sorted(missing)}: it was not "
            "made by kb-service; use another KB_STORE_TABLE"
        )


def check_dimension(chunks: Any, name: str, dim: int) -> None:
    """Refuse a collection whose stored vectors have another dimension than the embedder's."""
    found = chunks.query.fetch_objects(limit=1, include_vector=True, return_properties=[]).objects
    if found:
        stored = len(found[0].vector.get(VECTOR_NAME) or [])
        if stored != dim:
            raise StoreError(
                f"Weaviate collection {name} holds {stored}-dimensional vectors but "
                f"the embedder makes {dim}: re-index into another KB_STORE_TABLE after "
                "changing the embedding model"
            )


def data_objects(chunks: Sequence[StoredChunk], dim: int) -> list[Any]:
    """The chunks as Weaviate objects (properties, deterministic uuid, the named vector)."""
    from weaviate.classes.data import DataObject

    objects = []
    for stored in chunks:
        if len(stored.vector) != dim:
            raise StoreError(
                f"chunk {stored.chunk.chunk_id} has a {len(stored.vector)}-dimensional vector; "
                f"the store expects {dim}"
            )
        objects.append(
            DataObject(
                properties=chunk_properties(stored),
                uuid=chunk_uuid(stored.chunk.chunk_id),
                vector={VECTOR_NAME: [float(x) for x in stored.vector]},
            )
        )
    return objects


def insert_batches(
    chunks_col: Any, chunks: Sequence[StoredChunk], objects: Sequence[Any], name: str, *, batch: int
) -> None:
    """Insert in batches; any object Weaviate refuses fails the write, naming the chunks."""
    from weaviate.exceptions import WeaviateInsertManyAllFailedError

    for start in range(0, len(objects), batch):
        labels = [c.chunk.chunk_id for c in chunks[start : start + batch]]
        try:
            result = chunks_col.data.insert_many(list(objects[start : start + batch]))
        except WeaviateInsertManyAllFailedError as exc:
            raise StoreError(f"Weaviate refused all {len(labels)} objects of a batch: {exc}") from exc
        raise_for_batch(result, labels, name)


def vector_search(chunks_col: Any, vector: Sequence[float], k: int, filters: Any) -> list[Passage]:
    from weaviate.classes.query import MetadataQuery

    found = chunks_col.query.near_vector(
        near_vector=[float(x) for x in vector],
        target_vector=VECTOR_NAME,
        limit=k,
        filters=filters,
        return_metadata=MetadataQuery(distance=True),
        return_properties=RESULT_PROPERTIES,
    ).objects
    results = []
    for obj in found:
        similarity = 1.0 - float(obj.metadata.distance)
        results.append(passage_from_properties(obj.properties, similarity, vector_score=similarity))
    return results


def keyword_search(chunks_col: Any, text: str, k: int, filters: Any) -> list[Passage]:
    from weaviate.classes.query import MetadataQuery

    terms = keyword_text(text).strip()
    if not terms:
        return []
    found = chunks_col.query.bm25(
        query=terms,
        query_properties=["keyword_text"],
        limit=k,
        filters=filters,
        return_metadata=MetadataQuery(score=True),
        return_properties=RESULT_PROPERTIES,
    ).objects
    return [
        passage_from_properties(o.properties, float(o.metadata.score), keyword_score=float(o.metadata.score))
        for o in found
        if o.metadata.score and o.metadata.score > 0
    ]
