"""Learning from the desk's post-edits: a logistic regression of "the editor left the segment as
it was" on the features (:func:`fit`), and how well a confidence ranks the edited segments
(:func:`auc`, :func:`caught`, :func:`report`)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

from ..config import QASettings
from ..errors import InputError
from ..tm.store import Entry
from .features import FEATURES, QEInput, features
from .scoring import DEFAULT, QEModel, model_for

MIN_POSTEDITS = 30
"""``qe fit`` needs at least this many reviewed segments of a locale, edited and not."""
MIN_EACH = 5
"""... with at least this many of each kind (edited, left as it was)."""
HELD_OUT = 0.25
LOW_SHARE_REVIEWED = 0.2
"""``qe report``: the share of edits caught when reviewing the lowest 20% of the confidences."""


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
