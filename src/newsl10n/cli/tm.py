"""``newsl10n tm``: the translation memory (export as TMX, import from TMX)."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..config import load_config
from ..errors import ConfigError
from ..fileio import read_bytes, write_atomic
from ..tm.store import TranslationMemory, memory_path, open_memory
from ..tm.tmx import export_tmx, read_tmx
from .common import App, ConfigOption, cli_errors

tm_app = App(help="The translation memory.", no_args_is_help=True)

FORMATS = ("tmx",)


TmOption = Annotated[
    Optional[Path],
    typer.Option("--tm", help="Memory file (default: tm.path in pipeline.yaml, else OUT/.newsl10n-tm.sqlite)."),
]


@tm_app.command("import")
def tm_import(
    file: Annotated[Path, typer.Argument(help="A TMX file (1.4), e.g. exported from a CAT tool or by `tm export`.")],
    tm: TmOption = None,
    config: ConfigOption = None,
) -> None:
    """Seed the translation memory from a TMX file: each target language of a unit is stored as
    reviewed (unless a newsl10n TMX says a unit was not), with the file's name as its origin.
    Language tags are stored as the locales of pipeline.yaml they name (de-DE as de)."""
    with cli_errors():
        cfg = load_config(config)
        data = read_bytes(file, what="TMX file")
        found = read_tmx(data, source=str(file), origin=file.name, source_lang=cfg.source_lang, locales=cfg.locales)
        path = tm if tm is not None else memory_path(cfg.out, cfg.tm.path)
        if found.entries:
            with TranslationMemory(path) as memory:
                memory.add(found.entries)
    typer.echo(f"{file}: {found.summary()} -> {path}")


@tm_app.command("export")
def tm_export(
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default: stdout).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output format: tmx.")] = "tmx",
    locale: Annotated[Optional[str], typer.Option("--locale", "-l", help="Only this locale.")] = None,
    reviewed_only: Annotated[bool, typer.Option("--reviewed-only", help="Only human-reviewed entries.")] = False,
    tm: TmOption = None,
    config: ConfigOption = None,
) -> None:
    """Export the translation memory, e.g. as TMX 1.4b for a CAT tool."""
    with cli_errors():
        if fmt not in FORMATS:
            raise ConfigError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
        cfg = load_config(config)
        path = tm if tm is not None else memory_path(cfg.out, cfg.tm.path)
        with open_memory(path) as memory:
            entries = memory.entries(locale, reviewed_only=reviewed_only)
            buffer = io.BytesIO()
            count = export_tmx(entries, buffer, cfg.source_lang)
        if out is None:
            sys.stdout.buffer.write(buffer.getvalue())
        else:
            write_atomic(out, buffer.getvalue())
    if out is not None:
        typer.echo(f"{count} translation units -> {out}")
