"""CTranslate2 models: conversion of Marian models into the models cache, revisions and the
thread layout.

A Marian model (hub id or local folder) is converted once into the models cache, in a folder
named after the model's content hash, and reused on later runs. A folder that already holds a
CTranslate2 model (``model.bin``) is used as it is.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelNotAvailable
from .limits import POSITIONS_KEY, model_positions
from .models import check_marian_folder, is_ct2_folder, pickle_refused, resolve_model
from .revision import cached_folder_hash, hub_snapshot
from .spec import EngineSpec

log = logging.getLogger("newsl10n")

TOKENIZER_FILES = ("source.spm", "target.spm")
VMAP_FILE = "vmap.txt"
"""The vocabulary map CTranslate2 loads with the model (what its converters' ``vmap`` option
copies in), used when ``translate_batch`` gets ``use_vmap=True``."""


@dataclass(frozen=True)
class ResolvedModel:
    """A model ready for CTranslate2: its folder, the revision of the model it came from and
    that model's ``max_position_embeddings`` (None when not recorded)."""

    path: Path
    revision: str
    positions: int | None = None


def model_revision(ref: str, locale: str | None, cache_dir: Path | None, *, download: bool = False) -> tuple[Path, str]:
    """The local folder of ``ref`` and its revision (content hash, or hub commit)."""
    resolved = resolve_model(ref)
    if resolved.path is not None:
        return resolved.path, cached_folder_hash(resolved.path, cache_dir)
    snapshot = hub_snapshot(ref, locale, download=download)
    return snapshot, snapshot.name


def cache_folder(cache_dir: Path, ref: str, revision: str, quantization: str) -> Path:
    """Where the conversion of one model revision at one quantization lives."""
    import ctranslate2

    key = hashlib.sha256(f"{revision}\0{quantization}\0{ctranslate2.__version__}".encode()).hexdigest()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(ref.rstrip("/")).name)[-40:] or "model"
    return cache_dir / f"{slug}-{quantization}-{key[:16]}"


def convert_marian(source: Path, out: Path, quantization: str = "int8") -> Path:
    """Convert the Marian model folder ``source`` into a CTranslate2 model at ``out``.

    Written to a temporary folder and renamed into place, so a concurrent or interrupted
    conversion never leaves a half model; an existing conversion at ``out`` is kept.
    """
    check_marian_folder(source)
    if is_ct2_folder(out):
        return out
    from ctranslate2.converters import TransformersConverter

    _quiet_transformers()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        converter = TransformersConverter(str(source), copy_files=[*TOKENIZER_FILES, "vocab.json"])
        converter.convert(str(tmp / "model"), quantization=quantization)
        record_positions(tmp / "model", model_positions(source))
        try:
            (tmp / "model").rename(out)
        except OSError:
            if not is_ct2_folder(out):  # someone else finished first: keep theirs
                raise
    except ModelNotAvailable:
        raise
    except Exception as exc:  # noqa: BLE001 - converter errors vary by model
        refused = pickle_refused(str(source), exc)
        if refused is not None:
            raise refused from None
        reason = " ".join(str(exc).split())[:300]
        raise ModelNotAvailable(f"model folder {source}: conversion to CTranslate2 failed ({reason})") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def ensure_converted(spec: EngineSpec) -> ResolvedModel:
    """The CTranslate2 folder for ``spec.model``, converting it into the models cache once."""
    settings = spec.ct2
    resolved = resolve_model(spec.model)
    if resolved.path is not None and is_ct2_folder(resolved.path):
        path = resolved.path
        return ResolvedModel(path, cached_folder_hash(path, settings.models_cache), model_positions(path))
    source, revision = model_revision(spec.model, spec.target_lang, settings.models_cache, download=True)
    target = cache_folder(settings.models_cache, spec.model, revision, settings.quantization)
    if not is_ct2_folder(target):
        log.info("converting %s to CTranslate2 (%s) in %s", spec.model, settings.quantization, target)
        convert_marian(source, target, settings.quantization)
    # Conversions made before positions were recorded: the source model still knows them.
    return ResolvedModel(target, revision, model_positions(target) or model_positions(source))


def record_positions(folder: Path, positions: int | None) -> None:
    """Keep the source model's ``max_position_embeddings`` in the converted config.json
    (CTranslate2 ignores keys it does not know)."""
    config_file = folder / "config.json"
    if positions is None or not config_file.is_file():
        return
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config[POSITIONS_KEY] = positions
    config_file.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def thread_layout(threads: int, replicas: int, beam_size: int, cores: int) -> tuple[int, int]:
    """(inter_threads, intra_threads) for CTranslate2; 0 means "choose" for either setting.

    Measured on 2 cores with an opus-mt-size model (bench/RESULTS.md): greedy decoding runs 1.5x
    faster as one single-threaded replica per core than as one replica on both cores; beam
    search runs no faster in parallel replicas, and each one doubles the decoder's memory. (Left
    to itself CTranslate2 starts 4 threads, which spin against each other on 2 cores.)
    """
    if replicas and threads:
        return replicas, threads
    if threads:
        return (max(1, cores // threads) if beam_size == 1 else 1), threads
    if replicas:
        return replicas, max(1, cores // replicas)
    return (cores, 1) if beam_size == 1 else (1, cores)


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _quiet_transformers() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)
