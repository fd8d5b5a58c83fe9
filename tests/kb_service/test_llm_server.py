"""The managed model server's plan, and the settings the API gets once it runs."""

from __future__ import annotations

from pathlib import Path

from api.services import make_token_counter
from kb_service.llm.server import ManagedModelServer, plan_server
from kb_service.prompting import ApproximateTokenCounter, TokenizerCounter
from kb_service.settings import Settings


def test_served_settings_count_tokens_with_the_served_models_tokenizer(
    tmp_path: Path, model_cache: Path, base_model_dir: Path
) -> None:
    """`kb serve` with the default KB_LLM_MODEL=auto: once the managed server runs, the API
    knows the resolved model folder and counts prompt tokens with its tokenizer."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "models").symlink_to(model_cache)  # the session's conversion, not a second one
    settings = Settings(data_dir=data_dir, llm_port=8123)
    assert settings.llm_model == "auto"
    server = ManagedModelServer(settings)
    server.plan = plan_server(settings)  # what start() computes before launching vLLM
    served = server.served_settings(settings)
    assert served.llm_url == "http://127.0.0.1:8123/v1"
    assert Path(served.llm_model).resolve() == base_model_dir.resolve()
    assert served.llm_model in server.plan.command
    counter = make_token_counter(served)
    assert isinstance(counter, TokenizerCounter)
    # The served model's real count, not the estimate (which errs on the long side).
    text = "The daily meal allowance on business trips is 45 euros."
    assert counter.count(text) < ApproximateTokenCounter().count(text)


def test_an_external_server_with_an_unknown_model_gets_the_estimate(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, llm_url="http://10.0.0.5:8000/v1")
    assert isinstance(make_token_counter(settings), ApproximateTokenCounter)
