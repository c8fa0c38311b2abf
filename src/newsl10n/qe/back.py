"""The back-translation feature: each target translated back into the source language by a
reverse model (``qe.back_models``), and the chrF of that against the source. The engines come
from the caller (a spec per locale and a factory), so quality code loads no engine itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

BackTranslate = Callable[[str, Sequence[str]], list[str]]
"""(locale, targets) -> the targets translated back into the source language."""


def back_translator(specs: Mapping[str, Any], factory: Callable[[Any], Any]) -> BackTranslate:
    """Back-translation for the locales of ``specs`` (what to load per locale, for ``factory``
    to load), each engine loaded on its first use."""
    engines: dict[str, Any] = {}

    def back(locale: str, texts: Sequence[str]) -> list[str]:
        if locale not in engines:
            engines[locale] = factory(specs[locale])
        return [out.text for out in engines[locale].translate(list(texts))]

    return back


def back_chrf(sources: Sequence[str], back: Sequence[str]) -> list[float]:
    """chrF (0-1) of each back-translation against its source."""
    from sacrebleu.metrics import CHRF

    metric = CHRF()
    return [metric.sentence_score(b, [s]).score / 100 for s, b in zip(sources, back)]
