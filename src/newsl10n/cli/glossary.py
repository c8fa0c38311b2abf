"""``newsl10n glossary check|export|import|forms``: term files at the command line.

This module handles paths, printing and exit codes; the work is done in ``terms/files.py``,
``terms/formats.py``, ``terms/tbx.py`` and ``terms/source.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..config import load_config
from ..errors import ConfigError, GlossaryError, InputError
from ..fileio import write_atomic
from ..terms.files import check_glossary_text, glossary_paths, load_glossary, require_valid
from ..terms.formats import from_csv, read_tbx, to_csv, to_tbx, to_yaml
from ..terms.source import SourceTerms
from .common import App, ConfigOption, cli_errors

PathsArgument = Annotated[
    Optional[list[Path]],
    typer.Argument(help="Term files or folders (default: 'glossaries' in pipeline.yaml)."),
]
FORMATS = ("tbx", "csv")

glossary_app = App(help="Check, export and import glossaries (term files).", no_args_is_help=True)


def _paths(paths: list[Path] | None, config: Path | None) -> list[Path]:
    if paths:
        return paths
    found = glossary_paths(load_config(config))
    if not found:
        raise ConfigError("no glossary: pass term files or folders, or list them under 'glossaries:' in pipeline.yaml")
    return found


@glossary_app.command("check")
def check(paths: PathsArgument = None, config: ConfigOption = None) -> None:
    """Validate term files: one line per problem (FILE:LINE: ENTRY: MESSAGE); exit 1 on any."""
    with cli_errors():
        glossary, problems = load_glossary(_paths(paths, config))
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        typer.echo(f"{len(problems)} problem{'s' if len(problems) > 1 else ''} found", err=True)
        raise typer.Exit(1)
    files = len(glossary.files)
    typer.echo(f"ok: {len(glossary)} entries in {files} file{'s' if files != 1 else ''}, {glossary.content_hash}")


@glossary_app.command("export")
def export(
    paths: PathsArgument = None,
    format: Annotated[str, typer.Option("--format", "-f", help="tbx (everything) or csv (preferred terms).")] = "tbx",
    tbx_version: Annotated[
        int, typer.Option("--tbx-version", help="3: TBX v3, TBX-Basic (ISO 30042:2019); 2: TBX 2 (<martif>).")
    ] = 3,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output file (default: standard output).")] = None,
    locales: Annotated[
        Optional[str], typer.Option("--locales", "-l", help="CSV columns, comma-separated (default: every locale).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Write a glossary as TBX or as CSV with a header row of locale codes (DeepL, Amazon Translate)."""
    with cli_errors():
        if format not in FORMATS:
            raise ConfigError(f"--format {format!r}: choose one of {', '.join(FORMATS)}")
        if tbx_version not in (2, 3):
            raise ConfigError(f"--tbx-version {tbx_version}: choose 3 (TBX v3) or 2 (TBX 2)")
        glossary = require_valid(_paths(paths, config))
        columns = [c.strip() for c in locales.split(",") if c.strip()] if locales else None
        data = to_tbx(glossary, tbx_version) if format == "tbx" else to_csv(glossary, columns).encode("utf-8")
        if out is None:
            typer.echo(data.decode("utf-8"), nl=False)
        else:
            write_atomic(out, data)


@glossary_app.command("import")
def import_(
    source: Annotated[Path, typer.Argument(help="A .tbx file, or a .csv file with a header row of locale codes.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The term file to write (YAML).")],
    domain: Annotated[Optional[str], typer.Option(help="The file's domain (default: the output file's name).")] = None,
) -> None:
    """Convert a TBX or CSV glossary into a term file, and check it."""
    with cli_errors():
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
        suffix = source.suffix.lower()
        if suffix == ".tbx":
            imported = read_tbx(data, source=str(source))
            for problem in imported.problems:
                typer.echo(f"warning: {problem}", err=True)
            model, summary = imported.model, imported.summary()
        elif suffix == ".csv":
            try:
                model = from_csv(data.decode("utf-8"), source=str(source))
            except UnicodeDecodeError:
                raise InputError(f"{source}: not valid UTF-8") from None
            summary = f"{len(model.entries)} rows read, {len(model.entries)} imported"
        else:
            raise InputError(f"{source}: unknown format {suffix or '(no extension)'!r}: expected .tbx or .csv")
        text = to_yaml(model.model_copy(update={"domain": domain or out.stem}))
        problems = check_glossary_text(text, source=str(out))
        if problems:
            raise GlossaryError(f"{source}: the imported entries are not valid: {problems[0]}")
        write_atomic(out, text.encode("utf-8"))
    typer.echo(f"{source}: {summary} -> {out}")


@glossary_app.command("forms")
def forms(
    entry_id: Annotated[str, typer.Argument(metavar="ID", help="The entry's id.")],
    locale: Annotated[str, typer.Option("--locale", "-l", help="The target locale (ru, de, ar, pt-BR ...).")],
    paths: PathsArgument = None,
    config: ConfigOption = None,
) -> None:
    """Show what the term check accepts for an entry in a locale: one line per form, KIND<TAB>FORM
    (preferred, allowed, generated, lemmas, proclitics, forbidden)."""
    with cli_errors():
        terms = SourceTerms(require_valid(_paths(paths, config)))
        if entry_id not in terms.entries:
            raise InputError(f"no entry {entry_id!r} in the glossary")
        accepted = terms.accepted(entry_id, locale)
        if accepted is None:
            raise InputError(f"entry {entry_id!r} has no term for locale {locale!r}")
    for kind, form in accepted:
        typer.echo(f"{kind}\t{form}")
