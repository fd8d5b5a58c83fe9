"""The Generator protocol and its backend: any OpenAI-compatible server (vLLM by default).

The API never imports vLLM: it talks to the model server over HTTP, so API processes and
model servers scale independently. An adapter is chosen by the request's ``model`` field,
which is how vLLM serves LoRA adapters.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import httpx

from kb_service.errors import KBError

log = logging.getLogger(__name__)

Message = dict[str, str]

_THINK_BLOCK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)


class ModelServerError(KBError):
    """The model server is unreachable or answered with an error."""


class ModelNotServedError(KBError):
    """The requested model or adapter is not served."""


def strip_reasoning(text: str) -> str:
    """Remove DeepSeek-R1 style reasoning traces.

    Handles complete ``<think>…</think>`` blocks, a closing tag without its opening tag (R1
    distills often start inside the trace), and an unterminated trace cut off by the token
    limit (then nothing after ``<think>`` is an answer).
    """
    text = _THINK_BLOCK.sub("", text)
    lowered = text.lower()
    close = lowered.rfind("</think>")
    if close != -1:
        text = text[close + len("</think>"):]
        lowered = text.lower()
    opening = lowered.find("<think>")
    if opening != -1:
        text = text[:opening]
    return text.strip()


@dataclass(frozen=True, slots=True)
class Generation:
    text: str  # reasoning traces already removed
    model: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str | None
    seconds: float
    reasoning_tokens: int = 0  # tokens of the removed reasoning trace (estimated when the server does not say)


def generation_from_raw(
    raw: str,
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    finish_reason: str | None,
    seconds: float,
    *,
    reasoning: str = "",
    reasoning_tokens: int | None = None,
) -> Generation:
    """A Generation from the model's raw output: the trace stripped and its tokens counted.

    `reasoning` is a trace the server returned apart (vLLM's ``reasoning_content``). Without a
    count from the server, the trace's share of the characters stands for its share of the
    completion tokens.
    """
    text = strip_reasoning(raw)
    if reasoning_tokens is None:
        trace_chars = len(reasoning) + max(0, len(raw.strip()) - len(text))
        total_chars = len(reasoning) + len(raw.strip())
        reasoning_tokens = round(completion_tokens * trace_chars / total_chars) if total_chars and trace_chars else 0
        if trace_chars and not reasoning_tokens:
            reasoning_tokens = max(1, trace_chars // 4)
    return Generation(text, model, prompt_tokens, completion_tokens, finish_reason, seconds, reasoning_tokens)


@runtime_checkable
class Generator(Protocol):
    def generate(
        self, messages: Sequence[Message], *, model: str, max_tokens: int, temperature: float
    ) -> Generation: ...

    def stream(
        self, messages: Sequence[Message], *, model: str, max_tokens: int, temperature: float
    ) -> Iterator[str]: ...

    def models(self) -> list[str]:
        """Names the server serves: the base model and every loaded adapter."""

    def healthy(self) -> bool: ...

    def close(self) -> None: ...


class OpenAICompatibleGenerator:
    """Chat completions over HTTP against vLLM or any OpenAI-compatible server."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 120.0,
        extra_body: dict[str, object] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._extra = dict(extra_body or {})  # server-specific sampling fields (vLLM's repetition_penalty)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=5.0),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
        )

    def _payload(
        self, messages: Sequence[Message], model: str, max_tokens: int, temperature: float, stream: bool
    ) -> dict[str, object]:
        return {
            **self._extra,
            "model": model,
            "messages": list(messages),
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": stream,
        }

    def generate(
        self, messages: Sequence[Message], *, model: str, max_tokens: int, temperature: float
    ) -> Generation:
        started = time.perf_counter()
        response = self._post("/chat/completions", self._payload(messages, model, max_tokens, temperature, False))
        body = response.json()
        try:
            choice = body["choices"][0]
            text = choice["message"].get("content") or ""
        except (KeyError, IndexError, TypeError) as exc:
            raise ModelServerError(f"model server returned an unexpected body: {str(body)[:200]}") from exc
        usage = body.get("usage") or {}
        details = usage.get("completion_tokens_details") or {}
        counted = details.get("reasoning_tokens") if isinstance(details, dict) else None
        return generation_from_raw(
            text,
            str(body.get("model", model)),
            int(usage.get("prompt_tokens") or 0),
            int(usage.get("completion_tokens") or 0),
            choice.get("finish_reason"),
            time.perf_counter() - started,
            reasoning=str(choice["message"].get("reasoning_content") or choice["message"].get("reasoning") or ""),
            reasoning_tokens=int(counted) if counted else None,
        )

    def stream(
        self, messages: Sequence[Message], *, model: str, max_tokens: int, temperature: float
    ) -> Iterator[str]:
        """Raw content deltas. Callers that show text must strip reasoning themselves."""
        payload = self._payload(messages, model, max_tokens, temperature, True)
        try:
            with self._client.stream("POST", "/chat/completions", json=payload) as response:
                self._raise_for(response, read=True)
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    delta = json.loads(data)["choices"][0].get("delta", {}).get("content")
                    if delta:
                        yield delta
        except httpx.HTTPError as exc:
            raise ModelServerError(f"model server at {self.base_url} failed: {exc}") from exc

    def models(self) -> list[str]:
        body = self._get("/models").json()
        return [str(item["id"]) for item in body.get("data", [])]

    def healthy(self) -> bool:
        try:
            self._get("/models")
        except KBError:
            return False
        return True

    def close(self) -> None:
        self._client.close()

    # --- transport ------------------------------------------------------------------------
    def _post(self, path: str, payload: dict[str, object]) -> httpx.Response:
        try:
            response = self._client.post(path, json=payload)
        except httpx.HTTPError as exc:
            raise ModelServerError(f"model server at {self.base_url} is unreachable: {exc}") from exc
        self._raise_for(response)
        return response

    def _get(self, path: str) -> httpx.Response:
        try:
            response = self._client.get(path, timeout=5.0)
        except httpx.HTTPError as exc:
            raise ModelServerError(f"model server at {self.base_url} is unreachable: {exc}") from exc
        self._raise_for(response)
        return response

    @staticmethod
    def _raise_for(response: httpx.Response, read: bool = False) -> None:
        if response.status_code < 400:
            return
        if read:
            response.read()
        message = response.text[:300]
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            pass
        if response.status_code == 404:
            raise ModelNotServedError(f"model server: {message}")
        raise ModelServerError(f"model server answered {response.status_code}: {message}")
