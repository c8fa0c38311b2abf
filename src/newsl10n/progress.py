"""Progress for long work: a rich bar on a terminal, plain log lines in CI and pipes."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


def make_reporter(stream: TextIO | None = None, *, quiet: bool = False):
    """A rich progress bar when ``stream`` is a terminal (and not CI), else plain lines."""
    stream = stream or sys.stderr
    if quiet:
        from .pipeline import SilentReporter

        return SilentReporter()
    if stream.isatty() and not os.environ.get("CI"):
        return RichReporter(stream)
    return LineReporter(stream)


class LineReporter:
    """One line when a run starts and one when it ends (CI logs stay short)."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.label = ""
        self.total = 0
        self.done = 0.0
        self.started = 0.0

    def start(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0.0
        self.started = time.perf_counter()
        print(f"{label}: translating {total} bundles", file=self.stream, flush=True)

    def advance(self, count: float) -> None:
        self.done += count

    def finish(self) -> None:
        seconds = time.perf_counter() - self.started
        print(
            f"{self.label}: {round(self.done)}/{self.total} bundles in {seconds:.1f} s "
            f"({throughput(self.done, seconds)})",
            file=self.stream,
            flush=True,
        )


def throughput(done: float, seconds: float) -> str:
    return f"{done / seconds:.2f} bundles/s" if seconds > 0 else "- bundles/s"


class RichReporter:
    """One rich progress bar over a run's bundles (articles x locales): done / total, bundles
    per second, time elapsed and left."""

    def __init__(self, stream: TextIO):
        from rich.console import Console

        self.console = Console(file=stream)
        self.progress = None
        self.task = None

    def start(self, label: str, total: int) -> None:
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
            TextColumn("bundles"),
            rate_column(),
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


def rate_column():
    """A rich column of bundles per second: the recent rate while running, overall when done.
    (Built here so that rich loads only when a bar is shown.)"""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class _Rate(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            if speed is None and task.elapsed:
                speed = task.completed / task.elapsed
            return Text(f"{speed:.2f}/s" if speed is not None else "-/s", style="progress.data.speed")

    return _Rate()
