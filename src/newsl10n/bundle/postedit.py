"""Post-editing: human edits from XLIFF replace machine output, and later runs keep them.

segments.json carries the article's layout (``"article"``), so a bundle can be rebuilt from
its own files: importing an edited XLIFF needs neither the source file nor a model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..catalog import load_ui_strings
from ..config import QASettings
from ..errors import InputError
from ..fileio import load_json
from .build import bundle_files, localize
from .manifest import MANIFEST, Manifest
from .segments import SEGMENTS, article_from_layout
from .store import write_bundle
from .xliff import read_xliff


@dataclass(frozen=True)
class ImportResult:
    bundle: Path
    changed: int
    reviewed: int
    total: int


@dataclass(frozen=True)
class Edit:
    """A person's target for one segment. ``reviewed``: mark it reviewed even when the text is
    the bundle's (a translator confirmed it); ``source`` must be the segment's source text."""

    id: str
    source: str
    target: str
    reviewed: bool = False
    placed: Mapping[int, tuple[int, int]] | None = None
    """Where the person put the segment's formatting runs (index in the block's inlines ->
    offsets in ``target``), from XLIFF inline codes; None: the alignment places them."""


def import_xliff(
    data: bytes,
    *,
    source: str,
    bundle: Path,
    qa: QASettings | None = None,
    catalogs: Path | None = None,
) -> ImportResult:
    """Apply an edited XLIFF file to ``bundle`` and rewrite the bundle atomically.

    A unit whose target differs from the bundle, or whose state is reviewed/final, becomes a
    reviewed segment; units must match the bundle's segment ids and source texts. ``catalogs``:
    the UI catalog folder, for the page chrome of article.html (English without it).
    """
    document = read_xliff(data, source=source)
    units = document.units_for(_run(bundle), source=source)
    edits = [
        Edit(u.id, u.source, u.target, u.state in ("reviewed", "final"), {int(k) - 1: v for k, v in u.codes.items()})
        for u in units
    ]
    return apply_edits(bundle, edits, origin=source, target_lang=document.target_lang, qa=qa, catalogs=catalogs)


def _run(bundle: Path) -> str:
    """The bundle's translation run ("" without a readable manifest: apply_edits says why)."""
    try:
        data = load_json((bundle / MANIFEST).read_text(encoding="utf-8"), source=str(bundle / MANIFEST))
        manifest = Manifest.from_json(data, source=str(bundle / MANIFEST))
    except (OSError, UnicodeDecodeError, InputError):
        return ""
    return manifest.run_id


def apply_edits(
    bundle: Path,
    edits: Sequence[Edit],
    *,
    origin: str,
    target_lang: str | None = None,
    qa: QASettings | None = None,
    catalogs: Path | None = None,
) -> ImportResult:
    """Apply a person's edits to ``bundle`` and rewrite it atomically, through the same builder
    as a fresh translation. An edit whose target differs from the bundle's (and is not empty),
    or that is marked reviewed, makes its segment reviewed. ``origin`` names the edits' source
    in errors; ``target_lang``, when given, must be the bundle's locale."""
    files = _read_bundle(bundle)
    seg_data = load_json(files[SEGMENTS], source=str(bundle / SEGMENTS))
    manifest = Manifest.from_json(load_json(files[MANIFEST], source=str(bundle / MANIFEST)), source=str(bundle / MANIFEST))
    if not isinstance(seg_data, dict) or "article" not in seg_data:
        raise InputError(f"{bundle}: bundle has no article layout in segments.json (written by an older newsl10n)")
    locale = manifest.locale
    if target_lang and target_lang != locale:
        raise InputError(f"{origin}: target language {target_lang!r} does not match the bundle's locale {locale!r}")
    entries = {e["id"]: e for e in seg_data["segments"]}
    changed = 0
    for edit in edits:
        entry = entries.get(edit.id)
        if entry is None:
            raise InputError(f"{origin}: unit {edit.id!r} is not a segment of {bundle}")
        if edit.source != entry["source"]:
            raise InputError(f"{origin}: unit {edit.id!r} has a different source text than {bundle}")
        edited = bool(edit.target.strip()) and edit.target != entry["target"]
        if edited:
            entry["target"] = edit.target
            changed += 1
        if edited or (edit.target.strip() and edit.reviewed):
            entry["reviewed"] = True
        if edit.placed is not None and edit.target.strip():
            entry["placed"] = {str(k): list(v) for k, v in edit.placed.items()}
        elif edited:
            entry.pop("placed", None)
    article = article_from_layout(seg_data["article"])
    segments = [entries[s.id] for s in article.segments]
    ui = load_ui_strings(catalogs, locale) if catalogs is not None else None
    localized = localize(
        article, locale, {e["id"]: e["target"] for e in segments}, ui, [e["id"] for e in segments if e.get("reviewed")]
    )
    manifest.reviewed_segments = len(localized.reviewed)
    manifest.imported = datetime.now(timezone.utc).isoformat(timespec="seconds")
    files.update(bundle_files(localized, segments, manifest, ui, qa))
    write_bundle(bundle, files)
    return ImportResult(bundle, changed, len(localized.reviewed), len(segments))


def _read_bundle(bundle: Path) -> dict[str, str]:
    """Every file of the bundle (those this version does not write are kept as they are)."""
    if not (bundle / SEGMENTS).is_file() or not (bundle / MANIFEST).is_file():
        raise InputError(f"{bundle}: not a bundle (segments.json or manifest.json missing)")
    try:
        return {p.name: p.read_text(encoding="utf-8") for p in bundle.iterdir() if p.is_file()}
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{bundle}: cannot read the bundle ({exc})") from None
