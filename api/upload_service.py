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

# In UTF-8 bytes, not characters: file systems limit a name to 255 bytes, and the failed folder
# adds ".<timestamp>" and ".error.txt" to it. Two hundred Chinese characters would be 600.
MAX_NAME_BYTES = 200
MAX_NAME_CHARS = MAX_NAME_BYTES  # the limit's former name
_MAX_EXTENSION_CHARS = 16
_WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')  # "C:report.pdf" is a drive path on Windows shares


class UploadNameError(KBError):
    """The upload's file name cannot be used at all."""


def safe_source_name(name: str | None) -> str:
    """A file name that cannot escape a folder: the last path component (``/`` and ``\\`` both
    separate), without control or invisible format characters (NUL, bidi overrides), with the
    characters Windows reserves replaced by ``_``, without leading dots, at most 200 bytes of
    UTF-8, cut on a character boundary with the extension kept."""
    if not name:
        raise UploadNameError("the upload has no file name")
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(
        " " if unicodedata.category(ch) in ("Zl", "Zp") else ch
        for ch in name
        if unicodedata.category(ch)[0] != "C"
    )
    name = _WINDOWS_RESERVED.sub("_", name).strip().lstrip(".").strip()
    if not name:
        raise UploadNameError("the upload's file name is empty once path parts and control characters are removed")
    return _fit(name, MAX_NAME_BYTES)


def _fit(name: str, max_bytes: int) -> str:
    if len(name.encode("utf-8")) <= max_bytes:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = f".{ext[:_MAX_EXTENSION_CHARS]}" if ext else ""
    room = max_bytes - len(ext.encode("utf-8"))
    stem = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip()
    return stem + ext


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
                log.error("could not keep failed upload %s: %s", outcome.source, exc.strerror)  # display name
        return outcome
