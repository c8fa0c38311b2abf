"""Runs the stages in order: ingest -> segment -> translate -> bundle.

Everything that can fail on input (articles, locales, models) is checked before the first
bundle is written, so a bad run writes nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Protocol

from . import __version__
from .article import Article, rebuild_block
from .bundle import bundle_dir, dump_json, ensure_writable, render_html, template_source, write_bundle
from .catalog import UIStrings, chrome_msgids, load_ui_strings, ui_msgid
from .config import PipelineConfig, QASettings
from .errors import ConfigError, InputError
from .formats import reader_for
from .ingest import decode_article, parse_text
from .locales import check_locale, is_rtl
from .outputs import format_files
from .postedit import article_layout, load_reviewed
from .translate import EngineSpec, Translator, make_translator
from .tm import CachedTranslator, TranslationMemory, memory_path
from .translate.models import resolve_model
from .translate.revision import check_model_files, known_revision


class Reporter(Protocol):
    """Progress and messages; the CLI supplies a rich progress bar or plain log lines."""

    def start(self, locale: str, total: int) -> None: ...
    def advance(self, count: int) -> None: ...
    def finish(self) -> None: ...


class SilentReporter:
    def start(self, locale: str, total: int) -> None:
        pass

    def advance(self, count: int) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass(frozen=True)
class SourceArticle:
    path: Path
    article: Article
    sha256: str


@dataclass(frozen=True)
class Localized:
    """One article in one locale: the segment translations and the rebuilt text."""

    article: Article
    locale: str
    targets: Mapping[str, str]
    text: str
    ui_texts: Mapping[int, str] = field(default_factory=dict)
    """Block index -> the localized text of a section or UI line (from the UI catalog)."""
    reviewed: frozenset[str] = frozenset()
    """Ids of segments whose target a person post-edited (kept from an earlier bundle)."""


@dataclass
class BundleResult:
    article: str
    locale: str
    path: Path
    segments: int
    seconds: float


@dataclass
class RunResult:
    bundles: list[BundleResult] = field(default_factory=list)
    load_seconds: dict[str, float] = field(default_factory=dict)


def read_article(path: Path, config: PipelineConfig) -> SourceArticle:
    """Read and parse one article file; errors name the file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, expected an article file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    text = decode_article(data, source=str(path))
    options = {"name": path.stem, "lang": config.source_lang, "ui_strings": config.ingest.ui_strings}
    reader = reader_for(path)  # HTML or Markdown by extension, else plain text
    article = reader(text, source=str(path), **options) if reader else parse_text(text, **options)
    if not article.segments:
        raise InputError(f"{path}: no article text found (only UI lines)")
    return SourceArticle(path, article, hashlib.sha256(data).hexdigest())


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


def localize(
    article: Article,
    locale: str,
    translator: Translator,
    reporter: Reporter,
    ui: UIStrings | None = None,
    reviewed: Mapping[str, str] | None = None,
) -> Localized:
    """Translate every body segment once and rebuild the article in its own layout.

    Section and UI lines come from the UI catalog ``ui`` (English where it lacks one).
    ``reviewed`` (segment id -> post-edited target) are kept as they are, never retranslated.
    """
    reviewed = reviewed or {}
    segments = [s for s in article.segments if s.id not in reviewed]
    outputs = translator.translate([s.text for s in segments], progress=reporter.advance)
    targets = {seg.id: out.text for seg, out in zip(segments, outputs)}
    targets.update(reviewed)
    if reviewed:
        reporter.advance(len(reviewed))
    targets = {s.id: targets[s.id] for s in article.segments}
    block_texts = {b.index: rebuild_block(b, targets) for b in article.body_blocks}
    ui_texts = {b.index: ui.gettext(ui_msgid(b.text)) for b in article.ui_blocks} if ui else {}
    text = article.render({**block_texts, **ui_texts})
    return Localized(article, locale, targets, text, ui_texts, reviewed=frozenset(reviewed))


def bundle_files(
    source: SourceArticle,
    localized: Localized,
    engine_info: Mapping[str, object],
    timings: Mapping[str, float],
    ui: UIStrings | None = None,
    source_lang: str = "en",
    qa: QASettings | None = None,
) -> dict[str, str]:
    """The files of one bundle, name -> text."""
    article, locale = source.article, localized.locale
    created = datetime.now(timezone.utc)
    segments = [
        {"id": s.id, "block": s.block, "kind": s.kind, "source": s.text, "target": localized.targets[s.id]}
        | ({"reviewed": True} if s.id in localized.reviewed else {})
        for s in article.segments
    ]
    manifest = {
        "newsl10n_version": __version__,
        "article": article.name,
        "source_file": source.path.name,
        "source_sha256": source.sha256,
        "source_lang": source_lang,
        "locale": locale,
        **engine_info,
        "segments": len(segments),
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "ui_catalog": ui.source if ui else None,
        "created": created.isoformat(timespec="seconds"),
    }
    page = page_values(localized, published=created.date())
    files = {
        "article.txt": localized.text,
        "article.html": render_html(page, ui),
        "segments.json": dump_json({"segments": segments, "article": article_layout(article)}),
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
    paths: Sequence[Path],
    locales: Sequence[str],
    *,
    overrides: Mapping[str, str] | None = None,
    out: Path | None = None,
    engine: str | None = None,
    reporter: Reporter | None = None,
    use_tm: bool = True,
) -> RunResult:
    """Translate ``paths`` into ``locales`` and write one bundle per article and locale.

    With the translation memory (``tm.enabled`` and ``use_tm``), only segments it lacks reach
    the engine, and a locale whose segments are all found never loads its model. Bundles are
    written once every locale is translated, so a model that fails to load writes nothing.
    """
    reporter = reporter or SilentReporter()
    sources = [read_article(p, config) for p in paths]
    specs = engine_specs(config, base, locales, overrides or {}, engine)
    out = out if out is not None else (base / config.out)
    ensure_writable(out)
    result = RunResult()
    memory = TranslationMemory(memory_path(out, config.tm.path, base)) if use_tm and config.tm.enabled else None
    catalogs = base / config.catalogs
    ui = {locale: load_ui_strings(catalogs, locale) for locale in specs}
    try:
        translators: dict[str, Translator] = {}
        for locale, spec in specs.items():
            started = time.perf_counter()
            translators[locale] = open_translator(spec, memory)
            eager = time.perf_counter() - started
            result.load_seconds[locale] = eager if memory is None else lazy_load_seconds(translators[locale])
        pending: list[tuple[SourceArticle, Localized, dict[str, object], dict[str, float]]] = []
        for locale in list(translators):
            translator = translators.pop(locale)  # released after its locale: one model in memory
            total = sum(len(s.article.segments) for s in sources)
            reporter.start(locale, total)
            for source in sources:
                loaded_before = lazy_load_seconds(translator)
                started = time.perf_counter()
                reviewed = load_reviewed(bundle_dir(out, source.article.name, locale), source.article)
                localized = localize(source.article, locale, translator, reporter, ui[locale], reviewed)
                seconds = time.perf_counter() - started - (lazy_load_seconds(translator) - loaded_before)
                result.load_seconds[locale] += lazy_load_seconds(translator) - loaded_before
                timings = {"load_s": result.load_seconds[locale], "translate_s": seconds}
                pending.append((source, localized, translator.describe(), timings))
            reporter.finish()
    finally:
        if memory is not None:
            memory.close()
    for source, localized, info, timings in pending:
        target = bundle_dir(out, source.article.name, localized.locale)
        files = bundle_files(
            source, localized, info, timings, ui[localized.locale], config.source_lang, config.qa
        )
        write_bundle(target, files)
        result.bundles.append(
            BundleResult(
                source.article.name, localized.locale, target, len(source.article.segments), timings["translate_s"]
            )
        )
    return result


def open_translator(spec: EngineSpec, memory: TranslationMemory | None) -> Translator:
    """The engine for one locale: loaded now without a memory, on the first miss with one.

    A model whose revision cannot be known without loading it (a hub id not yet downloaded)
    is loaded now, so that a missing model fails before any work.
    """
    if memory is None:
        return make_translator(spec)
    check_model_files(spec.model)
    revision = known_revision(spec.model, spec.ct2.models_cache)
    cached = CachedTranslator(spec, memory, load=lambda: make_translator(spec), revision=revision)
    if revision is None:
        cached.loaded()
    return cached


def lazy_load_seconds(translator: Translator) -> float:
    """Seconds a memory-backed translator has spent loading its engine so far."""
    return translator.load_seconds if isinstance(translator, CachedTranslator) else 0.0
