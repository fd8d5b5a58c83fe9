"""The failed folder: a file that could not be ingested is kept there with a reason file.

Shared by the inbox watcher (which moves the file) and the upload route (which writes the
uploaded bytes), so a user finds every failure in one place with the same layout.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path


_NAME_MAX = 255  # bytes in one file name on the usual file systems
_REASON_SUFFIX = ".error.txt"


def _shorten(name: str, max_bytes: int) -> str:
    """``name`` cut to ``max_bytes`` of UTF-8 on a character boundary, extension kept."""
    if len(name.encode("utf-8")) <= max_bytes:
        return name
    stem, dot, suffix = name.rpartition(".")
    suffix = f".{suffix}" if dot and stem and len(suffix) <= 16 else ""
    stem = stem if suffix else name
    room = max(1, max_bytes - len(suffix.encode("utf-8")))
    return stem.encode("utf-8")[:room].decode("utf-8", "ignore") + suffix


def free_target(folder: Path, name: str) -> Path:
    """folder/name, or folder/stem.<timestamp>.suffix when a file of that name is there. A name
    too long to take the timestamp and the reason file's suffix is shortened (the reason file
    keeps the original name), so a failed file is never lost to "file name too long"."""
    name = _shorten(name, _NAME_MAX - len(_REASON_SUFFIX))
    target = folder / name
    if not target.exists():
        return target
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    name = _shorten(name, _NAME_MAX - len(_REASON_SUFFIX) - len(stamp) - 1)
    stem, dot, suffix = name.rpartition(".")
    return folder / (f"{stem}.{stamp}.{suffix}" if dot else f"{name}.{stamp}")


def write_reason(target: Path, name: str, error: str | None) -> Path:
    """<target>.error.txt next to the kept file."""
    reason = target.with_name(target.name + _REASON_SUFFIX)
    reason.write_text(
        f"{error}\n\nfile: {name}\nfailed at: {datetime.now(UTC).isoformat(timespec='seconds')}\n",
        encoding="utf-8",
    )
    return reason


def keep_failed_bytes(failed_dir: Path, name: str, data: bytes, error: str | None) -> Path:
    """Keep an uploaded file that failed, with its reason."""
    failed_dir.mkdir(parents=True, exist_ok=True)
    target = free_target(failed_dir, name)
    target.write_bytes(data)
    write_reason(target, name, error)
    return target
