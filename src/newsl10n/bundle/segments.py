"""segments.json: one entry per segment (source, target, terms, corrections, reviewed, the
machine's ``confidence``) and the
article's layout, so that a bundle can be rebuilt from its own files. Written and read here."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO

from ..errors import InputError
from ..fileio import json_nested, load_json
from ..model import Article, Block, Inline, Localized, Segment, SourceArticle, normalize
from .pieces import PieceCache, piece_keys, pieces

SEGMENTS = "segments.json"
FORMAT_VERSION = 1
"""segments.json's layout (``format_version``; files written before it was recorded are 1 too)."""


def segment_entries(source: SourceArticle, localized: Localized) -> list[dict[str, object]]:
    """The ``segments`` list of a bundle's segments.json."""
    return [
        {
            "id": s.id,
            "block": s.block,
            "kind": s.kind,
            "source": s.text,
            "target": localized.targets[s.id],
            "terms": localized.terms.get(s.id, []),
            "corrections": [
                {"id": c.id, "original": c.original, "corrected": c.corrected}
                for c in source.corrections.get(s.id, ())
            ],
        }
        | ({"reviewed": True} if s.id in localized.reviewed else {})
        | ({"confidence": round(localized.confidence[s.id], 4)} if s.id in localized.confidence else {})
        for s in source.article.segments
    ]


def segments_json_chunks(
    segments: Sequence[Mapping[str, object]],
    layout: Mapping[str, object],
    cache: PieceCache | None = None,
    keys: Sequence[bytes] | None = None,
) -> Iterator[str]:
    """segments.json, ``{"format_version": 1, "segments": [...], "article": layout}`` as
    :func:`newsl10n.fileio.dump_json` writes it, in pieces: one per entry (``cache``: those
    encoded before are kept; ``keys``: the entries' :func:`~newsl10n.bundle.pieces.entry_keys`)."""
    yield f'{{\n  "format_version": {FORMAT_VERSION},\n  "segments": '
    if segments:
        yield "[\n    "
        encoded = pieces(segments, _entries_json, cache, piece_keys(cache, "json", segments, keys))
        yield next(encoded)
        for text in encoded:
            yield ",\n    " + text
        yield "\n  ]"
    else:
        yield "[]"
    (text,) = pieces([layout], lambda _: [json_nested(layout, 1)], cache, piece_keys(cache, "json layout", [layout], None))
    yield ',\n  "article": ' + text + "\n}\n"


def _entries_json(entries: list[Mapping[str, object]]) -> list[str]:
    return [json_nested(entry, 2) for entry in entries]


def article_layout(article: Article) -> dict[str, object]:
    """An article's structure as JSON data (the inverse of :func:`article_from_layout`)."""
    layout: dict[str, object] = {
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
    if article.format in SOURCE_KEPT:
        layout["source"] = article.source
    return layout


SOURCE_KEPT = frozenset({"ninjs"})
"""Formats whose writer needs the whole source again (a ninjs item's other fields)."""


def article_from_layout(data: Mapping[str, object]) -> Article:
    blocks = []
    for index, b in enumerate(data["blocks"]):
        segments = tuple(
            Segment(sid, index, b["kind"], b["text"][start:end], start, end) for sid, start, end in b["segments"]
        )
        inline = tuple(Inline(s, e, tag, tuple(attrs.items())) for s, e, tag, attrs in b["inline"])
        blocks.append(Block(index, b["kind"], b["text"], segments, b["tag"], b["container"], inline))
    return Article(
        name=data["name"], blocks=tuple(blocks), gaps=tuple(data["gaps"]), source=str(data.get("source", "")),
        format=data["format"],
    )


def read_segments(fh: IO[str], *, source: str) -> list[Mapping[str, object]]:
    """The segment list of a segments.json file object; ``source`` names it in errors."""
    return segments_document(_read_json(fh, source=source), source=source)["segments"]


def segments_document(data: object, *, source: str) -> dict:
    """segments.json's parsed JSON, checked: a format this newsl10n reads, a ``segments`` list
    of objects, each with an ``id``, a ``source`` and a ``target`` that are strings (an entry
    without them would fail wherever it is used, far from the file)."""
    check_format(data, source=source)
    segments = data.get("segments") if isinstance(data, dict) else None
    if not isinstance(segments, list) or not all(isinstance(s, dict) for s in segments):
        raise InputError(f"{source}: expected {{\"segments\": [...]}} with one object per segment")
    for number, entry in enumerate(segments, 1):
        for key in ("id", "source", "target"):
            if not isinstance(entry.get(key), str):
                name = f"segment {entry['id']!r}" if isinstance(entry.get("id"), str) else f"segment {number}"
                problem = "has no" if key not in entry else "has a non-text"
                raise InputError(f"{source}: {name} {problem} {key!r}")
    return data


def check_format(data: object, *, source: str) -> None:
    """Refuse a segments.json of a format this newsl10n does not read (a newer one)."""
    version = data.get("format_version", 1) if isinstance(data, dict) else 1
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise InputError(
            f"{source}: segments format {version!r} is not one this newsl10n reads ({FORMAT_VERSION}); "
            "a newer newsl10n wrote it?"
        )


def _read_json(fh: IO[str], *, source: str) -> object:
    try:
        return load_json(fh.read(), source=source)
    except UnicodeDecodeError:
        raise InputError(f"{source}: not UTF-8 text") from None


def load_reviewed(bundle: Path, article: Article) -> dict[str, str]:
    """Reviewed targets of an earlier bundle, for segments of ``article`` with the same source.

    Matched by source text as the memory matches it (:func:`normalize`: a whitespace-only
    edit keeps the review), the same id first, so an edited article whose segment ids moved
    keeps its reviewed sentences; a segment whose source changed is translated afresh.
    """
    reviewed = _reviewed_entries(bundle)
    by_id = {e.get("id"): e for e in reviewed}
    by_source = {normalize(str(e.get("source"))): e["target"] for e in reversed(reviewed)}
    kept: dict[str, str] = {}
    for seg in article.segments:
        same, key = by_id.get(seg.id), normalize(seg.text)
        if same is not None and normalize(str(same.get("source"))) == key:
            kept[seg.id] = same["target"]
        elif key in by_source:
            kept[seg.id] = by_source[key]
    return kept


def load_reviewed_sources(bundle: Path) -> list[str]:
    """The source texts of an earlier bundle's reviewed segments (none without a bundle)."""
    return [str(e.get("source")) for e in _reviewed_entries(bundle)]


def _reviewed_entries(bundle: Path) -> list[Mapping[str, object]]:
    path = bundle / SEGMENTS
    try:
        with path.open(encoding="utf-8") as fh:
            entries = read_segments(fh, source=str(path))
    except FileNotFoundError:
        return []
    except (OSError, InputError) as exc:
        raise InputError(f"{path}: cannot read the earlier bundle's segments ({exc})") from None
    return [e for e in entries if e.get("reviewed")]
