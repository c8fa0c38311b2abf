"""What confidence costs: the same engine, the same sentences, with and without the
teacher-forced scoring of the final texts (``_scored``) that gives the token log-probabilities.

    PYTHONPATH=src python bench/bench_qe.py [--sentences 96] [--rounds 5]

Uses the trained copy model (``newsl10n.copymodel``; its outputs end where the model puts EOS,
as a real model's do), beam 4, batch 16, the threads the engine chooses. Rounds alternate
(off, on, off, on, ...) so that drift in the machine's load hits both alike; the medians are
compared. The features and the confidence themselves (QA checks, one sigmoid) are timed apart,
per segment. Writes its section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from pathlib import Path

from benchlib import ROOT, SAMPLE, write_section

START, END = "<!-- bench_qe start -->", "<!-- bench_qe end -->"


def sentences(count: int) -> list[str]:
    text = SAMPLE.read_text(encoding="utf-8")
    found = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 4]
    return [found[i % len(found)] + ("" if i < len(found) else f" ({i})") for i in range(count)]


def timed(translator, sources: list[str], scored: bool) -> float:
    original = type(translator)._scored
    if not scored:
        translator._scored = lambda tokens, outputs: outputs
    try:
        started = time.perf_counter()
        outputs = translator.translate(sources)
        elapsed = time.perf_counter() - started
    finally:
        if not scored:
            del translator._scored
    assert (outputs[0].scores is not None) == scored and original
    return elapsed


def bench_engine(engine: str, model: Path, sources: list[str], rounds: int) -> dict[str, float]:
    from newsl10n.config import PipelineConfig
    from newsl10n.translate.base import make_translator
    from newsl10n.translate.spec import engine_specs

    spec = engine_specs(PipelineConfig(), ROOT, ["de"], {"de": str(model)}, engine)["de"]
    translator = make_translator(spec)
    timed(translator, sources[:8], True)  # warm up
    off, on = [], []
    for _ in range(rounds):
        off.append(timed(translator, sources, False))
        on.append(timed(translator, sources, True))
    return {"off": statistics.median(off), "on": statistics.median(on)}


def bench_features(sources: list[str]) -> float:
    from newsl10n import qe
    from newsl10n.config import QASettings

    items = [qe.QEInput(s, s, "en", "de", [-0.1] * 30) for s in sources]
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
    from newsl10n.copymodel import cached_copy_model

    model = cached_copy_model()
    sources = sentences(args.sentences)
    rows = []
    for engine in ("ctranslate2", "transformers"):
        result = bench_engine(engine, model, sources, args.rounds)
        cost = result["on"] / result["off"] - 1
        rows.append(f"| {engine} | {result['off']:.2f} | {result['on']:.2f} | {cost:+.1%} |")
        print(rows[-1], flush=True)
    per_segment = bench_features(sources)
    text = "\n".join([
        "## Confidence per segment (`bench/bench_qe.py`, issue 18)",
        "",
        f"{args.sentences} sentences of the sample article through the trained copy model, beam 4, batch 16;"
        f" median of {args.rounds} alternating rounds, seconds per call. *on*: the token log-probabilities",
        "of the final texts scored teacher-forced (CTranslate2 `score_batch`; one transformers forward pass",
        "with labels); no second decode.",
        "",
        "| engine | confidence off (s) | on (s) | cost |",
        "|---|---|---|---|",
        *rows,
        "",
        f"Features and confidence from the scores (QA checks, one sigmoid): {per_segment * 1000:.2f} ms per segment.",
    ])  # fmt: skip
    write_section(args.results, text, START, END)


if __name__ == "__main__":
    main()
