"""Glossaries made through the API (DeepL's glossaries v2), kept as term files.

Each glossary is one YAML term file ``<folder>/<glossary_id>.yaml`` (domain: its name; the id,
target language and creation time in ``description``), written atomically, read back through
the same validation as every term file, and applied with the configured glossaries: its
entries win over configured entries that claim the same source term.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..errors import InputError
from ..fileio import write_atomic
from ..terms.files import Entry, Glossary, GlossaryFile, TargetTerms, parse_glossary_text, slug
from ..terms.formats import to_yaml

log = logging.getLogger("newsl10n")
GLOSSARY_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAX_ENTRIES = 10_000
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class UnknownGlossary(InputError):
    """No glossary with this id (answered 404)."""


class BadGlossary(InputError):
    """A glossary that cannot be made: bad entries, languages or name (answered 400)."""


@dataclass(frozen=True)
class GlossaryInfo:
    glossary_id: str
    name: str
    source_lang: str
    target_lang: str
    creation_time: str
    entry_count: int

    def to_json(self) -> dict[str, object]:
        """DeepL's glossary object."""
        return {
            "glossary_id": self.glossary_id, "name": self.name, "ready": True, "source_lang": self.source_lang,
            "target_lang": self.target_lang, "creation_time": self.creation_time, "entry_count": self.entry_count,
        }  # fmt: skip


@dataclass(frozen=True)
class StoredGlossary:
    info: GlossaryInfo
    file: GlossaryFile
    path: Path


class GlossaryStore:
    """The glossary folder. ``source_lang``: the only source language; ``targets``: the target
    languages (base codes, lower case) that have a model."""

    def __init__(self, folder: Path, source_lang: str, targets: Sequence[str]):
        self.folder = folder
        self.source_lang = source_lang.lower()
        self.targets = tuple(dict.fromkeys(t.lower() for t in targets))
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[int, StoredGlossary]] = {}

    def create(self, name: str, source_lang: str, target_lang: str, entries: str, entries_format: str) -> GlossaryInfo:
        """Check everything, then write the term file in one atomic step."""
        if not name.strip():
            raise BadGlossary("Parameter 'name' not specified.")
        if source_lang.lower() != self.source_lang:
            raise BadGlossary("Value for 'source_lang' not supported.")
        target = target_lang.lower()
        if target not in self.targets:
            raise BadGlossary("Value for 'target_lang' not supported.")
        if entries_format not in ("tsv", "csv"):
            raise BadGlossary("Value for 'entries_format' not supported: use tsv or csv.")
        pairs = parse_entries(entries, entries_format, self.source_lang, target)
        glossary_id = str(uuid.uuid4())
        created = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        made: list[Entry] = []
        ids: set[str] = set()
        for source, preferred in pairs:
            entry_id = base = f"{glossary_id[:8]}-{slug(source)}"
            n = 2
            while entry_id in ids:
                entry_id, n = f"{base}-{n}", n + 1
            ids.add(entry_id)
            made.append(Entry(id=entry_id, source=source, targets={target: TargetTerms(preferred=preferred)}))
        meta = {"glossary_id": glossary_id, "target_lang": target, "creation_time": created}
        model = GlossaryFile(domain=name, source_lang=self.source_lang, description=json.dumps(meta), entries=made)
        text = to_yaml(model)
        _, problems = parse_glossary_text(text, source="entries")
        if problems:
            raise BadGlossary(f"Invalid glossary entries provided: {problems[0].message}")
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(self.folder / f"{glossary_id}.yaml", text)
        return self._info(model, glossary_id)

    def list(self) -> list[GlossaryInfo]:
        with self._lock:
            paths = sorted(self.folder.glob("*.yaml")) if self.folder.is_dir() else []
        found = [self._load(p.stem) for p in paths if GLOSSARY_ID.match(p.stem)]
        return sorted((g.info for g in found if g is not None), key=lambda i: (i.creation_time, i.glossary_id))

    def get(self, glossary_id: str) -> StoredGlossary:
        """The glossary, or UnknownGlossary; a malformed id never reaches the file system."""
        if not GLOSSARY_ID.match(glossary_id):
            raise UnknownGlossary("Glossary not found.")
        stored = self._load(glossary_id)
        if stored is None:
            raise UnknownGlossary("Glossary not found.")
        return stored

    def delete(self, glossary_id: str) -> None:
        stored = self.get(glossary_id)
        with self._lock:
            stored.path.unlink(missing_ok=True)
            self._cache.pop(glossary_id, None)

    def entries(self, glossary_id: str) -> list[tuple[str, str]]:
        """(source, target) pairs, in the order they were given."""
        stored = self.get(glossary_id)
        target = stored.info.target_lang
        return [(e.source, e.targets[target].preferred) for e in stored.file.entries if target in e.targets]

    def _load(self, glossary_id: str) -> StoredGlossary | None:
        path = self.folder / f"{glossary_id}.yaml"
        with self._lock:
            try:
                stat = path.stat()
                cached = self._cache.get(glossary_id)
                if cached and cached[0] == stat.st_mtime_ns:
                    return cached[1]
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                return None
            model, problems = parse_glossary_text(text, source=str(path))
            if model is None or problems:
                log.warning("%s: not a usable glossary, left out (%s)", path, problems[0] if problems else "not a term file")
                return None
            stored = StoredGlossary(self._info(model, glossary_id), model, path)
            self._cache[glossary_id] = (stat.st_mtime_ns, stored)
            return stored

    @staticmethod
    def _info(model: GlossaryFile, glossary_id: str) -> GlossaryInfo:
        try:
            meta = json.loads(model.description)
        except ValueError:
            meta = {}
        meta = meta if isinstance(meta, dict) else {}
        targets = sorted({loc for e in model.entries for loc in e.targets})
        target = str(meta.get("target_lang") or (targets[0] if targets else ""))
        created = str(meta.get("creation_time") or "1970-01-01T00:00:00.000Z")
        return GlossaryInfo(glossary_id, model.domain, model.source_lang, target, created, len(model.entries))


def parse_entries(text: str, entries_format: str, source_lang: str, target_lang: str) -> list[tuple[str, str]]:
    """DeepL's entries: TSV (``source<TAB>target`` a line) or CSV (``source,target`` and optionally
    the two language codes); empty lines are skipped; BadGlossary names the first bad entry."""
    if entries_format == "tsv":
        rows = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                if "\t" not in line:
                    raise BadGlossary(
                        f"Invalid glossary entries provided: entry {number} has no tab between source and target"
                    )
                rows.append((number, line.split("\t")))
    else:
        try:
            read = enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), 1)
            rows = [(n, row) for n, row in read if any(c.strip() for c in row)]
        except csv.Error as exc:
            raise BadGlossary(f"Invalid glossary entries provided: {exc}") from None
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for number, cells in rows:
        if len(cells) not in (2, 4) or (entries_format == "tsv" and len(cells) != 2):
            raise BadGlossary(f"Invalid glossary entries provided: entry {number} has {len(cells)} fields, expected 2")
        source, target = cells[0].strip(), cells[1].strip()
        if len(cells) == 4 and (cells[2].strip().lower(), cells[3].strip().lower()) != (source_lang, target_lang):
            raise BadGlossary(f"Invalid glossary entries provided: entry {number} names other languages")
        if not source or not target or _CONTROL.search(source + target):
            raise BadGlossary(f"Invalid glossary entries provided: entry {number} has an empty term or a control character")
        if source.casefold() in seen:
            raise BadGlossary(f"Invalid glossary entries provided: entry {number} duplicates source term {source!r}")
        seen.add(source.casefold())
        pairs.append((source, target))
    if not pairs:
        raise BadGlossary("Invalid glossary entries provided: no entries")
    if len(pairs) > MAX_ENTRIES:
        raise BadGlossary(f"Invalid glossary entries provided: more than {MAX_ENTRIES} entries")
    return pairs


def combined(configured: Glossary | None, extra: StoredGlossary) -> Glossary:
    """The configured glossary with ``extra``'s entries; a configured entry that claims one of
    ``extra``'s source terms (or misspellings) gives way to it."""
    claimed = {t.casefold() for e in extra.file.entries for t in (*e.source_terms, *e.misspellings)}
    base = configured if configured is not None else Glossary(source_lang=extra.file.source_lang)
    kept = tuple(
        e for e in base.entries if not claimed & {t.casefold() for t in (*e.source_terms, *e.misspellings)}
    )
    return Glossary(kept + tuple(extra.file.entries), base.source_lang, (*base.files, str(extra.path)))
