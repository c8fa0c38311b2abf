"""The site's UI strings at run time: read a locale's catalog and give pages its translations.

A locale's catalog is ``<catalogs>/<locale>/LC_MESSAGES/messages.po`` (compiled to
``messages.mo`` by ``catalog compile``). Bundles take the .mo when it is at least as new as the
.po, else the .po compiled in memory; a string the catalog lacks stays English, with a warning.
Making and updating catalogs (extraction, machine pre-fill, checks) is
:mod:`newsl10n.catalog_authoring`.
"""

from __future__ import annotations

import gettext
import hashlib
import io
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO

from .errors import NewsL10nError
from .pocheck import message_format_errors, po_syntax_problem

DOMAIN = "messages"

log = logging.getLogger(__name__)


class CatalogError(NewsL10nError):
    """A catalog or the extraction mapping cannot be read or written."""


def ui_msgid(line: str) -> str:
    """The msgid of a UI line of an article: the line with its whitespace collapsed."""
    return " ".join(line.split())


# ---------------------------------------------------------------- reading .po, paths, compiling


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


def locale_folder(locale: str) -> str:
    """Folder name of a locale under the catalogs folder (gettext style: pt_BR)."""
    from babel import Locale

    return str(Locale.parse(locale.replace("-", "_")))


def po_path(catalogs: Path, locale: str) -> Path:
    return catalogs / locale_folder(locale) / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(catalogs: Path, locale: str) -> Path:
    return po_path(catalogs, locale).with_suffix(".mo")


def compile_catalog(catalog, *, use_fuzzy: bool = False) -> bytes:
    """The .mo bytes of ``catalog``; fuzzy entries are left out unless ``use_fuzzy``."""
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=use_fuzzy)
    return buf.getvalue()


def first_msgid(msgid) -> str:
    return msgid[0] if isinstance(msgid, (list, tuple)) else msgid


def message_line(message) -> str:
    return str(message.lineno) if getattr(message, "lineno", None) else "?"


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
        return cls(locale, source, translations, fallback, _content_hash(translations))

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    @property
    def missing(self) -> list[str]:
        return self.fallback.missing


def _content_hash(translations: gettext.GNUTranslations) -> str:
    """sha256 of what pages are made from: the messages and the plural rule, not the header's
    dates (a .po without POT-Creation-Date compiles with the current time: hashing the .mo bytes
    made a resumed run see a changed catalog each minute)."""
    digest = hashlib.sha256(translations.info().get("plural-forms", "").encode("utf-8"))
    messages = translations._catalog.items()  # type: ignore[attr-defined]  # keys: msgid, or (msgid, n) for plurals
    for message in sorted((repr(item) for item in messages if item[0] != ""), key=str):
        digest.update(message.encode("utf-8", "surrogatepass") + b"\0")
    return "sha256:" + digest.hexdigest()


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
            raise CatalogError(f"{po}:{message_line(message)}: msgid {first_msgid(message.id)!r}: {error}")
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
    return frozenset(first_msgid(messages) for _, _, messages, _ in found if messages)
