"""Locale codes: validation and text direction, through Babel's CLDR data."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from .errors import ConfigError


@lru_cache(maxsize=256)
def _parse(code: str):
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def check_locale(code: str) -> str:
    """Return ``code`` if CLDR knows it, else raise :class:`ConfigError`."""
    if not isinstance(code, str) or _parse(code) is None:
        raise ConfigError(f"unknown locale code {code!r} (use a CLDR code such as de, fr, pt-BR)")
    return code


_TAG = re.compile(r"^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$")


def is_language_tag(tag: str) -> bool:
    """Whether ``tag`` has the shape of a BCP 47 language tag (letters first, then subtags of
    letters and digits): ``../../x`` is not one, and never becomes a locale or a folder name."""
    return bool(_TAG.match(tag))


def language_tag(tag: str) -> str:
    """A language tag in BCP 47's conventional case (``EN-us`` -> ``en-US``, ``zh-hant`` ->
    ``zh-Hant``, ``de_DE`` -> ``de-DE``): tags that differ only in case are the same tag."""
    return "-".join(_cased(tag.strip().replace("_", "-").split("-")))


def canonical_case(code: str) -> str:
    """A locale code in :func:`language_tag`'s case with its own separators (``DE`` -> ``de``,
    ``pt-br`` -> ``pt-BR``, ``ZH_hant_tw`` -> ``zh_Hant_TW``): one locale, one bundle folder,
    one glossary column, and a ``pt_BR`` of pipeline.yaml still found as written."""
    parts = re.split(r"([-_])", code)
    cased = _cased(parts[0::2])
    return "".join(part for pair in zip(cased, [*parts[1::2], ""]) for part in pair)


def _cased(parts: list[str]) -> list[str]:
    """Subtags in their conventional case: the language lower, a script title, a region upper."""
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha() or len(part) == 3 and part.isdigit():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return out


def match_locale(tag: str, locales: Iterable[str]) -> str:
    """The pipeline locale a language tag stands for: the same tag whatever its case, else the
    bare language when the pipeline has it (``de-DE`` -> ``de``); else the tag in its
    conventional case (:func:`language_tag`)."""
    canonical = language_tag(tag)
    by_tag = {language_tag(loc): loc for loc in locales}
    if canonical in by_tag:
        return by_tag[canonical]
    return by_tag.get(canonical.split("-")[0], canonical)


# ISO 15924 scripts written right to left that CLDR locales use.
RTL_SCRIPTS = frozenset({"Adlm", "Arab", "Hebr", "Mand", "Mend", "Nkoo", "Rohg", "Samr", "Syrc", "Thaa", "Yezi"})


def is_rtl(code: str) -> bool:
    """True for right-to-left scripts (Arabic, Hebrew, Persian, Urdu ...).

    Decided from the locale's script, or CLDR's likely script for it, which needs only Babel's
    global data: loading each locale's own data (``character_order``) costs ~50 ms a locale.
    """
    return script_of(code) in RTL_SCRIPTS


def script_of(code: str) -> str | None:
    """The ISO 15924 script ``code`` is written in: its own, else CLDR's likely script for it."""
    locale = _parse(code)
    return (locale.script or _likely_script(locale)) if locale else None


def _likely_script(locale) -> str | None:
    from babel.core import get_global

    likely = get_global("likely_subtags")
    for key in (f"{locale.language}_{locale.territory}", locale.language):
        for part in likely.get(key, "").split("_")[1:]:
            if len(part) == 4 and part.istitle():
                return part
    return None
