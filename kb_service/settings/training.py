"""Training data (RAFT pairs, splits) and LoRA training.

One group of `kb_service.settings.Settings`; each field is the variable ``KB_<NAME>``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class TrainingSettings(BaseModel):
    # --- training data --------------------------------------------------------------------
    dataset_generator: Literal["rules", "llm", "both"] = Field(
        "rules",
        description=(
            "How questions are made from chunks: 'rules' (headings, definitions, numbered rules, table "
            "rows; no model needed), 'llm' (the configured model through the model server, every answer "
            "verified against its chunk), or both."
        ),
    )
    raft_distractors: int = Field(3, ge=0, le=10, description="Distractor chunks beside the oracle in each example.")
    raft_oracle_probability: float = Field(
        0.8, ge=0.0, le=1.0, description="Share of QA examples whose context holds the oracle chunk (RAFT's P)."
    )
    refusal_fraction: float = Field(
        0.2, ge=0.0, le=0.9, description="Refusal examples (distractors only, target = the refusal sentence) per QA example."
    )
    question_dedupe_threshold: float = Field(
        0.85, gt=0.0, le=1.0, description="Questions at least this similar (cosine) to a kept one are dropped."
    )
    split_fractions: tuple[float, float, float] = Field(
        (0.8, 0.1, 0.1), description="train / validation / test shares, split by document."
    )
    dataset_seed: int = Field(13, description="Seed of every random choice in dataset building.")

    # --- LoRA training ----------------------------------------------------------------------
    lora_r: int = Field(16, ge=1, description="LoRA rank.")
    lora_alpha: int = Field(32, ge=1, description="LoRA alpha.")
    lora_dropout: float = Field(0.1, ge=0.0, lt=1.0, description="LoRA dropout.")
    lora_targets: str = Field(
        "q_proj,v_proj", description="Comma-separated module names, or 'all-linear' for every linear layer."
    )
    train_learning_rate: float = Field(2e-4, gt=0, description="Peak learning rate (after warm-up).")
    train_warmup_ratio: float = Field(0.05, ge=0.0, lt=1.0, description="Share of steps spent warming up.")
    train_epochs: float = Field(3.0, gt=0, description="Epochs over the training split.")
    train_batch_size: int = Field(4, ge=1, description="Sequences per device step.")
    train_effective_batch: int = Field(16, ge=1, description="Sequences per optimizer step (via gradient accumulation).")
    train_max_seq_tokens: int = Field(1024, ge=64, description="Longest training sequence; longer examples are dropped.")
    train_eval_steps: int = Field(20, ge=1, description="Evaluate on the validation split and checkpoint every N steps.")
    train_early_stopping_patience: int = Field(3, ge=0, description="Evaluations without improvement before stopping (0 = never).")
    train_packing: bool = Field(True, description="Pack short examples into full sequences (no padding waste).")
    retrain_replay_fraction: float = Field(
        0.25, ge=0.0, le=1.0,
        description="kb retrain: share of the unchanged documents' examples replayed beside the changed ones.",
    )
    train_qlora: Literal["auto", "on", "off"] = Field(
        "auto", description="4-bit QLoRA (bitsandbytes): 'auto' = on a CUDA GPU only."
    )
