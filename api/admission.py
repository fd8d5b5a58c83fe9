"""Admission control for questions: a bounded number answered at once, a bounded queue
behind them, 429 with Retry-After beyond that.

Each answer holds a model-server request and CPU for verification. Without a bound, a burst
of questions is accepted whole and every one of them gets slow (and past the model timeout,
a 503); with one, the questions that are admitted keep their latency and the rest learn at
once when to come back. Waiting happens on the event loop, not on a worker thread, so
queued questions never hold the threads that uploads, health checks and job polls need.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from kb_service.errors import KBError

P = ParamSpec("P")
T = TypeVar("T")

_DEFAULT_ANSWER_SECONDS = 5.0  # Retry-After estimate before the first answer has finished


class OverloadedError(KBError):
    """Too many questions in flight: answered 429 with Retry-After."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AnswerGate:
    """`async with gate.slot():` around one answer. Not thread-safe: use from the event loop."""

    def __init__(
        self, *, concurrency: int, queue: int, wait_seconds: float, on_reject: Callable[[], object] | None = None
    ) -> None:
        self.concurrency, self.queue, self.wait_seconds = concurrency, queue, wait_seconds
        self._on_reject = on_reject
        self.active = 0
        self.waiting = 0
        self._durations: deque[float] = deque(maxlen=50)
        self._semaphore: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _sem(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._loop is not loop:  # a new loop: a new app run (tests)
            self._semaphore, self._loop = asyncio.Semaphore(self.concurrency), loop
            self.active = self.waiting = 0
        return self._semaphore

    def retry_after(self) -> int:
        """Seconds until the queue ahead has probably drained: recent mean answer time times
        the rounds of `concurrency` answers the waiting questions make, at least 1."""
        mean = sum(self._durations) / len(self._durations) if self._durations else _DEFAULT_ANSWER_SECONDS
        rounds = math.ceil((self.waiting + 1) / self.concurrency)
        return max(1, min(600, math.ceil(mean * rounds)))

    def _refuse(self, why: str) -> OverloadedError:
        if self._on_reject is not None:
            self._on_reject()
        retry = self.retry_after()
        return OverloadedError(f"{why}; retry in {retry} s (Retry-After)", retry)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        semaphore = self._sem()
        if semaphore.locked() and self.waiting >= self.queue:
            raise self._refuse(f"too many questions in flight ({self.active} answering, {self.waiting} waiting)")
        self.waiting += 1
        try:
            await asyncio.wait_for(semaphore.acquire(), timeout=self.wait_seconds)
        except TimeoutError:
            raise self._refuse(f"no answer slot became free within {self.wait_seconds:g} s") from None
        finally:
            self.waiting -= 1
        self.active += 1
        started = time.monotonic()
        try:
            yield
        finally:
            self._durations.append(time.monotonic() - started)
            self.active -= 1
            semaphore.release()

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` on a worker thread, once a slot is free."""
        async with self.slot():
            return await run_in_threadpool(fn, *args, **kwargs)
