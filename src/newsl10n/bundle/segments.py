"""segments.json: one entry per segment (:class:`SegmentEntry`: source, target, terms,
corrections, reviewed, the machine's ``confidence``) and the article's layout, so that a bundle
can be rebuilt from its own files. Written and read here."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from ..errors import InputError
from ..fileio import json_nested, load_json
from ..model import Article, Block, Inline, Localized, Segment, SourceArticle, normalize
from ..qa import QASegment
from .pieces import PieceCache, piece_key, piece_keys, pieces
from .xliff_codes import Code

SEGMENTS = "segments.json"
FORMAT_VERSION = 1
"""segments.json's layout (``format_version``; files written before it was recorded are 1 too)."""


@dataclass(frozen=True)
class SegmentEntry:
    """One segment of segments.json: what every reader of a bundle (QA, review.html, XLIFF, the
    editor, the memory) gets, instead of the JSON object. ``terms`` is None where no glossary
    check ran; ``confidence`` only for machine output; ``placed``: where a translator put the
    formatting runs (run index -> offsets in ``target``); ``suggestion``: a reviewed translation
    of this segment's earlier source (``{"source", "target"}``), kept when its source changed;
    ``extra``: keys this version does not know, written back as they were."""

    id: str
    source: str
    target: str
    block: int | None = None
    kind: str | None = None
    terms: tuple[Mapping[str, object], ...] | None = None
    corrections: tuple[Mapping[str, object], ...] | None = None
    reviewed: bool = False
    confidence: float | None = None
    placed: Mapping[int, tuple[int, int]] | None = None
    suggestion: Mapping[str, str] | None = None
    extra: Mapping[str, object] = field(default_factory=dict)

    @cached_property
    def piece_key(self) -> bytes:
        """The entry's :func:`~newsl10n.bundle.pieces.piece_key` (of its JSON data), made once."""
        return piece_key(self.to_json())

    @property
    def version(self) -> str:
        """What an edit says it started from (the editor's form, an XLIFF unit's ``nl:version``):
        a short fingerprint of the target and whether a person reviewed it."""
        return entry_version(self.target, self.reviewed)

    def qa_input(self, source_lang: str, target_lang: str) -> QASegment:
        """The segment as the QA checks see it: the one way from an entry to QA input, for
        ``newsl10n qa``, review.html, the XLIFF notes and the editor alike."""
        return QASegment(
            id=self.id, source=self.source, target=self.target, source_lang=source_lang, target_lang=target_lang,
            terms=self.terms, confidence=None if self.reviewed else self.confidence,
        )  # fmt: skip

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"id": self.id}
        if self.block is not None:
            data["block"] = self.block
        if self.kind is not None:
            data["kind"] = self.kind
        data["source"], data["target"] = self.source, self.target
        if self.terms is not None:
            data["terms"] = [dict(t) for t in self.terms]
        if self.corrections is not None:
            data["corrections"] = [dict(c) for c in self.corrections]
        if self.reviewed:
            data["reviewed"] = True
        if self.confidence is not None:
            data["confidence"] = self.confidence
        if self.placed is not None:
            data["placed"] = {str(k): list(v) for k, v in self.placed.items()}
        if self.suggestion is not None:
            data["suggestion"] = dict(self.suggestion)
        return data | dict(self.extra)

    @classmethod
    def from_json(cls, data: object, *, source: str, number: int = 0) -> SegmentEntry:
        """Entry ``number`` of segments.json ``source`` (named in errors): id, source and target
        must be strings; other values of the wrong type are left out."""
        if not isinstance(data, dict):
            raise InputError(f"{source}: segment {number} is not an object")
        for key in ("id", "source", "target"):
            if not isinstance(data.get(key), str):
                name = f"segment {data['id']!r}" if isinstance(data.get("id"), str) else f"segment {number}"
                raise InputError(f"{source}: {name} {'has no' if key not in data else 'has a non-text'} {key!r}")
        terms, corrections = data.get("terms"), data.get("corrections")
        return cls(
            id=data["id"], source=data["source"], target=data["target"],
            block=_int(data.get("block")), kind=data.get("kind") if isinstance(data.get("kind"), str) else None,
            terms=tuple(t for t in terms if isinstance(t, Mapping)) if isinstance(terms, list) else None,
            corrections=tuple(c for c in corrections if isinstance(c, Mapping)) if isinstance(corrections, list) else None,
            reviewed=data.get("reviewed") is True, confidence=_number(data.get("confidence")),
            placed=_placed(data.get("placed")), suggestion=_suggestion(data.get("suggestion")),
            extra={k: v for k, v in data.items() if k not in _KNOWN},
        )  # fmt: skip


@dataclass(frozen=True)
class EntryView:
    """A segment entry with what the XLIFF and review.html show beside it: the QA checks'
    findings (flag lines), its formatted runs (``strong: United States``) and their inline codes."""

    entry: SegmentEntry
    qa: tuple[str, ...] = ()
    markup: tuple[str, ...] = ()
    codes: tuple[Code, ...] = ()


_KNOWN = frozenset(
    ("id", "block", "kind", "source", "target", "terms", "corrections", "reviewed", "confidence", "placed", "suggestion")
)


def entry_version(target: str, reviewed: bool) -> str:
    """:attr:`SegmentEntry.version` of a target."""
    return hashlib.sha256(f"{'r' if reviewed else 'm'}:{target}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return value
    return None


def _placed(value: object) -> dict[int, tuple[int, int]] | None:
    if not isinstance(value, Mapping):
        return None
    try:
        return {int(k): (int(v[0]), int(v[1])) for k, v in value.items()}
    except (TypeError, ValueError, IndexError, KeyError):
        return None


def _suggestion(value: object) -> dict[str, str] | None:
    if isinstance(value, Mapping) and all(isinstance(value.get(k), str) for k in ("source", "target")):
        return {"source": value["source"], "target": value["target"]}
    return None


def placements(entries: Sequence[SegmentEntry]) -> dict[str, dict[int, tuple[int, int]]]:
    """The runs a translator placed (``placed``), per segment id."""
    return {entry.id: dict(entry.placed) for entry in entries if entry.placed is not None}


def segment_entries(source: SourceArticle, localized: Localized) -> list[SegmentEntry]:
    """The ``segments`` list of a bundle's segments.json."""
    return [
        SegmentEntry(
            id=s.id, source=s.text, target=localized.targets[s.id], block=s.block, kind=s.kind,
            terms=tuple(localized.terms.get(s.id, ())),
            corrections=tuple(
                {"id": c.id, "original": c.original, "corrected": c.corrected} for c in source.corrections.get(s.id, ())
            ),
            reviewed=s.id in localized.reviewed,
            confidence=round(localized.confidence[s.id], 4) if s.id in localized.confidence else None,
            suggestion=localized.suggestions.get(s.id),
        )  # fmt: skip
        for s in source.article.segments
    ]


def segments_json_chunks(
    segments: Sequence[SegmentEntry],
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


def _entries_json(entries: list[SegmentEntry]) -> list[str]:
    return [json_nested(entry.to_json(), 2) for entry in entries]


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


def parse_segments(text: str, *, source: str) -> tuple[list[SegmentEntry], Mapping[str, object] | None]:
    """The entries and the article layout (None in bundles of an older newsl10n) of segments.json
    text; ``source`` names the file in errors: a ``segments`` list of objects, each with an
    ``id``, a ``source`` and a ``target`` that are strings (an entry without them would fail
    wherever it is used, far from the file)."""
    data = load_json(text, source=source)
    check_format(data, source=source)
    segments = data.get("segments") if isinstance(data, dict) else None
    if not isinstance(segments, list) or not all(isinstance(s, dict) for s in segments):
        raise InputError(f"{source}: expected {{\"segments\": [...]}} with one object per segment")
    entries = [SegmentEntry.from_json(s, source=source, number=n) for n, s in enumerate(segments, 1)]
    layout = data.get("article")
    return entries, layout if isinstance(layout, dict) else None


def check_format(data: object, *, source: str) -> None:
    """Refuse a segments.json of a format this newsl10n does not read (a newer one)."""
    version = data.get("format_version", 1) if isinstance(data, dict) else 1
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise InputError(
            f"{source}: segments format {version!r} is not one this newsl10n reads ({FORMAT_VERSION}); "
            "a newer newsl10n wrote it?"
        )


@dataclass(frozen=True)
class Reviewed:
    """What an article's new translation keeps of an earlier bundle's people's work (see
    :func:`match_reviewed`)."""

    kept: dict[str, str] = field(default_factory=dict)
    """Segment id -> the reviewed target of the same source text."""
    suggestions: dict[str, dict[str, str]] = field(default_factory=dict)
    """Segment id -> ``{"source", "target"}``: a reviewed translation of an earlier, changed
    source of this segment, kept for the reviewer (a fuzzy match); never the segment's target."""
    changed: tuple[str, ...] = ()
    """Ids of the segments whose earlier source, reviewed, changed (they got a suggestion)."""
    dropped: int = 0
    """Reviewed segments whose source is gone with nothing like it left in the article."""


FUZZY_MIN = 0.5
"""How alike (difflib's ratio) a changed source must be to its earlier one to get its suggestion."""
FUZZY_WINDOW = 5
"""Positions around its earlier place where a changed segment is looked for."""
FUZZY_MAX_CHARS = 5000


def match_reviewed(entries: Sequence[SegmentEntry], article: Article) -> Reviewed:
    """What the earlier bundle's ``entries`` give ``article``'s segments: reviewed targets of
    the same source text (matched as the memory matches it, :func:`normalize`: a whitespace-only
    edit keeps the review; the same id first, so a segment whose id moved keeps its reviewed
    sentence), and for a reviewed segment whose source changed, its text as a suggestion on the
    most alike new segment near its earlier place (never silently replaced, never lost)."""
    reviewed = [e for e in entries if e.reviewed]
    by_id = {e.id: e for e in reviewed}
    by_source = {normalize(e.source): e.target for e in reversed(reviewed)}
    segments = article.segments
    keys = [normalize(seg.text) for seg in segments]
    kept: dict[str, str] = {}
    for seg, key in zip(segments, keys):
        same = by_id.get(seg.id)
        if same is not None and normalize(same.source) == key:
            kept[seg.id] = same.target
        elif key in by_source:
            kept[seg.id] = by_source[key]
    suggestions = _carried_suggestions(entries, segments, keys, kept)
    present = set(keys)
    position = {e.id: n for n, e in enumerate(entries)}
    changed: list[str] = []
    dropped = 0
    for old in reviewed:
        if normalize(old.source) in present:
            continue
        match = _most_alike(old, position[old.id], segments, kept)
        if match is None:
            dropped += 1
            continue
        suggestions[match] = {"source": old.source, "target": old.target}
        changed.append(match)
    return Reviewed(kept, suggestions, tuple(changed), dropped)


def _carried_suggestions(
    entries: Sequence[SegmentEntry], segments: Sequence[Segment], keys: Sequence[str], kept: Mapping[str, str]
) -> dict[str, dict[str, str]]:
    """Suggestions of the earlier bundle, kept for the same source until the segment is reviewed."""
    earlier = {normalize(e.source): e.suggestion for e in entries if e.suggestion is not None and not e.reviewed}
    return {s.id: dict(earlier[k]) for s, k in zip(segments, keys) if k in earlier and s.id not in kept}


def _most_alike(old: SegmentEntry, at: int, segments: Sequence[Segment], kept: Mapping[str, str]) -> str | None:
    """The id of the new segment near position ``at`` whose source is most like ``old``'s."""
    from difflib import SequenceMatcher

    best, best_id = FUZZY_MIN, None
    if len(old.source) > FUZZY_MAX_CHARS:
        return None
    for seg in segments[max(0, at - FUZZY_WINDOW) : at + FUZZY_WINDOW + 1]:
        if seg.id in kept or len(seg.text) > FUZZY_MAX_CHARS:
            continue
        matcher = SequenceMatcher(None, old.source, seg.text)
        if matcher.real_quick_ratio() >= best and matcher.quick_ratio() >= best and matcher.ratio() >= best:
            best, best_id = matcher.ratio(), seg.id
    return best_id
