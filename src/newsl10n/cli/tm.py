"""``newsl10n tm``: the translation memory (export as TMX)."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..config import load_config
from ..errors import ConfigError
from ..fileio import write_atomic
from ..tm.store import memory_path, open_memory
from ..tm.tmx import export_tmx
from .common import ConfigOption, cli_errors

tm_app = typer.Typer(help="The translation memory.", no_args_is_help=True)

FORMATS = ("tmx",)


@tm_app.command("export")
def tm_export(
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default: stdout).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output format: tmx.")] = "tmx",
    locale: Annotated[Optional[str], typer.Option("--locale", "-l", help="Only this locale.")] = None,
    reviewed_only: Annotated[bool, typer.Option("--reviewed-only", help="Only human-reviewed entries.")] = False,
    tm: Annotated[
        Optional[Path],
        typer.Option("--tm", help="Memory file (default: tm.path in pipeline.yaml, else OUT/.newsl10n-tm.sqlite)."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Export the translation memory, e.g. as TMX 1.4 for a CAT tool."""
    with cli_errors():
        if fmt not in FORMATS:
            raise ConfigError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
        cfg, base = load_config(config)
        path = tm if tm is not None else memory_path(base / cfg.out, cfg.tm.path, base)
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
