"""Two questions on a generated 10-Q with the real SmolLM2 on vLLM: a balance-sheet figure is
answered (verified, or quoted when the model's answer is not), a period the filing lacks is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from answer.services import build_services
from tests.api.conftest import api_settings
from tests.corpus.filings import write_filings

pytestmark = [pytest.mark.vllm, pytest.mark.slow]


def test_filing_figure_answered_and_absent_period_suppressed(tmp_path: Path, llm_url: str, embedder, deidentifier) -> None:  # type: ignore[no-untyped-def]
    questions = {q.id.rsplit("2024-", 1)[1]: q for q in write_filings(tmp_path / "filings", seeds=(0,))}
    services = build_services(api_settings(tmp_path / "data", llm_url), embedder=embedder, deidentifier=deidentifier)
    try:
        services.pipeline.ingest_paths([tmp_path / "filings"])
        q = questions["total-assets"]
        answer = services.answers.ask(q.question)
        assert answer.grounded or answer.extractive, answer.answer
        if answer.extractive:
            assert q.number in answer.answer and answer.citations[0].page == q.page
        absent = services.answers.ask(questions["assets-old"].question)
        assert not absent.grounded and not absent.extractive, absent.answer
    finally:
        services.close()
