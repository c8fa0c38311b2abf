"""The values that flow through the pipeline: Article, Block and Segment.

An :class:`Article` keeps every character of its source: ``gaps[i]`` is the exact text (blank
lines, indentation, line endings) before block ``i`` and ``gaps[-1]`` the text after the last
block. Joining gaps and blocks gives the input back byte for byte, and joining them with
translated blocks gives the localized article in the same layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["section", "headline", "heading", "paragraph", "ui", "verbatim"]
BODY_KINDS: frozenset[str] = frozenset({"headline", "heading", "paragraph"})


@dataclass(frozen=True)
class Segment:
    """A unit of translation: one sentence, or one whole headline or heading."""

    id: str
    block: int
    kind: BlockKind
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Inline:
    """Inline markup over ``[start, end)`` of a block's plain text (HTML and Markdown input).

    ``tag`` is an HTML name (strong, em, a, code, ...); ``attrs`` are (name, value) pairs.
    ``br`` and ``html`` (raw inline HTML from Markdown, in attrs ``raw``) have no text.
    A block's inlines are properly nested and listed in document (pre-)order.
    """

    start: int
    end: int
    tag: str
    attrs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Block:
    """One block of an article. ``text`` is plain text; HTML and Markdown input also set
    ``tag`` (h1..h6, p, li, pre), ``container`` (ul/ol for list items) and ``inline``."""

    index: int
    kind: BlockKind
    text: str
    segments: tuple[Segment, ...] = ()
    tag: str = ""
    container: str = ""
    inline: tuple[Inline, ...] = ()

    @property
    def is_body(self) -> bool:
        return self.kind in BODY_KINDS


@dataclass(frozen=True)
class Article:
    name: str
    blocks: tuple[Block, ...]
    gaps: tuple[str, ...]
    source: str = field(repr=False)
    format: str = "text"
    """Input format: text, html or markdown."""

    @property
    def segments(self) -> list[Segment]:
        return [seg for block in self.blocks for seg in block.segments]

    @property
    def body_blocks(self) -> list[Block]:
        return [b for b in self.blocks if b.is_body]

    @property
    def ui_blocks(self) -> list[Block]:
        return [b for b in self.blocks if not b.is_body and b.kind != "verbatim"]

    def render(self, block_texts: dict[int, str] | None = None) -> str:
        """The article text with some blocks replaced (by index), layout kept exactly."""
        block_texts = block_texts or {}
        parts: list[str] = []
        for gap, block in zip(self.gaps, self.blocks):
            parts.append(gap)
            parts.append(block_texts.get(block.index, block.text))
        parts.append(self.gaps[-1])
        return "".join(parts)


def rebuild_block(block: Block, translations: dict[str, str]) -> str:
    """Block text with each segment replaced by its translation; text between segments kept."""
    out: list[str] = []
    pos = 0
    for seg in block.segments:
        out.append(block.text[pos : seg.start])
        out.append(translations.get(seg.id, seg.text))
        pos = seg.end
    out.append(block.text[pos:])
    return "".join(out)
