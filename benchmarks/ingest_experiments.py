"""Where does ingestion time go, and what would make it faster? Quick, isolated experiments.

    python benchmarks/ingest_experiments.py [--corpus DIR | --docs 50 --pages-per-doc 4] [--only spacy,embed,...]

Runs on the same synthetic corpus as ``benchmarks/ingest.py`` (pass ``--corpus`` to reuse a
folder kept with ``ingest.py --keep``). Nothing here changes pipeline code; each experiment
times one stage in isolation with a knob turned:

* ``stages``: our parse / de-identify / chunk per document, and tokens embedded by ours and by
  the naive baseline (1000-char windows), since embedding cost follows tokens.
* ``spacy``: en_core_web_sm over the texts our de-identifier sees: full pipeline, NER only (what
  ours loads), tokenizer only, and ``nlp.pipe`` batch sizes; then the whole ``redact_many`` so
  the remainder (Presidio recognizers, context, placeholder logic) shows.
* ``embed``: MiniLM over our chunk texts: per document (what the pipeline does) vs one call for
  all, batch sizes, torch threads, dynamic int8 quantization and bf16 autocast (with cosine
  agreement to the fp32 vectors, so a speed-up is not bought with different vectors).

Results print as plain tables and go to ``--out`` as JSON (default
``benchmarks/results/ingest_experiments.json``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if sys.path[:1] != [str(ROOT)]:  # first: this folder's ingest.py would hide the ingest package
    sys.path.insert(0, str(ROOT))

os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

RESULTS: dict[str, Any] = {}


def timed(fn, repeat: int = 1) -> float:  # type: ignore[no-untyped-def]
    """Best of ``repeat`` wall times (the machine may be shared; best-of is the least noisy)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def row(section: str, name: str, seconds: float, **extra: Any) -> None:
    RESULTS.setdefault(section, {})[name] = {"s": round(seconds, 3), **extra}
    tail = "  ".join(f"{k}={v}" for k, v in extra.items())
    print(f"  {name:<58} {seconds:8.2f} s  {tail}", flush=True)


# ----------------------------------------------------------------------------- data


class Prepared:
    """Our pipeline's intermediate products for every document (parse -> deid -> chunk)."""

    def __init__(self, files: list[Path]) -> None:
        from ingest.parse import parse_bytes
        from ingest.pipeline import Pipeline, _Silent
        from kb_service.settings import Settings

        self.tmp = Path(tempfile.mkdtemp(prefix="kb-bench-exp-"))
        self.pipeline = Pipeline(Settings(data_dir=self.tmp))
        self.pipeline.warm_up()
        self.files = files
        self.parsed = []
        self.block_texts: list[list[str]] = []
        self.chunk_texts: list[list[str]] = []
        t_parse = t_deid = t_chunk = 0.0
        for path in files:
            data = path.read_bytes()
            mark = time.perf_counter()
            parsed = parse_bytes(data, path.name, max_pages=5000)
            t_parse += time.perf_counter() - mark
            self.block_texts.append([parsed.title] + [b.text for b in parsed.blocks])
            mark = time.perf_counter()
            title, blocks, _ = self.pipeline._deidentify(parsed, path.name, _Silent())
            t_deid += time.perf_counter() - mark
            mark = time.perf_counter()
            pieces = self.pipeline.chunker.chunk(title, blocks)
            t_chunk += time.perf_counter() - mark
            dedupe = self.pipeline._refresh_dedupe()
            texts = []
            for i, piece in enumerate(pieces):  # as Pipeline._process: near-duplicates are not embedded
                chunk = self.pipeline._make_chunk(piece, i, path.name, path.name, "v", title)
                minhash = dedupe.signature(chunk.text)
                if dedupe.check(chunk.chunk_id, path.name, minhash) is None:
                    texts.append(chunk.embedding_text())
            dedupe.commit(path.name)
            self.chunk_texts.append(texts)
            self.parsed.append(parsed)
        self.stage_s = {"parse": t_parse, "deidentify": t_deid, "chunk": t_chunk}

    @property
    def embedder(self) -> Any:
        return self.pipeline.embedder

    def baseline_windows(self) -> list[str]:
        from pypdf import PdfReader

        out = []
        for path in self.files:
            text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
            start = 0
            while True:
                out.append(text[start : start + 1000])
                if start + 1000 >= len(text):
                    break
                start += 800
        return out


# ----------------------------------------------------------------------------- experiments


def exp_stages(prep: Prepared) -> None:
    print("\n[stages] our stages re-timed in isolation (warm models)")
    for name, s in prep.stage_s.items():
        row("stages", f"ours {name}", s)
    tok = prep.embedder.tokenizer
    max_len = prep.embedder.max_tokens

    def tokens(texts: list[str]) -> tuple[int, int]:
        lengths = [min(len(ids) + 2, max_len) for ids in tok(texts, add_special_tokens=False)["input_ids"]]
        return sum(lengths), sum(1 for n in lengths if n >= max_len)

    ours = [t for doc in prep.chunk_texts for t in doc]
    base = prep.baseline_windows()
    o_tokens, o_trunc = tokens(ours)
    b_tokens, b_trunc = tokens(base)
    pages = sum(p.pages for p in prep.parsed)
    RESULTS.setdefault("tokens", {}).update(
        ours={"chunks": len(ours), "tokens": o_tokens, "truncated": o_trunc, "tokens_per_page": o_tokens / pages},
        baseline={"chunks": len(base), "tokens": b_tokens, "truncated": b_trunc, "tokens_per_page": b_tokens / pages},
    )
    print(f"  tokens embedded: ours {o_tokens} in {len(ours)} chunks ({o_tokens / pages:.0f}/page, {o_trunc} truncated);"
          f" baseline {b_tokens} in {len(base)} chunks ({b_tokens / pages:.0f}/page, {b_trunc} truncated)")
    heading = sum(len(t.split("\n\n", 1)[0]) for t in ours if "\n\n" in t)
    print(f"  heading prefix chars in ours' embedding texts: {heading} of {sum(len(t) for t in ours)}")


def exp_spacy(prep: Prepared) -> None:
    import spacy

    from ingest.pii.spacy_engine import _SPACY_NON_NER_COMPONENTS, _ner_listens_to_tok2vec
    from kb_service.models import spacy_model_path

    print("\n[spacy] en_core_web_sm over the texts our de-identifier sees (all blocks + titles)")
    texts = [t for doc in prep.block_texts for t in doc if t.strip()]
    chars = sum(len(t) for t in texts)
    print(f"  {len(texts)} texts, {chars} chars")
    path = spacy_model_path(None)
    full = spacy.load(path)
    print(f"  full pipeline: {full.pipe_names}")
    row("spacy", "full pipeline, nlp(text) one by one (baseline's way)", timed(lambda: [full(t) for t in texts]))
    row("spacy", "full pipeline, nlp.pipe batch 32", timed(lambda: list(full.pipe(texts, batch_size=32))))
    exclude = [c for c in _SPACY_NON_NER_COMPONENTS if c != "tok2vec" or not _ner_listens_to_tok2vec(path)]
    ner = spacy.load(path, exclude=exclude)
    print(f"  NER-only pipeline (ours): {ner.pipe_names}")
    for bs in (8, 32, 128, 512):
        row("spacy", f"NER only, nlp.pipe batch {bs}", timed(lambda bs=bs: list(ner.pipe(texts, batch_size=bs))))
    row("spacy", "tokenizer only (nlp.make_doc)", timed(lambda: [ner.make_doc(t) for t in texts]))
    latin = [t for t in texts if sum(ord(c) > 0x2E80 for c in t) < 0.2 * len(t)]
    row("spacy", f"NER only, batch 32, Latin-script texts only ({len(latin)}/{len(texts)})",
        timed(lambda: list(ner.pipe(latin, batch_size=32))))

    deid = prep.pipeline.deidentifier
    engine = deid._engine
    row("spacy", "ours: Deidentifier redact_many per document (full stage)",
        timed(lambda: [deid.session().redact_many(doc) for doc in prep.block_texts]))
    row("spacy", "ours: analyze_many over all documents in one call (batch 32)",
        timed(lambda: engine.analyze_many(texts, 32)))
    row("spacy", "ours: analyze_many over all documents in one call (batch 128)",
        timed(lambda: engine.analyze_many(texts, 128)))

    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    for doc in prep.block_texts:
        deid.session().redact_many(doc)
    profile.disable()
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative")
    top = []
    for (filename, line, func), (cc, nc, tt, ct, callers) in stats.stats.items():  # type: ignore[attr-defined]
        top.append((ct, tt, nc, f"{Path(filename).name}:{line}:{func}"))
    top.sort(reverse=True)
    print("  profile of redact_many (cumulative s, own s, calls, function), top 25:")
    RESULTS.setdefault("spacy", {})["profile_top"] = []
    for ct, tt, nc, name in top[:25]:
        print(f"    {ct:7.2f} {tt:7.2f} {nc:8d}  {name}")
        RESULTS["spacy"]["profile_top"].append([round(ct, 3), round(tt, 3), nc, name])
    recognizers = [(name, ct, tt) for ct, tt, nc, name in top if ".analyze" in name or "recognizer" in name.lower()]
    for name, ct, tt in sorted(recognizers, key=lambda r: -r[1])[:12]:
        print(f"    recognizer-ish: {ct:7.2f} {tt:7.2f}  {name}")


def exp_embed(prep: Prepared, docs: int = 20, rounds: int = 2) -> None:
    """Variants run in interleaved rounds (forward, then reverse order) and each reports its
    best round, so load from other processes on a shared machine biases no variant."""
    import numpy as np
    import torch

    model = prep.embedder.model
    per_doc = prep.chunk_texts[:docs]
    flat = [t for doc in per_doc for t in doc]
    print(f"\n[embed] all-MiniLM-L6-v2 over our chunk texts of the first {len(per_doc)} documents: "
          f"{len(flat)} texts, mean {len(flat) / len(per_doc):.1f} chunks/document; best of {rounds} rounds")

    def encode(texts: list[str], bs: int = 64, m: Any = None) -> Any:
        return (m or model).encode(texts, batch_size=bs, normalize_embeddings=True, convert_to_numpy=True,
                                   show_progress_bar=False)

    threads = torch.get_num_threads()
    reference = encode(flat)
    quantized = torch.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)

    def one_thread() -> Any:
        torch.set_num_threads(1)
        try:
            return encode(flat)
        finally:
            torch.set_num_threads(threads)

    def bf16(fn):  # type: ignore[no-untyped-def]
        def run() -> Any:
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return fn()
        return run

    variants = {
        f"per document, batch 64, fp32, {threads} threads (pipeline today)": lambda: np.concatenate(
            [encode(doc) for doc in per_doc]),
        "one call over all documents, batch 64, fp32": lambda: encode(flat),
        "one call over all documents, batch 128, fp32": lambda: encode(flat, 128),
        "one call over all documents, batch 16, fp32": lambda: encode(flat, 16),
        "one call over all documents, batch 64, fp32, 1 thread": one_thread,
        "per document, batch 64, bf16 autocast": bf16(lambda: np.concatenate([encode(doc) for doc in per_doc])),
        "one call over all documents, batch 64, bf16 autocast": bf16(lambda: encode(flat)),
        "one call over all documents, batch 64, dynamic int8 (Linear)": lambda: encode(flat, 64, quantized),
    }
    best: dict[str, float] = {name: float("inf") for name in variants}
    agreement: dict[str, tuple[float, float]] = {}
    names = list(variants)
    for r in range(rounds):
        for name in names if r % 2 == 0 else reversed(names):
            started = time.perf_counter()
            vectors = variants[name]()
            best[name] = min(best[name], time.perf_counter() - started)
            cos = (np.asarray(vectors, dtype="float32") * reference).sum(axis=1)
            agreement[name] = (float(cos.min()), float(cos.mean()))
    base = best[names[0]]
    for name in names:
        row("embed", name, best[name], texts_per_s=round(len(flat) / best[name], 1),
            speedup=round(base / best[name], 2), cos_min=round(agreement[name][0], 4),
            cos_mean=round(agreement[name][1], 4))


EXPERIMENTS = {"stages": exp_stages, "spacy": exp_spacy, "embed": exp_embed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="folder of PDFs (e.g. kept by ingest.py --keep)")
    parser.add_argument("--docs", type=int, default=50)
    parser.add_argument("--pages-per-doc", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", default=",".join(EXPERIMENTS), help="comma list of " + ", ".join(EXPERIMENTS))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "ingest_experiments.json")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING)
    for name in ("presidio-analyzer", "ingest", "kb_service"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")

    if args.corpus:
        files = sorted(args.corpus.glob("*.pdf"))
    else:
        from tests.corpus.pdfgen import write_corpus

        folder = Path(tempfile.mkdtemp(prefix="kb-bench-exp-corpus-"))
        files = sorted(d.path for d in write_corpus(folder, args.docs, args.pages_per_doc, args.seed))
    print(f"{len(files)} documents; preparing (parse, de-identify, chunk with warm models) ...", flush=True)
    prep = Prepared(files)
    # one throwaway embedding batch, as in ingest.py
    prep.embedder.embed([t for doc in prep.chunk_texts for t in doc][:64])
    for name in args.only.split(","):
        EXPERIMENTS[name.strip()](prep)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(RESULTS, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
