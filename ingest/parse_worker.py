"""The parse worker: the process `ingest.isolation.IsolatedParser` starts with
``python -m ingest.parse_worker MEMORY_MB``, and the wire format both sides speak.

It limits its own address space, then answers one request at a time: a length-prefixed JSON
header (source, size, page limit, alarm, OCR options or null) and the file's bytes in; progress
frames (``{"progress": true, "pages": N}``, one per page read; ``{"progress": true, "pages": N,
"ocr_pages": M}`` once before M scanned pages are OCR'd) and then a length-prefixed JSON reply
out (the parsed document, or the error's kind, type and message). JSON, never pickle: the
parent rebuilds and type-checks every field of a reply from a process that read hostile bytes.
Nothing here imports pydantic or the settings: the worker starts fast and stays small.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import struct
import sys
from typing import Any

from ingest.errors import IngestError
from ingest.parse import parse_bytes
from ingest.parse.document import Block, ParsedDocument
from ingest.parse.ocr import OcrOptions

log = logging.getLogger(__name__)

FRAME = struct.Struct(">Q")
RECYCLE_AFTER = 200  # files per worker; bounds whatever a long life accumulates
EXIT_OUT_OF_MEMORY = 86  # the worker's exit status when it could not even reply
_RESERVE_BYTES = 4 << 20  # freed on MemoryError so the worker can still reply
_BLOCK_KINDS = ("heading", "paragraph", "table")


def document_from_json(raw: dict[str, Any]) -> ParsedDocument:
    blocks = []
    for text, page, kind, level in raw["blocks"]:
        if kind not in _BLOCK_KINDS:
            raise ValueError(f"parse worker sent a block of kind {kind!r}")
        blocks.append(Block(str(text), int(page), kind, int(level)))
    return ParsedDocument(
        title=str(raw["title"]),
        format=str(raw["format"]),
        pages=int(raw["pages"]),
        blocks=blocks,
        needs_ocr_pages=[int(p) for p in raw["needs_ocr_pages"]],
        ocr_pages=[int(p) for p in raw["ocr_pages"]],
        ocr_confidence=None if raw["ocr_confidence"] is None else float(raw["ocr_confidence"]),
    )


def document_to_json(document: ParsedDocument) -> dict[str, Any]:
    return {
        "title": document.title,
        "format": document.format,
        "pages": document.pages,
        "blocks": [[b.text, b.page, b.kind, b.level] for b in document.blocks],
        "needs_ocr_pages": list(document.needs_ocr_pages),
        "ocr_pages": list(document.ocr_pages),
        "ocr_confidence": document.ocr_confidence,
    }


def _serve(memory_mb: int) -> None:
    """The worker's loop: one request in, one reply out, until the parent closes the pipe."""
    import resource

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent; it stops us
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    try:
        os.dup2(2, 1)  # a stray print() in a library must not corrupt the reply stream
    except OSError:  # the parent runs without a stderr
        os.dup2(devnull, 1)
    logging.basicConfig(
        level=logging.WARNING, format="parse worker: %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # hostile files make it chatty

    for module in ("pdf", "docx", "html", "markdown", "text"):  # the first file should not wait
        __import__(f"ingest.parse.{module}")
    try:
        import tesserocr  # noqa: F401  (its libtesseract loads now, not on the first scan)
    except ImportError:
        pass
    from ingest.parse.pdf_fonts import preload

    preload()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core dump of a document's contents
    limit = memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))

    reserve = bytearray(_RESERVE_BYTES)
    _send(replies, {"ready": True, "pid": os.getpid()})
    for served in range(1, RECYCLE_AFTER + 1):
        try:
            head = requests.read(FRAME.size)
            if len(head) < FRAME.size:
                return  # the parent closed the pipe or is gone
            (size,) = FRAME.unpack(head)
            request = json.loads(requests.read(size))
            data = requests.read(int(request["size"]))
            signal.alarm(int(request["alarm_s"]))  # dies by SIGALRM if the parent is gone
            ocr = OcrOptions.from_json(request["ocr"]) if request.get("ocr") else None
            reply = _handle(data, str(request["source"]), int(request["max_pages"]), ocr, replies)
            del data
            signal.alarm(0)
        except MemoryError:
            reserve.clear()
            reply = {"ok": False, "kind": "memory"}
        try:
            last = served == RECYCLE_AFTER or reply.get("kind") in ("memory", "bug")
            _send(replies, {**reply, "last": last})
        except MemoryError:
            os._exit(EXIT_OUT_OF_MEMORY)
        if last:
            return


def _handle(
    data: bytes, source: str, max_pages: int, ocr: OcrOptions | None, replies: Any
) -> dict[str, Any]:
    pages_seen = 0

    def on_page(pages: int) -> None:  # progress frames keep the parent's page watchdog fed
        nonlocal pages_seen
        pages_seen = pages
        _send(replies, {"progress": True, "pages": pages})

    def on_ocr(scanned: int) -> None:  # these pages get KB_PARSE_SECONDS_PER_OCR_PAGE more each
        _send(replies, {"progress": True, "pages": pages_seen, "ocr_pages": scanned})

    try:
        document = parse_bytes(data, source, max_pages=max_pages, on_page=on_page, ocr=ocr, on_ocr=on_ocr)
        return {"ok": True, "document": document_to_json(document)}
    except MemoryError:
        raise
    except IngestError as exc:
        if _caused_by_memory(exc):
            raise MemoryError from exc
        return {"ok": False, "kind": "ingest", "type": type(exc).__name__, "message": str(exc)}
    except RecursionError:
        return {
            "ok": False, "kind": "ingest", "type": "CorruptFileError",
            "message": f"{source}: the file's structure is nested too deeply to read",
        }
    except Exception as exc:
        if _caused_by_memory(exc):
            raise MemoryError from exc
        log.exception("parser failed on %s", source)
        return {"ok": False, "kind": "bug", "type": type(exc).__name__}


def _caused_by_memory(exc: BaseException) -> bool:
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 20:
        if isinstance(current, MemoryError):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


def _send(stream: Any, message: dict[str, Any]) -> None:
    payload = json.dumps(message).encode("ascii")  # ASCII escapes survive lone surrogates
    stream.write(FRAME.pack(len(payload)) + payload)
    stream.flush()


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
