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

import hashlib
import json
import logging
import random
import re
import shutil
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from kb_service.text import is_cjk
from kb_service.errors import ConfigurationError
from kb_service.injection import shield_all
from kb_service.prompting import TokenCounter, passage_header
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
from training.pairs import PLACEHOLDER, QAPair, RuleGenerator
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
EMBED_BATCH = 256


# --- personal-data scan -----------------------------------------------------------------------


class PIIScanner:
    """Runs the de-identifier over distinct lines, once each, and remembers the findings."""

    def __init__(self, deidentifier: Deidentifier, batch_size: int = 256) -> None:
        self._session = deidentifier.session()
        self._batch_size = batch_size
        self._findings: dict[str, dict[str, int]] = {}

    @property
    def lines_scanned(self) -> int:
        return len(self._findings)

    @staticmethod
    def lines(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if re.search(r"\w", line)]

    def scan(self, texts: Iterable[str], progress: Callable[[int, int], None] | None = None) -> None:
        todo = list(
            dict.fromkeys(line for text in texts for line in self.lines(text) if line not in self._findings)
        )
        for start in range(0, len(todo), self._batch_size):
            batch = todo[start : start + self._batch_size]
            for line, redacted in zip(batch, self._session.redact_many(batch), strict=True):
                new = PLACEHOLDER.sub("", line) != PLACEHOLDER.sub("", redacted.text)
                self._findings[line] = dict(redacted.counts) if new else {}
            if progress is not None:
                progress(min(start + self._batch_size, len(todo)), len(todo))

    def findings(self, text: str) -> dict[str, int]:
        """Entity type -> count of new redactions in the text (scanning what was not yet)."""
        lines = self.lines(text)
        if any(line not in self._findings for line in lines):
            self.scan([text])
        total: Counter[str] = Counter()
        for line in lines:
            total.update(self._findings[line])
        return dict(total)


# --- split by document ------------------------------------------------------------------------


def split_documents(
    document_ids: Iterable[str], fractions: Sequence[float], seed: int
) -> tuple[dict[str, list[str]], str | None]:
    """Documents into train / validation / test, deterministically.

    Documents are ordered by sha256(seed:id), an order that adding or removing a document
    does not reshuffle, and the test, then the validation share is taken from the front.
    With three documents or more, a split with a non-zero share gets at least one. With fewer
    than three, all go to train; the returned note says so.
    """
    ids = sorted(set(document_ids))
    empty: dict[str, list[str]] = {name: [] for name in SPLITS}
    if len(ids) < 3:
        note = (
            f"only {len(ids)} document(s): all are in train, validation and test are empty "
            "(a split by document needs at least 3)"
        )
        return {**empty, "train": ids}, note
    f_train, f_val, f_test = fractions
    order = sorted(ids, key=lambda d: hashlib.sha256(f"{seed}:{d}".encode()).hexdigest())
    n = len(order)
    n_val = max(1, round(n * f_val)) if f_val > 0 else 0
    n_test = max(1, round(n * f_test)) if f_test > 0 else 0
    while f_train > 0 and n - n_val - n_test < 1:
        if n_val >= n_test and n_val > 1:
            n_val -= 1
        elif n_test > 1:
            n_test -= 1
        else:
            break
    test, validation, train = order[:n_test], order[n_test : n_test + n_val], order[n_test + n_val :]
    return {"train": sorted(train), "validation": sorted(validation), "test": sorted(test)}, None


# --- near-duplicate questions ---------------------------------------------------------------


def _bigrams(text: str) -> Counter[str]:
    compact = re.sub(r"\s+", "", text)
    return Counter(compact[i : i + 2] for i in range(len(compact) - 1))


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    norm = (sum(v * v for v in a.values()) * sum(v * v for v in b.values())) ** 0.5
    return dot / norm if norm else 0.0


def dedupe_questions(
    pairs: Sequence[QAPair],
    embedder: Embedder,
    threshold: float,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> list[QAPair]:
    """Drop each question whose cosine similarity to an earlier kept one reaches `threshold`.

    Earlier wins, so callers order pairs by priority (train before test: a test question
    that repeats a training question would measure memory, not generalisation). Questions are
    compared within their language only. For mainly-CJK questions the character-bigram cosine
    must reach the threshold too: an English-only embedder maps different Chinese questions to
    nearly the same vector (all-MiniLM gives 1.00 to 关于密码要求 vs 关于账号管理).
    """
    if not pairs:
        return []
    texts = [p.question for p in pairs]
    vectors: list[list[float]] = []
    for start in range(0, len(texts), EMBED_BATCH):
        vectors.extend(embedder.embed(texts[start : start + EMBED_BATCH]))
        if progress is not None:
            progress(min(start + EMBED_BATCH, len(texts)), len(texts))
    matrix = np.asarray(vectors, dtype=np.float32)
    groups: dict[bool, list[int]] = {True: [], False: []}
    kept: list[QAPair] = []
    for index, pair in enumerate(pairs):
        cjk = is_cjk(pair.question)
        earlier = groups[cjk]
        duplicate = False
        if earlier:
            sims = matrix[earlier] @ matrix[index]
            for position in np.flatnonzero(sims >= threshold):
                other = pairs[earlier[int(position)]].question
                if not cjk or _cosine(_bigrams(pair.question), _bigrams(other)) >= threshold:
                    duplicate = True
                    break
        if not duplicate:
            earlier.append(index)
            kept.append(pair)
    return kept


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
    """chunk id -> findings, for chunks whose text or prompt header the de-identifier flags."""
    headers = {p.chunk_id: [passage_header(n, p) for n in range(1, header_count + 1)] for p in passages}
    scanner.scan(
        [text for p in passages for text in (p.text, *headers[p.chunk_id])],
        progress=lambda done, total: report("scanning chunks", done, total),
    )
    excluded: dict[str, dict[str, int]] = {}
    for passage in passages:
        found: Counter[str] = Counter()
        for text in (passage.text, *headers[passage.chunk_id]):
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


@contextmanager
def llm_pair_generator(settings: Settings, embedder: Embedder) -> Iterator[LLMGenerator]:
    """An LLMGenerator on the model server at KB_LLM_URL, or on a managed vLLM server
    started for the build and stopped after it."""
    from answer.verify import ClaimVerifier, make_scorer
    from kb_service.llm.generator import OpenAICompatibleGenerator
    from kb_service.llm.server import ManagedModelServer
    from training.qa_llm import LLMGenerator

    server = ManagedModelServer(settings) if settings.llm_url is None else None
    url = server.start() if server is not None else settings.llm_url
    client = OpenAICompatibleGenerator(url or "", api_key=settings.llm_api_key, timeout=settings.llm_timeout)
    try:
        scorer = make_scorer(embedder, settings.nli_model, settings.embedding_device)
        scorer.warm_up()
        verifier = ClaimVerifier(scorer, claim_threshold=settings.claim_threshold)
        yield LLMGenerator(client, settings.llm_served_name, verifier)
    finally:
        client.close()
        if server is not None:
            server.stop()


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
    with llm_pair_generator(settings, embedder) as made:
        yield made
