"""Runs the stages in order: read (glossary corrections) -> segment -> translate (terms
enforced) -> term check -> bundle.

Everything that can fail on input (articles, glossary, locales, models) is checked before the
first bundle is written, so a bad run writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from .batch import ArticleInput, as_article_inputs
from .bundle.build import build_bundle, localize
from .bundle.reader import bundle_is_current, earlier_entries, refuse_other_article, source_path
from .bundle.segments import Reviewed, match_reviewed
from .bundle.store import bundle_dir, ensure_writable, write_bundle
from .catalog import UIStrings, load_ui_strings
from .config import QASettings
from .edits import EditSettings, locked
from .executor import Executor, Loaded, LocalExecutor, Outcome, Request, lazy
from .model import SourceArticle, TermConstraint, TermHit, Translation
from .progress import Reporter, SegmentProgress, SilentReporter
from .qe.scoring import Scorer, distribution, run_scorer
from .settings import RunSettings
from .source import read_article
from .terms.check import lemmatised_term_success, term_report
from .terms.files import Glossary
from .terms.source import SourceTerms, required_terms
from .tm.cached import MemoryExecutor
from .tm.store import REVIEWED, TranslationMemory
from .translate.base import make_translator
from .translate.revision import check_spec_model, spec_revision
from .translate.spec import EngineSignature, EngineSpec, back_specs, engine_specs


@dataclass
class BundleResult:
    article: str
    locale: str
    path: Path
    segments: int
    seconds: float
    terms: dict[str, int] = field(default_factory=dict)
    earlier: Reviewed = field(default_factory=Reviewed)
    """What became of the replaced bundle's reviewed segments (kept, suggestions, dropped)."""
    reviewed_violated: tuple[str, ...] = ()
    """Reviewed segments kept though the run's glossary now reads a term violated."""


@dataclass
class RunResult:
    bundles: list[BundleResult] = field(default_factory=list)
    skipped: list[BundleResult] = field(default_factory=list)
    """Bundles left as they were: already current (``resume``)."""
    load_seconds: dict[str, float] = field(default_factory=dict)


def run_translate(
    settings: RunSettings,
    paths: Sequence[Path | ArticleInput],
    locales: Sequence[str],
    *,
    reporter: Reporter | None = None,
    executor: Executor | None = None,
) -> RunResult:
    """Translate articles into ``locales`` and write one bundle per article and locale.

    ``paths``: article files (named after their stem) or :class:`ArticleInput` items (a name and
    their own locales). ``executor``: where segments are translated (default: this process).
    With ``settings.resume``, bundles that are already current are kept. Through the translation
    memory (``settings.use_tm``) only segments it lacks reach the engine, in this process or on
    a cluster alike (:class:`MemoryExecutor`); in this process models load on first use, so a
    locale whose segments are all found never loads its model. With ``settings.glossary``, its
    terms are imposed on every output and reported per segment.
    """
    config, out, glossary = settings.config, settings.out, settings.glossary
    reporter = reporter or SilentReporter()
    articles = as_article_inputs(paths)
    # Without a glossary too: URLs, e-mail addresses, handles and hashtags are kept as they are.
    terms = SourceTerms(glossary if glossary is not None else Glossary())
    sources = []
    for a in articles:
        with SegmentProgress(reporter, a.name) as progress:
            sources.append(read_article(a.path, config, terms, name=a.name, progress=progress))
    wanted = [a.locales or tuple(locales) for a in articles]
    all_locales = list(dict.fromkeys(loc for loc in (*locales, *(x for w in wanted for x in w))))
    specs = engine_specs(config, all_locales, settings.overrides, settings.engine)
    ensure_writable(out)
    result = RunResult()
    tm = TranslationMemory(settings.memory) if settings.use_tm else None
    if tm is not None:
        tm.connect(create=False)  # a damaged or foreign memory file fails now, not mid-run
    ui = {locale: load_ui_strings(config.catalogs, locale) for locale in specs}
    glossary_hash = glossary.content_hash if glossary is not None else None
    work, result.skipped = plan_bundles(
        sources, wanted, specs, out, resume=settings.resume, glossary_hash=glossary_hash, ui=ui
    )
    for source, locale in work:
        refuse_other_article(bundle_dir(out, source.article.name, locale), source, out)
    if not work:
        return result
    needed = {locale: specs[locale] for locale in dict.fromkeys(locale for _, locale in work)}
    scorer = run_scorer(config, back_specs(config, needed), settings.memory, make_translator)
    if executor is None:
        executor = LocalExecutor(lazy(make_translator) if tm is not None else make_translator)
    if tm is not None:
        executor = MemoryExecutor(executor, tm, glossary_hash or "")
    with executor.session(needed) as session, (tm if tm is not None else nullcontext()):
        result.load_seconds = dict(session.loaded.load_seconds)
        edits = EditSettings(config.qa, config.catalogs if config.catalogs.is_dir() else None, terms)
        writer = _BundleWriter(
            out, session.loaded, ui, result, config.source_lang, config.qa, glossary, terms, scorer, edits,
            xliff_version=config.xliff.version,
        )
        reporter.start(f"{len({s.article.name for s, _ in work})} articles x {len(needed)} locales", len(work))
        try:
            requests = []
            for source, locale in work:
                request = writer.prepare(source, locale)
                if request is None:
                    reporter.advance(1)
                else:
                    requests.append(request)
            for outcome in session.translate(requests, progress=reporter.advance):
                writer.finish(outcome)
        finally:
            reporter.finish()
    return result


def plan_bundles(
    sources: Sequence[SourceArticle],
    wanted: Sequence[Sequence[str]],
    specs: Mapping[str, EngineSpec],
    out: Path,
    *,
    resume: bool,
    glossary_hash: str | None = None,
    ui: Mapping[str, UIStrings | None],
) -> tuple[list[tuple[SourceArticle, str]], list[BundleResult]]:
    """(article, locale) pairs to translate, and the current bundles skipped; every model checked."""
    work: list[tuple[SourceArticle, str]] = []
    skipped: list[BundleResult] = []
    for spec in specs.values():
        check_spec_model(spec)  # every model, before the memory, a cache or a bundle is written
    for locale, spec in specs.items():
        revision = spec_revision(spec) if resume else None
        signature = EngineSignature.of(spec, revision) if revision else None
        ui_hash = getattr(ui.get(locale), "sha256", None)
        for source, targets in zip(sources, wanted):
            if locale not in targets:
                continue
            target = bundle_dir(out, source.article.name, locale)
            if signature and bundle_is_current(target, source.sha256, signature, glossary_hash, ui_hash):
                skipped.append(BundleResult(source.article.name, locale, target, 0, 0.0))
            else:
                work.append((source, locale))
    return work, skipped


@dataclass
class _Pending:
    source: SourceArticle
    locale: str
    known: dict[str, Translation]
    missing: list[str]
    reviewed: frozenset[str] = frozenset()
    required: Mapping[str, list[tuple[TermHit, TermConstraint]]] = field(default_factory=dict)
    """Segment id -> its glossary terms and their constraints (empty without a glossary)."""


@dataclass
class _BundleWriter:
    """The client side of a run: requests for what no reviewer wrote, then bundles written as
    results arrive."""

    out: Path
    loaded: Loaded
    ui: Mapping[str, UIStrings | None]
    result: RunResult
    source_lang: str = "en"
    qa: QASettings | None = None
    glossary: Glossary | None = None
    terms: SourceTerms | None = None
    scorer: Scorer | None = None
    edits: EditSettings = field(default_factory=EditSettings)
    xliff_version: str = "2.1"

    def prepare(self, source: SourceArticle, locale: str) -> Request | None:
        """The request for the segments no reviewer has translated in the bundle, with their
        glossary constraints; None (bundle written) when nothing is left for the engines."""
        segments = source.article.segments
        earlier = earlier_entries(bundle_dir(self.out, source.article.name, locale))
        reviewed = match_reviewed(earlier, source.article).kept
        known = {i: Translation(text, (), REVIEWED) for i, text in reviewed.items()}
        missing = [seg.id for seg in segments if seg.id not in known]
        required = {}
        if self.terms is not None:
            ids = [seg.id for seg in segments]
            required = dict(zip(ids, required_terms(source, ids, locale, self.terms)))
        pending = _Pending(source, locale, known, missing, frozenset(reviewed), required)
        if not missing:
            self._write(pending, {}, 0.0)
            return None
        by_id = {seg.id: seg.text for seg in segments}
        constraints = None
        if self.terms is not None:
            constraints = tuple(tuple(c for _, c in required[i]) for i in missing)
        return Request(pending, locale, tuple(by_id[i] for i in missing), constraints)

    def finish(self, outcome: Outcome) -> None:
        pending: _Pending = outcome.request.key  # type: ignore[assignment]
        new = dict(zip(pending.missing, outcome.translations))
        self._write(pending, new, outcome.seconds, outcome.engine_info, outcome.memory)

    def _write(
        self,
        pending: _Pending,
        new: Mapping[str, Translation],
        seconds: float,
        info: Mapping[str, object] | None = None,
        memory: dict[str, int] | None = None,
    ) -> None:
        """Write one bundle under its lock, its reviewed segments as they are then: people's text wins."""
        source, locale = pending.source, pending.locale
        target = bundle_dir(self.out, source.article.name, locale)
        with locked(target, self.edits, create=True):
            earlier = match_reviewed(earlier_entries(target), source.article)
            new = {**new, **{i: Translation(text, (), REVIEWED) for i, text in earlier.kept.items()}}
            outputs = {i: Translation(out.text, scores=out.scores) for i, out in pending.known.items()} | dict(new)
            targets = {seg_id: out.text for seg_id, out in outputs.items()}
            report = {seg_id: term_report(pairs, outputs[seg_id]) for seg_id, pairs in pending.required.items()}
            ui = self.ui[locale]
            reviewed = pending.reviewed | {seg_id for seg_id, out in new.items() if out.method == REVIEWED}
            localized = localize(source.article, locale, targets, ui, reviewed, report)
            localized = replace(localized, suggestions={k: v for k, v in earlier.suggestions.items() if k not in reviewed})
            summary = None
            if self.scorer is not None:
                confidence = self.scorer.confidences(source, locale, outputs, reviewed, report, fresh=new.keys() - reviewed)
                localized = replace(localized, confidence=confidence)
                summary = distribution(list(confidence.values()), self.scorer.qa.min_confidence)
            timings = {"load_s": self.loaded.load_seconds[locale], "translate_s": seconds}
            term_success = lemmatised_term_success(
                (targets[i], [c for _, c in pairs]) for i, pairs in pending.required.items()
            )
            files = build_bundle(
                source, localized, info or self.loaded.engine_info[locale], ui=ui, qa=self.qa, source_lang=self.source_lang,
                glossary_hash=self.glossary.content_hash if self.glossary else None, timings=timings,
                source_path=source_path(source, self.out), tm=memory, term_success_lemmatised=term_success,
                confidence=summary, xliff_version=self.xliff_version,
            )  # fmt: skip
            write_bundle(target, files)
        violated = tuple(i for i in sorted(reviewed) if any(t.get("status") == "violated" for t in report.get(i, ())))
        self.result.bundles.append(
            BundleResult(
                source.article.name, locale, target, len(source.article.segments), seconds,
                localized.term_counts(), earlier, violated,
            )  # fmt: skip
        )
