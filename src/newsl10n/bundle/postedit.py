"""Post-editing: human edits replace machine output, and later runs keep them.

A bundle is rebuilt from its own files (segments.json carries the article's layout), so an edit
needs neither the source file nor a model: the bundle as read (:func:`~.reader.load_bundle`),
the edits applied (:func:`rebuild`), every file made again through the same ``build.py`` as a
fresh translation. Each edit names the version of the target it started from, and an edit of a
segment that someone else changed since is refused (:class:`StaleEdit`); the caller holds the
bundle's lock across reading, rebuilding and writing (:mod:`newsl10n.edits` does).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from ..catalog import load_ui_strings
from ..config import QASettings
from ..errors import InputError
from ..fileio import read_text
from ..locales import language_tag
from ..model import Article
from ..terms.recheck import recheck_reports
from ..terms.source import SourceTerms
from .build import Files, bundle_files, localize
from .lock import bundle_lock
from .manifest import MANIFEST, Manifest, counts_compliance
from .pieces import PieceCache, piece_keys, pieces
from .reader import LoadedBundle, load_bundle
from .segments import SEGMENTS, SegmentEntry, article_from_layout, entry_version
from .store import SymLink, write_bundle
from .xliff import read_xliff, with_bundle_sources


@dataclass(frozen=True)
class ImportResult:
    bundle: Path
    changed: int
    reviewed: int
    total: int
    segments: Sequence[SegmentEntry] = ()
    """The bundle's segments.json entries as written."""
    manifest: Manifest | None = None
    """The bundle's manifest as written."""
    edited: tuple[str, ...] = ()
    """Ids of the segments the edits changed or marked reviewed."""
    layout: Mapping[str, object] | None = None

    def as_loaded(self) -> LoadedBundle:
        """The bundle as written (what :func:`~.reader.load_bundle` would read back)."""
        manifest = self.manifest or Manifest.fallback(self.bundle.parent.name, self.bundle.name)
        article, locale = manifest.article or self.bundle.parent.name, manifest.locale or self.bundle.name
        return LoadedBundle(self.bundle, article, locale, tuple(self.segments), manifest, self.layout)


@dataclass(frozen=True)
class Edit:
    """A person's target for one segment. ``reviewed``: mark it reviewed even when the text is
    the bundle's (a translator confirmed it); ``source`` must be the segment's source text.
    ``expected``: the :attr:`~.segments.SegmentEntry.version` of the entry the person started
    from; when the bundle's entry has changed since (someone else saved), the edit is refused
    (:class:`StaleEdit`). ``terms``: the segment's glossary report for the new target, replacing
    the bundle's."""

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
    """An edit based on a target that someone else has changed since; ``current`` is their text
    and ``version`` its version."""

    def __init__(self, message: str, *, segment: str, current: str, version: str) -> None:
        super().__init__(message)
        self.segment = segment
        self.current = current
        self.version = version


def target_version(text: str, reviewed: bool = False) -> str:
    """The version of an entry with target ``text`` (:attr:`SegmentEntry.version`)."""
    return entry_version(text, reviewed)


def xliff_edits(data: bytes, *, source: str, bundle: LoadedBundle) -> list[Edit]:
    """The edits an (edited) XLIFF file ``source`` brings to ``bundle`` as it stands: a file of
    another translation run, or naming none, is refused. A unit carries the version of the
    entry it was made from (``nl:version``): one whose text and state are still as exported,
    while the bundle's entry has changed since, is no edit; an edited one is checked against it."""
    document = read_xliff(data, source=source)
    _check_language(document.target_lang, bundle.locale, source)
    entries = {e.id: e for e in bundle.segments}
    sources, targets = {i: e.source for i, e in entries.items()}, {i: e.target for i, e in entries.items()}
    edits = []
    for unit in with_bundle_sources(document.units_for(bundle.manifest.run_id, source=source), sources, targets):
        reviewed = unit.state in ("reviewed", "final")
        entry = entries.get(unit.id)
        as_exported = bool(unit.version) and entry_version(unit.target, reviewed) == unit.version
        if as_exported and entry is not None and entry.source == unit.source and entry.version != unit.version:
            continue  # someone else changed this segment since the file was made; the file did not
        placed = {int(k) - 1: v for k, v in unit.codes.items()}
        edits.append(Edit(unit.id, unit.source, unit.target, reviewed, placed, expected=unit.version or None))
    return edits


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
    """Apply a person's edits to ``bundle`` and rewrite it atomically under its lock, without
    the memory (:func:`newsl10n.edits.save_edits` is the service that keeps both). See
    :func:`rebuild` for the arguments."""
    require_bundle(bundle)
    with bundle_lock(bundle):
        current = load_bundle(bundle)
        _check_language(target_lang, current.locale, origin)
        files, result = rebuild(current, edits, origin=origin, qa=qa, catalogs=catalogs, terms=terms, cache=cache)
        write_bundle(bundle, files)
    return result


def _check_language(target_lang: str | None, locale: str, origin: str) -> None:
    """A file's target language, when it names one, is the bundle's locale as a language tag
    (in any case, ``-`` or ``_``)."""
    if target_lang and language_tag(target_lang) != language_tag(locale):
        raise InputError(f"{origin}: target language {target_lang!r} does not match the bundle's locale {locale!r}")


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
    files, _ = rebuild(load_bundle(bundle), [], origin=str(bundle), qa=qa, catalogs=catalogs, terms=terms, cache=cache)
    for text in files.values():
        if not isinstance(text, (str, SymLink)):
            deque(text, maxlen=0)


def rebuild(
    bundle: LoadedBundle,
    edits: Sequence[Edit],
    *,
    origin: str,
    qa: QASettings | None = None,
    catalogs: Path | None = None,
    terms: SourceTerms | None = None,
    cache: PieceCache | None = None,
) -> tuple[Files, ImportResult]:
    """The files of ``bundle`` with ``edits`` applied, made as they are written. An edit whose
    target differs from the bundle's (and is not empty), or that is marked reviewed, makes its
    segment reviewed, and its term reports are checked again against the glossary ``terms`` (or
    the forms the reports name): the manifest's term counts follow. ``origin`` names the edits'
    source in errors; ``catalogs``: the UI catalog folder, for the page chrome of article.html
    (English without it); ``cache``: the per-segment pieces of earlier rebuilds
    (:mod:`newsl10n.bundle.pieces`), for a caller that edits one bundle again and again."""
    path = bundle.path
    names = _bundle_names(path)
    if bundle.layout is None:
        raise InputError(f"{path}: bundle has no article layout in segments.json (written by an older newsl10n)")
    before = {e.id: e for e in bundle.segments}
    entries = dict(before)
    for edit in edits:
        _check_edit(edit, entries.get(edit.id), origin, path)
    edited = []
    for edit in edits:
        entries[edit.id], changed = _apply(edit, entries[edit.id], bundle.locale, terms)
        if changed:
            edited.append(edit.id)
    article = _article(bundle.layout, cache)
    try:
        segments = [entries[s.id] for s in article.segments]
    except KeyError as exc:
        raise InputError(f"{path / SEGMENTS}: the article layout names segment {exc.args[0]!r}, which has no entry") from None
    ui = load_ui_strings(catalogs, bundle.locale) if catalogs is not None else None
    localized = localize(
        article, bundle.locale, {e.id: e.target for e in segments}, ui,
        [e.id for e in segments if e.reviewed], {e.id: list(e.terms or ()) for e in segments},
    )  # fmt: skip
    manifest = replace(bundle.manifest, reviewed_segments=len(localized.reviewed))
    if edits:
        manifest.terms = localized.term_counts()
        manifest.term_compliance = counts_compliance(manifest.terms, manifest.glossary_hash is not None)
    manifest.imported = datetime.now(timezone.utc).isoformat(timespec="seconds")
    files: Files = bundle_files(localized, segments, manifest, ui, qa, cache)
    files = {**_kept_files(path, [n for n in names if n not in files]), **files}
    changed = sum(1 for e in edits if entries[e.id].target != before[e.id].target)
    result = ImportResult(
        path, changed, len(localized.reviewed), len(segments), segments, manifest, tuple(edited), bundle.layout
    )
    return files, result


def _article(layout: Mapping[str, object], cache: PieceCache | None) -> Article:
    """The article of a segments.json layout (one parsed before, when ``cache`` holds it: an
    Article is immutable)."""
    keys = piece_keys(cache, "article", [layout], None)
    try:
        return next(pieces([layout], lambda batch: [article_from_layout(batch[0])], cache, keys))
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise InputError(f"segments.json: the article layout is damaged ({type(exc).__name__}: {exc})") from None


def _check_edit(edit: Edit, entry: SegmentEntry | None, origin: str, bundle: Path) -> None:
    """Refuse an edit for an unknown segment, another source text, or a target changed since."""
    if entry is None:
        raise InputError(f"{origin}: unit {edit.id!r} is not a segment of {bundle}")
    if edit.source != entry.source:
        raise InputError(f"{origin}: unit {edit.id!r} has a different source text than {bundle}")
    if edit.expected is not None and edit.expected != entry.version and edit.target != entry.target:
        raise StaleEdit(
            f"{origin}: segment {edit.id} was changed by someone else since you opened it; "
            "their text is kept, yours was not saved",
            segment=edit.id,
            current=entry.target,
            version=entry.version,
        )


def _apply(edit: Edit, entry: SegmentEntry, locale: str, terms: SourceTerms | None) -> tuple[SegmentEntry, bool]:
    """One checked edit applied to its entry; True when it changed the target or marked it
    reviewed. The term reports of a reviewed target are checked again."""
    text = edit.target.strip()
    edited = bool(text) and edit.target != entry.target
    new = entry
    if edited:
        new = replace(new, target=edit.target, placed=None, suggestion=None)
    if edited or (text and edit.reviewed):
        new = replace(new, reviewed=True)
    if edit.terms is not None and text:
        new = replace(new, terms=tuple(dict(t) for t in edit.terms))
    elif new.reviewed and new.terms:
        new = replace(new, terms=tuple(recheck_reports(new.terms, new.target, locale, terms)))
    if edit.placed is not None and text:
        new = replace(new, placed=dict(edit.placed))
    return new, new.target != entry.target or new.reviewed != entry.reviewed


def require_bundle(bundle: Path) -> None:
    """InputError unless ``bundle`` holds a bundle's segments.json and manifest.json."""
    if not (bundle / SEGMENTS).is_file() or not (bundle / MANIFEST).is_file():
        raise InputError(f"{bundle}: not a bundle (segments.json or manifest.json missing)")


def _bundle_names(bundle: Path) -> list[str]:
    """The names of the bundle's files (those this version does not write are kept as they are)."""
    require_bundle(bundle)
    try:
        return [p.name for p in bundle.iterdir() if p.is_symlink() or p.is_file()]
    except OSError as exc:
        raise InputError(f"{bundle}: cannot read the bundle ({exc})") from None


def _kept_files(bundle: Path, names: Sequence[str]) -> dict[str, str | SymLink]:
    """The bundle's other files as they are: a symbolic link stays a link (never followed, so a
    link to a file outside OUT is never copied into it), a regular file keeps its text."""
    kept: dict[str, str | SymLink] = {}
    for name in names:
        path = bundle / name
        try:
            kept[name] = SymLink(os.readlink(path)) if path.is_symlink() else read_text(path, follow=False)
        except OSError as exc:
            raise InputError(f"{path}: cannot read the bundle ({exc.strerror or exc})") from None
    return kept
