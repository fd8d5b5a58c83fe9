"""The dataset card: ``card.json`` (a `DatasetCard`) and ``card.md``, and the statistics in them.

``card.json`` is what the trainer and the adapter registry read: ``content_hash`` (the
dataset's identity in an adapter card), ``source_documents`` (document id -> version, so an
adapter can be marked stale when a document changes), the splits, counts and token lengths.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from kb_service.errors import KBError
from kb_service.prompting import ApproximateTokenCounter, TokenCounter
from kb_service.types import Passage
from training.eval_metrics import percentile
from training.pairs import QAPair
from training.raft import RaftStats, TrainingExample

if TYPE_CHECKING:
    from kb_service.settings import Settings
    from training.qa_llm import LLMGenerator

SPLITS: tuple[str, str, str] = ("train", "validation", "test")
CARD_FORMAT = "kb-raft-chat/1"


class DatasetError(KBError):
    """The dataset cannot be built (no chunks, personal data found, folder in the way)."""


class DatasetCard(BaseModel):
    """``card.json``. `os.fspath(card)` is the dataset folder."""

    format: str = CARD_FORMAT
    created_at: str
    path: str = Field(description="The dataset folder.")
    generator: str
    model: str | None = Field(None, description="Model that wrote LLM pairs, if any.")
    content_hash: str = Field(description="sha256 over the three chat JSONL files (see content_hash).")
    files: dict[str, str]
    source_documents: dict[str, str] = Field(description="document_id -> version (sha256 of its bytes).")
    documents: list[dict[str, Any]]
    splits: dict[str, list[str]]
    counts: dict[str, Any]
    tokens: dict[str, Any]
    pairs: dict[str, Any]
    raft: dict[str, Any]
    pii_scan: dict[str, Any]
    settings: dict[str, Any]
    notes: list[str] = Field(default_factory=list)

    def __fspath__(self) -> str:
        return self.path


def document_rows(
    chunks_by_doc: Mapping[str, Sequence[Passage]],
    usable_by_doc: Mapping[str, Sequence[Passage]],
    versions: Mapping[str, str],
    split_of: Mapping[str, str],
    pairs: Sequence[QAPair],
    examples: Mapping[str, Sequence[TrainingExample]],
) -> list[dict[str, Any]]:
    pair_count = Counter(p.document_id for p in pairs)
    example_count: Counter[tuple[str, str]] = Counter(
        (ex.document_ids[0], ex.kind) for rows in examples.values() for ex in rows
    )
    rows = []
    for doc, chunks in sorted(chunks_by_doc.items(), key=lambda item: item[1][0].source):
        rows.append(
            {
                "document_id": doc,
                "source": chunks[0].source,
                "title": chunks[0].title,
                "version": versions.get(doc, ""),
                "split": split_of.get(doc),
                "chunks": len(chunks),
                "chunks_used": len(usable_by_doc.get(doc, [])),
                "pairs": pair_count.get(doc, 0),
                "qa": example_count.get((doc, "qa"), 0),
                "refusal": example_count.get((doc, "refusal"), 0),
            }
        )
    return rows


def counts_of(examples: Mapping[str, Sequence[TrainingExample]], split_of: Mapping[str, str]) -> dict[str, Any]:
    by_document: dict[str, dict[str, Any]] = {}
    for rows in examples.values():
        for ex in rows:
            doc = ex.document_ids[0]  # the oracle's document: where the question comes from
            entry = by_document.setdefault(doc, {"split": split_of.get(doc), "qa": 0, "refusal": 0})
            entry[ex.kind] += 1
    return {
        "examples": sum(len(rows) for rows in examples.values()),
        "by_split": {name: len(examples.get(name, [])) for name in SPLITS},
        "by_kind": {name: dict(Counter(ex.kind for ex in examples.get(name, []))) for name in SPLITS},
        "by_qtype": {name: dict(Counter(ex.qtype for ex in examples.get(name, []))) for name in SPLITS},
        "by_generator": {name: dict(Counter(ex.generator for ex in examples.get(name, []))) for name in SPLITS},
        "by_document": dict(sorted(by_document.items())),
    }


def _distribution(values: Sequence[int]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "p50": None, "p95": None, "max": None, "mean": None}
    return {
        "n": len(values),
        "p50": round(float(percentile(values, 50) or 0), 1),
        "p95": round(float(percentile(values, 95) or 0), 1),
        "max": max(values),
        "mean": round(sum(values) / len(values), 1),
    }


def token_stats(lengths: Mapping[str, Sequence[int]], counter: TokenCounter, settings: Settings) -> dict[str, Any]:
    every = [n for name in SPLITS for n in lengths[name]]
    if isinstance(counter, ApproximateTokenCounter):
        name = "estimate (no local tokenizer)"
    else:  # TokenizerCounter keeps the Hugging Face tokenizer, which knows its folder
        folder = getattr(getattr(counter, "_tokenizer", None), "name_or_path", "") or settings.llm_model
        name = f"{type(counter).__name__}: {Path(str(folder)).name}"
    return {
        "tokenizer": name,
        "counted": "tokens of the message texts, without the chat template's few tokens per message",
        "all": _distribution(every),
        "by_split": {name: _distribution(lengths[name]) for name in SPLITS},
        "max_seq_tokens": settings.train_max_seq_tokens,
        "over_max_seq_tokens": sum(1 for n in every if n > settings.train_max_seq_tokens),
    }


def raft_summary(stats: RaftStats, settings: Settings, context_tokens: int) -> dict[str, Any]:
    return {
        "distractors": settings.raft_distractors,
        "oracle_probability": settings.raft_oracle_probability,
        "refusal_fraction": settings.refusal_fraction,
        "context_tokens": context_tokens,
        "qa_with_oracle": stats.qa_with_oracle,
        "qa_without_oracle": stats.qa_without_oracle,
        "refusal": stats.refusal,
        "skipped_oracle_did_not_fit": stats.skipped_oracle_did_not_fit,
        "skipped_no_distractors": stats.skipped_no_distractors,
        "convention": (
            "RAFT (Zhang et al. 2024): with probability P the oracle among `distractors` "
            "distractors, target cites it as [n]; otherwise distractors + 1 distractors and the "
            "answer without citation. Refusals: distractors + 1 distractors, target = refusal sentence."
        ),
    }


def llm_stats(llm: LLMGenerator | None) -> dict[str, Any] | None:
    if llm is None:
        return None
    return {"model": llm.model, **asdict(llm.stats)}


def settings_used(settings: Settings, context_tokens: int) -> dict[str, Any]:
    names = (
        "dataset_generator", "raft_distractors", "raft_oracle_probability", "refusal_fraction",
        "question_dedupe_threshold", "split_fractions", "dataset_seed", "embedding_model",
        "llm_model", "llm_served_name", "llm_context_tokens", "llm_max_tokens",
        "train_max_seq_tokens", "claim_threshold", "pii_entities", "pii_score_threshold",
        "pii_second_opinion",
    )
    used = {name: getattr(settings, name) for name in names}
    used["split_fractions"] = list(settings.split_fractions)
    used["context_tokens"] = context_tokens
    return used


def render_card(card: DatasetCard) -> str:
    """card.md: what a person reads before training on the dataset."""
    c = card.counts
    lines = [
        f"# Dataset {Path(card.path).name}",
        "",
        f"Built {card.created_at} from {len(card.source_documents)} documents with the "
        f"`{card.generator}` question generator" + (f" ({card.model})" if card.model else "") + ".",
        f"Content hash (sha256 of train/validation/test JSONL): `{card.content_hash}`",
        "",
        "## Examples",
        "",
        "| split | examples | qa | refusal | documents |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in SPLITS:
        kinds = c["by_kind"].get(name, {})
        lines.append(
            f"| {name} | {c['by_split'][name]} | {kinds.get('qa', 0)} | {kinds.get('refusal', 0)} | {len(card.splits[name])} |"
        )
    qtypes = sorted({q for per in c["by_qtype"].values() for q in per})
    lines += ["", "## Question types", "", "| split | " + " | ".join(qtypes) + " |", "|---|" + "---:|" * len(qtypes)]
    for name in SPLITS:
        per = c["by_qtype"].get(name, {})
        lines.append(f"| {name} | " + " | ".join(str(per.get(q, 0)) for q in qtypes) + " |")
    lines += [
        "",
        "## Documents",
        "",
        "| document | split | version | chunks (used) | pairs | qa | refusal |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for doc in card.documents:
        lines.append(
            f"| {doc['source']} (`{doc['document_id']}`) | {doc['split'] or '—'} | `{(doc['version'] or '?')[:12]}` | "
            f"{doc['chunks']} ({doc['chunks_used']}) | {doc['pairs']} | {doc['qa']} | {doc['refusal']} |"
        )
    t = card.tokens
    lines += [
        "",
        f"## Token lengths ({t['tokenizer']})",
        "",
        "| split | n | p50 | p95 | max | mean |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, dist in [*t["by_split"].items(), ("all", t["all"])]:
        lines.append(f"| {name} | {dist['n']} | {dist['p50']} | {dist['p95']} | {dist['max']} | {dist['mean']} |")
    lines.append(f"\nExamples longer than train_max_seq_tokens ({t['max_seq_tokens']}): {t['over_max_seq_tokens']}.")
    p, r, s = card.pairs, card.raft, card.pii_scan
    lines += [
        "",
        "## How it was built",
        "",
        f"- Pairs: {p['generated']} generated {p['by_generator']}, {p['dropped_personal_data']} dropped by the "
        f"personal-data scan, {p['dropped_near_duplicates']} near-duplicates removed, {p['kept']} kept.",
        f"- RAFT: {r['distractors']} distractors, oracle probability {r['oracle_probability']}, refusal fraction "
        f"{r['refusal_fraction']}, context budget {r['context_tokens']} tokens; {r['qa_with_oracle']} with the "
        f"oracle, {r['qa_without_oracle']} without (memorisation), {r['refusal']} refusals, "
        f"{r['skipped_oracle_did_not_fit']} skipped (oracle did not fit).",
        f"- Personal-data scan: {s['lines_scanned']} distinct lines; {len(s['excluded_chunks'])} chunks left out; "
        f"{s['dropped_pairs']} pairs dropped; {s['final_findings']} findings in the written examples.",
        "- Split by document, so no document's chunks appear in two splits.",
    ]
    if card.pairs.get("llm"):
        lines.append(f"- Model pairs: {card.pairs['llm']}")
    for note in card.notes:
        lines.append(f"- Note: {note}")
    return "\n".join(lines) + "\n"


def read_card(folder: Path) -> DatasetCard:
    path = Path(folder) / "card.json"
    if not path.exists():
        raise DatasetError(f"{folder} holds no dataset (card.json missing)")
    return DatasetCard.model_validate_json(path.read_text(encoding="utf-8"))
