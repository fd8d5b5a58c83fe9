"""A dataset on disk: its JSONL files, its content hash, and where the newest one is."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from training.dataset_card import SPLITS
from training.raft import TrainingExample

if TYPE_CHECKING:
    from kb_service.settings import Settings


def write_dataset(out_dir: Path, examples: Mapping[str, Sequence[TrainingExample]]) -> str:
    """The JSONL files (chat and prompt/response); returns the content hash."""
    (out_dir / "prompt_response").mkdir(parents=True, exist_ok=True)
    for name in SPLITS:
        rows = examples.get(name, [])
        with (out_dir / f"{name}.jsonl").open("w", encoding="utf-8", newline="\n") as f:
            for example in rows:
                f.write(json.dumps(example.to_json(), ensure_ascii=False) + "\n")
        with (out_dir / "prompt_response" / f"{name}.jsonl").open("w", encoding="utf-8", newline="\n") as f:
            for example in rows:
                f.write(json.dumps(prompt_response(example), ensure_ascii=False) + "\n")
    return content_hash(out_dir)


def prompt_response(example: TrainingExample) -> dict[str, str]:
    """The example without a chat template: system and user text, then the target."""
    prompt = "\n\n".join(m["content"] for m in example.messages if m["role"] != "assistant")
    response = next(m["content"] for m in example.messages if m["role"] == "assistant")
    return {"prompt": prompt, "response": response}


def content_hash(folder: Path) -> str:
    """sha256 over the three chat files, each as its name, a NUL, its bytes, a NUL, in the
    order train, validation, test. Same examples, same hash; the card is not part of it."""
    digest = hashlib.sha256()
    for name in SPLITS:
        digest.update(f"{name}.jsonl".encode() + b"\0")
        digest.update((Path(folder) / f"{name}.jsonl").read_bytes() + b"\0")
    return digest.hexdigest()


def default_out_dir(settings: Settings) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = settings.datasets_dir / stamp
    suffix = 1
    while target.exists():
        suffix += 1
        target = settings.datasets_dir / f"{stamp}-{suffix}"
    return target


def mark_latest(settings: Settings, folder: Path) -> None:
    """``datasets_dir/latest`` names the newest dataset: its folder name when it lies in
    datasets_dir, else its absolute path (``datasets_dir / content`` resolves both)."""
    settings.datasets_dir.mkdir(parents=True, exist_ok=True)
    folder = folder.resolve()
    name = folder.name if folder.parent == settings.datasets_dir.resolve() else str(folder)
    tmp = settings.datasets_dir / ".latest.tmp"
    tmp.write_text(name + "\n", encoding="utf-8")
    tmp.replace(settings.datasets_dir / "latest")


def latest_dataset(settings: Settings) -> Path | None:
    marker = settings.datasets_dir / "latest"
    if not marker.exists():
        return None
    folder = settings.datasets_dir / marker.read_text(encoding="utf-8").strip()
    return folder if (folder / "card.json").exists() else None
