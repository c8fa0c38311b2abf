"""Progress for long work: a rich bar on a terminal, plain log lines in CI and pipes.

Two kinds of work are counted: the bundles of a run, and the characters of a big article
being segmented (``unit``)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Protocol, TextIO


class Reporter(Protocol):
    """Progress over the bundles of a run (articles x locales), and over the characters of each
    big article as it is segmented (``unit`` "characters"); the CLI supplies a rich bar or plain
    log lines. ``advance`` may be called with fractions of a bundle."""

    def start(self, label: str, total: int, unit: str = "bundles") -> None: ...
    def advance(self, count: float) -> None: ...
    def finish(self) -> None: ...


def spread_progress(
    progress: Callable[[int], None] | None, segments: int, calls: int
) -> Callable[[int], None] | None:
    """Progress for ``calls`` units of work (unique misses, pieces of long segments) that stand
    for ``segments`` segments, reported in segments."""
    if progress is None or segments == calls:
        return progress
    done = [0, 0]

    def report(count: int) -> None:
        done[0] += count
        target = segments * done[0] // calls
        progress(target - done[1])
        done[1] = target

    return report


class SilentReporter:
    def start(self, label: str, total: int, unit: str = "bundles") -> None:
        pass

    def advance(self, count: float) -> None:
        pass

    def finish(self) -> None:
        pass


SEGMENT_PROGRESS_MIN_CHARS = 200_000
"""Articles at least this long report their segmentation (shorter ones take a second or less)."""


class SegmentProgress:
    """The ``progress`` callback of :func:`read_article`, passed on to ``reporter`` (in
    characters) once the article turns out to be long enough to matter; use as a context
    manager so that the report is closed."""

    def __init__(self, reporter: Reporter, label: str, min_chars: int = SEGMENT_PROGRESS_MIN_CHARS):
        self.reporter, self.label, self.min_chars = reporter, label, min_chars
        self.started = False
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        if not self.started:
            if total < self.min_chars:
                return
            self.reporter.start(self.label, total, unit="characters")
            self.started = True
        self.reporter.advance(done - self.done)
        self.done = done

    def __enter__(self) -> SegmentProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.started:
            self.reporter.finish()
            self.started = False


def make_reporter(stream: TextIO | None = None, *, quiet: bool = False):
    """A rich progress bar when ``stream`` is a terminal (and not CI), else plain lines."""
    stream = stream or sys.stderr
    if quiet:
        return SilentReporter()
    if stream.isatty() and not os.environ.get("CI"):
        return RichReporter(stream)
    return LineReporter(stream)


_VERBS = {"bundles": "translating", "characters": "segmenting"}
_RATE_FORMATS = {"bundles": ".2f", "characters": ",.0f"}
LINE_STEPS = {"characters": 10}
"""Lines between start and end, per unit: segmenting a big article is reported every 10 %;
a run's bundles only at start and end (CI logs stay short)."""


class LineReporter:
    """One line when a run starts and one when it ends, a few more for a long segmentation."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.label = ""
        self.total = 0
        self.unit = "bundles"
        self.done = 0.0
        self.started = 0.0
        self.next_line = 0.0

    def start(self, label: str, total: int, unit: str = "bundles") -> None:
        self.label, self.total, self.unit, self.done = label, total, unit, 0.0
        self.started = time.perf_counter()
        self.next_line = self._step
        self._print(f"{_VERBS.get(unit, 'processing')} {total:,} {unit}")

    def advance(self, count: float) -> None:
        self.done += count
        if self.next_line and self.done >= self.next_line and self.done < self.total:
            seconds = time.perf_counter() - self.started
            self._print(
                f"{100 * self.done / self.total:.0f}% ({round(self.done):,}/{self.total:,} {self.unit}, "
                f"{throughput(self.done, seconds, self.unit)})"
            )
            self.next_line = (self.done // self._step + 1) * self._step

    def finish(self) -> None:
        seconds = time.perf_counter() - self.started
        self._print(
            f"{round(self.done):,}/{self.total:,} {self.unit} in {seconds:.1f} s "
            f"({throughput(self.done, seconds, self.unit)})"
        )

    @property
    def _step(self) -> float:
        steps = LINE_STEPS.get(self.unit)
        return self.total / steps if steps and self.total else 0.0

    def _print(self, message: str) -> None:
        print(f"{self.label}: {message}", file=self.stream, flush=True)


def throughput(done: float, seconds: float, unit: str = "bundles") -> str:
    if seconds <= 0:
        return f"- {unit}/s"
    return f"{done / seconds:{_RATE_FORMATS.get(unit, '.2f')}} {unit}/s"


class RichReporter:
    """One rich progress bar over a run's bundles (articles x locales), or over the characters
    of an article being segmented: done / total, rate, time elapsed and left."""

    def __init__(self, stream: TextIO):
        from rich.console import Console

        self.console = Console(file=stream)
        self.progress = None
        self.task = None

    def start(self, label: str, total: int, unit: str = "bundles") -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(unit),
            rate_column(_RATE_FORMATS.get(unit, ".2f")),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.progress.start()
        self.task = self.progress.add_task(label, total=total)

    def advance(self, count: float) -> None:
        if self.progress is not None:
            self.progress.advance(self.task, count)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


def rate_column(number_format: str = ".2f"):
    """A rich column of units per second: the recent rate while running, overall when done.
    (Built here so that rich loads only when a bar is shown.)"""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class _Rate(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            if speed is None and task.elapsed:
                speed = task.completed / task.elapsed
            text = f"{speed:{number_format}}/s" if speed is not None else "-/s"
            return Text(text, style="progress.data.speed")

    return _Rate()
