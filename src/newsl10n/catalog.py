"""Babel catalogs for the site's UI strings (page chrome and the UI lines of articles).

The msgids live in the page template (``{{ _("Leave a comment") }}``) and in pipeline.yaml's
``ingest.ui_strings``; ``babel.cfg`` maps both to extractors, so ``pybabel extract -F babel.cfg``
and :func:`extract_template` give the same messages. A locale's catalog is
``<catalogs>/<locale>/LC_MESSAGES/messages.po``; new strings are pre-filled by the MT engine and
marked fuzzy, and a string a person translated (not fuzzy) is never overwritten.
"""

from __future__ import annotations

import copy
import gettext
import hashlib
import io
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from . import __version__
from .errors import NewsL10nError
from .pocheck import message_format_errors, po_syntax_problem, unmatched_pattern
from .yamlio import StrictBoolLoader

DOMAIN = "messages"
TEMPLATE_NAME = f"{DOMAIN}.pot"
MAPPING_NAME = "babel.cfg"
UI_EXTRACTOR = "newsl10n_ui"
"""babel.cfg method name of :func:`extract_ui_strings` (a ``babel.extractors`` entry point)."""
COMMENT_TAGS = ("Translators:",)
COPYRIGHT = "the newsl10n authors"
MT_COMMENT_PREFIX = "Machine translation by"
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")

log = logging.getLogger(__name__)


class CatalogError(NewsL10nError):
    """A catalog or the extraction mapping cannot be read or written."""


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


def ui_msgid(line: str) -> str:
    """The msgid of a UI line of an article: the line with its whitespace collapsed."""
    return " ".join(line.split())


# ---------------------------------------------------------------- reading and writing .po


def read_catalog(fileobj: IO[bytes], *, source: str, locale: str | None = None):
    """Read a .po/.pot file object; a syntax error names ``source`` and the line."""
    from babel.messages.pofile import PoFileError, read_po

    data = fileobj.read()
    try:
        catalog = read_po(io.BytesIO(data), locale=locale, abort_invalid=True)
    except PoFileError as exc:
        raise CatalogError(f"{source}: malformed catalog: {exc}") from None
    except LookupError as exc:  # the header names a charset Python does not know
        raise CatalogError(f"{source}: cannot read catalog: {exc} (use charset=UTF-8)") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise CatalogError(f"{source}: cannot read catalog: {exc}") from None
    problem = po_syntax_problem(data)  # what Babel reads leniently and msgfmt refuses
    if problem:
        raise CatalogError(f"{source}:{problem[0]}: malformed catalog: {problem[1]}")
    for message in [*catalog, *catalog.obsolete.values()]:
        _restore_previous_id(message)
    return catalog


def _restore_previous_id(message) -> None:
    """Babel's reader keeps ``#| msgid "..."`` lines as translator comments ("| msgid ...");
    turn them back into the previous msgid, so a rewrite keeps them where gettext expects them."""
    from babel.messages.pofile import unescape

    previous: list[str] = []
    kept: list[str] = []
    for comment in message.user_comments:
        keyword, _, rest = comment.partition(" ")
        if keyword in ("|", "|msgid") and rest.startswith(("msgid ", "msgid_plural ")):
            previous.append(unescape(rest.split(" ", 1)[1].strip()))
        elif comment.startswith('| "') and previous:
            previous[-1] += unescape(comment[1:].strip())
        else:
            kept.append(comment)
    if previous:
        message.previous_id = previous
        message.user_comments = kept


def write_catalog(fileobj: IO[bytes], catalog) -> None:
    """Write a .po/.pot with previous msgids and obsolete entries kept (what translators see)."""
    from babel.messages.pofile import write_po

    write_po(fileobj, catalog, width=76, include_previous=True)


def po_bytes(catalog) -> bytes:
    buf = io.BytesIO()
    write_catalog(buf, catalog)
    return buf.getvalue()


def locale_folder(locale: str) -> str:
    """Folder name of a locale under the catalogs folder (gettext style: pt_BR)."""
    from babel import Locale

    return str(Locale.parse(locale.replace("-", "_")))


def po_path(catalogs: Path, locale: str) -> Path:
    return catalogs / locale_folder(locale) / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(catalogs: Path, locale: str) -> Path:
    return po_path(catalogs, locale).with_suffix(".mo")


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


def new_catalog(template, locale: str):
    """An empty catalog for ``locale``; Plural-Forms comes from Babel's CLDR data."""
    from babel.messages.catalog import Catalog

    return Catalog(
        locale=locale_folder(locale),
        domain=DOMAIN,
        project=template.project,
        version=template.version,
        copyright_holder=COPYRIGHT,
        language_team=f"{locale} <{locale}@li.org>",
        last_translator="newsl10n catalog update",
        fuzzy=False,
    )


def update_catalog(template, existing, locale: str) -> tuple[Any, UpdateResult]:
    """Merge ``template`` into ``existing`` (or a new catalog); no translation is made here.

    Babel keeps every translation of an unchanged msgid, marks a reworded one fuzzy with its
    previous msgid and moves removed ones to the obsolete entries. Babel's ``update`` adds the
    template's own message objects for new msgids, so it gets a copy: a prefill of one locale
    must never write into the template, and so into every other locale's catalog.
    """
    template = copy.deepcopy(template)
    result = UpdateResult(locale, created=existing is None)
    catalog = existing if existing is not None else new_catalog(template, locale)
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
            result.reworded.append(_first(message.id))
        else:
            result.added.append(_first(message.id))
    result.obsolete = [_first(k) for k in catalog.obsolete if k not in before_obsolete]
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


def _first(msgid) -> str:
    return msgid[0] if isinstance(msgid, (list, tuple)) else msgid


def _forms_for_one(catalog) -> set[int]:
    """Plural-form indexes used for n == 1 (the singular's translation goes there)."""
    plural = gettext.c2py(catalog.plural_expr)
    return {plural(1)}


# ---------------------------------------------------------------- checks and compile


def check_catalog(catalog, *, source: str, include_fuzzy: bool = False) -> None:
    """Babel's checks (placeholders, number of plural forms) on the entries that get compiled, and
    a lone '%' that page rendering's %-formatting would crash on."""
    checked = dict((id(message), errors) for message, errors in catalog.check())
    for message in catalog:
        if (message.fuzzy and not include_fuzzy) or not message.id:
            continue
        errors = [*checked.get(id(message), ()), *message_format_errors(message)]
        if errors:
            raise CatalogCheckError(f"{source}:{_lineno(message)}: msgid {_first(message.id)!r}: {errors[0]}")



def _lineno(message) -> str:
    return str(message.lineno) if getattr(message, "lineno", None) else "?"


def compile_catalog(catalog, *, use_fuzzy: bool = False) -> bytes:
    """The .mo bytes of ``catalog``; fuzzy entries are left out unless ``use_fuzzy``."""
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=use_fuzzy)
    return buf.getvalue()


def catalog_stats(catalog) -> dict[str, int]:
    messages = [m for m in catalog if m.id]
    fuzzy = sum(1 for m in messages if m.fuzzy)
    translated = sum(1 for m in messages if not m.fuzzy and _complete(m))
    return {"messages": len(messages), "translated": translated, "fuzzy": fuzzy}


def _complete(message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return all(strings)


# ---------------------------------------------------------------- UI strings for pages


class _WarnMissing(gettext.NullTranslations):
    """Fallback at the end of the chain: the English msgid, with one warning per msgid."""

    def __init__(self, locale: str, source: str, *, quiet: bool = False):
        super().__init__()
        self.locale, self.source, self.quiet = locale, source, quiet
        self.missing: list[str] = []

    def _warn(self, msgid: str) -> None:
        if msgid not in self.missing:
            self.missing.append(msgid)
            if not self.quiet:
                log.warning("%s: no translation of UI string %r in %s; kept in English", self.locale, msgid, self.source)

    def gettext(self, message: str) -> str:
        self._warn(message)
        return message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        self._warn(msgid1)
        return msgid1 if n == 1 else msgid2


@dataclass
class UIStrings:
    """One locale's UI translations, with the English msgid (and a warning) where one is missing."""

    locale: str
    source: str
    translations: gettext.NullTranslations
    fallback: _WarnMissing
    sha256: str | None = None  # of the compiled catalog: bundles made with other UI strings are not current

    @classmethod
    def from_mo(cls, fileobj: IO[bytes] | None, *, locale: str, source: str) -> UIStrings:
        fallback = _WarnMissing(locale, source, quiet=fileobj is None)
        if fileobj is None:
            return cls(locale, source, fallback, fallback)
        try:
            translations = gettext.GNUTranslations(io.BytesIO(data := fileobj.read()))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise CatalogError(f"{source}: not a valid .mo file ({exc})") from None
        translations.add_fallback(fallback)
        return cls(locale, source, translations, fallback, "sha256:" + hashlib.sha256(data).hexdigest())

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    @property
    def missing(self) -> list[str]:
        return self.fallback.missing


def load_ui_strings(catalogs: Path, locale: str) -> UIStrings:
    """The UI translations of ``locale`` under ``catalogs``.

    The compiled ``messages.mo`` when it is at least as new as ``messages.po``; else the .po,
    compiled in memory (fuzzy entries left out). With neither, every UI string stays English
    (one warning). A broken file raises :class:`CatalogError` naming it.
    """
    po, mo = po_path(catalogs, locale), mo_path(catalogs, locale)
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return UIStrings.from_mo(fh, locale=locale, source=str(mo))
    if po.is_file():
        with po.open("rb") as fh:
            catalog = read_catalog(fh, source=str(po), locale=locale_folder(locale))
        for message in (m for m in catalog if m.id and not m.fuzzy and message_format_errors(m)):
            error = message_format_errors(message)[0]  # page rendering %-formats it: refuse now, exit 2
            raise CatalogError(f"{po}:{_lineno(message)}: msgid {_first(message.id)!r}: {error}")
        return UIStrings.from_mo(io.BytesIO(compile_catalog(catalog)), locale=locale, source=str(po))
    log.warning("%s: no UI catalog at %s; UI strings stay in English", locale, po)
    return UIStrings.from_mo(None, locale=locale, source=str(po))


def chrome_msgids(template_source: str) -> set[str]:
    """The msgids a Jinja2 template holds (its page chrome)."""
    return set(_template_msgids(template_source))


@lru_cache(maxsize=8)
def _template_msgids(template_source: str) -> frozenset[str]:
    """Parsing a template takes tens of milliseconds, and every bundle asks for the same one."""
    from jinja2.ext import babel_extract

    found = babel_extract(io.BytesIO(template_source.encode("utf-8")), ("_", "gettext", "ngettext"), (), {})
    return frozenset(_first(messages) for _, _, messages, _ in found if messages)
