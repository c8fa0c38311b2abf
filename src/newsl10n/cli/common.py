"""What every command shares: the common options, the locale and model arguments, the one way a
project error becomes a one-line message and an exit code, and plain help pages (:class:`App`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from ..batch import unique_locales
from ..errors import ConfigError, NewsL10nError
from ..locales import canonical_case

ConfigOption = Annotated[
    Optional[Path],
    typer.Option("--config", "-c", metavar="FILE", help="Settings file (default: ./pipeline.yaml when present)."),
]
GlossaryOption = Annotated[
    list[Path],
    typer.Option(
        "--glossary", "-g", metavar="PATH",
        help="Term file or folder, instead of 'glossaries' in pipeline.yaml (repeatable).",
    ),
]  # fmt: skip
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


# --- plain help --------------------------------------------------------------------------------


class PlainCommand(TyperCommand):
    """A command whose help reads like pybabel's or sacrebleu's: a plain metavar after each option
    that takes a value (its own, else its name: ``--out OUT``; none for a flag), no type labels
    such as ``<str>``, and the docstring's paragraphs wrapped to the terminal."""

    def format_options(self, ctx: typer.Context, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                arguments.append((_argument_metavar(param), param.help or ""))
            elif isinstance(param, TyperOption) and not param.hidden:
                if param.metavar is None and not param.is_flag:
                    param.metavar = _option_metavar(param)
                record = param.get_help_record(ctx)
                if record is not None:
                    options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = _argument_metavar(param)
                pieces.append(name if param.required else f"[{name}]")
        return pieces


class PlainGroup(TyperGroup):
    """A group whose command list shows each command's first sentence whole, wrapped."""

    def format_commands(self, ctx: typer.Context, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class App(typer.Typer):
    """A Typer app of :class:`PlainGroup` and :class:`PlainCommand`: plain help, no Rich boxes."""

    def __init__(self, **options: Any) -> None:
        super().__init__(cls=PlainGroup, rich_markup_mode=None, add_completion=False, **options)

    def command(self, *args: Any, **options: Any) -> Any:
        options.setdefault("cls", PlainCommand)
        return super().command(*args, **options)


def _argument_metavar(param: TyperArgument) -> str:
    name = param.metavar or (param.name or "").upper()
    return f"{name}..." if param.nargs != 1 and not name.endswith("...") else name


def _option_metavar(param: TyperOption) -> str:
    """``[a|b]`` for a choice, else the option's long name (``--out`` -> ``OUT``)."""
    described = param.type_descriptor
    if described.is_choice and described.choices:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in described.choices) + "]"
    long = [o for o in param.opts if o.startswith("--")] or param.opts
    return long[0].lstrip("-").replace("-", "_").upper()
