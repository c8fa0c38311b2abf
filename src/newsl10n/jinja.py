"""The Jinja environment of the bundle pages: autoescaped, each template compiled once a process,
and no character the HTML standard forbids in a page (:func:`page_text`).

Compiling a page template costs about 30 ms; a run that writes many bundles (or a warm re-run
that only writes bundles from the translation memory) would otherwise pay it per bundle.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_NONCHARACTERS = "".join(chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(1, 17))
_NOT_IN_HTML = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff" + _NONCHARACTERS + "]")
"""Controls other than ASCII whitespace, and noncharacters: the HTML standard forbids them in a
document, as text or as a character reference."""


def _shown(char: str) -> str:
    """A C0 control as its Control Pictures symbol (U+2407 for BEL, U+241B for ESC, U+2421 for
    DEL), so a reader still sees that something was there; anything else as U+FFFD."""
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)
    return "\u2421" if code == 0x7F else "\ufffd"


def page_text(text: str) -> str:
    """``text`` with every character HTML forbids replaced (see :func:`_shown`), as the XLIFF
    writer writes those XML cannot hold as ``<cp>``."""
    return _NOT_IN_HTML.sub(lambda m: _shown(m.group()), text) if _NOT_IN_HTML.search(text) else text


def _finalize(value: Any) -> Any:
    """Every value a template prints, escaped or not, goes through :func:`page_text`."""
    if isinstance(value, str):
        from markupsafe import Markup

        cleaned = page_text(value)
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


def page_environment(*, i18n: bool = False) -> Any:
    """A new environment (callers may install their own gettext) over the shared compiled code."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("newsl10n", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"] if i18n else [],
        bytecode_cache=_compiled(i18n),
        finalize=_finalize,
    )


@lru_cache(maxsize=2)
def _compiled(i18n: bool) -> Any:
    """In-memory bytecode of the templates, one cache per extension set (the code differs)."""
    from jinja2 import BytecodeCache

    class MemoryBytecodeCache(BytecodeCache):
        def __init__(self) -> None:
            self.code: dict[str, bytes] = {}

        def load_bytecode(self, bucket) -> None:
            if bucket.key in self.code:
                bucket.bytecode_from_string(self.code[bucket.key])

        def dump_bytecode(self, bucket) -> None:
            self.code[bucket.key] = bucket.bytecode_to_string()

    return MemoryBytecodeCache()
