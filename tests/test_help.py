"""The help pages read like pybabel's or sacrebleu's: plain metavars, no type labels such as
``<bool>`` or ``<list[Path]>``, and paragraphs that wrap instead of breaking where the
docstring's lines happened to end (issue 25)."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from newsl10n.cli import app

WIDTH = 80
TYPE_LABEL = re.compile(r"<(?:bool|str|int|float|path|file|directory|tmx|list\[[^\]]*\])>")


def command_paths(command=None, prefix=()) -> list[tuple[str, ...]]:
    """Every command and group of the CLI, as the words that reach it (() is newsl10n itself)."""
    command = command or typer.main.get_command(app)
    paths = [prefix]
    for name, sub in getattr(command, "commands", {}).items():
        paths.extend(command_paths(sub, (*prefix, name)))
    return paths


def help_page(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=WIDTH)
    assert result.exit_code == 0, result.output
    return result.output


def early_breaks(page: str) -> list[str]:
    """Lines broken before the terminal's edge: the next line's first word would have fit. In
    the description every line of a paragraph continues the one before; in a section (Options:,
    Commands: ...) a line indented past the entries continues the entry's text."""
    found, section = [], False
    lines = page.splitlines()
    for line, following in zip(lines, lines[1:]):
        if re.fullmatch(r"[A-Z][A-Za-z ]*:", line):
            section = True
        indent = len(following) - len(following.lstrip())
        term_only = section and "  " not in line.strip()  # an entry too long for the column: its text below
        continues = following.strip() and line.strip() and not term_only
        continues = continues and (indent > 2 if section else not line.startswith("Usage:"))
        if continues and len(line.rstrip()) + 1 + len(following.split()[0]) <= WIDTH:
            found.append(f"{line.rstrip()!r} | {following.strip()!r}")
    return found


def test_the_checks_find_what_they_look_for():
    assert TYPE_LABEL.search("  --to  <str>  Locales") and not TYPE_LABEL.search("OUT/<article>/<locale>/")
    page = "Usage: x\n\n  Check each segment: numbers, loops,\n  quotes and brackets.\n\nOptions:\n  --a  One.\n  --b  Two,\n       three.\n"
    assert early_breaks(page) == ["'  Check each segment: numbers, loops,' | 'quotes and brackets.'", "'  --b  Two,' | 'three.'"]
    assert early_breaks("Options:\n  --a-very-long-option LONG_METAVAR\n                   Its text.\n") == []


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "newsl10n")
def test_help_pages_have_plain_metavars_and_wrapped_paragraphs(path):
    page = help_page(path)
    assert TYPE_LABEL.findall(page) == []
    assert early_breaks(page) == []


def test_translate_help_names_its_values():
    page = " ".join(help_page(("translate",)).split())
    for shown in ("Usage: newsl10n translate [OPTIONS] ARTICLES...", "-t, --to LOCALES", "-m, --model LOCALE=ID_OR_PATH",
                  "-o, --out DIR", "--cluster local:N", "pip install 'newsl10n[dask]'", "--no-tm Bypass"):  # fmt: skip
        assert shown in page, shown
