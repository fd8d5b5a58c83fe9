"""Synthetic document corpus for tests and benchmarks.

``pdfgen`` writes realistic policy PDFs (English and Chinese) with planted personal data;
``badfiles`` writes the malformed inputs the parser must survive.
"""
