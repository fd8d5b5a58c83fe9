"""Dependencies shared by the routers, as Annotated aliases.

They are `async`: FastAPI runs a sync dependency on the shared worker threads, and when
questions hold all of them (each waits for the model server) a request that needs no thread,
such as an upload or a job poll, would wait for one only to read app.state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.admission import AnswerGate
from api.chat_service import ChatService
from api.metrics import Metrics
from answer.services import Services
from api.upload_queue import UploadQueue
from kb_service.settings import Settings


async def _services(request: Request) -> Services:
    return request.app.state.services


async def _metrics(request: Request) -> Metrics:
    return request.app.state.metrics


async def _chat(request: Request) -> ChatService:
    return request.app.state.chat


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def _uploads(request: Request) -> UploadQueue:
    return request.app.state.uploads


async def _gate(request: Request) -> AnswerGate:
    return request.app.state.answer_gate


ServicesDep = Annotated[Services, Depends(_services)]
MetricsDep = Annotated[Metrics, Depends(_metrics)]
ChatDep = Annotated[ChatService, Depends(_chat)]
UploadsDep = Annotated[UploadQueue, Depends(_uploads)]
SettingsDep = Annotated[Settings, Depends(_settings)]
GateDep = Annotated[AnswerGate, Depends(_gate)]
