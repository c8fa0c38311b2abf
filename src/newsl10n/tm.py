"""Translation memory: segment translations kept in SQLite, so unchanged text is never re-translated.

An entry is keyed by the normalized source segment, the locale, the model and its revision, the
glossary hash ("" without a glossary) and the decoding settings that change the output; it keeps
the target, the glossary terms the engine forced and how, when it was made, and a ``reviewed``
flag. A machine run never overwrites a reviewed entry.

The file uses WAL mode, a busy timeout and one short write transaction per store, so concurrent
runs on one memory neither corrupt it nor fail on a lock.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from .errors import InputError
from .translate.base import Constraints, EngineSpec, Progress, Translation, Translator

DEFAULT_NAME = ".newsl10n-tm.sqlite"
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
    PRIMARY KEY (source_key, locale, model, glossary, decoding)
) WITHOUT ROWID
"""
UPSERT = """
INSERT INTO segments (source_key, locale, model, glossary, decoding, source, target, forced, method, created, reviewed)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (source_key, locale, model, glossary, decoding) DO UPDATE SET
    source = excluded.source, target = excluded.target, forced = excluded.forced,
    method = excluded.method, created = excluded.created, reviewed = excluded.reviewed
WHERE segments.reviewed = 0 OR excluded.reviewed = 1
"""


def normalize(text: str) -> str:
    """The lookup key of a segment: NFC, whitespace runs collapsed, ends stripped."""
    return " ".join(unicodedata.normalize("NFC", text).split())


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


def memory_context(spec: EngineSpec, revision: str, glossary_hash: str = "") -> MemoryContext:
    """The key parts for one locale's engine: model@revision and the output-changing settings."""
    d = spec.decoding
    decoding = {"engine": spec.engine, "beam_size": d.beam_size, "max_length": d.max_length}
    if spec.target_token:
        decoding["target_token"] = spec.target_token
    if spec.engine == "ctranslate2":
        decoding["quantization"] = spec.ct2.quantization
    return MemoryContext(
        locale=spec.target_lang,
        model=f"{spec.model}@{revision}",
        glossary=glossary_hash,
        decoding=json.dumps(decoding, sort_keys=True, separators=(",", ":")),
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
        if not create and not self.path.exists():
            return None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute(SCHEMA)
            db.execute("SELECT 1 FROM segments LIMIT 1").fetchall()
        except (sqlite3.Error, OSError) as exc:
            raise InputError(f"{self.path}: cannot use translation memory ({exc})") from None
        self._db = db
        return db

    def lookup(self, context: MemoryContext, sources: Sequence[str]) -> dict[str, Translation]:
        """Stored translations of ``sources``, keyed by normalized source."""
        keys = list(dict.fromkeys(normalize(s) for s in sources))
        found: dict[str, Translation] = {}
        db = self.connect(create=False)
        if db is None:
            return found
        for start in range(0, len(keys), 500):  # stay under SQLite's bound-parameter limit
            chunk = keys[start : start + 500]
            rows = db.execute(
                "SELECT source_key, target, forced, method FROM segments WHERE locale = ? AND model = ? "
                f"AND glossary = ? AND decoding = ? AND source_key IN ({','.join('?' * len(chunk))})",
                (context.locale, context.model, context.glossary, context.decoding, *chunk),
            )
            for key, target, forced, method in rows:
                found[key] = Translation(target, tuple(json.loads(forced)), method)
        return found

    def store(
        self, context: MemoryContext, pairs: Sequence[tuple[str, Translation]], *, reviewed: bool = False
    ) -> None:
        """Store machine (or, with ``reviewed``, human) translations in one transaction.

        A reviewed entry is only ever replaced by another reviewed one.
        """
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        rows = [
            (
                normalize(source), context.locale, context.model, context.glossary, context.decoding,
                source, out.text, json.dumps(list(out.forced)), out.method, created, int(reviewed),
            )
            for source, out in pairs
        ]  # fmt: skip
        db = self.connect()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(UPSERT, rows)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def entries(self, locale: str | None = None, *, reviewed_only: bool = False) -> Iterator[Entry]:
        """All entries (of one locale), oldest first."""
        sql = "SELECT source, target, locale, forced, method, created, reviewed FROM segments WHERE 1=1"
        args: list[object] = []
        if locale:
            sql += " AND locale = ?"
            args.append(locale)
        if reviewed_only:
            sql += " AND reviewed = 1"
        db = self.connect(create=False)
        if db is None:
            return
        for source, target, loc, forced, method, created, reviewed in db.execute(
            sql + " ORDER BY created, locale, source", args
        ):
            yield Entry(source, target, loc, tuple(json.loads(forced)), method, created, bool(reviewed))


def open_memory(path: Path) -> TranslationMemory:
    """Open an existing memory file for reading; errors name the file."""
    if not path.is_file():
        raise InputError(f"{path}: no translation memory here (run `newsl10n translate` first)")
    memory = TranslationMemory(path)
    memory.connect(create=False)
    return memory


@dataclass
class CachedTranslator:
    """A translator that answers from the memory first and loads its engine only for misses.

    ``load`` builds the real engine; it is called at most once, and never when every segment
    is found. ``revision`` is the model's revision when known without loading it (else the
    engine is loaded to learn it).
    """

    spec: EngineSpec
    memory: TranslationMemory
    load: Callable[[], Translator]
    revision: str | None = None
    glossary_hash: str = ""
    engine: Translator | None = None
    load_seconds: float = 0.0
    last_hits: int = 0
    last_misses: int = 0
    _context: MemoryContext | None = field(default=None, repr=False)

    def loaded(self) -> Translator:
        if self.engine is None:
            import time

            started = time.perf_counter()
            self.engine = self.load()
            self.load_seconds = time.perf_counter() - started
        return self.engine

    @property
    def context(self) -> MemoryContext:
        if self._context is None:
            revision = self.revision or str(self.loaded().describe().get("model_revision", "unknown"))
            self._context = memory_context(self.spec, revision, self.glossary_hash)
        return self._context

    def translate(
        self,
        sources: Sequence[str],
        progress: Progress | None = None,
        constraints: Constraints | None = None,
    ) -> list[Translation]:
        found = self.memory.lookup(self.context, sources)
        keys = [normalize(s) for s in sources]
        todo = list({k: i for i, k in reversed(list(enumerate(keys))) if k and k not in found}.values())
        todo.sort()
        self.last_hits = sum(1 for k in keys if k in found)
        self.last_misses = len(sources) - self.last_hits
        if progress and self.last_hits:
            progress(self.last_hits)
        if todo:
            outputs = self.loaded().translate(
                [sources[i] for i in todo],
                progress=_spread(progress, len(sources) - self.last_hits, len(todo)),
                constraints=[constraints[i] for i in todo] if constraints else None,
            )
            self.memory.store(self.context, [(sources[i], out) for i, out in zip(todo, outputs)])
            found.update((keys[i], out) for i, out in zip(todo, outputs))
        return [found.get(k, Translation("")) for k in keys]

    def describe(self) -> dict[str, object]:
        if self.engine is not None:
            info = dict(self.engine.describe())
        else:
            info = describe_spec(self.spec, self.context.model.rsplit("@", 1)[-1])
        info["tm"] = {"hits": self.last_hits, "misses": self.last_misses}
        return info


def describe_spec(spec: EngineSpec, revision: str) -> dict[str, object]:
    """What an engine's ``describe()`` says, from its spec alone (the engine was never loaded)."""
    d = spec.decoding
    info: dict[str, object] = {
        "engine": spec.engine,
        "model": spec.model,
        "model_revision": revision,
        "target_token": spec.target_token,
        "decoding": {"beam_size": d.beam_size, "batch_size": d.batch_size, "max_length": d.max_length},
    }
    if spec.engine == "ctranslate2":
        info["quantization"] = spec.ct2.quantization
    return info


def _spread(progress: Progress | None, segments: int, calls: int) -> Progress | None:
    """Progress for the engine's unique misses, scaled to the segments they stand for."""
    if progress is None or segments == calls:
        return progress
    done = [0, 0]

    def report(count: int) -> None:
        done[0] += count
        target = segments * done[0] // calls
        progress(target - done[1])
        done[1] = target

    return report


def export_tmx(entries: Iterator[Entry], fileobj: IO[bytes], source_lang: str) -> int:
    """Write ``entries`` as TMX 1.4 (translate-toolkit); returns the number of units."""
    from translate.storage.tmx import tmxfile

    store = tmxfile(sourcelanguage=source_lang)
    count = 0
    for entry in entries:
        store.addtranslation(entry.source, source_lang, entry.target, entry.locale)
        count += 1
    fileobj.write(bytes(store))
    return count


def memory_path(out: Path, configured: Path | None, base: Path) -> Path:
    """The memory file: ``tm.path`` from pipeline.yaml (relative to it), else OUT/.newsl10n-tm.sqlite."""
    return base / configured if configured is not None else out / DEFAULT_NAME



def open_translator(
    spec: EngineSpec,
    memory: TranslationMemory | None,
    factory: Callable[[EngineSpec], Translator],
    glossary_hash: str = "",
) -> Translator:
    """The engine for one locale (made by ``factory``): loaded now without a memory, on the
    first miss with one.

    A model whose revision cannot be known without loading it (a hub id not yet downloaded)
    is loaded now, so that a missing model fails before any work.
    """
    from .translate.revision import check_model_files, known_revision

    if memory is None:
        return factory(spec)
    check_model_files(spec.model)
    revision = known_revision(spec.model, spec.ct2.models_cache)
    cached = CachedTranslator(
        spec, memory, load=lambda: factory(spec), revision=revision, glossary_hash=glossary_hash
    )
    if revision is None:
        cached.loaded()
    return cached


@dataclass
class ClientMemory:
    """The memory behind the pipeline's SegmentMemory seam, for runs whose engines are remote
    (a Dask cluster): the client looks segments up before dispatch and stores what comes back."""

    memory: TranslationMemory
    specs: Mapping[str, EngineSpec]
    glossary_hash: str = ""

    def _context(self, locale: str, engine_info: Mapping[str, object]) -> MemoryContext:
        revision = str(engine_info.get("model_revision", ""))
        return memory_context(self.specs[locale], revision, self.glossary_hash)

    def lookup(self, locale: str, engine_info: Mapping[str, object], sources: Sequence[str]) -> list[str | None]:
        found = self.memory.lookup(self._context(locale, engine_info), sources)
        return [found[key].text if (key := normalize(s)) in found else None for s in sources]

    def store(
        self, locale: str, engine_info: Mapping[str, object], sources: Sequence[str], targets: Sequence[str]
    ) -> None:
        pairs = [(s, Translation(t)) for s, t in zip(sources, targets)]
        self.memory.store(self._context(locale, engine_info), pairs)


def store_reviewed(memory: TranslationMemory, manifest: Mapping[str, object], pairs: Sequence[tuple[str, str]]) -> int:
    """Store a bundle's post-edited segments (source, target) as reviewed, under the key its
    machine run used (model, revision, glossary and decoding from the bundle's manifest), so a
    later run finds the reviewed text and no machine run overwrites it. Returns how many."""
    from .config import CT2Settings, DecodingSettings

    decoding = manifest.get("decoding") or {}
    spec = EngineSpec(
        engine=str(manifest.get("engine", "transformers")),
        model=str(manifest.get("model", "")),
        source_lang=str(manifest.get("source_lang", "en")),
        target_lang=str(manifest.get("locale", "")),
        decoding=DecodingSettings(**{k: decoding[k] for k in ("beam_size", "batch_size", "max_length") if k in decoding}),
        target_token=manifest.get("target_token"),  # type: ignore[arg-type]
        ct2=CT2Settings(quantization=manifest.get("quantization", "int8")),  # type: ignore[arg-type]
    )
    context = memory_context(spec, str(manifest.get("model_revision", "")), str(manifest.get("glossary_hash") or ""))
    if pairs:
        memory.store(context, [(source, Translation(target, (), "reviewed")) for source, target in pairs], reviewed=True)
    return len(pairs)
