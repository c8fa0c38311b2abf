"""The translation core behind both APIs, on values: texts in, translated texts and their
report out, through the same stages as ``newsl10n translate``.

Each text is read like an article (:mod:`.texts`: segmentation, misspelling corrections, term
matching); its segments go to the translation memory first (reviewed text included) and the
rest to the locale's engine with their glossary constraints (the memory's wrapper a run uses,
:class:`~newsl10n.tm.cached.MemorySession`, over the warm models), in engine calls shared with
concurrent requests
(:class:`.batching.MicroBatcher`); then every segment gets its term report, its confidence and
its QA findings, and the text is written back in its own format. The memory is filled as a run
fills it; nothing else is written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import __version__
from ..config import PipelineConfig
from ..model import TermConstraint, TermHit, Translation
from ..qa import QASegment, check_segment
from ..qe.scoring import Scorer
from ..segment import Segmenter
from ..terms.check import term_report
from ..terms.files import Glossary
from ..terms.source import SourceTerms, required_terms
from ..executor import Request
from ..tm.cached import MemorySession
from ..tm.store import REVIEWED, TranslationMemory
from ..translate.base import Translator
from ..translate.spec import EngineSpec
from .batching import DEFAULT_WINDOW_S, Job, MicroBatcher
from .glossaries import GlossaryStore, StoredGlossary, combined
from .texts import ApiText, TextOptions, read_text
from .warm import WarmModels, WarmSession

log = logging.getLogger("newsl10n")


@dataclass(frozen=True)
class Terms:
    """The glossary a request is translated with: the configured one, with a glossary made
    through the API when the request names one. ``hash`` keys the memory ("" for none)."""

    source: SourceTerms
    hash: str
    glossary_id: str | None = None
    target_lang: str | None = None
    """The base language an API glossary is for (None for the configured glossary)."""


@dataclass(frozen=True)
class SegmentResult:
    id: str
    source: str
    target: str
    reviewed: bool
    confidence: float | None
    terms: list[dict[str, object]]
    qa: list[dict[str, str]]


@dataclass(frozen=True)
class TextResult:
    text: str
    segments: tuple[SegmentResult, ...] = ()

    def report(self) -> dict[str, object]:
        """Our extra field in the APIs' answers: per segment its source and target, whether a
        person reviewed it (from the memory), its confidence, term report and QA findings; and
        the counts of the glossary terms."""
        counts = {"total": 0, "enforced": 0, "present": 0, "violated": 0}
        for seg in self.segments:
            for term in seg.terms:
                counts["total"] += 1
                counts[str(term["status"])] = counts.get(str(term["status"]), 0) + 1
        confidences = [s.confidence for s in self.segments if s.confidence is not None]
        return {
            "segments": [asdict(seg) for seg in self.segments],
            "terms": counts,
            "confidence": round(min(confidences), 4) if confidences else None,
            "reviewed": sum(s.reviewed for s in self.segments),
        }


@dataclass
class _Read:
    text: ApiText
    required: dict[str, list[tuple[TermHit, TermConstraint]]] = field(default_factory=dict)


class TranslationService:
    """Warm models, the memory, the glossaries and the batcher, for one server process."""

    def __init__(
        self,
        config: PipelineConfig,
        specs: Mapping[str, EngineSpec],
        *,
        glossary: Glossary | None,
        store: GlossaryStore,
        memory: TranslationMemory | None,
        scorer: Scorer | None,
        max_models: int,
        window_s: float = DEFAULT_WINDOW_S,
        factory: Callable[[EngineSpec], Translator],
    ):
        self.config = config
        self.specs = dict(specs)
        self.glossary = glossary
        self.store = store
        self.memory = memory
        self.scorer = scorer
        self.models = WarmModels(specs, factory, max_models)
        self.batcher = MicroBatcher(self._run_batch, window_s=window_s)
        self.segmenter = Segmenter(config.source_lang)
        configured = glossary if glossary is not None else Glossary()
        self._configured = Terms(SourceTerms(configured), glossary.content_hash if glossary is not None else "")
        self._terms: dict[str, tuple[StoredGlossary, Terms]] = {}

    @property
    def locales(self) -> list[str]:
        return list(self.specs)

    def terms(self, glossary_id: str | None = None) -> Terms:
        """The configured glossary, with the stored glossary ``glossary_id`` (UnknownGlossary when
        there is none) applied over it; built once per glossary file."""
        if not glossary_id:
            return self._configured
        stored = self.store.get(glossary_id)
        cached = self._terms.get(glossary_id)
        if cached is None or cached[0] is not stored:
            glossary = combined(self.glossary, stored)
            cached = (stored, Terms(SourceTerms(glossary), glossary.content_hash, glossary_id, stored.info.target_lang))
            self._terms[glossary_id] = cached
        return cached[1]

    def read(self, texts: Sequence[str], locale: str, options: TextOptions, terms: Terms) -> list[_Read]:
        """Every text read, with its segments' glossary constraints (InputError for bad markup)."""
        found = []
        for n, text in enumerate(texts, 1):
            read = read_text(
                text, options, name=f"text {n}", lang=self.config.source_lang, terms=terms.source,
                segmenter=self.segmenter,
            )  # fmt: skip
            ids = [s.id for s in read.source.article.segments]
            found.append(_Read(read, dict(zip(ids, required_terms(read.source, ids, locale, terms.source)))))
        return found

    async def translate(self, reads: Sequence[_Read], locale: str, terms: Terms) -> list[Translation]:
        """The translations of every segment of ``reads``, in order (memory, then engine)."""
        sources = [s.text for r in reads for s in r.text.source.article.segments]
        constraints = [tuple(c for _, c in r.required[s.id]) for r in reads for s in r.text.source.article.segments]
        return await self.batcher.translate((locale, terms.hash), sources, constraints)

    def finish(self, reads: Sequence[_Read], outputs: Sequence[Translation], locale: str) -> list[TextResult]:
        """Each text written back, with its segments' term reports, confidences and QA findings."""
        results = []
        it = iter(outputs)
        for read in reads:
            source = read.text.source
            segments = source.article.segments
            by_id = {seg.id: next(it) for seg in segments}
            reviewed = {i for i, out in by_id.items() if out.method == REVIEWED}
            reports = {i: term_report(read.required[i], out) for i, out in by_id.items()}
            confidence: dict[str, float] = {}
            if self.scorer is not None and segments:
                confidence = self.scorer.confidences(
                    source, locale, by_id, reviewed, reports, fresh=set(by_id) - reviewed
                )
            found = []
            for seg in segments:
                out = by_id[seg.id]
                qa = QASegment(seg.id, seg.text, out.text, self.config.source_lang, locale,
                               tuple(reports[seg.id]), confidence.get(seg.id))  # fmt: skip
                issues = [issue.as_dict() for issue in check_segment(qa, self.config.qa)]
                found.append(SegmentResult(
                    seg.id, seg.text, out.text, seg.id in reviewed,
                    round(confidence[seg.id], 4) if seg.id in confidence else None, reports[seg.id], issues,
                ))  # fmt: skip
            results.append(TextResult(read.text.render({i: out.text for i, out in by_id.items()}), tuple(found)))
        return results

    def back_translates(self, locale: str) -> bool:
        """Whether confidences for ``locale`` translate back with a model (then they are made on
        the engine thread, like every other model call)."""
        return self.scorer is not None and self.scorer.back is not None and locale in self.scorer.back_locales

    def _run_batch(self, key: tuple[str, str], jobs: Sequence[Job]) -> list[list[Translation]]:
        """One engine call for every waiting request of a locale and glossary (engine thread)."""
        locale, glossary_hash = key
        sources = tuple(s for job in jobs for s in job.sources)
        constraints = tuple(c for job in jobs for c in job.constraints)
        session = WarmSession(self.models)
        if self.memory is not None:
            session = MemorySession(session, self.memory, glossary_hash)
        [outcome] = session.translate([Request(key, locale, sources, constraints)])
        outputs = outcome.translations
        split, start = [], 0
        for job in jobs:
            split.append(list(outputs[start : start + len(job.sources)]))
            start += len(job.sources)
        return split

    def health(self) -> dict[str, object]:
        return {
            "status": "ok",
            "version": __version__,
            "locales": self.locales,
            "loaded": self.models.loaded(),
            "max_models": self.models.limit,
            "engine_calls": self.batcher.calls,
            "engine_segments": self.batcher.segments,
            "memory": str(self.memory.path) if self.memory is not None else None,
        }

    async def close(self) -> None:
        """Finish what is waiting, then close the memory on the engine thread that opened it."""
        await self.batcher.close(self.memory.close if self.memory is not None else None)


def memory_for(path: Path | None) -> TranslationMemory | None:
    """The memory a server uses (None without one): a damaged or foreign file fails now; the
    connection itself is opened later, on the engine thread that uses it."""
    if path is None:
        return None
    probe = TranslationMemory(path)
    probe.connect(create=False)
    probe.close()
    return TranslationMemory(path)
