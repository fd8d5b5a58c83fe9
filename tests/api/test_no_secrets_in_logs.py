"""No key and no personal data in any log, after a full flow on the real model server.

Planted values: a reader key and an admin key (unusual strings, so a hit is never chance),
a PDF with a person's name, e-mail, phone number, IBAN and more (tests/corpus/pdfgen), and
questions, a chat message, an OpenAI `user` field and a feedback comment carrying an e-mail
and a phone number. The flow goes over real HTTP through uvicorn with its access log on and
every logger at DEBUG: upload, list, ask, chat completions (plain and streamed), feedback, a
refused key, delete. Then every place a log can land is read: the records of the root logger
and of uvicorn's own loggers, $KB_DATA_DIR/logs/* (the CLI's kb.log, set up as `kb serve`
does), the audit log, the vLLM server's log, and the process's stdout and stderr.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.auth import hash_key
from answer.services import build_services
from ingest.deidentify import Deidentifier
from cli.context import configure_logging
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.settings import Settings
from tests.api.conftest import LiveServer, api_settings, free_port
from tests.corpus.pdfgen import policy_document, write_pdf

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

PLANTED_READER_KEY = "rk-Quokka-7f3c9e21-reader-planted"
PLANTED_ADMIN_KEY = "ak-Narwhal-41b8d0aa-admin-planted"
PLANTED_WRONG_KEY = "wk-Pangolin-99e0c3d1-wrong-planted"
QUESTION_EMAIL = "ottilie.brandvold@mailbox-planted.org"
QUESTION_PHONE = "+44 20 7946 0831"


class LoggedLiveServer(LiveServer):
    """LiveServer with uvicorn's access log on and its loggers at DEBUG."""

    def __init__(self, app: object) -> None:
        import uvicorn

        self.port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="debug", access_log=True  # type: ignore[arg-type]
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)


@pytest.fixture
def debug_logging(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> Iterator[Settings]:
    """The service's logging as `kb serve -v` sets it up (kb.log and stderr), with caplog kept
    and every logger at DEBUG, the ones `kb serve` quiets included; all restored afterwards.
    After capfd, so that the stderr handler writes where capfd reads."""
    settings = api_settings(
        tmp_path / "data", "http://unused", api_keys=[PLANTED_READER_KEY], admin_keys=[PLANTED_ADMIN_KEY],
        log_level="DEBUG",
    )
    root = logging.getLogger()
    caplog.set_level(logging.DEBUG)  # first, so that caplog restores the level found before the test
    kept_handlers, kept_level = root.handlers[:], root.level
    levels = {name: logger.level for name, logger in logging.root.manager.loggerDict.items()
              if isinstance(logger, logging.Logger)}
    configure_logging(settings)
    added = [handler for handler in root.handlers if handler not in kept_handlers]
    for handler in kept_handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    for name in levels:
        logging.getLogger(name).setLevel(logging.NOTSET)
    try:
        yield settings
    finally:
        for handler in added:
            root.removeHandler(handler)
            handler.close()
        root.handlers[:] = kept_handlers
        root.setLevel(kept_level)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def test_keys_and_personal_data_never_reach_a_log(
    debug_logging: Settings,
    llm_url: str,
    embedder: SentenceTransformerEmbedder,
    deidentifier: Deidentifier,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    settings = debug_logging.model_copy(update={"llm_url": llm_url})
    spec, planted_pii = policy_document(11, pages=2)
    kinds = {kind for kind, _ in planted_pii}
    assert {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE"} <= kinds
    pdf = write_pdf(spec, tmp_path / "contact-policy.pdf")
    person = next(value for kind, value in planted_pii if kind == "PERSON")
    question = f"Who owns this policy, and can {person} reach me at {QUESTION_EMAIL} or {QUESTION_PHONE}?"
    upload_name = f"{person.replace(' ', '_')}_contact-policy.pdf"

    services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
    uvicorn_loggers = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")]
    try:
        with LoggedLiveServer(create_app(settings, services=services)) as live:
            for logger in uvicorn_loggers:  # they do not propagate to the root logger
                logger.addHandler(caplog.handler)
            admin = {"Authorization": f"Bearer {PLANTED_ADMIN_KEY}"}
            reader = {"X-API-Key": PLANTED_READER_KEY}
            with httpx.Client(base_url=live.url, timeout=300) as http:
                with pdf.open("rb") as handle:
                    # The file name holds the person's name too (a CV, a signed letter ...).
                    files = {"file": (upload_name, handle, "application/pdf")}
                    uploaded = http.post("/v1/documents", headers=admin, files=files)
                assert uploaded.status_code == 201, uploaded.text
                document_id = uploaded.json()["document_id"]
                assert http.get("/v1/documents", headers=reader).status_code == 200

                asked = http.post("/v1/ask", headers=reader, json={"question": question})
                assert asked.status_code == 200, asked.text
                chat = {"model": "kb", "user": QUESTION_EMAIL, "messages": [{"role": "user", "content": question}]}
                assert http.post("/v1/chat/completions", headers=reader, json=chat).status_code == 200
                streamed = {**chat, "stream": True}
                with http.stream("POST", "/v1/chat/completions", headers=reader, json=streamed) as stream:
                    assert stream.status_code == 200
                    assert "[DONE]" in "".join(stream.iter_text())
                feedback = {"answer_id": "a-1", "rating": "down", "question": question,
                            "comment": f"Wrong. Write to {QUESTION_EMAIL} or call {QUESTION_PHONE}."}
                assert http.post("/v1/feedback", headers=reader, json=feedback).status_code == 201
                invalid = http.post("/v1/ask", headers=reader, json={"question": question, "k": 0})
                assert invalid.status_code == 422
                refused = http.get("/v1/documents", headers={"Authorization": f"Bearer {PLANTED_WRONG_KEY}"})
                assert refused.status_code == 401
                assert http.delete(f"/v1/documents/{document_id}", headers=admin).status_code == 200
    finally:
        for logger in uvicorn_loggers:
            logger.removeHandler(caplog.handler)
        services.close()

    # Everything a log could hold.
    sources: dict[str, str] = {}
    sources["log records"] = caplog.text + "\n".join(
        f"{record.getMessage()} {record.exc_text or ''} {record.stack_info or ''}" for record in caplog.records
    )
    for path in sorted(settings.log_dir.glob("*")):
        sources[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    sources["audit log"] = settings.audit_path.read_text(encoding="utf-8")
    for path in sorted(tmp_path_factory.getbasetemp().glob("vllm-data*/logs/*.log")):
        sources[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    captured = capfd.readouterr()
    sources["stdout"], sources["stderr"] = captured.out, captured.err

    # The capture worked: each source holds what it should.
    assert '"POST /v1/ask HTTP/1.1" 200' in sources["log records"]  # uvicorn's access log
    assert any(record.name.startswith("ingest") for record in caplog.records)
    assert "kb.log" in " ".join(sources) and "document.upload" in sources["audit log"]
    assert any("vllm" in name for name in sources), "the vLLM server's log was not found"

    secrets = [PLANTED_READER_KEY, PLANTED_ADMIN_KEY, PLANTED_WRONG_KEY]
    secrets += [hash_key(key) for key in secrets]
    personal = [value for _, value in planted_pii] + [QUESTION_EMAIL, QUESTION_PHONE, question]
    personal += [person.replace(" ", "_"), upload_name]
    leaks = [
        f"{where}: {value!r}" for where, text in sources.items() for value in secrets + personal if value in text
    ]
    assert not leaks, "\n".join(leaks)
