"""Test helpers shared by the test modules: a translate run from a config file, ``newsl10n
translate`` through the CLI runner, and a bundle built from values as ``translate`` builds it
(:func:`newsl10n.bundle.build.build_bundle`), so that no test restates how a bundle is made."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from typer.testing import CliRunner

from newsl10n.bundle.build import build_bundle, localize
from newsl10n.bundle.store import bundle_dir, write_bundle
from newsl10n.config import load_config
from newsl10n.model import SourceArticle, TermReport
from newsl10n.pipeline import RunResult, run_translate
from newsl10n.settings import RunSettings

TEST_ENGINE = {"engine": "test", "model": "none"}
"""The engine description of a bundle built from values (no model made it)."""


def translate_run(config_file: Path | None, items: Sequence, locales: Sequence[str], **options) -> RunResult:
    """``run_translate`` with the settings of ``config_file`` and the command line's ``options``
    (:meth:`RunSettings.of`'s keywords; ``reporter`` and ``executor`` go to the run)."""
    run_options = {k: options.pop(k) for k in ("reporter", "executor") if k in options}
    settings = RunSettings.of(load_config(config_file), **options)
    return run_translate(settings, list(items), list(locales), **run_options)


def cli_translate(*args: object) -> str:
    """``newsl10n translate ARGS`` through the CLI runner; asserts it succeeded, returns its output."""
    from newsl10n.cli import app

    result = CliRunner().invoke(app, ["translate", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result.output


def make_bundle(
    out: Path,
    source: SourceArticle,
    locale: str,
    targets: Mapping[str, str],
    *,
    engine: Mapping[str, object] = TEST_ENGINE,
    terms: Mapping[str, TermReport] | None = None,
    reviewed: Collection[str] = (),
    confidence: Mapping[str, float] | None = None,
    glossary_hash: str | None = None,
    **recorded: object,
) -> Path:
    """The bundle OUT/<article>/<locale> of ``source`` translated as ``targets`` says (segment id
    -> target), written as ``newsl10n translate`` writes it; ``recorded``: other manifest fields."""
    localized = localize(source.article, locale, targets, None, reviewed, terms)
    if confidence:
        localized = replace(localized, confidence=confidence)
    bundle = bundle_dir(out, source.article.name, locale)
    write_bundle(bundle, build_bundle(source, localized, engine, glossary_hash=glossary_hash, **recorded))
    return bundle
