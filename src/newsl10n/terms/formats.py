"""Glossaries in exchange formats: CSV (DeepL, Amazon Translate) and the YAML of term files;
TBX lives in :mod:`newsl10n.terms.tbx` (re-exported here).

Strings and bytes in and out; files are opened by the CLI.

CSV keeps the preferred terms only: a header row of locale codes, the source language first,
then one row per entry.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from ..errors import GlossaryError
from .files import Entry, Glossary, GlossaryFile, TargetTerms, slug
from .tbx import from_tbx, read_tbx, to_tbx

__all__ = ["from_csv", "from_tbx", "read_tbx", "slug", "to_csv", "to_tbx", "to_yaml"]


def to_csv(glossary: Glossary, locales: Sequence[str] | None = None) -> str:
    """Header of locale codes (source language first), one row of preferred terms per entry."""
    locales = list(locales) if locales else glossary.locales()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([glossary.source_lang, *locales])
    for entry in glossary.entries:
        row = [entry.source]
        for locale in locales:
            terms = entry.targets.get(locale)
            row.append(terms.preferred if terms else (entry.source if entry.do_not_translate else ""))
        writer.writerow([_inert(cell) for cell in row])
    return out.getvalue()


def _inert(cell: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading "'"
    (OWASP's CSV injection advice), which spreadsheets show as text and do not display."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def from_csv(text: str, *, source: str = "CSV") -> GlossaryFile:
    """Entries from a CSV with a header row of locale codes; the first column is the source.
    Ids are made from the source term."""
    rows = [row for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) if any(cell.strip() for cell in row)]
    if not rows:
        raise GlossaryError(f"{source}: empty CSV (expected a header row of locale codes)")
    header = [cell.strip() for cell in rows[0]]
    if len(header) < 2 or not all(header):
        raise GlossaryError(f"{source}:1: header must name the source language and at least one target locale")
    entries: list[Entry] = []
    ids: set[str] = set()
    for number, row in enumerate(rows[1:], 2):
        if len(row) > len(header):
            raise GlossaryError(f"{source}:{number}: {len(row)} cells, but the header names {len(header)} columns")
        cells = [cell.strip() for cell in row] + [""] * (len(header) - len(row))
        if not cells[0]:
            raise GlossaryError(f"{source}:{number}: the source term (column {header[0]!r}) is empty")
        entry_id = base = slug(cells[0])
        n = 2
        while entry_id in ids:
            entry_id, n = f"{base}-{n}", n + 1
        ids.add(entry_id)
        targets = {loc: TargetTerms(preferred=term) for loc, term in zip(header[1:], cells[1:]) if term}
        entries.append(Entry(id=entry_id, source=cells[0], targets=targets))
    return GlossaryFile(domain="imported", source_lang=header[0], entries=entries)


def to_yaml(model: GlossaryFile) -> str:
    """A term file for ``glossaries/`` (keys with their default value left out)."""
    import yaml

    data = model.model_dump(mode="json", exclude_defaults=True)
    for entry in data.get("entries", []):
        for locale, terms in entry.get("targets", {}).items():
            if set(terms) == {"preferred"}:
                entry["targets"][locale] = terms["preferred"]  # the shorthand
    data.setdefault("source_lang", model.source_lang)
    ordered = {k: data[k] for k in ("domain", "source_lang", "description", "entries") if k in data}
    return yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False, width=100)
