"""Progress on long work, on stderr: tqdm bars and spinners on a terminal, plain lines in a log.

tqdm draws the bars (rate, ETA, its own clock per stage, the line cleared when the stage ends) and
formats the plain lines; it is maintained, already installed (Great Expectations depends on it) and
writes to any stream, so a test can read it from a pseudo-terminal.

The command line opens a `reporting()` scope; the library marks its long steps with `stage()`,
which shows nothing outside such a scope, so a user's script or notebook stays quiet.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TextIO

from tqdm import tqdm

PLAIN_EVERY_S = 15.0  # in a log, a line at least this often, besides one per tenth of the work
SPINNER_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}]"
PLAIN_FORMAT = "{desc}: {n_fmt}/{total_fmt} ({percentage:.0f}%) {elapsed} elapsed, {rate_fmt}, {remaining} left"


@dataclass
class Reporter:
    """Where progress goes: `stream` (stderr), nothing when `quiet`; bars only on a terminal."""

    stream: TextIO = field(default_factory=lambda: sys.stderr)
    quiet: bool = False

    @property
    def live(self) -> bool:
        return not self.quiet and self.stream.isatty()


_ACTIVE: ContextVar[Reporter | None] = ContextVar("progress_reporter", default=None)


@contextmanager
def reporting(quiet: bool = False, stream: TextIO | None = None) -> Iterator[Reporter]:
    """Show the `stage()`s and `Progress` bars of the work done inside this scope."""
    reporter = Reporter(stream or sys.stderr, quiet)
    token = _ACTIVE.set(reporter)
    try:
        yield reporter
    finally:
        _ACTIVE.reset(token)


def _reporter() -> Reporter:
    return _ACTIVE.get() or Reporter()


class Progress:
    """A bar for one stage, fed `progress(done, total)`; its clock starts at the first call.

    On a terminal: a tqdm bar with rate and ETA, cleared at the end. Elsewhere: a plain line per
    tenth of the work (or every PLAIN_EVERY_S seconds), then a last one.
    """

    def __init__(
        self,
        what: str,
        total: int = 0,
        unit: str = "it",
        stream: TextIO | None = None,
        quiet: bool | None = None,
    ):
        reporter = _reporter()
        self.what = what
        self.unit = unit
        self.total = total
        self.stream = stream or reporter.stream
        self.quiet = reporter.quiet if quiet is None else quiet
        self.live = not self.quiet and self.stream.isatty()
        self._bar: tqdm | None = None
        self._started: float | None = None
        self._last_line = (-1, 0.0)  # (tenth, time) of the last plain line
        self._finished = False
        self._drawing = False

    def __call__(self, done: int, total: int | None = None) -> None:
        if total:
            self.total = total
        if self.quiet or self._finished:
            return
        now = time.perf_counter()
        if self._started is None:
            self._started = now
        if self.live:
            self._draw(done)
        else:
            self._plain(done, now)
        if self.total and done >= self.total:
            self.close()

    def _draw(self, done: int) -> None:
        if self._bar is None:
            self._drawing = True
            self._bar = tqdm(
                total=self.total or None,
                desc=self.what,
                unit=self.unit,
                file=self.stream,
                leave=False,
                dynamic_ncols=True,
                mininterval=0.1,
                bar_format=BAR_FORMAT,
            )
        if self.total and self._bar.total != self.total:
            self._bar.total = self.total
        self._bar.update(done - self._bar.n)

    def _plain(self, done: int, now: float) -> None:
        tenth = done * 10 // self.total if self.total else 0
        last_tenth, last_time = self._last_line
        if tenth == last_tenth and now - last_time < PLAIN_EVERY_S and done < self.total:
            return
        self._last_line = (tenth, now)
        elapsed = now - (self._started or now)
        line = tqdm.format_meter(
            done, self.total or None, elapsed, prefix=self.what, unit=self.unit, bar_format=PLAIN_FORMAT
        )
        self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the stage: the bar is cleared from the terminal. Safe to call twice."""
        self._finished = True
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self._drawing:  # interrupted while tqdm drew its first line, before it was ours to close
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
        self._drawing = False


@contextmanager
def stage(what: str) -> Iterator[None]:
    """A step without a count (write, audit, report, validate): a spinner with its clock on a
    terminal, a line before and after in a log, nothing outside a `reporting()` scope."""
    reporter = _ACTIVE.get()
    if reporter is None or reporter.quiet:
        yield
        return
    started = time.perf_counter()
    if not reporter.live:
        _line(reporter.stream, f"{what} ...")
        yield
        _line(reporter.stream, f"{what}: done in {time.perf_counter() - started:.1f} s")
        return
    with _Spinner(what, reporter.stream):
        yield


def _line(stream: TextIO, text: str) -> None:
    stream.write(text + "\n")
    stream.flush()


class _Spinner:
    """tqdm draws the line and its clock; a daemon thread turns the frame ten times a second."""

    def __init__(self, what: str, stream: TextIO):
        self._what = what
        self._bar = tqdm(
            total=None, desc=f"{SPINNER_FRAMES[0]} {what}", file=stream, leave=False, bar_format="{desc} {elapsed}"
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._turn, name="progress-spinner", daemon=True)

    def _show(self, frame: int) -> None:
        self._bar.set_description_str(f"{SPINNER_FRAMES[frame % len(SPINNER_FRAMES)]} {self._what}", refresh=True)

    def _turn(self) -> None:
        frame = 0
        while not self._stop.wait(0.1):
            frame += 1
            self._show(frame)

    def __enter__(self) -> _Spinner:
        self._show(0)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._bar.close()
