"""Engines behind the translation memory: segments it holds never reach a model, and a locale
whose segments are all found never loads one."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..bundle.manifest import Manifest
from ..bundle.segments import SegmentEntry
from ..model import Constraints, Translation
from ..progress import spread_progress
from ..translate.base import Progress, Translator
from ..translate.revision import check_model_files, known_revision
from ..translate.spec import EngineSignature, EngineSpec
from .store import REVIEWED, MemoryContext, TranslationMemory, memory_context, normalize


@dataclass
class CachedTranslator:
    """A translator that answers from the memory first and loads its engine only for misses.

    ``load`` builds the real engine; it is called at most once, and never when every segment
    is found. ``revision`` is the model's revision when known without loading it (else the
    engine is loaded to learn it).
    """

    spec: EngineSpec
    memory: TranslationMemory
    load: Callable[[], Translator]
    revision: str | None = None
    glossary_hash: str = ""
    engine: Translator | None = None
    load_seconds: float = 0.0
    last_hits: int = 0
    last_misses: int = 0
    _context: MemoryContext | None = field(default=None, repr=False)

    def loaded(self) -> Translator:
        if self.engine is None:
            started = time.perf_counter()
            self.engine = self.load()
            self.load_seconds = time.perf_counter() - started
        return self.engine

    @property
    def context(self) -> MemoryContext:
        if self._context is None:
            revision = self.revision or str(self.loaded().describe().get("model_revision", "unknown"))
            self._context = memory_context(EngineSignature.of(self.spec, revision), self.spec.target_lang, self.glossary_hash)
        return self._context

    def translate(
        self,
        sources: Sequence[str],
        progress: Progress | None = None,
        constraints: Constraints | None = None,
    ) -> list[Translation]:
        found = self.memory.lookup(self.context, sources)
        keys = [normalize(s) for s in sources]
        todo = list({k: i for i, k in reversed(list(enumerate(keys))) if k and k not in found}.values())
        todo.sort()
        self.last_hits = sum(1 for k in keys if k in found)
        self.last_misses = len(sources) - self.last_hits
        if progress and self.last_hits:
            progress(self.last_hits)
        if todo:
            outputs = self.loaded().translate(
                [sources[i] for i in todo],
                progress=spread_progress(progress, len(sources) - self.last_hits, len(todo)),
                constraints=[constraints[i] for i in todo] if constraints else None,
            )
            self.memory.store(self.context, [(sources[i], out) for i, out in zip(todo, outputs)])
            found.update((keys[i], out) for i, out in zip(todo, outputs))
        return [found.get(k, Translation("")) for k in keys]

    def describe(self) -> dict[str, object]:
        if self.engine is not None:
            info = dict(self.engine.describe())
        else:
            info = EngineSignature.of(self.spec, self.context.model.rsplit("@", 1)[-1]).describe()
        info["tm"] = {"hits": self.last_hits, "misses": self.last_misses}
        return info


def open_translator(
    spec: EngineSpec,
    memory: TranslationMemory | None,
    factory: Callable[[EngineSpec], Translator],
    glossary_hash: str = "",
) -> Translator:
    """The engine for one locale (made by ``factory``): loaded now without a memory, on the
    first miss with one.

    A model whose revision cannot be known without loading it (a hub id not yet downloaded)
    is loaded now, so that a missing model fails before any work.
    """
    if memory is None:
        return factory(spec)
    check_model_files(spec.model)
    revision = known_revision(spec.model, spec.ct2.models_cache)
    cached = CachedTranslator(
        spec, memory, load=lambda: factory(spec), revision=revision, glossary_hash=glossary_hash
    )
    if revision is None:
        cached.loaded()
    return cached


@dataclass
class ClientMemory:
    """The memory behind the pipeline's SegmentMemory seam, for runs whose engines are remote
    (a Dask cluster): the client looks segments up before dispatch and stores what comes back."""

    memory: TranslationMemory
    specs: Mapping[str, EngineSpec]
    glossary_hash: str = ""

    def _context(self, locale: str, engine_info: Mapping[str, object]) -> MemoryContext:
        revision = str(engine_info.get("model_revision", ""))
        return memory_context(EngineSignature.of(self.specs[locale], revision), locale, self.glossary_hash)

    def lookup(
        self, locale: str, engine_info: Mapping[str, object], sources: Sequence[str]
    ) -> list[Translation | None]:
        found = self.memory.lookup(self._context(locale, engine_info), sources)
        return [found.get(normalize(s)) for s in sources]

    def store(
        self, locale: str, engine_info: Mapping[str, object], sources: Sequence[str], targets: Sequence[str]
    ) -> None:
        pairs = [(s, Translation(t)) for s, t in zip(sources, targets)]
        self.memory.store(self._context(locale, engine_info), pairs)


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
