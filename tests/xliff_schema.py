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
