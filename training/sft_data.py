"""Training data for LoRA: read a dataset folder, render chats, mask everything but the answer.

A dataset folder (written by `kb dataset build`) holds ``train.jsonl``, ``validation.jsonl``,
``test.jsonl`` and ``card.json``. Each line is ``{"messages": [...], ...}`` whose last message
is the assistant's target. We tokenize here rather than in TRL so that training, the
validation loss and `evaluate_loss` share one masking rule, and so that examples longer than
the sequence limit are dropped (and counted) instead of silently truncated, which would
cut the answer off.

The rule: the prompt is the chat template rendered over every message but the last with the
generation prompt; the label of each prompt token is -100. The answer's tokens are labelled,
up to and including the end-of-turn token (so the model learns to stop); what the template
adds after it (a newline) is -100. `answer_loss` scores a model with the same rule.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb_service.errors import KBError

SPLITS = ("train", "validation", "test")
IGNORE = -100


class DatasetError(KBError):
    """A dataset folder that is missing, incomplete or malformed."""


@dataclass(frozen=True, slots=True)
class TokenizedSplit:
    rows: list[dict[str, list[int]]]  # {"input_ids", "labels"} per example
    dropped_too_long: int

    @property
    def tokens(self) -> int:
        return sum(len(row["input_ids"]) for row in self.rows)

    @property
    def target_tokens(self) -> int:
        return sum(sum(1 for label in row["labels"] if label != IGNORE) for row in self.rows)


def read_card(dataset_dir: Path) -> dict[str, Any]:
    path = Path(dataset_dir) / "card.json"
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DatasetError(f"{dataset_dir} is not a dataset folder: card.json is missing") from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise DatasetError(f"cannot read {path}: {exc}") from exc
    if not isinstance(card, dict) or not isinstance(card.get("content_hash"), str):
        raise DatasetError(f"{path} has no content_hash")
    return card


def load_split(dataset_dir: Path, split: str) -> list[list[dict[str, str]]]:
    """The chats of one split; a missing split file is an empty split."""
    if split not in SPLITS:
        raise DatasetError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    path = Path(dataset_dir) / f"{split}.jsonl"
    if not path.exists():
        return []
    chats: list[list[dict[str, str]]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            messages = json.loads(line)["messages"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DatasetError(f"{path}:{number}: not a JSON object with 'messages' ({exc})") from exc
        if (
            not isinstance(messages, list)
            or len(messages) < 2
            or not all(isinstance(m, dict) and isinstance(m.get("content"), str) for m in messages)
            or messages[-1].get("role") != "assistant"
        ):
            raise DatasetError(f"{path}:{number}: 'messages' must be chat messages ending with the assistant's")
        chats.append([{"role": m["role"], "content": m["content"]} for m in messages])
    return chats


def _ids(tokenizer: Any, messages: list[dict[str, str]], *, generation_prompt: bool) -> list[int]:
    encoded = tokenizer.apply_chat_template(
        messages, tokenize=True, add_generation_prompt=generation_prompt, return_dict=True
    )
    return list(encoded["input_ids"])


def tokenize_chat(tokenizer: Any, messages: list[dict[str, str]]) -> dict[str, list[int]]:
    """input_ids of the whole chat and labels that are -100 outside the final answer."""
    prompt = _ids(tokenizer, messages[:-1], generation_prompt=True)
    full = _ids(tokenizer, messages, generation_prompt=False)
    # The answer starts where prompt and chat diverge; normally the prompt is a prefix.
    start = 0
    for a, b in zip(prompt, full, strict=False):
        if a != b:
            break
        start += 1
    end = len(full)
    stop_ids = _stop_ids(tokenizer)
    for position in range(start, len(full)):
        if full[position] in stop_ids:
            end = position + 1
            break
    labels = [IGNORE] * start + full[start:end] + [IGNORE] * (len(full) - end)
    return {"input_ids": full, "labels": labels}


def _stop_ids(tokenizer: Any) -> set[int]:
    ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    for token in ("<|im_end|>", "<|eot_id|>", "<|end|>"):
        token_id = tokenizer.convert_tokens_to_ids(token)
        if isinstance(token_id, int) and token_id != tokenizer.unk_token_id:
            ids.add(token_id)
    return ids


def tokenize_split(tokenizer: Any, chats: list[list[dict[str, str]]], max_tokens: int) -> TokenizedSplit:
    """Tokenize and mask; examples longer than max_tokens (or with no answer tokens) are dropped."""
    rows: list[dict[str, list[int]]] = []
    dropped = 0
    for messages in chats:
        row = tokenize_chat(tokenizer, messages)
        if len(row["input_ids"]) > max_tokens or all(label == IGNORE for label in row["labels"]):
            dropped += 1
            continue
        rows.append(row)
    return TokenizedSplit(rows=rows, dropped_too_long=dropped)


def to_dataset(split: TokenizedSplit) -> Any:
    """A `datasets.Dataset` with input_ids and labels (TRL takes it as already tokenized)."""
    from datasets import Dataset

    return Dataset.from_list(split.rows)


def answer_token_nll(model: Any, input_ids: Any, labels: Any, **model_kwargs: Any) -> tuple[Any, int]:
    """(summed NLL, count) over the answer tokens of a batch. Only the positions that predict
    an answer token (shared across the rows of a padded batch) go through the LM head: with
    answers ~5% of the tokens, the (tokens x vocabulary) logits are never built. TRL's fused
    head does the same only on Triton devices and scores every position elsewhere (CPU)."""
    import torch.nn.functional as F

    targets = labels[:, 1:]  # position p predicts token p + 1
    valid = targets != IGNORE
    keep = valid.any(dim=0).nonzero().flatten()
    logits = model(input_ids=input_ids, logits_to_keep=keep, use_cache=False, **model_kwargs).logits
    nll = F.cross_entropy(
        logits.float().flatten(0, 1), targets[:, keep].flatten(), ignore_index=IGNORE, reduction="sum"
    )
    return nll, int(valid.sum())


def answer_loss(model: Any, split: TokenizedSplit, *, bf16: bool = False) -> dict[str, Any]:
    """{loss, perplexity, tokens}: the token-weighted mean NLL over the answer tokens, one
    example at a time. `bf16`: run the matmuls under bf16 autocast, as training does."""
    import torch

    if not split.rows:
        return {"loss": None, "perplexity": None, "tokens": 0}
    was_training = model.training
    model.eval()
    device = next(p for p in model.parameters()).device
    total, count = 0.0, 0
    with torch.inference_mode(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
        for row in split.rows:
            ids = torch.tensor([row["input_ids"]], device=device)
            labels = torch.tensor([row["labels"]], device=device)
            nll, n = answer_token_nll(model, ids, labels)
            total += float(nll)
            count += n
    model.train(was_training)
    loss = total / count
    return {"loss": loss, "perplexity": math.exp(min(loss, 50.0)), "tokens": count}
