"""The ``newsl10n`` command line: parse options, load the config, call the pipeline, map errors."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .errors import ConfigError, NewsL10nError

app = typer.Typer(
    name="newsl10n",
    help="Translate and localize news articles with MarianMT models, glossaries and QA.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ConfigOption = Annotated[
    Optional[Path],
    typer.Option("--config", "-c", help="Settings file (default: ./pipeline.yaml when present)."),
]
GlossaryOption = Annotated[
    list[Path],
    typer.Option("--glossary", "-g", help="Term file or folder, instead of 'glossaries' in pipeline.yaml (repeatable)."),
]
NoGlossaryOption = Annotated[bool, typer.Option("--no-glossary", help="Use no glossary for this run.")]


def fail(exc: NewsL10nError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(exc.exit_code)


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
    articles: Annotated[list[Path], typer.Argument(help="Article files (plain text, UTF-8).")],
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
        Optional[str], typer.Option("--engine", "-e", help="Translation engine: transformers.")
    ] = None,
    glossary: GlossaryOption = [],
    no_glossary: NoGlossaryOption = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when a glossary term is violated (bundles are still written).")
    ] = False,
    config: ConfigOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Translate articles and write one localized bundle per article and locale.

    Each bundle (OUT/<article>/<locale>/) holds article.txt, article.html, segments.json and
    manifest.json. Nothing is written unless every article, the glossary and every model load.
    """
    from .config import ENGINES, load_config
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
        result = run_translate(
            cfg,
            base,
            articles,
            locales,
            overrides=parse_model_overrides(model),
            out=out,
            engine=engine,
            reporter=make_reporter(quiet=quiet),
            glossary=terms,
        )
    except NewsL10nError as exc:
        raise fail(exc) from None
    violated = 0
    for bundle in result.bundles:
        counts = bundle.terms
        summary = ""
        if terms is not None:
            summary = f", terms {counts['enforced'] + counts['present']}/{counts['total']}"
            violated += counts["violated"]
        typer.echo(f"{bundle.article} [{bundle.locale}]: {bundle.segments} segments{summary} -> {bundle.path}")
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
    from .pipeline import read_article, resolve_glossary

    try:
        cfg, base = load_config(config)
        terms = resolve_glossary(cfg, base, glossary, enabled=not no_glossary)
        source = read_article(article, cfg, SourceTerms(terms) if terms is not None else None)
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


models_app = typer.Typer(help="Manage translation models.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@models_app.command("random")
def models_random(
    locales: Annotated[list[str], typer.Argument(help="Target locales, e.g. de ar.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the en-<locale> model folders.")],
    corpus: Annotated[
        list[Path], typer.Option("--corpus", help="Text files whose pieces the vocabulary must cover.")
    ] = [],
    size: Annotated[str, typer.Option(help="Architecture: tiny, or opus-mt (74M parameters).")] = "tiny",
    config: ConfigOption = None,
) -> None:
    """Build random-weight Marian models for offline tests and demos.

    Their output is nonsense: they prove plumbing, speed and glossary enforcement, never quality.
    """
    from .config import load_config
    from .locales import check_locale
    from .testing import ARCHITECTURES, build_random_marian

    try:
        cfg, _ = load_config(config)
        if size not in ARCHITECTURES:
            raise ConfigError(f"--size {size!r}: choose one of {', '.join(ARCHITECTURES)}")
        lines = [cfg.source_lang, *_read_corpus(corpus)]
        for locale in locales:
            check_locale(locale)
            settings = cfg.locales.get(locale)
            token = settings.target_token if settings and settings.target_token else None
            path = build_random_marian(
                out / f"{cfg.source_lang}-{locale}",
                lines,
                source_lang=cfg.source_lang,
                target_lang=locale,
                target_tokens=[token] if token else [],
                architecture=ARCHITECTURES[size],
            )
            typer.echo(f"{locale}: random {size} model -> {path}")
    except NewsL10nError as exc:
        raise fail(exc) from None


def _read_corpus(paths: list[Path]) -> list[str]:
    from .errors import InputError

    lines: list[str] = []
    for path in paths:
        try:
            lines.extend(path.read_text(encoding="utf-8").splitlines())
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read corpus ({exc})") from None
    return lines or ["The quick brown fox jumps over the lazy dog."]


from .commands.glossary import glossary_app  # noqa: E402  (check, export, import)

app.add_typer(glossary_app, name="glossary")


def main() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger = logging.getLogger("newsl10n")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted: no partial bundle was written", err=True)
        sys.exit(130)
