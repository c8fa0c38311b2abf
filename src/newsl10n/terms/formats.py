"""Glossaries in exchange formats: TBX (through translate-toolkit) and CSV (DeepL, Amazon Translate).

Strings and bytes in and out; files are opened by the CLI.

TBX keeps everything: one ``termEntry`` per entry (``id``); the source ``langSet`` holds the term
(``preferredTerm-admn-sts``), its variants (``admittedTerm-admn-sts``) and its misspellings
(``deprecatedTerm-admn-sts`` with a ``usageNote`` "correct to: ..."); each target ``langSet`` its
preferred, allowed and forbidden terms with the same three statuses. The note is a
``definition``; do-not-translate is ``<descrip type="Translation needed">no</descrip>``; case
sensitivity a ``<note from="newsl10n">case-sensitive</note>``.

CSV keeps the preferred terms only: a header row of locale codes, the source language first,
then one row per entry.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence

from ..errors import GlossaryError
from .files import Entry, Glossary, GlossaryFile, TargetTerms

PREFERRED, ADMITTED, DEPRECATED = "preferredTerm-admn-sts", "admittedTerm-admn-sts", "deprecatedTerm-admn-sts"
_CORRECTION = "correct to: "
_CASE_NOTE = "case-sensitive"
_NOTE_ORIGIN = "newsl10n"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def to_tbx(glossary: Glossary) -> bytes:
    from lxml import etree
    from translate.storage import tbx

    store = tbx.tbxfile(sourcelanguage=glossary.source_lang)
    for entry in glossary.entries:
        unit = store.addsourceunit(entry.source)
        unit.setid(entry.id)
        if entry.note:
            unit.set_common_note(entry.note, source=True)
        if entry.do_not_translate:
            descrip = etree.SubElement(unit.xmlelement, unit.namespaced("descrip"), type="Translation needed")
            descrip.text = "no"
        if entry.case_sensitive:
            unit.addnote(_CASE_NOTE, origin=_NOTE_ORIGIN)
        misspellings = list(entry.misspellings)
        unit.set_source_terms([*entry.source_terms, *misspellings], lang=glossary.source_lang)
        statuses = [PREFERRED] + [ADMITTED] * len(entry.variants) + [DEPRECATED] * len(misspellings)
        tigs = _mark(unit, unit.source_dom, statuses)
        for tig, wrong in zip(tigs[len(entry.source_terms) :], misspellings):
            note = etree.SubElement(tig, unit.namespaced("termNote"), type="usageNote")
            note.text = _CORRECTION + entry.misspellings[wrong]
        for locale, terms in entry.targets.items():
            allowed = [t for t in terms.allowed if t != terms.preferred]
            unit.set_target_terms([terms.preferred, *allowed, *terms.forbidden], lang=locale)
            _mark(unit, unit.get_target_dom(locale), [PREFERRED] + [ADMITTED] * len(allowed) + [DEPRECATED] * len(terms.forbidden))
    return bytes(store)


def _mark(unit, langset, statuses: Sequence[str]) -> list:
    from lxml import etree

    tigs = langset.findall(unit.namespaced("tig"))
    for tig, status in zip(tigs, statuses):
        note = etree.SubElement(tig, unit.namespaced("termNote"), type="administrativeStatus")
        note.text = status
    return tigs


def from_tbx(data: bytes, *, source: str = "TBX") -> GlossaryFile:
    """Entries of a TBX file. Terms without a status count as admitted (the first of a language
    as preferred), so TBX from other tools imports too."""
    from translate.storage import tbx

    try:
        store = tbx.tbxfile.parsestring(data)
    except Exception as exc:  # noqa: BLE001 - lxml and the toolkit raise many kinds
        raise GlossaryError(f"{source}: not a readable TBX file ({' '.join(str(exc).split())[:200]})") from None
    source_lang = store.sourcelanguage or "en"
    entries: list[Entry] = []
    for index, unit in enumerate(store.units, 1):
        source_terms = [t for t in unit.get_source_terms() if t.text]
        good = [t for t in source_terms if not t.deprecated]
        if not good:
            continue
        misspellings = {}
        for term in source_terms:
            if term.deprecated:
                usage = [n.text for n in term.notes if n.scope == "term" and n.text.startswith(_CORRECTION)]
                if usage:
                    misspellings[term.text] = usage[0][len(_CORRECTION) :]
        targets = {}
        for langset in unit.getlanguageNodes():
            lang = langset.get(_XML_LANG)
            if not lang or lang == source_lang or lang in targets:
                continue
            terms = [t for t in unit.get_target_terms(lang) if t.text]
            kept = [t.text for t in terms if not t.deprecated]
            if kept:
                preferred = next((t.text for t in terms if _status(t) == PREFERRED), kept[0])
                targets[lang] = TargetTerms(
                    preferred=preferred,
                    allowed=[t for t in kept if t != preferred],
                    forbidden=[t.text for t in terms if t.deprecated],
                )
        preferred_source = next((t.text for t in good if _status(t) == PREFERRED), good[0].text)
        notes = [n.text for n in unit.get_common_notes(source=True) if n.scope == "concept" and n.origin == "definition"]
        entry_id = unit.xmlelement.get("id") or f"{slug(preferred_source)}-{index}"
        entries.append(
            Entry(
                id=entry_id,
                source=preferred_source,
                variants=[t.text for t in good if t.text != preferred_source],
                misspellings=misspellings,
                do_not_translate=not unit.istranslatable(),
                case_sensitive=_CASE_NOTE in unit.getnotes(origin=_NOTE_ORIGIN).splitlines(),
                note=notes[0] if notes else "",
                targets=targets,
            )
        )
    return GlossaryFile(domain="imported", source_lang=source_lang, entries=entries)


def _status(term) -> str:
    return (term.administrative_status or "").strip()


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


def slug(text: str) -> str:
    """An entry id from a term: ASCII letters and digits joined by hyphens ("term" if none)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text)) or "term"


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
