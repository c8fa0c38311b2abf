"""Post-editing: human edits from XLIFF replace machine output, and later runs keep them.

segments.json carries the article's layout (``"article"``), so a bundle can be rebuilt from
its own files: importing an edited XLIFF needs neither the source file nor a model.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..catalog import load_ui_strings
from ..config import QASettings
from ..errors import InputError
from ..fileio import load_json
from ..locales import language_tag
from ..model import Article
from ..terms.recheck import recheck_reports
from ..terms.source import SourceTerms
from .build import Files, bundle_files, localize
from .manifest import MANIFEST, Manifest, counts_compliance
from .pieces import PieceCache, piece_keys, pieces
from .reader import read_manifest
from .segments import SEGMENTS, article_from_layout, read_segments, segments_document
from .store import write_bundle
from .xliff import read_xliff, with_bundle_sources


@dataclass(frozen=True)
class ImportResult:
    bundle: Path
    changed: int
    reviewed: int
    total: int
    segments: Sequence[Mapping[str, object]] = ()
    """The bundle's segments.json entries as written."""
    manifest: Manifest | None = None
    """The bundle's manifest as written."""


@dataclass(frozen=True)
class Edit:
    """A person's target for one segment. ``reviewed``: mark it reviewed even when the text is
    the bundle's (a translator confirmed it); ``source`` must be the segment's source text.
    ``expected``: the :func:`target_version` of the target the person started from; when the
    bundle's target has changed since (someone else saved), the edit is refused (:class:`StaleEdit`).
    ``terms``: the segment's glossary report for the new target, replacing the bundle's."""

    id: str
    source: str
    target: str
    reviewed: bool = False
    placed: Mapping[int, tuple[int, int]] | None = None
    """Where the person put the segment's formatting runs (index in the block's inlines ->
    offsets in ``target``), from XLIFF inline codes; None: the alignment places them."""
    expected: str | None = None
    terms: Sequence[Mapping[str, object]] | None = None


class StaleEdit(InputError):
    """An edit based on a target that someone else has changed since; ``current`` is their text."""

    def __init__(self, message: str, *, segment: str, current: str) -> None:
        super().__init__(message)
        self.segment = segment
        self.current = current


def target_version(text: str) -> str:
    """A short fingerprint of a segment's target: what an edit says it was based on."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def import_xliff(
    data: bytes,
    *,
    source: str,
    bundle: Path,
    qa: QASettings | None = None,
    catalogs: Path | None = None,
    terms: SourceTerms | None = None,
) -> ImportResult:
    """Apply an edited XLIFF file to ``bundle`` and rewrite the bundle atomically.

    A unit whose target differs from the bundle, or whose state is reviewed/final, becomes a
    reviewed segment; units must match the bundle's segment ids and source texts. ``catalogs``:
    the UI catalog folder, for the page chrome of article.html (English without it).
    """
    document = read_xliff(data, source=source)
    units = with_bundle_sources(document.units_for(_run(bundle), source=source), *_texts(bundle))
    edits = [
        Edit(u.id, u.source, u.target, u.state in ("reviewed", "final"), {int(k) - 1: v for k, v in u.codes.items()})
        for u in units
    ]
    return apply_edits(
        bundle, edits, origin=source, target_lang=document.target_lang, qa=qa, catalogs=catalogs, terms=terms
    )


def _texts(bundle: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The bundle's source and target text per segment id (none without readable segments:
    apply_edits says why)."""
    try:
        with (bundle / SEGMENTS).open(encoding="utf-8") as fh:
            entries = read_segments(fh, source=str(bundle / SEGMENTS))
            return {str(e["id"]): str(e["source"]) for e in entries}, {str(e["id"]): str(e["target"]) for e in entries}
    except (OSError, InputError):
        return {}, {}


def _run(bundle: Path) -> str:
    """The bundle's translation run ("" without a readable manifest: apply_edits says why)."""
    try:
        return read_manifest(bundle / MANIFEST).run_id
    except InputError:
        return ""


def apply_edits(
    bundle: Path,
    edits: Sequence[Edit],
    *,
    origin: str,
    target_lang: str | None = None,
    qa: QASettings | None = None,
    catalogs: Path | None = None,
    terms: SourceTerms | None = None,
    cache: PieceCache | None = None,
) -> ImportResult:
    """Apply a person's edits to ``bundle`` and rewrite it atomically, through the same builder
    as a fresh translation. An edit whose target differs from the bundle's (and is not empty),
    or that is marked reviewed, makes its segment reviewed, and its term reports are checked
    again against the glossary ``terms`` (or the forms the reports name): the manifest's term
    counts follow. ``origin`` names the edits' source in errors; ``target_lang``, when given,
    must be the bundle's locale as a language tag (in any case, ``-`` or ``_``). ``cache``: the
    per-segment pieces of earlier rebuilds (:mod:`newsl10n.bundle.pieces`), for a caller that
    edits one bundle again and again."""
    files, result = _rebuilt(bundle, edits, origin, target_lang, qa, catalogs, terms, cache)
    write_bundle(bundle, files)
    return result


def prepare_pieces(
    bundle: Path,
    cache: PieceCache,
    *,
    qa: QASettings | None = None,
    catalogs: Path | None = None,
    terms: SourceTerms | None = None,
) -> None:
    """Fill ``cache`` with the pieces of ``bundle`` as it stands, writing nothing: the first edit
    applied with this cache is then as quick as the next ones."""
    files, _ = _rebuilt(bundle, [], str(bundle), None, qa, catalogs, terms, cache)
    for text in files.values():
        if not isinstance(text, str):
            deque(text, maxlen=0)


def _rebuilt(
    bundle: Path,
    edits: Sequence[Edit],
    origin: str,
    target_lang: str | None,
    qa: QASettings | None,
    catalogs: Path | None,
    terms: SourceTerms | None,
    cache: PieceCache | None,
) -> tuple[Files, ImportResult]:
    """The files of ``bundle`` with ``edits`` applied (see :func:`apply_edits`), made as written."""
    names = _bundle_names(bundle)
    read = _read_bundle(bundle, [SEGMENTS, MANIFEST])
    seg_data = segments_document(load_json(read[SEGMENTS], source=str(bundle / SEGMENTS)), source=str(bundle / SEGMENTS))
    manifest = Manifest.from_json(load_json(read[MANIFEST], source=str(bundle / MANIFEST)), source=str(bundle / MANIFEST))
    if not isinstance(seg_data, dict) or "article" not in seg_data:
        raise InputError(f"{bundle}: bundle has no article layout in segments.json (written by an older newsl10n)")
    locale = manifest.locale
    if target_lang and language_tag(target_lang) != language_tag(locale):
        raise InputError(f"{origin}: target language {target_lang!r} does not match the bundle's locale {locale!r}")
    entries = {e["id"]: e for e in seg_data["segments"]}
    for edit in edits:
        _check_edit(edit, entries.get(edit.id), origin, bundle)
    changed = sum(_apply(edit, entries[edit.id]) for edit in edits)
    rechecked = False
    for edit in edits:
        entry = entries[edit.id]
        if edit.terms is None and entry.get("reviewed") and entry.get("terms"):
            entry["terms"] = recheck_reports(entry["terms"], str(entry["target"]), locale, terms)
            rechecked = True
    article = _article(seg_data["article"], cache)
    segments = [entries[s.id] for s in article.segments]
    ui = load_ui_strings(catalogs, locale) if catalogs is not None else None
    localized = localize(
        article,
        locale,
        {e["id"]: e["target"] for e in segments},
        ui,
        [e["id"] for e in segments if e.get("reviewed")],
        {e["id"]: e.get("terms") or [] for e in segments},
    )
    manifest.reviewed_segments = len(localized.reviewed)
    if rechecked or any(edit.terms is not None for edit in edits):
        manifest.terms = localized.term_counts()
        manifest.term_compliance = counts_compliance(manifest.terms, manifest.glossary_hash is not None)
    manifest.imported = datetime.now(timezone.utc).isoformat(timespec="seconds")
    files: Files = bundle_files(localized, segments, manifest, ui, qa, cache)
    files = {**_read_bundle(bundle, [n for n in names if n not in files]), **files}
    return files, ImportResult(bundle, changed, len(localized.reviewed), len(segments), segments, manifest)


def _article(layout: Mapping[str, object], cache: PieceCache | None) -> Article:
    """The article of a segments.json layout (one parsed before, when ``cache`` holds it: an
    Article is immutable)."""
    keys = piece_keys(cache, "article", [layout], None)
    return next(pieces([layout], lambda batch: [article_from_layout(batch[0])], cache, keys))


def _check_edit(edit: Edit, entry: dict | None, origin: str, bundle: Path) -> None:
    """Refuse an edit for an unknown segment, another source text, or a target changed since."""
    if entry is None:
        raise InputError(f"{origin}: unit {edit.id!r} is not a segment of {bundle}")
    if edit.source != entry["source"]:
        raise InputError(f"{origin}: unit {edit.id!r} has a different source text than {bundle}")
    current = str(entry["target"])
    if edit.expected is not None and edit.expected != target_version(current) and edit.target != current:
        raise StaleEdit(
            f"{origin}: segment {edit.id} was changed by someone else since you opened it; "
            "their text is kept, yours was not saved",
            segment=edit.id,
            current=current,
        )


def _apply(edit: Edit, entry: dict) -> bool:
    """Apply one checked edit to its segments.json entry; True when the target changed."""
    edited = bool(edit.target.strip()) and edit.target != entry["target"]
    if edited:
        entry["target"] = edit.target
    if edited or (edit.target.strip() and edit.reviewed):
        entry["reviewed"] = True
    if edit.terms is not None and edit.target.strip():
        entry["terms"] = [dict(t) for t in edit.terms]
    if edit.placed is not None and edit.target.strip():
        entry["placed"] = {str(k): list(v) for k, v in edit.placed.items()}
    elif edited:
        entry.pop("placed", None)
    return edited


def _bundle_names(bundle: Path) -> list[str]:
    """The names of the bundle's files (those this version does not write are kept as they are)."""
    if not (bundle / SEGMENTS).is_file() or not (bundle / MANIFEST).is_file():
        raise InputError(f"{bundle}: not a bundle (segments.json or manifest.json missing)")
    try:
        return [p.name for p in bundle.iterdir() if p.is_file()]
    except OSError as exc:
        raise InputError(f"{bundle}: cannot read the bundle ({exc})") from None


def _read_bundle(bundle: Path, names: Sequence[str]) -> dict[str, str]:
    """The text of the bundle's files ``names``."""
    try:
        return {name: (bundle / name).read_text(encoding="utf-8") for name in names}
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{bundle}: cannot read the bundle ({exc})") from None
