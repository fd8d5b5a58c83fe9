"""Errors of the ingestion package. The CLI and the API turn them into messages at the edge."""

from __future__ import annotations


class IngestError(Exception):
    """A file could not be ingested. The message is shown to the user and written to the
    failed folder's reason file, so it must never contain document text."""


class UnsupportedFormatError(IngestError):
    pass


class CorruptFileError(IngestError):
    pass


class EncryptedFileError(IngestError):
    pass


class EmptyDocumentError(IngestError):
    pass


class FileTooLargeError(IngestError):
    pass


class ParseLimitError(IngestError):
    """Parsing hit a safety limit: the file is hostile, broken, or far heavier than its size
    suggests (a decompression bomb, a quadratic content stream)."""


class ParseTimeoutError(ParseLimitError):
    pass


class ParseMemoryError(ParseLimitError):
    pass


class ParserCrashError(IngestError):
    """The parse worker died on this file (a crash in native code, a kill by the system)."""
