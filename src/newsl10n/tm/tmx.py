"""The translation memory as TMX 1.4b, for CAT tools, and TMX files back into the memory.

The header names newsl10n and its version as the creation tool. Each ``<tu>`` has the entry's
date as ``creationdate`` and ``changedate`` (the memory keeps one date: when the entry was last
written) and ``<prop>``s: ``x-locale``, ``x-model`` and ``x-revision`` (the model key
model@revision), ``x-glossary`` (the glossary hash), ``x-decoding`` (the output-changing
settings), ``x-reviewed`` (yes/no), ``x-method`` and ``x-forced`` (the glossary terms the
engine imposed). Characters XML 1.0 cannot hold become U+FFFD (TMX has no code-point element).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import IO

from .. import __version__
from ..errors import InputError
from ..locales import is_language_tag, language_tag, match_locale
from ..model import ModelScores
from .store import Entry

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
IMPORTED = "tmx-import"
"""The ``model`` of units from a TMX file without newsl10n's properties."""


def export_tmx(entries: Iterable[Entry], fileobj: IO[bytes], source_lang: str) -> int:
    """Write ``entries`` as TMX 1.4b; returns the number of units."""
    from lxml import etree

    root = etree.Element("tmx", version="1.4")
    etree.SubElement(root, "header", {
        "creationtool": "newsl10n", "creationtoolversion": __version__, "datatype": "plaintext",
        "segtype": "sentence", "adminlang": "en", "srclang": source_lang, "o-tmf": "newsl10n-sqlite",
        "creationdate": _tmx_date(datetime.now(timezone.utc).isoformat(timespec="seconds")),
    })  # fmt: skip
    body = etree.SubElement(root, "body")
    count = 0
    for entry in entries:
        date = _tmx_date(entry.created)
        unit = etree.SubElement(body, "tu", {"creationdate": date, "changedate": date} if date else {})
        model, _, revision = entry.model.rpartition("@") if "@" in entry.model else (entry.model, "", "")
        props = {
            "x-locale": entry.locale, "x-model": model, "x-revision": revision, "x-glossary": entry.glossary,
            "x-decoding": entry.decoding, "x-reviewed": "yes" if entry.reviewed else "no",
            "x-method": entry.method, "x-forced": json.dumps(list(entry.forced)) if entry.forced else "",
            "x-machine": entry.machine if entry.machine is not None and entry.machine != entry.target else "",
            "x-scores": entry.scores.to_json() if entry.scores else "",
        }  # fmt: skip
        for kind, value in props.items():
            if value:
                etree.SubElement(unit, "prop", type=kind).text = _clean(value)
        for lang, text in ((source_lang, entry.source), (entry.locale, entry.target)):
            etree.SubElement(etree.SubElement(unit, "tuv", {_XML_LANG: lang}), "seg").text = _clean(text)
        count += 1
    fileobj.write(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    return count


@dataclass(frozen=True)
class TmxImport:
    """What :func:`read_tmx` found: the memory entries, how many units it read, the units (or
    targets) it left out by reason, and the language tags it stored as another locale."""

    entries: list[Entry]
    units: int
    skipped: Counter[str] = field(default_factory=Counter)
    mapped: dict[str, str] = field(default_factory=dict)
    left_out: Counter[str] = field(default_factory=Counter)
    """Target variants of imported units left out, by reason (empty, a language's second)."""
    file_source_lang: str = ""
    source_lang: str = ""

    def summary(self) -> str:
        """``N units read, M entries imported (R reviewed), K skipped (reason, ...); ...``."""
        reviewed = sum(e.reviewed for e in self.entries)
        line = f"{_count(self.units, 'unit')} read, {_count(len(self.entries), 'entry')} imported ({reviewed} reviewed)"
        if self.skipped:
            reasons = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items()))
            line += f", {sum(self.skipped.values())} skipped ({reasons})"
        if self.left_out:
            reasons = ", ".join(f"{n} {why}" for why, n in sorted(self.left_out.items()))
            line += f"; {_count(sum(self.left_out.values()), 'variant')} left out ({reasons})"
        if self.mapped:
            line += "; " + ", ".join(f"{tag} stored as {locale}" for tag, locale in sorted(self.mapped.items()))
        own = self.file_source_lang
        if own and own != "*all*" and own.split("-")[0].lower() != self.source_lang.split("-")[0].lower():
            line += f"; the file's source language is {own}: {self.source_lang} segments used as sources"
        return line


def _count(n: int, noun: str) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{n} {noun if n == 1 else plural}"


def read_tmx(
    data: bytes, *, source: str, origin: str, source_lang: str = "en", locales: Iterable[str] = ()
) -> TmxImport:
    """The units of a TMX file as memory entries, one per target language of a unit, reviewed
    unless its ``x-reviewed`` says no (human translations from another tool seed the memory as
    reviewed).

    The source of each entry is the unit's segment in ``source_lang`` (the memory translates
    from it; any language of the file can be its source: ``srclang="*all*"``, or another
    srclang when the units hold ``source_lang`` too). Language tags are matched without regard
    to case and stored as the pipeline's ``locales`` by language (``de-DE`` -> ``de``); a tag
    that is not a language tag is refused. Inline codes (``<bpt>``, ``<ept>``, ``<ph>``,
    ``<it>``, ``<ut>``) and their native content are left out of the text; ``<hi>`` keeps its.
    A unit keeps the model, glossary and settings its properties name (a newsl10n TMX comes
    back as it was); a unit without them gets model ``tmx-import`` and ``tmx:ORIGIN`` as its
    method. Units without a source segment or a target are skipped and counted."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{source}: not well-formed XML ({exc.msg}, line {exc.lineno})") from None
    header = root.find("header")
    if root.tag != "tmx" or header is None:
        raise InputError(f"{source}: not a TMX file (expected <tmx> with a <header>)")
    result = TmxImport([], 0, Counter(), {}, Counter(), header.get("srclang", ""), source_lang)
    units = list(root.iterfind("body/tu"))
    for number, unit in enumerate(units, 1):
        _read_unit(unit, number, result, source=source, origin=origin, locales=list(locales))
    result = replace(result, units=len(units))
    if result.units and not result.entries and result.skipped.get(f"no {source_lang} segment") == result.units:
        raise InputError(
            f"{source}: no unit has a segment in {source_lang} (the file's source language is "
            f"{result.file_source_lang or 'not given'}; the memory translates from {source_lang}, set by source_lang)"
        )
    return result


def _read_unit(unit, number: int, result: TmxImport, *, source: str, origin: str, locales: list[str]) -> None:
    props = {p.get("type"): p.text or "" for p in unit.iterfind("prop")}
    segs: dict[str, str] = {}
    repeated: Counter[str] = Counter()
    for tuv in unit.iterfind("tuv"):
        tag = tuv.get(_XML_LANG) or tuv.get("lang") or ""
        if not is_language_tag(tag):
            raise InputError(f"{source}: unit {number}: {tag!r} is not a language tag")
        if language_tag(tag) in segs:
            repeated["second variant of a language"] += 1
        segs.setdefault(language_tag(tag), _seg_text(tuv))
    own = props.get("x-locale")
    if own and not is_language_tag(own):
        raise InputError(f"{source}: unit {number}: x-locale {own!r} is not a language tag")
    source_tag = _source_tag(segs, result.source_lang)
    if source_tag is None:
        result.skipped[f"no {result.source_lang} segment"] += 1
        return
    targets = [language_tag(own)] if own else [tag for tag in segs if tag != source_tag]
    empty = [tag for tag in targets if tag in segs and not segs[tag].strip()]
    targets = [tag for tag in targets if tag in segs and segs[tag].strip()]
    if not targets:
        result.skipped["no target"] += 1
        return
    result.left_out.update({**repeated, **({"empty": len(empty)} if empty else {})})
    model = props.get("x-model", IMPORTED) + (f"@{props['x-revision']}" if props.get("x-revision") else "")
    for tag in targets:
        locale = own if own else match_locale(tag, locales)
        if locale != tag and not own:
            result.mapped[tag] = locale
        result.entries.append(Entry(
            source=segs[source_tag], target=segs[tag], locale=locale,
            forced=tuple(json.loads(props.get("x-forced") or "[]")), method=props.get("x-method", "") if "x-model" in props else f"tmx:{origin}",
            created=_iso_date(unit.get("changedate") or unit.get("creationdate") or ""),
            reviewed=props.get("x-reviewed", "yes") != "no",
            model=model, glossary=props.get("x-glossary", ""), decoding=props.get("x-decoding", ""),
            machine=props.get("x-machine") or (segs[tag] if props.get("x-reviewed") == "no" else None),
            scores=ModelScores.from_json(props.get("x-scores")),
        ))  # fmt: skip


def _source_tag(segs: dict[str, str], source_lang: str) -> str | None:
    """The unit's segment in the source language: the same tag, else the same language."""
    wanted = language_tag(source_lang)
    if wanted in segs:
        return wanted
    return next((tag for tag in segs if tag.split("-")[0] == wanted.split("-")[0]), None)


_CODES = frozenset({"bpt", "ept", "ph", "it", "ut"})
"""TMX inline elements that hold another format's native codes (never text of the segment)."""


def _seg_text(tuv) -> str:
    """A segment's text: inline codes left out with their content (and the ``<sub>`` text
    inside them), ``<hi>``'s text kept; where a code was removed, doubled spaces become one."""
    seg = tuv.find("seg")
    if seg is None:
        return ""
    parts: list[str] = []
    removed = _text_without_codes(seg, parts)
    text = "".join(parts)
    return re.sub(" {2,}", " ", text).strip(" ") if removed else text


def _text_without_codes(element, parts: list[str]) -> bool:
    """Append ``element``'s text without its inline codes to ``parts``; True when it had any."""
    removed = False
    parts.append(element.text or "")
    for child in element:
        if child.tag in _CODES:
            removed = True
        else:
            removed = _text_without_codes(child, parts) or removed
        parts.append(child.tail or "")
    return removed


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _tmx_date(iso: str) -> str:
    """``YYYYMMDDThhmmssZ`` (TMX's date form, UTC) of an ISO 8601 time; "" when unreadable."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return ""
    moment = moment.replace(tzinfo=moment.tzinfo or timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _iso_date(tmx: str) -> str:
    try:
        return datetime.strptime(tmx, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).isoformat(timespec="seconds")
    except ValueError:
        return datetime.now(timezone.utc).isoformat(timespec="seconds")
