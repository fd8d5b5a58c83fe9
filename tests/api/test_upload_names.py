"""Upload file names from the outside world become safe source names, and a hostile upload
is refused and kept in failed/ under such a name, with its reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from answer.services import build_services
from api.upload_service import MAX_NAME_BYTES, UploadNameError, safe_source_name
from ingest.deidentify import Deidentifier
from kb_service.embedder import SentenceTransformerEmbedder
from tests.api.conftest import ADMIN_KEY, api_settings, auth, free_port
from tests.corpus.badfiles import write_hostile_inputs

LONG_ZH = "信息安全制度" * 40  # 240 characters, 720 bytes of UTF-8


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("/etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\drivers\\etc\\hosts", "hosts"),
        ("C:\\Users\\ann\\report.pdf", "report.pdf"),
        ("C:report.pdf", "C_report.pdf"),  # a drive-relative path on Windows
        ('what?<are>|these*".pdf', "what__are__these__.pdf"),
        ("report\x00.pdf", "report.pdf"),
        ("re\x1bport\r\n.pdf", "report.pdf"),
        ("\u202egpj.pdf", "gpj.pdf"),  # right-to-left override: shows as fdp.jpg
        ("zero\u200bwidth.pdf", "zerowidth.pdf"),
        ("line\u2028break.pdf", "line break.pdf"),
        ("  spaced out.pdf  ", "spaced out.pdf"),
        ("...hidden.pdf", "hidden.pdf"),
        ("e\u0301te\u0301.pdf", "\u00e9t\u00e9.pdf"),  # NFC
        ("政策.pdf", "政策.pdf"),
    ],
)
def test_names_are_neutralised(raw: str, safe: str) -> None:
    assert safe_source_name(raw) == safe


@pytest.mark.parametrize("raw", [None, "", " ", ".", "..", "...", "/", "../", "..\\", "a/b/", "\x00", "\x00\x01\u202e"])
def test_unusable_names_are_refused(raw: str | None) -> None:
    with pytest.raises(UploadNameError):
        safe_source_name(raw)


@pytest.mark.parametrize("stem", ["x" * 300, LONG_ZH, "📄" * 100, "e\u0301" * 150])
def test_long_names_fit_in_bytes_and_keep_their_extension(stem: str) -> None:
    safe = safe_source_name(stem + ".pdf")
    assert safe.endswith(".pdf") and len(safe.encode("utf-8")) <= MAX_NAME_BYTES
    assert stem.startswith(safe[:-4]) or safe[:-4] in stem.replace("e\u0301", "\u00e9")
    assert "\ufffd" not in safe  # cut on a character boundary


def test_a_long_name_without_extension_is_cut_too() -> None:
    safe = safe_source_name("报告" * 200)
    assert safe == "报告" * 33  # 198 bytes: a 67th character would not fit


@pytest.fixture
def offline_client(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> Iterator[TestClient]:
    """An app with the real pipeline and no model server (uploads do not need one)."""
    settings = api_settings(
        tmp_path / "data", f"http://127.0.0.1:{free_port()}/v1", parse_timeout_s=5, parse_memory_mb=512
    )
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
    with TestClient(create_app(settings, services=services)) as client:
        yield client
    services.close()


def test_a_bomb_with_a_hostile_name_is_refused_kept_and_the_service_lives(
    offline_client: TestClient, tmp_path: Path
) -> None:
    bomb = write_hostile_inputs(tmp_path / "hostile")["decompression_bomb"].read_bytes()
    name = "..\\..\\..\\" + LONG_ZH + ".pdf"
    response = offline_client.post("/v1/documents", headers=auth(ADMIN_KEY), files={"file": (name, bomb)})
    assert response.status_code == 422, response.text
    assert "decompression" in response.json()["error"]["message"]

    failed_dir = offline_client.app.state.settings.failed_dir  # type: ignore[attr-defined]
    kept = sorted(failed_dir.iterdir())
    assert [p.name.endswith(".pdf") for p in kept] == [True, False], kept
    assert kept[0].read_bytes() == bomb and len(kept[0].name.encode("utf-8")) <= MAX_NAME_BYTES
    assert kept[1].name == kept[0].name + ".error.txt" and "decompression" in kept[1].read_text(encoding="utf-8")
    assert offline_client.get("/healthz").json() == {"status": "ok"}
