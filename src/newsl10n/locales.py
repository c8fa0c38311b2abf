"""Locale codes: validation and text direction, through Babel's CLDR data."""

from __future__ import annotations

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
