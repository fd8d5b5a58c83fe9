"""Regex pieces shared by the recognizers of ``ingest.pii``.

Boundaries are written as explicit lookarounds, never ``\\b``: CJK characters are word
characters, so ``\\b`` finds no edge between ``号`` and ``1`` in ``身份证号110101199003074578``.
Case matters for names and street words, so our recognizers drop Presidio's IGNORECASE.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import EntityRecognizer, RecognizerResult


_FLAGS = re.DOTALL | re.MULTILINE
_FLAGS_I = _FLAGS | re.IGNORECASE

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_CJK_RE = re.compile(f"[{_CJK}]")
_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"


class ScanningRecognizer(EntityRecognizer):
    """An English recognizer of one entity type that scans the text itself: no model to load.
    Subclasses set `ENTITY` (and `CONTEXT`, the words that raise a finding's score)."""

    ENTITY = ""
    CONTEXT: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__(
            supported_entities=[self.ENTITY],
            name=type(self).__name__,
            supported_language="en",
            context=list(self.CONTEXT) or None,
        )

    def load(self) -> None:
        pass

    def finding(self, start: int, end: int, score: float, **metadata: object) -> RecognizerResult:
        """A result of this recognizer's entity, named after it (`metadata`: more keys)."""
        return RecognizerResult(
            self.ENTITY, start, end, score,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                **metadata,
            },
        )
