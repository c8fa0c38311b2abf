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
    """One line when a locale starts and one when it ends (CI logs stay short)."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.locale = ""
        self.total = 0
        self.done = 0
        self.started = 0.0

    def start(self, locale: str, total: int) -> None:
        self.locale, self.total, self.done = locale, total, 0
        self.started = time.perf_counter()
        print(f"{locale}: translating {total} segments", file=self.stream, flush=True)

    def advance(self, count: int) -> None:
        self.done += count

    def finish(self) -> None:
        seconds = time.perf_counter() - self.started
        print(
            f"{self.locale}: {self.done}/{self.total} segments in {seconds:.1f} s",
            file=self.stream,
            flush=True,
        )


class RichReporter:
    """A rich progress bar per locale: segments done / total, rate and time left."""

    def __init__(self, stream: TextIO):
        from rich.console import Console

        self.console = Console(file=stream)
        self.progress = None
        self.task = None

    def start(self, locale: str, total: int) -> None:
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
            TextColumn("segments"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.progress.start()
        self.task = self.progress.add_task(locale, total=total)

    def advance(self, count: int) -> None:
        if self.progress is not None:
            self.progress.advance(self.task, count)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
