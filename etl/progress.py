"""Progress on long work, written to stderr: a live line on a terminal, a few lines in a log."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, what: str, total: int, stream: TextIO | None = None):
        self.what = what
        self.total = max(total, 1)
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.started = time.perf_counter()
        self._last_draw = 0.0
        self._last_step = -1
        self._drawn = False

    def __call__(self, done: int, total: int | None = None) -> None:
        if total:
            self.total = max(total, 1)
        now = time.perf_counter()
        if self.live:
            if now - self._last_draw >= 0.1 or done >= self.total:
                self._last_draw = now
                self._drawn = True
                self.stream.write(f"\r{self._line(done, now)}")
                self.stream.flush()
            return
        step = done * 10 // self.total  # a line per tenth keeps CI logs short
        if step != self._last_step:
            self._last_step = step
            self.stream.write(self._line(done, now) + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self.live and self._drawn:
            self.stream.write("\n")
            self.stream.flush()

    def _line(self, done: int, now: float) -> str:
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        return f"{self.what}: {done}/{self.total} ({100 * done // self.total}%) {elapsed:5.1f}s {rate:,.0f}/s"
