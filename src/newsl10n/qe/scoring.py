"""The confidence: weights over the features (:class:`QEModel`; :data:`DEFAULT` until ``newsl10n
qe fit`` learns a locale's), the fitted models stored beside the memory, and a run's
:class:`Scorer`, which gives each machine segment of a bundle its confidence."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..config import PipelineConfig, QASettings
from ..errors import InputError
from ..fileio import load_json, read_text
from ..model import SourceArticle, TermReport, Translation
from .back import BackTranslate, back_chrf, back_translator
from .features import QEInput, features

@dataclass(frozen=True)
class QEModel:
    """Weights over :data:`FEATURES`; ``fitted``: learned from post-edits (with its sizes and
    held-out AUCs), else the uncalibrated default."""

    weights: Mapping[str, float]
    bias: float
    mean: Mapping[str, float] = field(default_factory=dict)
    scale: Mapping[str, float] = field(default_factory=dict)
    fitted: bool = False
    trained: int = 0
    held_out: int = 0
    auc: float | None = None
    """Held-out AUC of the fitted confidence (edits ranked below the rest)."""
    default_auc: float | None = None
    """Held-out AUC of the uncalibrated confidence, on the same segments."""

    def confidence(self, features: Mapping[str, float | None]) -> float:
        z = self.bias
        for name, weight in self.weights.items():
            value = features.get(name)
            if value is not None:
                z += weight * (value - self.mean.get(name, 0.0)) / (self.scale.get(name) or 1.0)
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


DEFAULT = QEModel(
    weights={
        "mean_logprob": 4.0, "min_logprob": 0.5, "low_share": -3.0, "length": -3.0, "forced": -0.5,
        "qa_errors": -1.5, "qa_warnings": -0.5, "untranslated": -2.0, "repeat": -2.0, "back_chrf": 3.0,
    },
    bias=3.0,
    mean={"back_chrf": 0.5, "min_logprob": -3.0, "low_share": 0.1},
)  # fmt: skip
"""Uncalibrated. The means of the features an engine may not give (CTranslate2 gives no token's
own log-probability) are typical values, so that their absence moves no confidence."""


def distribution(confidences: Sequence[float], threshold: float | None) -> dict[str, object] | None:
    """A bundle's confidences in brief, for its manifest: mean, minimum, deciles' counts and,
    with a threshold, how many fall below it."""
    if not confidences:
        return None
    histogram = [0] * 10
    for value in confidences:
        histogram[min(9, int(value * 10))] += 1
    summary: dict[str, object] = {
        "mean": round(sum(confidences) / len(confidences), 4),
        "min": round(min(confidences), 4),
        "histogram": histogram,
    }
    if threshold is not None:
        summary["below_threshold"] = sum(value < threshold for value in confidences)
    return summary


def models_to_json(models: Mapping[str, QEModel]) -> dict[str, object]:
    return {"version": 1, "locales": {locale: asdict(m) for locale, m in sorted(models.items())}}


def models_from_json(data: object, *, source: str) -> dict[str, QEModel]:
    """The fitted models of a ``*.qe.json`` file, per locale; errors name the file."""
    locales = data.get("locales") if isinstance(data, dict) else None
    if not isinstance(locales, dict):
        raise InputError(f"{source}: not a newsl10n confidence model (expected {{\"locales\": {{...}}}})")
    models = {}
    for locale, values in locales.items():
        try:
            models[str(locale)] = QEModel(**values)
            models[str(locale)].confidence({})
        except (TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"{source}: locale {locale!r}: not a confidence model ({exc})") from None
    return models


def model_for(models: Mapping[str, QEModel], locale: str) -> QEModel:
    """The locale's fitted model, else the uncalibrated default."""
    return models.get(locale, DEFAULT)


@dataclass
class Scorer:
    """The confidences of a run's bundles: each locale's model (fitted, else the default), and
    back-translation chrF for the locales in ``back_locales``."""

    qa: QASettings
    source_lang: str
    models: Mapping[str, QEModel] = field(default_factory=dict)
    back: BackTranslate | None = None
    back_locales: frozenset[str] = frozenset()

    def confidences(
        self,
        source: SourceArticle,
        locale: str,
        outputs: Mapping[str, Translation],
        reviewed: Collection[str],
        terms: Mapping[str, TermReport],
        fresh: Collection[str] = (),
    ) -> dict[str, float]:
        """Segment id -> confidence, for the machine-translated segments (reviewed ones have none).
        Only ``fresh`` segments (translated by the model in this run) are translated back: a run
        answered from the memory loads no model for its confidences."""
        segments = [s for s in source.article.segments if s.id not in reviewed and s.id in outputs]
        back: dict[str, float] = {}
        back_segments = [s for s in segments if s.id in fresh]
        if self.back is not None and locale in self.back_locales and back_segments:
            texts = [outputs[s.id].text for s in back_segments]
            scores = back_chrf([s.text for s in back_segments], self.back(locale, texts))
            back = {s.id: chrf for s, chrf in zip(back_segments, scores)}
        model = model_for(self.models, locale)
        confidences = {}
        for seg in segments:
            out, chrf = outputs[seg.id], back.get(seg.id)
            report = terms.get(seg.id)
            item = QEInput(
                seg.text, out.text, self.source_lang, locale, out.scores, len(out.forced),
                tuple(report) if report is not None else None, chrf,
            )  # fmt: skip
            confidences[seg.id] = model.confidence(features(item, self.qa))
        return confidences


def model_file(memory: Path) -> Path:
    """Where the fitted models live: beside the memory file (``<memory>.qe.json``)."""
    return memory.with_name(memory.name + ".qe.json")


def load_models(path: Path) -> dict[str, QEModel]:
    """The fitted models beside a memory; none (every locale on the default) without the file."""
    if not path.is_file():
        return {}
    return models_from_json(load_json(read_text(path, what="confidence model"), source=str(path)), source=str(path))


def run_scorer(
    config: PipelineConfig, back_specs: Mapping[str, Any], memory: Path, factory: Callable[[Any], Any]
) -> Scorer | None:
    """A run's :class:`Scorer` (None with ``qe.enabled: false``): the models fitted beside the
    ``memory`` file, and back-translation for the locales of ``back_specs`` (what ``factory``
    loads to translate each back: :func:`newsl10n.translate.spec.back_specs`), loaded on first use."""
    if not config.qe.enabled:
        return None
    back = back_translator(back_specs, factory)
    return Scorer(config.qa, config.source_lang, load_models(model_file(memory)), back, frozenset(back_specs))
