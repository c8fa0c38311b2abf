"""The bundles of one output folder as the review editor sees them: found by validated id, counted
for the index, laid out as editor rows, and saved through the same code as ``import-xliff``.

Nothing outside OUT is ever read or written: a bundle id is at most two plain folder names,
resolved and checked to lie inside OUT; a segment id must be one of the bundle's own.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..bundle.pieces import PieceCache
from ..bundle.postedit import Edit, prepare_pieces
from ..bundle.reader import LoadedBundle, find_bundles, load_bundle
from ..bundle.review import highlight
from ..bundle.segments import SEGMENTS, SegmentEntry
from ..config import QASettings
from ..edits import EditSettings, recover_all, save_edits
from ..errors import InputError
from ..model import TermConstraint
from ..qa import ERROR, WARNING, Issue, check_segment
from ..terms.recheck import report_constraint
from ..terms.source import SourceTerms

_SEGMENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,100}")


class UnknownId(InputError):
    """A bundle or segment id that is not one of OUT's (or tries to leave it)."""


@dataclass(frozen=True)
class Summary:
    """One bundle's line in the index."""

    id: str
    article: str
    locale: str
    segments: int
    reviewed: int
    errors: int
    warnings: int
    violated: int
    damaged: str = ""
    """Why the bundle cannot be read ("" when it can): shown in the index instead of its counts."""


@dataclass(frozen=True)
class TermView:
    source: str
    forms: tuple[str, ...]
    forbidden: tuple[str, ...]
    status: str
    problem: str = ""


@dataclass(frozen=True)
class Row:
    """One segment in the editor."""

    id: str
    kind: str
    source: list[tuple[str, bool]]
    target: str
    version: str
    reviewed: bool
    issues: list[Issue]
    terms: list[TermView]
    suggestion: dict[str, str] | None = None
    """A person's translation of the segment's earlier source (``{"source", "target"}``)."""

    @property
    def flagged(self) -> bool:
        return bool(self.issues) or any(t.status == "violated" for t in self.terms)


@dataclass
class Workspace:
    """OUT and what a save needs: QA settings, the UI catalogs, the glossary (for the term check
    and the accepted forms) and the memory file (None: the memory is off)."""

    out: Path
    qa: QASettings = field(default_factory=QASettings)
    catalogs: Path | None = None
    terms: SourceTerms | None = None
    memory: Path | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _summaries: dict[tuple[Path, int, int], Summary] = field(default_factory=dict, repr=False)
    _loaded: dict[Path, tuple[tuple[int, int, int], LoadedBundle]] = field(default_factory=dict, repr=False)
    _pieces: PieceCache = field(default_factory=PieceCache, repr=False)
    """What the saves' rebuilds reuse: the XLIFF units, rows and QA flags of unchanged segments."""
    _prepared: dict[Path, tuple[int, int, int]] = field(default_factory=dict, repr=False)
    """The segments.json (inode, mtime, size) whose pieces ``_pieces`` holds, per bundle."""

    def __post_init__(self) -> None:
        self.root = self.out.resolve()

    @property
    def settings(self) -> EditSettings:
        return EditSettings(self.qa, self.catalogs, self.terms, self.memory, self._pieces)

    def recover(self) -> int:
        """Complete the saves to OUT's bundles that were cut short (:func:`newsl10n.edits.recover_all`)."""
        return recover_all(self.out, self.settings)

    def bundle_ids(self) -> list[str]:
        """Every bundle under OUT, as ``article/locale`` ids (relative folder names)."""
        ids = ["/".join(p.relative_to(self.out).parts) for p in find_bundles([self.out]) if p != self.out]
        return [i for i in ids if self._inside(i)]

    def _inside(self, bundle_id: str) -> bool:
        try:
            self.resolve(bundle_id)
        except UnknownId:
            return False
        return True

    def resolve(self, bundle_id: str) -> Path:
        """The folder of ``bundle_id``; UnknownId unless it is a bundle inside OUT."""
        parts = bundle_id.split("/")
        if not 1 <= len(parts) <= 2 or any(not _plain(p) for p in parts):
            raise UnknownId(f"{bundle_id!r}: not a bundle id")
        path = self.root.joinpath(*parts).resolve()
        if not path.is_relative_to(self.root) or path == self.root or not (path / SEGMENTS).is_file():
            raise UnknownId(f"{bundle_id!r}: no such bundle in {self.out}")
        return path

    def load(self, bundle_id: str) -> LoadedBundle:
        return self._load(self.resolve(bundle_id))

    def _load(self, path: Path) -> LoadedBundle:
        """The bundle at ``path``, parsed again only when its segments.json has changed (another
        file: a write swaps the whole folder, so its inode tells; a save reads it under the
        bundle's lock)."""
        key = _file_key(path / SEGMENTS)
        cached = self._loaded.get(path)
        if cached is None or cached[0] != key:
            cached = self._loaded[path] = (key, load_bundle(path))
        return cached[1]

    def summaries(self) -> list[Summary]:
        """Every bundle's counts (none when OUT no longer holds any); a bundle that cannot be
        read is listed as damaged, with why."""
        try:
            ids = self.bundle_ids()
        except InputError:
            return []
        return [self._summary_or_damage(b) for b in ids]

    def _summary_or_damage(self, bundle_id: str) -> Summary:
        try:
            return self.summary(bundle_id)
        except (InputError, OSError) as exc:
            article, _, locale = bundle_id.rpartition("/")
            return Summary(bundle_id, article or locale, locale, 0, 0, 0, 0, 0, damaged=str(exc) or type(exc).__name__)

    def summary(self, bundle_id: str) -> Summary:
        """The index's counts for one bundle, kept until its segments.json changes."""
        path = self.resolve(bundle_id)
        key = (path, *_file_key(path / SEGMENTS))
        if key not in self._summaries:
            bundle = load_bundle(path)
            issues = [i for s in bundle.segments for i in self.issues(bundle, s)]
            self._summaries[key] = Summary(
                id=bundle_id,
                article=bundle.article,
                locale=bundle.locale,
                segments=len(bundle.segments),
                reviewed=sum(1 for s in bundle.segments if s.reviewed),
                errors=sum(1 for i in issues if i.severity == ERROR),
                warnings=sum(1 for i in issues if i.severity == WARNING),
                violated=sum(1 for t in bundle.terms if t.get("status") == "violated"),
            )
        return self._summaries[key]

    def issues(self, bundle: LoadedBundle, entry: SegmentEntry) -> list[Issue]:
        """What ``newsl10n qa`` reports for one segment."""
        return check_segment(entry.qa_input(bundle.manifest.source_lang, bundle.locale), self.qa)

    def rows(self, bundle: LoadedBundle) -> list[Row]:
        return [self.row(bundle, entry) for entry in bundle.segments]

    def row(self, bundle: LoadedBundle, entry: SegmentEntry) -> Row:
        reports = list(entry.terms or ())
        constraints = [self.constraint(t, bundle.locale) for t in reports]
        return Row(
            id=entry.id,
            kind=entry.kind or "",
            source=highlight(entry.source, [str(t.get("source", "")) for t in reports]),
            target=entry.target,
            version=entry.version,
            reviewed=entry.reviewed,
            issues=self.issues(bundle, entry),
            terms=[
                TermView(str(t.get("source", "")), c.forms, c.forbidden, str(t.get("status", "")), str(t.get("problem", "")))
                for t, c in zip(reports, constraints)
            ],
            suggestion=dict(entry.suggestion) if entry.suggestion else None,
        )

    def constraint(self, report: Mapping[str, object], locale: str) -> TermConstraint:
        return report_constraint(report, locale, self.terms)

    def prepare(self, bundle_id: str) -> None:
        """Make the pieces of a bundle's files ahead of its first save, writing nothing (the
        editor's page asks for it once it has loaded). Skipped when they are made already, or
        while a save runs (it makes them)."""
        path = self.resolve(bundle_id)
        if self._prepared.get(path) == _file_key(path / SEGMENTS) or not self._lock.acquire(blocking=False):
            return
        try:
            key = _file_key(path / SEGMENTS)
            if self._prepared.get(path) != key:
                prepare_pieces(path, self._pieces, qa=self.qa, catalogs=self.catalogs, terms=self.terms)
                self._prepared[path] = key
        finally:
            self._lock.release()

    def save(self, bundle_id: str, segment: str, target: str, version: str, *, origin: str) -> LoadedBundle:
        """Apply one person's target (based on ``version``) to its bundle and store it in the
        memory as reviewed, through the post-edit service (:func:`newsl10n.edits.save_edits`:
        under the bundle's lock, as it stands then). StaleEdit when someone else changed the
        segment since."""
        path = self.resolve(bundle_id)
        if not _SEGMENT_ID.fullmatch(segment):
            raise UnknownId(f"{segment!r}: not a segment id")
        if not target.strip():
            raise InputError(f"{origin}: segment {segment}: an empty target is not saved")

        def edits(current: LoadedBundle) -> list[Edit]:
            entry = current.entry(segment)
            if entry is None:
                raise UnknownId(f"{segment!r}: no such segment in {bundle_id}")
            return [Edit(segment, entry.source, target, reviewed=True, expected=version)]

        with self._lock:
            result = save_edits(path, edits, origin=origin, settings=self.settings, load=self._load)
            written = _file_key(path / SEGMENTS)
            after = result.as_loaded()
            self._loaded[path] = (written, after)  # what load_bundle would read back
            self._prepared[path] = written
        return after


def _file_key(path: Path) -> tuple[int, int, int]:
    """What tells one segments.json from the next: a save swaps the bundle folder, so a new
    file has a new inode even within the file system's timestamp granularity."""
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def _plain(name: str) -> bool:
    """One plain folder name: no separator, not hidden, not ``.`` or ``..``."""
    return bool(name) and not name.startswith(".") and not any(c in name for c in "/\\:\0") and name.isprintable()
