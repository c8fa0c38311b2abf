"""What every command shares: the --config option and the one-line error exit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import NewsL10nError

ConfigOption = Annotated[
    Optional[Path],
    typer.Option("--config", "-c", help="Settings file (default: ./pipeline.yaml when present)."),
]


def fail(exc: NewsL10nError) -> typer.Exit:
    """Print ``error: <message>`` on stderr; the Exit carries the error's exit code."""
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(exc.exit_code)
