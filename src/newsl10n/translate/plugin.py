"""Engines from outside the package, behind the :class:`~.base.Translator` interface.

An engine class (``engine: module:Class`` in pipeline.yaml, ``--engine``, or an entry point of
the group ``newsl10n.engines``) follows a small protocol (README, "Engines from outside the
package"). It must provide:

- ``load(spec) -> engine`` (a classmethod; ``spec``: :class:`~.spec.EngineSpec`, with the
  locales, the model reference and the decoding settings), and
- ``decode(texts: list[str]) -> list[str]``: one translation per text, in order.

It may provide, and the adapter uses when it does:

- ``score(sources, targets) -> list[list[float]]``: each target token's log-probability for its
  source, teacher-forced. Enforcement then picks among its candidates by the model's reading of
  the original source, and the run gets confidences from the scores (:mod:`newsl10n.qe`);
- ``nbest(texts, n) -> list[list[str]]``: alternatives, tried as candidates for missing terms;
- ``align(sources, targets) -> list[list[tuple[int, int]]]``: (source word, target word) links,
  words split on whitespace: where a missing term goes, and the splice of the model's own words;
- ``positions`` (an int) with ``tokens(texts) -> list[list[str]]``: the most tokens the model
  takes; longer sources are translated in pieces (:mod:`.limits`);
- ``describe() -> Mapping``: ``revision`` (and anything else) for the signature: manifests and
  the translation memory's key;
- ``engine``: an :class:`~newsl10n.engines.Engine` record (the decoding settings its output
  depends on, the model it brings).

Enforcement, the term report, the memory and QA then work as for the built-in engines
(:func:`.placement.enforce` is the same core). What the engine lacks is listed in its
description (``lacks``, in the manifest's ``engine``): part of the signature, since enforcement
chooses differently without scores.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..errors import ConfigError, ModelNotAvailable, NewsL10nError
from ..model import Constraints, ModelScores, TermConstraint, Translation
from .placement import Hint, TokenScorer, enforce, words
from .spec import EngineSignature, EngineSpec

Progress = Callable[[int], None]
"""As :data:`.base.Progress` (not imported: the factory in :mod:`.base` imports this module)."""
OPTIONAL = ("score", "nbest", "align", "positions")
"""What an engine may provide, as its description's ``lacks`` names it."""
NBEST = 4


class EngineFailed(NewsL10nError):
    """An engine from outside the package raised while translating."""


@dataclass
class PluginTranslator:
    spec: EngineSpec
    engine: Any

    @classmethod
    def load(cls, spec: EngineSpec, engine_class: Any) -> PluginTranslator:
        name = f"{getattr(engine_class, '__module__', '?')}.{getattr(engine_class, '__qualname__', engine_class)}"
        if not callable(getattr(engine_class, "load", None)) or not callable(getattr(engine_class, "decode", None)):
            raise ConfigError(
                f"engine {spec.engine!r}: {name} lacks load(spec) or decode(texts) "
                "(see 'Engines from outside the package' in the README)"
            )
        try:
            engine = engine_class.load(spec)
        except NewsL10nError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever an outside engine raises on load
            raise ModelNotAvailable(
                f"engine {spec.engine!r} for locale {spec.target_lang} could not be loaded ({_said(exc)})"
            ) from None
        return cls(spec, engine)

    def has(self, capability: str) -> bool:
        if capability == "positions":
            return isinstance(getattr(self.engine, "positions", None), int) and callable(getattr(self.engine, "tokens", None))
        return callable(getattr(self.engine, capability, None))

    def lacks(self) -> list[str]:
        return [c for c in OPTIONAL if not self.has(c)]

    def describe(self) -> dict[str, object]:
        own = self.engine.describe() if callable(getattr(self.engine, "describe", None)) else {}
        revision = str(own.get("revision", "unknown")) if isinstance(own, Mapping) else "unknown"
        return {**EngineSignature.of(self.spec, revision).describe(), "lacks": self.lacks()}

    @property
    def positions(self) -> int | None:
        return self.engine.positions if self.has("positions") else None

    def encode(self, texts: Sequence[str]) -> list[list[str]]:
        """Tokens of each text (for :class:`.limits.LengthLimited`)."""
        return self._call("tokens", list(texts))

    def translate(
        self,
        sources: Sequence[str],
        progress: Progress | None = None,
        constraints: Constraints | None = None,
    ) -> list[Translation]:
        first = self._decode(sources, progress)
        wanted: list[Sequence[TermConstraint]] = list(constraints) if constraints else [()] * len(sources)
        if not any(wanted):
            return self._scored(sources, [Translation(text) for text in first])
        done = enforce(
            sources, first, wanted, lambda term: term.forms,
            lambda rows, texts: self._decode(texts), self._scorer(sources),
            source_words=lambda i, t: _source_words(sources[i], t), hints=self._hints(sources, first, wanted),
            alternatives=self._alternatives(sources, first, wanted),
        )  # fmt: skip
        results = [Translation(e.text, e.forced, e.method, changed=e.changed) for e in done]
        return self._scored(sources, results)

    def _decode(self, texts: Sequence[str], progress: Progress | None = None) -> list[str]:
        out: list[str] = []
        step = self.spec.decoding.batch_size
        for start in range(0, len(texts), step):
            batch = list(texts[start : start + step])
            decoded = self._call("decode", batch)
            if not isinstance(decoded, list) or len(decoded) != len(batch) or not all(isinstance(t, str) for t in decoded):
                raise EngineFailed(f"engine {self.spec.engine!r}: decode() must return one str per text")
            out += decoded
            if progress:
                progress(len(batch))
        return out

    def _call(self, method: str, *args: Any) -> Any:
        try:
            return getattr(self.engine, method)(*args)
        except NewsL10nError:
            raise
        except Exception as exc:  # noqa: BLE001 - one line naming the engine, never a traceback
            raise EngineFailed(f"engine {self.spec.engine!r}: {method}() failed ({_said(exc)})") from None

    def _scorer(self, sources: Sequence[str]) -> TokenScorer | None:
        if not self.has("score"):
            return None
        return lambda pairs: self._call("score", [sources[i] for i, _ in pairs], [text for _, text in pairs])

    def _scored(self, sources: Sequence[str], outputs: list[Translation]) -> list[Translation]:
        """``outputs`` with the model's token log-probabilities, where the engine scores."""
        if not self.spec.scored or not self.has("score") or not outputs:
            return outputs
        tokens = self._call("score", list(sources), [out.text for out in outputs])
        return [replace(out, scores=ModelScores.of_tokens(t)) for out, t in zip(outputs, tokens)]

    def _alternatives(self, sources, first, wanted) -> Mapping[int, Sequence[str]]:
        """The n-best of the segments whose first decode lacks a term (where the engine gives them)."""
        rows = [i for i, terms in enumerate(wanted) if terms]
        if not self.has("nbest") or not rows:
            return {}
        return dict(zip(rows, self._call("nbest", [sources[i] for i in rows], NBEST)))

    def _hints(self, sources, first, wanted) -> Callable[[int, TermConstraint], Hint | None]:
        """Where the engine aligned each term's source words in the first decode."""
        rows = [i for i, terms in enumerate(wanted) if any(t.source_span for t in terms)]
        if not self.has("align") or not rows:
            return lambda row, term: None
        links = dict(zip(rows, self._call("align", [sources[i] for i in rows], [first[i] for i in rows])))
        return lambda row, term: aligned_hint(sources[row], first[row], links.get(row), term)


def aligned_hint(source: str, output: str, links: Sequence[tuple[int, int]] | None, term: TermConstraint) -> Hint | None:
    """The output words (placement's word units) linked to the term's source words, as a
    :class:`Hint`; None without links to them."""
    if not links or term.source_span is None:
        return None
    start, end = term.source_span
    source_words = [i for i, (a, b) in enumerate(_spaced(source)) if a < end and start < b]
    spans = _spaced(output)
    linked = sorted({t for s, t in links if s in source_words and 0 <= t < len(spans)})
    if not linked:
        return None
    units = words(output)
    first_unit = sum(1 for u in units if u.start < spans[linked[0]][0])
    last_unit = sum(1 for u in units if u.start < spans[linked[-1]][1])
    return Hint(first_unit, max(first_unit + 1, last_unit))


def _spaced(text: str) -> list[tuple[int, int]]:
    """Character spans of the whitespace-separated words of ``text``."""
    spans, pos = [], 0
    for word in text.split():
        pos = text.index(word, pos)
        spans.append((pos, pos + len(word)))
        pos += len(word)
    return spans


def _source_words(source: str, term: TermConstraint) -> int:
    span = term.source_span
    return len(words(source[span[0] : span[1]])) if span else len(words(term.forms[0]))


def _said(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
