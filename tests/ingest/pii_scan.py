"""Look for planted personal data in everything the service persisted."""

from __future__ import annotations

from pathlib import Path

from kb_service.settings import Settings
from kb_service.text import keyword_text


def persisted_texts(settings: Settings) -> dict[str, str]:
    """Every text the store, the ledger and the logs hold, by where it came from."""
    import sqlite3

    import lancedb

    found: dict[str, str] = {}
    db = lancedb.connect(str(settings.store_dir))
    if settings.store_table in db.list_tables().tables:
        table = db.open_table(settings.store_table).to_arrow()
        for column in ("text", "title", "section", "keyword_text", "source", "redactions"):
            found[f"store.{column}"] = "\n".join(str(v) for v in table.column(column).to_pylist())
        found["store.section_path"] = "\n".join(" ".join(v or []) for v in table.column("section_path").to_pylist())
    if settings.ledger_path.exists():
        conn = sqlite3.connect(settings.ledger_path)
        rows = conn.execute("SELECT * FROM documents").fetchall()
        conn.close()
        found["ledger"] = "\n".join(" ".join(str(c) for c in row) for row in rows)
    for log in Path(settings.log_dir).glob("*.log") if settings.log_dir.exists() else []:
        found[f"log.{log.name}"] = log.read_text(encoding="utf-8", errors="replace")
    return found


def leaks(settings: Settings, planted: list[tuple[str, str]]) -> list[str]:
    """Planted values found anywhere persisted, as 'TYPE value in place'."""
    texts = persisted_texts(settings)
    problems = []
    for entity, value in planted:
        variants = {value, " ".join(value.split()), keyword_text(value).strip()}
        for place, text in texts.items():
            squashed = " ".join(text.split())
            if any(v and (v in text or v in squashed) for v in variants):
                problems.append(f"{entity} {value!r} in {place}")
    return problems
