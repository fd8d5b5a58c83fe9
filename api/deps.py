"""Dependencies shared by the routers, as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.chat_service import ChatService
from api.metrics import Metrics
from api.services import Services


def _services(request: Request) -> Services:
    return request.app.state.services


def _metrics(request: Request) -> Metrics:
    return request.app.state.metrics


def _chat(request: Request) -> ChatService:
    return request.app.state.chat


ServicesDep = Annotated[Services, Depends(_services)]
MetricsDep = Annotated[Metrics, Depends(_metrics)]
ChatDep = Annotated[ChatService, Depends(_chat)]
