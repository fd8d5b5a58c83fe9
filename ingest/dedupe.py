"""Near-duplicate removal with MinHash LSH, within and across documents.

Signatures of indexed chunks live in the ledger, so the index survives restarts. A chunk of a
new version is never compared with the old version of its own document (that would skip
every unchanged paragraph of an edited file).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from kb_service.text import keyword_text

_TOKEN = re.compile(r"\w+", re.UNICODE)
_SHINGLE = 3
_PENDING = "pending:"
_SCHEME = "affine32"  # datasketch >= 2 needs it named to rebuild a MinHash from stored values


@dataclass(frozen=True, slots=True)
class DuplicateOf:
    chunk_id: str
    similarity: float


def shingles(text: str) -> set[bytes]:
    tokens = _TOKEN.findall(keyword_text(text).lower())
    if len(tokens) < _SHINGLE:
        return {" ".join(tokens).encode("utf-8")} if tokens else set()
    return {" ".join(tokens[i : i + _SHINGLE]).encode("utf-8") for i in range(len(tokens) - _SHINGLE + 1)}


class Deduplicator:
    """LSH index of chunk signatures; `check` answers whether a text repeats an indexed one."""

    def __init__(self, threshold: float = 0.85, num_perm: int = 128) -> None:
        from datasketch import MinHashLSH

        self.threshold = threshold
        self._num_perm = num_perm
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._hashes: dict[str, Any] = {}
        self._owner: dict[str, str] = {}

    def signature(self, text: str) -> Any:
        from datasketch import MinHash

        minhash = MinHash(num_perm=self._num_perm, scheme=_SCHEME)
        minhash.update_batch(list(shingles(text)))
        return minhash

    def to_bytes(self, minhash: Any) -> bytes:
        return np.asarray(minhash.hashvalues, dtype=np.uint64).tobytes()

    def from_bytes(self, data: bytes) -> Any:
        from datasketch import MinHash

        return MinHash(num_perm=self._num_perm, scheme=_SCHEME, hashvalues=np.frombuffer(data, dtype=np.uint64))

    def load(self, entries: Iterable[tuple[str, str, bytes]]) -> None:
        """(chunk_id, document_id, signature bytes), e.g. from the ledger."""
        for chunk_id, document_id, data in entries:
            if chunk_id not in self._hashes:
                self.add(chunk_id, document_id, self.from_bytes(data))

    def add(self, chunk_id: str, owner: str, minhash: Any) -> None:
        if chunk_id in self._hashes:
            return
        self._lsh.insert(chunk_id, minhash)
        self._hashes[chunk_id] = minhash
        self._owner[chunk_id] = owner

    def _drop(self, owner: str) -> None:
        for chunk_id in [c for c, o in self._owner.items() if o == owner]:
            self._lsh.remove(chunk_id)
            del self._hashes[chunk_id]
            del self._owner[chunk_id]

    def check(self, chunk_id: str, document_id: str, minhash: Any) -> DuplicateOf | None:
        """The best match at or above the threshold among other documents' chunks and the
        chunks of this version seen so far; a chunk that is no duplicate joins the index as
        pending until `commit`."""
        best: DuplicateOf | None = None
        for other in self._lsh.query(minhash):
            if self._owner.get(other) == document_id:
                continue  # the version being replaced
            similarity = float(minhash.jaccard(self._hashes[other]))
            if similarity >= self.threshold and (best is None or similarity > best.similarity):
                best = DuplicateOf(other, similarity)
        if best is None:
            self.add(chunk_id, _PENDING + document_id, minhash)
        return best

    def commit(self, document_id: str) -> None:
        """The new version is indexed: forget the old one, keep the new one."""
        self._drop(document_id)
        for chunk_id, owner in self._owner.items():
            if owner == _PENDING + document_id:
                self._owner[chunk_id] = document_id

    def rollback(self, document_id: str) -> None:
        self._drop(_PENDING + document_id)

    def remove_document(self, document_id: str) -> None:
        self._drop(document_id)
        self._drop(_PENDING + document_id)
