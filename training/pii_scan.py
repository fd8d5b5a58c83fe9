"""The training data's own personal-data check: the de-identifier run again over distinct
lines, once each (see `training.dataset` for where the build calls it)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from training.pairs import PLACEHOLDER

if TYPE_CHECKING:
    from ingest.deidentify import Deidentifier


class PIIScanner:
    """Runs the de-identifier over distinct lines, once each, and remembers the findings."""

    def __init__(self, deidentifier: Deidentifier, batch_size: int = 256) -> None:
        self._session = deidentifier.session()
        self._batch_size = batch_size
        self._findings: dict[str, dict[str, int]] = {}

    @property
    def lines_scanned(self) -> int:
        return len(self._findings)

    @staticmethod
    def lines(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if re.search(r"\w", line)]

    def scan(self, texts: Iterable[str], progress: Callable[[int, int], None] | None = None) -> None:
        todo = list(
            dict.fromkeys(line for text in texts for line in self.lines(text) if line not in self._findings)
        )
        for start in range(0, len(todo), self._batch_size):
            batch = todo[start : start + self._batch_size]
            for line, redacted in zip(batch, self._session.redact_many(batch, document=False), strict=True):
                new = PLACEHOLDER.sub("", line) != PLACEHOLDER.sub("", redacted.text)
                self._findings[line] = dict(redacted.counts) if new else {}
            if progress is not None:
                progress(min(start + self._batch_size, len(todo)), len(todo))

    def findings(self, text: str) -> dict[str, int]:
        """Entity type -> count of new redactions in the text (scanning what was not yet)."""
        lines = self.lines(text)
        if any(line not in self._findings for line in lines):
            self.scan([text])
        total: Counter[str] = Counter()
        for line in lines:
            total.update(self._findings[line])
        return dict(total)
