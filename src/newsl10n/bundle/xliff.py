"""XLIFF 2.1 (or 2.0 core) for post-editing in CAT tools, written and read with lxml.

Valid against the OASIS core schema: one ``<file>`` per bundle, with ``nl:run`` naming the
translation run it was made from; one ``<unit>`` per segment, with the segment id as its id;
glossary terms, formatted runs and QA flags as ``<notes>``; formatting runs as inline codes
with their original tags in ``<originalData>``, terms as ``<mrk type="term">`` (see
:mod:`newsl10n.bundle.xliff_codes`); ``state`` is ``translated`` for machine output and
``reviewed`` for post-edited segments. A machine unit carries its confidence as ITS 2.0 MT
Confidence, with ``its:annotatorsRef`` naming newsl10n's estimator and ``its:version`` on the
root: in XLIFF 2.1 (the default) where its ITS module allows it, on a ``<mrk type="its:generic">``
around the target's content; in XLIFF 2.0 (``xliff.version: "2.0"``, for tools that read only
2.0) on the ``<unit>``, as other namespaces' attributes, which the 2.0 core schema allows there.
``srcLang`` and ``trgLang`` are BCP 47 tags (``pt_BR`` is written ``pt-BR``): the 2.1 core schema
types them ``xs:language``. ``nl:version`` on a ``<unit>`` names the version of the bundle's entry
it was made from, so that an import tells a unit a translator edited from one someone else
changed in the bundle since. translate-toolkit is not used: its writer puts ``xml:space`` on ``<segment>`` (which the schema
does not allow) and writes no inline codes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from ..errors import InputError
from ..locales import language_tag
from .pieces import PieceCache, piece_keys, pieces
from .segments import EntryView, SegmentEntry
from .xliff_codes import (
    XLIFF2_NS,
    InlineTooDeep,
    add_text,
    as_written,
    fill_source,
    fill_target,
    fills_holes,
    original_data,
    read_inline,
)

NL_NS = "urn:newsl10n:xliff"
ITS_NS = "http://www.w3.org/2005/11/its"
QE_ANNOTATOR = "mt-confidence|urn:newsl10n:qe"
"""``its:annotatorsRef`` of the confidences: the data category and the tool that made them."""
XLIFF_VERSION = "2.1"
"""The version written unless a bundle's manifest names another (``xliff.version``)."""
VERSIONS = ("2.1", "2.0")
ITS_VERSION = "2.0"
CONFIDENCE_MARK = "mt1"
"""The id of the 2.1 ``<mrk>`` that carries a target's MT confidence."""
_X = f"{{{XLIFF2_NS}}}"
_RUN = f"{{{NL_NS}}}run"
_VERSION = f"{{{NL_NS}}}version"
_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


@dataclass(frozen=True)
class EditedUnit:
    id: str
    source: str
    target: str
    state: str
    codes: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """Code id -> where the translator put its ``<pc>``/``<ph>`` in the target text."""
    source_holes: tuple[int, ...] = ()
    """Offsets in ``source`` of inline elements a tool emptied (see :func:`with_bundle_sources`)."""
    version: str = ""
    """The version of the bundle's entry the unit was made from (``nl:version``; "" when absent)."""


@dataclass(frozen=True)
class XliffFile:
    original: str
    run: str
    units: list[EditedUnit]


@dataclass(frozen=True)
class XliffDocument:
    target_lang: str
    files: list[XliffFile]

    @property
    def units(self) -> list[EditedUnit]:
        return [u for f in self.files for u in f.units]

    def __iter__(self) -> Iterator[object]:
        """Unpacks as ``(target_lang, units)``."""
        return iter((self.target_lang, self.units))

    def units_for(self, run: str, *, source: str) -> list[EditedUnit]:
        """The units of the ``<file>`` made from bundle run ``run``: a file of another run, or
        of another bundle, is refused (its unedited machine text is not this bundle's)."""
        if not run:
            return self.units
        mine = [f for f in self.files if f.run == run]
        if len(mine) == 1:
            return mine[0].units
        if mine:
            raise InputError(f"{source}: {len(mine)} <file> elements are made from this bundle's run {run}; keep one")
        runs = sorted({f.run for f in self.files if f.run})
        if len(self.files) == 1 and runs:
            raise InputError(
                f"{source}: made from another run of the bundle (run {runs[0]}; the bundle is at run {run}): "
                "take its article.xlf again"
            )
        if runs:
            raise InputError(
                f"{source}: none of its {len(self.files)} <file> elements is made from this bundle's run {run} "
                f"(they name run {', '.join(runs)}): take the bundle's article.xlf again"
            )
        if len(self.files) > 1:
            raise InputError(f"{source}: {len(self.files)} <file> elements and none names this bundle's run")
        raise InputError(
            f"{source}: names no translation run (its <file> has no nl:run), so it cannot be matched to the "
            f"bundle (at run {run}): take its article.xlf again"
        )


def with_bundle_sources(
    units: Sequence[EditedUnit], ours: Mapping[str, str], targets: Mapping[str, str] | None = None
) -> list[EditedUnit]:
    """The units, each taking the bundle's text where it differs from it only as article.xlf
    or another tool changed it, not as a person did: a source (``ours``: segment id -> source)
    that lost the content of inline elements it left empty (the npm ``xliff`` package drops
    the text of ``<mrk>``), and a source or an unedited target (``targets``: id -> target)
    whose noncharacters article.xlf wrote as U+FFFD (:func:`~newsl10n.bundle.xliff_codes.as_written`).
    The translator's own target is always theirs to bring back; any other difference stays,
    to be refused."""
    out = []
    for unit in units:
        mine = ours.get(unit.id)
        if mine is not None and unit.source != mine and _same_source(unit, as_written(mine)):
            unit = replace(unit, source=mine, source_holes=())
        target = (targets or {}).get(unit.id)
        if target is not None and unit.target != target and unit.target == as_written(target):
            unit = replace(unit, target=target)
        out.append(unit)
    return out


def _same_source(unit: EditedUnit, written: str) -> bool:
    return unit.source == written or bool(unit.source_holes) and fills_holes(unit.source, unit.source_holes, written)


def write_xliff(
    segments: Sequence[EntryView],
    *,
    source_lang: str,
    target_lang: str,
    original: str,
    run: str = "",
    version: str = XLIFF_VERSION,
) -> bytes:
    """An XLIFF document (``version`` 2.1 or 2.0) for segments.json entries, with their QA flags,
    formatted runs and inline codes (:class:`~newsl10n.bundle.segments.EntryView`)."""
    from lxml import etree

    if version not in VERSIONS:
        raise ValueError(f"XLIFF version {version!r}: choose one of {', '.join(VERSIONS)}")
    root = etree.Element(_X + "xliff", nsmap={None: XLIFF2_NS, "nl": NL_NS, "its": ITS_NS})
    root.set("version", version)
    root.set("srcLang", language_tag(source_lang))
    root.set("trgLang", language_tag(target_lang))
    root.set(f"{{{ITS_NS}}}version", ITS_VERSION)
    file_node = etree.SubElement(root, _X + "file", id="f1", original=original)
    if run:
        file_node.set(_RUN, run)
    for entry in segments:
        _unit(file_node, entry, version)
    _indent(root, 0)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def _unit(parent, view: EntryView, version: str) -> None:
    from lxml import etree

    entry = view.entry
    unit = etree.SubElement(parent, _X + "unit", id=entry.id)
    unit.set(_VERSION, entry.version)
    confidence = entry.confidence
    scored = confidence is not None and not entry.reviewed
    if scored and version == "2.0":
        _confidence(unit, float(confidence))
    notes = segment_notes(view)
    if notes:
        holder = etree.SubElement(unit, _X + "notes")
        for note in notes:
            add_text(etree.SubElement(holder, _X + "note", category="newsl10n"), note)
    codes = list(view.codes)
    original_data(unit, codes)
    segment = etree.SubElement(unit, _X + "segment", state="reviewed" if entry.reviewed else "translated")
    source = etree.SubElement(segment, _X + "source", {_SPACE: "preserve"})
    fill_source(source, entry.source, codes, list(entry.terms or ()))
    target = etree.SubElement(segment, _X + "target", {_SPACE: "preserve"})
    if scored and version != "2.0":
        target = etree.SubElement(target, _X + "mrk", id=CONFIDENCE_MARK, type="its:generic")
        _confidence(target, float(confidence))
    fill_target(target, entry.target, codes)


def _confidence(element, confidence: float) -> None:
    element.set(f"{{{ITS_NS}}}annotatorsRef", QE_ANNOTATOR)
    element.set(f"{{{ITS_NS}}}mtConfidence", f"{confidence:.4f}")


_STRUCTURE = frozenset(_X + name for name in ("xliff", "file", "unit", "notes", "originalData", "segment"))


def _indent(element, level: int) -> None:
    """Indent the structural elements only: text inside source, target, note and data is kept."""
    if element.tag not in _STRUCTURE or not len(element):
        return
    element.text = "\n" + "  " * (level + 1)
    for child in element:
        _indent(child, level + 1)
        child.tail = "\n" + "  " * (level + 1)
    element[-1].tail = "\n" + "  " * level


def xliff_chunks(
    segments: Sequence[EntryView],
    *,
    source_lang: str,
    target_lang: str,
    original: str,
    run: str = "",
    version: str = XLIFF_VERSION,
    units_per_chunk: int = 1000,
    cache: PieceCache | None = None,
    keys: Sequence[bytes] | None = None,
) -> Iterator[str]:
    """:func:`write_xliff`'s document as text, in pieces: one per unit, built ``units_per_chunk``
    units at a time, so that a big article's XML tree (100,000 units for 20 MB) is never whole.
    ``cache``: the units of entries written before with the same values are kept (``keys``: the
    entries' :func:`~newsl10n.bundle.pieces.entry_keys`).

    A unit's text is the same in any document of these options (the namespaces are declared on
    the root, the indentation is the unit's depth): the header and the end come from a document
    around a placeholder unit.
    """
    options = {"source_lang": source_lang, "target_lang": target_lang, "original": original, "run": run,
               "version": version}  # fmt: skip
    units = pieces(
        segments,
        lambda batch: _unit_texts(write_xliff(batch, **options).decode("utf-8")),
        cache,
        piece_keys(cache, "xliff unit", segments, keys, options),
        batch=units_per_chunk,
    )
    first = next(units, None)
    if first is None:
        yield write_xliff([], **options).decode("utf-8")
        return
    head, _, end = _split_units(write_xliff([_PLACEHOLDER], **options).decode("utf-8"))
    yield head
    yield first
    yield from units
    yield end


_PLACEHOLDER = EntryView(SegmentEntry("u", "", ""))


def _unit_texts(document: str) -> list[str]:
    """Each ``<unit>`` of a document, as its indented lines (markup characters in text and
    attributes are escaped, so ``</unit>`` and a newline end a unit and nothing else)."""
    _, units, _ = _split_units(document)
    return [text + "</unit>\n" for text in units.split("</unit>\n")[:-1]]


def _split_units(document: str) -> tuple[str, str, str]:
    """(up to the first <unit> line, the <unit> lines, from the </file> line) of a document."""
    start = document.rindex("\n", 0, document.index("<unit")) + 1
    stop = document.rindex("\n", 0, document.rindex("</file>")) + 1
    return document[:start], document[start:stop], document[stop:]


def segment_notes(view: EntryView) -> list[str]:
    """Glossary terms, formatted runs, QA flags and a reviewed translation of an earlier source
    of one segment entry, one line each."""
    notes = [f"term: {_describe(term)}" for term in view.entry.terms or ()]
    notes.extend(f"markup: {run}" for run in view.markup)
    notes.extend(f"qa: {flag}" for flag in view.qa)
    suggestion = view.entry.suggestion
    if suggestion:
        notes.append(f"suggestion: {suggestion['target']} (reviewed for the earlier source: {suggestion['source']})")
    return notes


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


def read_xliff(data: bytes, *, source: str) -> XliffDocument:
    """The target language and the files and units of an (edited) XLIFF 2.0 file."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{source}: not well-formed XML ({exc.msg}, line {exc.lineno})") from None
    if root.tag != _X + "xliff" or root.get("version", "").split(".")[0] != "2":
        raise InputError(f"{source}: not an XLIFF 2.0 file (expected <xliff version=\"2.0\">)")
    files = [
        XliffFile(node.get("original", ""), node.get(_RUN, ""), [_read_unit(u, source) for u in node.iter(_X + "unit")])
        for node in root.iterfind(_X + "file")
    ]
    return XliffDocument(root.get("trgLang") or "", files)


def _read_unit(unit, source: str) -> EditedUnit:
    unit_id = unit.get("id")
    if not unit_id:
        raise InputError(f"{source}: a <unit> has no id")
    try:
        return _unit_content(unit, unit_id)
    except InlineTooDeep as exc:
        raise InputError(f"{source}: unit {unit_id!r}: {exc}") from None


_STATES = ("initial", "translated", "reviewed", "final")


def _unit_content(unit, unit_id: str) -> EditedUnit:
    """The unit's source and target over all its ``<segment>``s and ``<ignorable>``s, in order
    (a tool that resegmented a unit keeps the spaces between segments in ``<ignorable>``s; an
    ignorable without a target stands for itself); its state is its least advanced segment's."""
    parts = [c for c in unit if c.tag in (_X + "segment", _X + "ignorable")]
    sources = [(p, read_inline(p.find(_X + "source"))) for p in parts if p.find(_X + "source") is not None]
    source_ids = {k for _, inline in sources for k in inline.codes}
    source_text, holes = "", []
    for _, inline in sources:
        holes.extend(len(source_text) + at for at in inline.holes)
        source_text += inline.text
    target_text, codes = "", {}
    for part, source in sources:
        target = part.find(_X + "target")
        if target is None:
            target_text += source.text if part.tag == _X + "ignorable" else ""
            continue
        text, where = read_inline(target)
        offset = len(target_text)
        codes.update({k: (s + offset, e + offset) for k, (s, e) in where.items() if k in source_ids})
        target_text += text
    states = [p.get("state") for p in parts if p.tag == _X + "segment" and p.get("state") in _STATES]
    state = min(states, key=_STATES.index) if states else ("translated" if target_text else "initial")
    return EditedUnit(unit_id, source_text, target_text, state, codes, tuple(holes), unit.get(_VERSION) or "")
