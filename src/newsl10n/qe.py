"""How sure the machine was of each segment: features from work already done, a confidence in
[0, 1], and a model of the desk's own post-edits that sharpens it.

Features come from the decode's by-products and the QA checks, never from a second decode of
the forward model: how likely the engine found its final text (:class:`ModelScores`: on
CTranslate2 the log-probability per token from the decode itself, teacher-forced only where
enforcement changed the text; on transformers every token's log-probability, teacher-forced in
one forward pass, which adds the minimum and the share of unlikely tokens), the length ratio,
the glossary terms it had to force, the QA findings (untranslated and repeated spans apart),
and the chrF of a back-translation when a reverse model is configured (``qe.back_models``).

The confidence is ``sigmoid(bias + sum_k w_k * (x_k - mean_k) / scale_k)`` over the features
present (an absent one contributes nothing: it counts as its mean, the typical value).
Uncalibrated (:data:`DEFAULT`) the weights are fixed, so the confidence rises with the mean and
minimum token log-probability and the back-translation chrF, and falls with the share of
unlikely tokens, the length deviation, the forced terms, the QA findings, a copied source and a
loop: a documented monotone function.
``newsl10n qe fit`` replaces them, per locale, by a logistic regression of "the editor left the
segment as it was" (TER 0 between the machine output and the reviewed text) on the memory's
post-edits (:func:`fit`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .config import PipelineConfig, QASettings
from .errors import InputError
from .fileio import load_json, read_text
from .model import ModelScores, SourceArticle, TermReport, Translation
from .qa import ERROR, QASegment, check_segment
from .tm.store import Entry
from .translate.spec import EngineSpec

FEATURES = (
    "mean_logprob", "min_logprob", "low_share", "length", "forced", "qa_errors", "qa_warnings",
    "untranslated", "repeat", "back_chrf",
)  # fmt: skip
LOW_LOGPROB = math.log(0.1)
"""A token the model gave less than this log-probability counts as unlikely (``low_share``)."""
MIN_POSTEDITS = 30
"""``qe fit`` needs at least this many reviewed segments of a locale, edited and not."""
MIN_EACH = 5
"""... with at least this many of each kind (edited, left as it was)."""
HELD_OUT = 0.25
LOW_SHARE_REVIEWED = 0.2
"""``qe report``: the share of edits caught when reviewing the lowest 20% of the confidences."""
_OWN_CODES = {"untranslated": "untranslated", "repeat": "repeat", "length-ratio": None}
"""QA findings that are features of their own (length by its ratio), not counted in qa_*."""


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


@dataclass(frozen=True)
class QEInput:
    """One machine-translated segment, as the features see it."""

    source: str
    target: str
    source_lang: str
    target_lang: str
    scores: ModelScores | None = None
    forced: int = 0
    terms: tuple[Mapping[str, object], ...] | None = None
    back_chrf: float | None = None


def features(item: QEInput, qa: QASettings) -> dict[str, float | None]:
    """The features of one segment; None where the work that gives one was not done."""
    scores = item.scores
    tokens = list(scores.tokens or ()) if scores else []
    found = check_segment(
        QASegment("", item.source, item.target, item.source_lang, item.target_lang, item.terms), qa
    )
    codes = {issue.code for issue in found}
    same_language = _base(item.source_lang) == _base(item.target_lang)  # a copy is then right
    counted = [i for i in found if i.code not in _OWN_CODES]
    return {
        "mean_logprob": scores.logprob if scores else None,
        "min_logprob": min(tokens) if tokens else None,
        "low_share": sum(s < LOW_LOGPROB for s in tokens) / len(tokens) if tokens else None,
        "length": abs(math.log((len(item.target.strip()) + 1) / (len(item.source.strip()) + 1))),
        "forced": float(item.forced),
        "qa_errors": float(sum(i.severity == ERROR for i in counted)),
        "qa_warnings": float(sum(i.severity != ERROR for i in counted)),
        "untranslated": float("untranslated" in codes and not same_language),
        "repeat": float("repeat" in codes),
        "back_chrf": item.back_chrf,
    }


def _base(lang: str) -> str:
    return lang.replace("_", "-").split("-")[0].lower()


def back_chrf(sources: Sequence[str], back: Sequence[str]) -> list[float]:
    """chrF (0-1) of each back-translation against its source."""
    from sacrebleu.metrics import CHRF

    metric = CHRF()
    return [metric.sentence_score(b, [s]).score / 100 for s, b in zip(sources, back)]


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


# --- learning from post-edits ------------------------------------------------------------------


@dataclass(frozen=True)
class PostEdit:
    """A reviewed segment: its features and whether the editor changed the machine output."""

    features: Mapping[str, float | None]
    edited: bool
    key: str = ""
    """Decides the held-out split (a hash of the source), so a refit splits alike."""


class TooFewPostEdits(InputError):
    """Fewer post-edits than :data:`MIN_POSTEDITS` (or one kind missing): the default stays."""


def edited(machine: str, reviewed: str) -> bool:
    """Did the editor change the segment? TER above 0 between machine output and reviewed text."""
    from sacrebleu.metrics import TER

    return TER().sentence_score(machine, [reviewed]).score > 0


def post_edit(item: QEInput, reviewed: str, qa: QASettings) -> PostEdit:
    key = hashlib.sha256(item.source.encode()).hexdigest()
    return PostEdit(features(item, qa), edited(item.target, reviewed), key)


def auc(confidences: Sequence[float], changed: Sequence[bool]) -> float | None:
    """How well low confidence ranks the edited segments first: the probability that an edited
    segment has a lower confidence than an unedited one (ties count half); None without both."""
    import numpy as np

    conf = np.asarray(confidences, dtype=float)
    mask = np.asarray(changed, dtype=bool)
    pos, neg = int(mask.sum()), int((~mask).sum())
    if not pos or not neg:
        return None
    ranks = _ranks(-conf)  # rank by "unsure": lowest confidence ranks highest
    return float((ranks[mask].sum() - pos * (pos + 1) / 2) / (pos * neg))


def _ranks(values):
    """1-based ranks with ties averaged."""
    import numpy as np

    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and sorted_values[j + 1] == sorted_values[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def caught(confidences: Sequence[float], changed: Sequence[bool], share: float = LOW_SHARE_REVIEWED) -> float | None:
    """The share of the edited segments among the ``share`` least confident ones."""
    total = sum(changed)
    if not total:
        return None
    count = max(1, math.ceil(share * len(confidences)))
    lowest = sorted(range(len(confidences)), key=lambda i: (confidences[i], i))[:count]
    return sum(changed[i] for i in lowest) / total


def fit(samples: Sequence[PostEdit], *, l2: float = 1e-2, steps: int = 500) -> QEModel:
    """A logistic regression of "left as it was" on the standardized features (missing values
    at the training mean), by gradient descent in numpy, on 75% of the post-edits; the rest
    give the held-out AUC of it and of the default. Raises :class:`TooFewPostEdits`."""
    import numpy as np

    changed = sum(s.edited for s in samples)
    if len(samples) < MIN_POSTEDITS or min(changed, len(samples) - changed) < MIN_EACH:
        raise TooFewPostEdits(
            f"{len(samples)} post-edited segments ({changed} changed); need at least {MIN_POSTEDITS}, "
            f"{MIN_EACH} of them changed and {MIN_EACH} not"
        )
    held = [int(s.key[:8] or "0", 16) / 0xFFFFFFFF < HELD_OUT if s.key else i % 4 == 0 for i, s in enumerate(samples)]
    train = [s for s, h in zip(samples, held) if not h]
    test = [s for s, h in zip(samples, held) if h]
    raw = np.array([[_value(s.features, f) for f in FEATURES] for s in train], dtype=float)
    present = ~np.isnan(raw)
    mean = np.where(present, raw, 0.0).sum(axis=0) / np.maximum(present.sum(axis=0), 1)
    x = np.where(np.isnan(raw), mean, raw)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    x = (x - mean) / scale
    y = np.array([0.0 if s.edited else 1.0 for s in train])
    w, b = np.zeros(len(FEATURES)), 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        w -= 0.5 * (x.T @ (p - y) / len(y) + l2 * w)
        b -= 0.5 * float((p - y).mean())
    model = QEModel(
        weights={f: round(float(v), 6) for f, v in zip(FEATURES, w)},
        bias=round(b, 6),
        mean={f: round(float(v), 6) for f, v in zip(FEATURES, mean)},
        scale={f: round(float(v), 6) for f, v in zip(FEATURES, scale)},
        fitted=True,
        trained=len(train),
        held_out=len(test),
    )
    changed_test = [s.edited for s in test]
    return QEModel(
        **{**asdict(model), "auc": _rounded(auc([model.confidence(s.features) for s in test], changed_test)),
           "default_auc": _rounded(auc([DEFAULT.confidence(s.features) for s in test], changed_test))}
    )  # fmt: skip


def _value(features: Mapping[str, float | None], name: str) -> float:
    value = features.get(name)
    return float("nan") if value is None else float(value)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


# --- the stored models ---------------------------------------------------------------------------


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


# --- a run's confidences -------------------------------------------------------------------------

BackTranslate = Callable[[str, Sequence[str]], list[str]]
"""(locale, targets) -> the targets translated back into the source language."""


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
    config: PipelineConfig, specs: Mapping[str, EngineSpec], memory: Path, factory: Callable[[EngineSpec], Any]
) -> Scorer | None:
    """A run's :class:`Scorer` (None with ``qe.enabled: false``): the models fitted beside the
    ``memory`` file, and the reverse models of ``qe.back_models``, each loaded on first use."""
    if not config.qe.enabled:
        return None
    back_specs = {
        locale: replace(
            specs[locale], model=ref,
            source_lang=locale, target_lang=config.source_lang, target_token=None,
        )  # fmt: skip
        for locale, ref in config.qe.back_models.items()
        if locale in specs
    }
    engines: dict[str, Any] = {}

    def back(locale: str, texts: Sequence[str]) -> list[str]:
        if locale not in engines:
            engines[locale] = factory(back_specs[locale])
        return [out.text for out in engines[locale].translate(list(texts))]

    return Scorer(config.qa, config.source_lang, load_models(model_file(memory)), back, frozenset(back_specs))


def memory_post_edits(entries: Iterable[Entry], qa: QASettings, source_lang: str) -> dict[str, list[PostEdit]]:
    """Per locale, the memory's reviewed entries that kept their machine output, as post-edits."""
    found: dict[str, list[PostEdit]] = {}
    for entry in entries:
        if entry.reviewed and entry.machine is not None:
            item = QEInput(entry.source, entry.machine, source_lang, entry.locale, entry.scores)
            found.setdefault(entry.locale, []).append(post_edit(item, entry.target, qa))
    return found


@dataclass(frozen=True)
class LocaleReport:
    """How well one locale's confidence ranks the segments its editors changed."""

    locale: str
    post_edits: int
    edited: int
    fitted: bool
    auc: float | None
    caught: float | None
    """Share of the edits among the lowest :data:`LOW_SHARE_REVIEWED` of the confidences."""


def report(post_edits: Mapping[str, Sequence[PostEdit]], models: Mapping[str, QEModel]) -> list[LocaleReport]:
    reports = []
    for locale, samples in sorted(post_edits.items()):
        model = model_for(models, locale)
        confidences = [model.confidence(s.features) for s in samples]
        changed = [s.edited for s in samples]
        reports.append(
            LocaleReport(locale, len(samples), sum(changed), model.fitted, _rounded(auc(confidences, changed)),
                         _rounded(caught(confidences, changed)))
        )  # fmt: skip
    return reports
