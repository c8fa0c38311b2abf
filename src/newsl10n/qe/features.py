"""The features of one machine-translated segment, all from work already done: how likely the
engine found its text (:class:`~newsl10n.model.ModelScores`), the length ratio, the glossary
terms it had to force, the QA checks' findings, and a back-translation's chrF where one was made.
None where the work that gives a feature was not done."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from ..config import QASettings
from ..model import ModelScores
from ..qa import ERROR, QASegment, check_segment

FEATURES = (
    "mean_logprob", "min_logprob", "low_share", "length", "forced", "qa_errors", "qa_warnings",
    "untranslated", "repeat", "back_chrf",
)  # fmt: skip
LOW_LOGPROB = math.log(0.1)
"""A token the model gave less than this log-probability counts as unlikely (``low_share``)."""

_OWN_CODES = {"untranslated": "untranslated", "repeat": "repeat", "length-ratio": None}
"""QA findings that are features of their own (length by its ratio), not counted in qa_*."""


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
