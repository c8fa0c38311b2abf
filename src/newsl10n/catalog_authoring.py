"""Making and updating the UI string catalogs: extraction, merge, machine pre-fill, checks.

The msgids live in the page template (``{{ _("Leave a comment") }}``) and in pipeline.yaml's
``ingest.ui_strings``; ``babel.cfg`` maps both to extractors, so ``pybabel extract -F babel.cfg``
and :func:`extract_template` give the same messages. New strings are pre-filled by the MT
engine and marked fuzzy, and a string a person translated (not fuzzy) is never overwritten.
Reading a catalog for pages is :mod:`newsl10n.catalog`.
"""

from __future__ import annotations

import copy
import gettext
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from . import __version__
from .catalog import DOMAIN, CatalogError, first_msgid, locale_folder, message_line, ui_msgid
from .errors import NewsL10nError
from .pocheck import message_format_errors, unmatched_pattern
from .yamlio import StrictBoolLoader

TEMPLATE_NAME = f"{DOMAIN}.pot"
MAPPING_NAME = "babel.cfg"
UI_EXTRACTOR = "newsl10n_ui"
"""babel.cfg method name of :func:`extract_ui_strings` (a ``babel.extractors`` entry point)."""
COMMENT_TAGS = ("Translators:",)
COPYRIGHT = "the newsl10n authors"
MT_COMMENT_PREFIX = "Machine translation by"
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")


class CatalogCheckError(NewsL10nError):
    """A catalog entry fails Babel's checks (placeholders, plural forms)."""

    exit_code = 1


# ---------------------------------------------------------------- extraction


def read_mapping(fileobj: IO[str], *, source: str = MAPPING_NAME):
    """Parse a ``babel.cfg`` mapping into Babel's (method_map, options_map)."""
    from babel.messages.frontend import parse_mapping_cfg

    try:
        return parse_mapping_cfg(fileobj, filename=source)
    except Exception as exc:  # noqa: BLE001 - configparser raises many kinds
        raise CatalogError(f"{source}: malformed mapping: {exc}") from None


def extract_template(
    root: Path, method_map: Sequence[tuple[str, str]], options_map: dict, *, source: str = MAPPING_NAME
):
    """Extract every UI string under ``root`` into a template Catalog, as ``pybabel extract`` does.

    Locations are relative to ``root`` (run pybabel from the same folder with ``.`` as input).
    """
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(project="newsl10n", version=__version__, copyright_holder=COPYRIGHT, fuzzy=False)
    # The entry point works for pybabel once newsl10n is installed; name the function directly
    # here, so that extraction also works from a source checkout.
    own = f"{__name__}:{extract_ui_strings.__name__}"
    method_map = [(pattern, own if method == UI_EXTRACTOR else method) for pattern, method in method_map]
    seen: list[str] = []
    try:
        for filename, lineno, message, comments, context in extract_from_dir(
            str(root), method_map, options_map, comment_tags=COMMENT_TAGS,
            callback=lambda filename, method, options: seen.append(filename),
        ):  # fmt: skip
            catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    except CatalogError:
        raise
    except Exception as exc:  # noqa: BLE001 - an extractor failing on a file names that file
        raise CatalogError(f"{source}: extraction failed: {exc}") from None
    unmatched = unmatched_pattern(method_map, seen)
    if unmatched:  # strings would be missing, and the next update would make them obsolete
        raise CatalogError(f"{source}: pattern {unmatched!r} matches no file under {root}; nothing written")
    return catalog


def extract_ui_strings(fileobj: IO[bytes], keywords, comment_tags, options) -> Iterator[tuple]:
    """Babel extractor for pipeline.yaml: each ``ingest.ui_strings`` line is a msgid.

    Registered as the ``babel.extractors`` entry point ``newsl10n_ui``; babel.cfg maps it with
    ``[newsl10n_ui: pipeline.yaml]``.
    """
    import yaml


    root = yaml.compose(fileobj.read().decode("utf-8"), Loader=StrictBoolLoader)
    ingest = _mapping_value(root, "ingest")
    lines = _mapping_value(ingest, "ui_strings")
    if not isinstance(lines, yaml.SequenceNode):
        return
    for node in lines.value:
        if isinstance(node, yaml.ScalarNode) and node.value.strip():
            yield node.start_mark.line + 1, None, ui_msgid(node.value), ["A UI line of plain-text articles."]


def _mapping_value(node, key: str):
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value
    return None


# ---------------------------------------------------------------- writing .po


def write_catalog(fileobj: IO[bytes], catalog) -> None:
    """Write a .po/.pot with previous msgids and obsolete entries kept (what translators see)."""
    from babel.messages.pofile import write_po

    write_po(fileobj, catalog, width=76, include_previous=True)


def po_bytes(catalog) -> bytes:
    buf = io.BytesIO()
    write_catalog(buf, catalog)
    return buf.getvalue()


# ---------------------------------------------------------------- update


@dataclass
class UpdateResult:
    """What an update did to one locale's catalog (msgids)."""

    locale: str
    created: bool = False
    added: list[str] = field(default_factory=list)
    prefilled: list[str] = field(default_factory=list)
    reworded: list[str] = field(default_factory=list)
    obsolete: list[str] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)


PLURAL_FORMS = ("gettext", "cldr")
"""Where a new catalog's Plural-Forms come from: GNU gettext's conventions (as msginit and
translate-toolkit write them: French and Spanish have 2 forms), or Unicode CLDR's plural rules
(French and Spanish have 3: a form for millions)."""


def gettext_plural_forms(locale: str) -> tuple[int, str] | None:
    """GNU gettext's (nplurals, plural expression) for ``locale`` (translate-toolkit's table,
    which follows gettext's), None for a language it does not list."""
    from translate.lang.data import languages

    folder = locale_folder(locale)
    for key in (folder, folder.split("_")[0]):
        if key in languages:
            _, count, expression = languages[key]
            return count, expression
    return None


def new_catalog(template, locale: str, plural_forms: str = "gettext"):
    """An empty catalog for ``locale``; Plural-Forms as GNU gettext writes them, or from Babel's
    CLDR data (``plural_forms="cldr"``, and for languages gettext's table lacks)."""
    from babel.messages.catalog import Catalog

    if plural_forms not in PLURAL_FORMS:
        raise CatalogError(f"plural forms {plural_forms!r}: choose one of {', '.join(PLURAL_FORMS)}")
    catalog = Catalog(
        locale=locale_folder(locale),
        domain=DOMAIN,
        project=template.project,
        version=template.version,
        copyright_holder=COPYRIGHT,
        language_team=f"{locale} <{locale}@li.org>",
        last_translator="newsl10n catalog update",
        fuzzy=False,
    )
    gettext_rule = gettext_plural_forms(locale) if plural_forms == "gettext" else None
    if gettext_rule is not None:  # Babel's header setter is how a read catalog gets them too
        catalog.mime_headers = [("Plural-Forms", f"nplurals={gettext_rule[0]}; plural={gettext_rule[1]};")]
    return catalog


def update_catalog(template, existing, locale: str, plural_forms: str = "gettext") -> tuple[Any, UpdateResult]:
    """Merge ``template`` into ``existing`` (or a new catalog); no translation is made here.

    Babel keeps every translation of an unchanged msgid, marks a reworded one fuzzy with its
    previous msgid and moves removed ones to the obsolete entries. Babel's ``update`` adds the
    template's own message objects for new msgids, so it gets a copy: a prefill of one locale
    must never write into the template, and so into every other locale's catalog.
    """
    template = copy.deepcopy(template)
    result = UpdateResult(locale, created=existing is None)
    catalog = existing if existing is not None else new_catalog(template, locale, plural_forms)
    before = {m.id for m in catalog if m.id}
    before_obsolete = set(catalog.obsolete)
    previous = {m.id: m.previous_id for m in catalog if m.id and m.fuzzy and m.previous_id}
    catalog.update(template, no_fuzzy_matching=False, update_header_comment=False, keep_user_comments=True)
    for message in catalog:  # Catalog.update forgets the previous msgid of a still-fuzzy entry
        if message.fuzzy and not message.previous_id and message.id in previous:
            message.previous_id = previous[message.id]
    catalog.fuzzy = False
    for message in catalog:
        if not message.id or message.id in before:
            continue
        if message.previous_id:
            result.reworded.append(first_msgid(message.id))
        else:
            result.added.append(first_msgid(message.id))
    result.obsolete = [first_msgid(k) for k in catalog.obsolete if k not in before_obsolete]
    if result.created or result.added or result.reworded or result.obsolete:
        catalog.revision_date = datetime.now(timezone.utc)
    return catalog, result


def needs_translation(message) -> bool:
    """A message nobody (person or machine) translated yet."""
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return bool(message.id) and not message.fuzzy and not any(strings)


def prefill(catalog, translate: Callable[[list[str]], list[str]], model: str, result: UpdateResult) -> None:
    """Machine-translate every untranslated message of ``catalog``: fuzzy, with a comment naming ``model``.

    Plural messages get the singular's translation in the forms gettext uses for n == 1 and the
    plural's in the others. An output that loses a placeholder (``%(words)s``) is not used:
    that message stays untranslated, with a comment saying why.
    """
    messages = [m for m in catalog if needs_translation(m)]
    if not messages:
        return
    sources = list(dict.fromkeys(s for m in messages for s in _ids(m)))
    outputs = dict(zip(sources, translate(sources)))
    one_forms = _forms_for_one(catalog)
    for message in messages:
        ids = _ids(message)
        lost = [s for s in ids if sorted(_PLACEHOLDER.findall(s)) != sorted(_PLACEHOLDER.findall(outputs[s]))]
        if lost or not all(outputs[s].strip() for s in ids):
            message.user_comments.append(
                f"{MT_COMMENT_PREFIX} {model} dropped a placeholder or gave no text: translate by hand."
            )
            result.untranslated.append(ids[0])
            continue
        if message.pluralizable:
            message.string = tuple(
                outputs[ids[0] if i in one_forms else ids[1]] for i in range(catalog.num_plurals)
            )
        else:
            message.string = outputs[ids[0]]
        message.flags.add("fuzzy")
        message.user_comments.append(f"{MT_COMMENT_PREFIX} {model}: review, then remove the fuzzy flag.")
        result.prefilled.append(ids[0])


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


def _forms_for_one(catalog) -> set[int]:
    """Plural-form indexes used for n == 1 (the singular's translation goes there)."""
    plural = gettext.c2py(catalog.plural_expr)
    return {plural(1)}


# ---------------------------------------------------------------- checks


def check_catalog(catalog, *, source: str, include_fuzzy: bool = False) -> None:
    """Babel's checks (placeholders, number of plural forms) on the entries that get compiled, and
    a lone '%' that page rendering's %-formatting would crash on."""
    checked = dict((id(message), errors) for message, errors in catalog.check())
    for message in catalog:
        if (message.fuzzy and not include_fuzzy) or not message.id:
            continue
        errors = [*checked.get(id(message), ()), *message_format_errors(message)]
        if errors:
            raise CatalogCheckError(f"{source}:{message_line(message)}: msgid {first_msgid(message.id)!r}: {errors[0]}")


def catalog_stats(catalog) -> dict[str, int]:
    messages = [m for m in catalog if m.id]
    fuzzy = sum(1 for m in messages if m.fuzzy)
    translated = sum(1 for m in messages if not m.fuzzy and _complete(m))
    return {"messages": len(messages), "translated": translated, "fuzzy": fuzzy}


def _complete(message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return all(strings)
