"""``newsl10n models``: build random test models, convert Marian models to CTranslate2."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..config import load_config
from ..errors import ConfigError
from ..fileio import read_text
from ..locales import check_locale
from ..terms.files import glossary_target_lines, resolve_glossary
from ..testing import ARCHITECTURES, build_random_marian
from ..translate.ct2_models import cache_folder, convert_marian, model_revision
from .common import ConfigOption, cli_errors

models_app = typer.Typer(help="Manage translation models.", no_args_is_help=True)

QUANTIZATIONS = ("int8", "int8_float32", "int16", "float16", "float32")


@models_app.command("random")
def models_random(
    locales: Annotated[list[str], typer.Argument(help="Target locales, e.g. de ar.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the en-<locale> model folders.")],
    corpus: Annotated[
        list[Path], typer.Option("--corpus", help="Text files whose pieces the vocabulary must cover.")
    ] = [],
    size: Annotated[str, typer.Option(help="Architecture: tiny, or opus-mt (74M parameters).")] = "tiny",
    force: Annotated[bool, typer.Option("--force", help="Replace model folders that already exist.")] = False,
    config: ConfigOption = None,
) -> None:
    """Build random-weight Marian models for offline tests and demos.

    Their output is nonsense: they prove plumbing, speed and glossary enforcement, never quality.
    A model folder that exists and is not empty is refused (a real model could be lost) unless --force.
    """
    with cli_errors():
        cfg, base = load_config(config)
        if size not in ARCHITECTURES:
            raise ConfigError(f"--size {size!r}: choose one of {', '.join(ARCHITECTURES)}")
        for locale in locales:
            check_locale(locale)
            target = out / f"{cfg.source_lang}-{locale}"
            if not force and target.is_dir() and any(target.iterdir()):
                raise ConfigError(f"{target}: folder exists and is not empty (pass --force to replace the model)")
        lines = [cfg.source_lang, *_read_corpus(corpus)]
        glossary = resolve_glossary(cfg, base)
        for locale in locales:
            settings = cfg.locales.get(locale)
            token = settings.target_token if settings and settings.target_token else None
            path = build_random_marian(
                out / f"{cfg.source_lang}-{locale}",
                # The glossary's target terms, so that enforcement can spell them (else <unk>).
                lines + glossary_target_lines(glossary, locale) * 5,
                source_lang=cfg.source_lang,
                target_lang=locale,
                target_tokens=[token] if token else [],
                architecture=ARCHITECTURES[size],
            )
            typer.echo(f"{locale}: random {size} model -> {path}")


def _read_corpus(paths: list[Path]) -> list[str]:
    lines: list[str] = []
    for path in paths:
        lines.extend(read_text(path, what="corpus file").splitlines())
    return lines or ["The quick brown fox jumps over the lazy dog."]


@models_app.command("convert")
def models_convert(
    model: Annotated[str, typer.Argument(help="Marian model: a hub id or a local folder.")],
    out: Annotated[
        Optional[Path],
        typer.Option("--out", "-o", help="Folder for the converted model (default: in the models cache)."),
    ] = None,
    quantization: Annotated[
        str, typer.Option("--quantization", "-q", help=f"Weights: {', '.join(QUANTIZATIONS)}.")
    ] = "int8",
    config: ConfigOption = None,
) -> None:
    """Convert a Marian model into a CTranslate2 model for `--engine ctranslate2`.

    Without --out it goes into the models cache (`ctranslate2.models_cache` in pipeline.yaml),
    where the engine finds it; a conversion already there is reused.
    """
    with cli_errors():
        if quantization not in QUANTIZATIONS:
            raise ConfigError(f"--quantization {quantization!r}: choose one of {', '.join(QUANTIZATIONS)}")
        cfg, base = load_config(config)
        cache = base / cfg.ctranslate2.models_cache
        source, revision = model_revision(model, None, cache, download=True)
        target = out if out is not None else cache_folder(cache, model, revision, quantization)
        if out is not None and out.exists() and any(out.iterdir()):
            raise ConfigError(f"--out {out}: folder exists and is not empty")
        path = convert_marian(source, target, quantization)
    typer.echo(f"{model} ({revision}) -> {path} [{quantization}]")
