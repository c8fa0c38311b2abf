"""The translation memory in front of any executor: segments it holds never reach a model, and
what the engines write comes back into it whole (text, forced terms, method, scores).

One wrapper for every path (argos-translate's ``CachedTranslation``): a run in this process and
a run on a Dask cluster both look segments up, and store results, through
:class:`MemoryExecutor`; only the session beneath it differs. With a lazily loading local
executor (:func:`newsl10n.executor.lazy`), a locale whose segments are all found never loads
its model.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from ..bundle.manifest import Manifest
from ..bundle.segments import SegmentEntry
from ..executor import Executor, Loaded, Outcome, Progress, Request, Session
from ..model import Translation, normalize
from ..translate.spec import EngineSignature, EngineSpec
from .store import REVIEWED, MemoryContext, TranslationMemory, memory_context


@dataclass
class MemoryExecutor:
    """``inner``'s sessions, with the memory in front (:class:`MemorySession`)."""

    inner: Executor
    memory: TranslationMemory
    glossary_hash: str = ""

    @contextmanager
    def session(self, specs: Mapping[str, EngineSpec]) -> Iterator[MemorySession]:
        with self.inner.session(specs) as session:
            yield MemorySession(session, self.memory, self.glossary_hash)


@dataclass
class _Plan:
    """One request as the memory answers it: what it found, and which unique segments it lacks."""

    request: Request
    context: MemoryContext
    found: dict[str, Translation]
    keys: list[str]
    todo: list[int]

    @property
    def hits(self) -> int:
        return sum(1 for k in self.keys if k in self.found)

    @property
    def counts(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": len(self.keys) - self.hits}

    def misses(self) -> Request:
        """The request for the segments the memory lacks (each distinct text once)."""
        request = self.request
        constraints = tuple(request.constraints[i] for i in self.todo) if request.constraints else None
        weight = request.weight * (len(self.keys) - self.hits) / len(self.keys)
        return Request(self, request.locale, tuple(request.sources[i] for i in self.todo), constraints, weight)


@dataclass
class MemorySession:
    """A session whose requests go through the memory: found segments are answered from it (a
    reviewed entry comes back with ``method == "reviewed"``), the rest go to ``inner``, and
    each Translation that comes back is stored whole under the engine's signature."""

    inner: Session
    memory: TranslationMemory
    glossary_hash: str = ""

    @property
    def loaded(self) -> Loaded:
        return self.inner.loaded

    def context(self, locale: str) -> MemoryContext:
        """The memory's key for ``locale``: the signature of the engine the session loaded."""
        signature = EngineSignature.from_description(self.loaded.engine_info[locale])
        return memory_context(signature, locale, self.glossary_hash)

    def translate(self, requests: Sequence[Request], progress: Progress | None = None) -> Iterator[Outcome]:
        contexts: dict[str, MemoryContext] = {}
        forwarded: list[Request] = []
        for request in requests:
            if request.locale not in contexts:
                contexts[request.locale] = self.context(request.locale)
            plan = self._plan(request, contexts[request.locale])
            if progress and plan.hits:
                progress(request.weight * plan.hits / len(plan.keys))
            if plan.todo:
                forwarded.append(plan.misses())
            else:
                yield self._outcome(plan, [], 0.0)
        for outcome in self.inner.translate(forwarded, progress):
            plan: _Plan = outcome.request.key  # type: ignore[assignment]
            self.memory.store(plan.context, [(plan.request.sources[i], out) for i, out in zip(plan.todo, outcome.translations)])
            yield self._outcome(plan, outcome.translations, outcome.seconds, outcome.engine_info)

    def _plan(self, request: Request, context: MemoryContext) -> _Plan:
        found = self.memory.lookup(context, request.sources)
        keys = [normalize(s) for s in request.sources]
        first = {k: i for i, k in reversed(list(enumerate(keys))) if k and k not in found}
        return _Plan(request, context, found, keys, sorted(first.values()))

    @staticmethod
    def _outcome(
        plan: _Plan, new: Sequence[Translation], seconds: float, engine_info: dict[str, object] | None = None
    ) -> Outcome:
        found = dict(plan.found)
        found.update((plan.keys[i], out) for i, out in zip(plan.todo, new))
        translations = [found.get(k, Translation("")) for k in plan.keys]
        return Outcome(plan.request, translations, seconds, engine_info, plan.counts)


def store_reviewed(
    memory: TranslationMemory, signature: EngineSignature, locale: str, glossary_hash: str,
    pairs: Sequence[tuple[str, str]],
) -> int:
    """Store a bundle's post-edited segments (source, target) as reviewed, under the key its
    machine run used (the engine signature and glossary of the bundle's manifest), so a later
    run finds the reviewed text and no machine run overwrites it. Returns how many."""
    context = memory_context(signature, locale, glossary_hash)
    if pairs:
        memory.store(context, [(source, Translation(target, (), REVIEWED)) for source, target in pairs], reviewed=True)
    return len(pairs)


def remember_reviewed(memory: TranslationMemory, manifest: Manifest, segments: Iterable[SegmentEntry]) -> int:
    """Store the reviewed ones among a bundle's segments.json entries in the memory, under the
    engine signature and glossary its ``manifest`` records (the post-edit service,
    :mod:`newsl10n.edits`, comes through here). Returns how many."""
    pairs = [(s.source, s.target) for s in segments if s.reviewed]
    return store_reviewed(memory, manifest.signature, manifest.locale, manifest.glossary_hash or "", pairs)

