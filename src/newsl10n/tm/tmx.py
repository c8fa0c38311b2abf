"""The translation memory as TMX, for CAT tools."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from .store import Entry


def export_tmx(entries: Iterator[Entry], fileobj: IO[bytes], source_lang: str) -> int:
    """Write ``entries`` as TMX 1.4 (translate-toolkit); returns the number of units."""
    from translate.storage.tmx import tmxfile

    store = tmxfile(sourcelanguage=source_lang)
    count = 0
    for entry in entries:
        store.addtranslation(entry.source, source_lang, entry.target, entry.locale)
        count += 1
    fileobj.write(bytes(store))
    return count
