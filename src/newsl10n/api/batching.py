"""Micro-batching: concurrent requests for one locale share one engine call.

A request's segments wait in a queue per key (a locale and its glossary). While the engine is
busy, the requests that arrive go into the next call together. Before that next call, the
batcher waits a short while (the collection window, at most) for the requests the last call
answered to come back: under steady load every client's next request then goes into one call,
instead of the clients splitting into two groups that take turns with half-sized calls. A
request that finds the engine idle and no one expected goes at once. All engine calls run on one
thread, one at a time: the models and the translation memory are used from that thread only,
and two decodes never compete for the same cores.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..model import TermConstraint, Translation

DEFAULT_WINDOW_S = 0.2
"""How long, at most, an engine call waits for the clients the last call answered; it stops
waiting sooner when no request has come for a quarter of it (the clients are not coming back)."""
DEFAULT_MAX_SEGMENTS = 256
"""Segments per engine call; more wait for the next call (one huge request cannot hold back the
small ones behind it for long)."""


@dataclass
class Job:
    """One request's segments and their glossary constraints."""

    sources: tuple[str, ...]
    constraints: tuple[tuple[TermConstraint, ...], ...]
    future: asyncio.Future = field(repr=False, default=None)  # type: ignore[assignment]


Runner = Callable[[Hashable, Sequence[Job]], Sequence[Sequence[Translation]]]
"""(key, jobs) -> each job's translations, in order; runs on the engine thread."""


class MicroBatcher:
    def __init__(self, run: Runner, *, window_s: float = DEFAULT_WINDOW_S, max_segments: int = DEFAULT_MAX_SEGMENTS):
        self._run = run
        self.window_s = window_s
        self.max_segments = max_segments
        self._pending: dict[Hashable, list[Job]] = {}
        self._tasks: dict[Hashable, asyncio.Task] = {}
        self._arrived: dict[Hashable, asyncio.Event] = {}
        self._last: dict[Hashable, tuple[int, float]] = {}
        self._arrival: dict[Hashable, float] = {}
        """Per key: the requests active at the end of the last call (answered or waiting), and when."""
        self._engine = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsl10n-engine")
        self.calls = 0
        self.segments = 0
        """Engine calls made and the segments they took (for /health, the tests and the bench)."""

    async def translate(
        self, key: Hashable, sources: Sequence[str], constraints: Sequence[Sequence[TermConstraint]]
    ) -> list[Translation]:
        """The translations of ``sources``, made in an engine call shared with the other
        requests for ``key`` that are waiting at the same time."""
        if not sources:
            return []
        job = Job(tuple(sources), tuple(tuple(c) for c in constraints), asyncio.get_running_loop().create_future())
        self._pending.setdefault(key, []).append(job)
        self._arrival[key] = asyncio.get_running_loop().time()
        if key in self._arrived:
            self._arrived[key].set()
        if key not in self._tasks:
            self._tasks[key] = asyncio.create_task(self._drain(key))
        return list(await job.future)

    async def _drain(self, key: Hashable) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending.get(key):
                await self._collect(key)
                jobs = self._take(key)
                self.calls += 1
                self.segments += sum(len(job.sources) for job in jobs)
                try:
                    results = await loop.run_in_executor(self._engine, self._run, key, jobs)
                except Exception as exc:  # noqa: BLE001 - each waiting request gets the error
                    results = [exc] * len(jobs)
                for job, result in zip(jobs, results):
                    if job.future.done():  # a client that went away has cancelled its own
                        continue
                    if isinstance(result, Exception):
                        job.future.set_exception(result)
                    else:
                        job.future.set_result(result)
                self._last[key] = (len(jobs) + len(self._pending.get(key, ())), loop.time())
        finally:
            del self._tasks[key]

    async def _collect(self, key: Hashable) -> None:
        """Wait for as many requests as were active when the last call ended (its clients' next
        requests, and those that were waiting then): until the window after that call closes,
        or sooner when none has arrived for a quarter of the window."""
        loop = asyncio.get_running_loop()
        expected, ended = self._last.get(key, (0, 0.0))
        event = self._arrived.setdefault(key, asyncio.Event())
        while len(self._pending[key]) < expected and sum(len(j.sources) for j in self._pending[key]) < self.max_segments:
            quiet = max(ended, self._arrival.get(key, 0.0)) + self.window_s / 4
            remaining = min(ended + self.window_s, quiet) - loop.time()
            if remaining <= 0:
                return
            event.clear()
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except asyncio.TimeoutError:
                return

    def _take(self, key: Hashable) -> list[Job]:
        """The waiting jobs, oldest first, up to ``max_segments`` (at least one)."""
        queue = self._pending[key]
        taken, count = [], 0
        while queue and (not taken or count + len(queue[0].sources) <= self.max_segments):
            job = queue.pop(0)
            taken.append(job)
            count += len(job.sources)
        if not queue:
            del self._pending[key]
        return taken

    async def run(self, call: Callable[[], Any]) -> Any:
        """Run ``call`` on the engine thread (between batches): what touches the models or the
        memory outside a batch goes through here."""
        return await asyncio.get_running_loop().run_in_executor(self._engine, call)

    async def close(self, last: Callable[[], Any] | None = None) -> None:
        """Finish every waiting request, run ``last`` on the engine thread (closing the memory
        there, where it was opened), and stop the thread."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)
        if last is not None:
            await self.run(last)
        self._engine.shutdown(wait=True)
