"""How `kb ask` and `kb eval` reach an answer service: a running kb-service (KB_API_URL), or
one built in-process, with a managed model server when KB_LLM_URL is unset."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console

from kb_service.settings import Settings
from kb_service.types import Answer

if TYPE_CHECKING:
    from answer.services import Services

AskFn = Callable[..., Answer]


@contextmanager
def answering(settings: Settings, console: Console) -> Iterator[AskFn]:
    if settings.api_url:
        from kb_service.client import KBClient

        client = KBClient(settings.api_url, api_key=settings.api_key)
        try:
            yield client.ask
        finally:
            client.close()
        return

    with local_services(settings, console) as services:
        yield services.answers.ask


@contextmanager
def local_services(settings: Settings, console: Console) -> Iterator[Services]:
    """The answer service's parts in this process, with a managed model server for the
    duration unless KB_LLM_URL names one."""
    from answer.services import build_services
    from kb_service.llm.server import ManagedModelServer

    server = ManagedModelServer(settings) if settings.llm_url is None else None
    try:
        if server is not None:
            with console.status("starting the model server (vLLM, about a minute)…"):
                server.start()
                settings = server.served_settings(settings)
        with console.status("loading models…"):
            services = build_services(settings)
        try:
            yield services
        finally:
            services.close()
    finally:
        if server is not None:
            server.stop()
