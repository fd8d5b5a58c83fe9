"""Trainer callbacks: a rich progress bar with loss and tokens/s, and a wall-clock meter.

The loss history itself needs no callback: the Trainer keeps every logged loss in
``state.log_history``, which is also saved in each checkpoint and so survives a resume.
"""

from __future__ import annotations

import time
from typing import Any

from transformers import TrainerCallback


class RichProgressCallback(TrainerCallback):
    """One bar over the optimizer steps; shows the last training loss, the best validation
    loss and the training throughput (input tokens per second since this process started)."""

    def __init__(self, console: Any, description: str = "training") -> None:
        self._console = console
        self._description = description
        self._progress: Any = None
        self._task: Any = None
        self._start_time = 0.0
        self._start_tokens = 0
        self._loss: float | None = None
        self._val: float | None = None

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            TimeRemainingColumn(),
            console=self._console,
            transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(
            self._description, total=state.max_steps, completed=state.global_step, stats=""
        )
        self._start_time = time.perf_counter()
        self._start_tokens = state.num_input_tokens_seen

    def _refresh(self, state: Any) -> None:
        if self._progress is None:
            return
        elapsed = max(time.perf_counter() - self._start_time, 1e-9)
        rate = (state.num_input_tokens_seen - self._start_tokens) / elapsed
        parts = []
        if self._loss is not None:
            parts.append(f"loss {self._loss:.3f}")
        if self._val is not None:
            parts.append(f"val {self._val:.3f}")
        parts.append(f"{rate:,.0f} tok/s")
        self._progress.update(self._task, completed=state.global_step, stats=" · ".join(parts))

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._refresh(state)

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None, **kwargs: Any) -> None:
        logs = logs or {}
        if "loss" in logs:
            self._loss = float(logs["loss"])
        if "eval_loss" in logs:
            value = float(logs["eval_loss"])
            self._val = value if self._val is None else min(self._val, value)
        self._refresh(state)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._refresh(state)
        self.close()

    def close(self) -> None:
        """Stop drawing; also after an interrupted run, so the terminal is left clean."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


class ThroughputMeter(TrainerCallback):
    """Seconds spent in training steps and the tokens they consumed, in this process only
    (a resumed run measures its own part; the card reports what this process did)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.tokens = 0
        self._t0: float | None = None
        self._tokens0 = 0

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._t0 = time.perf_counter()
        self._tokens0 = state.num_input_tokens_seen

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self._t0 is not None:
            self.seconds += time.perf_counter() - self._t0
            self.tokens += state.num_input_tokens_seen - self._tokens0
            self._t0 = None

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0
