"""Source names are personal data: ``Jane_Doe_CV.md`` must not put "Jane Doe" anywhere
persisted (store, ledger listing, logs, citations), and ``kb docs delete`` by the file name
its owner knows still works. Also: outside-written notes through the pipeline leave no
planted phone or card number in any file under the data folder."""

from __future__ import annotations

from pathlib import Path

from ingest.deidentify import Deidentifier
from ingest.pipeline import Pipeline
from ingest.source_names import display_name, readable, readable_title
from kb_service.types import DocumentStatus
from tests.ingest.pii_scan import leaks


def test_display_name_replaces_the_name_and_keeps_the_rest(deidentifier: Deidentifier) -> None:
    session = deidentifier.session()
    assert display_name(session, "Jane_Doe_CV.pdf") == "<PERSON_1>_CV.pdf"
    assert session.redact("Jane Doe wrote it.").text == "<PERSON_1> wrote it."  # one placeholder
    plain_names = (
        "expense-policy.pdf", "zh-12.pdf", "meeting-notes-2024-05-01.md", "信息安全制度.pdf",
        "zero_byte.pdf", "image_only.pdf", "encrypted_password.pdf", "quarterly_report_2024.pdf",
    )  # spaCy calls "zero_byte" as written a PERSON; read as words it is not
    for plain in plain_names:
        assert display_name(deidentifier.session(), plain) == plain
    assert display_name(deidentifier.session(), "john.smith@example.com.txt") == "<EMAIL_ADDRESS_1>.txt"
    assert readable("Jane_Doe-CV.v2.pdf") == "Jane Doe CV v2 pdf"
    assert readable_title("<PERSON_1>_CV") == "<PERSON_1> CV"


def _all_bytes(data_dir: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())


def test_file_name_with_a_person_never_reaches_store_ledger_or_logs(pipeline: Pipeline, tmp_path: Path) -> None:
    path = tmp_path / "Jane_Doe_CV.md"
    path.write_text("# Curriculum vitae\n\nJane Doe has led data teams since 2015.\n", encoding="utf-8")
    (outcome,) = pipeline.ingest_paths([path]).outcomes
    assert outcome.status == "ingested", outcome.error
    assert outcome.source == "<PERSON_1>_CV.md"
    assert leaks(pipeline.settings, [("PERSON", "Jane Doe"), ("PERSON", "Jane_Doe")]) == []
    listed = [d.source for d in pipeline.ledger.list()]
    assert listed == [outcome.source]

    again = pipeline.ingest_paths([path]).outcomes[0]  # identity is the original name
    assert again.status == "unchanged" and again.document_id == outcome.document_id
    info = pipeline.delete("Jane_Doe_CV.md")  # the name the owner knows
    assert info.document_id == outcome.document_id
    assert pipeline.ledger.get(outcome.document_id).status == DocumentStatus.DELETED
    import sqlite3

    conn = sqlite3.connect(pipeline.settings.ledger_path)
    assert conn.execute("SELECT COUNT(*) FROM source_names").fetchone()[0] == 0  # forgotten
    conn.close()


NOTES = {  # outside-written notes with the values issue 13 found verbatim in the store
    "note-1.txt": "Signature\nMarie Hamanová\nPhone:\n60-56-85-91\n",
    "note-2.txt": "Reach the front desk on (37) 788-063-Office or 07700 063 966-Fax.\n",
    "note-3.txt": "Phone: 0490 75 40 81\nPlease block card number 630427373398.\n",
    "note-4.txt": "I lost my card 213176828496175 at the station.\n",
}
PLANTED = [
    ("PHONE_NUMBER", "60-56-85-91"),
    ("PHONE_NUMBER", "(37) 788-063"),
    ("PHONE_NUMBER", "07700 063 966"),
    ("PHONE_NUMBER", "0490 75 40 81"),
    ("CREDIT_CARD", "630427373398"),
    ("CREDIT_CARD", "213176828496175"),
    ("PERSON", "Hamanová"),
]


def test_outside_notes_leave_no_planted_value_in_the_data_folder(pipeline: Pipeline, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    for name, text in NOTES.items():
        (folder / name).write_text(text, encoding="utf-8")
    report = pipeline.ingest_paths([folder])
    assert all(o.status == "ingested" for o in report.outcomes), [o.error for o in report.outcomes]
    assert leaks(pipeline.settings, PLANTED) == []
    raw = _all_bytes(pipeline.settings.data_dir)
    for _, value in PLANTED:
        assert value.encode("utf-8") not in raw, value
