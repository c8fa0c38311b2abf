"""What confidence costs: the same engine, the same sentences, with its scoring on and off
(``qe.enabled``). On: CTranslate2 asks every decode for its hypotheses' scores and scores
teacher-forced only the texts enforcement changed; transformers scores every final text
teacher-forced in one forward pass per batch.

    PYTHONPATH=src python bench/bench_qe.py [--sentences 96] [--rounds 5]

Uses the trained copy model (``newsl10n.testsupport.copymodel``; its outputs end where the model puts EOS,
as a real model's do), beam 4, batch 16, the threads the engine chooses. Rounds alternate
(off, on, off, on, ...) so that drift in the machine's load hits both alike; the medians are
compared. The features and the confidence themselves (QA checks, one sigmoid) are timed apart,
per segment. Writes its section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from dataclasses import replace
from pathlib import Path

from benchlib import ROOT, SAMPLE, write_section

START, END = "<!-- bench_qe start -->", "<!-- bench_qe end -->"


def sentences(count: int) -> list[str]:
    text = SAMPLE.read_text(encoding="utf-8")
    found = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 4]
    return [found[i % len(found)] + ("" if i < len(found) else f" ({i})") for i in range(count)]


def timed(translator, sources: list[str], constraints, scored: bool) -> float:
    """One call, with the engine's scoring on or off (``EngineSpec.scored``: ``qe.enabled``)."""
    engine = getattr(translator, "inner", translator)
    engine.spec = replace(engine.spec, scored=scored)
    started = time.perf_counter()
    outputs = translator.translate(sources, constraints=constraints)
    elapsed = time.perf_counter() - started
    assert (outputs[0].scores is not None) == scored
    return elapsed


def article_inputs(config) -> tuple[list[str], list[list]]:
    """Every segment of the example articles with the glossary terms it must hold in German
    (the copy model writes its source back, so the terms it lacks are forced)."""
    from newsl10n.source import read_article
    from newsl10n.terms.files import require_valid
    from newsl10n.terms.source import SourceTerms, required_terms

    terms = SourceTerms(require_valid([ROOT / "glossaries"]))
    sources, constraints = [], []
    for path in sorted((ROOT / "examples").glob("*.txt")):
        source = read_article(path, config, terms)
        segments = source.article.segments
        for seg, required in zip(segments, required_terms(source, [s.id for s in segments], "de", terms)):
            sources.append(seg.text)
            constraints.append([c for _, c in required])
    return sources, constraints


def bench_engine(engine: str, model: Path, cases: dict[str, tuple], rounds: int) -> dict[str, dict[str, float]]:
    from newsl10n.config import PipelineConfig, resolve_paths
    from newsl10n.translate.base import make_translator
    from newsl10n.translate.spec import engine_specs

    spec = engine_specs(resolve_paths(PipelineConfig(), ROOT), ["de"], {"de": str(model)}, engine)["de"]
    translator = make_translator(spec)
    timed(translator, list(cases.values())[0][0][:8], None, True)  # warm up
    results = {}
    for name, (sources, constraints) in cases.items():
        off, on = [], []
        for _ in range(rounds):
            off.append(timed(translator, sources, constraints, False))
            on.append(timed(translator, sources, constraints, True))
        results[name] = {"off": statistics.median(off), "on": statistics.median(on)}
    return results


def bench_features(sources: list[str]) -> float:
    from newsl10n import qe
    from newsl10n.config import QASettings
    from newsl10n.model import ModelScores

    items = [qe.QEInput(s, s, "en", "de", ModelScores.of_tokens([-0.1] * 30)) for s in sources]
    started = time.perf_counter()
    for item in items:
        qe.DEFAULT.confidence(qe.features(item, QASettings()))
    return (time.perf_counter() - started) / len(items)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sentences", type=int, default=96)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    from newsl10n.testsupport.copymodel import cached_copy_model

    model = cached_copy_model()
    from newsl10n.config import PipelineConfig, resolve_paths

    sentences_case = (sentences(args.sentences), None)
    articles_case = article_inputs(PipelineConfig())
    cases = {f"{args.sentences} sentences, no glossary": sentences_case,
             f"the 3 example articles ({len(articles_case[0])} segments), glossary": articles_case}  # fmt: skip
    rows = []
    for engine in ("ctranslate2", "transformers"):
        for case, result in bench_engine(engine, model, cases, args.rounds).items():
            cost = result["on"] / result["off"] - 1
            rows.append(f"| {engine} | {case} | {result['off']:.2f} | {result['on']:.2f} | {cost:+.1%} |")
            print(rows[-1], flush=True)
    per_segment = bench_features(sentences_case[0])
    load = os.getloadavg()[0]
    text = "\n".join([
        "## Confidence per segment (`bench/bench_qe.py`, issue 18)",
        "",
        f"Through the trained copy model mapped to German, beam 4, batch 16; median of {args.rounds} alternating",
        "rounds (scoring off, on, off, ...) on one loaded engine, seconds per call; load average at the end",
        f"{load:.1f}. *on* (`qe.enabled`, the default): CTranslate2 takes each hypothesis's score from the",
        "decode (`return_scores`) and scores teacher-forced (`score_batch`) only the texts enforcement changed;",
        "transformers scores every final text teacher-forced, one forward pass per batch, which gives each",
        "token's log-probability. No second decode on either.",
        "",
        "| engine | input | confidence off (s) | on (s) | cost |",
        "|---|---|---|---|---|",
        *rows,
        "",
        f"Features and confidence from the scores (QA checks, one sigmoid): {per_segment * 1000:.2f} ms per segment.",
    ])  # fmt: skip
    write_section(args.results, text, START, END)


if __name__ == "__main__":
    main()
