"""How long the parse worker may take for one file: a budget that grows with its pages.

A flat limit either refuses a 300-page annual report or lets a hostile one-page file run for
minutes. So a file gets ``KB_PARSE_TIMEOUT_S`` at least; a PDF gets
``KB_PARSE_SECONDS_PER_PAGE`` per page instead when that is more, but no more than
``KB_PARSE_TIMEOUT_S`` + ``KB_PARSE_SECONDS_PER_MB`` per megabyte (pages that share one
content stream are cheap to make and dear to read) and never more than
``KB_PARSE_TIMEOUT_MAX_S``. Every single page must also finish within
``KB_PARSE_PAGE_TIMEOUT_S``: the worker reports each page it reads, so a page that crawls fails
the file at once, whatever the whole budget is.

A scanned page that is OCR'd gets ``KB_PARSE_SECONDS_PER_OCR_PAGE`` more, on the file's budget
(the worker announces how many pages it is about to OCR) and on its own page limit; the file
as a whole still stops at ``KB_PARSE_TIMEOUT_MAX_S``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the worker imports nothing of pydantic
    from kb_service.settings import Settings


@dataclass(frozen=True, slots=True)
class ParseBudget:
    floor_s: float
    per_page_s: float
    per_mb_s: float
    ceiling_s: float
    page_s: float
    per_ocr_page_s: float = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> ParseBudget:
        return cls(
            floor_s=settings.parse_timeout_s,
            per_page_s=settings.parse_seconds_per_page,
            per_mb_s=settings.parse_seconds_per_mb,
            ceiling_s=settings.parse_timeout_max_s,
            page_s=settings.parse_page_timeout_s,
            per_ocr_page_s=settings.parse_seconds_per_ocr_page,
        )

    def total_s(self, pages: int | None, size_bytes: int, ocr_pages: int = 0) -> float:
        """Seconds for the whole file; `pages` None (not counted yet, or not a PDF): the floor."""
        if not pages:
            return self.floor_s
        by_size = self.floor_s + self.per_mb_s * size_bytes / 1e6
        total = max(self.floor_s, min(self.per_page_s * pages, by_size, self.ceiling_s))
        if ocr_pages:
            total = min(total + self.per_ocr_page_s * ocr_pages, max(self.ceiling_s, total))
        return total

    def page_limit_s(self, ocr: bool) -> float:
        """Seconds one page may take; a page being OCR'd gets its allowance on top."""
        return self.page_s + (self.per_ocr_page_s if ocr else 0.0)

    def describe(self, pages: int | None, size_bytes: int, ocr_pages: int = 0) -> str:
        """Which settings made the budget, for the error a user reads."""
        total = self.total_s(pages, size_bytes, ocr_pages)
        if pages and ocr_pages and total < self.ceiling_s:
            base = self.describe(pages, size_bytes)
            return f"{base}, + {ocr_pages} OCR pages x KB_PARSE_SECONDS_PER_OCR_PAGE {self.per_ocr_page_s:g} s"
        if not pages or total == self.floor_s:
            return "limit KB_PARSE_TIMEOUT_S"
        if total == self.ceiling_s:
            return f"{pages} pages; limit KB_PARSE_TIMEOUT_MAX_S"
        if total == self.per_page_s * pages:
            return f"{pages} pages x KB_PARSE_SECONDS_PER_PAGE {self.per_page_s:g} s"
        return f"{pages} pages in {size_bytes / 1e6:.2f} MB; limit KB_PARSE_SECONDS_PER_MB {self.per_mb_s:g} s"

    def exceeded(self, pages: int | None, size: int, pages_read: int, whole_file: bool, ocr_pages: int) -> str:
        """Which limit ran out, in words: the file's budget, or one page's."""
        if whole_file:
            total = self.total_s(pages, size, ocr_pages)
            return f"parsing took longer than {round(total, 1):g} s ({self.describe(pages, size, ocr_pages)})"
        if ocr_pages:
            return (
                f"OCR of a scanned page took longer than {self.page_limit_s(True):g} s "
                "(limits KB_PARSE_PAGE_TIMEOUT_S + KB_PARSE_SECONDS_PER_OCR_PAGE)"
            )
        page = min(pages_read + 1, pages or pages_read + 1)
        return (
            f"page {page} of {pages} took longer than {self.page_s:g} s to read "
            "(limit KB_PARSE_PAGE_TIMEOUT_S)"
        )
