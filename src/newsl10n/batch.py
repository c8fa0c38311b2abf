"""Batch input: which articles a run translates, under which names, and which bundles to skip.

``newsl10n translate`` takes any mix of article files, folders (every article file inside, at any
depth: text, Markdown and HTML files, and the ``.json`` files that are ninjs items), glob patterns (quoted, so the shell leaves them alone) and JSONL manifests: one JSON
object per line, ``{"path": "2024/a.txt", "id": "a-2024", "locales": ["de", "fr"]}``, where
``id`` (default: the file stem) names the bundle folder and ``locales`` (default: the run's
locales) narrows the targets of that article. Paths in a manifest are relative to its folder and
stay inside it; a folder's files (symbolic links included) must lie inside the folder, and the
output folder is never read as input.
"""

from __future__ import annotations

import glob
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .bundle.store import NAME_MAX, name_bytes
from .errors import InputError
from .fileio import read_text
from .locales import canonical_case

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".xhtml")
"""What a folder input picks up by name: plain text, Markdown and HTML articles."""
ITEM_SUFFIX = ".json"
"""What a folder input picks up when the file is a ninjs item (other JSON is skipped, said once)."""
MANIFEST_SUFFIX = ".jsonl"
MANIFEST_KEYS = {"path", "id", "locales"}
_GLOB_CHARS = frozenset("*?[")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArticleInput:
    """One article to translate: its file, its bundle folder name, and its locales (None: all)."""

    path: Path
    name: str
    locales: tuple[str, ...] | None = None
    origin: str = ""
    """Where it was listed (a manifest line), for error messages; empty for plain paths."""


def collect_articles(inputs: Sequence[Path | str], *, exclude: Sequence[Path] = ()) -> list[ArticleInput]:
    """Expand paths, folders, globs and manifests into articles with unique, safe names.

    ``exclude``: folders whose files a folder input skips (the run's output folder)."""
    articles: list[ArticleInput] = []
    skipped = tuple(p.resolve() for p in exclude)
    for item in inputs:
        articles.extend(_expand(Path(item), skipped))
    check_names(articles)
    return articles


def as_article_inputs(items: Iterable[Path | ArticleInput]) -> list[ArticleInput]:
    """Plain paths become articles named after their file stem; names are checked."""
    articles = [i if isinstance(i, ArticleInput) else ArticleInput(Path(i), Path(i).stem) for i in items]
    check_names(articles)
    return articles


def _expand(item: Path, exclude: tuple[Path, ...] = ()) -> list[ArticleInput]:
    if item.is_dir():
        return _folder(item, exclude)
    if item.suffix == MANIFEST_SUFFIX and item.is_file():
        return read_manifest(item)
    if not item.exists() and _GLOB_CHARS & set(str(item)):
        return _glob(str(item))
    return [ArticleInput(item, item.stem)]


def _folder(folder: Path, exclude: tuple[Path, ...] = ()) -> list[ArticleInput]:
    root = folder.resolve()
    files = []
    for p in sorted(folder.rglob("*")):
        if p.suffix not in (*ARTICLE_SUFFIXES, ITEM_SUFFIX) or not p.is_file():
            continue
        if any(part.startswith(".") for part in p.relative_to(folder).parts):
            continue
        real = p.resolve()
        if any(real.is_relative_to(x) for x in exclude):
            continue  # a bundle of this run's output folder, not an article
        if not real.is_relative_to(root):
            log.warning("%s: skipped, a link to %s outside %s", p, real, folder)
            continue
        if p.suffix == ITEM_SUFFIX and not _is_ninjs_item(p):
            log.warning("%s: skipped, not a ninjs item (a JSON object with a uri and a headline, description or body)", p)
            continue
        files.append(p)
    if not files:
        raise InputError(f"{folder}: no article files ({', '.join(ARTICLE_SUFFIXES)}, {ITEM_SUFFIX} ninjs items) in this folder")
    return [ArticleInput(p, p.stem) for p in files]


def _is_ninjs_item(path: Path) -> bool:
    """Whether a folder's ``.json`` file is a ninjs item (an unreadable one is not)."""
    from .formats.ninjs import is_item

    try:
        return is_item(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return False


def _glob(pattern: str) -> list[ArticleInput]:
    files = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
    if not files:
        raise InputError(f"{pattern}: no files match this pattern")
    return [ArticleInput(p, p.stem) for p in files]


def read_manifest(path: Path) -> list[ArticleInput]:
    """Articles listed in a JSONL manifest; errors name the manifest line."""
    lines = read_text(path, what="manifest").splitlines()
    articles = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            articles.append(_manifest_entry(line, f"{path} line {number}", path.parent))
    if not articles:
        raise InputError(f"{path}: manifest lists no articles")
    return articles


def _manifest_entry(line: str, where: str, base: Path) -> ArticleInput:
    try:
        entry = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: not valid JSON ({exc.msg})") from None
    if not isinstance(entry, dict):
        raise InputError(f"{where}: expected a JSON object such as {{\"path\": \"article.txt\"}}")
    unknown = sorted(set(entry) - MANIFEST_KEYS)
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r} (allowed: id, locales, path)")
    ref = entry.get("path")
    if not isinstance(ref, str) or not ref.strip():
        raise InputError(f"{where}: 'path' must be a non-empty string")
    name = entry.get("id", Path(ref).stem)
    if not isinstance(name, str):
        raise InputError(f"{where}: 'id' must be a string")
    path = base / ref
    if Path(ref).is_absolute() or not path.resolve().is_relative_to(base.resolve()):
        raise InputError(
            f"{where}: path {ref!r} leads outside the manifest's folder {base} "
            "(list the file on the command line instead)"
        )
    return ArticleInput(path, name, _manifest_locales(entry.get("locales"), where), where)


def _manifest_locales(value: object, where: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{where}: 'locales' must be a list of locale codes or a comma-separated string")
    locales = tuple(unique_locales(value))
    if not locales:
        raise InputError(f"{where}: 'locales' is empty")
    return locales


def check_names(articles: Sequence[ArticleInput]) -> None:
    """Each name must be one safe folder name, unique (ignoring case) within the run."""
    seen: dict[str, ArticleInput] = {}
    for article in articles:
        where = article.origin or str(article.path)
        if not is_safe_name(article.name):
            raise InputError(
                f"{where}: article name {article.name!r} is not a plain folder name "
                "(no '/', '\\', leading '.' or control characters)"
            )
        if name_bytes(article.name) > NAME_MAX:
            raise InputError(
                f"{where}: article name {article.name[:40]!r}... is {name_bytes(article.name):,} bytes long; "
                f"a folder name has at most {NAME_MAX} (give it a shorter 'id')"
            )
        first = seen.setdefault(article.name.casefold(), article)
        if first is not article:
            raise InputError(
                f"{where}: article name {article.name!r} is already used by "
                f"{first.origin or first.path}; give one of them an 'id' in a JSONL manifest"
            )


def is_safe_name(name: str) -> bool:
    return (
        bool(name.strip())
        and not name.startswith(".")
        and not any(c in name for c in "/\\:")
        and all(c.isprintable() for c in name)
    )


def unique_locales(codes: Iterable[str]) -> list[str]:
    """Locale codes stripped, in their usual case (``DE``: de, :func:`canonical_case`), empty ones
    dropped, repeats dropped ignoring case and separator (``de,DE``: de; ``pt-BR,pt_br``: pt-BR)."""
    seen: dict[str, str] = {}
    for code in codes:
        if code.strip():
            seen.setdefault(code.strip().casefold().replace("_", "-"), canonical_case(code.strip()))
    return list(seen.values())
