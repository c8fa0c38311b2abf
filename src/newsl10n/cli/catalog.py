"""``newsl10n catalog extract|update|compile``: gettext catalogs of the site's UI strings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..catalog import DOMAIN, compile_catalog, locale_folder, mo_path, po_path, read_catalog
from ..catalog_authoring import (
    TEMPLATE_NAME,
    catalog_stats,
    check_catalog,
    extract_template,
    needs_translation,
    po_bytes,
    prefill,
    read_mapping,
    update_catalog,
)
from ..config import load_config
from ..errors import ConfigError, InputError
from ..fileio import open_bytes, open_text, write_atomic
from ..locales import check_locale
from ..terms.files import Glossary, resolve_glossary
from ..terms.source import SourceTerms, text_constraints
from ..translate.base import make_translator
from ..translate.spec import engine_specs
from .common import App, ConfigOption, cli_errors, parse_locales, parse_model_overrides

catalog_app = App(
    help="UI string catalogs (gettext via Babel): extract, update with MT prefill, compile.",
    no_args_is_help=True,
)

ToOption = Annotated[
    Optional[str],
    typer.Option("--to", "-t", help="Locales, comma-separated (default: all in pipeline.yaml)."),
]


@catalog_app.command("extract")
def extract(
    mapping: Annotated[
        Path, typer.Option("--mapping", "-F", help="Babel mapping; paths in it are relative to its folder.")
    ] = Path("babel.cfg"),
    output: Annotated[
        Optional[Path], typer.Option("--output", "-o", help="Template to write (default: CATALOGS/messages.pot).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Extract the UI strings (page template, ingest.ui_strings) into messages.pot.

    Same messages as `pybabel extract -F babel.cfg -c Translators: -o locales/messages.pot .`
    run in the mapping's folder.
    """
    with cli_errors():
        cfg = load_config(config)
        method_map, options_map = read_mapping(open_text(mapping), source=str(mapping))
        template = extract_template(mapping.resolve().parent, method_map, options_map, source=str(mapping))
        if not len(template):
            raise InputError(f"{mapping}: no UI strings found in the files it maps")
        target = output or cfg.catalogs / TEMPLATE_NAME
        write_atomic(target, po_bytes(template))
    typer.echo(f"{len(template)} UI strings -> {target}")


@catalog_app.command("update")
def update(
    to: ToOption = None,
    model: Annotated[
        list[str],
        typer.Option("--model", "-m", help="LOCALE=ID_OR_PATH: the model that pre-fills new strings (repeatable)."),
    ] = [],
    template: Annotated[
        Optional[Path], typer.Option("--template", help="The .pot (default: CATALOGS/messages.pot).")
    ] = None,
    no_mt: Annotated[bool, typer.Option("--no-mt", help="Leave new strings empty; load no model.")] = False,
    plural_forms: Annotated[
        str,
        typer.Option(
            "--plural-forms",
            help="Plural-Forms of new catalogs: gettext (GNU gettext's, as msginit writes them; fr and es "
            "have 2 forms) or cldr (Unicode CLDR's rules; fr and es have 3).",
        ),
    ] = "gettext",
    config: ConfigOption = None,
) -> None:
    """Create or update CATALOGS/<locale>/LC_MESSAGES/messages.po from the template.

    New strings are machine-translated and marked fuzzy, with a comment naming the model; a
    translation a person made (not fuzzy) is never overwritten. A reworded string goes fuzzy
    with its previous msgid; a removed one becomes obsolete. Models load only when needed.
    """
    with cli_errors():
        cfg = load_config(config)
        locales = _locales(to, cfg)
        overrides = parse_model_overrides(model)
        unknown = set(overrides) - set(locales)
        if unknown:
            raise ConfigError(f"--model given for {', '.join(sorted(unknown))}, not among --to locales")
        catalogs = cfg.catalogs
        template_path = template or catalogs / TEMPLATE_NAME
        with open_bytes(template_path, hint="run `newsl10n catalog extract` first") as fh:
            pot = read_catalog(fh, source=str(template_path))
        updated = {}
        for locale in locales:
            path = po_path(catalogs, locale)
            existing = None
            if path.is_file():
                with open_bytes(path) as fh:
                    existing = read_catalog(fh, source=str(path), locale=_folder(locale))
            updated[locale] = (path, *update_catalog(pot, existing, locale, plural_forms))
        if not no_mt:
            _prefill_all(cfg, updated, overrides)
        for path, catalog, _ in updated.values():
            write_atomic(path, po_bytes(catalog))
    for locale, (path, catalog, result) in updated.items():
        stats = catalog_stats(catalog)
        typer.echo(
            f"{locale}: {'created' if result.created else 'updated'} {path}: "
            f"{len(result.added)} new ({len(result.prefilled)} machine-translated, fuzzy), "
            f"{len(result.reworded)} reworded (fuzzy), {len(result.obsolete)} obsolete; "
            f"{stats['translated']}/{stats['messages']} translated, {stats['fuzzy']} fuzzy"
        )


def _prefill_all(cfg, updated: dict, overrides: dict[str, str]) -> None:
    """Load a model only for the locales that have untranslated strings, and pre-fill them,
    with the run's glossary terms imposed as ``translate`` imposes them."""
    pending = [loc for loc, (_, catalog, _) in updated.items() if any(needs_translation(m) for m in catalog)]
    if not pending:
        return
    glossary = resolve_glossary(cfg)
    terms = SourceTerms(glossary if glossary is not None else Glossary())
    specs = engine_specs(cfg, pending, {k: v for k, v in overrides.items() if k in pending})
    for locale, spec in specs.items():
        translator = make_translator(spec)
        _, catalog, result = updated[locale]

        def translate(texts: list[str], translator=translator, locale=locale) -> list[str]:
            constraints = [text_constraints(terms, text, locale) for text in texts]
            return [t.text for t in translator.translate(texts, constraints=constraints)]

        prefill(catalog, translate, str(translator.describe().get("model", spec.model)), result)


@catalog_app.command("compile")
def compile_(
    to: ToOption = None,
    use_fuzzy: Annotated[bool, typer.Option("--use-fuzzy", help="Include fuzzy (unreviewed) translations.")] = False,
    config: ConfigOption = None,
) -> None:
    """Compile each locale's messages.po into messages.mo (fuzzy entries left out by default).

    Exits 1 when an entry fails Babel's checks (placeholders, plural forms).
    """
    with cli_errors():
        cfg = load_config(config)
        catalogs = cfg.catalogs
        locales = parse_locales_or_found(to, catalogs)
        compiled = []
        for locale in locales:
            path = po_path(catalogs, locale)
            with open_bytes(path, hint="run `newsl10n catalog update` first") as fh:
                catalog = read_catalog(fh, source=str(path), locale=_folder(locale))
            check_catalog(catalog, source=str(path), include_fuzzy=use_fuzzy)
            compiled.append((locale, mo_path(catalogs, locale), catalog, compile_catalog(catalog, use_fuzzy=use_fuzzy)))
        for _, target, _, data in compiled:
            write_atomic(target, data)
    for locale, target, catalog, _ in compiled:
        stats = catalog_stats(catalog)
        used = stats["translated"] + (stats["fuzzy"] if use_fuzzy else 0)
        left = "" if use_fuzzy else f" ({stats['fuzzy']} fuzzy left out)"
        typer.echo(f"{locale}: {used}/{stats['messages']} messages -> {target}{left}")


def parse_locales_or_found(to: str | None, catalogs: Path) -> list[str]:
    """--to locales, else every locale folder under ``catalogs`` that holds a messages.po."""
    if to:
        return parse_locales(to)
    found = sorted(p.parent.parent.name for p in catalogs.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    if not found:
        raise InputError(f"{catalogs}: no catalogs (*/LC_MESSAGES/{DOMAIN}.po); run `newsl10n catalog update`")
    return found


def _locales(to: str | None, cfg) -> list[str]:
    locales = parse_locales(to) if to else list(cfg.locales)
    if not locales:
        raise ConfigError("no locales: pass --to or list them under 'locales:' in pipeline.yaml")
    return [check_locale(loc) for loc in locales]


def _folder(locale: str) -> str:
    return locale_folder(locale)
