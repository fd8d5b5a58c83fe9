"""The demo documents in ``samples/``, parsed as ingestion parses them, labelled here.

Real prose, tables and headings (``scripts/make_samples.py`` writes them) with the personal
data listed in ``docs/sample-documents.md``: few planted values, so this slice says little
about recall and much about precision, since every other finding in ~35k characters of
policy text is a false alarm. Role mailboxes, the hotline and the company address are
*neutral*: the document list calls removing them over-redaction, not a leak.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.pii_corpus import LabelledText

PLANTED = {
    "employee-handbook.pdf": [
        ("PERSON", "Margaret Ellison"),
        ("EMAIL_ADDRESS", "margaret.ellison@northwind-analytics.com"),
        ("PHONE_NUMBER", "(206) 784-3310"),
        ("STREET_ADDRESS", "1200 Westlake Avenue North, Suite 800, Seattle, WA 98109"),
        ("PERSON", "Carlos Mendes"),
    ],
    "it-security-policy.pdf": [
        ("PERSON", "Daniel Okafor"),
        ("EMAIL_ADDRESS", "daniel.okafor@northwind-analytics.com"),
        ("PHONE_NUMBER", "+1 206 913 4471"),
        ("PERSON", "Priya Raman"),
        ("IP_ADDRESS", "185.220.101.47"),
    ],
    "expense-policy.pdf": [
        ("PERSON", "Hannah Lindqvist"),
        ("EMAIL_ADDRESS", "hannah.lindqvist@northwind-analytics.com"),
        ("PHONE_NUMBER", "+44 20 7946 1182"),
        ("PERSON", "Thomas Bennett"),
        ("CREDIT_CARD", "4539 1488 0343 6467"),
        ("IBAN_CODE", "GB82 WEST 1234 5698 7654 32"),
    ],
    "信息安全制度.pdf": [
        ("PERSON", "陈静"),
        ("CN_MOBILE", "13812345678"),
        ("CN_RESIDENT_ID", "31010419880612023X"),
        ("STREET_ADDRESS", "上海市徐汇区漕溪北路88号圣爱大厦1203室"),
        ("PERSON", "王磊"),
        ("CN_MOBILE", "13961187420"),
    ],
}
NEUTRAL = [
    "security@northwind-analytics.com",
    "expenses@northwind-analytics.com",
    "support@northwind-analytics.com",
    "people@northwind-analytics.com",
    "1-800-461-2290",
    "+1 206 555 0199",
    "8110",
    "1200 Westlake Avenue North",
]


def _occurrences(text: str, value: str) -> list[tuple[int, int]]:
    out, start = [], text.find(value)
    while start >= 0:
        out.append((start, start + len(value)))
        start = text.find(value, start + 1)
    return out


def make_samples_corpus(samples_dir: str | Path = "samples") -> dict[str, list[LabelledText]]:
    """Blocks of every sample document (as the pipeline redacts them), by language."""
    from ingest.parse import parse_bytes

    out: dict[str, list[LabelledText]] = {"en": [], "zh": []}
    for path in sorted(Path(samples_dir).iterdir()):
        if path.name.startswith("."):
            continue
        language = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in path.stem) else "en"
        parsed = parse_bytes(path.read_bytes(), path.name)
        for block in parsed.blocks:
            item = LabelledText(block.text, [], language=language, source=f"samples/{path.name}")
            taken = bytearray(len(block.text))
            for entity, value in PLANTED.get(path.name, []):
                for start, end in _occurrences(block.text, value):
                    item.spans.append((start, end, entity))
                    item.formats.append(path.name)
                    taken[start:end] = b"\x01" * (end - start)
            for value in NEUTRAL:
                for start, end in _occurrences(block.text, value):
                    if not any(taken[start:end]):
                        item.neutral.append((start, end, "role/company value"))
            out[language].append(item)
    return out
