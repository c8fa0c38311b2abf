"""XLIFF 2.0 for post-editing in CAT tools, written and read with translate-toolkit.

One ``<unit>`` per segment, with the segment id as its id; glossary terms and QA flags as
``<notes>``; ``state`` is ``translated`` for machine output and ``reviewed`` for post-edited
segments. translate-toolkit 3.20 puts ``<notes>`` inside ``<segment>``, where the XLIFF 2.0
schema does not allow them; they are moved to the start of the ``<unit>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice

from ..errors import InputError

XLIFF2_NS = "urn:oasis:names:tc:xliff:document:2.0"


@dataclass(frozen=True)
class EditedUnit:
    id: str
    source: str
    target: str
    state: str


def write_xliff(
    segments: Sequence[Mapping[str, object]], *, source_lang: str, target_lang: str, original: str
) -> bytes:
    """XLIFF 2.0 document for segments.json entries (id, source, target, reviewed, terms, qa)."""
    from lxml import etree
    from translate.storage import xliff2

    store = xliff2.Xliff2File(sourcelanguage=source_lang, targetlanguage=target_lang)
    for entry in segments:
        unit = store.addsourceunit(str(entry["source"]))
        unit.setid(str(entry["id"]))
        unit.target = str(entry["target"])
        unit.xmlelement.set("state", "reviewed" if entry.get("reviewed") else "translated")
        for note in segment_notes(entry):
            unit.addnote(note, origin="newsl10n")
    root = etree.fromstring(bytes(store))
    file_node = root.find(f"{{{XLIFF2_NS}}}file")
    if file_node is not None:
        file_node.set("original", original)
    _move_notes_to_units(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def xliff_chunks(
    segments: Iterable[Mapping[str, object]],
    *,
    source_lang: str,
    target_lang: str,
    original: str,
    units_per_chunk: int = 1000,
) -> Iterator[str]:
    """:func:`write_xliff`'s document as text, in pieces: built ``units_per_chunk`` units at a
    time and joined, so that a big article's XML tree (100,000 units for 20 MB) is never whole.

    Every chunk is the same document around other units, indented alike: the header comes from
    the first chunk, the end from the last.
    """
    options = {"source_lang": source_lang, "target_lang": target_lang, "original": original}
    entries = iter(segments)
    end = None
    while batch := list(islice(entries, units_per_chunk)):
        head, units, chunk_end = _split_units(write_xliff(batch, **options).decode("utf-8"))
        if end is None:
            yield head
        yield units
        end = chunk_end
    yield write_xliff([], **options).decode("utf-8") if end is None else end


def _split_units(document: str) -> tuple[str, str, str]:
    """(up to the first <unit> line, the <unit> lines, from the </file> line) of a document."""
    start = document.rindex("\n", 0, document.index("<unit")) + 1
    stop = document.rindex("\n", 0, document.rindex("</file>")) + 1
    return document[:start], document[start:stop], document[stop:]


def segment_notes(entry: Mapping[str, object]) -> list[str]:
    """Glossary terms, formatted runs and QA flags of one segment entry, one line each."""
    notes = [f"term: {_describe(term)}" for term in _as_list(entry.get("terms"))]
    notes.extend(f"markup: {run}" for run in _as_list(entry.get("markup")))
    for key in ("qa", "flags"):
        notes.extend(f"qa: {_describe(flag)}" for flag in _as_list(entry.get(key)))
    return notes


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [{"name": k, **v} if isinstance(v, Mapping) else f"{k}: {v}" for k, v in value.items()]
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _describe(item: object) -> str:
    """``source = target (status: ...)`` for a glossary term report, ``key: value, ...`` else."""
    if isinstance(item, Mapping):
        target = term_target(item)
        if "source" in item and target:
            rest = {k: v for k, v in item.items() if k not in ("source", "target", "expected")}
            extra = "".join(f" ({k}: {v})" for k, v in rest.items())
            return f"{item['source']} = {target}{extra}"
        return ", ".join(f"{k}: {v}" for k, v in item.items())
    return str(item)


def term_target(term: Mapping[str, object]) -> str:
    """The target form of a term report: ``target``, or the glossary's ``expected`` form."""
    return str(term.get("target") or term.get("expected") or "")


def _move_notes_to_units(root) -> None:
    for segment in root.iter(f"{{{XLIFF2_NS}}}segment"):
        notes = segment.find(f"{{{XLIFF2_NS}}}notes")
        if notes is not None:
            segment.remove(notes)
            segment.getparent().insert(0, notes)


def read_xliff(data: bytes, *, source: str) -> tuple[str, list[EditedUnit]]:
    """The target language and the units of an (edited) XLIFF 2.0 file."""
    from lxml import etree
    from translate.storage import xliff2

    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{source}: not well-formed XML ({exc.msg}, line {exc.lineno})") from None
    if root.tag != f"{{{XLIFF2_NS}}}xliff" or root.get("version", "").split(".")[0] != "2":
        raise InputError(f"{source}: not an XLIFF 2.0 file (expected <xliff version=\"2.0\">)")
    store = xliff2.Xliff2File.parsestring(data)
    units = []
    for unit in store.units:
        unit_id = unit.getid()
        if not unit_id:
            raise InputError(f"{source}: a <unit> has no id")
        state = unit.xmlelement.get("state") or ("translated" if unit.target else "initial")
        units.append(EditedUnit(unit_id, str(unit.source or ""), str(unit.target or ""), state))
    return root.get("trgLang") or "", units
