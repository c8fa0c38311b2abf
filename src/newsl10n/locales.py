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


def is_rtl(code: str) -> bool:
    """True for right-to-left scripts (Arabic, Hebrew, Persian, Urdu ...)."""
    locale = _parse(code)
    return bool(locale and locale.character_order == "right-to-left")
