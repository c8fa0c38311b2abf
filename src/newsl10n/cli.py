"""The ``newsl10n`` command line: parse options, load the config, call the pipeline, map errors."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .commands.xliff import import_xliff
from .errors import ConfigError, NewsL10nError

app = typer.Typer(
    name="newsl10n",
    help="Translate and localize news articles with MarianMT models, glossaries and QA.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

GlossaryOption = Annotated[
    list[Path],
    typer.Option("--glossary", "-g", help="Term file or folder, instead of 'glossaries' in pipeline.yaml (repeatable)."),
]
NoGlossaryOption = Annotated[bool, typer.Option("--no-glossary", help="Use no glossary for this run.")]


def parse_locales(value: str) -> list[str]:
    locales = [v.strip() for v in value.split(",") if v.strip()]
    if not locales:
        raise ConfigError("--to needs at least one locale, e.g. --to de,fr")
    return list(dict.fromkeys(locales))


def parse_model_overrides(values: list[str]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for value in values:
        locale, sep, ref = value.partition("=")
        if not sep or not locale.strip() or not ref.strip():
            raise ConfigError(f"--model {value!r}: expected LOCALE=ID_OR_PATH, e.g. de=models/en-de")
        overrides[locale.strip()] = ref.strip()
    return overrides


@app.command()
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
        typer.Option("--to", "-t", help="Target locales, comma-separated (default: all in pipeline.yaml)."),
    ] = None,
    model: Annotated[
        list[str],
        typer.Option(
            "--model",
            "-m",
            help="LOCALE=ID_OR_PATH: a hub id or a local model folder for one locale (repeatable).",
        ),
    ] = [],
    out: Annotated[
        Optional[Path], typer.Option("--out", "-o", help="Output folder (default: 'out' in pipeline.yaml).")
    ] = None,
    engine: Annotated[
        Optional[str], typer.Option("--engine", "-e", help="Translation engine: ctranslate2 (fast, int8) or transformers (default: engine in pipeline.yaml).")
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
        typer.Option("--cluster", help="local:N: translate on N local Dask worker processes (needs newsl10n[dask])."),
    ] = None,
    scheduler: Annotated[
        Optional[str],
        typer.Option("--scheduler", help="tcp://HOST:PORT: translate on an existing Dask cluster."),
    ] = None,
) -> None:
    """Translate articles and write one localized bundle per article and locale.

    Each bundle (OUT/<article>/<locale>/) holds article.txt, article.html, segments.json and
    manifest.json. Nothing is written unless every article, the glossary and every model load.
    A bundle whose manifest records the same source checksum and model is kept (so a run can
    resume).
    """
    from .batch import collect_articles
    from .config import ENGINES, load_config
    from .executor import open_executor
    from .pipeline import resolve_glossary, run_translate
    from .progress import make_reporter

    try:
        cfg, base = load_config(config)
        terms = resolve_glossary(cfg, base, glossary, enabled=not no_glossary)
        if engine is not None and engine not in ENGINES:
            raise ConfigError(f"--engine {engine!r}: choose one of {', '.join(ENGINES)}")
        locales = parse_locales(to) if to else list(cfg.locales)
        if not locales:
            raise ConfigError("no target locales: pass --to or list them under 'locales:' in pipeline.yaml")
        inputs = collect_articles(articles)
        with open_executor(cluster, scheduler) as executor:
            result = run_translate(
                cfg,
                base,
                inputs,
                locales,
                overrides=parse_model_overrides(model),
                out=out,
                engine=engine,
                reporter=make_reporter(quiet=quiet),
                executor=executor,
                resume=not force,
                use_tm=not no_tm,
                glossary=terms,
            )
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
    if result.skipped:
        typer.echo(f"{len(result.skipped)} bundles already current, kept (--force translates them again)")
    if violated:
        typer.echo(f"{'error' if strict else 'warning'}: {violated} glossary term(s) violated; "
                   "see 'terms' in each bundle's segments.json", err=True)
        if strict:
            raise typer.Exit(1)


@app.command()
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
    from .config import load_config
    from .glossary import SourceTerms
    from .pipeline import SegmentProgress, read_article, resolve_glossary
    from .progress import make_reporter

    try:
        cfg, base = load_config(config)
        terms = resolve_glossary(cfg, base, glossary, enabled=not no_glossary)
        with SegmentProgress(make_reporter(), article.stem) as progress:
            source = read_article(article, cfg, SourceTerms(terms) if terms is not None else None, progress=progress)
    except NewsL10nError as exc:
        raise fail(exc) from None
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


app.command("import-xliff")(import_xliff)

from .commands.models import models_app  # noqa: E402 - sub-apps register after the shared helpers
from .commands.tm import tm_app  # noqa: E402

app.add_typer(models_app, name="models")
app.add_typer(tm_app, name="tm")

from .commands.catalog import catalog_app  # noqa: E402 - sub-app registration

app.add_typer(catalog_app, name="catalog")


from .commands import score as _score_commands  # noqa: E402  (score and qa)

app.command()(_score_commands.score)
app.command()(_score_commands.qa)


from .commands.glossary import glossary_app  # noqa: E402  (check, export, import)
from .commands.common import ConfigOption, fail

app.add_typer(glossary_app, name="glossary")


def main() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger = logging.getLogger("newsl10n")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    import signal

    # SIGTERM unwinds like Ctrl-C, so temporary bundle folders are removed on the way out.
    signal.signal(signal.SIGTERM, lambda signum, frame: _raise_interrupt())
    app()


def _raise_interrupt() -> None:
    raise KeyboardInterrupt
