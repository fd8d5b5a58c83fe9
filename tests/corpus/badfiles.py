"""Malformed and awkward inputs for the parser, and large files for the size limit.

What pypdf 7.1 does with each (checked by ``tests/corpus/test_pdfgen.py``):

=====================  ==================================================================
key                    behaviour of ``pypdf.PdfReader(path)`` (default ``strict=False``)
=====================  ==================================================================
corrupt                a %PDF- header then random bytes, no trailer. Logs "EOF marker not
                       found", then raises ``pypdf.errors.PdfStreamError`` ("Stream has
                       ended unexpectedly"), a subclass of ``PdfReadError``. strict=True:
                       ``PdfReadError`` ("EOF marker not found").
truncated              the first 60 % of a valid PDF (EOF marker and xref gone): same as
                       corrupt, ``PdfStreamError`` (strict: ``PdfReadError``).
encrypted_password     opens (``PdfReader`` silently tries the empty password and fails);
                       ``is_encrypted`` is True; touching ``pages`` or text raises
                       ``pypdf.errors.FileNotDecryptedError`` ("File has not been
                       decrypted"); ``decrypt("")`` returns ``PasswordType.NOT_DECRYPTED``
                       (0); ``decrypt("s3cret")`` returns ``PasswordType.USER_PASSWORD``
                       (1), the owner password ``OWNER_PASSWORD`` gives ``OWNER_PASSWORD``
                       (2). AES-256 (needs ``cryptography`` to decrypt, not to detect).
encrypted_empty        ``is_encrypted`` is True, but ``PdfReader(path)`` (password=None)
                       already decrypts with the empty user password, so pages and text are
                       readable at once; ``decrypt("")`` also returns
                       ``PasswordType.USER_PASSWORD``. An "owner password only" file, as many
                       permission-restricted PDFs are. RC4-128, which pypdf decrypts without
                       extra packages. A parser that rejects every ``is_encrypted`` file
                       rejects these readable ones too.
zero_byte              ``pypdf.errors.EmptyFileError`` ("Cannot read an empty file"), a
                       subclass of ``PdfReadError``, in both modes.
image_only             valid, 1 page, ``extract_text()`` == "" (vector shapes and one raster
                       image, no text operators): the "scanned document" case.
mislabelled            a PNG named ``.pdf``: logs "invalid pdf header", raises
                       ``PdfStreamError``. strict=True raises a bare ``UnicodeDecodeError``
                       (not a pypdf error!) while reading the header.
mislabelled_text       plain text named ``.pdf``: ``PdfStreamError``; strict=True:
                       ``PdfReadError`` ("PDF starts with 'Meeti', but '%PDF-' expected").
                       Sniff the magic bytes before parsing rather than trusting pypdf here.
wrong_xref             valid PDF whose ``startxref`` offset points into the middle of the
                       file: pypdf logs "incorrect startxref pointer(1)", rebuilds the
                       cross-reference table by scanning for objects, and reads every page
                       and all text. strict=True raises ``PdfReadError`` ("Broken xref
                       table").
=====================  ==================================================================

Catch ``pypdf.errors.PyPdfError`` (base of all the above) plus ``ValueError`` (for the strict
``UnicodeDecodeError``) at the parser's edge.
"""

from __future__ import annotations

import io
import random
import re
from pathlib import Path

from .pdfgen import image_only_pdf, policy_document, write_pdf

__all__ = ["write_bad_inputs", "write_large_pdf", "USER_PASSWORD", "OWNER_PASSWORD"]

USER_PASSWORD = "s3cret"
OWNER_PASSWORD = "0wner-only"


def _small_valid_pdf(path: Path) -> Path:
    spec, _ = policy_document(7, pages=2, plant_pii=False)
    return write_pdf(spec, path)


def _encrypt(src: Path, dst: Path, user: str, owner: str, algorithm: str) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password=user, owner_password=owner, algorithm=algorithm)
    buf = io.BytesIO()
    writer.write(buf)
    dst.write_bytes(buf.getvalue())
    return dst


def write_bad_inputs(directory: Path) -> dict[str, Path]:
    """Write every bad input into ``directory``; returns ``{key: path}`` (keys above)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1234)
    out: dict[str, Path] = {}

    valid = _small_valid_pdf(d / "_valid_source.pdf")
    data = valid.read_bytes()

    out["corrupt"] = d / "corrupt.pdf"
    out["corrupt"].write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + rng.randbytes(20_000))

    out["truncated"] = d / "truncated.pdf"
    out["truncated"].write_bytes(data[: int(len(data) * 0.6)])

    out["encrypted_password"] = _encrypt(valid, d / "encrypted_password.pdf", USER_PASSWORD,
                                         OWNER_PASSWORD, "AES-256")
    out["encrypted_empty"] = _encrypt(valid, d / "encrypted_empty.pdf", "", OWNER_PASSWORD,
                                      "RC4-128")

    out["zero_byte"] = d / "zero_byte.pdf"
    out["zero_byte"].write_bytes(b"")

    out["image_only"] = image_only_pdf(d / "image_only.pdf")

    out["mislabelled"] = d / "mislabelled.pdf"
    out["mislabelled"].write_bytes(_png_bytes())
    out["mislabelled_text"] = d / "mislabelled_text.pdf"
    out["mislabelled_text"].write_text(
        "Meeting notes, 3 March\n\nThis is a plain text file that was saved with a .pdf "
        "extension by mistake.\n", encoding="utf-8")

    out["wrong_xref"] = d / "wrong_xref.pdf"
    out["wrong_xref"].write_bytes(_corrupt_startxref(data))

    valid.unlink()
    return out


def _png_bytes() -> bytes:
    from PIL import Image

    img = Image.new("RGB", (64, 48), (200, 220, 240))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _corrupt_startxref(data: bytes) -> bytes:
    """Replace the number after the last ``startxref`` with an offset in the middle of the
    file (same number of digits would be nice but is not needed: the tail is rewritten)."""
    m = list(re.finditer(rb"startxref\s+(\d+)\s+%%EOF", data))[-1]
    wrong = len(data) // 2
    return data[: m.start(1)] + str(wrong).encode() + data[m.end(1):]


def write_large_pdf(path: Path, mb: float, *, seed: int = 0) -> Path:
    """A valid PDF of at least ``mb`` MiB: one page of text, then pages with incompressible
    random-noise images (about 1 MiB each). The size is checked after writing."""
    from PIL import Image
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    target = int(mb * 1024 * 1024)
    rng = random.Random(seed)
    side = 512
    raw_needed = int(target / 1.25 * 1.01) + 2048  # ASCII85 adds 25 %; small margin
    for _attempt in range(4):
        c = Canvas(str(path), pagesize=LETTER, invariant=1)
        c.setFont("Helvetica", 12)
        c.drawString(72, 720, "Large file test: pages of random image data follow.")
        c.showPage()
        remaining = raw_needed
        while remaining > 0:
            rows = min(side, -(-remaining // (side * 3)))
            img = Image.frombytes("RGB", (side, rows), rng.randbytes(side * rows * 3))
            c.drawImage(ImageReader(img), 72, 200, width=460, height=460 * rows / side)
            c.showPage()
            remaining -= side * rows * 3
        c.save()
        if path.stat().st_size >= target:
            break
        raw_needed += target - path.stat().st_size + 16 * 1024
    else:  # pragma: no cover
        raise RuntimeError(f"wrote {path.stat().st_size} bytes, wanted {target}")
    return path


