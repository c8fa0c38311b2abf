"""TBX, read and written with lxml: TBX v3 (ISO 30042:2019, ``<tbx>``, the TBX-Basic dialect,
its DCA and DCT styles, and TBX-Core/TBX-Min) and TBX 2 (``<martif>``, ``tig`` and ``ntig``).
Bytes in and out; files are opened by the CLI.

One concept entry per glossary entry (``id``), with its subject field, definitions and notes;
one language section per language, the file's source language first, with its definitions,
notes and terms. Each term carries its part of speech, term type, context, notes and
administrative status: preferred = the preferred term, admitted = allowed (variants in the
source language), deprecated and superseded = forbidden (in the source language:
misspellings, with a note "correct to: ...", or ``deprecated``), never accepted. A term without
a status is accepted (the first of a language preferred) and written back without one; a
status the term's place does not say is kept in the term's ``status`` (:class:`TermInfo`).
newsl10n's own flags are concept notes ("newsl10n: do not translate", "newsl10n:
case-sensitive"), as TBX-Basic has no data category for them.

Reading, language tags are matched without regard to case (BCP 47), and a concept is left out,
and counted by reason, when it has no usable term in the source language or no other language.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..errors import ConfigError, GlossaryError
from ..locales import check_locale, language_tag
from .files import Entry, Glossary, GlossaryFile, TargetTerms, TermInfo, slug
from .schema import Texts, texts

TBX3_NS = "urn:iso:std:iso:30042:ed-2"
_TBX_NS_PREFIX = "urn:iso:std:iso:30042"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STATUS = {"preferred": "preferredTerm-admn-sts", "admitted": "admittedTerm-admn-sts",
          "deprecated": "deprecatedTerm-admn-sts", "superseded": "supersededTerm-admn-sts"}  # fmt: skip
_STATUS_OF = {
    **{value: key for key, value in STATUS.items()},
    **{key: key for key in STATUS},
    "standardizedTerm-admn-sts": "admitted", "legalTerm-admn-sts": "admitted", "regulatedTerm-admn-sts": "admitted",
    "notRecommended": "deprecated", "obsolete": "superseded",
}  # fmt: skip
_STATUS_CATEGORIES = ("administrativeStatus", "normativeAuthorization")
_FORBIDDEN = ("deprecated", "superseded")
_CORRECTION = "correct to: "
_DNT, _CASE = "newsl10n: do not translate", "newsl10n: case-sensitive"
_NAMES = {3: ("tbx", "tbxHeader", "conceptEntry", "langSec", "termSec"), 2: ("martif", "martifHeader", "termEntry", "langSet", "tig")}
_TERM_CONTAINERS = ("termSec", "tig", "ntig")
_GROUPS = ("descripGrp", "termNoteGrp", "adminGrp", "termGrp")
_DCA = ("descrip", "termNote", "admin")
_TERM_NOTES = (("part_of_speech", "partOfSpeech"), ("term_type", "termType"))


@dataclass(frozen=True)
class TbxImport:
    model: GlossaryFile
    problems: list[str] = field(default_factory=list)
    """Concepts (and language sections) left out, one line each."""
    read: int = 0
    """Concepts in the file."""
    skipped: Counter[str] = field(default_factory=Counter)
    """Concepts left out, by reason."""
    languages_skipped: Counter[str] = field(default_factory=Counter)
    """Language sections left out of imported concepts, by reason."""

    def summary(self) -> str:
        """``N concepts read, M imported, K skipped (reason, ...); L language sections left out (...)``."""
        line = f"{_count(self.read, 'concept')} read, {len(self.model.entries)} imported"
        if self.skipped:
            line += f", {sum(self.skipped.values())} skipped ({_reasons(self.skipped)})"
        if self.languages_skipped:
            left = _count(sum(self.languages_skipped.values()), "language section")
            line += f"; {left} left out ({_reasons(self.languages_skipped)})"
        return line


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _reasons(counts: Counter[str]) -> str:
    return ", ".join(f"{n} {why}" for why, n in sorted(counts.items()))


# -- writing ----------------------------------------------------------------------------------


def to_tbx(glossary: Glossary, version: int = 2) -> bytes:
    """The glossary as TBX v3 (TBX-Basic, DCA style, ``version=3``) or TBX 2 (``martif``)."""
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
        _note(concept, q, [*texts(entry.note), *flags])
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
        if status != "none":
            etree.SubElement(term_sec, q("termNote"), type="administrativeStatus").text = STATUS[status]
        _descrip(term_sec, q, "context", details.context)
        _note(term_sec, q, details.note)
        _note(term_sec, q, notes.get(text, ""))


def _descrip(parent, q, kind: str, value: Texts) -> None:
    from lxml import etree

    for text in texts(value):
        etree.SubElement(parent, q("descrip"), type=kind).text = text


def _note(parent, q, value: Texts) -> None:
    from lxml import etree

    for text in texts(value):
        etree.SubElement(parent, q("note")).text = text


# -- reading ----------------------------------------------------------------------------------


def read_tbx(data: bytes, *, source: str = "TBX") -> TbxImport:
    """Entries of a TBX v3 or TBX 2 file, in its source language (``xml:lang`` of the root).
    A concept without a usable term in that language, or with no other language, is left out
    and reported; two concepts with one id are refused (an XML ID is unique)."""
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
    source_lang = language_tag(root.get(_XML_LANG) or "en")
    concepts = list(_elements(root, _NAMES[version][2], deep=True))
    _refuse_duplicate_ids(concepts, source)
    entries, problems, skipped, languages = [], [], Counter(), Counter()
    for index, concept in enumerate(concepts, 1):
        entry, missing, reason = _entry(concept, version, source_lang, index)
        problems.extend(f"{source}: concept {concept.get('id') or index}: {m}" for m, _ in missing)
        if entry is None:
            skipped[reason] += 1
        else:
            entries.append(entry)
            languages.update(why for _, why in missing)
    model = GlossaryFile(domain="imported", source_lang=source_lang, entries=entries)
    return TbxImport(model, problems, len(concepts), skipped, languages)


def from_tbx(data: bytes, *, source: str = "TBX") -> GlossaryFile:
    return read_tbx(data, source=source).model


def _refuse_duplicate_ids(concepts: list, source: str) -> None:
    seen: dict[str, int] = {}
    for index, concept in enumerate(concepts, 1):
        cid = concept.get("id")
        if cid and cid in seen:
            raise GlossaryError(
                f"{source}: concepts {seen[cid]} and {index} both have id {cid!r} (an id names one concept)"
            )
        if cid:
            seen[cid] = index


def _elements(element, *names: str, deep: bool = False) -> Iterator:
    """Children (or descendants) with one of the local ``names``, in any namespace."""
    for child in element.iter() if deep else element:
        if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] in names:
            yield child


def _categories(element) -> Iterator[tuple[str, str]]:
    """(data category, text) of an element's own data, in order: DCA's ``descrip``, ``termNote``
    and ``admin`` by their ``type``, DCT's elements of a module namespace (``basic:definition``,
    ``min:administrativeStatus``) by name; in a group (``descripGrp`` ...) too."""
    for child in element:
        if not isinstance(child.tag, str):
            continue
        namespace, _, local = child.tag[1:].rpartition("}") if child.tag.startswith("{") else ("", "", child.tag)
        if local in _GROUPS:
            yield from _categories(child)
        elif namespace.startswith(_TBX_NS_PREFIX) or not namespace:
            if local in _DCA and child.get("type"):
                yield child.get("type"), _text(child)
        else:
            yield local, _text(child)


def _category(element, kind: str) -> list[str]:
    return [text for name, text in _categories(element) if name == kind and text]


def _notes(element) -> list[str]:
    """The ``note``s of an element, in its groups too."""
    found = [_text(n) for n in _elements(element, "note")]
    for group in _elements(element, *_GROUPS):
        found.extend(_notes(group))
    return [n for n in found if n]


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _one_or_list(values: list[str]) -> Texts:
    return values[0] if len(values) == 1 else (values or "")


def _entry(concept, version: int, source_lang: str, index: int) -> tuple[Entry | None, list[tuple[str, str]], str]:
    """The entry of one concept, what was left out of it (message, reason), and why the concept
    was left out ("" when it was not)."""
    sections = [(language_tag(s.get(_XML_LANG) or ""), s) for s in _elements(concept, _NAMES[version][3])]
    primary = source_lang.split("-")[0]
    own = [s for lang, s in sections if lang == source_lang] or [s for lang, s in sections if lang.split("-")[0] == primary]
    terms = [t for s in own for t in _terms(s)]
    good = [t for t in terms if t.status not in _FORBIDDEN]
    if not good:
        return None, [(f"no {source_lang} term: left out", "")], f"no {source_lang} term"
    targets, problems = _targets([(lang, s) for lang, s in sections if s not in own])
    notes = _notes(concept)
    do_not_translate = _DNT in notes or "no" in _category(concept, "Translation needed")
    if not targets and not do_not_translate:
        return None, [("no term in another language: left out", "")], "no other language"
    preferred = next((t for t in good if t.status == "preferred"), good[0])
    misspellings = {t.text: t.correction for t in terms if t.status in _FORBIDDEN and t.correction}
    entry = Entry(
        id=concept.get("id") or f"{slug(preferred.text)}-{index}",
        source=preferred.text,
        variants=[t.text for t in good if t is not preferred],
        misspellings=misspellings,
        deprecated=[t.text for t in terms if t.status in _FORBIDDEN and t.text not in misspellings],
        do_not_translate=do_not_translate,
        case_sensitive=_CASE in notes or "case-sensitive" in notes,
        note=_one_or_list([n for n in notes if n not in (_DNT, _CASE, "case-sensitive")]),
        targets=targets,
        definition=_one_or_list(_category(concept, "definition")),
        subject_field=next(iter(_category(concept, "subjectField")), ""),
        source_definition=_one_or_list([d for s in own for d in _category(s, "definition")]),
        source_note=_one_or_list([n for s in own for n in _notes(s)]),
        source_info=_info(terms, preferred),
    )
    return entry, problems, ""


def _targets(sections: list) -> tuple[dict[str, TargetTerms], list[tuple[str, str]]]:
    targets: dict[str, TargetTerms] = {}
    problems: list[tuple[str, str]] = []
    for lang, section in sections:
        if lang in targets:
            continue
        try:
            check_locale(lang)
        except ConfigError:
            problems.append((f"{lang or '(no xml:lang)'}: not a language tag newsl10n knows: language left out", "unknown tag"))
            continue
        found = list(_terms(section))
        kept = [t for t in found if t.status not in _FORBIDDEN]
        if not kept:
            problems.append((f"{lang}: no term that is not deprecated: language left out", "only deprecated terms"))
            continue
        first = next((t for t in kept if t.status == "preferred"), kept[0])
        targets[lang] = TargetTerms(
            preferred=first.text, allowed=[t.text for t in kept if t is not first],
            forbidden=[t.text for t in found if t.status in _FORBIDDEN],
            definition=_one_or_list(_category(section, "definition")), note=_one_or_list(_notes(section)),
            terms=_info(found, first),
        )  # fmt: skip
    return targets, problems


@dataclass(frozen=True)
class _Term:
    text: str
    status: str
    """preferred, admitted, deprecated, superseded, or "" (none given)."""
    details: TermInfo
    correction: str = ""


def _info(terms: list[_Term], first: _Term) -> dict[str, TermInfo]:
    """Per term, what the term file's lists do not say: its data, and its status where its
    place (``first`` preferred, the other accepted ones admitted, the others deprecated) does not."""
    out: dict[str, TermInfo] = {}
    for term in terms:
        implied = "preferred" if term is first else ("deprecated" if term.status in _FORBIDDEN else "admitted")
        status = term.status or "none"
        info = term.details.model_copy(update={"status": "" if status == implied else status})
        if info != TermInfo():
            out[term.text] = info
    return out


def _terms(section) -> Iterator[_Term]:
    """The terms of a language section (``termSec``, ``tig``, or ``ntig`` with its ``termGrp``)."""
    for container in _elements(section, *_TERM_CONTAINERS):
        group = next(_elements(container, "termGrp"), None)
        holder = group if group is not None else container
        term = next(_elements(holder, "term"), None)
        text = _text(term) if term is not None else ""
        if not text:
            continue
        data = dict(reversed(list(_categories(container))))  # the first of each category
        raw = next((data[k] for k in _STATUS_CATEGORIES if k in data), "")
        notes = _notes(container) + ([data["usageNote"]] if "usageNote" in data else [])
        correction = next((n for n in notes if n.startswith(_CORRECTION)), "")
        details = TermInfo(
            part_of_speech=data.get("partOfSpeech", ""), term_type=data.get("termType", ""),
            context=data.get("context", ""), note=_one_or_list([n for n in notes if n != correction]),
        )  # fmt: skip
        yield _Term(text, _STATUS_OF.get(raw, "admitted" if raw else ""), details, correction[len(_CORRECTION):])
