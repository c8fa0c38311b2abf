"""Read localized bundles back: find them, load their segments and manifest, and say whether
one is current."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..errors import InputError, OutputError
from ..fileio import load_json
from ..model import SourceArticle
from ..translate.spec import EngineSignature
from .manifest import MANIFEST, Manifest
from .segments import SEGMENTS, load_reviewed_sources, read_segments


@dataclass(frozen=True)
class LoadedBundle:
    path: Path
    article: str
    locale: str
    segments: tuple[Mapping[str, object], ...]
    manifest: Manifest

    @property
    def targets(self) -> list[str]:
        return [str(s.get("target", "")) for s in self.segments]

    @property
    def term_checked(self) -> bool:
        """A glossary check ran: the manifest names a glossary, or segments list terms."""
        return self.manifest.glossary_hash is not None or any(s.get("terms") for s in self.segments)

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


def load_bundle(path: Path) -> LoadedBundle:
    """One bundle folder; article and locale come from its manifest, else its folder names."""
    segments_path, manifest_path = path / SEGMENTS, path / MANIFEST
    with _open(segments_path) as fh:
        segments = read_segments(fh, source=str(segments_path))
    manifest = read_manifest(manifest_path) if manifest_path.is_file() else None
    if manifest is None:
        manifest = Manifest.fallback(path.parent.name, path.name)
    article = manifest.article or path.parent.name
    locale = manifest.locale or path.name
    return LoadedBundle(path, article, locale, tuple(segments), manifest)


def read_manifest(path: Path) -> Manifest:
    with _open(path) as fh:
        try:
            text = fh.read()
        except UnicodeDecodeError:
            raise InputError(f"{path}: not UTF-8 text") from None
    return Manifest.from_json(load_json(text, source=str(path)), source=str(path))


def bundle_is_current(
    path: Path,
    source_sha256: str,
    signature: EngineSignature,
    glossary_hash: str | None = None,
    ui_hash: str | None = None,
) -> bool:
    """True when ``path`` holds a complete bundle of this source text made with this engine
    signature (model, revision and output-changing settings: the memory's key), glossary and
    UI catalog (``None``: none).

    Bundles are renamed into place only when complete, so a readable manifest means a whole
    bundle; it must record the same source checksum, signature, glossary hash and catalog hash.
    """
    try:
        manifest = read_manifest(path / MANIFEST)
    except InputError:
        return False
    made = manifest.signature
    return (
        manifest.source_sha256 == source_sha256
        and (made.model_key, made.settings_key) == (signature.model_key, signature.settings_key)
        and manifest.glossary_hash == glossary_hash
        and manifest.ui_catalog_hash == ui_hash
        and (path / "article.txt").is_file()
    )


def _open(path: Path) -> IO[str]:
    try:
        return path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def source_path(source: SourceArticle, out: Path) -> str:
    """Where a bundle's source lies, relative to the output folder (stable when both move)."""
    return Path(os.path.relpath(source.path.resolve(), out.resolve())).as_posix()


def refuse_other_article(target: Path, source: SourceArticle, out: Path) -> None:
    """Refuse to replace a bundle that holds reviewed segments of another source file (same stem,
    another folder or suffix) which this article would drop; checked before anything is written."""
    texts = {seg.text for seg in source.article.segments}
    if all(text in texts for text in load_reviewed_sources(target)):
        return  # nothing reviewed would be dropped
    try:
        manifest = read_manifest(target / MANIFEST)
    except InputError:
        return  # a bundle whose source is unknown: the reviewed segments are kept by source text
    recorded, own = manifest.source_path, source_path(source, out)
    if recorded is None:  # written before source paths were recorded: the file name decides
        recorded, own = manifest.source_file, source.path.name
    if recorded and recorded != own:
        where = os.path.normpath(out / recorded)
        raise OutputError(
            f"{target}: holds reviewed segments of another article ({where}); "
            f"move it or translate {source.path} into another --out"
        )
