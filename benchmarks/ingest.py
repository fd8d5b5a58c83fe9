"""Ingestion throughput and redaction benchmark: our pipeline against a naive baseline.

    python benchmarks/ingest.py [--docs 50] [--pages-per-doc 4] [--seed 7] [--out benchmarks/results/ingest.json]

One run, one machine, one corpus:

1. A synthetic corpus of realistic policy PDFs (``tests.corpus.pdfgen.write_corpus``: English
   plus every 5th document Chinese, tables, headers/footers, planted personal data) is written
   once into a temporary folder; its pages are counted with pypdf.
2. OUR pipeline: ``Pipeline(Settings(data_dir=tmp/ours))``; ``warm_up()`` (model loading) is
   timed separately and excluded; then ``ingest_paths([corpus])`` is timed end to end, and the
   per-stage seconds of every ``IngestOutcome.stage_seconds`` are summed.
3. A NAIVE BASELINE (the usual "LangChain + Presidio" recipe), written here: pypdf
   ``page.extract_text()`` of every page joined -> fixed-size character windows (1000 chars,
   200 overlap) -> Presidio with default settings (all default recognizers, the full
   en_core_web_sm pipeline, ``analyze(text, language="en")`` per chunk, default ``replace``
   anonymizer) -> the same embedder (sentence-transformers, same model folder, batch 64,
   normalized) -> the same store class (``LanceDBStore.upsert``, one commit per document).
   Model loading is excluded from its timing too.
4. Redaction: for each system, every planted value is looked for in everything it stored
   (chunk text; for ours also title and section), whitespace-insensitively; recall per entity
   type = 1 - leaked / planted.

Results are printed as tables and written as JSON to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import shutil
import sys
import tempfile
import time
import warnings
from bisect import bisect_right
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if sys.path[:1] != [str(ROOT)]:  # first: this folder's ingest.py would hide the ingest package
    sys.path.insert(0, str(ROOT))

# Presidio's e-mail recognizer uses tldextract: never fetch the public suffix list.
os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

STAGES_OURS = ("parse", "deidentify", "chunk", "dedupe", "embed", "store")
STAGES_BASELINE = ("parse", "chunk", "deidentify", "embed", "store")
BASELINE_CHUNK_CHARS = 1000
BASELINE_CHUNK_OVERLAP = 200
BATCH_SIZE = 64
# One throwaway inference per system, inside its (excluded) warm-up: torch's first forward
# passes are several times slower than later ones (allocator, oneDNN primitives), and that
# one-off cost would otherwise land on whichever system happens to run first.
_DUMMY_TEXT = (
    "Employees must submit expense reports within 30 days. Contact Jane Miller at "
    "jane.miller@example.com or +1 415 555 0134 for questions about reimbursement. "
) * 8
DUMMY_TEXTS = [_DUMMY_TEXT[: 200 + 13 * i] for i in range(BATCH_SIZE)]


# ----------------------------------------------------------------------------- corpus


def make_corpus(directory: Path, n_docs: int, pages_per_doc: int, seed: int) -> tuple[list[Any], int, float]:
    from pypdf import PdfReader

    from tests.corpus.pdfgen import write_corpus

    started = time.perf_counter()
    docs = write_corpus(directory, n_docs, pages_per_doc, seed)
    seconds = time.perf_counter() - started
    pages = sum(len(PdfReader(str(doc.path)).pages) for doc in docs)
    return docs, pages, seconds


# ----------------------------------------------------------------------------- ours


def run_ours(corpus_dir: Path, data_dir: Path) -> dict[str, Any]:
    from ingest.pipeline import Pipeline
    from kb_service.settings import Settings

    settings = Settings(data_dir=data_dir)
    pipeline = Pipeline(settings)
    started = time.perf_counter()
    pipeline.warm_up()
    pipeline.embedder.embed(DUMMY_TEXTS)  # see DUMMY_TEXTS
    pipeline.deidentifier.session().redact_many(DUMMY_TEXTS[:8])
    warm_up = time.perf_counter() - started

    started = time.perf_counter()
    report = pipeline.ingest_paths([corpus_dir])
    wall = time.perf_counter() - started
    pipeline.close()

    stages: Counter[str] = Counter()
    for outcome in report.outcomes:
        stages.update(outcome.stage_seconds)
    failed = [{"path": o.path, "error": o.error} for o in report.outcomes if o.status == "failed"]
    summary = report.to_dict()
    return {
        "warm_up_s": warm_up,
        "wall_s": wall,
        "documents": len(report.outcomes) - len(failed),
        "failed": failed,
        "pages": int(summary["pages"]),  # type: ignore[arg-type]
        "chunks": int(summary["chunks"]),  # type: ignore[arg-type]
        "duplicates": int(summary["duplicates"]),  # type: ignore[arg-type]
        "redactions": summary["redactions"],
        "stage_s": {stage: stages.get(stage, 0.0) for stage in STAGES_OURS},
        "other_s": wall - sum(stages.values()),  # ledger, batch bookkeeping, store.optimize()
        "store_dir": str(settings.store_dir),
    }


# ----------------------------------------------------------------------------- baseline


def _char_windows(text: str, size: int, overlap: int) -> list[tuple[int, str]]:
    """Fixed-size character windows (start offset, text): the naive splitter."""
    step = size - overlap
    out = []
    start = 0
    while True:
        out.append((start, text[start : start + size]))
        if start + size >= len(text):
            break
        start += step
    return [(s, t) for s, t in out if t.strip()]


class NaiveBaseline:
    """pypdf extract_text -> char windows -> Presidio defaults -> same embedder -> same store."""

    def __init__(self, store_dir: Path) -> None:
        self.store_dir = store_dir

    def warm_up(self) -> None:
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider
        from presidio_anonymizer import AnonymizerEngine
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        from kb_service.models import resolve_model, spacy_model_path
        from kb_service.store.lancedb_store import LanceDBStore

        provider = NlpEngineProvider(
            nlp_configuration={
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": "en", "model_name": spacy_model_path(None)}],
            }
        )
        self.analyzer = AnalyzerEngine(nlp_engine=provider.create_engine())
        self.anonymizer = AnonymizerEngine()
        hf_logging.disable_progress_bar()
        folder, _ = resolve_model("all-MiniLM-L6-v2")
        self.model = SentenceTransformer(folder, device="cpu")
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(getter())
        self.store = LanceDBStore(self.store_dir, "chunks", self.dim)
        self.store.warm_up()
        self.model.encode(DUMMY_TEXTS, batch_size=BATCH_SIZE, normalize_embeddings=True, show_progress_bar=False)
        for text in DUMMY_TEXTS[:8]:
            self.anonymizer.anonymize(text=text, analyzer_results=self.analyzer.analyze(text=text, language="en"))

    def run(self, files: list[Path]) -> dict[str, Any]:
        from pypdf import PdfReader

        from kb_service.types import Chunk, StoredChunk, chunk_id_for, document_id_for, sha256_bytes

        stages: Counter[str] = Counter()
        pages_total = chunks_total = 0
        redactions: Counter[str] = Counter()
        wall_start = time.perf_counter()
        for path in files:
            mark = time.perf_counter()
            data = path.read_bytes()
            reader = PdfReader(path)
            page_texts = [page.extract_text() or "" for page in reader.pages]
            text = "\n".join(page_texts)
            page_starts, offset = [], 0
            for page_text in page_texts:
                page_starts.append(offset)
                offset += len(page_text) + 1
            pages_total += len(page_texts)
            stages["parse"] += time.perf_counter() - mark

            mark = time.perf_counter()
            windows = _char_windows(text, BASELINE_CHUNK_CHARS, BASELINE_CHUNK_OVERLAP)
            stages["chunk"] += time.perf_counter() - mark

            mark = time.perf_counter()
            redacted = []
            for _, window in windows:
                results = self.analyzer.analyze(text=window, language="en")
                redactions.update(r.entity_type for r in results)
                redacted.append(self.anonymizer.anonymize(text=window, analyzer_results=results).text)
            stages["deidentify"] += time.perf_counter() - mark

            mark = time.perf_counter()
            vectors = self.model.encode(
                redacted,
                batch_size=BATCH_SIZE,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            stages["embed"] += time.perf_counter() - mark

            mark = time.perf_counter()
            version = sha256_bytes(data)
            document_id = document_id_for(path.name)
            stored = []
            for ordinal, ((start, _), chunk_text, vector) in enumerate(zip(windows, redacted, vectors, strict=True)):
                end = start + len(chunk_text)
                chunk = Chunk(
                    chunk_id=chunk_id_for(version, ordinal),
                    document_id=document_id,
                    source=path.name,
                    title="",
                    version=version,
                    ordinal=ordinal,
                    text=chunk_text,
                    section_path=(),
                    page_start=bisect_right(page_starts, start),
                    page_end=bisect_right(page_starts, max(start, end - 1)),
                    token_count=0,
                )
                stored.append(StoredChunk(chunk, vector.astype("float32").tolist()))
            self.store.upsert(stored)
            chunks_total += len(stored)
            stages["store"] += time.perf_counter() - mark
        wall = time.perf_counter() - wall_start
        return {
            "wall_s": wall,
            "documents": len(files),
            "pages": pages_total,
            "chunks": chunks_total,
            "redactions": dict(sorted(redactions.items())),
            "stage_s": {stage: stages.get(stage, 0.0) for stage in STAGES_BASELINE},
            "other_s": wall - sum(stages.values()),
            "store_dir": str(self.store_dir),
        }


def run_baseline(files: list[Path], store_dir: Path) -> dict[str, Any]:
    baseline = NaiveBaseline(store_dir)
    started = time.perf_counter()
    baseline.warm_up()
    warm_up = time.perf_counter() - started
    result = baseline.run(files)
    result["warm_up_s"] = warm_up
    return result


# ----------------------------------------------------------------------------- redaction


_WS = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _WS.sub("", text)


def stored_texts(store_dir: Path, columns: tuple[str, ...]) -> list[str]:
    import lancedb

    table = lancedb.connect(str(store_dir)).open_table("chunks").to_arrow()
    out: list[str] = []
    for column in columns:
        out.extend(v for v in table.column(column).to_pylist() if v)
    return out


def leak_report(docs: list[Any], store_dir: Path, columns: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """A planted value leaks when it survives (whitespace-insensitively) anywhere in what was
    stored. The whole store is searched, not only the document the value was planted in."""
    haystack = "\x00".join(_squash(t) for t in stored_texts(store_dir, columns))
    planted: Counter[str] = Counter()
    leaked: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for doc in docs:
        for entity, value in doc.planted:
            key = (entity, _squash(value))
            if key in seen or not key[1]:
                continue
            seen.add(key)
            planted[entity] += 1
            if key[1] in haystack:
                leaked[entity] += 1
                if len(examples[entity]) < 3:
                    examples[entity].append(value)
    report: dict[str, dict[str, Any]] = {}
    for entity in sorted(planted):
        p, leak = planted[entity], leaked[entity]
        report[entity] = {"planted": p, "leaked": leak, "recall": 1 - leak / p, "leak_examples": examples[entity]}
    total_p, total_l = sum(planted.values()), sum(leaked.values())
    report["ALL"] = {"planted": total_p, "leaked": total_l, "recall": 1 - total_l / total_p if total_p else 1.0,
                     "leak_examples": []}
    return report


# ----------------------------------------------------------------------------- output


def print_tables(result: dict[str, Any]) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console(width=130, force_terminal=False, color_system=None)
    ours, base = result["ours"], result["baseline"]
    corpus = result["corpus"]
    console.print(
        f"Corpus: {corpus['documents']} PDFs ({corpus['zh_documents']} Chinese), {corpus['pages']} pages, "
        f"{corpus['planted_values']} distinct planted values; torch threads {result['env']['torch_threads']}, "
        f"{result['env']['cpus']} CPUs"
    )
    console.print(
        f"Warm-up (model loading + one throwaway batch; excluded from throughput): ours {ours['warm_up_s']:.1f} s, baseline {base['warm_up_s']:.1f} s"
    )

    t = Table(title="(a) Throughput, end to end (model loading excluded)", box=box.MARKDOWN)
    for col in ("system", "wall s", "pages", "chunks", "pages/s", "chunks/s"):
        t.add_column(col, justify="right" if col != "system" else "left")
    for name, r in (("baseline (naive)", base), ("ours", ours)):
        t.add_row(name, f"{r['wall_s']:.1f}", str(r["pages"]), str(r["chunks"]),
                  f"{r['pages_per_s']:.2f}", f"{r['chunks_per_s']:.2f}")
    ratio = result["ratio_ours_over_baseline"]
    t.add_row("ratio ours/baseline", f"{ours['wall_s'] / base['wall_s']:.2f}", "", "",
              f"{ratio['pages_per_s']:.2f}x", f"{ratio['chunks_per_s']:.2f}x")
    console.print(t)

    t = Table(title="(b) Seconds per stage (share of wall time)", box=box.MARKDOWN)
    t.add_column("stage")
    t.add_column("baseline s", justify="right")
    t.add_column("baseline %", justify="right")
    t.add_column("ours s", justify="right")
    t.add_column("ours %", justify="right")
    order = ["parse", "deidentify", "chunk", "dedupe", "embed", "store", "other"]
    for stage in order:
        cells = []
        for r in (base, ours):
            s = r["other_s"] if stage == "other" else r["stage_s"].get(stage)
            cells += ["-", "-"] if s is None else [f"{s:.2f}", f"{100 * s / r['wall_s']:.1f}%"]
        t.add_row(stage, *cells)
    t.add_row("total (wall)", f"{base['wall_s']:.2f}", "100%", f"{ours['wall_s']:.2f}", "100%")
    console.print(t)
    console.print("  ours 'other' = ledger writes, batch bookkeeping and the final store.optimize();"
                  " baseline 'other' = loop overhead.")

    t = Table(title="(c) Redaction recall: planted values absent from everything stored", box=box.MARKDOWN)
    t.add_column("entity type")
    t.add_column("planted", justify="right")
    t.add_column("baseline leaked", justify="right")
    t.add_column("baseline recall", justify="right")
    t.add_column("ours leaked", justify="right")
    t.add_column("ours recall", justify="right")
    red_b, red_o = result["redaction"]["baseline"], result["redaction"]["ours"]
    for entity in [e for e in red_o if e != "ALL"] + ["ALL"]:
        b, o = red_b[entity], red_o[entity]
        t.add_row(entity, str(o["planted"]), str(b["leaked"]), f"{b['recall']:.3f}",
                  str(o["leaked"]), f"{o['recall']:.3f}")
    console.print(t)
    for system, red in (("ours", red_o), ("baseline", red_b)):
        leaks = {e: r["leak_examples"] for e, r in red.items() if r["leak_examples"]}
        if leaks and system == "ours":
            console.print(f"  {system} leak examples: {leaks}")


def environment() -> dict[str, Any]:
    import torch

    def version(name: str) -> str:
        try:
            from importlib.metadata import version as v

            return v(name)
        except Exception:
            return "?"

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "packages": {n: version(n) for n in ("torch", "sentence-transformers", "spacy", "presidio-analyzer",
                                             "presidio-anonymizer", "pypdf", "lancedb", "reportlab")},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=50, help="documents in the corpus (default 50)")
    parser.add_argument("--pages-per-doc", type=int, default=4, help="pages per document (default 4)")
    parser.add_argument("--seed", type=int, default=7, help="corpus seed (default 7)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "ingest.json")
    parser.add_argument("--order", choices=("baseline-first", "ours-first"), default="baseline-first",
                        help="which system runs first (default: baseline-first)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (corpus and stores)")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("presidio-analyzer", "presidio-anonymizer", "ingest", "kb_service"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")

    tmp = Path(tempfile.mkdtemp(prefix="kb-bench-ingest-"))
    try:
        corpus_dir = tmp / "corpus"
        print(f"writing {args.docs} documents x {args.pages_per_doc} pages to {corpus_dir} ...", flush=True)
        docs, pages, gen_s = make_corpus(corpus_dir, args.docs, args.pages_per_doc, args.seed)
        print(f"  {pages} pages in {gen_s:.1f} s", flush=True)
        files = sorted(doc.path for doc in docs)

        runs: dict[str, dict[str, Any]] = {}
        order = ["baseline", "ours"] if args.order == "baseline-first" else ["ours", "baseline"]
        for system in order:
            print(f"running {system} ...", flush=True)
            if system == "ours":
                runs["ours"] = run_ours(corpus_dir, tmp / "ours")
            else:
                runs["baseline"] = run_baseline(files, tmp / "baseline")
            r = runs[system]
            print(f"  {system}: {r['pages']} pages, {r['chunks']} chunks in {r['wall_s']:.1f} s "
                  f"(warm-up {r['warm_up_s']:.1f} s)", flush=True)

        for r in runs.values():
            r["pages_per_s"] = r["pages"] / r["wall_s"]
            r["chunks_per_s"] = r["chunks"] / r["wall_s"]
        redaction = {
            "ours": leak_report(docs, Path(runs["ours"]["store_dir"]), ("text", "title", "section")),
            "baseline": leak_report(docs, Path(runs["baseline"]["store_dir"]), ("text",)),
        }
        result = {
            "config": {"docs": args.docs, "pages_per_doc": args.pages_per_doc, "seed": args.seed,
                       "order": args.order, "baseline_chunk_chars": BASELINE_CHUNK_CHARS,
                       "baseline_chunk_overlap": BASELINE_CHUNK_OVERLAP, "embedding_batch_size": BATCH_SIZE},
            "env": environment(),
            "corpus": {
                "documents": len(docs),
                "zh_documents": sum(1 for d in docs if d.spec.language == "zh"),
                "pages": pages,
                "bytes": sum(d.path.stat().st_size for d in docs),
                "generate_s": gen_s,
                "planted_values": sum(r["planted"] for e, r in redaction["ours"].items() if e == "ALL"),
            },
            "ours": runs["ours"],
            "baseline": runs["baseline"],
            "ratio_ours_over_baseline": {
                "pages_per_s": runs["ours"]["pages_per_s"] / runs["baseline"]["pages_per_s"],
                "chunks_per_s": runs["ours"]["chunks_per_s"] / runs["baseline"]["chunks_per_s"],
            },
            "redaction": redaction,
        }
        for r in (result["ours"], result["baseline"]):
            r.pop("store_dir", None)
        print()
        print_tables(result)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nresults written to {args.out}")
        if args.keep:
            print(f"kept {tmp}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
