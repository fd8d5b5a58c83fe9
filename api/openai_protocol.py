"""Request and response models of the OpenAI-compatible surface (the subset chat tools use)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kb_service.types import Citation


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "user", "assistant", "tool", "developer", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        if not self.content:
            return ""
        return "\n".join(part.text or "" for part in self.content if part.type == "text")


class ChatCompletionRequest(BaseModel):
    """Unknown fields (tools, logprobs, …) are accepted and ignored, as chat tools send many."""

    model_config = ConfigDict(extra="allow")
    model: str = Field("kb", description="'kb' (the default adapter), the base model's name, or an adapter name.")
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    temperature: float | None = Field(None, ge=0, le=2, description="Ignored: answers are generated greedily.")
    max_tokens: int | None = Field(None, ge=1, description="Ignored beyond the service's own limit.")
    user: str | None = None


class KBInfo(BaseModel):
    grounded: bool
    confidence: float
    suppressed_reason: str | None
    trimmed: bool
    timings: dict[str, float]
    model: str | None = Field(None, description="Model that generated the answer (base or adapter name).")
    adapter: str | None = Field(None, description="LoRA adapter used, if any.")
    constraints: dict[str, list[str]] = Field(
        default_factory=dict,
        description="What the question states (period, entity, measure, basis, answer_type) and the answer was held to.",
    )
    constraint_issues: list[str] = Field(
        default_factory=list, description="Why claims were dropped or the answer held back by the constraint gate."
    )
    standalone_question: str | None = Field(
        None, description="The question answered: the last user message, rewritten from the conversation when a follow-up."
    )
    rewritten_by: Literal["model", "rules", "none"] | None = Field(
        None, description="How the standalone question was made: the served model, the rules, or not rewritten."
    )


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop", "length"] = "stop"


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage = Field(default_factory=Usage)
    citations: list[Citation] = Field(default_factory=list, description="Verified sources; [n] is citations[n-1].")
    kb: KBInfo


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop", "length"] | None = None


class ChatCompletionChunk(BaseModel):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    citations: list[Citation] | None = None
    kb: KBInfo | None = None


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "kb-service"
    description: str | None = None


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=False)
