"""Inline markup through translation: protect, translate the plain text, restore.

The model only ever sees plain sentences (stock opus-mt mangles raw tags and placeholders).
Tags are put back afterwards, around the translated text of their run:

1. a run whose text the translation contains verbatim (names, numbers, code) is anchored there;
2. every other tag boundary is placed by a monotone length-proportional alignment between the
   anchors, snapped to a word boundary of the translation;
3. the target tree is built by walking the *source* tree, so each source element appears once,
   with the same nesting, and serializers write tags in open/close pairs: the output is
   well-formed by construction. A run left without a word takes the nearest word of its
   sentence that no sibling holds, or else keeps its source text (untranslated) rather than
   vanish; ``code`` is never translated.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..model import Block, Inline

ATOMS = frozenset({"br", "html"})
"""Inline elements without text."""

VERBATIM = frozenset({"code"})
"""Inline elements whose text is copied, never translated."""

_MIN_ANCHOR = 3
# Thai, Japanese kana, CJK ideographs, Hangul: text in these scripts may have no spaces at all.
_SPACELESS = re.compile("[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


@dataclass
class Element:
    tag: str
    attrs: tuple[tuple[str, str], ...] = ()
    children: list[str | Element] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


@dataclass
class _Span:
    inline: Inline
    children: list[_Span] = field(default_factory=list)


def span_tree(inlines: Sequence[Inline]) -> list[_Span]:
    """Nest pre-ordered, properly nested inlines into a tree (roots returned)."""
    roots: list[_Span] = []
    stack: list[_Span] = []
    for inline in inlines:
        node = _Span(inline)
        while stack and not _contains(stack[-1].inline, inline):
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return roots


def _contains(outer: Inline, inner: Inline) -> bool:
    """Whether ``inner`` nests in ``outer``; text-less ``inner`` at ``outer``'s end follows it."""
    if outer.tag in ATOMS or (inner.start == inner.end == outer.end > outer.start):
        return False
    return outer.start <= inner.start and inner.end <= outer.end


def source_nodes(block: Block) -> list:
    """The block's inline tree over its own (source) text."""
    intervals = {id(i): (i.start, i.end) for i in block.inline}
    return _build(span_tree(block.inline), block.text, 0, len(block.text), intervals, block.text)


Placed = Mapping[str, Mapping[int, tuple[int, int]]]
"""Per segment id, a person's placement of inline runs: index in ``block.inline`` -> (start, end)
in the segment's target (from the inline codes of an edited XLIFF); they override the alignment."""


def target_nodes(block: Block, targets: Mapping[str, str], placed: Placed | None = None) -> tuple[str, list]:
    """The translated plain text of ``block`` and its inline tree with tags restored."""
    text, mapping = _rebuild_with_map(block, targets, placed)
    intervals = {id(i): mapping.interval(i) for i in block.inline}
    limits = {id(i): mapping.sentence(i) for i in block.inline}
    return text, _build(span_tree(block.inline), text, 0, len(text), intervals, block.text, limits)


def _build(
    spans: Sequence[_Span],
    text: str,
    lo: int,
    hi: int,
    intervals: Mapping[int, tuple[int, int]],
    source: str,
    limits: Mapping[int, tuple[int, int]] | None = None,
) -> list:
    """Children of one element over ``text[lo:hi]``; siblings get disjoint runs.

    ``limits``: the target range of each run's sentence, which an empty run may take a word from.
    """
    limits = limits or {}
    nodes: list = []
    cursor = lo
    for span, (start, end) in zip(spans, _place(spans, text, lo, hi, intervals, limits)):
        inline = span.inline
        _append_text(nodes, text[cursor:start])
        element = Element(inline.tag, inline.attrs)
        if inline.tag in VERBATIM:
            element.children = [source[inline.start : inline.end]]
            if start == end and inline.end > inline.start:  # inserted, not found: keep words apart
                if start > 0 and not text[start - 1].isspace():
                    _append_text(nodes, " ")
                nodes.append(element)
                if start < len(text) and not text[start].isspace():
                    nodes.append(" ")
                cursor = end
                continue
        elif inline.tag not in ATOMS and text[start:end].strip():
            element.children = _build(span.children, text, start, end, intervals, source, limits)
        elif inline.tag not in ATOMS:  # no translated word is left for this run: keep its source
            element.children = _build(
                span.children, source, inline.start, inline.end, _source_intervals(span), source
            )
        nodes.append(element)
        cursor = end
    _append_text(nodes, text[cursor:hi])
    return nodes


def _place(
    spans: Sequence[_Span],
    text: str,
    lo: int,
    hi: int,
    intervals: Mapping[int, tuple[int, int]],
    limits: Mapping[int, tuple[int, int]],
) -> list[tuple[int, int]]:
    """Each sibling's run, clamped into ``[lo, hi)`` in order; a run left without a word takes
    the nearest word not claimed by a sibling."""
    placed: list[tuple[int, int]] = []
    cursor = lo
    for span in spans:
        start, end = intervals[id(span.inline)]
        start = min(max(start, cursor), hi)
        end = start if span.inline.tag in ATOMS else min(max(end, start), hi)
        placed.append((start, end))
        cursor = end
    for i, span in enumerate(spans):
        start, end = placed[i]
        if span.inline.tag in ATOMS or span.inline.tag in VERBATIM or text[start:end].strip():
            continue
        free_lo = placed[i - 1][1] if i else lo
        free_hi = placed[i + 1][0] if i + 1 < len(spans) else hi
        seg_lo, seg_hi = limits.get(id(span.inline), (free_lo, free_hi))  # stay in the sentence
        free_lo, free_hi = max(free_lo, seg_lo), min(free_hi, seg_hi)
        words = [(free_lo + m.start(), free_lo + m.end()) for m in re.finditer(r"\S+", text[free_lo:free_hi])]
        if words:
            placed[i] = min(words, key=lambda w: (abs(w[0] - start), w[0]))
    return placed


def _source_intervals(span: _Span) -> dict[int, tuple[int, int]]:
    out: dict[int, tuple[int, int]] = {}
    stack = list(span.children)
    while stack:
        node = stack.pop()
        out[id(node.inline)] = (node.inline.start, node.inline.end)
        stack.extend(node.children)
    return out


def _append_text(nodes: list, text: str) -> None:
    if text:
        nodes.append(text)


# -- alignment ------------------------------------------------------------------------------


@dataclass
class _SegmentMap:
    """Monotone map from offsets of one source segment to offsets of its translation."""

    source: str
    target: str
    anchors: list[tuple[int, int]]
    starts: list[int]
    ends: list[int]

    @classmethod
    def create(cls, source: str, target: str) -> _SegmentMap:
        starts, ends = _word_boundaries(target)
        return cls(source, target, [(0, 0), (len(source), len(target))], starts, ends)

    def anchor(self, start: int, end: int, minimum: int = _MIN_ANCHOR) -> tuple[int, int] | None:
        """Anchor source ``[start, end)`` where the translation contains it verbatim."""
        needle = self.source[start:end]
        if len(needle.strip()) < minimum:
            return None
        (low_s, low_t), (high_s, high_t) = self._around(start, end)
        found = self.target.find(needle, low_t, high_t)
        if found < 0:
            return None
        bisect.insort(self.anchors, (start, found))
        bisect.insort(self.anchors, (end, found + len(needle)))
        return found, found + len(needle)

    def __call__(self, offset: int, end: bool = False) -> int:
        """Target offset of source ``offset``: a word start, or a word end when ``end``."""
        for s, t in self.anchors:
            if s == offset:
                return t
        (low_s, low_t), (high_s, high_t) = self._around(offset, offset)
        if high_s == low_s:
            return low_t
        guess = low_t + (offset - low_s) * (high_t - low_t) / (high_s - low_s)
        return _nearest(self.ends if end else self.starts, guess, low_t, high_t)

    def _around(self, start: int, end: int) -> tuple[tuple[int, int], tuple[int, int]]:
        low = max((a for a in self.anchors if a[0] <= start), default=self.anchors[0])
        high = min((a for a in self.anchors if a[0] >= end), default=self.anchors[-1])
        return low, high


def _word_boundaries(text: str) -> tuple[list[int], list[int]]:
    """Offsets where words start and where they end (every offset in scripts without spaces)."""
    if _SPACELESS.search(text) and not any(c.isspace() for c in text):
        every = list(range(len(text) + 1))
        return every, every
    starts = [i for i in range(len(text)) if not text[i].isspace() and (i == 0 or text[i - 1].isspace())]
    ends = [i for i in range(1, len(text) + 1) if not text[i - 1].isspace() and (i == len(text) or text[i].isspace())]
    return starts or [0], ends or [len(text)]


def _nearest(points: Sequence[int], guess: float, low: int, high: int) -> int:
    candidates = [p for p in points if low <= p <= high] or [low]
    return min(candidates, key=lambda p: (abs(p - guess), p))


@dataclass
class _BlockMap:
    """Maps block source offsets to offsets in the rebuilt (translated) block text."""

    pieces: list[tuple[int, int, int, _SegmentMap | None]]  # source start, end, target start, map
    text: str = ""
    anchored: dict[int, tuple[int, int]] = field(default_factory=dict)

    def offset(self, source_offset: int, prefer_end: bool = False) -> int:
        for start, end, target_start, seg_map in self.pieces:
            inside = start <= source_offset < end or (prefer_end and source_offset == end)
            if inside or source_offset == start:
                local = source_offset - start
                return target_start + (seg_map(local, prefer_end) if seg_map else local)
        last_start, last_end, last_target, seg_map = self.pieces[-1]
        return last_target + (len(seg_map.target) if seg_map else last_end - last_start)

    def interval(self, inline: Inline) -> tuple[int, int]:
        if id(inline) in self.anchored:
            return self.anchored[id(inline)]
        if inline.tag not in ATOMS:
            if inline.tag in VERBATIM:  # not found verbatim: insert the code at its place
                at = self.offset(inline.start)
                return at, at
        if inline.tag in ATOMS:  # glued to the word before it, or standing before the next word
            glued = inline.start > 0 and not self.text[inline.start - 1].isspace()
            at = self.offset(inline.start, prefer_end=glued)
            return at, at
        start = self.offset(inline.start)
        end = self.offset(inline.end, prefer_end=True)
        if end <= start:  # both ends snapped to the same gap: take the word that starts there
            end = self.offset(inline.end + 1, prefer_end=True) if inline.end < self._source_end() else start
        return start, max(start, end)

    def sentence(self, inline: Inline) -> tuple[int, int]:
        """Target range of the segment (or the text between segments) that holds ``inline``."""
        for start, end, target_start, seg_map in self.pieces:
            if start <= inline.start < end or (start == inline.start == end):
                length = len(seg_map.target) if seg_map else end - start
                return target_start, target_start + length
        last_start, last_end, target_start, seg_map = self.pieces[-1]
        return target_start, target_start + (len(seg_map.target) if seg_map else last_end - last_start)

    def place(self, block: Block, placed: Placed) -> None:
        """Runs a person placed (see :data:`Placed`) go where they put them."""
        starts = dict(zip((s.id for s in block.segments), (r[0] for r in self.segment_ranges())))
        for seg_id, runs in placed.items():
            if seg_id in starts:
                for k, (start, end) in runs.items():
                    if 0 <= k < len(block.inline):
                        self.anchored[id(block.inline[k])] = (starts[seg_id] + start, starts[seg_id] + end)

    def segment_ranges(self) -> list[tuple[int, int]]:
        """Target range of each segment, in order."""
        return [(t, t + len(m.target)) for _, _, t, m in self.pieces if m is not None]

    def _source_end(self) -> int:
        return self.pieces[-1][1]

    def anchor_runs(self, inlines: Sequence[Inline]) -> None:
        """Anchor runs in pre-order (outer first): an inner run is searched inside its parent."""
        for inline in inlines:
            if inline.tag in ATOMS:
                continue
            for start, end, target_start, seg_map in self.pieces:
                if seg_map and start <= inline.start and inline.end <= end:
                    minimum = 1 if inline.tag in VERBATIM else _MIN_ANCHOR  # code is copied: find it
                    found = seg_map.anchor(inline.start - start, inline.end - start, minimum)
                    if found is not None:
                        self.anchored[id(inline)] = (target_start + found[0], target_start + found[1])
                    break


def segment_intervals(
    block: Block, targets: Mapping[str, str], placed: Placed | None = None
) -> dict[str, dict[int, tuple[int, int]]]:
    """Per segment, where each run inside it (index in ``block.inline``) falls in its target:
    offsets in the segment's target, nested like the source runs (for XLIFF inline codes)."""
    _, mapping = _rebuild_with_map(block, targets, placed)
    out: dict[str, dict[int, tuple[int, int]]] = {}
    index = {id(i): k for k, i in enumerate(block.inline)}
    for seg, (target_start, target_end) in zip(block.segments, mapping.segment_ranges()):
        inside = [i for i in block.inline if seg.start <= i.start and i.end <= seg.end]
        spans: dict[int, tuple[int, int]] = {}
        _nest_into(span_tree(inside), target_start, target_end, mapping, spans)
        out[seg.id] = {index[key]: (s - target_start, e - target_start) for key, (s, e) in spans.items()}
    return out


def _nest_into(spans: Sequence[_Span], lo: int, hi: int, mapping: _BlockMap, out: dict) -> None:
    cursor = lo
    for span in spans:
        start, end = mapping.interval(span.inline)
        start = min(max(start, cursor), hi)
        end = start if span.inline.tag in ATOMS else min(max(end, start), hi)
        out[id(span.inline)] = (start, end)
        _nest_into(span.children, start, end, mapping, out)
        cursor = end


def _rebuild_with_map(
    block: Block, targets: Mapping[str, str], placed: Placed | None = None
) -> tuple[str, _BlockMap]:
    """Like :func:`article.rebuild_block`, also returning the offset map."""
    out: list[str] = []
    pieces: list[tuple[int, int, int, _SegmentMap | None]] = []
    pos = 0
    length = 0
    for seg in block.segments:
        gap = block.text[pos : seg.start]
        pieces.append((pos, seg.start, length, None))
        out.append(gap)
        length += len(gap)
        translated = targets.get(seg.id, seg.text)
        pieces.append((seg.start, seg.end, length, _SegmentMap.create(seg.text, translated)))
        out.append(translated)
        length += len(translated)
        pos = seg.end
    pieces.append((pos, len(block.text), length, None))
    out.append(block.text[pos:])
    block_map = _BlockMap(pieces, block.text)
    block_map.anchor_runs(block.inline)
    block_map.place(block, placed or {})
    return "".join(out), block_map


# -- serializers ----------------------------------------------------------------------------


def to_html(nodes: Sequence) -> str:
    """Inline nodes as HTML: text escaped, every element closed where it was opened."""
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(html.escape(node, quote=False))
        elif node.tag == "br":
            out.append("<br>")
        elif node.tag == "html":
            continue  # raw inline HTML from Markdown is kept in Markdown output only
        else:
            attrs = "".join(f' {k}="{html.escape(v, quote=True)}"' for k, v in node.attrs)
            out.append(f"<{node.tag}{attrs}>{to_html(node.children)}</{node.tag}>")
    return "".join(out)


_MD_ESCAPE = re.compile(r"([\\`*_\[\]<>&!|~])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))")
_MD_DELIMS = {"strong": "**", "em": "*", "del": "~~"}


def to_markdown(nodes: Sequence, parent: str = "") -> str:
    """Inline nodes as CommonMark; whitespace is kept outside emphasis delimiters."""
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(_MD_ESCAPE.sub(r"\\\1", node))
        elif node.tag == "br":
            out.append("\\\n")
        elif node.tag == "html":
            out.append(dict(node.attrs).get("raw", ""))
        elif node.tag == "code":
            out.append(_md_code(node.text()))
        else:
            out.append(_md_wrapped(node, parent))
    return "".join(out)


def markdown_block_start(text: str) -> str:
    """Escape a character that would make a paragraph's first line a heading, list or quote."""
    match = _MD_LINE_START.match(text)
    if not match:
        return text
    lead, marker = match.group(1), match.group(2)
    if marker.isdigit():
        return f"{lead}{marker}\\{text[match.end():]}"
    return f"{lead}\\{marker}{text[match.end():]}"


def _md_wrapped(node: Element, parent: str) -> str:
    inner = to_markdown(node.children, node.tag)
    stripped = inner.strip()
    if not stripped:
        return inner
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()) :]
    if node.tag == "a":
        attrs = dict(node.attrs)
        href = attrs.get("href", "")
        if not href or re.search(r"[\s()<>]", href):  # <...> form, < and > escaped
            href = "<" + re.sub(r"([<>])", r"\\\1", href) + ">"
        title = attrs.get("title")
        title_part = ' "' + re.sub(r'(["\\])', r"\\\1", title) + '"' if title else ""
        return f"{lead}[{stripped}]({href}{title_part}){trail}"
    delim = _MD_DELIMS.get(node.tag)
    if parent in _MD_DELIMS or not (stripped[0].isalnum() and stripped[-1].isalnum()):
        delim = None  # nested or punctuated emphasis: delimiters could fail to pair, tags cannot
    if delim is None:  # no Markdown syntax (u, sub, sup, ...) or see above: inline HTML
        return f"{lead}<{node.tag}>{stripped}</{node.tag}>{trail}"
    return f"{lead}{delim}{stripped}{delim}{trail}"


def _md_code(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or (text.startswith(" ") and text.strip()) else ""
    return f"{fence}{pad}{text}{pad}{fence}"
