"""What CLI commands share: the settings and lazily built services."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kb_service.settings import Settings

if TYPE_CHECKING:
    from ingest.ledger import Ledger
    from ingest.pipeline import Pipeline
    from kb_service.search import Searcher


def configure_logging(settings: Settings) -> None:
    """Log to stderr and to $KB_DATA_DIR/logs/kb.log. Log lines carry ids and counts only."""
    handlers: list[logging.Handler] = []
    try:
        settings.log_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(settings.log_dir / "kb.log", encoding="utf-8"))
    except OSError as exc:  # a full or read-only data folder: say so, log to stderr only
        print(f"warning: cannot write {settings.log_dir / 'kb.log'} ({exc.strerror}); logging to stderr only",
              file=sys.stderr)
    stderr = logging.StreamHandler()
    stderr.setLevel(logging.WARNING if settings.log_level == "INFO" else settings.log_level)
    handlers.append(stderr)
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    for noisy in ("httpx", "urllib3", "sentence_transformers", "presidio-analyzer", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@dataclass
class AppContext:
    settings: Settings
    _pipeline: Pipeline | None = field(default=None, init=False)
    _ledger: Ledger | None = field(default=None, init=False)
    _warmed: bool = field(default=False, init=False)

    def pipeline(self, *, warm: bool = True) -> Pipeline:
        """The pipeline; `warm=False` skips loading the de-identifier and the de-duplication
        index, for commands (delete) that only touch the store and the ledger."""
        if self._pipeline is None:
            from ingest.pipeline import Pipeline

            self._pipeline = Pipeline(self.settings, ledger=self._ledger)
        if warm and not self._warmed:
            self._pipeline.warm_up()
            self._warmed = True
        return self._pipeline

    def ledger(self) -> Ledger:
        if self._pipeline is not None:
            return self._pipeline.ledger
        if self._ledger is None:
            from ingest.ledger import Ledger

            self._ledger = Ledger(self.settings.ledger_path)
        return self._ledger

    def searcher(self) -> Searcher:
        """Search needs the embedder and the store, not the de-identifier."""
        from kb_service.embedder import make_embedder
        from kb_service.search import Searcher
        from kb_service.store import make_store

        embedder = make_embedder(self.settings)
        embedder.warm_up()
        return Searcher(embedder, make_store(self.settings, embedder.dim))

    def close(self) -> None:
        if self._pipeline is not None:
            self._pipeline.close()
        elif self._ledger is not None:
            self._ledger.close()
