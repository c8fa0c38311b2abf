"""XLIFF 2.0 inline content: formatting runs as inline codes, glossary terms as annotations,
characters XML 1.0 cannot hold as ``<cp>``; and the way back, text plus where each code sits.

A run inside one segment becomes a ``<pc>`` (b/strong, i/em, a, code, ...) or, without text,
a ``<ph>`` (br, raw inline HTML); its id is the run's index in the block plus one, and its
original tag is kept in the unit's ``<originalData>``. Codes sit in the target where the
alignment of :mod:`newsl10n.bundle.markup` puts them (or where a translator put them before);
a translator moves them, and :func:`read_inline` reports where they went. Terms are
``<mrk type="term">`` in the source, ``translate="no"`` where the glossary keeps the source term
and around code, which is never translated.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..model import Article
from .markup import ATOMS, VERBATIM, Placed, segment_intervals

XLIFF2_NS = "urn:oasis:names:tc:xliff:document:2.0"
_X = f"{{{XLIFF2_NS}}}"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NONCHARACTERS = str.maketrans({0xFFFE: 0xFFFD, 0xFFFF: 0xFFFD})
_SUBTYPES = {"b": "xlf:b", "strong": "xlf:b", "i": "xlf:i", "em": "xlf:i", "u": "xlf:u", "br": "xlf:lb"}


@dataclass(frozen=True)
class Code:
    """One formatting run of a segment: ``index`` in its block's inlines, offsets in the
    segment's source and target."""

    index: int
    tag: str
    attrs: tuple[tuple[str, str], ...]
    source: tuple[int, int]
    target: tuple[int, int]

    @property
    def id(self) -> str:
        return str(self.index + 1)

    @property
    def atom(self) -> bool:
        return self.tag in ATOMS


def article_codes(article: Article, targets: Mapping[str, str], placed: Placed | None = None) -> dict[str, list[Code]]:
    """Per segment id, the codes of the formatting runs inside it."""
    codes: dict[str, list[Code]] = {}
    for block in article.blocks:
        if not block.inline or not block.is_body:
            continue
        starts = {s.id: s.start for s in block.segments}
        for seg_id, runs in segment_intervals(block, targets, placed).items():
            for k, target in sorted(runs.items()):
                inline = block.inline[k]
                source = (inline.start - starts[seg_id], inline.end - starts[seg_id])
                codes.setdefault(seg_id, []).append(Code(k, inline.tag, inline.attrs, source, target))
    return codes


# -- writing ----------------------------------------------------------------------------------


@dataclass
class _Node:
    start: int
    end: int
    code: Code | None = None
    mark: dict[str, str] | None = None
    children: list[_Node] = field(default_factory=list)


def original_data(parent, codes: Sequence[Code]) -> None:
    """``<originalData>``: the opening and closing tag of each code, as HTML."""
    from lxml import etree

    if not codes:
        return
    holder = etree.SubElement(parent, _X + "originalData")
    for code in codes:
        attrs = "".join(f' {k}="{html.escape(v, quote=True)}"' for k, v in code.attrs if k != "raw")
        start = dict(code.attrs).get("raw", "") if code.tag == "html" else f"<{code.tag}{attrs}>"
        pieces = [("s", start)] if code.atom else [("s", start), ("e", f"</{code.tag}>")]
        for suffix, text in pieces:
            add_text(etree.SubElement(holder, _X + "data", id=f"d{code.id}{suffix}"), text)


def fill_source(element, text: str, codes: Sequence[Code], terms: Sequence[Mapping[str, object]]) -> None:
    """The source text with its codes and its terms (where a term fits between codes)."""
    nodes = _tree([_Node(*c.source, code=c) for c in codes])
    for n, (start, end, attrs) in enumerate(_term_spans(text, terms), 1):
        _insert(nodes, _Node(start, end, mark={"id": f"m{n}", **attrs}))
    for n, code in enumerate(codes, len(terms) + 1):
        if code.tag in VERBATIM:
            _insert(nodes, _Node(*code.source, mark={"id": f"m{n}", "translate": "no"}))
    _emit(element, text, 0, len(text), nodes)


def fill_target(element, text: str, codes: Sequence[Code]) -> None:
    _emit(element, text, 0, len(text), _tree([_Node(*c.target, code=c) for c in codes]))


def _term_spans(text: str, terms: Sequence[Mapping[str, object]]) -> list[tuple[int, int, dict[str, str]]]:
    spans: list[tuple[int, int, dict[str, str]]] = []
    lowered = text.lower()
    for term in terms:
        source, target = str(term.get("source") or ""), str(term.get("target") or term.get("expected") or "")
        at = lowered.find(source.lower()) if source else -1
        while at >= 0 and any(s < at + len(source) and at < e for s, e, _ in spans):
            at = lowered.find(source.lower(), at + 1)
        if at < 0:
            continue
        attrs = {"type": "term", "value": target} if target else {"type": "term"}
        if target == source:
            attrs["translate"] = "no"
        spans.append((at, at + len(source), attrs))
    return spans


def _tree(nodes: list[_Node]) -> list[_Node]:
    """Nest nodes (properly nested ranges, in pre-order) into a tree."""
    roots: list[_Node] = []
    stack: list[_Node] = []
    for node in nodes:
        while stack and not _within(node, stack[-1]):
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return roots


def _within(inner: _Node, outer: _Node) -> bool:
    """As in :func:`newsl10n.bundle.markup.span_tree`: a text-less code at a run's end follows it."""
    if outer.code.atom or inner.start == inner.end == outer.end > outer.start:
        return False
    return outer.start <= inner.start and inner.end <= outer.end


def _insert(nodes: list[_Node], mark: _Node) -> bool:
    """Put an annotation into the tree where it crosses no code; False where it cannot."""
    for node in nodes:
        atom = node.code is not None and node.code.atom
        if not atom and node.start <= mark.start and mark.end <= node.end and (node.start, node.end) != (mark.start, mark.end):
            return _insert(node.children, mark)
    inside = [n for n in nodes if mark.start <= n.start and n.end <= mark.end]
    if any(n.start < mark.end and mark.start < n.end for n in nodes if n not in inside):
        return False
    mark.children = inside
    at = nodes.index(inside[0]) if inside else sum(1 for n in nodes if n.end <= mark.start)
    nodes[at : at + len(inside)] = [mark]
    return True


def _emit(parent, text: str, lo: int, hi: int, nodes: Sequence[_Node]) -> None:
    from lxml import etree

    cursor = lo
    for node in nodes:
        add_text(parent, text[cursor : node.start])
        if node.mark is not None:
            element = etree.SubElement(parent, _X + "mrk", node.mark)
        else:
            element = etree.SubElement(parent, _X + ("ph" if node.code.atom else "pc"), _code_attrs(node.code))
        if node.code is None or not node.code.atom:
            _emit(element, text, node.start, node.end, node.children)
        cursor = node.end
    add_text(parent, text[cursor:hi])


def _code_attrs(code: Code) -> dict[str, str]:
    attrs = {"id": code.id}
    if code.atom:
        attrs["dataRef"] = f"d{code.id}s"
    else:
        attrs.update(dataRefStart=f"d{code.id}s", dataRefEnd=f"d{code.id}e")
    attrs["type"] = "link" if code.tag == "a" else "fmt"
    if code.tag in _SUBTYPES:
        attrs["subType"] = _SUBTYPES[code.tag]
    return attrs


def as_written(text: str) -> str:
    """``text`` as article.xlf holds it: the noncharacters U+FFFE and U+FFFF as U+FFFD.

    XML 1.0 cannot hold them, and XLIFF 2.1's core Schematron (rule F25) accepts ``<cp>`` only
    for the C0 controls, C1 controls and surrogates, so they are replaced, as on the pages
    (:mod:`newsl10n.jinja`); an import takes a U+FFFD there for the bundle's own character."""
    return text.translate(_NONCHARACTERS)


def add_text(parent, text: str) -> None:
    """Append text to an element; characters XML 1.0 cannot hold become ``<cp hex="..."/>``
    (U+FFFE and U+FFFF become U+FFFD: :func:`as_written`)."""
    from lxml import etree

    text = as_written(text)
    pos = 0
    for match in _NOT_XML.finditer(text):
        _append(parent, text[pos : match.start()])
        etree.SubElement(parent, _X + "cp", hex=f"{ord(match.group()):04X}")
        pos = match.end()
    _append(parent, text[pos:])


def _append(parent, text: str) -> None:
    if not text:
        return
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


# -- reading ----------------------------------------------------------------------------------


MAX_INLINE_DEPTH = 100
"""Inline elements nested deeper than this are refused (ours nest as deep as an article's runs)."""


class InlineTooDeep(ValueError):
    """Inline codes nested more than :data:`MAX_INLINE_DEPTH` deep."""


@dataclass(frozen=True)
class InlineText:
    """What a ``<source>`` or ``<target>`` holds: its plain ``text``; per code id, where its
    ``<pc>`` or ``<ph>`` sits in that text (``codes``; ``<sc>``/``<ec>`` pairs are not placed);
    and ``holes``: the offsets of ``<mrk>``/``<pc>`` elements left empty, where a tool that
    drops inline content (the npm ``xliff`` package) lost text."""

    text: str
    codes: dict[str, tuple[int, int]]
    holes: tuple[int, ...] = ()

    def __iter__(self):
        """Unpacks as ``(text, codes)``."""
        return iter((self.text, self.codes))


def read_inline(element) -> InlineText:
    """The text, code places and holes of a ``<source>`` or ``<target>`` (see :class:`InlineText`).
    Raises :class:`InlineTooDeep` past :data:`MAX_INLINE_DEPTH` levels."""
    parts: list[str] = []
    where: dict[str, tuple[int, int]] = {}
    holes: list[int] = []
    length = 0

    def walk(node, depth: int) -> None:
        nonlocal length
        if depth > MAX_INLINE_DEPTH:
            raise InlineTooDeep(f"inline codes nested more than {MAX_INLINE_DEPTH} deep")
        if node.text:
            parts.append(node.text)
            length += len(node.text)
        for child in node:
            name = child.tag.split("}")[-1] if isinstance(child.tag, str) else ""
            start = length
            if name == "cp":
                char = _code_point(child.get("hex", ""))
                parts.append(char)
                length += len(char)
            elif name not in ("ph", "sc", "ec", "sm", "em", ""):
                walk(child, depth + 1)
            if name in ("mrk", "pc") and not child.text and not len(child):
                holes.append(length)
            if name in ("pc", "ph") and child.get("id"):
                where[child.get("id")] = (start, length)
            if child.tail:
                parts.append(child.tail)
                length += len(child.tail)

    walk(element, 0)
    return InlineText("".join(parts), where, tuple(holes))


def fills_holes(text: str, holes: Sequence[int], ours: str) -> bool:
    """Whether ``ours`` is ``text`` with some text put back at each of its ``holes``: a source
    that lost only the content of inline elements (checked as a glob, piece by piece)."""
    if not holes:
        return text == ours
    cuts = [0, *holes, len(text)]
    pieces = [text[a:b] for a, b in zip(cuts, cuts[1:])]
    first, *middle, last = pieces
    if len(first) + len(last) > len(ours) or not ours.startswith(first) or not ours.endswith(last):
        return False
    at, stop = len(first), len(ours) - len(last)
    for piece in middle:
        found = ours.find(piece, at, stop)
        if found < 0:
            return False
        at = found + len(piece)
    return True


def _code_point(hex_value: str) -> str:
    try:
        return chr(int(hex_value, 16))
    except ValueError:
        return ""
