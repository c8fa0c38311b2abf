"""``newsl10n tm``: the translation memory (export as TMX)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import ConfigError, NewsL10nError, OutputError
from .common import ConfigOption, fail

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
    from ..config import load_config
    from ..tm import export_tmx, memory_path, open_memory

    try:
        if fmt not in FORMATS:
            raise ConfigError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
        cfg, base = load_config(config)
        path = tm if tm is not None else memory_path(base / cfg.out, cfg.tm.path, base)
        with open_memory(path) as memory:
            entries = memory.entries(locale, reviewed_only=reviewed_only)
            if out is None:
                count = export_tmx(entries, sys.stdout.buffer, cfg.source_lang)
            else:
                try:
                    with out.open("wb") as fh:
                        count = export_tmx(entries, fh, cfg.source_lang)
                except OSError as exc:
                    raise OutputError(f"{out}: cannot write ({exc.strerror or exc})") from None
    except NewsL10nError as exc:
        raise fail(exc) from None
    if out is not None:
        typer.echo(f"{count} translation units -> {out}")
