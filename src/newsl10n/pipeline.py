"""Runs the stages in order: ingest (glossary corrections) -> segment -> translate (terms
enforced) -> term check -> bundle.

Everything that can fail on input (articles, glossary, locales, models) is checked before the
first bundle is written, so a bad run writes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Protocol

from . import __version__
from .article import Article, rebuild_block
from .batch import ArticleInput, as_article_inputs, bundle_is_current
from .bundle import (
    bundle_dir,
    dump_json,
    ensure_writable,
    json_chunks,
    render_html_chunks,
    template_source,
    write_bundle,
)
from .catalog import UIStrings, chrome_msgids, load_ui_strings, ui_msgid
from .config import PipelineConfig, QASettings
from .errors import ConfigError, InputError
from .executor import Executor, LocalExecutor, Loaded, Outcome, Request
from .formats import reader_for
from .glossary import Correction, Glossary, SourceTerms, TermHit, require_valid
from .ingest import Progress, decode_article, parse_text
from .locales import check_locale, is_rtl
from .outputs import format_files
from .postedit import article_layout, load_reviewed
from .tm import ClientMemory, TranslationMemory, memory_path, open_translator
from .translate import EngineSpec, TermConstraint, Translation, make_translator
from .translate.constraints import check
from .translate.models import resolve_model


class Reporter(Protocol):
    """Progress over the bundles of a run (articles x locales), and over the characters of each
    big article as it is segmented (``unit`` "characters"); the CLI supplies a rich bar or plain
    log lines. ``advance`` may be called with fractions of a bundle."""

    def start(self, label: str, total: int, unit: str = "bundles") -> None: ...
    def advance(self, count: float) -> None: ...
    def finish(self) -> None: ...


class SilentReporter:
    def start(self, label: str, total: int, unit: str = "bundles") -> None:
        pass

    def advance(self, count: float) -> None:
        pass

    def finish(self) -> None:
        pass


SEGMENT_PROGRESS_MIN_CHARS = 200_000
"""Articles at least this long report their segmentation (shorter ones take a second or less)."""


class SegmentProgress:
    """The ``progress`` callback of :func:`read_article`, passed on to ``reporter`` (in
    characters) once the article turns out to be long enough to matter; use as a context
    manager so that the report is closed."""

    def __init__(self, reporter: Reporter, label: str, min_chars: int = SEGMENT_PROGRESS_MIN_CHARS):
        self.reporter, self.label, self.min_chars = reporter, label, min_chars
        self.started = False
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        if not self.started:
            if total < self.min_chars:
                return
            self.reporter.start(self.label, total, unit="characters")
            self.started = True
        self.reporter.advance(done - self.done)
        self.done = done

    def __enter__(self) -> SegmentProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.started:
            self.reporter.finish()
            self.started = False


@dataclass(frozen=True)
class SourceArticle:
    """A parsed article; ``terms`` and ``corrections`` per segment id (empty without a glossary)."""

    path: Path
    article: Article
    sha256: str
    terms: Mapping[str, tuple[TermHit, ...]] = field(default_factory=dict)
    corrections: Mapping[str, tuple[Correction, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Localized:
    """One article in one locale: the segment translations, the rebuilt text and, per segment,
    the glossary terms' report."""

    article: Article
    locale: str
    targets: Mapping[str, str]
    text: str
    ui_texts: Mapping[int, str] = field(default_factory=dict)
    """Block index -> the localized text of a section or UI line (from the UI catalog)."""
    reviewed: frozenset[str] = frozenset()
    """Ids of segments whose target a person post-edited (kept from an earlier bundle)."""
    terms: Mapping[str, list[dict[str, object]]] = field(default_factory=dict)

    def term_counts(self) -> dict[str, int]:
        counts = {"total": 0, "enforced": 0, "present": 0, "violated": 0}
        for report in self.terms.values():
            for term in report:
                counts["total"] += 1
                counts[str(term["status"])] += 1
        return counts


@dataclass
class BundleResult:
    article: str
    locale: str
    path: Path
    segments: int
    seconds: float
    terms: dict[str, int] = field(default_factory=dict)


@dataclass
class RunResult:
    bundles: list[BundleResult] = field(default_factory=list)
    skipped: list[BundleResult] = field(default_factory=list)
    """Bundles left as they were: already current (``resume``)."""
    load_seconds: dict[str, float] = field(default_factory=dict)


def read_article(
    path: Path,
    config: PipelineConfig,
    terms: SourceTerms | None = None,
    *,
    name: str | None = None,
    progress: Progress | None = None,
) -> SourceArticle:
    """Read and parse one article file (named ``name``, default its stem); errors name the file.

    With ``terms``, misspellings in body blocks of plain-text articles are corrected before
    segmentation, no sentence is split inside a term, and each segment's terms and corrections
    are recorded (HTML and Markdown articles get term reports, not source corrections).
    ``progress(done, total)`` is called as the article is segmented, in characters.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, expected an article file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    text = decode_article(data, source=str(path))
    fixes: dict[int, list[Correction]] = {}

    def correct(index: int, line: str) -> str:
        fixed, fixes[index] = terms.correct(line)  # type: ignore[union-attr]
        return fixed

    options = {
        "name": name or path.stem,
        "lang": config.source_lang,
        "ui_strings": config.ingest.ui_strings,
        "progress": progress,
    }
    reader = reader_for(path)  # HTML or Markdown by extension, else plain text
    if reader:
        article = reader(text, source=str(path), **options, protected=terms.protected if terms else None)
    else:
        article = parse_text(
            text,
            **options,
            protected=terms.protected if terms else None,
            correct=correct if terms else None,
        )
    if not article.segments:
        raise InputError(f"{path}: no article text found (only UI lines)")
    hits: dict[str, tuple[TermHit, ...]] = {}
    corrections: dict[str, tuple[Correction, ...]] = {}
    if terms:
        for block in article.body_blocks:
            found = terms.find(block.text)
            for seg in block.segments:
                hits[seg.id] = tuple(h for h in found if seg.start <= h.start and h.end <= seg.end)
                corrections[seg.id] = tuple(c for c in fixes.get(block.index, ()) if seg.start <= c.start < seg.end)
    return SourceArticle(path, article, hashlib.sha256(data).hexdigest(), hits, corrections)


def resolve_glossary(
    config: PipelineConfig, base: Path, paths: Sequence[Path] = (), *, enabled: bool = True
) -> Glossary | None:
    """The run's glossary: ``paths`` (from the command line) or pipeline.yaml's ``glossaries``.

    The default folder ``glossaries`` may be absent; a folder named in pipeline.yaml may not.
    A glossary with any problem is refused (GlossaryError naming file, line and entry).
    """
    if not enabled:
        return None
    paths = paths or glossary_paths(config, base)
    return require_valid(paths) if paths else None


def glossary_paths(config: PipelineConfig, base: Path) -> list[Path]:
    """pipeline.yaml's ``glossaries`` (relative to its folder); the default only where it exists."""
    paths = [p if p.is_absolute() else base / p for p in config.glossaries]
    if "glossaries" not in config.model_fields_set:
        paths = [p for p in paths if p.exists()]
    return paths


def engine_specs(
    config: PipelineConfig,
    base: Path,
    locales: Sequence[str],
    overrides: Mapping[str, str],
    engine: str | None = None,
) -> dict[str, EngineSpec]:
    """One engine spec per locale: the model from ``--model`` overrides, else pipeline.yaml."""
    unknown = set(overrides) - set(locales)
    if unknown:
        raise ConfigError(f"--model given for {', '.join(sorted(unknown))}, not among --to locales")
    specs: dict[str, EngineSpec] = {}
    for locale in locales:
        check_locale(locale)
        settings = config.locales.get(locale)
        if locale in overrides:
            model = _absolute_if_local(overrides[locale], Path.cwd())
        elif settings is not None:
            model = _absolute_if_local(settings.model, base)
        else:
            known = ", ".join(sorted(config.locales)) or "none"
            raise ConfigError(
                f"no model for locale {locale!r}: add it under 'locales:' in pipeline.yaml "
                f"(configured: {known}) or pass --model {locale}=ID_OR_PATH"
            )
        specs[locale] = EngineSpec(
            engine=engine or config.engine,
            model=model,
            source_lang=config.source_lang,
            target_lang=locale,
            decoding=config.decoding,
            target_token=settings.target_token if settings else None,
            ct2=config.ctranslate2.model_copy(update={"models_cache": base / config.ctranslate2.models_cache}),
        )
    return specs


def _absolute_if_local(ref: str, base: Path) -> str:
    resolved = resolve_model(ref, base)
    return str(resolved.path) if resolved.path else resolved.ref


def rebuild(
    article: Article,
    locale: str,
    targets: Mapping[str, str],
    ui: UIStrings | None = None,
    reviewed: Collection[str] = (),
    terms: Mapping[str, list[dict[str, object]]] | None = None,
) -> Localized:
    """The article in ``locale``: each segment replaced by its translation, layout kept; section
    and UI lines from the UI catalog ``ui`` (English where it lacks one). ``reviewed``: ids of
    post-edited segments among ``targets``; ``terms``: the glossary report per segment."""
    block_texts = {b.index: rebuild_block(b, targets) for b in article.body_blocks}
    ui_texts = {b.index: ui.gettext(ui_msgid(b.text)) for b in article.ui_blocks} if ui else {}
    text = article.render({**block_texts, **ui_texts})
    return Localized(
        article, locale, dict(targets), text, ui_texts, reviewed=frozenset(reviewed), terms=terms or {}
    )


def required_terms(
    source: SourceArticle, seg_ids: Sequence[str], locale: str, terms: SourceTerms | None
) -> list[list[tuple[TermHit, TermConstraint]]]:
    """Per segment, its glossary terms with their target constraints in ``locale``."""
    required: list[list[tuple[TermHit, TermConstraint]]] = []
    starts = {seg.id: seg.start for seg in source.article.segments} if terms else {}
    for seg_id in seg_ids:
        pairs = [(hit, terms.constraint(hit, locale)) for hit in source.terms.get(seg_id, ())] if terms else []
        required.append(
            [(hit, replace(c, source_span=(hit.start - starts[seg_id], hit.end - starts[seg_id]))) for hit, c in pairs if c is not None]
        )
    return required
def term_report(
    required: Sequence[tuple[TermHit, TermConstraint]], translation: Translation
) -> list[dict[str, object]]:
    """Per required term: ``enforced`` (the engine imposed it), ``present`` (the model produced it
    unaided) or ``violated`` (missing, or a forbidden variant in the output)."""
    results = check(translation.text, [c for _, c in required])
    report: list[dict[str, object]] = []
    for (hit, constraint), result in zip(required, results):
        if result.status == "violated":
            status, method = "violated", translation.method or "none"
        elif constraint.id in translation.forced:
            status, method = "enforced", translation.method
        else:
            status, method = "present", "model"
        item: dict[str, object] = {
            "id": constraint.id,
            "source": hit.source,
            "expected": constraint.forms[0],
            "status": status,
            "method": method,
        }
        if result.found is not None and result.found != constraint.forms[0]:
            item["found"] = result.found
        if result.problem:
            item["problem"] = result.problem
        report.append(item)
    return report


def bundle_files(
    source: SourceArticle,
    localized: Localized,
    engine_info: Mapping[str, object],
    timings: Mapping[str, float],
    ui: UIStrings | None = None,
    source_lang: str = "en",
    qa: QASettings | None = None,
    glossary: Glossary | None = None,
) -> dict[str, str | Iterator[str]]:
    """The files of one bundle, name -> text (the big ones in pieces, made as they are written)."""
    article, locale = source.article, localized.locale
    created = datetime.now(timezone.utc)
    segments = [
        {
            "id": s.id,
            "block": s.block,
            "kind": s.kind,
            "source": s.text,
            "target": localized.targets[s.id],
            "terms": localized.terms.get(s.id, []),
            "corrections": [
                {"id": c.id, "original": c.original, "corrected": c.corrected}
                for c in source.corrections.get(s.id, ())
            ],
        }
        | ({"reviewed": True} if s.id in localized.reviewed else {})
        for s in article.segments
    ]
    counts = localized.term_counts()
    ok = counts["enforced"] + counts["present"]
    manifest = {
        "newsl10n_version": __version__,
        "article": article.name,
        "source_file": source.path.name,
        "source_sha256": source.sha256,
        "source_lang": source_lang,
        "locale": locale,
        **engine_info,
        "segments": len(segments),
        "glossary_hash": glossary.content_hash if glossary is not None else None,
        "term_compliance": round(ok / counts["total"], 4) if counts["total"] else (1.0 if glossary is not None else None),
        "terms": counts,
        "source_corrections": sum(len(c) for c in source.corrections.values()),
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "ui_catalog": ui.source if ui else None,
        "created": created.isoformat(timespec="seconds"),
    }
    page = page_values(localized, published=created.date())
    files = {
        "article.txt": localized.text,
        "article.html": render_html_chunks(page, ui),
        "segments.json": json_chunks({"segments": segments, "article": article_layout(article)}),
        "manifest.json": dump_json(manifest),
    }
    files.update(format_files(localized, segments, page, source_lang, qa))
    return files


def page_values(
    localized: Localized, *, published: date | None = None, chrome: Collection[str] | None = None
) -> dict[str, object]:
    """What the HTML template shows: translated body blocks, localized UI lines and metadata.

    The section label goes to the page header. UI lines after the last body block are the
    page's footer, which the template draws from its own chrome (``chrome``: its msgids), so
    ``footer_ui`` lists only the lines it lacks. Date and word count are formatted for the
    locale with Babel.
    """
    from babel.dates import format_date
    from babel.numbers import format_decimal

    article, locale = localized.article, localized.locale
    chrome = chrome_msgids(template_source()) if chrome is None else chrome
    last_body = max((b.index for b in article.body_blocks), default=-1)
    blocks, footer_ui = [], []
    title, section, words = "", "", 0
    for block in article.blocks:
        if block.is_body:
            text = rebuild_block(block, localized.targets)
            words += len(text.split())
            title = title or (text if block.kind == "headline" else "")
            blocks.append({"kind": block.kind, "text": text})
            continue
        text = localized.ui_texts.get(block.index, block.text)
        if block.kind == "section":
            section = section or text
        elif block.index < last_body:
            blocks.append({"kind": block.kind, "text": text})
        elif ui_msgid(block.text) not in chrome:
            footer_ui.append(text)
    published = published or datetime.now(timezone.utc).date()
    babel_locale = locale.replace("-", "_")
    return {
        "lang": locale,
        "dir": "rtl" if is_rtl(locale) else "ltr",
        "title": title,
        "section": section,
        "version": __version__,
        "blocks": blocks,
        "footer_ui": footer_ui,
        "published": format_date(published, format="long", locale=babel_locale),
        "published_iso": published.isoformat(),
        "words": words,
        "words_text": format_decimal(words, locale=babel_locale),
    }


def run_translate(
    config: PipelineConfig,
    base: Path,
    paths: Sequence[Path | ArticleInput],
    locales: Sequence[str],
    *,
    overrides: Mapping[str, str] | None = None,
    out: Path | None = None,
    engine: str | None = None,
    reporter: Reporter | None = None,
    executor: Executor | None = None,
    resume: bool = False,
    memory: SegmentMemory | None = None,
    use_tm: bool = True,
    glossary: Glossary | None = None,
) -> RunResult:
    """Translate articles into ``locales`` and write one bundle per article and locale.

    ``paths``: article files (named after their stem) or :class:`ArticleInput` items (a name and
    their own locales). ``executor``: where segments are translated (default: this process).
    ``resume``: skip bundles that are already current (same source checksum and model).
    With the translation memory (``tm.enabled`` and ``use_tm``) only segments it lacks reach the
    engine: in this process the memory wraps each engine, so a locale whose segments are all
    found never loads its model; with a cluster the client looks segments up before dispatch
    (``memory``, or the configured memory behind the :class:`SegmentMemory` seam).
    With a ``glossary``, its terms are imposed on every output and reported per segment.
    """
    reporter = reporter or SilentReporter()
    articles = as_article_inputs(paths)
    terms = SourceTerms(glossary) if glossary is not None else None
    sources = []
    for a in articles:
        with SegmentProgress(reporter, a.name) as progress:
            sources.append(read_article(a.path, config, terms, name=a.name, progress=progress))
    wanted = [a.locales or tuple(locales) for a in articles]
    all_locales = list(dict.fromkeys(loc for loc in (*locales, *(x for w in wanted for x in w))))
    specs = engine_specs(config, base, all_locales, overrides or {}, engine)
    out = out if out is not None else (base / config.out)
    ensure_writable(out)
    result = RunResult()
    tm = TranslationMemory(memory_path(out, config.tm.path, base)) if use_tm and config.tm.enabled else None
    catalogs = base / config.catalogs
    ui = {locale: load_ui_strings(catalogs, locale) for locale in specs}
    glossary_hash = glossary.content_hash if glossary is not None else None
    work, result.skipped = plan_bundles(sources, wanted, specs, out, resume=resume, glossary_hash=glossary_hash)
    if not work:
        return result
    needed = {locale: specs[locale] for locale in dict.fromkeys(locale for _, locale in work)}
    if executor is None:
        executor = LocalExecutor(lambda spec: open_translator(spec, tm, make_translator, glossary_hash or ""))
    elif memory is None and tm is not None:
        memory = ClientMemory(tm, specs, glossary_hash or "")
    with executor.session(needed) as session, (tm if tm is not None else nullcontext()):
        result.load_seconds = dict(session.loaded.load_seconds)
        writer = _BundleWriter(
            out, session.loaded, ui, memory, result, config.source_lang, config.qa, glossary, terms
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
) -> tuple[list[tuple[SourceArticle, str]], list[BundleResult]]:
    """(article, locale) pairs to translate, locale by locale, and the current bundles skipped."""
    work: list[tuple[SourceArticle, str]] = []
    skipped: list[BundleResult] = []
    for locale, spec in specs.items():
        for source, targets in zip(sources, wanted):
            if locale not in targets:
                continue
            target = bundle_dir(out, source.article.name, locale)
            if resume and bundle_is_current(target, source.sha256, spec.model, glossary_hash):
                skipped.append(BundleResult(source.article.name, locale, target, 0, 0.0))
            else:
                work.append((source, locale))
    return work, skipped


class SegmentMemory(Protocol):
    """A translation memory: stored translations of segments for one locale and engine."""

    def lookup(self, locale: str, engine_info: Mapping[str, object], sources: Sequence[str]) -> list[str | None]: ...
    def store(
        self, locale: str, engine_info: Mapping[str, object], sources: Sequence[str], targets: Sequence[str]
    ) -> None: ...


@dataclass
class _Pending:
    source: SourceArticle
    locale: str
    known: dict[str, str]
    missing: list[str]
    reviewed: frozenset[str] = frozenset()
    required: Mapping[str, list[tuple[TermHit, TermConstraint]]] = field(default_factory=dict)
    """Segment id -> its glossary terms and their constraints (empty without a glossary)."""


@dataclass
class _BundleWriter:
    """The client side of a run: memory look-ups, then bundles written as results arrive."""

    out: Path
    loaded: Loaded
    ui: Mapping[str, UIStrings | None]
    memory: SegmentMemory | None
    result: RunResult
    source_lang: str = "en"
    qa: QASettings | None = None
    glossary: Glossary | None = None
    terms: SourceTerms | None = None

    def prepare(self, source: SourceArticle, locale: str) -> Request | None:
        """The request for the segments neither a reviewer nor the memory has translated, with
        their glossary constraints; None (bundle written) when nothing is left for the model."""
        segments = source.article.segments
        reviewed = load_reviewed(bundle_dir(self.out, source.article.name, locale), source.article)
        open_segments = [s for s in segments if s.id not in reviewed]
        texts = [s.text for s in open_segments]
        info = self.loaded.engine_info[locale]
        found = self.memory.lookup(locale, info, texts) if self.memory else [None] * len(texts)
        known = {seg.id: hit for seg, hit in zip(open_segments, found) if hit is not None}
        known.update(reviewed)
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
        pending: _Pending = outcome.request.key
        new = dict(zip(pending.missing, outcome.translations))
        if self.memory:
            info = self.loaded.engine_info[pending.locale]
            targets = [t.text for t in new.values()]
            self.memory.store(pending.locale, info, list(outcome.request.sources), targets)
        self._write(pending, new, outcome.seconds, outcome.engine_info)

    def _write(
        self,
        pending: _Pending,
        new: Mapping[str, Translation],
        seconds: float,
        info: Mapping[str, object] | None = None,
    ) -> None:
        source, locale = pending.source, pending.locale
        outputs = {seg_id: Translation(text) for seg_id, text in pending.known.items()} | dict(new)
        targets = {seg_id: out.text for seg_id, out in outputs.items()}
        report = {seg_id: term_report(pairs, outputs[seg_id]) for seg_id, pairs in pending.required.items()}
        localized = rebuild(source.article, locale, targets, self.ui[locale], pending.reviewed, report)
        target = bundle_dir(self.out, source.article.name, locale)
        timings = {"load_s": self.loaded.load_seconds[locale], "translate_s": seconds}
        info = info or self.loaded.engine_info[locale]
        files = bundle_files(
            source, localized, info, timings, self.ui[locale], self.source_lang, self.qa, self.glossary
        )
        write_bundle(target, files)
        self.result.bundles.append(
            BundleResult(
                source.article.name, locale, target, len(source.article.segments), seconds,
                localized.term_counts(),
            )  # fmt: skip
        )
