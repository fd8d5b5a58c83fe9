"""Uploads go through the same pipeline as the inbox; failed ones are kept in the failed
folder with a reason, like the watcher does."""

from __future__ import annotations

import logging
import re
import unicodedata

from ingest.failed import keep_failed_bytes
from ingest.pipeline import IngestOutcome, Pipeline
from kb_service.errors import KBError
from kb_service.settings import Settings

log = logging.getLogger(__name__)

MAX_NAME_CHARS = 200


class UploadNameError(KBError):
    """The upload's file name cannot be used at all."""


def safe_source_name(name: str | None) -> str:
    """A file name that cannot escape a folder: the last path component, without control
    characters (NUL included), without leading dots, at most 200 characters (extension kept)."""
    if not name:
        raise UploadNameError("the upload has no file name")
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".").strip()
    if not name:
        raise UploadNameError("the upload's file name is empty once path parts and control characters are removed")
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:16] if dot else ""
        keep = MAX_NAME_CHARS - len(ext) - (1 if ext else 0)
        name = (stem if dot else name)[:keep] + (f".{ext}" if ext else "")
    return name


class UploadService:
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self._pipeline = pipeline
        self._settings = settings

    def ingest(self, filename: str | None, data: bytes) -> IngestOutcome:
        source = safe_source_name(filename)
        outcome = self._pipeline.ingest_bytes(data, source, path=f"upload:{source}")
        if outcome.status == "failed":
            try:
                keep_failed_bytes(self._settings.failed_dir, source, data, outcome.error)
            except OSError as exc:
                log.error("could not keep failed upload %s: %s", source, exc.strerror)
        return outcome
