"""``newsl10n score`` and ``newsl10n qa``: metrics, gates and checks for CI.

This module handles paths, printing and exit codes; the work is done in ``score.py`` and ``qa.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Optional

import typer

from ..bundle.reader import LoadedBundle, find_bundles, load_bundle
from ..config import load_config
from ..errors import ConfigError, InputError
from ..locales import check_locale
from ..qa import ERROR, WARNING, Issue, QASegment, check_segments, count_by_severity
from ..score import (
    Gate,
    LocaleReport,
    Scores,
    check_gate,
    compare,
    gate_for,
    regressions,
    score_corpus,
    term_compliance,
)
from .common import ConfigOption, cli_errors

GATE_EXIT = 1


# --- reading inputs --------------------------------------------------------------------------


def read_lines(fh: IO[str]) -> list[str]:
    """One segment a line, trailing whitespace dropped (as sacrebleu's CLI reads files)."""
    return [line.rstrip() for line in fh]


def read_text_lines(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8") as fh:
            return read_lines(fh)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, expected a text file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _lines(n: int) -> str:
    return f"{n} line{'' if n == 1 else 's'}"


def check_line_counts(ref: Path, refs: Sequence[str], hyp_name: str, hyps: Sequence[str]) -> None:
    if len(refs) != len(hyps):
        raise InputError(f"{ref}: {_lines(len(refs))}, but {hyp_name} has {len(hyps)}")


@dataclass
class LocaleInput:
    """Everything scored for one locale: hypotheses, references and where they came from."""

    locale: str
    hypotheses: list[str]
    references: list[list[str]]
    bundles: list[LoadedBundle]
    baseline: list[str] | None = None


def file_input(hyp: Path, refs: Sequence[Path], lang: str, baseline: Path | None) -> LocaleInput:
    hyps = read_text_lines(hyp)
    references = []
    for ref in refs:
        lines = read_text_lines(ref)
        check_line_counts(ref, lines, str(hyp), hyps)
        references.append(lines)
    base = None
    if baseline is not None:
        if baseline.is_dir():
            raise InputError(f"{baseline}: with --hyp, --baseline is the baseline's hypothesis file")
        base = read_text_lines(baseline)
        check_line_counts(baseline, base, str(hyp), hyps)
    return LocaleInput(lang, hyps, references, [], base)


def bundle_inputs(paths: Sequence[Path], refs_dir: Path, baseline: Path | None) -> list[LocaleInput]:
    """Bundles grouped by locale, each with the lines of REFS/<article>.<locale>.txt."""
    if not refs_dir.is_dir():
        raise InputError(f"{refs_dir}: no such folder (--refs takes the references folder)")
    bundles = [load_bundle(p) for p in find_bundles(paths)]
    previous = _baseline_bundles(baseline) if baseline is not None else None
    by_locale: dict[str, LocaleInput] = {}
    for bundle in sorted(bundles, key=lambda b: (b.locale, b.article)):
        item = by_locale.setdefault(bundle.locale, LocaleInput(bundle.locale, [], [[]], []))
        ref = refs_dir / f"{bundle.article}.{bundle.locale}.txt"
        lines = read_text_lines(ref)
        check_line_counts(ref, lines, str(bundle.path / "segments.json"), bundle.targets)
        item.hypotheses.extend(bundle.targets)
        item.references[0].extend(lines)
        item.bundles.append(bundle)
        if previous is not None:
            item.baseline = (item.baseline or []) + _baseline_targets(previous, bundle, baseline)
    return list(by_locale.values())


def _baseline_bundles(path: Path) -> dict[tuple[str, str], LoadedBundle]:
    return {(b.article, b.locale): b for b in map(load_bundle, find_bundles([path]))}


def _baseline_targets(previous: Mapping[tuple[str, str], LoadedBundle], bundle: LoadedBundle, where: Path) -> list[str]:
    old = previous.get((bundle.article, bundle.locale))
    if old is None:
        raise InputError(f"{where}: no baseline bundle for {bundle.article} [{bundle.locale}]")
    check_line_counts(old.path / "segments.json", old.targets, str(bundle.path / "segments.json"), bundle.targets)
    return old.targets


# --- reports ---------------------------------------------------------------------------------

def engines_of(bundles: Sequence[LoadedBundle]) -> tuple[dict[str, object], ...]:
    """What made the bundles, shown beside the scores' signatures: each distinct engine
    signature (:attr:`Manifest.signature`, described) and glossary version."""
    seen: list[dict[str, object]] = []
    for bundle in bundles:
        manifest = bundle.manifest
        info = manifest.signature.describe() if manifest.engine else {}
        if manifest.glossary_hash is not None:
            info["glossary_hash"] = manifest.glossary_hash
        if info and info not in seen:
            seen.append(info)
    return tuple(seen)


def report_locale(item: LocaleInput, gate: Gate, samples: int) -> LocaleReport:
    scores = score_corpus(item.hypotheses, item.references, item.locale)
    checked = any(b.term_checked for b in item.bundles)
    compliance = term_compliance([t for b in item.bundles for t in b.terms] if checked else None)
    comparisons = ()
    if item.baseline is not None:
        comparisons = tuple(compare(item.hypotheses, item.baseline, item.references, item.locale, samples=samples))
    return LocaleReport(
        item.locale,
        scores,
        compliance,
        engines_of(item.bundles),
        comparisons,
        tuple(check_gate(item.locale, scores, compliance, gate)),
        lemmatised_success(item.bundles),
    )


def lemmatised_success(bundles: Sequence[LoadedBundle]) -> float | None:
    """The bundles' WMT-style term success (their manifests'), weighted by their terms, in
    percent; None when no bundle records one."""
    pairs = [(b.manifest.term_success_lemmatised, b.manifest.terms.get("total", 0)) for b in bundles]
    pairs = [(value, weight) for value, weight in pairs if value is not None and weight]
    total = sum(weight for _, weight in pairs)
    return 100 * sum(value * weight for value, weight in pairs) / total if total else None


def report_json(reports: Sequence[LocaleReport], gates: Mapping[str, Gate]) -> dict[str, object]:
    out: dict[str, object] = {}
    for r in reports:
        s = r.scores
        out[r.locale] = {
            "bleu": round(s.bleu, 4),
            "chrf": round(s.chrf, 4),
            "ter": round(s.ter, 4),
            "signatures": dict(s.signatures),
            "segments": s.segments,
            "term_compliance": None if r.term_compliance is None else round(r.term_compliance, 2),
            "term_success_lemmatised": None if r.term_success_lemmatised is None else round(r.term_success_lemmatised, 2),
            "engines": list(r.engines),
            "gate": {
                "thresholds": {k: v for k, v in vars(gates[r.locale]).items() if v is not None},
                "failures": [str(f) for f in r.failures],
                "passed": not r.failures,
            },
        }
        if r.comparisons:
            out[r.locale]["baseline"] = {
                c.metric: {
                    "baseline": round(c.baseline, 4),
                    "system": round(c.system, 4),
                    "delta": round(c.delta, 4),
                    "p_value": round(c.p_value, 4),
                    "significant": c.significant(),
                    "worse": c.worse,
                }
                for c in r.comparisons
            }
    return out


def report_table(reports: Sequence[LocaleReport], gates: Mapping[str, Gate]) -> list[str]:
    rows = [("locale", "segments", "BLEU", "chrF", "TER", "terms %", "gate")]
    for r in reports:
        s: Scores = r.scores
        gate = "-" if gates[r.locale].is_empty else ("FAIL" if r.failures else "pass")
        terms = "-" if r.term_compliance is None else f"{r.term_compliance:.1f}"
        rows.append((r.locale, str(s.segments), f"{s.bleu:.2f}", f"{s.chrf:.2f}", f"{s.ter:.2f}", terms, gate))
    lines = _columns(rows, "lrrrrrl")
    for r in reports:
        for metric, signature in r.scores.signatures.items():
            lines.append(f"{r.locale} {metric:<4} {signature}")
        for engine in r.engines:
            lines.append(f"{r.locale} from {', '.join(f'{k}={_plain(v)}' for k, v in engine.items())}")
    compared = [(r.locale, c) for r in reports for c in r.comparisons]
    if compared:
        lines.append("")
        lines.append("against the baseline (paired bootstrap resampling):")
        rows = [("locale", "metric", "baseline", "system", "delta", "p-value", "")]
        for locale, c in compared:
            verdict = ("worse" if c.worse else "better") if c.significant() else "not significant"
            p_value = f"{c.p_value:.4f}" if c.delta else "-"  # identical scores: no test to speak of
            rows.append(
                (locale, c.metric, f"{c.baseline:.2f}", f"{c.system:.2f}", f"{c.delta:+.2f}", p_value, verdict)
            )
        lines.extend(_columns(rows, "llrrrrl"))
    return lines


def _plain(value: object) -> str:
    """A setting as one short token: nested settings as compact JSON."""
    return json.dumps(value, separators=(",", ":")) if isinstance(value, dict) else str(value)


def _columns(rows: Sequence[Sequence[str]], align: str) -> list[str]:
    """Rows as aligned text columns; ``align`` has one letter a column, l or r."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(row, widths, align)).rstrip()
        for row in rows
    ]


# --- commands --------------------------------------------------------------------------------


def score(
    inputs: Annotated[
        Optional[list[Path]],
        typer.Argument(help="Bundles or output folders (with --refs); leave out with --hyp.", show_default=False),
    ] = None,
    hyp: Annotated[Optional[Path], typer.Option("--hyp", help="Hypothesis file, one segment a line.")] = None,
    ref: Annotated[
        Optional[list[Path]], typer.Option("--ref", help="Reference file, line-aligned with --hyp (repeatable).")
    ] = None,
    refs: Annotated[
        Optional[Path], typer.Option("--refs", help="References folder: REFS/<article>.<locale>.txt.")
    ] = None,
    lang: Annotated[
        Optional[str], typer.Option("--lang", "-l", help="Target locale of --hyp (picks the tokenizer: zh, ja ...).")
    ] = None,
    baseline: Annotated[
        Optional[Path],
        typer.Option("--baseline", help="A previous run (output folder; with --hyp a file) to compare against."),
    ] = None,
    samples: Annotated[int, typer.Option("--samples", min=100, help="Bootstrap resamples for --baseline.")] = 1000,
    fail_on_regression: Annotated[
        bool, typer.Option("--fail-on-regression", help="Exit 1 when a metric is significantly worse than --baseline.")
    ] = False,
    min_bleu: Annotated[Optional[float], typer.Option("--min-bleu", help="Gate: lowest BLEU that passes.")] = None,
    min_chrf: Annotated[Optional[float], typer.Option("--min-chrf", help="Gate: lowest chrF that passes.")] = None,
    max_ter: Annotated[Optional[float], typer.Option("--max-ter", help="Gate: highest TER that passes.")] = None,
    min_term_compliance: Annotated[
        Optional[float],
        typer.Option("--min-term-compliance", help="Gate: lowest percent of glossary terms kept."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores per locale as JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """Score translations with BLEU, chrF and TER (sacrebleu) and apply the quality gates.

    Exit 0: every gate passed; 1: a gate failed; 2: usage or input error.
    """
    override = Gate(min_bleu, min_chrf, max_ter, min_term_compliance)
    with cli_errors():
        cfg = load_config(config)
        items = _score_inputs(inputs or [], hyp, ref or [], refs, lang, baseline)
        gates = {item.locale: gate_for(item.locale, cfg.gates, override) for item in items}
        reports = [report_locale(item, gates[item.locale], samples) for item in items]
    if as_json:
        typer.echo(json.dumps(report_json(reports, gates), ensure_ascii=False, indent=2))
    else:
        typer.echo("\n".join(report_table(reports, gates)))
    failed = [str(f) for r in reports for f in r.failures]
    if fail_on_regression:
        failed += [m for r in reports for m in regressions(r.locale, r.comparisons)]
    if failed:
        typer.echo(f"gate failed: {'; '.join(failed)}", err=True)
        raise typer.Exit(GATE_EXIT)


def _score_inputs(
    inputs: Sequence[Path],
    hyp: Path | None,
    refs: Sequence[Path],
    refs_dir: Path | None,
    lang: str | None,
    baseline: Path | None,
) -> list[LocaleInput]:
    if hyp is not None:
        if inputs or refs_dir is not None:
            raise ConfigError("--hyp scores one file: give --ref files, not bundles or --refs")
        if not refs:
            raise ConfigError("--hyp needs at least one --ref file")
        if lang is None:
            raise ConfigError("--hyp needs --lang, the target locale (e.g. --lang de)")
        return [file_input(hyp, refs, check_locale(lang), baseline)]
    if refs:
        raise ConfigError("--ref goes with --hyp; to score bundles pass --refs REFS_DIR")
    if not inputs:
        raise ConfigError("nothing to score: pass bundles or output folders with --refs, or --hyp and --ref")
    if refs_dir is None:
        raise ConfigError("scoring bundles needs --refs REFS_DIR (REFS/<article>.<locale>.txt)")
    if lang is not None:
        raise ConfigError("--lang goes with --hyp; bundles carry their own locale")
    return bundle_inputs(inputs, refs_dir, baseline)


def qa(
    inputs: Annotated[list[Path], typer.Argument(help="Bundles or output folders.")],
    max_errors: Annotated[
        Optional[int], typer.Option("--max-errors", min=0, help="Gate: most errors that pass (default: qa.max_errors).")
    ] = None,
    max_warnings: Annotated[
        Optional[int], typer.Option("--max-warnings", min=0, help="Gate: most warnings that pass.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """Check each translated segment: numbers, empty or untranslated targets, length, loops,
    quotes and brackets, glossary terms.

    Exit 0: within the limits; 1: too many errors or warnings; 2: usage or input error.
    """
    with cli_errors():
        cfg = load_config(config)
        bundles = [load_bundle(p) for p in find_bundles(inputs)]
    results = [(b, check_segments(qa_segments(b, cfg.source_lang), cfg.qa)) for b in bundles]
    total = count_by_severity(i for _, issues in results for i in issues)
    if as_json:
        typer.echo(json.dumps(qa_json(results, total), ensure_ascii=False, indent=2))
    else:
        typer.echo("\n".join(qa_table(results, total)))
    limits = {ERROR: _first(max_errors, cfg.qa.max_errors), WARNING: _first(max_warnings, cfg.qa.max_warnings)}
    over = [
        f"{_counted({sev: total[sev]})} (max {limit})"
        for sev, limit in limits.items()
        if limit is not None and total[sev] > limit
    ]
    if over:
        typer.echo(f"qa failed: {', '.join(over)}", err=True)
        raise typer.Exit(GATE_EXIT)


def _counted(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n} {sev}{'' if n == 1 else 's'}" for sev, n in counts.items())


def _first(*values: int | None) -> int | None:
    return next((v for v in values if v is not None), None)


def qa_segments(bundle: LoadedBundle, source_lang: str) -> Iterator[QASegment]:
    """The segments of a bundle as the checkers see them (``terms`` only where a glossary ran)."""
    for seg in bundle.segments:
        yield seg.qa_input(source_lang, bundle.locale)


def qa_json(results: Sequence[tuple[LoadedBundle, list[Issue]]], total: Mapping[str, int]) -> dict[str, object]:
    return {
        "bundles": [
            {
                "article": b.article,
                "locale": b.locale,
                "path": str(b.path),
                "counts": count_by_severity(issues),
                "issues": [i.as_dict() for i in issues],
            }
            for b, issues in results
        ],
        "counts": dict(total),
    }


def qa_table(results: Sequence[tuple[LoadedBundle, list[Issue]]], total: Mapping[str, int]) -> list[str]:
    rows = [("bundle", "segment", "severity", "code", "message")]
    for bundle, issues in results:
        for i in issues:
            rows.append((f"{bundle.article} [{bundle.locale}]", i.segment, i.severity, i.code, i.message))
    lines = _columns(rows, "lllll") if len(rows) > 1 else []
    for bundle, issues in results:
        counts = count_by_severity(issues)
        lines.append(
            f"{bundle.article} [{bundle.locale}]: {len(bundle.segments)} segments, {_counted(counts)}"
        )
    lines.append(f"total: {_counted(total)}")
    return lines
