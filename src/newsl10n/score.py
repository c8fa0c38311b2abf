"""Corpus scores (BLEU, chrF, TER) through sacrebleu's Python API, gates and paired bootstrap.

Values in, values out: hypotheses and references are lists of strings, one segment each.
Every score keeps sacrebleu's signature so that a figure can be reproduced with its CLI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import ConfigError, InputError

if TYPE_CHECKING:
    from .config import GatesSettings

LOWER_IS_BETTER = frozenset({"ter"})
# Languages whose text has no spaces between words: sacrebleu tokenizes them its own way.
_TOKENIZERS = {"zh": "zh", "ja": "ja-mecab", "ko": "ko-mecab"}
_TOKENIZER_EXTRAS = {"ja-mecab": "sacrebleu[ja]", "ko-mecab": "sacrebleu[ko]"}


@dataclass(frozen=True)
class Scores:
    """Corpus scores of one system on one locale, each with its sacrebleu signature."""

    lang: str
    segments: int
    bleu: float
    chrf: float
    ter: float
    signatures: Mapping[str, str]

    def metric(self, name: str) -> float:
        return getattr(self, name)


@dataclass(frozen=True)
class Comparison:
    """Paired bootstrap resampling of one metric: system against a baseline."""

    metric: str
    baseline: float
    system: float
    p_value: float
    ci: float

    @property
    def delta(self) -> float:
        return self.system - self.baseline

    @property
    def worse(self) -> bool:
        return self.delta > 0 if self.metric in LOWER_IS_BETTER else self.delta < 0

    def significant(self, alpha: float = 0.05) -> bool:
        # sacrebleu gives identical systems its smallest p-value: equal scores never differ.
        return self.delta != 0 and self.p_value < alpha


@dataclass(frozen=True)
class Gate:
    """Thresholds for one locale; ``None`` means the metric is not gated."""

    min_bleu: float | None = None
    min_chrf: float | None = None
    max_ter: float | None = None
    min_term_compliance: float | None = None

    def merged(self, override: Gate) -> Gate:
        """This gate with every threshold that ``override`` sets replaced."""
        values = {k: v for k, v in vars(override).items() if v is not None}
        return Gate(**{**vars(self), **values})

    @property
    def is_empty(self) -> bool:
        return all(v is None for v in vars(self).values())


@dataclass(frozen=True)
class GateFailure:
    locale: str
    metric: str
    value: float | None
    limit: float
    bound: str  # "min" or "max"

    def __str__(self) -> str:
        shown = "n/a" if self.value is None else f"{self.value:.2f}"
        op = "<" if self.bound == "min" else ">"
        return f"{self.locale}: {_LABELS[self.metric]} {shown} {op} {self.bound} {self.limit:g}"


@dataclass(frozen=True)
class LocaleReport:
    """What ``newsl10n score`` reports for one locale."""

    locale: str
    scores: Scores
    term_compliance: float | None = None
    engines: tuple[Mapping[str, object], ...] = ()
    comparisons: tuple[Comparison, ...] = ()
    failures: tuple[GateFailure, ...] = ()
    term_success_lemmatised: float | None = None
    """The WMT 2023 terminology task's measure (lemmatised matching), in percent."""


_LABELS = {"bleu": "BLEU", "chrf": "chrF", "ter": "TER", "term_compliance": "term compliance"}


def tokenizer_for(lang: str) -> str:
    """sacrebleu's tokenizer for a target locale: zh, ja-mecab, ko-mecab, else 13a."""
    base = lang.replace("_", "-").split("-")[0].lower()
    return _TOKENIZERS.get(base, "13a")


def make_metrics(lang: str) -> dict[str, object]:
    """sacrebleu metric objects for ``lang``; raises ConfigError if its tokenizer is not installed."""
    from sacrebleu.metrics import BLEU, CHRF, TER

    tokenize = tokenizer_for(lang)
    try:
        bleu = BLEU(tokenize=tokenize)
    except (RuntimeError, ImportError):
        extra = _TOKENIZER_EXTRAS.get(tokenize, "sacrebleu")
        raise ConfigError(
            f"--lang {lang}: BLEU needs sacrebleu's {tokenize} tokenizer, which is not installed "
            f"(pip install '{extra}')"
        ) from None
    # TER splits CJK text into characters only when it also normalizes.
    cjk = tokenize != "13a"
    return {"bleu": bleu, "chrf": CHRF(), "ter": TER(normalized=cjk, asian_support=cjk)}


def check_references(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> None:
    """Every reference stream must have one line per hypothesis."""
    if not references:
        raise InputError("no reference given")
    for number, refs in enumerate(references, 1):
        if len(refs) != len(hypotheses):
            raise InputError(
                f"reference {number} has {len(refs)} segments but the hypothesis has {len(hypotheses)}"
            )
    if not hypotheses:
        raise InputError("nothing to score: the hypothesis has no segments")


def score_corpus(hypotheses: Sequence[str], references: Sequence[Sequence[str]], lang: str) -> Scores:
    """BLEU, chrF and TER of ``hypotheses`` against one or more line-aligned reference streams."""
    check_references(hypotheses, references)
    metrics = make_metrics(lang)
    values: dict[str, float] = {}
    signatures: dict[str, str] = {}
    for name, metric in metrics.items():
        values[name] = metric.corpus_score(list(hypotheses), [list(r) for r in references]).score
        signatures[name] = str(metric.get_signature())
    return Scores(lang=lang, segments=len(hypotheses), signatures=signatures, **values)


def compare(
    hypotheses: Sequence[str],
    baseline: Sequence[str],
    references: Sequence[Sequence[str]],
    lang: str,
    *,
    samples: int = 1000,
) -> list[Comparison]:
    """sacrebleu's paired bootstrap resampling (seed 12345 unless SACREBLEU_SEED says otherwise)."""
    from sacrebleu.significance import PairedTest

    check_references(hypotheses, references)
    if len(baseline) != len(hypotheses):
        raise InputError(f"the baseline has {len(baseline)} segments but the hypothesis has {len(hypotheses)}")
    metrics = make_metrics(lang)
    named = {"bleu": "BLEU", "chrf": "chrF2", "ter": "TER"}
    test = PairedTest(
        [("baseline", list(baseline)), ("system", list(hypotheses))],
        {named[k]: m for k, m in metrics.items()},
        [list(r) for r in references],
        test_type="bs",
        n_samples=samples,
    )
    _, results = test()
    comparisons = []
    for key, label in named.items():
        base, system = results[label]
        comparisons.append(
            Comparison(key, base.score, system.score, float(system.p_value), float(system.ci or 0.0))
        )
    return comparisons


def term_compliance(terms: Sequence[Mapping[str, object]] | None) -> float | None:
    """Percent of checked term occurrences not violated.

    ``None`` (no glossary check ran) gives None; a check that found no term gives 100.
    """
    if terms is None:
        return None
    if not terms:
        return 100.0
    violated = sum(1 for t in terms if t.get("status") == "violated")
    return 100.0 * (len(terms) - violated) / len(terms)


def check_gate(
    locale: str, scores: Scores, compliance: float | None, gate: Gate
) -> list[GateFailure]:
    """The thresholds of ``gate`` that this locale misses (empty list: it passes)."""
    failures = []
    checks = [
        ("bleu", scores.bleu, gate.min_bleu, "min"),
        ("chrf", scores.chrf, gate.min_chrf, "min"),
        ("ter", scores.ter, gate.max_ter, "max"),
        ("term_compliance", compliance, gate.min_term_compliance, "min"),
    ]
    for metric, value, limit, bound in checks:
        if limit is None:
            continue
        if value is None or (value < limit if bound == "min" else value > limit):
            failures.append(GateFailure(locale, metric, value, limit, bound))
    return failures


def regressions(locale: str, comparisons: Sequence[Comparison], alpha: float = 0.05) -> list[str]:
    """Metrics that got significantly worse than the baseline, as one-line messages."""
    return [
        f"{locale}: {_LABELS[c.metric]} {c.system:.2f} vs baseline {c.baseline:.2f} "
        f"(p = {c.p_value:.4f})"
        for c in comparisons
        if c.worse and c.significant(alpha)
    ]


def gate_for(locale: str, gates: GatesSettings, override: Gate = Gate()) -> Gate:
    """The gate of one locale: pipeline.yaml's defaults, then its locale entry, then the CLI's."""
    gate = Gate(**gates.defaults.model_dump())
    if locale in gates.locales:
        gate = gate.merged(Gate(**gates.locales[locale].model_dump()))
    return gate.merged(override)
