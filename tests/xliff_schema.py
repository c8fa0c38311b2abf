"""The XLIFF 2.0 core schema's rules for the elements newsl10n writes, as a checker.

Built by hand from xliff_core_2.0.xsd (OASIS, 2014-08-05): the project holds only what its own
contributors wrote, so the schema file is not copied in and no PyPI package ships it. Each
element's allowed and required attributes and its content model are those of the schema
(``other`` stands for elements and attributes of other namespaces, which it allows). Set
``NEWSL10N_XLIFF_XSD`` to a local copy of the official schema to validate against it as well.
"""

from __future__ import annotations

import os
import re

NS = "urn:oasis:names:tc:xliff:document:2.0"
XML = "{http://www.w3.org/XML/1998/namespace}"
_INLINE = "((cp|ph|pc|sc|ec|mrk|sm|em) )*"
_DIR = {"ltr", "rtl", "auto"}
_YES_NO = {"yes", "no"}
_CODE = {"canCopy", "canDelete", "canReorder", "copyOf", "id", "subType", "type", "dir"}
# element: (attributes, required attributes, other-namespace attributes allowed, content model)
RULES: dict[str, tuple[set[str], set[str], bool, str]] = {
    "xliff": ({"version", "srcLang", "trgLang", XML + "space"}, {"version", "srcLang"}, True, "(file )+"),
    "file": (
        {"id", "canResegment", "original", "translate", "srcDir", "trgDir", XML + "space"},
        {"id"}, True, "(skeleton )?(other )*(notes )?((unit|group) )+",
    ),
    "unit": (
        {"id", "name", "canResegment", "translate", "srcDir", "trgDir", XML + "space", "type"},
        {"id"}, True, "(other )*(notes )?(originalData )?((segment|ignorable) )+",
    ),
    "segment": ({"id", "canResegment", "state", "subState"}, set(), False, "source (target )?"),
    "notes": (set(), set(), False, "(note )+"),
    "note": ({"id", "appliesTo", "category", "priority"}, set(), True, ""),
    "originalData": (set(), set(), False, "(data )+"),
    "data": ({"id", "dir", XML + "space"}, {"id"}, False, "(cp )*"),
    "source": ({XML + "lang", XML + "space"}, set(), False, _INLINE),
    "target": ({XML + "lang", XML + "space", "order"}, set(), False, _INLINE),
    "cp": ({"hex"}, {"hex"}, False, ""),
    "ph": (_CODE | {"disp", "equiv", "dataRef", "subFlows"}, {"id"}, True, ""),
    "pc": (
        _CODE | {"canOverlap", "dispEnd", "dispStart", "equivEnd", "equivStart", "dataRefEnd", "dataRefStart",
                 "subFlowsEnd", "subFlowsStart"},
        {"id"}, True, _INLINE,
    ),  # fmt: skip
    "mrk": ({"id", "translate", "type", "ref", "value"}, {"id"}, True, _INLINE),
}
_VALUES = {
    "state": {"initial", "translated", "reviewed", "final"},
    "translate": _YES_NO, "canResegment": _YES_NO, "canCopy": _YES_NO, "canDelete": _YES_NO,
    "srcDir": _DIR, "trgDir": _DIR, "dir": _DIR,
    "type": None,  # checked per element below
}  # fmt: skip
_NMTOKEN = re.compile(r"^[\w.:-]+$")
_LANGUAGE = re.compile(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*")
_PC_TYPES = {"fmt", "ui", "quote", "link", "image", "other"}
_MRK_TYPES = {"generic", "comment", "term"}
_MIXED = {"note", "data", "source", "target", "pc", "mrk"}


def problems(root) -> list[str]:
    """Every way ``root`` breaks the core schema's rules (empty: valid), plus the core
    specification's rule that every dataRef names a <data> of its unit."""
    found: list[str] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        found.extend(_check(element))
    for key in ("srcLang", "trgLang"):  # typed xs:language since XLIFF 2.1 (untyped in 2.0)
        if root.get(key) is not None and not _LANGUAGE.fullmatch(root.get(key)):
            found.append(f"<xliff {key}={root.get(key)!r}>: not an xs:language tag")
    for unit in root.iter(f"{{{NS}}}unit"):
        data = {d.get("id") for d in unit.iter(f"{{{NS}}}data")}
        for code in unit.iter(f"{{{NS}}}pc", f"{{{NS}}}ph"):
            for key in ("dataRef", "dataRefStart", "dataRefEnd"):
                if code.get(key) is not None and code.get(key) not in data:
                    found.append(f"unit {unit.get('id')}: {key}={code.get(key)} names no <data>")
    return found


def _check(element) -> list[str]:
    namespace, _, name = element.tag[1:].partition("}")
    if namespace != NS:
        return []
    if name not in RULES:
        return [f"<{name}>: not an element newsl10n should write"]
    attributes, required, other, model = RULES[name]
    out = []
    for key, value in element.attrib.items():
        foreign = key.startswith("{") and not key.startswith(XML)
        if key not in attributes and not (foreign and other):
            out.append(f"<{name}>: attribute {key} not allowed")
        allowed = _VALUES.get(key)
        if allowed and value not in allowed:
            out.append(f"<{name} {key}={value!r}>: not one of {sorted(allowed)}")
    out.extend(f"<{name}>: attribute {key} required" for key in required - set(element.attrib))
    for key in ("id", "dataRef", "dataRefStart", "dataRefEnd"):
        if element.get(key) is not None and not _NMTOKEN.match(element.get(key)):
            out.append(f"<{name} {key}={element.get(key)!r}>: not an NMTOKEN")
    if name in ("pc", "ph") and element.get("type") not in (None, *_PC_TYPES):
        out.append(f"<{name} type={element.get('type')!r}>: not an allowed code type")
    if name in ("pc", "ph") and (element.get("subType") or "xlf:").startswith("xlf:") and element.get("subType"):
        if element.get("type") != "fmt" and element.get("subType") != "xlf:var":
            out.append(f"<{name}>: subType {element.get('subType')} needs type='fmt'")
    if name == "mrk" and element.get("type") not in (None, *_MRK_TYPES) and ":" not in element.get("type"):
        out.append(f"<mrk type={element.get('type')!r}>: not an allowed annotation type")
    if name == "cp" and not re.fullmatch(r"([0-9A-Fa-f]{2})+", element.get("hex", "")):
        out.append(f"<cp hex={element.get('hex')!r}>: not hexBinary")
    children = "".join(
        (c.tag.split("}")[1] if c.tag.startswith(f"{{{NS}}}") else "other") + " "
        for c in element if isinstance(c.tag, str)
    )
    if not re.fullmatch(model, children):
        out.append(f"<{name}>: children {children.split()} do not match the schema's content model")
    if name not in _MIXED and ((element.text or "").strip() or any((c.tail or "").strip() for c in element)):
        out.append(f"<{name}>: text where the schema allows none")
    return out


def official_schema():
    """The official schema from ``NEWSL10N_XLIFF_XSD`` (a local copy of xliff_core_2.0.xsd with its
    informativeCopiesOf3rdPartySchemas folder beside it), or None."""
    path = os.environ.get("NEWSL10N_XLIFF_XSD")
    if not path:
        return None
    from lxml import etree

    return etree.XMLSchema(etree.parse(path, etree.XMLParser(no_network=True)))


# -- XLIFF 2.1's ITS module: the rules newsl10n relies on ------------------------------------------
# Written from the XLIFF 2.1 specification (OASIS Standard, 2018-02-13), section "ITS Module", and
# its Schematron (its.sch): ITS attributes need its:version on the root; MT Confidence may sit on
# an annotation (<mrk>/<sm>, whose optional type must then be its:generic) or on a translation
# candidate (<mtc:match>), not on a <unit>; its value is a decimal from 0 to 1; its:annotatorsRef
# holds "data-category-id|IRI" pairs, each data category at most once.
ITS = "http://www.w3.org/2005/11/its"
_MTC = "urn:oasis:names:tc:xliff:matches:2.0"
_ITS_CATEGORIES = {
    "allowed-characters", "directionality", "domain", "elements-within-text", "external-resource", "id-value",
    "language-information", "locale-filter", "localization-note", "localization-quality-issue",
    "localization-quality-rating", "mt-confidence", "preserve-space", "provenance", "storage-size",
    "target-pointer", "terminology", "text-analysis", "translate",
}  # fmt: skip


def its_problems(root) -> list[str]:
    """Every way an XLIFF 2.1 document breaks the ITS module's rules above (empty: valid)."""
    found: list[str] = []
    if root.get("version") != "2.1":
        found.append(f"<xliff version={root.get('version')!r}>: the ITS module is XLIFF 2.1's")
    uses_its = any(k.startswith(f"{{{ITS}}}") for e in root.iter() if isinstance(e.tag, str) for k in e.attrib)
    if uses_its and root.get(f"{{{ITS}}}version") != "2.0":
        found.append("<xliff>: ITS attributes are used but its:version='2.0' is not declared")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = element.tag.split("}")[-1]
        confidence = element.get(f"{{{ITS}}}mtConfidence")
        if confidence is not None:
            on_mark = element.tag in (f"{{{NS}}}mrk", f"{{{NS}}}sm") and element.get("type") in (None, "its:generic")
            if not (on_mark or element.tag == f"{{{_MTC}}}match"):
                found.append(f"<{name}>: its:mtConfidence is allowed on <mrk>/<sm type='its:generic'> or <mtc:match>")
            try:
                value = float(confidence)
            except ValueError:
                value = -1.0
            if not 0.0 <= value <= 1.0:
                found.append(f"<{name} its:mtConfidence={confidence!r}>: not a decimal from 0 to 1")
        annotators = element.get(f"{{{ITS}}}annotatorsRef")
        if annotators is not None:
            ids = [pair.split("|", 1)[0] for pair in annotators.split()]
            if any(i not in _ITS_CATEGORIES for i in ids) or len(ids) != len(set(ids)) or not all("|" in p for p in annotators.split()):
                found.append(f"<{name} its:annotatorsRef={annotators!r}>: not data-category|IRI pairs")
    return found


def confidences(root) -> dict[str, float]:
    """The MT confidence of each unit, wherever the document's version puts it."""
    out: dict[str, float] = {}
    for unit in root.iter(f"{{{NS}}}unit"):
        for element in unit.iter():
            if isinstance(element.tag, str) and element.get(f"{{{ITS}}}mtConfidence") is not None:
                out[unit.get("id")] = float(element.get(f"{{{ITS}}}mtConfidence"))
    return out

