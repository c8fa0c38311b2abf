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

Split by concern: :mod:`.features` (what a segment's features are), :mod:`.scoring` (the
weights, the stored models and a run's :class:`~.scoring.Scorer`), :mod:`.fit` (learning the
weights from post-edits, and how well they rank edits) and :mod:`.back` (the back-translation
feature). None of them imports an engine: back-translation gets its engines from the caller.
"""

from __future__ import annotations

from .features import FEATURES, LOW_LOGPROB, QEInput, features
from .back import BackTranslate, back_chrf, back_translator
from .scoring import (
    DEFAULT,
    QEModel,
    Scorer,
    distribution,
    load_models,
    model_file,
    model_for,
    models_from_json,
    models_to_json,
    run_scorer,
)
from .fit import (
    LOW_SHARE_REVIEWED,
    MIN_EACH,
    MIN_POSTEDITS,
    LocaleReport,
    PostEdit,
    TooFewPostEdits,
    auc,
    caught,
    edited,
    fit,
    memory_post_edits,
    post_edit,
    report,
)

__all__ = [
    "BackTranslate",
    "DEFAULT",
    "FEATURES",
    "LOW_LOGPROB",
    "LOW_SHARE_REVIEWED",
    "LocaleReport",
    "MIN_EACH",
    "MIN_POSTEDITS",
    "PostEdit",
    "QEInput",
    "QEModel",
    "Scorer",
    "TooFewPostEdits",
    "auc",
    "back_chrf",
    "back_translator",
    "caught",
    "distribution",
    "edited",
    "features",
    "fit",
    "load_models",
    "memory_post_edits",
    "model_file",
    "model_for",
    "models_from_json",
    "models_to_json",
    "post_edit",
    "report",
    "run_scorer",
]
