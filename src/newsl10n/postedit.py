"""Post-editing: human edits from XLIFF replace machine output, and later runs keep them.

segments.json carries the article's layout (``"article"``), so a bundle can be rebuilt from
its own files: importing an edited XLIFF needs neither the source file nor a model.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .article import Article, Block, Inline, Segment
from .config import QASettings
from .errors import InputError


def article_layout(article: Article) -> dict[str, object]:
    """An article's structure as JSON data (the inverse of :func:`article_from_layout`)."""
    return {
        "name": article.name,
        "format": article.format,
        "gaps": list(article.gaps),
        "blocks": [
            {
                "kind": b.kind,
                "text": b.text,
                "tag": b.tag,
                "container": b.container,
                "inline": [[i.start, i.end, i.tag, dict(i.attrs)] for i in b.inline],
                "segments": [[s.id, s.start, s.end] for s in b.segments],
            }
            for b in article.blocks
        ],
    }


def article_from_layout(data: Mapping[str, object]) -> Article:
    blocks = []
    for index, b in enumerate(data["blocks"]):
        segments = tuple(
            Segment(sid, index, b["kind"], b["text"][start:end], start, end) for sid, start, end in b["segments"]
        )
        inline = tuple(Inline(s, e, tag, tuple(attrs.items())) for s, e, tag, attrs in b["inline"])
        blocks.append(Block(index, b["kind"], b["text"], segments, b["tag"], b["container"], inline))
    return Article(
        name=data["name"], blocks=tuple(blocks), gaps=tuple(data["gaps"]), source="", format=data["format"]
    )


def load_reviewed(bundle: Path, article: Article) -> dict[str, str]:
    """Reviewed targets of an earlier bundle, for segments of ``article`` with the same source.

    Matched by source text (the same id first), so an edited article whose segment ids moved
    keeps its reviewed sentences; a segment whose source changed is translated afresh.
    """
    path = bundle / "segments.json"
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["segments"]
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: cannot read the earlier bundle's segments ({exc})") from None
    reviewed = [e for e in entries if isinstance(e, dict) and e.get("reviewed")]
    by_id = {e.get("id"): e for e in reviewed}
    by_source = {e.get("source"): e["target"] for e in reversed(reviewed)}
    kept: dict[str, str] = {}
    for seg in article.segments:
        same = by_id.get(seg.id)
        if same is not None and same.get("source") == seg.text:
            kept[seg.id] = same["target"]
        elif seg.text in by_source:
            kept[seg.id] = by_source[seg.text]
    return kept


@dataclass(frozen=True)
class ImportResult:
    bundle: Path
    changed: int
    reviewed: int
    total: int


def import_xliff(
    data: bytes,
    *,
    source: str,
    bundle: Path,
    qa: QASettings | None = None,
    catalogs: Path | None = None,
) -> ImportResult:
    """Apply an edited XLIFF file to ``bundle`` and rewrite the bundle atomically.

    A unit whose target differs from the bundle, or whose state is reviewed/final, becomes a
    reviewed segment; units must match the bundle's segment ids and source texts. ``catalogs``:
    the UI catalog folder, for the page chrome of article.html (English without it).
    """
    from .bundle import dump_json, render_html, write_bundle
    from .catalog import load_ui_strings
    from .outputs import format_files
    from .pipeline import Localized, page_values
    from .xliff import read_xliff

    files = _read_bundle(bundle)
    seg_data = json.loads(files["segments.json"])
    manifest = json.loads(files["manifest.json"])
    if "article" not in seg_data:
        raise InputError(f"{bundle}: bundle has no article layout in segments.json (written by an older newsl10n)")
    locale = manifest["locale"]
    target_lang, units = read_xliff(data, source=source)
    if target_lang and target_lang != locale:
        raise InputError(f"{source}: target language {target_lang!r} does not match the bundle's locale {locale!r}")
    entries = {e["id"]: e for e in seg_data["segments"]}
    changed = 0
    for unit in units:
        entry = entries.get(unit.id)
        if entry is None:
            raise InputError(f"{source}: unit {unit.id!r} is not a segment of {bundle}")
        if unit.source != entry["source"]:
            raise InputError(f"{source}: unit {unit.id!r} has a different source text than {bundle}")
        edited = bool(unit.target.strip()) and unit.target != entry["target"]
        if edited:
            entry["target"] = unit.target
            changed += 1
        if edited or (unit.target.strip() and unit.state in ("reviewed", "final")):
            entry["reviewed"] = True
    article = article_from_layout(seg_data["article"])
    segments = [entries[s.id] for s in article.segments]
    targets = {e["id"]: e["target"] for e in segments}
    ui = load_ui_strings(catalogs, locale) if catalogs is not None else None
    localized = _localized(Localized, article, locale, targets, segments, ui)
    page = page_values(localized)
    source_lang = manifest.get("source_lang", "en")
    reviewed = sum(1 for e in segments if e.get("reviewed"))
    manifest["reviewed_segments"] = reviewed
    manifest["imported"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    files.update(
        {
            "article.txt": localized.text,
            "article.html": render_html(page, ui),
            "segments.json": dump_json({**seg_data, "segments": segments}),
            "manifest.json": dump_json(manifest),
        }
    )
    files.update(format_files(localized, segments, page, source_lang, qa))
    write_bundle(bundle, files)
    return ImportResult(bundle, changed, reviewed, len(segments))


def _localized(cls, article: Article, locale: str, targets: dict[str, str], segments: list[dict], ui):
    """The pipeline's Localized value, rebuilt from a bundle (as ``pipeline.localize`` builds it)."""
    from .article import rebuild_block
    from .catalog import ui_msgid

    block_texts = {b.index: rebuild_block(b, targets) for b in article.body_blocks}
    ui_texts = {b.index: ui.gettext(ui_msgid(b.text)) for b in article.ui_blocks} if ui else {}
    reviewed = frozenset(e["id"] for e in segments if e.get("reviewed"))
    text = article.render({**block_texts, **ui_texts})
    return cls(article, locale, targets, text, ui_texts, reviewed=reviewed)


def _read_bundle(bundle: Path) -> dict[str, str]:
    if not (bundle / "segments.json").is_file() or not (bundle / "manifest.json").is_file():
        raise InputError(f"{bundle}: not a bundle (segments.json or manifest.json missing)")
    try:
        return {p.name: p.read_text(encoding="utf-8") for p in bundle.iterdir() if p.is_file()}
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{bundle}: cannot read the bundle ({exc})") from None
