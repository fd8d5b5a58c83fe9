"""The failed folder: a file that could not be ingested is kept there with a reason file.

Shared by the inbox watcher (which moves the file) and the upload route (which writes the
uploaded bytes), so a user finds every failure in one place with the same layout.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path


def free_target(folder: Path, name: str) -> Path:
    """folder/name, or folder/stem.<timestamp>.suffix when a file of that name is there."""
    target = folder / name
    if not target.exists():
        return target
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    stem, dot, suffix = name.rpartition(".")
    return folder / (f"{stem}.{stamp}.{suffix}" if dot else f"{name}.{stamp}")


def write_reason(target: Path, name: str, error: str | None) -> Path:
    """<target>.error.txt next to the kept file."""
    reason = target.with_name(target.name + ".error.txt")
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
