"""Markdown articles through markdown-it-py (CommonMark)."""

from __future__ import annotations

import re
from collections.abc import Collection

from ..errors import InputError
from ..model import Article
from .common import Progress, ProtectedSpans, RawBlock, build_article, is_harmless_tag

_PAIRED = {"strong_open": "strong", "em_open": "em", "s_open": "del", "link_open": "a"}
_CLOSING = frozenset({"strong_close", "em_close", "s_close", "link_close"})


def read_markdown(
    text: str,
    *,
    name: str,
    source: str,
    lang: str = "en",
    ui_strings: Collection[str] = (),
    protected: ProtectedSpans | None = None,
    progress: Progress | None = None,
) -> Article:
    """Parse headings, paragraphs, list items, block quotes and code blocks with inline markup."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("strikethrough").parse(text)
    blocks: list[RawBlock] = []
    containers: list[str] = []
    in_item = 0
    pending_tag = "p"
    for token in tokens:
        if token.type in ("bullet_list_open", "ordered_list_open"):
            containers.append(token.tag)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            containers.pop()
        elif token.type == "list_item_open":
            in_item += 1
        elif token.type == "list_item_close":
            in_item -= 1
        elif token.type == "heading_open":
            pending_tag = token.tag
        elif token.type == "paragraph_open":
            pending_tag = "li" if in_item else "p"
        elif token.type == "inline":
            container = containers[-1] if pending_tag == "li" and containers else ""
            blocks.append(_inline_block(token.children or [], pending_tag, container))
            pending_tag = "p"
        elif token.type in ("fence", "code_block"):
            block = RawBlock("pre")
            block.text(token.content)
            blocks.append(block)
    article = build_article(
        blocks,
        name=name,
        source=text,
        fmt="markdown",
        lang=lang,
        ui_strings=ui_strings,
        protected=protected,
        progress=progress,
    )
    if not article.segments:
        raise InputError(f"{source}: no article text found in the Markdown")
    return article


def _inline_block(children, tag: str, container: str) -> RawBlock:
    block = RawBlock(tag, container)
    kept: list[str] = []  # the raw opening tags kept so far, innermost last
    for child in children:
        if child.type == "text":
            block.text(child.content)
        elif child.type == "softbreak":
            block.text("\n")
        elif child.type == "hardbreak":
            block.atom("br")
            block.text("\n")
        elif child.type == "code_inline":
            block.open("code")
            block.text(child.content)
            block.close()
        elif child.type == "html_inline" and is_harmless_tag(child.content) and _pairs_up(child.content, kept):
            block.atom("html", (("raw", child.content),))
        elif child.type == "html_inline":
            block.text(child.content)  # script, img, handlers...: text, escaped in every output
        elif child.type == "image":
            block.text(child.content)  # the alt text; the image itself is not kept
        elif child.type in _PAIRED:
            attrs = ()
            if child.type == "link_open":
                attrs = tuple((k, str(v)) for k, v in (child.attrs or {}).items() if k in ("href", "title"))
            block.open(_PAIRED[child.type], attrs)
        elif child.type in _CLOSING:
            block.close()
    return block


_TAG_NAME = re.compile(r"^<(/?)\s*([A-Za-z][\w-]*)")


def _pairs_up(raw: str, kept: list[str]) -> bool:
    """Whether a harmless raw tag may stay markup: an opening tag always (it is remembered in
    ``kept``), a closing tag only when it closes the last kept opening tag of its name, so a
    closing tag whose opening tag was made text (``<span onclick=...>``) becomes text too."""
    match = _TAG_NAME.match(raw.strip())
    if match is None or raw.rstrip().endswith("/>"):
        return True
    closing, name = match.group(1) == "/", match.group(2).lower()
    if not closing:
        kept.append(name)
        return True
    if name not in kept:
        return False
    del kept[len(kept) - 1 - kept[::-1].index(name)]
    return True
