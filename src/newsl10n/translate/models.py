"""Where a model comes from: a local folder (works offline) or a Hugging Face hub id."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelNotAvailable

log = logging.getLogger("newsl10n")

MARIAN_TOKENIZER_FILES = ("source.spm", "target.spm", "vocab.json")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


@dataclass(frozen=True)
class ModelRef:
    """A resolved model reference: ``path`` for a local folder, else a hub id."""

    ref: str
    path: Path | None

    @property
    def is_local(self) -> bool:
        return self.path is not None


def resolve_model(ref: str, base: Path | None = None) -> ModelRef:
    """A local folder when ``ref`` names one (relative to ``base``), else a hub id."""
    candidate = Path(ref).expanduser()
    if not candidate.is_absolute() and base is not None and (base / candidate).exists():
        candidate = base / candidate
    if candidate.exists():
        if not candidate.is_dir():
            raise ModelNotAvailable(f"model {ref!r}: {candidate} is a file, expected a model folder")
        return ModelRef(ref, candidate.resolve())
    if ref.startswith((".", "/", "~")) or ref.count("/") > 1 or "\\" in ref:
        raise ModelNotAvailable(f"model folder {ref!r} does not exist")
    return ModelRef(ref, None)


def is_ct2_folder(path: Path) -> bool:
    """Whether ``path`` holds a converted CTranslate2 model (used as it is)."""
    return (path / "model.bin").is_file() and (path / "source.spm").is_file()


def check_marian_folder(path: Path) -> None:
    """Raise ModelNotAvailable naming every missing file; warn when weights are only a pickle."""
    missing = [name for name in ("config.json", *MARIAN_TOKENIZER_FILES) if not (path / name).is_file()]
    weights = [name for name in WEIGHT_FILES if (path / name).is_file()]
    if not weights:
        missing.append("model.safetensors")
    if missing:
        raise ModelNotAvailable(f"model folder {path} is missing {', '.join(missing)}")
    if weights == ["pytorch_model.bin"]:
        log.warning(
            "%s has only pickle weights (pytorch_model.bin); loading them with torch's "
            "weights_only loader. Prefer model.safetensors.",
            path,
        )


def check_marian_files_readable(path: Path) -> None:
    """Raise ModelNotAvailable when config.json is not a JSON object or model.safetensors is not
    whole (its header, read without loading the weights, must cover the file): a damaged model
    fails before a run writes anything, not when its locale's turn comes."""
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelNotAvailable(f"model folder {path}: config.json cannot be read ({exc})") from None
    if not isinstance(config, dict):
        raise ModelNotAvailable(f"model folder {path}: config.json is not a JSON object")
    weights = path / "model.safetensors"
    if not weights.is_file():
        return
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(weights), framework="numpy"):
            pass
    except (OSError, SafetensorError) as exc:
        raise ModelNotAvailable(f"model folder {path}: model.safetensors is damaged ({exc})") from None


def folder_hash(path: Path) -> str:
    """sha256 over the names and contents of the files in a model folder."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.iterdir() if p.is_file()):
        digest.update(file.name.encode() + b"\0")
        with file.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def pickle_refused(ref: str, error: object) -> ModelNotAvailable | None:
    """The one-line error for pickle weights that torch's weights-only loader refused (they hold
    more than tensors: loading them could run code), else None."""
    text = str(error)
    if "Weights only load failed" not in text:
        return None
    found = re.search(r"unsupported GLOBAL ([\w.]+)", text)
    what = f"an object ({found.group(1)})" if found else "objects"
    return ModelNotAvailable(
        f"model {ref}: pytorch_model.bin holds {what} besides weights, and loading it could run code: "
        "refused; use the model's model.safetensors"
    )


def not_available(ref: str, locale: str, reason: object) -> ModelNotAvailable:
    """The one-line error for a model that cannot be loaded, with the two ways out."""
    refused = pickle_refused(ref, reason)
    if refused is not None:
        return refused
    reason = " ".join(str(reason).split())[:300]
    return ModelNotAvailable(
        f"model {ref!r} for locale {locale} could not be loaded ({reason}); connect to the "
        f"network so it can be downloaded from the Hugging Face hub, or pass a local model "
        f"folder with --model {locale}=PATH"
    )
