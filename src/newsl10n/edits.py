"""The one post-edit service: ``import-xliff`` and the review editor change a bundle here, and so
can any other writer of people's text (``serve``).

A save holds the bundle's lock (:mod:`newsl10n.bundle.lock`) across reading, checking,
rebuilding and writing, and reads the bundle as it is under the lock: an edit made from a
version that is no longer current is refused (:class:`~newsl10n.bundle.postedit.StaleEdit`),
an edit of another segment merges. The memory and the bundle change together: the edited entries
go first to a journal beside the bundle (``OUT/<article>/.<locale>.journal.json``), then into
the memory, then the bundle is rewritten and the journal removed. A save killed on the way
leaves its journal, and the next writer of the bundle (a save, an import, a translation run, the
review server as it starts) completes it before anything else, so "saved" means both, or neither
until the journal is done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .bundle.lock import bundle_lock
from .bundle.pieces import PieceCache
from .bundle.postedit import Edit, ImportResult, rebuild, require_bundle, xliff_edits
from .bundle.reader import LoadedBundle, load_bundle
from .bundle.segments import SEGMENTS, SegmentEntry
from .bundle.store import write_bundle
from .config import QASettings
from .errors import InputError, NewsL10nError
from .fileio import dump_json, load_json, read_text, write_atomic
from .terms.source import SourceTerms
from .tm.cached import remember_reviewed
from .tm.store import TranslationMemory

log = logging.getLogger("newsl10n")
JOURNAL_SUFFIX = ".journal.json"


@dataclass(frozen=True)
class EditSettings:
    """What a rebuild of a bundle and its memory need: the QA settings (review.html's flags),
    the UI catalogs (article.html's chrome), the glossary (the term check of an edited target),
    the memory file (None: the memory is off) and the pieces of earlier rebuilds to reuse."""

    qa: QASettings | None = None
    catalogs: Path | None = None
    terms: SourceTerms | None = None
    memory: Path | None = None
    cache: PieceCache | None = None


def journal_path(bundle: Path) -> Path:
    return bundle.parent / f".{bundle.name}{JOURNAL_SUFFIX}"


@contextmanager
def locked(bundle: Path, settings: EditSettings, *, create: bool = False) -> Iterator[None]:
    """Hold ``bundle``'s lock for the block, after completing a save that was cut short
    (``create``: the bundle's folders may not exist yet)."""
    with bundle_lock(bundle, create=create):
        complete_journal(bundle, settings)
        yield


def save_edits(
    bundle: Path,
    make_edits: Callable[[LoadedBundle], Sequence[Edit]],
    *,
    origin: str,
    settings: EditSettings,
    remember_all: bool = False,
    load: Callable[[Path], LoadedBundle] = load_bundle,
) -> ImportResult:
    """Apply the edits ``make_edits`` finds for the bundle as it is under its lock, store the
    edited segments in the memory as reviewed (``remember_all``: every reviewed segment of the
    bundle), then rewrite the bundle. Nothing is written when an edit is refused. ``load``
    reads the bundle under the lock (a caller that keeps what it read last passes its own)."""
    require_bundle(bundle)
    with locked(bundle, settings):
        current = load(bundle)
        edits = make_edits(current)
        files, result = rebuild(current, edits, origin=origin, **_rebuild_options(settings))
        edited = set(result.edited)
        stored = [e for e in result.segments if e.reviewed and (remember_all or e.id in edited)]
        journal = journal_path(bundle)
        write_atomic(journal, dump_json(_journal(settings.memory, [e for e in result.segments if e.id in edited])))
        try:
            _remember(settings.memory, result, stored)
        except BaseException:
            journal.unlink(missing_ok=True)  # nothing stored, nothing written: no save happened
            raise
        write_bundle(bundle, files)
        journal.unlink(missing_ok=True)
    return result


def import_xliff(data: bytes, *, source: str, bundle: Path, settings: EditSettings) -> ImportResult:
    """Apply an edited XLIFF file to ``bundle`` (:func:`~newsl10n.bundle.postedit.xliff_edits`):
    its edited units become reviewed segments, in the bundle and in the memory."""
    return save_edits(
        bundle,
        lambda current: xliff_edits(data, source=source, bundle=current),
        origin=source,
        settings=settings,
        remember_all=True,
    )


def complete_journal(bundle: Path, settings: EditSettings) -> bool:
    """Finish a save to ``bundle`` that was killed after its journal was written: its entries
    go into the memory it names and into the bundle (again, if they are there already), and
    the journal is removed. Call it holding the bundle's lock. True when there was one."""
    journal = journal_path(bundle)
    if not journal.is_file():
        return False
    if not (bundle / SEGMENTS).is_file():
        log.warning("%s: a save was cut short, but the bundle is gone; its journal %s is removed", bundle, journal)
        journal.unlink(missing_ok=True)
        return False
    text = read_text(journal, what="journal", follow=False)
    memory, entries = _read_journal(load_json(text, source=str(journal)), str(journal))
    current = load_bundle(bundle)
    edits = [Edit(e.id, e.source, e.target, e.reviewed, e.placed, terms=e.terms) for e in entries]
    files, result = rebuild(current, edits, origin=str(journal), **_rebuild_options(settings))
    _remember(memory, result, [e for e in result.segments if e.reviewed and e.id in {x.id for x in entries}])
    write_bundle(bundle, files)
    journal.unlink(missing_ok=True)
    log.warning("%s: completed a save that was interrupted (%d segments)", bundle, len(entries))
    return True


def recover_all(out: Path, settings: EditSettings) -> int:
    """Complete every interrupted save under the output folder ``out`` (the review server does,
    as it starts); returns how many."""
    done = 0
    for journal in sorted(out.glob(f"*/.*{JOURNAL_SUFFIX}")):
        bundle = journal.parent / journal.name[1 : -len(JOURNAL_SUFFIX)]
        try:
            with bundle_lock(bundle):
                done += complete_journal(bundle, settings)
        except NewsL10nError as exc:  # that bundle's writers will say so; the others are served
            log.warning("%s: a save cut short could not be completed: %s", bundle, exc)
    return done


def _rebuild_options(settings: EditSettings) -> dict[str, object]:
    return {"qa": settings.qa, "catalogs": settings.catalogs, "terms": settings.terms, "cache": settings.cache}


def _remember(memory: Path | None, result: ImportResult, entries: Sequence[SegmentEntry]) -> None:
    if memory is None or not entries or result.manifest is None:
        return
    with TranslationMemory(memory) as store:
        remember_reviewed(store, result.manifest, entries)


def _journal(memory: Path | None, entries: Sequence[SegmentEntry]) -> dict[str, object]:
    return {"memory": str(memory) if memory is not None else None, "segments": [e.to_json() for e in entries]}


def _read_journal(data: object, source: str) -> tuple[Path | None, list[SegmentEntry]]:
    if not isinstance(data, dict) or not isinstance(data.get("segments"), list):
        raise InputError(f"{source}: not a newsl10n save journal; remove it to go on")
    memory = data.get("memory")
    entries = [SegmentEntry.from_json(e, source=source, number=n) for n, e in enumerate(data["segments"], 1)]
    return (Path(memory) if isinstance(memory, str) else None), entries
