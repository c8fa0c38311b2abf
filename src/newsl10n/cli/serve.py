"""``newsl10n serve``: the DeepL and LibreTranslate APIs over the configured models, glossary
and translation memory (:mod:`newsl10n.api`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..config import load_config
from ..engines import engine_choices, is_engine_name
from ..errors import ConfigError
from ..fileio import read_text
from ..terms.files import resolve_glossary
from .common import ConfigOption, GlossaryOption, NoGlossaryOption, cli_errors, parse_model_overrides
from .review import is_loopback, listen, run_server

KEYS_ENV = "NEWSL10N_API_KEYS"


def serve(
    host: Annotated[
        str, typer.Option("--host", help=f"Address to listen on; any but loopback requires keys (${KEYS_ENV} or --keys).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535, help="Port (0: any free one).")] = 5000,
    keys: Annotated[
        Optional[Path], typer.Option("--keys", help=f"File of API keys, one a line (with ${KEYS_ENV}, comma-separated).")
    ] = None,
    model: Annotated[
        list[str], typer.Option("--model", "-m", help="LOCALE=ID_OR_PATH: the model for one locale (repeatable).")
    ] = [],
    engine: Annotated[
        Optional[str], typer.Option("--engine", "-e", metavar="NAME", help="ctranslate2, transformers, an engine registered under newsl10n.engines, or a class as module:Class (default: pipeline.yaml).")
    ] = None,
    max_models: Annotated[
        int, typer.Option("--max-models", min=1, help="Models kept loaded at once; the least recently used goes.")
    ] = 5,
    rate_limit: Annotated[
        int, typer.Option("--rate-limit", min=0, help="Requests per minute per key (0: no limit); over it: 429.")
    ] = 0,
    quota: Annotated[
        int, typer.Option("--quota", min=0, help="Characters per key while the server runs (0: none); over it: 456.")
    ] = 0,
    glossary_folder: Annotated[
        Optional[Path],
        typer.Option(
            "--glossary-folder", help="Where glossaries made through the API are kept (default: OUT/.newsl10n-glossaries)."
        ),
    ] = None,
    batch_window: Annotated[
        float,
        typer.Option("--batch-window", min=0, max=1000,
                     help="Milliseconds an engine call waits, at most, for the clients the last call answered."),
    ] = 200.0,
    no_tm: Annotated[bool, typer.Option("--no-tm", help="Use no translation memory (neither read nor fill it).")] = False,
    glossary: GlossaryOption = [],
    no_glossary: NoGlossaryOption = False,
    config: ConfigOption = None,
) -> None:
    """Serve the DeepL API v2 (/v2/translate, /v2/languages, /v2/usage, /v2/glossaries) and the
    LibreTranslate API (/translate, /languages, /detect), backed by the locales' models (loaded
    on first use and kept), the glossary and the translation memory; GET /health.

    Ctrl+C (or SIGTERM) stops it after the requests in progress are answered.
    """
    with cli_errors():
        app, summary = build_app(
            config, host, keys, model, engine, max_models, rate_limit, quota, glossary_folder, batch_window / 1000.0,
            no_tm, glossary, no_glossary,
        )  # fmt: skip
        sock = listen(host, port)
    # requests in progress are answered before a stop
    run_server(app, sock, "serve", summary, lifespan="on", timeout_graceful_shutdown=60)


def build_app(
    config: Path | None, host: str, keys_file: Path | None, model: list[str], engine: str | None, max_models: int,
    rate: int, quota: int, glossary_folder: Path | None, window_s: float, no_tm: bool, glossary: list[Path],
    no_glossary: bool,
):  # fmt: skip
    """The application and a line describing it; every setting, model folder, the glossary and
    the memory are checked first (one-line errors)."""
    from ..api.access import Access
    from ..api.app import create_app
    from ..api.glossaries import GlossaryStore
    from ..api.languages import base as base_language
    from ..api.service import TranslationService, memory_for
    from ..qe.scoring import run_scorer
    from ..settings import RunSettings
    from ..translate.base import make_translator
    from ..translate.revision import check_spec_model
    from ..translate.spec import back_specs, engine_specs

    cfg = load_config(config)
    terms = resolve_glossary(cfg, glossary, enabled=not no_glossary)
    if engine is not None and not is_engine_name(engine):
        raise ConfigError(f"--engine {engine!r}: choose one of {engine_choices()}")
    overrides = parse_model_overrides(model)
    locales = list(dict.fromkeys([*cfg.locales, *overrides]))
    if not locales:
        raise ConfigError("no locales to serve: list them under 'locales:' in pipeline.yaml or pass --model LOCALE=...")
    settings = RunSettings.of(cfg, use_tm=not no_tm, overrides=overrides, engine=engine, glossary=terms)
    specs = engine_specs(cfg, locales, overrides, engine)
    for spec in specs.values():
        check_spec_model(spec)  # a missing model folder fails now, not on the first request
    api_keys = load_keys(keys_file)
    if not api_keys and not is_loopback(host):
        raise ConfigError(f"--host {host}: beyond loopback every request needs a key: set ${KEYS_ENV} or pass --keys FILE")
    service = TranslationService(
        cfg, specs, glossary=terms,
        store=GlossaryStore(glossary_folder or settings.out / ".newsl10n-glossaries", cfg.source_lang,
                            [base_language(loc) for loc in locales]),
        memory=memory_for(settings.memory if settings.use_tm else None),
        scorer=run_scorer(cfg, back_specs(cfg, specs), settings.memory, make_translator),
        max_models=max_models, window_s=window_s, factory=make_translator,
    )  # fmt: skip
    app = create_app(service, Access(api_keys, rate, quota))
    memory = service.memory.path if service.memory is not None else "none"
    summary = f"{len(locales)} locales ({', '.join(locales)}), {len(api_keys)} keys, memory {memory}"
    return app, summary


def load_keys(path: Path | None) -> tuple[str, ...]:
    """Keys from ${KEYS_ENV} (comma-separated) and ``path`` (one a line; blank lines and lines
    starting with # skipped)."""
    found = [k.strip() for k in os.environ.get(KEYS_ENV, "").split(",")]
    if path is not None:
        lines = read_text(path, what="keys file").splitlines()
        found += [line.strip() for line in lines if not line.strip().startswith("#")]
    return tuple(dict.fromkeys(k for k in found if k))
