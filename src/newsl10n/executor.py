"""Where segments are translated: in this process, or on a cluster (``distributed.py``).

The pipeline hands an executor one :class:`Request` per article and locale (only the segments
that still need a model) and gets the outputs back as they finish, in any order. Everything
that must stay consistent (translation memory, bundles) stays with the caller: the memory wraps
any executor's session the same way (:class:`newsl10n.tm.cached.MemoryExecutor`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from .model import Constraints, TermConstraint, Translation
from .translate.base import Progress as SegmentsDone
from .translate.base import Translator
from .translate.revision import check_spec_model, spec_revision
from .translate.spec import EngineSignature, EngineSpec

Progress = Callable[[float], None]
"""Called with the fraction of one request just finished (1.0 when a request completes)."""


@dataclass(frozen=True)
class Request:
    """Translate ``sources`` into ``locale``; ``key`` is the caller's handle for the result."""

    key: object
    locale: str
    sources: tuple[str, ...]
    constraints: tuple[tuple[TermConstraint, ...], ...] | None = None
    weight: float = 1.0
    """The share of the caller's unit of progress this request stands for (a request for the
    memory's misses of an article stands for that share of its bundle)."""


@dataclass(frozen=True)
class Outcome:
    request: Request
    translations: list[Translation]
    seconds: float
    engine_info: dict[str, object] | None = None
    """The engine's description after this request, when it may change per call (a lazily
    loaded engine's revision)."""
    memory: dict[str, int] | None = None
    """The translation memory's ``hits`` and ``misses`` among the request's segments."""


@dataclass
class Loaded:
    """What a session loaded: per locale, the engine description for manifests and load time."""

    engine_info: dict[str, dict[str, object]] = field(default_factory=dict)
    load_seconds: dict[str, float] = field(default_factory=dict)


class Session(Protocol):
    loaded: Loaded

    def translate(self, requests: Sequence[Request], progress: Progress | None = None) -> Iterator[Outcome]:
        """Each request's outcome once, as it finishes; a failure raises and stops the rest."""
        ...


class Executor(Protocol):
    def session(self, specs: Mapping[str, EngineSpec]):
        """A context manager that loads every locale's model (or raises) and yields a Session."""
        ...


class LocalExecutor:
    """The models in this process, one translator per locale, requests in order."""

    def __init__(self, factory: Callable[[EngineSpec], Translator]):
        self.factory = factory

    @contextmanager
    def session(self, specs: Mapping[str, EngineSpec]) -> Iterator[LocalSession]:
        yield LocalSession.load(specs, self.factory)


@dataclass
class LocalSession:
    translators: dict[str, Translator]
    loaded: Loaded

    @classmethod
    def load(cls, specs: Mapping[str, EngineSpec], factory: Callable[[EngineSpec], Translator]) -> LocalSession:
        translators: dict[str, Translator] = {}
        loaded = Loaded()
        for locale, spec in specs.items():
            started = time.perf_counter()
            translators[locale] = factory(spec)
            # A memory-backed translator loads its model lazily and counts that time itself.
            elapsed = time.perf_counter() - started
            loaded.load_seconds[locale] = getattr(translators[locale], "load_seconds", elapsed)
            loaded.engine_info[locale] = translators[locale].describe()
        return cls(translators, loaded)

    def translate(self, requests: Iterable[Request], progress: Progress | None = None) -> Iterator[Outcome]:
        for request in requests:
            total = len(request.sources)

            def advance(count: int, total: int = total, weight: float = request.weight) -> None:
                if progress and total:
                    progress(weight * count / total)

            started = time.perf_counter()
            outputs = self.translators[request.locale].translate(
                list(request.sources), progress=advance, constraints=request.constraints
            )
            seconds = time.perf_counter() - started
            yield Outcome(request, outputs, seconds, self.translators[request.locale].describe())


@dataclass
class LazyTranslator:
    """A translator loaded on its first use: a run whose segments the memory holds never loads
    its model. ``revision`` is the model's revision when known without loading it (else the
    engine is loaded to describe it)."""

    spec: EngineSpec
    load: Callable[[], Translator]
    revision: str | None = None
    engine: Translator | None = None
    load_seconds: float = 0.0

    def loaded(self) -> Translator:
        if self.engine is None:
            started = time.perf_counter()
            self.engine = self.load()
            self.load_seconds = time.perf_counter() - started
        return self.engine

    def translate(
        self, sources: Sequence[str], progress: SegmentsDone | None = None, constraints: Constraints | None = None
    ) -> list[Translation]:
        return self.loaded().translate(sources, progress=progress, constraints=constraints)

    def describe(self) -> dict[str, object]:
        if self.engine is None and self.revision is not None:
            return EngineSignature.of(self.spec, self.revision).describe()
        return self.loaded().describe()


def lazy(factory: Callable[[EngineSpec], Translator]) -> Callable[[EngineSpec], Translator]:
    """``factory``, loading each model on first use. A model whose revision cannot be known
    without loading it (a hub id not yet downloaded) is loaded at once, so that a missing model
    fails before any work."""

    def open_lazily(spec: EngineSpec) -> Translator:
        check_spec_model(spec)
        translator = LazyTranslator(spec, lambda: factory(spec), spec_revision(spec))
        if translator.revision is None:
            translator.loaded()
        return translator

    return open_lazily
