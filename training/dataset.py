"""Build a training dataset from the stored chunks: pairs -> near-duplicates out -> split by
document -> RAFT examples -> personal-data scan -> JSONL files and a dataset card.

The source is ``VectorStore.chunks()``, never the raw files: chunks were de-identified at
ingestion, so personal data cannot enter the dataset. The de-identifier checks that again,
line by line (each distinct line once, so the cost is that of the corpus, not of the
examples):

1. before anything is generated, every chunk line and every passage header the prompt will
   show; a chunk with a finding is left out of the dataset entirely (neither oracle nor
   distractor) and listed in the card by id. Re-scanning de-identified text finds things the
   first pass did not, almost always a spaCy false positive in a new context ("Breaks and
   Rest" read as a name), but the safe reading of a finding is to leave the text out;
2. every generated question and answer; a pair with a finding is dropped;
3. every line of every message written, after assembly. A finding here is a bug (all of it
   was scanned above) and stops the build with a `KBError` naming the example.

A finding is a redaction that changes the text other than by renumbering an existing
placeholder: ``<PERSON_1>`` itself is not personal data.

Files written (see `write_dataset`): ``train.jsonl``, ``validation.jsonl``, ``test.jsonl``
(one `TrainingExample` per line, chat format), ``prompt_response/<split>.jsonl`` and
``card.json`` / ``card.md`` (`training.dataset_card`).
"""

from __future__ import annotations

import logging
import random
import shutil
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from kb_service.errors import ConfigurationError
from kb_service.injection import shield_all
from kb_service.prompting import TokenCounter, passage_body, passage_header
from kb_service.types import Passage
from training.dataset_card import (
    SPLITS,
    DatasetCard,
    DatasetError,
    counts_of,
    document_rows,
    llm_stats,
    raft_summary,
    read_card,
    render_card,
    settings_used,
    token_stats,
)
from training.dataset_files import content_hash, default_out_dir, latest_dataset, mark_latest, write_dataset
from training.dataset_split import dedupe_questions, split_documents
from training.pairs import QAPair, RuleGenerator
from training.pii_scan import PIIScanner
from training.raft import RaftStats, TrainingExample, build_examples, cite

if TYPE_CHECKING:
    from ingest.deidentify import Deidentifier
    from ingest.ledger import Ledger
    from kb_service.embedder import Embedder
    from kb_service.settings import Settings
    from kb_service.store.base import VectorStore
    from training.qa_llm import LLMGenerator

__all__ = [
    "DatasetCard", "DatasetError", "PIIScanner", "build_dataset", "build_latest", "content_hash",
    "dedupe_questions", "latest_dataset", "read_card", "render_card", "split_documents",
]

log = logging.getLogger(__name__)

GeneratorChoice = Literal["rules", "llm", "both"]
Progress = Callable[[str, int, int], None]  # (stage, done, total)
# The least room left for the target in a prompt; a longer target gets what it needs.
ANSWER_RESERVE = 16


# --- the build ----------------------------------------------------------------------------------


def build_dataset(
    store: VectorStore,
    settings: Settings,
    *,
    embedder: Embedder,
    deidentifier: Deidentifier,
    generator: GeneratorChoice = "rules",
    llm: LLMGenerator | None = None,
    out_dir: Path,
    progress: Progress | None = None,
    counter: TokenCounter | None = None,
    ledger: Ledger | None = None,
) -> DatasetCard:
    """Build the dataset from every chunk in `store` into `out_dir` (which must not hold files).

    `counter` measures prompts and the card's token lengths; default: the served model's
    tokenizer (`answer.services.make_token_counter`). `ledger` gives document versions; default:
    the ledger at `settings.ledger_path`.
    """
    report = progress or (lambda stage, done, total: None)
    if generator in ("llm", "both") and llm is None:
        raise ConfigurationError(f"generator {generator!r} needs an LLMGenerator (a model server)")
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise DatasetError(f"{out_dir} is not empty; choose another folder for the dataset")
    passages = store.chunks()
    if not passages:
        raise DatasetError("the knowledge base holds no chunks: ingest documents first")
    # As the answer service shows chunks to the model: planted instructions replaced by a marker.
    passages, injected = shield_all(passages)
    if counter is None:
        from answer.services import make_token_counter

        counter = make_token_counter(settings)
    chunks_by_doc: dict[str, list[Passage]] = defaultdict(list)
    for passage in passages:
        chunks_by_doc[passage.document_id].append(passage)
    versions = _versions(settings, ledger, chunks_by_doc)
    notes: list[str] = []
    if injected:
        notes.append(
            f"{sum(injected.values())} instruction-like sentence(s) (possible prompt injection) in "
            f"{len(injected)} chunk(s) left out; the adapter neither learns from nor answers with them"
        )

    # 1. personal-data scan of the source: chunk lines and the headers the prompts will show.
    scanner = PIIScanner(deidentifier)
    header_count = settings.raft_distractors + 1  # passages in a prompt: [1] .. [k+1]
    excluded = _flagged_chunks(scanner, passages, header_count, report)
    usable_by_doc = {
        doc: [p for p in ps if p.chunk_id not in excluded] for doc, ps in chunks_by_doc.items()
    }
    usable_by_doc = {doc: ps for doc, ps in usable_by_doc.items() if ps}
    if not usable_by_doc:
        raise DatasetError("every chunk was flagged by the de-identifier; nothing left to build from")

    # 2. split by document.
    splits, note = split_documents(usable_by_doc, settings.split_fractions, settings.dataset_seed)
    if note:
        notes.append(note)
    split_of = {doc: name for name, docs in splits.items() for doc in docs}
    ordered = [p for name in SPLITS for doc in splits[name] for p in usable_by_doc[doc]]

    # 3. pairs.
    generated = _generate_pairs(ordered, generator, llm, report)

    # 4. personal-data scan of the generated text, in every form a message will show it.
    def forms(pair: QAPair) -> list[str]:
        cited = [cite(pair.answer, n) for n in range(1, header_count + 1)]
        return [pair.question, f"Question: {pair.question.strip()}", pair.answer, *cited]

    scanner.scan(
        [t for pair in generated for t in forms(pair)],
        progress=lambda done, total: report("scanning questions", done, total),
    )
    clean = [p for p in generated if not any(scanner.findings(t) for t in forms(p))]
    pii_dropped = len(generated) - len(clean)

    # 5. near-duplicate questions (train first, so a test question that repeats one goes).
    unique = dedupe_questions(
        clean,
        embedder,
        settings.question_dedupe_threshold,
        progress=lambda done, total: report("removing near-duplicates", done, total),
    )

    # 6. RAFT examples per split, distractors from the same split only.
    context_tokens = min(settings.llm_context_tokens, settings.train_max_seq_tokens)
    raft_stats = RaftStats()
    examples: dict[str, list[TrainingExample]] = {}
    for number, name in enumerate(SPLITS, start=1):
        split_pairs = [p for p in unique if split_of[p.document_id] == name]
        split_passages = {doc: usable_by_doc[doc] for doc in splits[name]}
        examples[name] = build_examples(
            split_pairs,
            split_passages,
            distractors=settings.raft_distractors,
            oracle_probability=settings.raft_oracle_probability,
            refusal_fraction=settings.refusal_fraction,
            rng=random.Random(f"{settings.dataset_seed}:raft:{name}"),
            counter=counter,
            context_tokens=context_tokens,
            answer_tokens=ANSWER_RESERVE,
            stats=raft_stats,
        )
        report("assembling examples", number, len(SPLITS))

    # 7. the final scan: every line of every message.
    _final_scan(scanner, examples, report)

    # 8. files and card.
    report("writing files", 0, 1)
    content_hash = write_dataset(out_dir, examples)
    lengths = {
        name: [sum(counter.count(m["content"]) for m in ex.messages) for ex in examples[name]] for name in SPLITS
    }
    card = DatasetCard(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        path=str(out_dir),
        generator=generator,
        model=llm.model if llm is not None and generator != "rules" else None,
        content_hash=content_hash,
        files={
            **{name: f"{name}.jsonl" for name in SPLITS},
            **{f"prompt_response_{name}": f"prompt_response/{name}.jsonl" for name in SPLITS},
        },
        source_documents={doc: versions.get(doc, "") for doc in sorted(usable_by_doc)},
        documents=document_rows(chunks_by_doc, usable_by_doc, versions, split_of, unique, examples),
        splits=splits,
        counts=counts_of(examples, split_of),
        tokens=token_stats(lengths, counter, settings),
        pairs={
            "generated": len(generated),
            "by_generator": dict(Counter(p.generator for p in generated)),
            "dropped_personal_data": pii_dropped,
            "dropped_near_duplicates": len(clean) - len(unique),
            "kept": len(unique),
            "kept_by_qtype": dict(Counter(p.qtype for p in unique)),
            "llm": llm_stats(llm) if generator != "rules" else None,
        },
        raft=raft_summary(raft_stats, settings, context_tokens),
        pii_scan={
            "lines_scanned": scanner.lines_scanned,
            "excluded_chunks": sorted(excluded),
            "excluded_chunk_findings": {cid: excluded[cid] for cid in sorted(excluded)},
            "dropped_pairs": pii_dropped,
            "final_findings": 0,
        },
        settings=settings_used(settings, context_tokens),
        notes=notes,
    )
    (out_dir / "card.json").write_text(card.model_dump_json(indent=2), encoding="utf-8")
    (out_dir / "card.md").write_text(render_card(card), encoding="utf-8")
    report("writing files", 1, 1)
    log.info("dataset %s: %s examples, hash %s", out_dir, card.counts["by_split"], content_hash[:12])
    return card


def _flagged_chunks(
    scanner: PIIScanner, passages: Sequence[Passage], header_count: int, report: Progress
) -> dict[str, dict[str, int]]:
    """chunk id -> findings, for chunks whose text, text as a prompt shows it (tables as
    Markdown: other lines, so other findings) or prompt header the de-identifier flags."""
    forms = {
        p.chunk_id: list(dict.fromkeys(
            (p.text, passage_body(p.text), *(passage_header(n, p) for n in range(1, header_count + 1)))
        ))
        for p in passages
    }
    scanner.scan(
        [text for p in passages for text in forms[p.chunk_id]],
        progress=lambda done, total: report("scanning chunks", done, total),
    )
    excluded: dict[str, dict[str, int]] = {}
    for passage in passages:
        found: Counter[str] = Counter()
        for text in forms[passage.chunk_id]:
            found.update(scanner.findings(text))
        if found:
            excluded[passage.chunk_id] = dict(found)
            log.info("chunk %s left out: the de-identifier flags %s", passage.chunk_id, sorted(found))
    return excluded


def _generate_pairs(
    ordered: Sequence[Passage], generator: GeneratorChoice, llm: LLMGenerator | None, report: Progress
) -> list[QAPair]:
    """Pairs in chunk order; within a chunk the model's first (they read more naturally, and
    the near-duplicate filter keeps the first of two), then the rules'."""
    by_chunk: dict[str, list[QAPair]] = defaultdict(list)
    if generator in ("llm", "both") and llm is not None:
        model_pairs = llm.generate_many(ordered, progress=lambda d, t: report("writing questions (model)", d, t))
        for pair in model_pairs:
            by_chunk[pair.chunk_id].append(pair)
    if generator in ("rules", "both"):
        rules = RuleGenerator()
        for done, passage in enumerate(ordered, start=1):
            by_chunk[passage.chunk_id].extend(rules.generate(passage))
            report("writing questions (rules)", done, len(ordered))
    return [pair for p in ordered for pair in by_chunk.get(p.chunk_id, [])]


def _final_scan(scanner: PIIScanner, examples: Mapping[str, Sequence[TrainingExample]], report: Progress) -> None:
    """Every line of every message; a finding stops the build, naming the example."""
    numbered = [(name, i, ex) for name in SPLITS for i, ex in enumerate(examples[name], start=1)]
    scanner.scan(
        [m["content"] for _, _, ex in numbered for m in ex.messages],
        progress=lambda done, total: report("scanning examples", done, total),
    )
    for name, line_number, example in numbered:
        for message in example.messages:
            found = scanner.findings(message["content"])
            if found:
                raise DatasetError(
                    f"the de-identifier flags {sorted(found)} in the {message['role']} message of "
                    f"{name}.jsonl line {line_number} (chunks {', '.join(example.source_chunks)}); "
                    "the dataset was not written"
                )


def _versions(
    settings: Settings, ledger: Ledger | None, chunks_by_doc: Mapping[str, Sequence[Passage]]
) -> dict[str, str]:
    """document_id -> version from the ledger; "" when the ledger does not know it."""
    opened = None
    if ledger is None:
        if not settings.ledger_path.exists():
            return {}
        from ingest.ledger import Ledger

        ledger = opened = Ledger(settings.ledger_path)
    try:
        found = {}
        for doc in chunks_by_doc:
            info = ledger.get(doc)
            found[doc] = info.version if info is not None else ""
        return found
    finally:
        if opened is not None:
            opened.close()


# --- the default build: everything from the settings ---------------------------------------


def build_latest(
    settings: Settings,
    *,
    generator: GeneratorChoice | None = None,
    out_dir: Path | None = None,
    ledger: Ledger | None = None,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
    deidentifier: Deidentifier | None = None,
    store: VectorStore | None = None,
    llm: LLMGenerator | None = None,
) -> DatasetCard:
    """`build_dataset` with everything taken from the settings (models loaded here unless
    given), written to `out_dir` (default ``datasets_dir/<UTC time>``) through a temporary
    folder, then marked as ``latest``. `os.fspath(card)` is the folder."""
    from ingest.deidentify import DeidentifyConfig, Deidentifier
    from kb_service.embedder import make_embedder
    from kb_service.store import make_store

    choice: GeneratorChoice = generator or settings.dataset_generator
    target = Path(out_dir) if out_dir is not None else default_out_dir(settings)
    if target.exists() and any(target.iterdir()):
        raise DatasetError(f"{target} is not empty; choose another folder for the dataset")
    if embedder is None:
        embedder = make_embedder(settings)
    embedder.warm_up()
    if deidentifier is None:
        deidentifier = Deidentifier(DeidentifyConfig.from_settings(settings))
    deidentifier.warm_up()
    store = store or make_store(settings, embedder.dim)

    partial = target.parent / f".{target.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    try:
        with _maybe_llm(settings, embedder, choice, llm) as pair_llm:
            card = build_dataset(
                store, settings, embedder=embedder, deidentifier=deidentifier, generator=choice,
                llm=pair_llm, out_dir=partial, progress=progress, ledger=ledger,
            )
        if target.exists():
            target.rmdir()
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    card = card.model_copy(update={"path": str(target)})
    (target / "card.json").write_text(card.model_dump_json(indent=2), encoding="utf-8")
    (target / "card.md").write_text(render_card(card), encoding="utf-8")
    mark_latest(settings, target)
    return card


@contextmanager
def _maybe_llm(
    settings: Settings, embedder: Embedder, choice: GeneratorChoice, given: LLMGenerator | None
) -> Iterator[LLMGenerator | None]:
    if choice == "rules" or given is not None:
        yield given
        return
    from training.qa_llm import llm_pair_generator

    with llm_pair_generator(settings, embedder) as made:
        yield made
