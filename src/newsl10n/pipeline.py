"""Runs the stages in order: ingest (glossary corrections) -> segment -> translate (terms
enforced) -> term check -> bundle.

Everything that can fail on input (articles, glossary, locales, models) is checked before the
first bundle is written, so a bad run writes nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from . import __version__
from .article import Article, rebuild_block
from .bundle import bundle_dir, dump_json, render_html, write_bundle
from .config import PipelineConfig
from .errors import ConfigError, InputError
from .glossary import Correction, Glossary, SourceTerms, TermHit, require_valid
from .ingest import decode_article, parse_text
from .locales import check_locale, is_rtl
from .translate import EngineSpec, TermConstraint, Translation, Translator, make_translator
from .translate.constraints import check
from .translate.models import resolve_model


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
    load_seconds: dict[str, float] = field(default_factory=dict)


def read_article(path: Path, config: PipelineConfig, terms: SourceTerms | None = None) -> SourceArticle:
    """Read and parse one article file; errors name the file.

    With ``terms``, misspellings in body blocks are corrected before segmentation, no sentence is
    split inside a term, and each segment's terms and corrections are recorded.
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

    article = parse_text(
        text,
        name=path.stem,
        lang=config.source_lang,
        ui_strings=config.ingest.ui_strings,
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
        )
    return specs


def _absolute_if_local(ref: str, base: Path) -> str:
    resolved = resolve_model(ref, base)
    return str(resolved.path) if resolved.path else resolved.ref


def localize(
    source: SourceArticle,
    locale: str,
    translator: Translator,
    reporter: Reporter,
    terms: SourceTerms | None = None,
) -> Localized:
    """Translate every body segment once, with its glossary terms imposed, check the terms in the
    output, and rebuild the article in its own layout."""
    article = source.article
    segments = article.segments
    required: list[list[tuple[TermHit, TermConstraint]]] = []
    for seg in segments:
        pairs = [(hit, terms.constraint(hit, locale)) for hit in source.terms.get(seg.id, ())] if terms else []
        required.append([(hit, c) for hit, c in pairs if c is not None])
    outputs = translator.translate(
        [s.text for s in segments],
        progress=reporter.advance,
        constraints=[[c for _, c in pairs] for pairs in required] if terms else None,
    )
    targets = {seg.id: out.text for seg, out in zip(segments, outputs)}
    report = {seg.id: term_report(pairs, out) for seg, pairs, out in zip(segments, required, outputs)}
    block_texts = {b.index: rebuild_block(b, targets) for b in article.body_blocks}
    return Localized(article, locale, targets, article.render(block_texts), report)


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
    glossary: Glossary | None = None,
) -> dict[str, str]:
    """The files of one bundle, name -> text."""
    article, locale = source.article, localized.locale
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
        for s in article.segments
    ]
    counts = localized.term_counts()
    ok = counts["enforced"] + counts["present"]
    manifest = {
        "newsl10n_version": __version__,
        "article": article.name,
        "source_file": source.path.name,
        "source_sha256": source.sha256,
        "locale": locale,
        **engine_info,
        "segments": len(segments),
        "glossary_hash": glossary.content_hash if glossary is not None else None,
        "term_compliance": round(ok / counts["total"], 4) if counts["total"] else (1.0 if glossary is not None else None),
        "terms": counts,
        "source_corrections": sum(len(c) for c in source.corrections.values()),
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    return {
        "article.txt": localized.text,
        "article.html": render_html(page_values(localized)),
        "segments.json": dump_json({"segments": segments}),
        "manifest.json": dump_json(manifest),
    }


def page_values(localized: Localized) -> dict[str, object]:
    """What the HTML template shows: translated body blocks, UI blocks as they are."""
    article = localized.article
    blocks = []
    title = ""
    for block in article.blocks:
        text = rebuild_block(block, localized.targets) if block.is_body else block.text
        if block.kind == "headline" and not title:
            title = text
        blocks.append({"kind": block.kind, "text": text})
    return {
        "lang": localized.locale,
        "dir": "rtl" if is_rtl(localized.locale) else "ltr",
        "title": title,
        "version": __version__,
        "blocks": blocks,
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
    glossary: Glossary | None = None,
) -> RunResult:
    """Translate ``paths`` into ``locales`` and write one bundle per article and locale.

    With a ``glossary``, its terms are imposed on every output and reported per segment.
    """
    reporter = reporter or SilentReporter()
    terms = SourceTerms(glossary) if glossary is not None else None
    sources = [read_article(p, config, terms) for p in paths]
    specs = engine_specs(config, base, locales, overrides or {}, engine)
    out = out if out is not None else (base / config.out)
    result = RunResult()
    translators: dict[str, Translator] = {}
    for locale, spec in specs.items():
        started = time.perf_counter()
        translators[locale] = make_translator(spec)
        result.load_seconds[locale] = time.perf_counter() - started
    for locale, translator in translators.items():
        total = sum(len(s.article.segments) for s in sources)
        reporter.start(locale, total)
        for source in sources:
            started = time.perf_counter()
            localized = localize(source, locale, translator, reporter, terms)
            seconds = time.perf_counter() - started
            target = bundle_dir(out, source.article.name, locale)
            timings = {"load_s": result.load_seconds[locale], "translate_s": seconds}
            write_bundle(target, bundle_files(source, localized, translator.describe(), timings, glossary))
            result.bundles.append(
                BundleResult(
                    source.article.name, locale, target, len(source.article.segments), seconds,
                    localized.term_counts(),
                )
            )
        reporter.finish()
    return result
