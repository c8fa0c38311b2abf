"""The engine registry: each engine's name, where its translator lives, and which of its settings
change its output. Config validation, the CLI, the factory and the engine signature all read
this one table.

It imports nothing of the project, so that ``config`` can validate engine names without loading
an engine (engines import heavy libraries on first use).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Engine:
    name: str
    loader: str
    """``module:Class`` of the translator; the class has ``load(spec)``."""
    decoding_keys: tuple[str, ...] = ()
    """``decoding`` settings beyond beam_size, batch_size and max_length that this engine's
    output depends on (described in manifests and part of the translation memory's key)."""
    ct2_keys: tuple[str, ...] = ()
    """``ctranslate2`` settings that this engine's output depends on."""
    summary: str = ""
    opt_in_keys: frozenset[str] = frozenset()
    """Keys among those above that are described (and keyed) only when set off their default, so
    that manifests and memories written before the setting existed keep their signature."""


ENGINES: dict[str, Engine] = {
    "transformers": Engine(
        "transformers",
        "newsl10n.translate.marian:MarianTranslator",
        decoding_keys=("term_bias",),
        summary="MarianMT in PyTorch; terms enforced while decoding",
    ),
    "ctranslate2": Engine(
        "ctranslate2",
        "newsl10n.translate.ct2:CT2Translator",
        decoding_keys=("adaptive_beam", "adaptive_threshold"),
        ct2_keys=("quantization", "use_vmap"),
        opt_in_keys=frozenset({"adaptive_beam", "adaptive_threshold", "use_vmap"}),
        summary="CTranslate2, int8 by default: fast on a CPU",
    ),
}
ENGINE_NAMES: tuple[str, ...] = tuple(ENGINES)


def engine_record(name: str) -> Engine | None:
    """The registered engine called ``name``; None for a name the registry does not know."""
    return ENGINES.get(name)
