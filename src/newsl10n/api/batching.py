"""Micro-batching: concurrent requests for one locale share one engine call.

A request's segments wait in a queue per key (a locale and its glossary). The first request
after a quiet spell waits a short collection window for others; while the engine is busy, the
requests that arrive meanwhile go into the next call together. All engine calls run on one
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

DEFAULT_WINDOW_S = 0.005
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
        self._engine = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsl10n-engine")
        self.calls = 0
        """Engine calls made (for /health and the tests)."""

    async def translate(
        self, key: Hashable, sources: Sequence[str], constraints: Sequence[Sequence[TermConstraint]]
    ) -> list[Translation]:
        """The translations of ``sources``, made in an engine call shared with the other
        requests for ``key`` that are waiting at the same time."""
        if not sources:
            return []
        job = Job(tuple(sources), tuple(tuple(c) for c in constraints), asyncio.get_running_loop().create_future())
        self._pending.setdefault(key, []).append(job)
        if key not in self._tasks:
            self._tasks[key] = asyncio.create_task(self._drain(key))
        return list(await job.future)

    async def _drain(self, key: Hashable) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending.get(key):
                if sum(len(j.sources) for j in self._pending[key]) < self.max_segments:
                    await asyncio.sleep(self.window_s)
                jobs = self._take(key)
                self.calls += 1
                try:
                    results = await loop.run_in_executor(self._engine, self._run, key, jobs)
                except Exception as exc:  # noqa: BLE001 - each waiting request gets the error
                    for job in jobs:
                        if not job.future.done():
                            job.future.set_exception(exc)
                    continue
                for job, result in zip(jobs, results):
                    if not job.future.done():  # a client that went away has cancelled its own
                        job.future.set_result(result)
        finally:
            del self._tasks[key]

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
