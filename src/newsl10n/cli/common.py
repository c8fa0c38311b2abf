"""What every command shares: the common options, the locale and model arguments, and the one
way a project error becomes a one-line message and an exit code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..batch import unique_locales
from ..errors import ConfigError, NewsL10nError
from ..locales import canonical_case

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
    """Print ``error: <message>`` on stderr; the Exit carries the error's exit code."""
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(exc.exit_code)


@contextmanager
def cli_errors() -> Iterator[None]:
    """Turn a project error raised inside the block into ``error: <message>`` and its exit code
    (2 for usage and input errors), with no traceback."""
    try:
        yield
    except NewsL10nError as exc:
        raise fail(exc) from None


def parse_locales(value: str) -> list[str]:
    locales = unique_locales(value.split(","))
    if not locales:
        raise ConfigError("--to needs at least one locale, e.g. --to de,fr")
    return locales


def parse_model_overrides(values: list[str]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for value in values:
        locale, sep, ref = value.partition("=")
        if not sep or not locale.strip() or not ref.strip():
            raise ConfigError(f"--model {value!r}: expected LOCALE=ID_OR_PATH, e.g. de=models/en-de")
        overrides[canonical_case(locale.strip())] = ref.strip()
    return overrides
