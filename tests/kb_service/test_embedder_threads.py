"""The embedder is shared by the upload worker (chunking, embedding) and every answering
thread. A fast tokenizer's padding state is rewritten by each call, so sharing one instance
across threads made batches fail ("Unable to create tensor ... padding") under load; the
chunker now counts with a copy, and the model's own tokenizer is only called with one set of
settings, which concurrent embedding calls can share."""

from __future__ import annotations

import threading
import time

from kb_service.embedder import SentenceTransformerEmbedder

TEXTS = [
    "Employees on business travel receive a daily meal allowance of 45 euros.",
    "Short one.",
    "Hotel bookings must not exceed 160 euros per night in any city, booked through the travel portal.",
]


def test_counting_and_embedding_from_several_threads(embedder: SentenceTransformerEmbedder) -> None:
    assert embedder.tokenizer is not embedder.model.tokenizer
    stop = threading.Event()
    errors: list[str] = []
    embedded = [0]

    def chunker() -> None:  # what the upload worker's chunker does, without padding
        while not stop.is_set():
            try:
                embedder.tokenizer.tokenize(TEXTS[0] * 30)
            except Exception as exc:  # noqa: BLE001 - collected and asserted on
                errors.append(repr(exc)[:200])

    def asker() -> None:  # what an answer does: embed a padded batch of uneven texts
        while not stop.is_set():
            try:
                assert len(embedder.embed(TEXTS)) == 3
                embedded[0] += 1
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc)[:200])

    threads = [threading.Thread(target=chunker), threading.Thread(target=asker), threading.Thread(target=asker)]
    for thread in threads:
        thread.start()
    time.sleep(8)  # the shared tokenizer failed within a second or two here
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == []
    assert embedded[0] > 10
