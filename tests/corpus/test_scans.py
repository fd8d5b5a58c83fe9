"""The scan corpus: image-only pages with no text layer, text pages with one, planted data."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.corpus.scans import FONTS, cer, mixed_document, page_marker, scanned_document

pytestmark = pytest.mark.skipif(
    not all(Path(font).is_file() for font in FONTS.values()), reason="`make ocr` installs the scan fonts"
)


@pytest.mark.parametrize("condition", ["clean", "noise", "rotated"])
def test_a_scan_has_images_and_no_text_layer(tmp_path: Path, condition: str) -> None:
    scan = scanned_document(tmp_path / "scan.pdf", "zh", condition, pages=2, seed=1)  # type: ignore[arg-type]
    reader = PdfReader(scan.path)
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert (page.extract_text() or "").strip() == ""
        assert any(o.get_object()["/Subtype"] == "/Image" for o in page["/Resources"]["/XObject"].values())
    assert {kind for kind, _ in scan.planted} == {"PERSON", "CN_MOBILE", "EMAIL_ADDRESS"}
    assert all(value in scan.truth(1) + scan.truth(2) for _, value in scan.planted)


def test_a_mixed_document_has_text_where_the_layout_says(tmp_path: Path) -> None:
    scan = mixed_document(tmp_path / "mixed.pdf", "en", layout="tst")
    texts = [page.extract_text() or "" for page in PdfReader(scan.path).pages]
    assert page_marker(1) in texts[0] and texts[1].strip() == "" and page_marker(3) in texts[2]
    assert [page.scanned for page in scan.pages] == [False, True, False]


def test_cer() -> None:
    assert cer("abc", "abc", "en") == 0 and cer("", "abcd", "en") == 1
    assert cer("a  bd", "a b c d", "en") == pytest.approx(3 / 7)  # " c " inserted; runs of spaces are one
    assert cer("联系人 : 张伟", "联系人：张伟", "zh") == 0  # NFKC, whitespace ignored in Chinese
