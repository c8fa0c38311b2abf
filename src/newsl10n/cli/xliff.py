"""``newsl10n import-xliff``: bring a translator's post-edited XLIFF back into its bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..config import load_config
from ..edits import EditSettings
from ..edits import import_xliff as apply_xliff
from ..errors import OutputError
from ..fileio import read_bytes
from ..tm.store import memory_path
from ..terms.files import resolve_glossary
from ..terms.source import SourceTerms
from .common import GlossaryOption, NoGlossaryOption, cli_errors


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
    glossary: GlossaryOption = [],
    no_glossary: NoGlossaryOption = False,
) -> None:
    """Apply post-edits: edited segments replace the machine output and are marked reviewed.

    The bundle (article files, segments.json, article.xlf, review.html) is rewritten atomically
    and the reviewed segments stored in the translation memory, both or neither; each edited
    segment's glossary terms are checked again (a post-edit that drops one is reported
    violated), and a later `translate` run keeps reviewed segments. A unit that someone else
    changed in the bundle since the file was made is refused, and nothing is saved.
    """
    with cli_errors():
        cfg = load_config(config)
        data = read_bytes(file, what="XLIFF file")
        target = bundle or file.parent
        if target.resolve() in (Path.cwd().resolve(), *Path.cwd().resolve().parents):
            raise OutputError(
                f"{target}: the bundle folder holds the current folder; run import-xliff from outside it "
                "(the bundle is replaced as a whole)"
            )
        terms = resolve_glossary(cfg, glossary, enabled=not no_glossary)
        settings = EditSettings(
            qa=cfg.qa, catalogs=cfg.catalogs, terms=SourceTerms(terms) if terms is not None else None,
            memory=memory_path(target.parent.parent, cfg.tm.path) if cfg.tm.enabled else None,
        )  # fmt: skip
        result = apply_xliff(data, source=str(file), bundle=target, settings=settings)
    typer.echo(
        f"{result.bundle}: {result.changed} segments edited, "
        f"{result.reviewed} of {result.total} reviewed"
    )

