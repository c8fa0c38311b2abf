"""Translation memory: segment translations kept in SQLite, so unchanged text is never re-translated.

An entry is keyed by the normalized source segment, the locale, the model and its revision, the
glossary hash ("" without a glossary) and the decoding settings that change the output; it keeps
the target, the glossary terms the engine forced and how, when it was made, and a ``reviewed``
flag. A machine run never overwrites a reviewed entry. Next to the target it keeps the machine
output (``machine``, still there once a person's text replaced it) and how likely the model found
it (``scores``: :meth:`ModelScores.to_json`): what ``newsl10n qe fit`` learns from. A memory
written before those two columns gains them (empty) when it is opened.

The file uses WAL mode, a busy timeout and one short write transaction per store, so concurrent
runs on one memory neither corrupt it nor fail on a lock.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..errors import InputError
from ..model import ModelScores, Translation, normalize
from ..translate.spec import EngineSignature

DEFAULT_NAME = ".newsl10n-tm.sqlite"
REVIEWED = "reviewed"
"""The ``method`` of a memory hit that a person wrote (a reviewed entry)."""
BUSY_TIMEOUT_S = 60.0
SCHEMA = """
CREATE TABLE IF NOT EXISTS segments (
    source_key TEXT NOT NULL,
    locale TEXT NOT NULL,
    model TEXT NOT NULL,
    glossary TEXT NOT NULL,
    decoding TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    forced TEXT NOT NULL,
    method TEXT NOT NULL,
    created TEXT NOT NULL,
    reviewed INTEGER NOT NULL DEFAULT 0,
    machine TEXT,
    scores TEXT,
    changed TEXT,
    PRIMARY KEY (source_key, locale, model, glossary, decoding)
) WITHOUT ROWID
"""
UPSERT = """
INSERT INTO segments (source_key, locale, model, glossary, decoding, source, target, forced, method, created, reviewed,
                      machine, scores, changed)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (source_key, locale, model, glossary, decoding) DO UPDATE SET
    source = excluded.source, target = excluded.target, forced = excluded.forced,
    method = excluded.method, created = excluded.created, reviewed = excluded.reviewed,
    machine = CASE WHEN excluded.reviewed = 1 AND segments.reviewed = 0 THEN segments.target
                   ELSE coalesce(excluded.machine, segments.machine) END,
    scores = coalesce(excluded.scores, segments.scores), changed = excluded.changed
WHERE segments.reviewed = 0 OR excluded.reviewed = 1
"""
COLUMNS = ("source_key", "locale", "model", "glossary", "decoding", "source", "target", "forced", "method",
           "created", "reviewed")  # fmt: skip
QE_COLUMNS = ("machine", "scores", "changed")
"""Added after the first release: an older memory gains them when opened (:meth:`_check_schema`).
``changed``: :attr:`Translation.changed` of a machine entry (how much forcing its terms changed)."""


@dataclass(frozen=True)
class MemoryContext:
    """Everything in an entry's key except the source: what makes two translations comparable."""

    locale: str
    model: str
    glossary: str
    decoding: str


@dataclass(frozen=True)
class Entry:
    source: str
    target: str
    locale: str
    forced: tuple[str, ...]
    method: str
    created: str
    reviewed: bool
    model: str = ""
    glossary: str = ""
    decoding: str = ""
    machine: str | None = None
    """The machine output this entry's target replaced (a reviewed entry), or its own target."""
    scores: ModelScores | None = None


def memory_context(signature: EngineSignature, locale: str, glossary_hash: str = "") -> MemoryContext:
    """The key parts for one locale's engine: model@revision and the output-changing settings,
    both from the engine's signature (the one its bundles' manifests describe)."""
    return MemoryContext(
        locale=locale, model=signature.model_key, glossary=glossary_hash, decoding=signature.settings_key
    )


class TranslationMemory:
    """One SQLite file, opened on first use and created on the first store (a run that fails
    before translating anything leaves no file). Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: Path):
        self.path = path
        self._db: sqlite3.Connection | None = None

    def __enter__(self) -> TranslationMemory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def connect(self, *, create: bool = True) -> sqlite3.Connection | None:
        """The open connection; None when the file does not exist and ``create`` is false."""
        if self._db is not None:
            return self._db
        if self.path.is_symlink() and not self.path.exists():  # SQLite would create its target, anywhere
            raise InputError(
                f"{self.path}: a symbolic link to {os.readlink(self.path)}, which does not exist; "
                "remove the link or point it at a translation memory"
            )
        if not create and not self.path.exists():
            return None
        db = None
        with self._errors():
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
                db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
                _retry_while_locked(lambda: self._check_schema(db))
                db.execute("PRAGMA synchronous = NORMAL")
            except BaseException:
                if db is not None:
                    db.close()
                raise
        self._db = db
        return db

    def _check_schema(self, db: sqlite3.Connection) -> None:
        """Create the table in a new file; refuse, before writing anything, a file of another program."""
        columns = {row[1] for row in db.execute("PRAGMA table_info(segments)")}
        if not columns:
            if db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise InputError(f"{self.path}: not a newsl10n translation memory (it has no 'segments' table)")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute(SCHEMA)
        elif not set(COLUMNS) <= columns:
            raise InputError(f"{self.path}: not a newsl10n translation memory (its 'segments' table has other columns)")
        else:
            for name in QE_COLUMNS:
                if name not in columns:  # a memory of an older newsl10n: migrated in place
                    db.execute(f"ALTER TABLE segments ADD COLUMN {name} TEXT")

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """A damaged, foreign, read-only or locked file: one line naming it, never a traceback."""
        try:
            yield
        except (sqlite3.Error, OSError, ValueError, TypeError) as exc:
            self.close()
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise InputError(f"{self.path}: cannot use translation memory ({detail})") from None

    def lookup(self, context: MemoryContext, sources: Sequence[str]) -> dict[str, Translation]:
        """Stored translations of ``sources``, keyed by normalized source.

        A reviewed entry of the same source and locale is found whatever model, decoding and
        glossary made the run it was reviewed in (people's text is kept across those changes;
        the caller checks it against the glossary of its run), and wins over a machine entry; it
        comes back with ``method == "reviewed"``. Among several, the entry of this glossary,
        then of this very key, then the newest.
        """
        keys = list(dict.fromkeys(normalize(s) for s in sources))
        found: dict[str, Translation] = {}
        db = self.connect(create=False)
        if db is None:
            return found
        with self._errors():
            for start in range(0, len(keys), 500):  # stay under SQLite's bound-parameter limit
                chunk = keys[start : start + 500]
                rows = db.execute(
                    "SELECT source_key, target, forced, method, reviewed, scores, changed FROM segments "
                    "WHERE locale = ? AND ((glossary = ? AND model = ? AND decoding = ?) OR reviewed = 1) "
                    f"AND source_key IN ({','.join('?' * len(chunk))}) "
                    "ORDER BY reviewed, glossary = ?, (model = ? AND decoding = ?), created",
                    (context.locale, context.glossary, context.model, context.decoding, *chunk,
                     context.glossary, context.model, context.decoding),
                ).fetchall()  # fmt: skip
                for key, target, forced, method, reviewed, scores, changed in rows:
                    found[key] = Translation(
                        target, tuple(json.loads(forced)), REVIEWED if reviewed else method,
                        None if reviewed else ModelScores.from_json(scores), None if reviewed else _share(changed),
                    )  # fmt: skip
        return found

    def store(
        self, context: MemoryContext, pairs: Sequence[tuple[str, Translation]], *, reviewed: bool = False
    ) -> None:
        """Store machine (or, with ``reviewed``, human) translations in one transaction.

        A reviewed entry is only ever replaced by another reviewed one; it keeps the machine
        output it replaces (and that output's scores).
        """
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        rows = [
            (
                normalize(source), context.locale, context.model, context.glossary, context.decoding,
                source, out.text, json.dumps(list(out.forced)), out.method, created, int(reviewed),
                None if reviewed else out.text, _dump_scores(out.scores),
                None if out.changed is None else json.dumps(out.changed),
            )
            for source, out in pairs
        ]  # fmt: skip
        self._write(rows)

    def _write(self, rows: Sequence[tuple[object, ...]]) -> None:
        db = self.connect()
        with self._errors():
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany(UPSERT, rows)
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    def entries(self, locale: str | None = None, *, reviewed_only: bool = False) -> Iterator[Entry]:
        """All entries (of one locale), oldest first."""
        sql = (
            "SELECT source, target, locale, forced, method, created, reviewed, model, glossary, decoding,"
            " machine, scores FROM segments WHERE 1=1"
        )
        args: list[object] = []
        if locale:
            sql += " AND locale = ?"
            args.append(locale)
        if reviewed_only:
            sql += " AND reviewed = 1"
        db = self.connect(create=False)
        if db is None:
            return
        with self._errors():
            cursor = db.execute(sql + " ORDER BY created, locale, source", args)
            try:  # closed before the connection is (an open statement would keep the file open)
                for source, target, loc, forced, method, created, reviewed, model, glossary, decoding, *qe in cursor:
                    yield Entry(
                        source, target, loc, tuple(json.loads(forced)), method, created, bool(reviewed),
                        model, glossary, decoding, qe[0], ModelScores.from_json(qe[1]),
                    )
            finally:
                cursor.close()

    def add(self, entries: Sequence[Entry]) -> None:
        """Store whole entries (from a TMX file) in one transaction, their dates and contexts kept;
        a reviewed entry is only ever replaced by another reviewed one."""
        rows = [
            (
                normalize(e.source), e.locale, e.model, e.glossary, e.decoding, e.source, e.target,
                json.dumps(list(e.forced)), e.method, e.created, int(e.reviewed),
                e.machine, _dump_scores(e.scores), None,
            )
            for e in entries
        ]  # fmt: skip
        self._write(rows)


def _dump_scores(scores: ModelScores | None) -> str | None:
    return None if scores is None else scores.to_json()


def _share(text: object) -> float | None:
    """A stored ``changed`` (a JSON number), or None for nothing or anything else."""
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1 else None


def open_memory(path: Path) -> TranslationMemory:
    """Open an existing memory file for reading; errors name the file."""
    if not path.is_file():
        raise InputError(f"{path}: no translation memory here (run `newsl10n translate` first)")
    memory = TranslationMemory(path)
    memory.connect(create=False)
    return memory


def memory_path(out: Path, configured: Path | None) -> Path:
    """The memory file: ``tm.path`` from pipeline.yaml (absolute once loaded), else OUT/.newsl10n-tm.sqlite."""
    return configured if configured is not None else out / DEFAULT_NAME


def _retry_while_locked(step) -> None:
    """Run ``step`` again while another process holds the file (two runs creating one memory at
    once: switching to WAL is refused at once rather than waiting out the busy timeout)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            return step()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)

