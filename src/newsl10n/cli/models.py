"""``newsl10n models``: build random test models, convert Marian models to CTranslate2, build
vocabulary shortlists."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..config import load_config
from ..errors import ConfigError
from ..fileio import read_text, write_atomic
from ..locales import check_locale
from ..terms.files import glossary_target_lines, resolve_glossary
from ..testsupport.randommodels import ARCHITECTURES, build_random_marian
from ..translate.ct2_models import VMAP_FILE, cache_folder, convert_marian, model_revision
from ..translate.shortlist import build_shortlist
from ..translate.spec import EngineSpec
from .common import App, ConfigOption, cli_errors

models_app = App(help="Manage translation models.", no_args_is_help=True)

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
        cfg = load_config(config)
        if size not in ARCHITECTURES:
            raise ConfigError(f"--size {size!r}: choose one of {', '.join(ARCHITECTURES)}")
        for locale in locales:
            check_locale(locale)
            target = out / f"{cfg.source_lang}-{locale}"
            if not force and target.is_dir() and any(target.iterdir()):
                raise ConfigError(f"{target}: folder exists and is not empty (pass --force to replace the model)")
        lines = [cfg.source_lang, *_read_corpus(corpus)]
        glossary = resolve_glossary(cfg)
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
        cfg = load_config(config)
        cache = cfg.ctranslate2.models_cache
        source, revision = model_revision(model, None, cache, download=True)
        target = out if out is not None else cache_folder(cache, model, revision, quantization)
        if out is not None and out.exists() and any(out.iterdir()):
            raise ConfigError(f"--out {out}: folder exists and is not empty")
        path = convert_marian(source, target, quantization)
    typer.echo(f"{model} ({revision}) -> {path} [{quantization}]")


@models_app.command("shortlist")
def models_shortlist(
    model: Annotated[str, typer.Argument(help="Marian model (hub id or local folder) or CTranslate2 folder.")],
    corpus: Annotated[list[Path], typer.Option("--corpus", help="Monolingual source text, a sentence a line.")],
    to: Annotated[
        Optional[str], typer.Option("--to", help="Target locale: its glossary terms are always allowed.")
    ] = None,
    target_token: Annotated[
        Optional[str], typer.Option("--target-token", help="Token the model wants first, e.g. >>ara<<.")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=0, help="Most frequent target pieces always allowed.")] = 500,
    config: ConfigOption = None,
) -> None:
    """Build the vocabulary shortlist (CTranslate2's vmap.txt) of a model from a corpus.

    The corpus is translated once (with pipeline.yaml's decoding settings); each source piece is
    mapped to the target pieces its translations used. The map is written next to the converted
    model in the models cache; `ctranslate2.use_vmap: true` decodes over it. It is off by default
    until its quality is measured on a real model. Run it again after changing the corpus.
    """
    from ..translate.ct2 import CT2Translator

    with cli_errors():
        cfg = load_config(config)
        lines = _corpus_lines(corpus)
        terms: list[str] = []
        if to is not None:
            check_locale(to)
            terms = glossary_target_lines(resolve_glossary(cfg), to)
        cache = cfg.ctranslate2.models_cache
        ct2 = cfg.ctranslate2.model_copy(update={"models_cache": cache, "use_vmap": False})
        spec = EngineSpec("ctranslate2", model, cfg.source_lang, to or "und", cfg.decoding, target_token, ct2)
        engine = CT2Translator.load(spec)
        shortlist = build_shortlist(engine, lines, terms, top=top, unkeyed=[target_token] if target_token else [])
        path = engine.model.path / VMAP_FILE
        write_atomic(path, "".join(line + "\n" for line in shortlist.lines()))
        allowed = [len(shortlist.candidates(tokens)) for tokens in engine.encode(lines)]
    typer.echo(
        f"{model}: shortlist of {len(lines)} corpus lines -> {path} "
        f"({len(shortlist.always)} pieces always allowed; a corpus line allows "
        f"{sorted(allowed)[len(allowed) // 2]} of {len(engine.vocab)} pieces, median)"
    )
    typer.echo("the memory's key records use_vmap, not the map: clear it if it holds translations of another map")


def _corpus_lines(paths: list[Path]) -> list[str]:
    lines = [line for path in paths for line in read_text(path, what="corpus file").splitlines() if line.strip()]
    if not lines:
        raise ConfigError(f"--corpus {' '.join(map(str, paths))}: no text to translate")
    return lines
