"""A small client of a running kb-service, used by `kb ask` and `kb eval` when KB_API_URL is set."""

from __future__ import annotations

import httpx

from kb_service.errors import KBError
from kb_service.types import Answer


class ServiceError(KBError):
    """The kb-service answered with an error or could not be reached."""


class KBClient:
    def __init__(self, base_url: str, *, api_key: str | None = None, timeout: float = 300.0) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout)

    def ask(
        self, question: str, *, k: int | None = None, model: str | None = None, threshold: float | None = None
    ) -> Answer:
        body = {"question": question, "k": k, "adapter": model, "threshold": threshold}
        try:
            response = self._client.post("/v1/ask", json={key: v for key, v in body.items() if v is not None})
        except httpx.HTTPError as exc:
            raise ServiceError(f"kb-service at {self._client.base_url} is unreachable: {exc}") from exc
        if response.status_code >= 400:
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = response.text[:300]
            raise ServiceError(f"kb-service answered {response.status_code}: {message}")
        return Answer.model_validate(response.json())

    def close(self) -> None:
        self._client.close()
