"""The translator interface and the factory that picks an engine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..config import CT2Settings, DecodingSettings

Progress = Callable[[int], None]
"""Called with the number of segments just finished."""


@dataclass(frozen=True)
class EngineSpec:
    """What to load for one locale: engine name, model reference and decoding settings."""

    engine: str
    model: str
    source_lang: str
    target_lang: str
    decoding: DecodingSettings
    target_token: str | None = None
    ct2: CT2Settings = CT2Settings()


@dataclass(frozen=True)
class TermConstraint:
    """A glossary term the output of one segment must contain.

    ``forms``: the preferred target term first, then allowed (inflected) forms; any one satisfies
    the constraint. ``forbidden``: target variants that must not appear. ``case_sensitive``: whether
    a form found in the output must match its case exactly. A segment lists a constraint once per
    source occurrence: two occurrences need two target terms.
    """

    id: str
    forms: tuple[str, ...]
    forbidden: tuple[str, ...] = ()
    case_sensitive: bool = True
    source_span: tuple[int, int] | None = None
    """Character offsets of the term's occurrence in the segment's source text, when known: the
    ctranslate2 engine places a missing term where the model translated that span."""


@dataclass(frozen=True)
class Translation:
    """One segment's output. ``forced``: ids of the constraints the engine had to impose
    (the rest, if present, the model produced unaided); ``method``: how they were imposed."""

    text: str
    forced: tuple[str, ...] = ()
    method: str = ""


Constraints = Sequence[Sequence[TermConstraint]]
"""Per source segment, the terms its translation must contain."""


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
        """Model id, revision or content hash, engine and decoding settings, for manifests."""
        ...


def make_translator(spec: EngineSpec) -> Translator:
    """Load the engine named by ``spec.engine``; raises ModelNotAvailable when it cannot."""
    if spec.engine == "transformers":
        from .marian import MarianTranslator

        return MarianTranslator.load(spec)
    if spec.engine == "ctranslate2":
        from .ct2 import CT2Translator

        return CT2Translator.load(spec)
    from ..errors import ConfigError

    raise ConfigError(f"unknown engine {spec.engine!r}")


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length (longest first), so padding stays small."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
