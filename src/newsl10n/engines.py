"""The engine registry: each engine's name, where its translator lives, and which of its settings
change its output. Config validation, the CLI, the factory and the engine signature all read
this one table.

Engines from outside the package come as a class named ``module:Class`` (``engine:`` in
pipeline.yaml, ``--engine``) or registered under the entry-point group ``newsl10n.engines``
(the protocol: README, "Engines from outside the package"; the adapter:
:mod:`newsl10n.translate.plugin`). :func:`find_engine` gives every engine's :class:`Engine`
record, built-in or not, so the engine signature covers them alike.

It imports nothing of the project, so that ``config`` can validate engine names without loading
an engine (engines import heavy libraries on first use); :func:`is_engine_name` imports no plugin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from importlib import import_module


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
    model: str | None = None
    """The model an engine brings itself (its own weights), used where neither pipeline.yaml nor
    ``--model`` names one for a locale; None: every locale needs a model."""

    @property
    def builtin(self) -> bool:
        """One of this package's engines (a Marian model folder or hub id per locale)."""
        return ENGINES.get(self.name) == self


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

ENTRY_POINTS = "newsl10n.engines"
"""The entry-point group under which other packages register engines (name = module:Class)."""
_CLASS_REF = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


class EngineNotFound(LookupError):
    """An engine name that is neither built in, registered, nor an importable ``module:Class``."""


def is_engine_name(name: str) -> bool:
    """Whether ``name`` can name an engine, without importing one: a built-in name, a
    ``module:Class`` reference, or a name registered under :data:`ENTRY_POINTS`."""
    return name in ENGINES or bool(_CLASS_REF.fullmatch(name)) or _entry_point(name) is not None


def engine_choices() -> str:
    """What may name an engine, as error messages and help say it."""
    return f"{', '.join(engine_names())}, an engine registered under {ENTRY_POINTS}, or a class as module:Class"


def engine_names() -> tuple[str, ...]:
    """The built-in engines and those registered under :data:`ENTRY_POINTS`."""
    from importlib.metadata import entry_points

    return (*ENGINE_NAMES, *sorted({ep.name for ep in entry_points(group=ENTRY_POINTS)} - set(ENGINE_NAMES)))


def find_engine(name: str) -> Engine:
    """The :class:`Engine` record of ``name``: a built-in engine, else the class registered
    under that name in :data:`ENTRY_POINTS`, else the class ``module:Class``, imported now. Its
    record is the class's ``engine`` attribute (an :class:`Engine`), named and located as found,
    else a plain record (no decoding settings of its own). Raises :class:`EngineNotFound`."""
    if name in ENGINES:
        return ENGINES[name]
    entry = _entry_point(name)
    loader = entry.value if entry is not None else name
    if not _CLASS_REF.fullmatch(loader):
        raise EngineNotFound(f"unknown engine {name!r}: choose one of {engine_choices()}")
    module, _, attr = loader.partition(":")
    try:
        cls = getattr(import_module(module), attr)
    except Exception as exc:  # noqa: BLE001 - an engine that cannot be imported is "not found"
        raise EngineNotFound(f"engine {name!r}: cannot import {loader} ({type(exc).__name__}: {exc})") from None
    record = getattr(cls, "engine", None)
    if not isinstance(record, Engine):
        record = Engine(name, loader)
    return replace(record, name=name, loader=loader)


def _entry_point(name: str):
    """The entry point ``name`` of :data:`ENTRY_POINTS` (metadata only: nothing is imported)."""
    from importlib.metadata import entry_points

    return next(iter(entry_points(group=ENTRY_POINTS, name=name)), None)


def engine_record(name: str) -> Engine | None:
    """The built-in (or run-time registered) engine called ``name``; None for any other name.
    Reading a manifest uses this, never :func:`find_engine`: an outside engine's description is
    read back as written, without importing the engine."""
    return ENGINES.get(name)
