"""``newsl10n import-xliff``: bring a translator's post-edited XLIFF back into its bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import InputError, NewsL10nError


def import_xliff(
    file: Annotated[Path, typer.Argument(help="Edited XLIFF 2.0 file (article.xlf of a bundle).")],
    bundle: Annotated[
        Optional[Path],
        typer.Option("--bundle", "-b", help="Bundle folder OUT/<article>/<locale> (default: the file's folder)."),
    ] = None,
    config: Annotated[
        Optional[Path],
        typer.Option(
            "--config", "-c", help="Settings file: QA thresholds, UI catalogs (default: ./pipeline.yaml when present)."
        ),
    ] = None,
) -> None:
    """Apply post-edits: edited segments replace the machine output and are marked reviewed.

    The bundle (article files, segments.json, article.xlf, review.html) is rewritten atomically;
    a later `translate` run keeps reviewed segments instead of translating them again.
    """
    from .common import fail
    from ..config import load_config
    from ..postedit import import_xliff as apply_edits

    try:
        cfg, base = load_config(config)
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{file}: no such file") from None
        except OSError as exc:
            raise InputError(f"{file}: cannot read ({exc.strerror or exc})") from None
        result = apply_edits(
            data, source=str(file), bundle=bundle or file.parent, qa=cfg.qa, catalogs=base / cfg.catalogs
        )
        if cfg.tm.enabled:
            remember_reviewed(Path(result.bundle), cfg.tm.path, base)
    except NewsL10nError as exc:
        raise fail(exc) from None
    typer.echo(
        f"{result.bundle}: {result.changed} segments edited, "
        f"{result.reviewed} of {result.total} reviewed"
    )


def remember_reviewed(bundle: Path, configured: Path | None, base: Path) -> None:
    """Write the bundle's reviewed segments into the translation memory (OUT/.newsl10n-tm.sqlite
    or ``tm.path``), marked reviewed."""
    import json

    from ..tm import TranslationMemory, memory_path, store_reviewed

    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    segments = json.loads((bundle / "segments.json").read_text(encoding="utf-8"))["segments"]
    pairs = [(s["source"], s["target"]) for s in segments if s.get("reviewed")]
    with TranslationMemory(memory_path(bundle.parent.parent, configured, base)) as memory:
        store_reviewed(memory, manifest, pairs)
