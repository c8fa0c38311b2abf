"""``newsl10n translate`` and ``newsl10n segment``: articles in, bundles (or segments) out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..batch import collect_articles
from ..config import load_config
from ..engines import engine_choices, is_engine_name
from ..errors import ConfigError, NewsL10nError
from ..executor import Executor
from ..pipeline import BundleResult, run_translate
from ..progress import SegmentProgress, make_reporter
from ..settings import RunSettings
from ..source import read_article
from ..terms.files import Glossary, resolve_glossary
from ..terms.source import SourceTerms
from .common import (
    ConfigOption,
    GlossaryOption,
    NoGlossaryOption,
    cli_errors,
    fail,
    parse_locales,
    parse_model_overrides,
)


def translate(
    articles: Annotated[
        list[Path],
        typer.Argument(
            help="Articles: files (plain text, Markdown .md or HTML .html, UTF-8), folders, quoted "
            'glob patterns or JSONL manifests (one {"path", "id", "locales"} object per line).'
        ),
    ],
    to: Annotated[
        Optional[str],
        typer.Option("--to", "-t", metavar="LOCALES", help="Target locales, comma-separated (default: all in pipeline.yaml)."),
    ] = None,
    model: Annotated[
        list[str],
        typer.Option(
            "--model", "-m", metavar="LOCALE=ID_OR_PATH",
            help="A hub id or a local model folder for one locale (repeatable).",
        ),  # fmt: skip
    ] = [],
    out: Annotated[
        Optional[Path], typer.Option("--out", "-o", metavar="DIR", help="Output folder (default: 'out' in pipeline.yaml).")
    ] = None,
    engine: Annotated[
        Optional[str],
        typer.Option(
            "--engine", "-e", metavar="NAME",
            help="Translation engine: ctranslate2 (fast, int8), transformers, an engine registered under "
            "newsl10n.engines, or a class as module:Class (default: engine in pipeline.yaml).",
        ),  # fmt: skip
    ] = None,
    no_tm: Annotated[
        bool, typer.Option("--no-tm", help="Bypass the translation memory: translate every segment.")
    ] = False,
    glossary: GlossaryOption = [],
    no_glossary: NoGlossaryOption = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when a glossary term is violated (bundles are still written).")
    ] = False,
    config: ConfigOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Translate again even bundles that are current (default: skip them).")
    ] = False,
    cluster: Annotated[
        Optional[str],
        typer.Option(
            "--cluster", metavar="local:N",
            help="Translate on N local Dask worker processes (needs the dask extra: pip install 'newsl10n[dask]').",
        ),  # fmt: skip
    ] = None,
    scheduler: Annotated[
        Optional[str],
        typer.Option("--scheduler", metavar="tcp://HOST:PORT", help="Translate on an existing Dask cluster (dask extra too)."),
    ] = None,
) -> None:
    """Translate articles and write one localized bundle per article and locale.

    Each bundle (OUT/<article>/<locale>/) holds article.txt, article.html, segments.json,
    manifest.json, article.xlf and review.html. Nothing is written unless every article, the
    glossary and every model load. A bundle whose manifest records the same source, engine
    signature, glossary and UI catalog is kept, so a run can resume.
    """
    try:
        cfg = load_config(config)
        terms = resolve_glossary(cfg, glossary, enabled=not no_glossary)
        if engine is not None and not is_engine_name(engine):
            raise ConfigError(f"--engine {engine!r}: choose one of {engine_choices()}")
        locales = parse_locales(to) if to else list(cfg.locales)
        if not locales:
            raise ConfigError("no target locales: pass --to or list them under 'locales:' in pipeline.yaml")
        settings = RunSettings.of(
            cfg, out=out, use_tm=not no_tm, overrides=parse_model_overrides(model), engine=engine, glossary=terms,
            resume=not force,
        )  # fmt: skip
        inputs = collect_articles(articles, exclude=[settings.out])
        with open_executor(cluster, scheduler) as executor:
            result = run_translate(settings, inputs, locales, reporter=make_reporter(quiet=quiet), executor=executor)
    except NewsL10nError as exc:
        raise fail(exc) from None
    except KeyboardInterrupt:
        typer.echo("interrupted: no partial bundle was written", err=True)
        raise typer.Exit(130) from None
    violated = 0
    for bundle in result.bundles:
        counts = bundle.terms
        summary = ""
        if terms is not None:
            summary = f", terms {counts['enforced'] + counts['present']}/{counts['total']}"
            violated += counts["violated"]
        typer.echo(f"{bundle.article} [{bundle.locale}]: {bundle.segments} segments{summary} -> {bundle.path}")
        for line in reviewed_notices(bundle):
            typer.echo(f"warning: {bundle.article} [{bundle.locale}]: {line}", err=True)
    if result.skipped:
        typer.echo(f"{len(result.skipped)} bundles already current, kept (--force translates them again)")
    if violated:
        typer.echo(f"{'error' if strict else 'warning'}: {violated} glossary term(s) violated; "
                   "see 'terms' in each bundle's segments.json", err=True)
        if strict:
            raise typer.Exit(1)


def reviewed_notices(bundle: BundleResult) -> list[str]:
    """What a run did with people's text that they should know: kept though a term now reads
    violated, translated again because its source changed, or dropped with its source."""
    notices = []
    if bundle.reviewed_violated:
        notices.append(
            f"{_count(bundle.reviewed_violated, 'reviewed segment')} kept though the glossary now reads a term "
            f"violated ({_ids(bundle.reviewed_violated)}); see 'terms' in segments.json"
        )
    changed = bundle.earlier.changed
    if changed:
        notices.append(
            f"the source of {_count(changed, 'reviewed segment')} changed ({_ids(changed)}): "
            "translated again, the reviewed text kept as a suggestion"
        )
    if bundle.earlier.dropped:
        notices.append(f"{bundle.earlier.dropped} reviewed segment(s) left out: their source is no longer in the article")
    return notices


def _count(ids: tuple[str, ...], what: str) -> str:
    return f"{len(ids)} {what}{'' if len(ids) == 1 else 's'}"


def _ids(ids: tuple[str, ...], shown: int = 10) -> str:
    return ", ".join(ids[:shown]) + (f" and {len(ids) - shown} more" if len(ids) > shown else "")


def segment(
    article: Annotated[Path, typer.Argument(help="Article file (plain text, UTF-8).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print blocks and segments as JSON.")] = False,
    glossary: GlossaryOption = [],
    no_glossary: NoGlossaryOption = False,
    config: ConfigOption = None,
) -> None:
    """Show an article's blocks and sentence segments, before any model time is spent.

    With a glossary (as translate uses it), misspellings are corrected and no sentence is split
    inside a term.
    """
    with cli_errors():
        cfg = load_config(config)
        terms = resolve_glossary(cfg, glossary, enabled=not no_glossary)
        with SegmentProgress(make_reporter(), article.stem) as progress:
            source = read_article(article, cfg, SourceTerms(terms if terms is not None else Glossary()), progress=progress)
    blocks = [
        {"kind": b.kind, "text": b.text, "segments": [s.text for s in b.segments]}
        for b in source.article.blocks
    ]
    if as_json:
        typer.echo(json.dumps({"blocks": blocks}, ensure_ascii=False, indent=2))
        return
    count = 0
    for block in blocks:
        typer.echo(f"[{block['kind']}] {block['text'] if not block['segments'] else ''}".rstrip())
        for text in block["segments"]:
            count += 1
            typer.echo(f"  {count:>3}  {text}")
    typer.echo(f"{count} segments in {len(blocks)} blocks")


@contextmanager
def open_executor(cluster: str | None = None, scheduler: str | None = None) -> Iterator[Executor | None]:
    """None (translate in this process) unless a Dask cluster is asked for; only then is dask imported."""
    if not cluster and not scheduler:
        yield None
        return
    try:
        from ..distributed import connect  # imports dask: only for a cluster run
    except ImportError as exc:
        raise ConfigError(
            f"--cluster/--scheduler need Dask ({exc.name or exc} is not installed): "
            "pip install 'newsl10n[dask]'"
        ) from None
    with connect(cluster, scheduler) as executor:
        yield executor
