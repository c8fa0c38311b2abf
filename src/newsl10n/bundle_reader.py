"""Read localized bundles back (``OUT/<article>/<locale>/segments.json`` and ``manifest.json``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .errors import InputError

SEGMENTS = "segments.json"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class LoadedBundle:
    path: Path
    article: str
    locale: str
    segments: tuple[Mapping[str, object], ...]
    manifest: Mapping[str, object]

    @property
    def targets(self) -> list[str]:
        return [str(s.get("target", "")) for s in self.segments]

    @property
    def term_checked(self) -> bool:
        """A glossary check ran: the manifest names a glossary, or segments list terms."""
        return self.manifest.get("glossary_hash") is not None or any(s.get("terms") for s in self.segments)

    @property
    def terms(self) -> list[Mapping[str, object]]:
        return [t for s in self.segments for t in s.get("terms") or ()]


def find_bundles(paths: Sequence[Path]) -> list[Path]:
    """Bundle folders in ``paths``: each is a bundle, an article folder or an output folder."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        if not path.is_dir():
            raise InputError(f"{path}: expected a bundle or output folder")
        here = _bundles_under(path)
        if not here:
            raise InputError(f"{path}: no bundle found (no {SEGMENTS} here or in the folders below)")
        found.extend(p for p in here if p not in found)
    return found


def _bundles_under(path: Path, depth: int = 2) -> list[Path]:
    if (path / SEGMENTS).is_file():
        return [path]
    if depth == 0:
        return []
    children = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    return [b for child in children for b in _bundles_under(child, depth - 1)]


def read_segments(fh: IO[str], *, source: str) -> list[Mapping[str, object]]:
    """The segment list of a segments.json file object; ``source`` names it in errors."""
    data = _read_json(fh, source=source)
    segments = data.get("segments") if isinstance(data, dict) else None
    if not isinstance(segments, list) or not all(isinstance(s, dict) for s in segments):
        raise InputError(f"{source}: expected {{\"segments\": [...]}} with one object per segment")
    return segments


def load_bundle(path: Path) -> LoadedBundle:
    """One bundle folder; article and locale come from its manifest, else its folder names."""
    segments_path, manifest_path = path / SEGMENTS, path / MANIFEST
    with _open(segments_path) as fh:
        segments = read_segments(fh, source=str(segments_path))
    manifest: Mapping[str, object] = {}
    if manifest_path.is_file():
        with _open(manifest_path) as fh:
            manifest = _read_json(fh, source=str(manifest_path))
        if not isinstance(manifest, dict):
            raise InputError(f"{manifest_path}: expected a JSON object")
    article = str(manifest.get("article") or path.parent.name)
    locale = str(manifest.get("locale") or path.name)
    return LoadedBundle(path, article, locale, tuple(segments), manifest)


def _open(path: Path) -> IO[str]:
    try:
        return path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _read_json(fh: IO[str], *, source: str) -> object:
    try:
        return json.load(fh)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except UnicodeDecodeError:
        raise InputError(f"{source}: not UTF-8 text") from None
