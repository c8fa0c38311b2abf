"""IPTC ninjs (News in JSON) items as articles: headlines, descriptions and bodies are the text
to translate; everything else (uri, by, slugline, subjects, renditions ...) is the item's, kept
as it is by the writer (:mod:`newsl10n.bundle.ninjs`).

ninjs 3.x (camelCase keys: ``headlines``, ``bodies`` with ``contentType``, ``altIds``), 2.x (the
same in lower case: ``contenttype``, ``altids``) and 1.x (``headline``, ``body_text``,
``body_html``, ``description_text`` ...). The main headline (role ``main``, else the first) is the
article's headline, the other headlines headings; descriptions and bodies are paragraphs, an
HTML body with its headings, lists and inline markup (bold, italics, links, code). A body that
holds the same text as another one (a plain-text rendition of an HTML body) is translated once
and written again from that translation. :func:`text_fields` says where each block comes from;
reader and writer both call it on the original item, so they agree on the order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from ..errors import InputError
from ..model import Article
from .common import Progress, ProtectedSpans, RawBlock, build_article, safe_attrs

_CAMEL_ONLY = frozenset({
    "versionCreated", "altIds", "edNote", "contentCreated", "firstCreated", "copyrightHolder", "copyrightNotice",
    "usageTerms", "infoSources", "pubStatus", "embargoedUntil", "rightsInfo", "trustIndicators", "representationType",
})  # fmt: skip
_INLINE = {"strong": "strong", "b": "strong", "em": "em", "i": "em", "u": "u", "a": "a", "code": "code",
           "sub": "sub", "sup": "sup", "del": "del", "s": "del"}  # fmt: skip
_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "li"})
_CONTAINERS = frozenset({"div", "section", "article", "blockquote", "body", "main", "figure", "header", "footer"})
_SKIP = frozenset({"script", "style", "img", "figcaption", "table", "iframe", "video", "audio", "object", "embed"})
T = TypeVar("T")


@dataclass(frozen=True)
class Style:
    """How an item spells its keys: ``major`` 1, 2 or 3, ``minor`` where the item says it."""

    major: int
    minor: int | None = None

    def key(self, camel: str) -> str:
        """The item's name of a 3.x key (``contentType`` is ``contenttype`` before 3.0)."""
        return camel if self.major >= 3 else camel.lower()

    @property
    def version(self) -> str:
        return f"{self.major}.{self.minor}" if self.minor is not None else f"{self.major}.x"


@dataclass
class TextField:
    """One translated text of an item: where it is (``path`` of keys and indexes), whether it
    is HTML, its blocks, and the other values written from its translation (``renditions``)."""

    kind: str  # headline, heading, description, body
    path: tuple[object, ...]
    html: bool
    blocks: list[RawBlock]
    renditions: list[tuple[tuple[object, ...], bool]] = field(default_factory=list)


def parse_item(text: str, *, source: str) -> dict:
    """The item's JSON object; anything else is refused with one line."""
    try:
        item = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(item, dict) or not isinstance(item.get("uri"), str) or not item["uri"]:
        raise InputError(f"{source}: not a ninjs item (a JSON object with a 'uri' is expected)")
    return item


def item_style(item: Mapping[str, object]) -> Style:
    """The ninjs version an item is written in: its ``standard`` (``$standard`` in 1.x) when
    it names one, else what its keys show."""
    standard = item.get("standard") or item.get("$standard")
    if isinstance(standard, dict):
        match = re.match(r"^(\d+)(?:\.(\d+))?", str(standard.get("version", "")))
        if match:
            return Style(int(match.group(1)), int(match.group(2)) if match.group(2) else None)
    if _CAMEL_ONLY & set(item) or any("contentType" in v for v in _entries(item, "bodies", "headlines", "descriptions")):
        return Style(3)
    if any(key in item for key in ("headlines", "bodies", "descriptions")):
        return Style(2)
    return Style(1)


def value_at(item: object, path: Sequence[object]) -> object:
    """The value at ``path`` (keys and indexes, as :attr:`TextField.path`) of an item."""
    for step in path:
        item = item[step]  # type: ignore[index]
    return item


def set_value(item: dict, path: Sequence[object], value: str) -> None:
    holder = value_at(item, path[:-1])
    holder[path[-1]] = value  # type: ignore[index]


def fix_text_fields(
    text: str, fix: Callable[[str, bool], tuple[str, list[T]]], *, source: str
) -> tuple[str, list[T]]:
    """The item ``text`` with ``fix(value, html)`` applied to each text to translate (and to the
    renditions written from one, so that they stay its copies), and what ``fix`` found in the
    article's texts, in article order. Nothing else of the item (keys, URIs, slugline, byline
    ...) reaches ``fix``; the item's text comes back as it was when ``fix`` changed nothing."""
    item = parse_item(text, source=source)
    found: list[T] = []
    changed = False
    for text_field in text_fields(item, item_style(item)):
        for n, (path, html) in enumerate([(text_field.path, text_field.html), *text_field.renditions]):
            value = str(value_at(item, path))
            fixed, made = fix(value, html)
            if n == 0:
                found.extend(made)
            if fixed != value:
                set_value(item, path, fixed)
                changed = True
    return (json.dumps(item, ensure_ascii=False, indent=2) if changed else text), found


def is_item(text: str) -> bool:
    """Whether ``text`` is a ninjs item with text to translate (a JSON object with a ``uri`` and
    a headline, description or body): what a folder input takes of its ``.json`` files."""
    try:
        item = parse_item(text, source="")
    except InputError:
        return False
    return bool(text_fields(item, item_style(item)))


def _entries(item: Mapping[str, object], *keys: str) -> list[dict]:
    return [v for key in keys for v in _list(item, key) if isinstance(v, dict)]


def _list(item: Mapping[str, object], key: str) -> list:
    """The item's list under ``key``; none where it holds something else (not ninjs: ignored)."""
    value = item.get(key)
    return value if isinstance(value, list) else []


def text_fields(item: Mapping[str, object], style: Style) -> list[TextField]:
    """The item's texts to translate, in article order: headlines, descriptions, bodies."""
    if style.major == 1:
        return _fields_v1(item)
    content_type = style.key("contentType")
    fields: list[TextField] = []
    headlines = [(i, h) for i, h in enumerate(_list(item, "headlines")) if isinstance(h, dict) and _value(h)]
    main = next((i for i, h in headlines if h.get("role") == "main"), headlines[0][0] if headlines else None)
    for i, headline in sorted(headlines, key=lambda ih: ih[0] != main):
        fields.append(_field("headline" if i == main else "heading", ("headlines", i, "value"), _value(headline),
                             _is_html(headline.get(content_type)), "h1" if i == main else "h2"))  # fmt: skip
    for i, description in enumerate(_list(item, "descriptions")):
        if isinstance(description, dict) and _value(description):
            fields.append(_field("description", ("descriptions", i, "value"), _value(description),
                                 _is_html(description.get(content_type))))  # fmt: skip
    bodies = [(i, b) for i, b in enumerate(_list(item, "bodies")) if isinstance(b, dict) and _value(b)]
    _add_bodies(fields, [(("bodies", i, "value"), _value(b), _is_html(b.get(content_type))) for i, b in bodies])
    return fields


def _fields_v1(item: Mapping[str, object]) -> list[TextField]:
    fields: list[TextField] = []
    texts = {k: v for k, v in item.items() if isinstance(v, str) and v.strip()}
    if "headline" in texts:
        fields.append(_field("headline", ("headline",), texts["headline"], False, "h1"))
    for key in sorted(k for k in texts if k.startswith("headline_")):
        fields.append(_field("heading", (key,), texts[key], False, "h2"))
    for key in sorted(k for k in texts if k.startswith("description_")):
        fields.append(_field("description", (key,), texts[key], key == "description_html"))
    bodies = sorted((k for k in texts if k.startswith("body_")), key=lambda k: (k != "body_html", k))
    _add_bodies(fields, [((key,), texts[key], key in ("body_html", "body_xhtml")) for key in bodies])
    return fields


def _add_bodies(fields: list[TextField], bodies: list[tuple[tuple[object, ...], str, bool]]) -> None:
    """Each body's field; a body with the same text as an earlier one (HTML first) is written
    from that one's translation."""
    ordered = sorted(bodies, key=lambda b: not b[2])
    done: list[tuple[str, TextField]] = []
    for path, value, html in ordered:
        plain = " ".join(_plain(value, html).split())
        same = next((f for text, f in done if text == plain), None)
        if same is not None:
            same.renditions.append((path, html))
            continue
        made = _field("body", path, value, html)
        done.append((plain, made))
        fields.append(made)


def _value(entry: Mapping[str, object]) -> str:
    value = entry.get("value")
    return value if isinstance(value, str) and value.strip() else ""


def _is_html(content_type: object) -> bool:
    return isinstance(content_type, str) and ("html" in content_type.lower())


def _field(kind: str, path: tuple[object, ...], value: str, html: bool, tag: str = "p") -> TextField:
    if html:
        blocks = html_blocks(value)
        if tag != "p":  # a headline in HTML: one block, its inline markup kept
            merged = RawBlock(tag)
            _inline_children(_fragment(value), merged)
            blocks = [merged]
    elif tag != "p":
        block = RawBlock(tag)
        block.text(" ".join(value.split()))
        blocks = [block]
    else:
        blocks = text_blocks(value)
    return TextField(kind, path, html, blocks)


def text_blocks(value: str) -> list[RawBlock]:
    """Paragraphs of a plain-text value: split at blank lines, else at line breaks."""
    parts = re.split(r"\n\s*\n", value.strip()) if re.search(r"\n\s*\n", value) else value.strip().split("\n")
    blocks = []
    for part in parts:
        if part.strip():
            block = RawBlock("p")
            block.text(" ".join(part.split()))
            blocks.append(block)
    return blocks


def _fragment(value: str):
    from lxml import html

    try:
        return html.fragment_fromstring(value, create_parent="div")
    except Exception:  # noqa: BLE001 - lxml raises several kinds on broken markup
        return html.fragment_fromstring(f"<p>{_escape(value)}</p>", create_parent="div")


def _escape(text: str) -> str:
    import html as html_lib

    return html_lib.escape(text, quote=False)


def html_blocks(value: str) -> list[RawBlock]:
    """The blocks of an HTML body: headings, paragraphs, list items, preformatted text; text
    outside any block becomes a paragraph. Scripts, images, tables and media are left out."""
    blocks: list[RawBlock] = []
    _walk(_fragment(value), blocks, "")
    return blocks


def _walk(element, blocks: list[RawBlock], container: str) -> None:
    loose: RawBlock | None = None

    def loose_text(text: str | None) -> None:
        nonlocal loose
        if text and text.strip():
            if loose is None:
                loose = RawBlock("p")
                blocks.append(loose)
            loose.text(text)

    loose_text(element.text)
    for child in element:
        tag = child.tag.lower() if isinstance(child.tag, str) else ""
        if tag in _SKIP or not tag:
            loose_text(child.tail)
            continue
        if tag in ("ul", "ol"):
            loose = None
            _walk(child, blocks, tag)
        elif tag in _BLOCKS:
            loose = None
            block = RawBlock(tag if tag != "li" or container else "p", container if tag == "li" else "")
            if tag == "pre":
                block.text("".join(child.itertext()))
            else:
                _inline_children(child, block)
            blocks.append(block)
        elif tag in _CONTAINERS:
            loose = None
            _walk(child, blocks, "")
        else:  # inline markup outside a paragraph
            if loose is None:
                loose = RawBlock("p")
                blocks.append(loose)
            _inline(child, loose)
            continue
        loose_text(child.tail)


def _inline_children(element, block: RawBlock) -> None:
    if element.text:
        block.text(element.text)
    for child in element:
        _inline(child, block)


def _inline(element, block: RawBlock) -> None:
    """One inline element (and its tail) into ``block``: formatting kept, other tags as text."""
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    if tag == "br":
        block.atom("br")
    elif tag in _SKIP:
        pass
    elif tag in _INLINE:
        attrs = safe_attrs(tuple((k, v) for k, v in element.attrib.items() if k in ("href", "title"))) if tag == "a" else ()
        if tag == "a" and not dict(attrs).get("href"):
            _inline_children(element, block)
        else:
            block.open(_INLINE[tag], attrs)
            _inline_children(element, block)
            block.close()
    else:
        _inline_children(element, block)
    if element.tail:
        block.text(element.tail)


def _plain(value: str, html: bool) -> str:
    return "".join(_fragment(value).itertext()) if html else value


def read_ninjs(
    text: str,
    *,
    name: str,
    source: str,
    lang: str = "en",
    ui_strings: Collection[str] = (),
    protected: ProtectedSpans | None = None,
    progress: Progress | None = None,
) -> Article:
    """A ninjs item as an article (format ``ninjs``; its ``source`` is the item's JSON, from
    which the writer takes everything it does not translate). ``ui_strings`` do not apply: an
    item holds no site chrome."""
    item = parse_item(text, source=source)
    language = item.get("language")
    if isinstance(language, str) and language and language.split("-")[0].lower() != lang.split("-")[0].lower():
        raise InputError(f"{source}: the item's language is {language!r}, the pipeline translates from {lang!r} (source_lang)")
    style = item_style(item)
    if (style.major, style.minor or 0) >= (3, 1) and not isinstance(item.get("associations", []), list):
        raise InputError(f"{source}: 'associations' is not a list (ninjs {style.version} links the translation there)")
    fields = text_fields(item, style)
    blocks = [b for f in fields for b in f.blocks]
    article = build_article(blocks, name=name, source=text, fmt="ninjs", lang=lang, protected=protected, progress=progress)
    if not article.segments:
        raise InputError(f"{source}: no text to translate in the ninjs item (no headlines, descriptions or bodies)")
    return article
