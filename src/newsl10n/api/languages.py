"""Language codes as the APIs write them (DeepL: ``DE``, ``PT-BR``; LibreTranslate: ``de``)
and the configured locale each one names."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache


def base(code: str) -> str:
    """The language without region or script: ``pt-BR`` -> ``pt``."""
    return code.replace("_", "-").split("-")[0].lower()


def resolve(code: str, locales: Sequence[str]) -> str | None:
    """The configured locale ``code`` asks for (case does not matter): the same code; else, for
    a regional variant (``PT-BR``), the locale of its language (a ``pt`` model serves it); else,
    for a bare language (``PT``), its one configured variant. None when no model serves it."""
    wanted = code.strip().replace("_", "-").lower()
    if not wanted:
        return None
    exact = {loc.replace("_", "-").lower(): loc for loc in locales}
    if wanted in exact:
        return exact[wanted]
    if "-" in wanted:
        return exact.get(base(wanted))
    variants = [loc for loc in locales if base(loc) == wanted]
    return variants[0] if len(variants) == 1 else None


def deepl_code(locale: str) -> str:
    return locale.replace("_", "-").upper()


@lru_cache(maxsize=64)
def english_name(code: str) -> str:
    """The language's English name from CLDR (Babel), or the code when CLDR does not know it."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code.replace("-", "_")).get_display_name("en") or code
    except (UnknownLocaleError, ValueError, TypeError):
        return code
