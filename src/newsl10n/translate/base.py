"""The translator interface, what it is given and returns, and the factory that picks an engine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module
from typing import Protocol

from ..engines import EngineNotFound
from ..errors import ConfigError
from ..model import Constraints, Translation
from .limits import LengthLimited, source_budget
from .spec import EngineSpec

Progress = Callable[[int], None]
"""Called with the number of segments just finished."""


class Translator(Protocol):
    """Translates sentence segments for one language pair."""

    spec: EngineSpec

    def translate(
        self,
        sources: Sequence[str],
        progress: Progress | None = None,
        constraints: Constraints | None = None,
    ) -> list[Translation]:
        """One translation per source, in order; each contains its segment's constraints."""
        ...

    def describe(self) -> dict[str, object]:
        """Model id, revision or content hash, engine and decoding settings, for manifests
        (:meth:`EngineSignature.describe`)."""
        ...


def make_translator(spec: EngineSpec) -> Translator:
    """Load the engine named by ``spec.engine`` (see :mod:`newsl10n.engines`); raises
    ModelNotAvailable when it cannot. An engine from outside the package goes behind the
    adapter (:class:`.plugin.PluginTranslator`). Sources too long for the model are translated
    in pieces (:class:`.limits.LengthLimited`) when the engine knows its model's ``positions``."""
    try:
        engine = spec.engine_record
    except EngineNotFound as exc:
        raise ConfigError(str(exc)) from None
    module, _, name = engine.loader.partition(":")
    if engine.builtin:
        translator = getattr(import_module(module), name).load(spec)
    else:
        from .plugin import PluginTranslator

        translator = PluginTranslator.load(spec, getattr(import_module(module), name))
    positions = getattr(translator, "positions", None)
    return LengthLimited(translator, source_budget(positions)) if positions else translator


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length (longest first), so padding stays small."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
