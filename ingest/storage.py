"""Telling "the data folder is full or read-only" apart from a bad document or a bug.

Such a failure is the environment's, not the file's: ingestion stops with a `StorageError`
(the CLI prints it, the API answers 507 or 503) instead of recording the document as failed,
and the store and the ledger keep the state of the last successful commit. The libraries
report it in different clothes: an ``OSError`` with ENOSPC / EROFS, SQLite's "database or
disk is full" / "attempt to write a readonly database", LanceDB's ``RuntimeError`` carrying
"No space left on device (os error 28)".
"""

from __future__ import annotations

import errno
import sqlite3

from kb_service.errors import KBError

_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
_READ_ONLY_ERRNOS = (errno.EROFS, errno.EACCES, errno.EPERM)
_FULL_TEXT = ("no space left on device", "disk is full", "os error 28", "quota exceeded")
_READ_ONLY_TEXT = ("read-only file system", "readonly database", "os error 30", "permission denied", "os error 13")

FULL_REASON = "the data folder is full (no space left on the device)"
READ_ONLY_REASON = "the data folder is not writable (read-only file system or permissions)"


class StorageError(KBError):
    """The data folder cannot take a write."""

    full = False


class StorageFullError(StorageError):
    """No space left (HTTP 507)."""

    full = True


class StorageReadOnlyError(StorageError):
    """Read-only file system or no permission (HTTP 503)."""


def storage_failure(reason: str, *, full: bool) -> StorageError:
    return StorageFullError(reason) if full else StorageReadOnlyError(reason)


def _classify(exc: BaseException) -> bool | None:
    """True = full, False = read-only, None = not a storage problem."""
    if isinstance(exc, StorageError):
        return exc.full
    if isinstance(exc, OSError) and exc.errno is not None:
        if exc.errno in _FULL_ERRNOS:
            return True
        if exc.errno in _READ_ONLY_ERRNOS:
            return False
        return None
    if isinstance(exc, (sqlite3.OperationalError, RuntimeError)):
        text = str(exc).lower()
        if any(marker in text for marker in _FULL_TEXT):
            return True
        if any(marker in text for marker in _READ_ONLY_TEXT):
            return False
    return None


def storage_error(exc: BaseException, doing: str = "") -> StorageError | None:
    """A StorageError describing `exc` (or what caused it), or None when it is not one."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        full = _classify(current)
        if full is not None:
            if isinstance(current, StorageError):
                return current
            reason = FULL_REASON if full else READ_ONLY_REASON
            return storage_failure(f"{doing}: {reason}" if doing else reason, full=full)
        current = current.__cause__ or current.__context__
    return None
