"""Parsing (limits of the parse worker, OCR), chunking, de-duplication and the inbox watcher.

One group of `kb_service.settings.Settings`; each field is the variable ``KB_<NAME>``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class IngestSettings(BaseModel):
    # --- parsing and chunking ----------------------------------------------------------
    chunk_tokens: int = Field(
        200, ge=32, description="Maximum chunk length in tokens of the embedder's tokenizer."
    )
    chunk_overlap: int = Field(32, ge=0, description="Token overlap between consecutive chunks.")
    max_file_mb: float = Field(200.0, gt=0, description="Files larger than this are refused.")
    max_pages: int = Field(5_000, ge=1, description="Documents with more pages than this are refused.")
    parse_isolation: Literal["subprocess", "inline"] = Field(
        "subprocess",
        description=(
            "Where files are parsed: `subprocess` = in a separate worker process under the time and memory "
            "limits below, so a hostile file fails on its own and cannot hang or crash the service; "
            "`inline` = in the ingesting process, without those limits (debugging, trusted input)."
        ),
    )
    parse_timeout_s: float = Field(
        60.0,
        gt=0,
        description=(
            "Seconds parsing one file may take at least (a PDF gets more per page, see "
            "KB_PARSE_SECONDS_PER_PAGE); past its budget the worker is killed and the file fails."
        ),
    )
    parse_seconds_per_page: float = Field(
        0.5,
        ge=0,
        description=(
            "A PDF's parse budget per page: it may take max(KB_PARSE_TIMEOUT_S, pages x this) seconds, "
            "at most KB_PARSE_TIMEOUT_MAX_S (a 300-page annual report: 150 s; it needs about 30 s)."
        ),
    )
    parse_seconds_per_mb: float = Field(
        200.0,
        ge=0,
        description=(
            "Caps the per-page budget by the file's size: at most KB_PARSE_TIMEOUT_S + this x MB, so "
            "pages that share one content stream (a hostile file: 500 pages in 60 KB) cannot each claim time."
        ),
    )
    parse_timeout_max_s: float = Field(
        1200.0, gt=0, description="Most seconds any one file may take to parse, however many pages it has."
    )
    parse_page_timeout_s: float = Field(
        20.0,
        gt=0,
        description="Most seconds one page of a PDF may take; a page that takes longer fails the file at once.",
    )
    parse_memory_mb: int = Field(
        2048,
        ge=128,
        description=(
            "Most memory (address space, MiB, interpreter and parsers included: about 80 MB) the parse worker "
            "may use for one file; past it the file fails. Keep it well above KB_MAX_FILE_MB."
        ),
    )

    parse_seconds_per_ocr_page: float = Field(
        10.0,
        ge=0,
        description=(
            "More seconds for each scanned page that is OCR'd, on the file's budget and on that page's "
            "own limit (KB_PARSE_PAGE_TIMEOUT_S); a page takes 1-3 s on one core."
        ),
    )

    # --- OCR of scanned pages (Tesseract, in the parse worker) -------------------------
    ocr: Literal["auto", "on", "off"] = Field(
        "auto",
        description=(
            "OCR of PDF pages without a text layer: `auto` = when Tesseract is installed (`make ocr`), "
            "else such pages are flagged as needing OCR; `on` = always, and a missing Tesseract is a "
            "configuration error; `off` = never (pages are flagged)."
        ),
    )
    ocr_languages: str = Field(
        "eng+chi_sim",
        pattern=r"^[A-Za-z_]+(\+[A-Za-z_]+)*$",
        description="Tesseract languages, joined by `+`; each needs its model (Debian tesseract-ocr-<lang>).",
    )
    ocr_min_confidence: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description=(
            "A page whose mean OCR word confidence is below this stays flagged (needs review) and its "
            "text is not indexed."
        ),
    )
    ocr_dpi: int = Field(300, ge=72, le=600, description="Resolution scanned pages are rendered at for OCR.")

    # --- de-duplication ----------------------------------------------------------------
    dedupe_threshold: float = Field(
        0.85, gt=0.0, le=1.0, description="Jaccard similarity (MinHash) at or above which a chunk is a duplicate."
    )
    dedupe_num_perm: int = Field(128, ge=16, description="MinHash permutations.")

    # --- watcher -----------------------------------------------------------------------
    watch_interval: float = Field(1.0, gt=0, description="Seconds between inbox scans.")
    watch_settle_seconds: float = Field(
        2.0, ge=0, description="A file must keep the same size and mtime this long before it is processed."
    )
