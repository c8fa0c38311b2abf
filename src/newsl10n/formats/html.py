"""HTML articles: trafilatura finds the article body (no navigation, footer or comments)."""

from __future__ import annotations

from collections.abc import Collection

from ..errors import InputError
from ..model import Article
from .common import Progress, ProtectedSpans, RawBlock, build_article

# trafilatura's XML output: <hi rend="#b"> and friends -> HTML inline tags.
_HI_TAGS = {"#b": "strong", "#i": "em", "#u": "u", "#t": "code", "#sub": "sub", "#sup": "sup", "#del": "del"}
_SKIP = frozenset({"graphic", "table", "note", "fw"})


def read_html(
    text: str,
    *,
    name: str,
    source: str,
    lang: str = "en",
    ui_strings: Collection[str] = (),
    protected: ProtectedSpans | None = None,
    progress: Progress | None = None,
) -> Article:
    """Parse an HTML page's main article (headline, headings, paragraphs, lists, inline markup)."""
    import trafilatura
    from lxml import etree

    xml = trafilatura.extract(
        text,
        output_format="xml",
        include_comments=False,
        include_formatting=True,
        include_links=True,
        include_tables=False,
        include_images=False,
        with_metadata=True,
        favor_recall=True,
    )
    if not xml:
        raise InputError(f"{source}: no article text found in the HTML")
    doc = etree.fromstring(xml.encode("utf-8"))
    main = doc.find("main")
    blocks: list[RawBlock] = []
    for element in main if main is not None else ():
        blocks.extend(_blocks(element))
    article = build_article(
        blocks,
        name=name,
        source=text,
        fmt="html",
        lang=lang,
        ui_strings=ui_strings,
        protected=protected,
        title=doc.get("title") or "",
        progress=progress,
    )
    if not article.segments:
        raise InputError(f"{source}: no article text found in the HTML")
    return article


def _blocks(element) -> list[RawBlock]:
    tag = element.tag
    if tag == "head":
        rend = element.get("rend") or "h2"
        block = RawBlock(rend if rend in {f"h{i}" for i in range(1, 7)} else "h2")
    elif tag == "list":
        container = "ol" if (element.get("rend") or "").startswith("ol") else "ul"
        items = []
        for item in element.iter("item"):
            block = RawBlock("li", container)
            _inline(item, block, top=True)
            items.append(block)
        return items
    elif tag == "quote":
        return [b for child in element for b in _blocks(child)] or [_para(element)]
    elif tag == "code":
        block = RawBlock("pre")
        block.text("".join(element.itertext()))
        return [block]
    elif tag in _SKIP:
        return []
    else:
        return [_para(element)]
    _inline(element, block, top=True)
    return [block]


def _para(element) -> RawBlock:
    block = RawBlock("p")
    _inline(element, block, top=True)
    return block


def _inline(element, block: RawBlock, top: bool = False) -> None:
    """Text and inline elements of ``element`` into ``block`` (its tail too, unless top)."""
    tag, attrs = _inline_tag(element) if not top else (None, ())
    if element.tag == "lb" and not top:
        block.atom("br")
    elif tag:
        block.open(tag, attrs)
    if element.text and element.tag != "lb":
        block.text(element.text)
    for child in element:
        if child.tag in _SKIP:
            if child.tail:
                block.text(child.tail)
            continue
        _inline(child, block)
    if tag and element.tag != "lb":
        block.close()
    if not top and element.tail:
        block.text(element.tail)


def _inline_tag(element) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    if element.tag == "hi":
        return _HI_TAGS.get(element.get("rend") or ""), ()
    if element.tag == "ref":
        target = element.get("target")
        return ("a", (("href", target),)) if target else (None, ())
    if element.tag == "code":
        return "code", ()
    return None, ()
