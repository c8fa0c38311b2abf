"""What version of a model a run uses, without loading it.

A local folder's revision is the sha256 of its files (``folder_hash``); hashing an opus-mt
folder (300 MB) on every run would cost more than a warm translation-memory run, so the hash is
remembered in a small JSON file beside the models cache, keyed by the files' sizes and mtimes.
A hub id's revision is the commit of its snapshot in the local Hugging Face cache.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ModelNotAvailable
from .models import (
    check_marian_files_readable,
    check_marian_folder,
    folder_hash,
    is_ct2_folder,
    not_available,
    resolve_model,
)

if TYPE_CHECKING:
    from .spec import EngineSpec

HASHES_FILE = "folder-hashes.json"
# What a Marian model needs from its hub repository (not its TensorFlow or Flax weights).
HUB_FILES = ["*.json", "*.spm", "model.safetensors", "pytorch_model.bin"]


def folder_signature(path: Path) -> str:
    """Names, sizes and mtimes of a folder's files: changes whenever a file is rewritten."""
    parts = []
    for file in sorted(p for p in path.iterdir() if p.is_file()):
        stat = file.stat()
        parts.append(f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


def cached_folder_hash(path: Path, cache_dir: Path | None) -> str:
    """``folder_hash(path)``, remembered in ``cache_dir`` while the folder's files are unchanged."""
    if cache_dir is None:
        return folder_hash(path)
    index_file = cache_dir / HASHES_FILE
    key = str(path.resolve())
    signature = folder_signature(path)
    index = _read_index(index_file)
    entry = index.get(key)
    if isinstance(entry, dict) and entry.get("signature") == signature:
        return str(entry["hash"])
    digest = folder_hash(path)
    index[key] = {"signature": signature, "hash": digest}
    _write_index(index_file, index)
    return digest


def hub_snapshot(ref: str, locale: str | None, *, download: bool) -> Path:
    """The local snapshot folder of hub model ``ref`` (downloaded when ``download``)."""
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(ref, allow_patterns=HUB_FILES, local_files_only=not download))
    except Exception as exc:  # noqa: BLE001 - offline, unknown id, no cache: all "not available"
        if locale is None:
            reason = " ".join(str(exc).split())[:300]
            raise ModelNotAvailable(
                f"model {ref!r} could not be downloaded ({reason}); connect to the network "
                f"or pass a local model folder"
            ) from None
        raise not_available(ref, locale, exc) from None


def _read_index(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_index(path: Path, index: dict) -> None:
    """Atomic replace; a concurrent writer may win, which only loses a cache entry."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".hashes-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(index, fh, indent=1)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache only costs the hash again next time


def known_revision(model: str, cache_dir: Path | None) -> str | None:
    """The revision of ``model`` when it can be known without loading it (None for a hub id
    that is not in the local Hugging Face cache)."""
    resolved = resolve_model(model)
    if resolved.path is not None:
        return cached_folder_hash(resolved.path, cache_dir)
    try:
        return hub_snapshot(model, None, download=False).name
    except ModelNotAvailable:
        return None


def check_model_files(model: str) -> None:
    """For a local folder, raise ModelNotAvailable now if files are missing or damaged (no loading)."""
    resolved = resolve_model(model)
    if resolved.path is not None and not is_ct2_folder(resolved.path):
        check_marian_folder(resolved.path)
        check_marian_files_readable(resolved.path)


def check_spec_model(spec: EngineSpec) -> None:
    """:func:`check_model_files` for a built-in engine's model; an outside engine brings its own
    model, which is its own business."""
    if spec.engine_record.builtin:
        check_model_files(spec.model)


def spec_revision(spec: EngineSpec) -> str | None:
    """:func:`known_revision` of a built-in engine's model; None for an outside engine (loaded
    to describe itself)."""
    return known_revision(spec.model, spec.ct2.models_cache) if spec.engine_record.builtin else None
