"""OCR of scanned pages: pages/s and character error rate, ours against plain Tesseract.

    python -m benchmarks.ocr [--pages 3] [--seed 1] [--out benchmarks/results/ocr.json]

Scans from tests/corpus/scans.py (generated pages drawn at 200 dpi, image-only PDF pages with
planted personal data), English and Chinese, each clean, speckled (3 % salt and pepper) and
skewed 2-3 degrees. Each scan is read, in the same run and on one core (OMP_THREAD_LIMIT=1):

- **ours**: `ingest.parse.ocr.ocr_pages` as the parse worker runs it (PDFium render at 300 dpi,
  median filter + clamped Otsu threshold on speckled pages, deskew by Tesseract's layout
  angle, Tesseract eng+chi_sim through tesserocr);
- **plain Tesseract**: the same render and the same engine, without cleaning and deskewing;
- **before**: the previous release, which flagged such pages as needing OCR and indexed nothing
  from them: 0 characters recovered, CER 1.000 by definition.

CER is the edit distance to the page's ground truth over its length, whitespace collapsed
(removed for Chinese). Seconds are per page, render included.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # as in the parse worker: one page on one core

ROOT = Path(__file__).resolve().parents[1]
if sys.path[:1] != [str(ROOT)]:  # first: this folder's ingest.py would hide the ingest package
    sys.path.insert(0, str(ROOT))

from ingest.parse.ocr import OcrOptions, find_tessdata, ocr_pages  # noqa: E402
from tests.corpus.scans import cer, scanned_document  # noqa: E402

CELLS = [(lang, cond) for lang in ("en", "zh") for cond in ("clean", "noise", "rotated")]


def measure(options: OcrOptions, scan, data: bytes) -> dict[str, float]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    results = ocr_pages(data, list(range(len(scan.pages))), options, lambda: None)
    seconds = time.perf_counter() - started
    errors = [cer(results[i].text if i in results else "", scan.truth(i + 1), scan.language)
              for i in range(len(scan.pages))]
    confidences = [r.confidence for r in results.values()]
    return {
        "seconds": seconds, "pages": len(scan.pages), "cer": sum(errors) / len(errors),
        "worst_cer": max(errors), "confidence": sum(confidences) / max(len(confidences), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=3, help="pages per language and condition")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "ocr.json")
    args = parser.parse_args()

    tessdata = find_tessdata("eng+chi_sim")
    if isinstance(tessdata, str):
        sys.exit(f"benchmarks.ocr: {tessdata}")
    ours = OcrOptions(tessdata=str(tessdata))
    plain = OcrOptions(tessdata=str(tessdata), clean=False, deskew=False)
    ocr_pages(scanned_document(Path(tempfile.mkdtemp()) / "warm.pdf").path.read_bytes(), [0], ours, lambda: None)

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for index, (language, condition) in enumerate(CELLS):
            scan = scanned_document(
                Path(folder) / f"{language}-{condition}.pdf", language, condition,  # type: ignore[arg-type]
                pages=args.pages, seed=args.seed + index,
            )
            data = scan.path.read_bytes()
            # alternate the order so neither system always runs on a warmer cache
            first, second = (ours, plain) if index % 2 == 0 else (plain, ours)
            got = {id(first): measure(first, scan, data), id(second): measure(second, scan, data)}
            rows.append({"language": language, "condition": condition,
                         "ours": got[id(ours)], "plain": got[id(plain)]})

    header = (f"{'lang':4} {'scan':8} {'pages':>5} | {'ours p/s':>8} {'CER':>6} {'conf':>5} | "
              f"{'plain p/s':>9} {'CER':>6} | {'before CER':>10} | {'plain/ours CER':>14}")
    print(header)
    print("-" * len(header))
    for row in rows:
        o, p = row["ours"], row["plain"]
        ratio = p["cer"] / o["cer"] if o["cer"] > 0 else float("inf") if p["cer"] > 0 else 1.0
        print(f"{row['language']:4} {row['condition']:8} {o['pages']:>5} | {o['pages'] / o['seconds']:>8.2f} "
              f"{o['cer']:>6.3f} {o['confidence']:>5.2f} | {p['pages'] / p['seconds']:>9.2f} {p['cer']:>6.3f} | "
              f"{1.0:>10.3f} | {ratio:>14.1f}")
    total_o = sum(r["ours"]["seconds"] for r in rows)
    total_p = sum(r["plain"]["seconds"] for r in rows)
    pages = sum(r["ours"]["pages"] for r in rows)
    mean_o = sum(r["ours"]["cer"] for r in rows) / len(rows)
    mean_p = sum(r["plain"]["cer"] for r in rows) / len(rows)
    print(f"all: ours {pages / total_o:.2f} pages/s, mean CER {mean_o:.3f}; plain Tesseract "
          f"{pages / total_p:.2f} pages/s, mean CER {mean_p:.3f}; before: 0 characters (CER 1.000); "
          f"ours/plain speed {total_p / total_o:.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"pages_per_cell": args.pages, "seed": args.seed, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
