"""Parsing untrusted bytes in a separate process, under a time and a memory limit.

Parsers hand hostile bytes to libraries (pypdf, python-docx, lxml, BeautifulSoup) that can be
driven into pathological work: a content stream that makes layout extraction crawl, a zip bomb
inside a .docx, a crash in native code. Such a file must fail on its own, with a reason, while
the API or the watcher that received it keeps serving and the batch goes on.

``IsolatedParser`` keeps one long-lived worker interpreter (``python -m ingest.parse_worker``).
It is started with ``subprocess`` (fork + exec of a fresh interpreter), so nothing of the
parent is inherited: not torch's thread pools, not spaCy's models, not the store's handles;
``multiprocessing``'s fork would copy all of that, and its spawn would re-import the parent's
main module. The worker limits its own address space (``RLIMIT_AS``); the parent waits for
each reply at most the file's budget (`ingest.parse_budget`: it scales with a PDF's pages, and
each page has a limit of its own) and kills the worker on a breach, then starts a fresh one
at once so the next file does not wait. Files are parsed one at a time (the pipeline is
serialised), so one worker is the whole pool. It is recycled every ``RECYCLE_AFTER`` files.

The worker replies in JSON, never pickle: its reply is data from a process that has read
hostile bytes, and the parent rebuilds and type-checks every field.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ingest.errors import (
    CorruptFileError,
    EmptyDocumentError,
    EncryptedFileError,
    FileTooLargeError,
    IngestError,
    ParseLimitError,
    ParseMemoryError,
    ParserCrashError,
    ParseTimeoutError,
    UnsupportedFormatError,
)
from ingest.parse import parse_bytes
from ingest.parse.document import ParsedDocument
from ingest.parse.ocr import OcrOptions
from ingest.parse_budget import ParseBudget
from ingest.parse_worker import EXIT_OUT_OF_MEMORY, FRAME, document_from_json

if TYPE_CHECKING:  # the worker does not need pydantic
    from kb_service.settings import Settings

log = logging.getLogger(__name__)

_START_TIMEOUT_S = 60.0  # interpreter start and parser imports, on a busy machine
_MAX_MESSAGE_CHARS = 1000
_ERRORS: dict[str, type[IngestError]] = {
    cls.__name__: cls
    for cls in (
        IngestError, UnsupportedFormatError, CorruptFileError, EncryptedFileError,
        EmptyDocumentError, FileTooLargeError, ParseLimitError,
    )
}


class DocumentParser(Protocol):
    def warm_up(self) -> None: ...

    def parse(self, data: bytes, source: str) -> ParsedDocument: ...

    def close(self) -> None: ...


def make_parser(settings: Settings) -> DocumentParser:
    match settings.parse_isolation:
        case "subprocess":
            return IsolatedParser(settings)
        case "inline":
            return InlineParser(settings)
    raise ValueError(f"unknown parse_isolation {settings.parse_isolation!r}")


class InlineParser:
    """Parses in the calling process: no time or memory limit (debugging, trusted input)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._ocr = OcrOptions.from_settings(settings)

    def warm_up(self) -> None:
        pass

    def parse(self, data: bytes, source: str) -> ParsedDocument:
        return parse_bytes(data, source, max_pages=self._settings.max_pages, ocr=self._ocr)

    def close(self) -> None:
        pass


class IsolatedParser:
    """Parses in the worker process. Limits are read from the settings at every call, so a
    changed memory limit takes effect with the next worker (started for it at once)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._ocr = OcrOptions.from_settings(settings)  # KB_OCR=on without Tesseract fails here
        self._lock = threading.Lock()
        self._worker: _Worker | None = None

    @property
    def worker_pid(self) -> int | None:
        """The current worker's process id (tests use it to crash the worker on purpose)."""
        worker = self._worker
        return worker.proc.pid if worker is not None and worker.proc.poll() is None else None

    def warm_up(self) -> None:
        """Start the worker without waiting for it: it boots while models load."""
        with self._lock:
            self._current()

    def close(self) -> None:
        with self._lock:
            if self._worker is not None:
                self._worker.stop()
                self._worker = None

    def parse(self, data: bytes, source: str) -> ParsedDocument:
        budget = ParseBudget.from_settings(self._settings)
        memory_mb = self._settings.parse_memory_mb
        with self._lock:
            worker = self._current()
            try:
                reply = worker.request(
                    data, source, max_pages=self._settings.max_pages, budget=budget, ocr=self._ocr
                )
            except _WorkerStartError as exc:
                self._replace()
                raise ParserCrashError(
                    f"{source}: the parse worker could not start ({exc}); see the service log"
                ) from exc
            except _BudgetExceeded as exc:
                log.warning("parsing %s: %s; killing parse worker %d", source, exc, worker.proc.pid)
                self._replace()
                raise ParseTimeoutError(f"{source}: {exc}") from None
            except _WorkerDied as exc:
                self._replace()
                status = exc.returncode
                if status == EXIT_OUT_OF_MEMORY:
                    raise ParseMemoryError(_memory_message(source, memory_mb)) from None
                described = _describe_exit(status)
                log.error("parse worker %d died on %s (%s)", worker.proc.pid, source, described)
                if status == -signal.SIGKILL:
                    raise ParserCrashError(
                        f"{source}: the parser was killed (SIGKILL), probably because the "
                        "system ran out of memory"
                    ) from None
                raise ParserCrashError(
                    f"{source}: the parser crashed ({described}); the file is probably malformed"
                ) from None
            except BaseException:  # a garbled reply, an interrupt: the pipe is out of step
                self._replace()
                raise
            if reply.get("last"):
                self._replace()  # the worker exits after this reply; start its successor now
            try:
                return _result(reply, source, memory_mb)
            except (KeyError, TypeError, ValueError) as exc:
                self._replace()
                raise ParserBugError(
                    f"malformed reply from the parse worker ({type(exc).__name__})"
                ) from exc

    # --- worker lifecycle (callers hold the lock) -------------------------------------------
    def _current(self) -> _Worker:
        worker = self._worker
        if worker is None or not worker.usable(self._settings.parse_memory_mb):
            if worker is not None:
                worker.stop()
            worker = self._worker = _Worker(self._settings.parse_memory_mb)
        return worker

    def _replace(self) -> None:
        if self._worker is not None:
            self._worker.stop()
        self._worker = _Worker(self._settings.parse_memory_mb)


def _memory_message(source: str, memory_mb: int) -> str:
    return f"{source}: parsing needed more than {memory_mb} MB (limit KB_PARSE_MEMORY_MB)"


def _describe_exit(status: int | None) -> str:
    if status is None:
        return "no exit status"
    if status < 0:
        try:
            return signal.Signals(-status).name
        except ValueError:
            return f"signal {-status}"
    return f"exit status {status}"


def _result(reply: dict[str, Any], source: str, memory_mb: int) -> ParsedDocument:
    """The parsed document, or the worker's error as the matching IngestError."""
    if reply.get("ok"):
        return document_from_json(reply["document"])
    kind = reply.get("kind")
    if kind == "memory":
        raise ParseMemoryError(_memory_message(source, memory_mb))
    if kind == "ingest":
        cls = _ERRORS.get(str(reply.get("type")), IngestError)
        raise cls(str(reply.get("message", ""))[:_MAX_MESSAGE_CHARS])
    raise ParserBugError(str(reply.get("type", "unknown"))[:100])


class ParserBugError(Exception):
    """The parser raised something other than an IngestError in the worker: a bug. The
    pipeline records it as an internal error under the original exception's type name."""

    def __init__(self, type_name: str) -> None:
        super().__init__(type_name)
        self.type_name = type_name


class _Timeout(Exception):
    pass


class _BudgetExceeded(Exception):
    """The file's parse budget, or one page's, ran out (the message says which, in words)."""

    def __init__(
        self, budget: ParseBudget, pages: int | None, size: int, pages_read: int, whole_file: bool,
        ocr_pages: int = 0,
    ) -> None:
        super().__init__(budget.exceeded(pages, size, pages_read, whole_file, ocr_pages))


class _WorkerDied(Exception):
    def __init__(self, returncode: int | None) -> None:
        super().__init__(_describe_exit(returncode))
        self.returncode = returncode


class _WorkerStartError(Exception):
    pass


class _Worker:
    """One worker process and the parent's end of its pipes."""

    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.ready = False
        root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        env.setdefault("OMP_THREAD_LIMIT", "1")  # Tesseract: one page on one core, threads cost memory
        self.proc = subprocess.Popen(  # -P: the cwd is not on the worker's path
            [sys.executable, "-P", "-m", "ingest.parse_worker", str(memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
        )
        self._finalizer = weakref.finalize(self, _kill, self.proc)

    def usable(self, memory_mb: int) -> bool:
        return self.memory_mb == memory_mb and self.proc.poll() is None

    def stop(self) -> None:
        self._finalizer()

    def request(
        self, data: bytes, source: str, *, max_pages: int, budget: ParseBudget, ocr: OcrOptions | None
    ) -> dict[str, Any]:
        if not self.ready:
            try:
                self._receive(time.monotonic() + _START_TIMEOUT_S)
            except _Timeout:
                raise _WorkerStartError(f"not ready after {_START_TIMEOUT_S:g} s") from None
            except _WorkerDied as exc:
                raise _WorkerStartError(str(exc)) from None
            self.ready = True
        started = time.monotonic()
        header = json.dumps(
            {
                "source": source, "max_pages": max_pages, "size": len(data),
                "ocr": ocr.to_json() if ocr is not None else None,
                # the worker's own backstop if we are gone: past any budget this file can get
                "alarm_s": int(max(budget.floor_s, budget.ceiling_s) + budget.per_ocr_page_s) + 30,
            }
        ).encode()
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(FRAME.pack(len(header)) + header)
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except OSError:  # it died, perhaps after replying that the file is too big for it
            try:
                return self._receive(time.monotonic() + 1.0)
            except (_Timeout, _WorkerDied):
                raise _WorkerDied(self._exit_status()) from None
        return self._await_reply(started, budget, len(data))

    def _await_reply(self, started: float, budget: ParseBudget, size: int) -> dict[str, Any]:
        """The reply, reading the progress frames before it: each one (a page read) moves the
        page deadline; the first one brings the page count, and with it the file's budget; one
        announcing the pages about to be OCR'd extends the budget and the page limit."""
        pages: int | None = None
        pages_read = ocr_pages = 0
        last_page = started
        while True:
            whole = started + budget.total_s(pages, size, ocr_pages)
            page_limit = budget.page_limit_s(ocr=ocr_pages > 0)
            deadline = whole if pages is None else min(whole, last_page + page_limit)
            try:
                message = self._receive(deadline)
            except _Timeout:
                raise _BudgetExceeded(
                    budget, pages, size, pages_read, whole_file=deadline >= whole, ocr_pages=ocr_pages
                ) from None
            if not message.get("progress"):
                return message
            if "ocr_pages" in message:
                ocr_pages = int(message["ocr_pages"])
            elif pages is None:
                pages = int(message["pages"])
            else:
                pages_read += 1
            last_page = time.monotonic()

    def _receive(self, deadline: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        try:
            (size,) = FRAME.unpack(_read_exact(fd, FRAME.size, deadline))
            payload = _read_exact(fd, size, deadline)
        except EOFError:
            raise _WorkerDied(self._exit_status()) from None
        reply = json.loads(payload)
        if not isinstance(reply, dict):
            raise ValueError("the parse worker's reply is not an object")
        return reply

    def _exit_status(self) -> int | None:
        try:
            return self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.stop()
            return self.proc.returncode


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            try:
                stream.close()
            except OSError:
                pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - a kill that did not take
        log.error("parse worker %d did not exit after SIGKILL", proc.pid)


def _read_exact(fd: int, size: int, deadline: float) -> bytes:
    """``size`` bytes from a pipe, or _Timeout at the deadline, or EOFError."""
    buffer = bytearray()
    while len(buffer) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Timeout
        readable, _, _ = select.select([fd], [], [], remaining)
        if not readable:
            raise _Timeout
        chunk = os.read(fd, min(size - len(buffer), 1 << 20))
        if not chunk:
            raise EOFError
        buffer += chunk
    return bytes(buffer)
