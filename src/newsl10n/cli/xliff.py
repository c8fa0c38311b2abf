"""``newsl10n import-xliff``: bring a translator's post-edited XLIFF back into its bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..bundle.postedit import import_xliff as apply_edits
from ..bundle.reader import load_bundle
from ..config import load_config
from ..errors import OutputError
from ..fileio import read_bytes
from ..tm.cached import store_reviewed
from ..tm.store import TranslationMemory, memory_path
from .common import cli_errors


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
    with cli_errors():
        cfg, base = load_config(config)
        data = read_bytes(file, what="XLIFF file")
        target = bundle or file.parent
        if target.resolve() in (Path.cwd().resolve(), *Path.cwd().resolve().parents):
            raise OutputError(
                f"{target}: the bundle folder holds the current folder; run import-xliff from outside it "
                "(the bundle is replaced as a whole)"
            )
        result = apply_edits(data, source=str(file), bundle=target, qa=cfg.qa, catalogs=base / cfg.catalogs)
        if cfg.tm.enabled:
            remember_reviewed(Path(result.bundle), cfg.tm.path, base)
    typer.echo(
        f"{result.bundle}: {result.changed} segments edited, "
        f"{result.reviewed} of {result.total} reviewed"
    )


def remember_reviewed(path: Path, configured: Path | None, base: Path) -> None:
    """Write the bundle's reviewed segments into the translation memory (OUT/.newsl10n-tm.sqlite
    or ``tm.path``), marked reviewed, under the engine signature its manifest records."""
    bundle = load_bundle(path)
    pairs = [(str(s["source"]), str(s["target"])) for s in bundle.segments if s.get("reviewed")]
    manifest = bundle.manifest
    with TranslationMemory(memory_path(path.parent.parent, configured, base)) as memory:
        store_reviewed(memory, manifest.signature, manifest.locale, manifest.glossary_hash or "", pairs)
