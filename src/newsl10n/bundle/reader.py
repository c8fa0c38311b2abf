"""Read localized bundles back, the one reader of a bundle's files: find them, load their
segments and manifest, and say whether one is current. A bundle's files are read only as regular
files, never through a symbolic link."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, OutputError
from ..fileio import load_json, read_text
from ..model import SourceArticle
from ..translate.spec import EngineSignature
from .manifest import MANIFEST, Manifest
from .segments import SEGMENTS, SegmentEntry, parse_segments


@dataclass(frozen=True)
class LoadedBundle:
    path: Path
    article: str
    locale: str
    segments: tuple[SegmentEntry, ...]
    manifest: Manifest
    layout: Mapping[str, object] | None = None
    """The article's layout (segments.json ``article``); None in bundles of an older newsl10n."""

    @property
    def targets(self) -> list[str]:
        return [s.target for s in self.segments]

    @property
    def term_checked(self) -> bool:
        """A glossary check ran: the manifest names a glossary, or segments list terms."""
        return self.manifest.glossary_hash is not None or any(s.terms for s in self.segments)

    @property
    def terms(self) -> list[Mapping[str, object]]:
        return [t for s in self.segments for t in s.terms or ()]

    def entry(self, segment: str) -> SegmentEntry | None:
        return next((s for s in self.segments if s.id == segment), None)


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
    segments, layout = read_entries(path)
    manifest_path = path / MANIFEST
    exists = manifest_path.exists() or manifest_path.is_symlink()
    manifest = read_manifest(manifest_path) if exists else Manifest.fallback(path.parent.name, path.name)
    article = manifest.article or path.parent.name
    locale = manifest.locale or path.name
    return LoadedBundle(path, article, locale, tuple(segments), manifest, layout)


def read_entries(path: Path) -> tuple[list[SegmentEntry], Mapping[str, object] | None]:
    """The segments.json entries and article layout of the bundle at ``path``."""
    source = path / SEGMENTS
    return parse_segments(_read(source), source=str(source))


def earlier_entries(bundle: Path) -> list[SegmentEntry]:
    """The entries of the bundle a new translation would replace (none where there is none)."""
    source = bundle / SEGMENTS
    if not source.exists() and not source.is_symlink():
        return []
    try:
        return read_entries(bundle)[0]
    except InputError as exc:
        raise InputError(f"{source}: cannot read the earlier bundle's segments ({exc})") from None


def read_manifest(path: Path) -> Manifest:
    return Manifest.from_json(load_json(_read(path), source=str(path)), source=str(path))


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


def _read(path: Path) -> str:
    """A bundle file's text: a regular file, never followed through a symbolic link."""
    return read_text(path, what="bundle file", follow=False)


def source_path(source: SourceArticle, out: Path) -> str:
    """Where a bundle's source lies, relative to the output folder (stable when both move)."""
    return Path(os.path.relpath(source.path.resolve(), out.resolve())).as_posix()


def refuse_other_article(target: Path, source: SourceArticle, out: Path) -> None:
    """Refuse to replace a bundle that holds reviewed segments of another source file (same stem,
    another folder or suffix) which this article would drop; checked before anything is written."""
    texts = {seg.text for seg in source.article.segments}
    if all(e.source in texts for e in earlier_entries(target) if e.reviewed):
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
