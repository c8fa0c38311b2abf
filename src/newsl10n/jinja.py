"""The Jinja environment of the bundle pages: autoescaped, each template compiled once a process.

Compiling a page template costs about 30 ms; a run that writes many bundles (or a warm re-run
that only writes bundles from the translation memory) would otherwise pay it per bundle.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


def page_environment(*, i18n: bool = False) -> Any:
    """A new environment (callers may install their own gettext) over the shared compiled code."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("newsl10n", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"] if i18n else [],
        bytecode_cache=_compiled(i18n),
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
