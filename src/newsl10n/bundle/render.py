"""Write a localized HTML or Markdown article with its inline markup restored."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ..model import Article, Block
from .markup import (
    Placed,
    markdown_block_start,
    source_nodes,
    target_nodes,
    to_html,
    to_markdown,
)


def block_nodes(block: Block, targets: Mapping[str, str], placed: Placed | None = None) -> list:
    """Translated inline tree of a body block (runs where ``placed`` puts them, the alignment's
    place else); other blocks as they are."""
    if block.is_body:
        return target_nodes(block, targets, placed)[1]
    return source_nodes(block)


def html_body(article: Article, targets: Mapping[str, str], placed: Placed | None = None) -> str:
    """The article's blocks as HTML (list items grouped into ul/ol), every tag closed."""
    out: list[str] = []
    for container, blocks in _grouped(article.blocks):
        items = [_html_block(b, targets, placed) for b in blocks]
        out.append(f"<{container}>\n" + "\n".join(items) + f"\n</{container}>" if container else items[0])
    return "\n".join(out)


def _html_block(block: Block, targets: Mapping[str, str], placed: Placed | None) -> str:
    if block.kind == "verbatim":
        from html import escape

        return f"<pre><code>{escape(block.text, quote=False)}</code></pre>"
    tag = block.tag or {"headline": "h1", "heading": "h2"}.get(block.kind, "p")
    css = ' class="ui"' if block.kind == "ui" else ""
    return f"<{tag}{css}>{to_html(block_nodes(block, targets, placed))}</{tag}>"


def markdown_document(article: Article, targets: Mapping[str, str], placed: Placed | None = None) -> str:
    """The article as CommonMark: headings, paragraphs, lists, fenced code."""
    out: list[str] = []
    for container, blocks in _grouped(article.blocks):
        if container:
            out.append("\n".join(_md_item(b, targets, placed, n, container) for n, b in enumerate(blocks, 1)))
        else:
            out.append(_md_block(blocks[0], targets, placed))
    return "\n\n".join(out) + "\n"


def _md_block(block: Block, targets: Mapping[str, str], placed: Placed | None) -> str:
    if block.kind == "verbatim":
        fence = "```" if "```" not in block.text else "~~~~"
        return f"{fence}\n{block.text}\n{fence}"
    text = to_markdown(block_nodes(block, targets, placed))
    tag = block.tag or {"headline": "h1", "heading": "h2"}.get(block.kind, "p")
    if tag.startswith("h") and tag[1:].isdigit():
        return "#" * int(tag[1:]) + " " + text.replace("\\\n", " ")
    return markdown_block_start(text)


def _md_item(block: Block, targets: Mapping[str, str], placed: Placed | None, number: int, container: str) -> str:
    marker = f"{number}. " if container == "ol" else "- "
    text = markdown_block_start(to_markdown(block_nodes(block, targets, placed)))
    return marker + text.replace("\n", "\n" + " " * len(marker))


def _grouped(blocks: Sequence[Block]) -> Iterator[tuple[str, list[Block]]]:
    """Consecutive list items of the same container together; other blocks one by one."""
    group: list[Block] = []
    for block in blocks:
        if block.container and group and group[-1].container == block.container:
            group.append(block)
            continue
        if group:
            yield group[0].container, group
        group = [block]
    if group:
        yield group[0].container, group
