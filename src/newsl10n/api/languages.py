"""Language codes as the APIs write them (DeepL: ``DE``, ``PT-BR``; LibreTranslate: ``de``)
and the configured locale each one names."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from ..locales import is_language_tag, match_locale


def base(code: str) -> str:
    """The language without region or script: ``pt-BR`` -> ``pt``."""
    return code.replace("_", "-").split("-")[0].lower()


def resolve(code: str, locales: Sequence[str]) -> str | None:
    """The configured locale ``code`` asks for (case does not matter): the pipeline's own match
    (:func:`~newsl10n.locales.match_locale`: the same tag, else a regional variant's language,
    ``PT-BR`` -> ``pt``, whose model serves it); else, for a bare language (``PT``), its one
    configured variant. None when no model serves it."""
    code = code.strip()
    if not is_language_tag(code):
        return None
    found = match_locale(code, locales)
    if found in locales:
        return found
    variants = [loc for loc in locales if base(loc) == base(code)]
    return variants[0] if "-" not in code.replace("_", "-") and len(variants) == 1 else None


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
