"""TBX, read and written with lxml: TBX v3 (ISO 30042:2019, ``<tbx>``, the TBX-Basic dialect)
and TBX 2 (``<martif>``). Bytes in and out; files are opened by the CLI.

One concept entry per glossary entry (``id``), with its subject field, definition and note; one
language section per language, the file's source language first, with its definition, note
and terms. Each term carries its part of speech, term type, context, note and administrative
status: preferred = the preferred term, admitted = allowed (variants in the source language),
deprecated and superseded = forbidden (in the source language: misspellings, with a note
"correct to: ...", or ``deprecated``). Reading, a term without a status is admitted (the first
of a language preferred). newsl10n's own flags are concept notes ("newsl10n: do not translate",
"newsl10n: case-sensitive"), as TBX-Basic has no data category for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ..errors import GlossaryError
from .files import Entry, Glossary, GlossaryFile, TargetTerms, TermInfo, slug

TBX3_NS = "urn:iso:std:iso:30042:ed-2"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STATUS = {"preferred": "preferredTerm-admn-sts", "admitted": "admittedTerm-admn-sts",
          "deprecated": "deprecatedTerm-admn-sts", "superseded": "supersededTerm-admn-sts"}  # fmt: skip
_FORBIDDEN = ("deprecated", "superseded")
_CORRECTION = "correct to: "
_DNT, _CASE = "newsl10n: do not translate", "newsl10n: case-sensitive"
_NAMES = {3: ("tbx", "tbxHeader", "conceptEntry", "langSec", "termSec"), 2: ("martif", "martifHeader", "termEntry", "langSet", "tig")}
_TERM_NOTES = (("part_of_speech", "partOfSpeech"), ("term_type", "termType"))


@dataclass(frozen=True)
class TbxImport:
    model: GlossaryFile
    problems: list[str] = field(default_factory=list)
    """Concepts (and language sections) left out, one line each."""


# -- writing ----------------------------------------------------------------------------------


def to_tbx(glossary: Glossary, version: int = 2) -> bytes:
    """The glossary as TBX v3 (TBX-Basic, ``version=3``) or TBX 2 (``martif``)."""
    from lxml import etree

    names = _NAMES[version]
    q = (lambda n: f"{{{TBX3_NS}}}{n}") if version == 3 else (lambda n: n)
    attrs = {"style": "dca", "type": "TBX-Basic"} if version == 3 else {"type": "TBX-Basic"}
    root = etree.Element(q(names[0]), {**attrs, _XML_LANG: glossary.source_lang}, nsmap={None: TBX3_NS} if version == 3 else None)
    header = etree.SubElement(root, q(names[1]))
    source_desc = etree.SubElement(etree.SubElement(header, q("fileDesc")), q("sourceDesc"))
    etree.SubElement(source_desc, q("p")).text = "newsl10n glossary"
    body = etree.SubElement(etree.SubElement(root, q("text")), q("body"))
    for entry in glossary.entries:
        concept = etree.SubElement(body, q(names[2]), id=entry.id)
        _descrip(concept, q, "subjectField", entry.subject_field)
        _descrip(concept, q, "definition", entry.definition)
        flags = [_DNT] * entry.do_not_translate + [_CASE] * entry.case_sensitive
        for text in [entry.note, *flags]:
            _note(concept, q, text)
        source = [(t, "preferred" if t == entry.source else "admitted") for t in entry.source_terms]
        source += [(t, "deprecated") for t in [*entry.misspellings, *entry.deprecated]]
        notes = {wrong: _CORRECTION + right for wrong, right in entry.misspellings.items()}
        _lang_section(concept, q, names, glossary.source_lang, entry.source_definition, entry.source_note, source,
                      entry.source_info, notes)  # fmt: skip
        for locale, terms in entry.targets.items():
            listed = [(terms.preferred, "preferred")] + [(t, "admitted") for t in terms.allowed if t != terms.preferred]
            listed += [(t, "deprecated") for t in terms.forbidden]
            _lang_section(concept, q, names, locale, terms.definition, terms.note, listed, terms.terms, {})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _lang_section(concept, q, names, lang, definition, note, terms, info, notes) -> None:
    from lxml import etree

    section = etree.SubElement(concept, q(names[3]), {_XML_LANG: lang})
    _descrip(section, q, "definition", definition)
    _note(section, q, note)
    for text, status in terms:
        details = info.get(text) or TermInfo()
        term_sec = etree.SubElement(section, q(names[4]))
        etree.SubElement(term_sec, q("term")).text = text
        for key, kind in _TERM_NOTES:
            if getattr(details, key):
                etree.SubElement(term_sec, q("termNote"), type=kind).text = getattr(details, key)
        status = details.status or status
        etree.SubElement(term_sec, q("termNote"), type="administrativeStatus").text = STATUS[status]
        _descrip(term_sec, q, "context", details.context)
        _note(term_sec, q, details.note)
        _note(term_sec, q, notes.get(text, ""))


def _descrip(parent, q, kind: str, text: str) -> None:
    from lxml import etree

    if text:
        etree.SubElement(parent, q("descrip"), type=kind).text = text


def _note(parent, q, text: str) -> None:
    from lxml import etree

    if text:
        etree.SubElement(parent, q("note")).text = text


# -- reading ----------------------------------------------------------------------------------


def read_tbx(data: bytes, *, source: str = "TBX") -> TbxImport:
    """Entries of a TBX v3 or TBX 2 file, in its source language (``xml:lang`` of the root);
    a concept without a term in that language is left out and reported."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise GlossaryError(f"{source}: not a readable TBX file ({exc.msg}, line {exc.lineno})") from None
    local = etree.QName(root).localname
    if local not in ("tbx", "martif"):
        raise GlossaryError(f"{source}: not a TBX file (root <{local}>, expected <tbx> or <martif>)")
    version = 3 if local == "tbx" else 2
    source_lang = root.get(_XML_LANG) or "en"
    entries, problems = [], []
    for index, concept in enumerate(_children(root, _NAMES[version][2], deep=True), 1):
        entry, missing = _entry(concept, version, source_lang, index)
        problems.extend(f"{source}: concept {concept.get('id') or index}: {m}" for m in missing)
        if entry is not None:
            entries.append(entry)
    return TbxImport(GlossaryFile(domain="imported", source_lang=source_lang, entries=entries), problems)


def from_tbx(data: bytes, *, source: str = "TBX") -> GlossaryFile:
    return read_tbx(data, source=source).model


def _children(element, name: str, deep: bool = False) -> Iterator:
    for child in element.iter() if deep else element:
        if isinstance(child.tag, str) and child.tag.split("}")[-1] == name:
            yield child


def _entry(concept, version: int, source_lang: str, index: int) -> tuple[Entry | None, list[str]]:
    names = _NAMES[version]
    sections = [(s.get(_XML_LANG) or "", s) for s in _children(concept, names[3])]
    own = [s for lang, s in sections if lang == source_lang] or [
        s for lang, s in sections if lang.split("-")[0] == source_lang.split("-")[0]
    ]
    terms = [t for s in own for t in _terms(s, names[4])]
    good = [t for t in terms if t[1] not in _FORBIDDEN]
    if not good:
        return None, [f"no {source_lang} term: left out"]
    preferred = next((t for t in good if t[1] == "preferred"), good[0])[0]
    misspellings = {t[0]: t[3][len(_CORRECTION):] for t in terms if t[1] in _FORBIDDEN and t[3].startswith(_CORRECTION)}
    notes = _texts(concept, "note")
    targets, problems = {}, []
    for lang, section in sections:
        if section in own or lang in targets:
            continue
        found = list(_terms(section, names[4]))
        kept = [t for t in found if t[1] not in _FORBIDDEN]
        if not kept:
            problems.append(f"{lang}: no term that is not deprecated: language left out")
            continue
        first = next((t for t in kept if t[1] == "preferred"), kept[0])[0]
        targets[lang] = TargetTerms(
            preferred=first, allowed=[t[0] for t in kept if t[0] != first], forbidden=[t[0] for t in found if t[1] in _FORBIDDEN],
            definition=_first(section, "definition"), note="\n".join(_texts(section, "note")),
            terms={t[0]: t[2] for t in found if t[2] != TermInfo()},
        )  # fmt: skip
    source_info = {t[0]: t[2] for t in terms if t[2] != TermInfo()}
    entry = Entry(
        id=concept.get("id") or f"{slug(preferred)}-{index}",
        source=preferred,
        variants=[t[0] for t in good if t[0] != preferred],
        misspellings=misspellings,
        deprecated=[t[0] for t in terms if t[1] in _FORBIDDEN and t[0] not in misspellings],
        do_not_translate=_DNT in notes or _first(concept, "Translation needed") == "no",
        case_sensitive=_CASE in notes or "case-sensitive" in notes,
        note="\n".join(n for n in notes if n not in (_DNT, _CASE, "case-sensitive")),
        targets=targets,
        definition=_first(concept, "definition"),
        subject_field=_first(concept, "subjectField"),
        source_definition="\n".join(_first(s, "definition") for s in own if _first(s, "definition")),
        source_note="\n".join(n for s in own for n in _texts(s, "note")),
        source_info=source_info,
    )
    return entry, problems


def _terms(section, term_name: str) -> Iterator[tuple[str, str, TermInfo, str]]:
    """(term, status, details, correction note) of each term of a language section."""
    for term_sec in _children(section, term_name):
        term = next(_children(term_sec, "term"), None)
        text = "".join(term.itertext()).strip() if term is not None else ""
        if not text:
            continue
        notes = {n.get("type"): (n.text or "").strip() for n in _children(term_sec, "termNote")}
        raw = notes.get("administrativeStatus", "")
        status = next((k for k, v in STATUS.items() if v == raw), "")
        own_notes = _texts(term_sec, "note") + ([notes["usageNote"]] if "usageNote" in notes else [])
        correction = next((n for n in own_notes if n.startswith(_CORRECTION)), "")
        details = TermInfo(
            part_of_speech=notes.get("partOfSpeech", ""), term_type=notes.get("termType", ""),
            status="superseded" if status == "superseded" else "", context=_first(term_sec, "context"),
            note="\n".join(n for n in own_notes if n != correction),
        )  # fmt: skip
        yield text, status, details, correction


def _texts(element, name: str) -> list[str]:
    return ["".join(n.itertext()).strip() for n in _children(element, name)]


def _first(element, kind: str) -> str:
    """The text of the element's first ``descrip`` of type ``kind`` (in a descripGrp too)."""
    for descrip in _children(element, "descrip"):
        if descrip.get("type") == kind:
            return " ".join("".join(descrip.itertext()).split())
    for group in _children(element, "descripGrp"):
        found = _first(group, kind)
        if found:
            return found
    return ""
