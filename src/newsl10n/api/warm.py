"""Models kept loaded between requests: each locale's engine is loaded on its first use and
stays, up to a bound; past it the least recently used one is unloaded."""

from __future__ import annotations

import gc
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from ..executor import Loaded, Outcome, Progress, Request
from ..translate.base import Translator
from ..translate.revision import spec_revision
from ..translate.spec import EngineSignature, EngineSpec


class WarmModels:
    """The engines of ``specs``, loaded by ``factory`` on first use, at most ``limit`` at once.

    Used from the engine thread (:class:`~newsl10n.api.batching.MicroBatcher`); the lock only
    keeps :meth:`loaded` (for ``/health``, on another thread) consistent.
    """

    def __init__(self, specs: Mapping[str, EngineSpec], factory: Callable[[EngineSpec], Translator], limit: int):
        if limit < 1:
            raise ValueError("at least one model must stay loaded")
        self.specs = dict(specs)
        self.factory = factory
        self.limit = limit
        self.load_seconds: dict[str, float] = {}
        self.loads = 0
        self._engines: OrderedDict[str, Translator] = OrderedDict()
        self._revisions: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def get(self, locale: str) -> Translator:
        """The locale's engine, loaded now when it is not (unloading the least recently used
        one first when ``limit`` are loaded)."""
        with self._lock:
            engine = self._engines.get(locale)
            if engine is not None:
                self._engines.move_to_end(locale)
                return engine
            while len(self._engines) >= self.limit:
                self._engines.popitem(last=False)
        gc.collect()  # the unloaded engine's memory goes back before the next one loads
        started = time.perf_counter()
        engine = self.factory(self.specs[locale])
        with self._lock:
            self.load_seconds[locale] = time.perf_counter() - started
            self.loads += 1
            self._engines[locale] = engine
        return engine

    def revision(self, locale: str) -> str | None:
        """The model's revision when it is known without loading it (asked once per locale)."""
        if locale not in self._revisions:
            self._revisions[locale] = spec_revision(self.specs[locale])
        return self._revisions[locale]

    def describe(self, locale: str) -> dict[str, object]:
        """The locale's engine description (its signature), without loading it when the model's
        revision is known."""
        revision = self.revision(locale)
        if revision is not None:
            return EngineSignature.of(self.specs[locale], revision).describe()
        return self.get(locale).describe()

    def loaded(self) -> list[str]:
        """The locales whose engine is loaded, least recently used first."""
        with self._lock:
            return list(self._engines)


@dataclass
class WarmSession:
    """The warm models as an executor session, so that the memory's wrapper
    (:class:`~newsl10n.tm.cached.MemorySession`) serves requests as it serves a run."""

    models: WarmModels

    @property
    def loaded(self) -> Loaded:
        return Loaded({loc: self.models.describe(loc) for loc in self.models.specs}, dict(self.models.load_seconds))

    def translate(self, requests: Sequence[Request], progress: Progress | None = None) -> Iterator[Outcome]:
        for request in requests:
            engine = self.models.get(request.locale)
            started = time.perf_counter()
            outputs = engine.translate(list(request.sources), constraints=request.constraints)
            yield Outcome(request, outputs, time.perf_counter() - started, engine.describe())
