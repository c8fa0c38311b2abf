"""article.ninjs.json: a translated IPTC ninjs item, for bundles of ninjs input.

The original item (kept as the article's source) with its headlines, descriptions and bodies
in the bundle's language, in the original's ninjs version and key spelling; ``language`` set;
a new ``uri`` (the original's with ``#LOCALE``); the original linked, as an ``associations``
entry with ``rel: "translationOf"`` in ninjs 3.1 and later, as an ``altIds``/``altids`` entry
with role ``original`` before (the original's own alternative ids identify the original, so
they are not copied); ``versionCreated`` the bundle's; and the machine translation said in the
editorial note (``edNote``/``ednote``): the model, and how many segments a person reviewed.
Body character and word counts are counted again.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace

from ..formats.ninjs import Style, TextField, item_style, parse_item, set_value, text_fields, value_at
from ..model import Block, Localized, rebuild_block
from .manifest import Manifest
from .markup import Placed, to_html
from .render import block_nodes, html_body

NINJS = "article.ninjs.json"
TRANSLATION_OF = "translationOf"


def ninjs_document(localized: Localized, manifest: Manifest, placed: Placed | None = None) -> str:
    """The translated item of a ninjs article's bundle, as JSON text."""
    article = localized.article
    original = parse_item(article.source, source=f"{article.name} (ninjs source)")
    style = item_style(original)
    item = copy.deepcopy(original)
    blocks = iter(article.blocks)
    for text_field in text_fields(original, style):
        own = [next(blocks) for _ in range(_kept(text_field))]
        for path, html in [(text_field.path, text_field.html), *text_field.renditions]:
            value = _render(own, html, text_field, value_at(original, path), localized, placed)
            set_value(item, path, value)
            _count(item, path, value, html, style)
    _describe_translation(item, original, style, localized, manifest)
    return json.dumps(item, ensure_ascii=False, indent=2) + "\n"


def _kept(text_field: TextField) -> int:
    """How many of the field's blocks the article holds (it leaves out empty ones)."""
    return sum(1 for raw in text_field.blocks if raw.finish()[0] or raw.tag == "pre")


def _render(
    own: Sequence[Block], html: bool, text_field: TextField, before: object, localized: Localized, placed: Placed | None
) -> str:
    targets = localized.targets
    if text_field.kind in ("headline", "heading"):
        if not own:
            return str(before)
        return to_html(block_nodes(own[0], targets, placed)) if html else rebuild_block(own[0], targets)
    if html:
        return html_body(replace(localized.article, blocks=tuple(own)), targets, placed)
    separator = "\n\n" if not isinstance(before, str) or "\n\n" in before or text_field.html else "\n"
    return separator.join(rebuild_block(block, targets) for block in own)


def _count(item: dict, path: Sequence[object], value: str, html: bool, style: Style) -> None:
    """Character and word counts of a translated body, where the item gives them."""
    if style.major == 1:
        holder, names = item, ("charcount", "wordcount")
        if not str(path[0]).startswith("body_"):
            return
    else:
        holder, names = value_at(item, path[:-1]), (style.key("charCount"), style.key("wordCount"))
        if path[0] != "bodies":
            return
    text = _plain_text(value) if html else value
    for name, count in zip(names, (len(text), len(text.split()))):
        if name in holder:  # type: ignore[operator]
            holder[name] = count  # type: ignore[index]


def _plain_text(value: str) -> str:
    from lxml import html

    return "".join(html.fragment_fromstring(value, create_parent="div").itertext()) if value else ""


def _describe_translation(
    item: dict, original: Mapping[str, object], style: Style, localized: Localized, manifest: Manifest
) -> None:
    uri = str(original["uri"])
    item["uri"] = f"{uri}{'-' if '#' in uri else '#'}{localized.locale}"
    item["language"] = localized.locale
    if style.major >= 3 and (style.minor or 0) >= 1:
        item.pop("altIds", None)
        link = {"name": "original", "rel": TRANSLATION_OF, "uri": uri}
        if isinstance(original.get("language"), str):
            link["language"] = str(original["language"])
        item["associations"] = [*(item.get("associations") or []), link]
    elif style.major == 1:
        item["altids"] = {"original": uri}
    else:
        item[style.key("altIds")] = [{"role": "original", "value": uri}]
    if manifest.created:
        item[style.key("versionCreated")] = manifest.created
    segments = len(localized.article.segments)
    reviewed = len(localized.reviewed)
    note = (
        f"Machine translation from {manifest.source_lang} into {localized.locale} by newsl10n "
        f"({manifest.model or 'unknown model'}); {reviewed} of {segments} segments reviewed by a person."
    )
    key = style.key("edNote")
    item[key] = f"{item[key]} {note}" if isinstance(item.get(key), str) and item[key] else note
