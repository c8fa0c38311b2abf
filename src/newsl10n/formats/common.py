"""What the HTML and Markdown readers share: collecting inline runs and building the Article."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from ..ingest import Progress
from ..model import Article, Block, BlockKind, Inline, Segment
from ..segment import Segmenter, Span

ProtectedSpans = Callable[[str], Sequence[Span]]
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
"""URL schemes a link may keep; a link without a scheme (relative, ``#anchor``) is kept too."""
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f-\x9f]+")
"""What browsers strip from a URL before reading its scheme (``java\tscript:``, leading spaces)."""


def is_safe_url(url: str) -> bool:
    """True for http(s), mailto and scheme-less URLs; entities (``&colon;``), case, controls and
    spaces are seen through, so ``JaVa&#x09;script&colon;`` is refused like ``javascript:``."""
    for form in (url, html.unescape(url), html.unescape(html.unescape(url))):
        match = _SCHEME.match(_IGNORED_IN_URLS.sub("", form))
        if match and match.group(1).lower() not in SAFE_SCHEMES:
            return False
    return True


_HARMLESS_TAG = re.compile(
    r"</?(?:abbr|b|bdi|bdo|cite|code|del|dfn|em|i|ins|kbd|mark|q|s|samp|small|span|strong|sub|sup|time|u|var|wbr|br)"
    r"""(?:\s+(?:class|lang|dir|title|datetime)\s*=\s*(?:"[^"<>&]*"|'[^'<>&]*'))*\s*/?>""",
    re.IGNORECASE,
)


def is_harmless_tag(raw: str) -> bool:
    """A raw inline HTML tag that Markdown output may keep as it is: a formatting element with
    only class/lang/dir/title/datetime attributes. Anything else (script, img, event handlers,
    links) is the reader's to turn into text."""
    return _HARMLESS_TAG.fullmatch(raw.strip()) is not None


def safe_attrs(attrs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Inline attributes without a link to an unsafe URL (the readers' one gate: no ``Inline``
    ever holds a ``javascript:``, ``vbscript:`` or ``data:`` href)."""
    return tuple((k, v) for k, v in attrs if k not in ("href", "src") or is_safe_url(v))


@dataclass
class RawBlock:
    """A block as read: its HTML tag, list container, plain text and inline runs."""

    tag: str
    container: str = ""
    parts: list[str] = field(default_factory=list)
    inline: list[Inline] = field(default_factory=list)
    _open: list[tuple[int, str, tuple[tuple[str, str], ...]]] = field(default_factory=list)

    @property
    def length(self) -> int:
        return sum(len(p) for p in self.parts)

    def text(self, value: str) -> None:
        self.parts.append(value)

    def open(self, tag: str, attrs: tuple[tuple[str, str], ...] = ()) -> None:
        """Start an inline element; its place in pre-order is kept by a placeholder."""
        attrs = safe_attrs(attrs)
        self._open.append((len(self.inline), tag, attrs))
        self.inline.append(Inline(self.length, self.length, tag, attrs))

    def close(self) -> None:
        slot, tag, attrs = self._open.pop()
        self.inline[slot] = Inline(self.inline[slot].start, self.length, tag, attrs)

    def atom(self, tag: str, attrs: tuple[tuple[str, str], ...] = ()) -> None:
        self.inline.append(Inline(self.length, self.length, tag, safe_attrs(attrs)))

    def finish(self) -> tuple[str, tuple[Inline, ...]]:
        """Plain text with outer whitespace trimmed (runs shifted), whitespace runs collapsed."""
        while self._open:
            self.close()
        raw = "".join(self.parts)
        if self.tag == "pre":  # code blocks keep their whitespace and are never translated
            return raw.strip("\n"), ()
        return _collapse(raw, self.inline)


def _collapse(raw: str, inlines: Sequence[Inline]) -> tuple[str, tuple[Inline, ...]]:
    """Collapse whitespace (as HTML rendering does) and trim, remapping inline offsets."""
    out: list[str] = []
    new_pos = [0] * (len(raw) + 1)
    for i, ch in enumerate(raw):
        new_pos[i] = len(out)
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
        else:
            out.append(ch)
    new_pos[len(raw)] = len(out)
    text = "".join(out)
    trimmed = text.rstrip()
    lead = len(trimmed) - len(trimmed.lstrip())
    trimmed = trimmed.strip()

    def place(offset: int) -> int:
        return min(max(new_pos[offset] - lead, 0), len(trimmed))

    kept = tuple(
        Inline(place(i.start), place(i.end), i.tag, i.attrs)
        for i in inlines
        if place(i.end) > place(i.start) or i.tag in ("br", "html")
    )
    return trimmed, kept


def build_article(
    raw_blocks: Sequence[RawBlock],
    *,
    name: str,
    source: str,
    fmt: str,
    lang: str = "en",
    ui_strings: Collection[str] = (),
    protected: ProtectedSpans | None = None,
    segmenter: Segmenter | None = None,
    title: str = "",
    progress: Progress | None = None,
) -> Article:
    """Kinds (first h1 is the headline), segments (never split inside an inline run), gaps.

    ``progress`` is called after each block, in characters of the blocks' plain text."""
    segmenter = segmenter or Segmenter(lang)
    known_ui = {_normalize(s) for s in ui_strings}
    finished = [(raw, *raw.finish()) for raw in raw_blocks]
    finished = [(raw, text, inline) for raw, text, inline in finished if text or raw.tag == "pre"]
    if title and not any(raw.tag == "h1" for raw, _, _ in finished):
        finished.insert(0, (RawBlock("h1"), " ".join(title.split()), ()))
    blocks: list[Block] = []
    counter = done = 0
    total = sum(len(text) for _, text, _ in finished)
    headline_seen = False
    for index, (raw, text, inline) in enumerate(finished):
        kind = _kind(raw.tag, text, known_ui, headline_seen)
        headline_seen = headline_seen or kind == "headline"
        if kind in ("headline", "heading"):
            spans: Sequence[Span] = [(0, len(text))]
        elif kind == "paragraph":
            runs = [(i.start, i.end) for i in inline if i.end > i.start]
            extra = list(protected(text)) if protected else []
            spans = segmenter.spans(text, sorted(runs + extra))
        else:
            spans = []
        segments = []
        for start, end in spans:
            counter += 1
            segments.append(Segment(f"s{counter}", index, kind, text[start:end], start, end))
        blocks.append(Block(index, kind, text, tuple(segments), raw.tag, raw.container, inline))
        done += len(text)
        if progress:
            progress(done, total)
    gaps = ("",) + ("\n\n",) * (len(blocks) - 1) + ("\n",) if blocks else ("",)
    return Article(name=name, blocks=tuple(blocks), gaps=gaps, source=source, format=fmt)


def _kind(tag: str, text: str, known_ui: set[str], headline_seen: bool) -> BlockKind:
    if tag == "pre":
        return "verbatim"
    if _normalize(text) in known_ui:
        return "ui"
    if tag == "h1" and not headline_seen:
        return "headline"
    if tag.startswith("h") and tag[1:].isdigit():
        return "heading"
    return "paragraph"


def _normalize(line: str) -> str:
    return " ".join(line.split()).casefold()
