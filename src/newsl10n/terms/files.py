"""Term files: load, validate and hash (the source side, matching and correcting, is
:mod:`newsl10n.terms.source`).

A glossary is a folder of YAML files, one per domain. Each entry is one concept, after TBX:

```yaml
domain: security
source_lang: en
entries:
  - id: witkoff                     # unique across all files
    source: Steve Witkoff           # the source term
    variants: [Witkoff]             # accepted source variants, matched like the term
    misspellings: {Wittkopf: Witkoff}   # corrected in the source before translation
    do_not_translate: false         # true: the source term is the target in every locale
    case_sensitive: true            # default false
    note: US special envoy
    targets:
      de: Steve Witkoff             # shorthand for {preferred: ...}
      ru: {preferred: Стив Уиткофф, allowed: [Стива Уиткоффа], forbidden: [Стив Виткофф]}
```

:func:`load_glossary` reads files and returns the glossary and every problem found, each with
file, line and entry id. The pipeline refuses a glossary with problems; ``newsl10n glossary
check`` lists them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..config import PipelineConfig
from ..errors import ConfigError, GlossaryError
from ..locales import check_locale
from ..yamlio import duplicate_keys, load_yaml_nodes, node_line
from .schema import Entry, GlossaryFile, TargetTerms, TermInfo, slug

__all__ = ["Entry", "GlossaryFile", "TargetTerms", "TermInfo", "slug"]  # the schema, for the term files' users

GLOSSARY_SUFFIXES = (".yaml", ".yml")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MAX_TERM_CHARS = 200
"""The longest term (source, variant, misspelling or target): longer than any name or phrase a
glossary holds, short enough that matching and constrained decoding stay bounded."""


@dataclass(frozen=True)
class Origin:
    file: str
    line: int


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a term file; ``entry`` is the entry id (or "entry N") when it has one."""

    file: str
    line: int
    entry: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.entry}: {self.message}" if self.entry else f"{where}: {self.message}"


@dataclass(frozen=True)
class Glossary:
    """Validated entries from one or more files, in file order."""

    entries: tuple[Entry, ...] = ()
    source_lang: str = "en"
    files: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.entries)

    @cached_property
    def content_hash(self) -> str:
        """sha256 of the entries' content: independent of file layout, comments and key order."""
        canonical = json.dumps(
            {"source_lang": self.source_lang, "entries": sorted(
                (_hashed(e) for e in self.entries), key=lambda e: e["id"]
            )},
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def locales(self) -> list[str]:
        return sorted({loc for e in self.entries for loc in e.targets})


# --- loading and validation ---------------------------------------------------------------


_LATER_FIELDS = frozenset({"definition", "subject_field", "deprecated", "source_definition", "source_note",
                           "source_info", "note", "terms"})  # fmt: skip


def _hashed(entry: Entry) -> dict[str, Any]:
    """An entry's content for the hash: fields added after the first glossaries left out when
    empty, so that adding them changed no existing glossary's hash."""
    data = entry.model_dump(mode="json")
    for terms in data["targets"].values():
        for key in ("definition", "note", "terms"):
            if not terms[key]:
                del terms[key]
    return {k: v for k, v in data.items() if k == "note" or k not in _LATER_FIELDS or v}


def glossary_files(paths: Iterable[Path]) -> list[Path]:
    """The term files named by ``paths``: files as given, folders searched (sorted) for YAML."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in GLOSSARY_SUFFIXES and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise GlossaryError(f"{path}: no such glossary file or folder")
    return list(dict.fromkeys(files))


def load_glossary(paths: Iterable[Path]) -> tuple[Glossary, list[Problem]]:
    """Read and validate term files; returns the valid entries and every problem found."""
    files = glossary_files(paths)
    problems: list[Problem] = []
    parsed: list[_ParsedFile] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(path), 1, None, f"cannot read: {exc}"))
            continue
        found, own = _parse(text, str(path))
        problems.extend(own)
        if found is not None:
            parsed.append(found)
    glossary, cross = _combine(parsed)
    order = {str(f): i for i, f in enumerate(files)}
    problems = sorted([*problems, *cross], key=lambda p: (order.get(p.file, len(order)), p.line))
    return glossary, problems


def require_valid(paths: Iterable[Path]) -> Glossary:
    """The glossary, or GlossaryError naming the first problem (for the pipeline)."""
    glossary, problems = load_glossary(paths)
    if problems:
        more = f" (and {len(problems) - 1} more; run 'newsl10n glossary check')" if len(problems) > 1 else ""
        raise GlossaryError(f"{problems[0]}{more}")
    return glossary


def parse_glossary_text(text: str, *, source: str) -> tuple[GlossaryFile | None, list[Problem]]:
    """One file's text -> its model (None when not a mapping; only its valid entries) and every
    problem in it."""
    parsed, problems = _parse(text, source)
    return (parsed.model if parsed else None), problems


def check_glossary_text(text: str, *, source: str) -> list[Problem]:
    """Every problem ``newsl10n glossary check`` would find in one file's text (its own and
    those across its entries, such as an id given twice)."""
    parsed, problems = _parse(text, source)
    if parsed is not None:
        problems = sorted([*problems, *_combine([parsed])[1]], key=lambda p: p.line)
    return problems


@dataclass(frozen=True)
class _ParsedFile:
    source: str
    model: GlossaryFile
    root: Any  # the YAML node tree, for lines
    index: tuple[int, ...]  # each valid entry's position in the file's list

    def line(self, entry: int, *path: str | int) -> int:
        return node_line(self.root, ("entries", self.index[entry], *path))


def _parse(text: str, source: str) -> tuple[_ParsedFile | None, list[Problem]]:
    try:
        data, root = load_yaml_nodes(text, source=source, error=GlossaryError)
    except GlossaryError as exc:
        match = re.match(rf"^{re.escape(source)}:(\d+): (.*)$", str(exc))
        line, message = (int(match.group(1)), match.group(2)) if match else (1, str(exc))
        return None, [Problem(source, line, None, message)]
    problems = [
        Problem(source, line, _entry_at_line(data, root, line), f"key {key!r} given twice")
        for key, line in duplicate_keys(root)
    ]
    if not isinstance(data, dict):
        got = "an empty file" if data is None else _kind(data)
        return None, [*problems, Problem(source, 1, None, f"expected a mapping with 'domain' and 'entries', got {got}")]

    def report(exc: ValidationError, prefix: tuple[Any, ...] = ()) -> None:
        for err in exc.errors():
            loc = (*prefix, *err["loc"])
            problems.append(Problem(source, node_line(root, loc), _entry_name(data, loc), _message({**err, "loc": loc})))

    # Each entry on its own, so that one broken entry does not hide the problems of the others.
    raw = data.get("entries")
    items = raw if isinstance(raw, list) else []
    entries: list[Entry] = []
    index: list[int] = []
    for i, item in enumerate(items):
        try:
            entries.append(Entry.model_validate(item))
            index.append(i)
        except ValidationError as exc:
            report(exc, ("entries", i))
    try:
        model = GlossaryFile.model_validate({**data, "entries": []} if isinstance(raw, list) else data)
    except ValidationError as exc:
        report(exc)
        # Go on with what is usable, so that every problem is reported in one run.
        lang = data.get("source_lang")
        model = GlossaryFile.model_construct(domain="", source_lang=lang if isinstance(lang, str) else "en")
    parsed = _ParsedFile(source, model.model_copy(update={"entries": entries}), root, tuple(index))
    problems.extend(_file_checks(parsed))
    return parsed, sorted(problems, key=lambda p: p.line)


def _file_checks(parsed: _ParsedFile) -> list[Problem]:
    problems: list[Problem] = []
    model = parsed.model

    def add(line: int, entry: str | None, message: str) -> None:
        problems.append(Problem(parsed.source, line, entry, message))

    try:
        check_locale(model.source_lang)
    except ConfigError as exc:
        add(node_line(parsed.root, ("source_lang",)), None, str(exc))
    for i, entry in enumerate(model.entries):
        if not _ID.match(entry.id):
            add(parsed.line(i, "id"), entry.id, "id must be letters, digits, '.', '_' or '-' (no spaces)")
        for locale, terms in entry.targets.items():
            try:
                check_locale(locale)
            except ConfigError as exc:
                add(parsed.line(i, "targets", locale), entry.id, str(exc))
            forbidden = {_key(t, entry.case_sensitive) for t in terms.forbidden}
            for kind, term in [("preferred", terms.preferred), *(("allowed", t) for t in terms.allowed)]:
                if _key(term, entry.case_sensitive) in forbidden:
                    add(parsed.line(i, "targets", locale), entry.id, f"{locale}: {kind} term {term!r} is also forbidden")
        sources = {_key(t, entry.case_sensitive) for t in entry.source_terms}
        for wrong, right in entry.misspellings.items():
            if _key(wrong, entry.case_sensitive) in sources:
                add(parsed.line(i, "misspellings", wrong), entry.id,
                    f"misspelling {wrong!r} is one of the entry's own source terms")
            if not right.strip():
                add(parsed.line(i, "misspellings", wrong), entry.id, f"misspelling {wrong!r} has an empty correction")
        if not entry.targets and not entry.do_not_translate:
            add(parsed.line(i), entry.id, "no targets: give at least one locale, or set do_not_translate: true")
        for path, what, term in _terms_of(entry):
            if len(term) > MAX_TERM_CHARS:
                add(parsed.line(i, *path), entry.id,
                    f"{what} is {len(term):,} characters long (a term has at most {MAX_TERM_CHARS})")
    return problems


def _terms_of(entry: Entry) -> Iterator[tuple[tuple[str, ...], str, str]]:
    """Every term of an entry with its place in the file and what it is, for the length limit."""
    yield ("source",), "source term", entry.source
    for variant in entry.variants:
        yield ("variants",), "variant", variant
    for wrong, right in entry.misspellings.items():
        yield ("misspellings",), "misspelling", wrong
        yield ("misspellings", wrong), "correction", right
    for locale, terms in entry.targets.items():
        for kind, term in [("preferred", terms.preferred), *(("allowed", t) for t in terms.allowed),
                           *(("forbidden", t) for t in terms.forbidden)]:  # fmt: skip
            yield ("targets", locale), f"{locale}: {kind} term", term


def _combine(parsed: list[_ParsedFile]) -> tuple[Glossary, list[Problem]]:
    """Checks across entries and files: duplicate ids, a source term claimed twice."""
    problems: list[Problem] = []
    entries: list[Entry] = []
    origins: dict[str, Origin] = {}
    claims: dict[str, tuple[str, str, Origin]] = {}  # folded term -> (entry id, kind, where)
    source_langs = sorted({f.model.source_lang for f in parsed})
    for f in parsed:
        for i, entry in enumerate(f.model.entries):
            origin = Origin(f.source, f.line(i))
            if entry.id in origins:
                first = origins[entry.id]
                problems.append(Problem(f.source, f.line(i, "id"), entry.id,
                                        f"duplicate id (first defined at {first.file}:{first.line})"))
                continue
            origins[entry.id] = origin
            entries.append(entry)
            terms = [("source term", entry.source, ("source",))]
            terms += [("source term", t, ("variants", j)) for j, t in enumerate(entry.variants)]
            terms += [("misspelling", t, ("misspellings", t)) for t in entry.misspellings]
            for kind, term, path in terms:
                key = term.casefold()
                if key in claims and claims[key][0] != entry.id:
                    other, other_kind, where = claims[key]
                    problems.append(Problem(
                        f.source, f.line(i, *path), entry.id,
                        f"{kind} {term!r} is already claimed by entry {other!r} "
                        f"as its {other_kind} ({where.file}:{where.line})",
                    ))
                else:
                    claims.setdefault(key, (entry.id, kind, origin))
    if len(source_langs) > 1:
        problems.append(Problem(parsed[-1].source, 1, None, f"files disagree on source_lang ({', '.join(source_langs)})"))
    lang = source_langs[0] if len(source_langs) == 1 else "en"
    return Glossary(tuple(entries), lang, tuple(f.source for f in parsed)), problems


def _key(term: str, case_sensitive: bool) -> str:
    return term if case_sensitive else term.casefold()


_EXPECTED = {
    "string_type": "a string",
    "bool_type": "true or false",
    "tuple_type": "a list",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def _message(err: dict[str, Any]) -> str:
    loc = [str(p) for p in err["loc"]]
    # Within an entry, name the field relative to it: "targets.de.preferred".
    field = ".".join(loc[2:] if loc[:1] == ["entries"] and len(loc) > 2 else loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"unknown key {loc[-1]!r}"
    if kind == "missing":
        return f"missing required key {loc[-1]!r}"
    if kind == "string_too_short":
        return f"{field}: must not be empty"
    if kind in _EXPECTED:
        return f"{field}: expected {_EXPECTED[kind]}, got {_kind(err.get('input'))}"
    return f"{field}: {err['msg']}"


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _entry_name(data: Any, loc: Sequence[Any]) -> str | None:
    if len(loc) < 2 or loc[0] != "entries" or not isinstance(loc[1], int):
        return None
    entries = data.get("entries")
    entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else None
    if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]:
        return entry["id"]
    return f"entry {loc[1] + 1}"


def _entry_at_line(data: Any, root: Any, line: int) -> str | None:
    """The id of the entry whose text holds ``line``, for problems found on the node tree."""
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        return None
    name = None
    for i in range(len(data["entries"])):
        if node_line(root, ("entries", i)) <= line:
            name = _entry_name(data, ("entries", i))
    return name


def resolve_glossary(config: PipelineConfig, paths: Sequence[Path] = (), *, enabled: bool = True) -> Glossary | None:
    """The run's glossary: ``paths`` (from the command line) or pipeline.yaml's ``glossaries``.

    The default folder ``glossaries`` may be absent; a folder named in pipeline.yaml may not.
    A glossary with any problem is refused (GlossaryError naming file, line and entry).
    """
    if not enabled:
        return None
    paths = paths or glossary_paths(config)
    return require_valid(paths) if paths else None


def glossary_paths(config: PipelineConfig) -> list[Path]:
    """pipeline.yaml's ``glossaries``; the default folder only where it exists."""
    paths = list(config.glossaries)
    if "glossaries" not in config.model_fields_set:
        paths = [p for p in paths if p.exists()]
    return paths


def glossary_target_lines(glossary: Glossary | None, locale: str) -> list[str]:
    """Every target form (preferred, allowed, forbidden) of ``glossary`` for ``locale``."""
    lines: list[str] = []
    for entry in glossary.entries if glossary is not None else ():
        terms = entry.targets.get(locale)
        if terms:
            lines.extend([*terms.forms, *terms.forbidden])
    return lines
