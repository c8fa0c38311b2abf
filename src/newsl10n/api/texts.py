"""The API's texts (DeepL's ``text``, LibreTranslate's ``q``) as small articles, and back.

A text is plain text, an HTML fragment or an XML fragment. It is read into an
:class:`~newsl10n.model.SourceArticle` with the same segmenter, term matching and misspelling
corrections as an article file, so that it goes through the same translation path; the
translated segments are then written back into the same layout.

Markup is kept as the HTML ingest keeps it: the model only sees plain sentences, and each
inline element comes back around the translated text of its run (:mod:`newsl10n.bundle.markup`).
Every tag is written back exactly as it was sent (its raw text is kept), so tags the client
made up (Weblate's ``<x id="3"></x>`` placeholders), ignored tags (``ignore_tags``, ``translate="no"``)
and elements without text come back unchanged, as a whole, at their aligned place, with the
spaces they had around them.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from ..bundle.markup import target_nodes
from ..errors import InputError
from ..formats.common import RawBlock, build_article
from ..model import Article, Block, Correction, Segment, SourceArticle, rebuild_block
from ..segment import Segmenter, Span
from ..source import corrections_by_block, with_terms
from ..terms.source import SourceTerms

FORMATS = ("text", "html", "xml")
SPLITS = ("1", "0", "nonewlines")
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                  "track", "wbr"})  # fmt: skip
"""HTML elements without an end tag."""
BLOCKS = frozenset({"address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog", "div",
                    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
                    "h6", "header", "html", "li", "main", "nav", "ol", "p", "section", "summary", "table", "tbody",
                    "td", "tfoot", "th", "thead", "tr", "ul"})  # fmt: skip
"""HTML elements that start a block of their own (a sentence never runs across them)."""
KEPT = frozenset({"script", "style", "pre", "textarea", "template", "svg", "math", "head", "title"})
"""HTML elements whose content is never translated."""
_NAME = re.compile(r"</?\s*([^\s/>]+)")
OPEN_ATTR, CLOSE_ATTR, RAW_ATTR = "newsl10n-open", "newsl10n-close", "raw"


@dataclass(frozen=True)
class TextOptions:
    """How to read a text: ``fmt`` (text, html, xml), ``split`` (DeepL's split_sentences: 1
    sentences and lines, nonewlines sentences only, 0 the whole text or block as one segment),
    the tags whose content is kept as it is (``ignore``) and those that start a block
    (``splitting``); ``outline``: XML structure is found from the layout (DeepL's outline_detection)."""

    fmt: str = "text"
    split: str = "1"
    ignore: frozenset[str] = frozenset()
    splitting: frozenset[str] = frozenset()
    outline: bool = True


@dataclass
class ApiText:
    """One text read for translation: its article (segments, terms) and the way back."""

    source: SourceArticle
    pieces: list[str | int] = field(default_factory=list)
    """HTML and XML: raw markup kept as sent, and (as an int) where a block's translation goes."""
    edges: dict[int, tuple[str, str]] = field(default_factory=dict)
    """Per block index, the whitespace before and after its text, as sent."""

    def render(self, targets: Mapping[str, str]) -> str:
        """The text with every segment replaced by its translation (``targets`` by segment id)."""
        article = self.source.article
        if article.format == "text":
            return article.render({b.index: rebuild_block(b, targets) for b in article.blocks if b.segments})
        out: list[str] = []
        for piece in self.pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            before, after = self.edges[piece]
            out.append(before + serialize(target_nodes(article.blocks[piece], targets)[1]) + after)
        return "".join(out)


def read_text(
    text: str, options: TextOptions, *, name: str, lang: str, terms: SourceTerms, segmenter: Segmenter
) -> ApiText:
    """Read one text; InputError (naming ``name``) for XML that does not parse."""
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    splitter = _WholeText() if options.split == "0" else segmenter
    if options.fmt == "text":
        article, fixes = _plain_article(text, options.split, name, terms, splitter)
        return ApiText(with_terms(Path(name), article, sha, terms, fixes))
    root = parse_markup(text, xml=options.fmt == "xml", name=name)
    reader = _MarkupReader(options, terms)
    reader.walk(root, True)
    article = build_article(
        reader.blocks, name=name, source=text, fmt=options.fmt, lang=lang, protected=terms.protected, segmenter=splitter
    )
    fixes = corrections_by_block(article, reader.corrections)
    return ApiText(with_terms(Path(name), article, sha, terms, fixes), reader.pieces, reader.edges)


class _WholeText:
    """split_sentences=0: a block is one segment."""

    def spans(self, text: str, protected: Sequence[Span] = ()) -> list[Span]:
        stripped = text.strip()
        start = text.find(stripped) if stripped else 0
        return [(start, start + len(stripped))] if stripped else []


# --- plain text ------------------------------------------------------------------------------


def _plain_article(
    text: str, split: str, name: str, terms: SourceTerms, segmenter: Segmenter | _WholeText
) -> tuple[Article, dict[int, list[Correction]]]:
    """Blocks are the lines (split 1), or the whole text (nonewlines, 0); everything around
    them (newlines, indentation) stays in the gaps, so the layout comes back as it was."""
    regions = [(m.start(), m.end()) for m in re.finditer(r"[^\r\n]+", text)] if split == "1" else [(0, len(text))]
    blocks: list[Block] = []
    gaps: list[str] = []
    fixes: dict[int, list[Correction]] = {}
    pos = counter = 0
    for start, end in regions:
        raw = text[start:end]
        stripped = raw.strip()
        if not stripped:
            continue
        start += raw.find(stripped)
        index = len(blocks)
        body, fixes[index] = terms.correct(stripped)
        # nonewlines: a newline inside the block is read as a space (same offsets) when splitting.
        spans = segmenter.spans(body.replace("\r", " ").replace("\n", " "), terms.protected(body))
        segments = []
        for s, e in spans:
            counter += 1
            segments.append(Segment(f"s{counter}", index, "paragraph", body[s:e], s, e))
        gaps.append(text[pos:start])
        blocks.append(Block(index, "paragraph", body, tuple(segments), "p"))
        pos = start + len(stripped)
    gaps.append(text[pos:])
    return Article(name=name, blocks=tuple(blocks), gaps=tuple(gaps), source=text, format="text"), fixes


# --- markup ----------------------------------------------------------------------------------


@dataclass
class Node:
    """An element as sent: its name (as written), start and end tag (raw), and content."""

    name: str
    start: str = ""
    end: str = ""
    attrs: tuple[tuple[str, str | None], ...] = ()
    children: list[Node | Text | Raw] = field(default_factory=list)

    def raw(self) -> str:
        return self.start + "".join(c.raw() for c in self.children) + self.end

    def has_text(self) -> bool:
        return any(c.has_text() for c in self.children)


@dataclass
class Text:
    source: str
    text: str

    def raw(self) -> str:
        return self.source

    def has_text(self) -> bool:
        return bool(self.text.strip())


@dataclass
class Raw:
    """Markup that is not an element: a comment, a declaration, a processing instruction, CDATA."""

    source: str

    def raw(self) -> str:
        return self.source

    def has_text(self) -> bool:
        return False


class _Events(HTMLParser):
    """Tokens with the offset where each starts; the raw text of a token runs to the next one."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[str, str, tuple[tuple[str, str | None], ...], tuple[int, int], str]] = []

    def _add(self, kind: str, name: str = "", attrs=(), data: str = "") -> None:
        self.events.append((kind, name, tuple(attrs), self.getpos(), data))

    def handle_starttag(self, tag, attrs):
        self._add("start", tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._add("empty", tag, attrs)

    def handle_endtag(self, tag):
        self._add("end", tag)

    def handle_data(self, data):
        self._add("data", data=data)

    def handle_comment(self, data):
        self._add("raw")

    def handle_decl(self, decl):
        self._add("raw")

    def handle_pi(self, data):
        self._add("raw")

    def unknown_decl(self, data):
        self._add("raw")


def parse_markup(text: str, *, xml: bool, name: str) -> Node:
    """The fragment's tree; every character of ``text`` is in exactly one node's raw text.

    HTML is read leniently (void elements, end tags left out). XML must be well-formed as far as
    elements go: an end tag that closes nothing open, or an element left open, is an InputError."""
    events = _Events()
    events.feed(text)
    events.close()
    lines = [0] + [m.end() for m in re.finditer("\n", text)]
    offsets = [lines[line - 1] + col for _, _, _, (line, col), _ in events.events] + [len(text)]
    root = Node("")
    stack = [root]
    for (kind, _, attrs, _, data), start, end in zip(events.events, offsets, offsets[1:]):
        raw = text[start:end]
        written = (_NAME.match(raw) or _NAME.match("<?")).group(1) if kind in ("start", "empty", "end") else ""
        tag = written if xml else written.lower()
        if kind == "data":
            stack[-1].children.append(Text(raw, data))
        elif kind == "raw":
            stack[-1].children.append(Raw(raw))
        elif kind == "empty" or (kind == "start" and not xml and tag in VOID):
            stack[-1].children.append(Node(tag, raw, "", attrs))
        elif kind == "start":
            node = Node(tag, raw, "", attrs)
            stack[-1].children.append(node)
            stack.append(node)
        elif any(n.name == tag for n in stack[1:]):
            while stack[-1].name != tag:  # HTML: elements whose end tag was left out end here
                _unclosed(stack.pop(), xml, name)
            stack.pop().end = raw
        elif xml:
            raise InputError(f"{name}: XML end tag </{tag}> closes no open element")
        else:
            stack[-1].children.append(Raw(raw))  # a stray HTML end tag: kept as it is
    for node in stack[1:]:
        _unclosed(node, xml, name)
    return root


def _unclosed(node: Node, xml: bool, name: str) -> None:
    if xml:
        raise InputError(f"{name}: XML element <{node.name}> is not closed")


@dataclass
class _MarkupReader:
    """Walks the tree: structure is kept as raw pieces, each run of inline content becomes a block."""

    options: TextOptions
    terms: SourceTerms
    pieces: list[str | int] = field(default_factory=list)
    blocks: list[RawBlock] = field(default_factory=list)
    edges: dict[int, tuple[str, str]] = field(default_factory=dict)
    corrections: list[Correction] = field(default_factory=list)

    def walk(self, node: Node, outer: bool = False) -> None:
        if not outer:
            self.pieces.append(node.start)
        outline = self._outline(node)
        run: list[Node | Text | Raw] = []
        for child in node.children:
            if isinstance(child, Node) and not self._kept(child) and (outline or self._starts_block(child)):
                self._run(run)
                run = []
                self.walk(child)
            else:
                run.append(child)
        self._run(run)
        if not outer:
            self.pieces.append(node.end)

    def _kept(self, node: Node) -> bool:
        """Content sent back as it is: ignored tags, HTML's code and scripts, translate="no",
        and elements without text (placeholders, images)."""
        attrs = dict(node.attrs)
        ignore = self.options.ignore if self.options.fmt == "xml" else {t.lower() for t in self.options.ignore}
        kept = node.name in ignore or not node.has_text()
        if self.options.fmt == "html":
            classes = (attrs.get("class") or "").split()
            kept = kept or node.name in KEPT or attrs.get("translate") == "no" or "notranslate" in classes
        return kept or (not node.end and node.name in VOID)

    def _outline(self, node: Node) -> bool:
        """Whether each element inside ``node`` is a block of its own: the one element of a
        wrapper, and in XML (outline detection) the elements of one that holds only elements on
        lines of their own (``<doc>\\n  <title>...</title>\\n  <body>...</body>\\n</doc>``);
        elements side by side in a line are inline."""
        texts = [c for c in node.children if isinstance(c, Text)]
        if any(t.has_text() for t in texts):
            return False
        if sum(1 for c in node.children if isinstance(c, Node) and c.has_text()) == 1:
            return True
        return self.options.fmt == "xml" and self.options.outline and any("\n" in t.text for t in texts)

    def _starts_block(self, node: Node) -> bool:
        return node.name in self.options.splitting or (self.options.fmt == "html" and node.name in BLOCKS)

    def _run(self, items: list[Node | Text | Raw]) -> None:
        raw = "".join(i.raw() for i in items)
        if not any(i.has_text() and not (isinstance(i, Node) and self._kept(i)) for i in items):
            self.pieces.append(raw)
            return
        block = RawBlock("p")
        self._inline(items, block)
        self.edges[len(self.blocks)] = (_lead(raw), raw[len(raw.rstrip()) :])
        self.pieces.append(len(self.blocks))
        self.blocks.append(block)

    def _inline(self, items: Sequence[Node | Text | Raw], block: RawBlock) -> None:
        for k, item in enumerate(items):
            if isinstance(item, Text):
                fixed, made = self.terms.correct(item.text)
                self.corrections += made
                block.text(fixed)
            elif isinstance(item, Raw) or self._kept(item):
                before = "".join(block.parts)[-1:].isspace()
                after = _lead(self._text_after(items[k + 1 :]))[:1] != ""
                spaces = (("space-before", "1"),) * before + (("space-after", "1"),) * after
                block.atom("html", ((RAW_ATTR, item.raw()), *spaces))
                if isinstance(item, Node) and item.name == "br" and not (before or after):
                    block.text(" ")  # "one<br>two": the model reads two words, not "onetwo"
            else:
                block.open(item.name.lower(), ((OPEN_ATTR, item.start), (CLOSE_ATTR, item.end)))
                self._inline(item.children, block)
                block.close()

    def _text_after(self, items: Sequence[Node | Text | Raw]) -> str:
        """The text right after an atom (for the space after it); "" when markup that is kept
        comes first."""
        for item in items:
            if isinstance(item, Text):
                return item.text
            if isinstance(item, Raw) or self._kept(item):
                return ""
            if item.has_text():
                return self._text_after(item.children)
        return ""


def _lead(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]


def serialize(nodes: Sequence) -> str:
    """Translated inline nodes as markup: text escaped, every tag written as it was sent, a kept
    element with the spaces it had around it."""
    out: list[str] = []
    pending_space = False
    for node in nodes:
        if isinstance(node, str):
            if pending_space and node and not node[0].isspace():
                out.append(" ")
            out.append(html.escape(node, quote=False))
            pending_space = False
            continue
        if pending_space:
            out.append(" ")
            pending_space = False
        attrs = dict(node.attrs)
        if node.tag == "html":
            if attrs.get("space-before") and out and not out[-1][-1:].isspace():
                out.append(" ")
            out.append(attrs.get(RAW_ATTR, ""))
            pending_space = bool(attrs.get("space-after"))
        else:
            out.append(attrs.get(OPEN_ATTR, "") + serialize(node.children) + attrs.get(CLOSE_ATTR, ""))
    return "".join(out)
