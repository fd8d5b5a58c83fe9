"""Real OpenAI-compatible clients against the running service: the official `openai` client
and LangChain's `ChatOpenAI`, over HTTP to uvicorn on loopback, on the real store (an
ingested PDF) and the real vLLM server with a real LoRA adapter loaded at runtime.

Where the citations survive:
- openai: as extra fields of the completion (`completion.model_extra["citations"]`, with
  `["kb"]`), and of the final stream chunk; and in the content's "Sources:" list.
- LangChain: ChatOpenAI keeps only the fields it knows (content, finish reason, model name,
  usage); the extra `citations` / `kb` fields of a completion or a chunk are dropped, in
  `invoke` and in `stream`. The citations reach a LangChain user through the content's
  "Sources:" list, whose lines name each cited document, which these tests check.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from training.adapter_service import load_into_server
from api.app import create_app
from answer.services import build_services
from ingest.deidentify import Deidentifier
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.settings import Settings
from tests.api.conftest import READER_KEY, LiveServer, api_settings, travel_policy_pdf

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

QUESTION = "What is the daily meal allowance on business travel?"
DOCUMENT = "travel-policy.pdf"


@dataclass(frozen=True)
class Live:
    base_url: str  # the service's OpenAI base URL, http://127.0.0.1:PORT/v1
    adapter: str  # a real LoRA adapter the model server serves
    settings: Settings


def save_tiny_adapter(base_model_dir: Path, settings: Settings, name: str) -> Path:
    """A real PEFT LoRA adapter (r=4 on q_proj, v_proj) of the served base model, with lora_B
    set to small random values so it changes the outputs, and its card, in adapters_dir."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(str(base_model_dir), dtype=torch.float32)
    model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"],
                                            task_type="CAUSAL_LM"))
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for parameter_name, parameter in model.named_parameters():
            if "lora_B" in parameter_name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.02)
    folder = settings.adapters_dir / name
    model.save_pretrained(str(folder))
    card = {"name": name, "base_model": str(base_model_dir), "base_model_served_name": settings.llm_served_name,
            "dataset_dir": None, "dataset_hash": None, "source_documents": {}, "hyperparameters": {"r": 4},
            "metrics": {"test_loss": 2.0}, "created_at": "2025-01-01T00:00:00+00:00", "parent": None}
    (folder / "adapter_card.json").write_text(json.dumps(card), encoding="utf-8")
    assert (folder / "adapter_model.safetensors").exists()
    return folder


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, llm_url: str, base_model_dir: Path,
    embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier,
) -> Iterator[Live]:
    """One running service for the module: the travel policy ingested, a fresh adapter
    registered in adapters_dir and loaded into the (shared) vLLM server."""
    root = tmp_path_factory.mktemp("openai-clients")
    with pytest.MonkeyPatch.context() as env:  # as tests/conftest.py does per test
        for key in list(os.environ):
            if key.startswith("KB_"):
                env.delenv(key)
        env.setenv("KB_CONFIG", str(root / "absent-kb.toml"))
        settings = api_settings(root / "data", llm_url)
        name = f"tiny-{uuid.uuid4().hex[:8]}"  # the vLLM server is shared by the session
        folder = save_tiny_adapter(base_model_dir, settings, name)
        load_into_server(llm_url, name, folder)
        services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
        try:
            outcome = services.pipeline.ingest_file(travel_policy_pdf(root))
            assert outcome.status == "ingested", outcome.error
            with LiveServer(create_app(settings, services=services)) as server:
                yield Live(base_url=f"{server.url}/v1", adapter=name, settings=settings)
        finally:
            services.close()


def sources_of(content: str) -> dict[int, str]:
    """The content's "Sources:" list: {n: line}."""
    head, sep, block = content.rpartition("Sources:")
    assert sep, f"no Sources list in {content!r}"
    return {int(m.group(1)): m.group(0) for m in re.finditer(r"^\[(\d+)\] .*$", block, re.MULTILINE)}


def assert_sources_match(content: str, citations: list[dict[str, Any]]) -> None:
    """Every structured citation is in the readable list, in order, naming its document."""
    listed = sources_of(content)
    assert sorted(listed) == list(range(1, len(citations) + 1)), (listed, citations)
    for n, citation in enumerate(citations, start=1):
        assert listed[n].endswith(f"({citation['document']})"), (listed[n], citation)


def question(text: str = QUESTION) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


# --- the official openai client ------------------------------------------------------------------

def test_openai_client_plain_and_streaming_keep_citations(live: Live) -> None:
    import openai

    api = openai.OpenAI(base_url=live.base_url, api_key=READER_KEY, max_retries=0)  # a reader key is enough
    names = [model.id for model in api.models.list().data]
    assert names[0] == "kb" and live.settings.llm_served_name in names and live.adapter in names

    plain = api.chat.completions.create(model="kb", messages=question())
    content = plain.choices[0].message.content or ""
    assert plain.model == "kb" and plain.choices[0].finish_reason == "stop"
    extra = plain.model_extra or {}
    citations = extra["citations"]
    assert citations, extra  # grounded: the cited passages; suppressed: the closest ones
    assert citations[0]["document"] == DOCUMENT and citations[0]["page"] == 1 and citations[0]["quote"]
    assert set(citations[0]) == {"document", "title", "page", "section", "chunk_id", "quote", "score"}
    kb = extra["kb"]
    assert kb["model"] == live.settings.llm_served_name and kb["adapter"] is None
    assert isinstance(kb["grounded"], bool) and 0.0 <= kb["confidence"] <= 1.0
    assert_sources_match(content, citations)

    stream = api.chat.completions.create(model="kb", messages=question(), stream=True)
    chunks = list(stream)
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    final = chunks[-1]
    assert final.choices[0].finish_reason == "stop"
    assert all(c.model == "kb" for c in chunks) and len({c.id for c in chunks}) == 1
    final_extra = final.model_extra or {}
    assert final_extra["citations"] == citations  # greedy decoding: the same verified answer
    assert final_extra["kb"]["grounded"] == kb["grounded"]
    assert all("citations" not in (c.model_extra or {}) for c in chunks[:-1])  # only the last carries them
    assert streamed == content
    assert_sources_match(streamed, final_extra["citations"])


def test_openai_client_model_field_selects_the_adapter(live: Live) -> None:
    import openai

    api = openai.OpenAI(base_url=live.base_url, api_key=READER_KEY, max_retries=0)
    plain = api.chat.completions.create(model=live.adapter, messages=question())
    extra = plain.model_extra or {}
    assert plain.model == live.adapter
    assert extra["kb"]["model"] == live.adapter and extra["kb"]["adapter"] == live.adapter
    if extra["citations"]:
        assert_sources_match(plain.choices[0].message.content or "", extra["citations"])

    chunks = list(api.chat.completions.create(model=live.adapter, messages=question(), stream=True))
    assert {c.model for c in chunks} == {live.adapter}
    final = chunks[-1].model_extra or {}
    assert final["kb"]["adapter"] == live.adapter and final["kb"]["model"] == live.adapter
    assert "citations" in final

    with pytest.raises(openai.NotFoundError) as missing:
        api.chat.completions.create(model="no-such-adapter", messages=question())
    assert missing.value.status_code == 404
    assert getattr(missing.value, "code", None) == "model_not_found"
    assert "no-such-adapter" in str(missing.value)


def test_openai_client_without_a_valid_key_is_refused(live: Live) -> None:
    import openai

    api = openai.OpenAI(base_url=live.base_url, api_key=READER_KEY, max_retries=0)
    # no key at all: the client needs one configured, so the header is omitted per request
    with pytest.raises(openai.AuthenticationError) as missing:
        api.chat.completions.create(model="kb", messages=question(), extra_headers={"Authorization": openai.Omit()})
    assert "missing API key" in str(missing.value)
    with pytest.raises(openai.AuthenticationError):
        api.models.list(extra_headers={"Authorization": openai.Omit()})
    wrong = openai.OpenAI(base_url=live.base_url, api_key="not-a-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as invalid:
        wrong.chat.completions.create(model="kb", messages=question())
    assert "invalid API key" in str(invalid.value)


# --- LangChain's ChatOpenAI --------------------------------------------------------------------

def chat_model(live: Live, model: str = "kb", key: str = READER_KEY, **options: Any):  # type: ignore[no-untyped-def]
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(base_url=live.base_url, api_key=key, model=model, max_retries=0, timeout=300, **options)


def test_langchain_plain_and_streaming_keep_citations_in_the_sources_list(live: Live) -> None:
    from langchain_core.messages import HumanMessage

    reference = _reference_completion(live)
    llm = chat_model(live)
    message = llm.invoke([HumanMessage(QUESTION)])
    assert message.content == reference["content"]
    assert message.response_metadata["model_name"] == "kb"
    assert message.response_metadata["finish_reason"] == "stop"
    # LangChain drops the extra fields: the citations live on in the content's Sources list.
    assert_sources_match(message.content, reference["citations"])
    assert reference["citations"][0]["document"] in message.content

    chunks = list(llm.stream([HumanMessage(QUESTION)]))
    streamed = "".join(chunk.content for chunk in chunks)
    assert streamed == reference["content"]
    assert_sources_match(streamed, reference["citations"])
    final = [c for c in chunks if c.response_metadata.get("finish_reason")]
    assert len(final) == 1 and final[0].response_metadata["finish_reason"] == "stop"
    assert final[0].response_metadata["model_name"] == "kb"

    # With include_response_headers the metadata also carries the HTTP headers, not the citations.
    with_headers = chat_model(live, include_response_headers=True).invoke([HumanMessage(QUESTION)])
    assert with_headers.response_metadata["headers"]["content-type"].startswith("application/json")
    assert_sources_match(with_headers.content, reference["citations"])


def test_langchain_adapter_unknown_model_and_bad_key(live: Live) -> None:
    import openai
    from langchain_core.messages import HumanMessage

    message = chat_model(live, model=live.adapter).invoke([HumanMessage(QUESTION)])
    assert message.response_metadata["model_name"] == live.adapter
    with pytest.raises(openai.NotFoundError):
        chat_model(live, model="no-such-adapter").invoke([HumanMessage(QUESTION)])
    with pytest.raises(openai.AuthenticationError):
        chat_model(live, key="not-a-key").invoke([HumanMessage(QUESTION)])


def _reference_completion(live: Live) -> dict[str, Any]:
    """The plain completion as the service returns it (raw JSON, every field)."""
    import httpx

    response = httpx.post(
        f"{live.base_url}/chat/completions", json={"model": "kb", "messages": question()},
        headers={"Authorization": f"Bearer {READER_KEY}"}, timeout=300,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return {"content": body["choices"][0]["message"]["content"], "citations": body["citations"]}
