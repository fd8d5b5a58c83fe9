"""What the ingestion pipeline reports: per document (``IngestOutcome``), per batch
(``BatchReport``), while it runs (``ProgressListener``), and which files a batch takes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from ingest.parse import SUPPORTED_SUFFIXES


class ProgressListener(Protocol):
    def document_started(self, source: str, index: int, total: int) -> None: ...

    def stage(self, source: str, stage: str, done: int, total: int) -> None: ...

    def document_finished(self, outcome: IngestOutcome) -> None: ...


class _Silent:
    def document_started(self, source: str, index: int, total: int) -> None:
        pass

    def stage(self, source: str, stage: str, done: int, total: int) -> None:
        pass

    def document_finished(self, outcome: IngestOutcome) -> None:
        pass


@dataclass(slots=True)
class IngestOutcome:
    source: str
    path: str
    status: Literal["ingested", "unchanged", "failed"]
    document_id: str
    version: str = ""
    pages: int = 0
    chunks: int = 0
    duplicates: int = 0
    redactions: dict[str, int] = field(default_factory=dict)
    needs_ocr_pages: list[int] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    ocr_pages: list[int] = field(default_factory=list)  # pages whose text came from OCR
    ocr_confidence: float | None = None  # their mean OCR confidence, 0..1


@dataclass(slots=True)
class BatchReport:
    outcomes: list[IngestOutcome]
    seconds: float

    def of(self, status: str) -> list[IngestOutcome]:
        return [o for o in self.outcomes if o.status == status]

    def to_dict(self) -> dict[str, object]:
        done = [o for o in self.outcomes if o.status != "failed"]
        redactions: Counter[str] = Counter()
        for outcome in self.of("ingested"):
            redactions.update(outcome.redactions)
        return {
            "ingested": len(self.of("ingested")),
            "unchanged": len(self.of("unchanged")),
            "failed": [{"path": o.path, "reason": o.error} for o in self.of("failed")],
            "documents": len(done),
            "pages": sum(o.pages for o in self.of("ingested")),
            "chunks": sum(o.chunks for o in self.of("ingested")),
            "duplicates": sum(o.duplicates for o in self.of("ingested")),
            "redactions": dict(sorted(redactions.items())),
            "needs_ocr": [{"path": o.path, "pages": o.needs_ocr_pages} for o in done if o.needs_ocr_pages],
            "ocr": [
                {"path": o.path, "pages": o.ocr_pages, "confidence": o.ocr_confidence}
                for o in self.of("ingested") if o.ocr_pages
            ],
            "seconds": round(self.seconds, 3),
        }


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, folders walked recursively for supported files (hidden ones skipped)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and p.suffix.lower() in SUPPORTED_SUFFIXES
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        else:
            files.append(path)
    return files
