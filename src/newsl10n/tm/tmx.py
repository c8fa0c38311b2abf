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
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import IO

from .. import __version__
from ..errors import InputError
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


def read_tmx(data: bytes, *, source: str, origin: str) -> list[Entry]:
    """The units of a TMX file as memory entries, reviewed unless its ``x-reviewed`` says no
    (human translations from another tool seed the memory as reviewed). A unit keeps the model, glossary and
    settings its properties name (a newsl10n TMX comes back as it was); a unit without them gets
    model ``tmx-import`` and ``origin`` (the file's name) as its method, ``tmx:ORIGIN``."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{source}: not well-formed XML ({exc.msg}, line {exc.lineno})") from None
    header = root.find("header")
    if root.tag != "tmx" or header is None:
        raise InputError(f"{source}: not a TMX file (expected <tmx> with a <header>)")
    source_lang = header.get("srclang", "")
    entries = []
    for number, unit in enumerate(root.iterfind("body/tu"), 1):
        props = {p.get("type"): p.text or "" for p in unit.iterfind("prop")}
        segs = {tuv.get(_XML_LANG) or tuv.get("lang") or "": _seg_text(tuv) for tuv in unit.iterfind("tuv")}
        locale = props.get("x-locale") or next((lang for lang in segs if lang != source_lang), "")
        if source_lang not in segs or locale not in segs:
            raise InputError(f"{source}: unit {number} has no {source_lang or 'source'} and target <tuv>")
        model = props.get("x-model", IMPORTED) + (f"@{props['x-revision']}" if props.get("x-revision") else "")
        entries.append(Entry(
            source=segs[source_lang], target=segs[locale], locale=locale,
            forced=tuple(json.loads(props.get("x-forced") or "[]")), method=props.get("x-method", "") if "x-model" in props else f"tmx:{origin}",
            created=_iso_date(unit.get("changedate") or unit.get("creationdate") or ""),
            reviewed=props.get("x-reviewed", "yes") != "no",
            model=model, glossary=props.get("x-glossary", ""), decoding=props.get("x-decoding", ""),
            machine=props.get("x-machine") or (segs[locale] if props.get("x-reviewed") == "no" else None),
            scores=ModelScores.from_json(props.get("x-scores")),
        ))  # fmt: skip
    return entries


def _seg_text(tuv) -> str:
    seg = tuv.find("seg")
    return "".join(seg.itertext()) if seg is not None else ""


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
