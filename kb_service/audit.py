"""The audit log: who did what, when, and how it ended, append-only.

The file, its events and the `kb` commands' records live here; the API's middleware that records
every keyed request is `api.audit`.

One JSON object per line in ``$KB_DATA_DIR/audit/audit.jsonl``, one line per request to a
keyed route, refused ones included (public routes such as /healthz are not recorded).
Uploads, deletions, adapter promotions and rollbacks get their own action names, every other
keyed request is recorded as ``key.use``. A line says who (``key_id``: a fingerprint of the key's SHA-256,
never the key; the role; the client address), what (action, method, route template, target,
status) and when (UTC). Request bodies, query strings, questions and answers are never
written: a target is a path parameter (an adapter name, a job id) or a document's id (a
document named by its source name in the path, and an upload, are recorded by id: a file
name may hold a person's name, and the ledger lists the id beside the de-identified name).

Each event is written with one ``write()`` on a descriptor opened with ``O_APPEND``, under a
lock, and lines are kept below ``PIPE_BUF``: concurrent requests, and API replicas sharing the
data folder, never interleave inside a line. The file is opened per event, so moving it aside
(log rotation) needs no restart.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import select
import re
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kb_service.settings import Settings
from kb_service.types import document_id_for

log = logging.getLogger(__name__)

MAX_LINE_BYTES = getattr(select, "PIPE_BUF", 4096)
MAX_TARGET_CHARS = 300
_DOCUMENT_ID = re.compile(r"[0-9a-f]{16}")


def document_ref(value: str) -> str:
    """A document as the audit log names it: its id. A document may be named by its source
    name (`/v1/documents/{document_id}`, `kb docs delete`), and a file name may hold a
    person's name: that becomes its id."""
    return value if _DOCUMENT_ID.fullmatch(value) else document_id_for(value)


def hash_key(key: str) -> str:
    """An API key as the service keeps it (SHA-256, hex)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def stored_hash(key: str) -> str:
    """A configured key as the service keeps it: 'sha256:<hex>' as given, a plain key hashed."""
    return key[len("sha256:"):].lower() if key.startswith("sha256:") else hash_key(key)


def key_id(key_sha256_hex: str) -> str:
    """A short, stable name of a key for the audit log, from the key's SHA-256 (the form the
    service keeps). It names the key without revealing it or its hash: an operator matches it
    with `kb audit keys`."""
    return "k-" + hashlib.sha256(f"kb-audit-key:{key_sha256_hex.lower()}".encode()).hexdigest()[:12]


@dataclass
class AuditNote:
    """What one request adds to its audit event: the key that was presented and, where a
    route knows it, the target and a few flags. Filled by the auth dependency and routes."""

    key_id: str | None = None
    role: str | None = None
    authenticated: bool = False  # the auth dependency ran (the route is keyed)
    target: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def _clip(value: str | None) -> str | None:
    if value is None:
        return None
    value = "".join(ch if ch.isprintable() else "\N{REPLACEMENT CHARACTER}" for ch in value)
    return value if len(value) <= MAX_TARGET_CHARS else value[: MAX_TARGET_CHARS - 1] + "…"


def event_line(
    *,
    action: str,
    method: str,
    route: str,
    status: int,
    note: AuditNote,
    client: str | None,
    at: datetime | None = None,
) -> bytes:
    """One audit event as a JSON line, shorter than PIPE_BUF."""
    event: dict[str, Any] = {
        "time": (at or datetime.now(UTC)).isoformat(timespec="milliseconds"),
        "action": action,
        "key_id": note.key_id,
        "role": note.role,
        "client": _clip(client),
        "method": method,
        "route": _clip(route),
        "target": _clip(note.target),
        "status": status,
    }
    if note.detail:
        event["detail"] = {str(k)[:40]: v if isinstance(v, bool | int | float) or v is None else _clip(str(v))
                           for k, v in list(note.detail.items())[:8]}
    data = _encode(event)
    if len(data) >= MAX_LINE_BYTES:  # only pathological names get here: keep the line whole, shorten them
        event.pop("detail", None)
        for name in ("route", "target", "client"):
            event[name] = event[name] if event[name] is None else event[name][:64]
        data = _encode(event)
    return data


def _encode(event: dict[str, Any]) -> bytes:
    return (json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


class AuditLog:
    """Appends events to the JSONL file; `fsync` makes each durable before the next."""

    def __init__(self, path: Path, *, fsync: bool = False) -> None:
        self.path = path
        self.fsync = fsync
        self._lock = threading.Lock()
        self._failing = False

    def write(self, line: bytes) -> None:
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
                try:
                    os.write(fd, line)
                    if self.fsync:
                        os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                if not self._failing:  # once per outage, not once per request
                    log.error("cannot write the audit log %s: %s", self.path, exc.strerror)
                self._failing = True
                return
            if self._failing:
                log.warning("the audit log %s is writable again", self.path)
                self._failing = False


def operator() -> str:
    """Who runs this `kb` command: the OS account and the host."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers with an arbitrary uid)
        user = f"uid{os.getuid()}"
    return f"{user}@{socket.gethostname()}"


def record_cli(
    settings: Settings, action: str, *, command: str, target: str | None, ok: bool, detail: dict[str, Any] | None = None
) -> None:
    """An operator's `kb` command that changed the knowledge base, as an audit event:
    `role` "cli", `client` the OS account and host, `method` "CLI", `route` the command,
    `status` 0 when it succeeded and 1 when it failed."""
    if not settings.audit_log:
        return
    note = AuditNote(role="cli", target=target, detail=dict(detail or {}))
    line = event_line(action=action, method="CLI", route=command, status=0 if ok else 1, note=note, client=operator())
    AuditLog(settings.audit_path, fsync=settings.audit_fsync).write(line)


def read_tail(path: Path, lines: int) -> list[dict[str, Any]]:
    """The last `lines` events of an audit log, oldest first (for `kb audit tail` and tests);
    reads backwards from the end, so a large log costs no more than a small one."""
    if lines <= 0 or not path.exists():
        return []
    chunks: list[bytes] = []
    newlines = 0
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        position = handle.tell()
        while position > 0 and newlines <= lines:
            step = min(64 * 1024, position)
            position -= step
            handle.seek(position)
            chunk = handle.read(step)
            chunks.append(chunk)
            newlines += chunk.count(b"\n")
    text = b"".join(reversed(chunks)).decode("utf-8", errors="replace")
    events: list[dict[str, Any]] = []
    for raw in text.splitlines()[-lines:]:
        try:
            events.append(json.loads(raw))
        except ValueError:
            continue  # a torn first line of the window, or a damaged line: skip it
    return events
