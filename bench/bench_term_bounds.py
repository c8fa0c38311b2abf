"""Enforcement bounded per segment (issue 27 item 4): no input makes terms eat the machine.

    python bench/bench_term_bounds.py                    # both parts; writes its section of RESULTS.md
    python bench/bench_term_bounds.py --parts long-output --mb 1

1. **One sentence of a million characters** (``--mb``), the repository's glossaries on and off:
   the sample's words again and again with the sentence ends turned into commas (one segment),
   a tiny random Marian model (512 positions: the limiter cuts it into pieces), ctranslate2,
   greedy, no memory, ``newsl10n translate`` in a child process. Target: peak memory under 1.5 GB.
2. **Every output to max_length**: the sample article on a random model with the opus-mt-en-de
   architecture (74M parameters; ``bench_engines.build_model``), ctranslate2 int8, greedy by
   default (``--beam``: greedy makes the decode cheapest, so enforcement's share the largest),
   every output forced to ``max_length`` 512 tokens as a real model's repetition loop would run;
   one loaded engine translates the article's segments with their glossary terms and without,
   alternately (``--rounds``, best of). Target: with terms at most 3x without.

Random weights: the numbers are about time and memory, never quality.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from benchlib import ROOT, SAMPLE, child_env, peak_rss_mb, run_json_child, write_section

START, END = "<!-- bench_term_bounds start -->", "<!-- bench_term_bounds end -->"
WORK = ROOT / "bench" / ".work"


def one_sentence(work: Path, mb: float, glossary: bool) -> dict:
    """Part 1 in a child process: exit code, wall, peak RSS, terms, pieces."""
    from bench_long_input import one_line_article

    from newsl10n.testsupport.randommodels import build_random_marian

    model = work / "tiny-512"
    if not (model / "model.safetensors").is_file():
        lines = SAMPLE.read_text(encoding="utf-8").splitlines()
        from newsl10n.terms.files import glossary_target_lines, require_valid

        lines += glossary_target_lines(require_valid([ROOT / "glossaries"]), "de") * 5
        build_random_marian(model, lines)
    article = work / f"one-sentence-{mb:g}mb.txt"
    if not article.is_file():
        article.write_text(one_line_article(int(mb * 1_000_000)) + "\n", encoding="utf-8")
    run = work / f"run-{'glossary' if glossary else 'plain'}"
    command = [sys.executable, __file__, "--child-sentence", str(model), str(article), str(run), str(glossary)]
    return run_json_child(command, child_env(PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{ROOT / 'bench'}"), ROOT)


def child_sentence(model: Path, article: Path, run: Path, glossary: bool) -> None:
    from typer.testing import CliRunner

    from newsl10n.cli import app

    run.mkdir(parents=True, exist_ok=True)
    config = run / "pipeline.yaml"
    gloss = f"[{json.dumps(str(ROOT / 'glossaries'))}]" if glossary else "[]"
    config.write_text(
        f"engine: ctranslate2\ndecoding: {{beam_size: 1, batch_size: 64}}\nglossaries: {gloss}\n"
        f"ctranslate2: {{models_cache: {json.dumps(str(run / 'ct2'))}}}\ntm: {{enabled: false}}\n",
        encoding="utf-8",
    )
    args = ["translate", str(article), "--to", "de", "--model", f"de={model}", "--config", str(config),
            "--out", str(run / "out"), "--force", "--quiet"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    manifest = json.loads((run / "out" / article.stem / "de" / "manifest.json").read_text(encoding="utf-8"))
    line = result.output.strip().splitlines()[-1] if result.output.strip() else ""
    print(json.dumps({"exit": result.exit_code, "line": line, "terms": manifest.get("terms"),
                      "translate_s": manifest["timings"]["translate_s"], "peak_mb": round(peak_rss_mb())}))  # fmt: skip


def long_outputs(work: Path, rounds: int, beam: int) -> dict:
    """Part 2 in a child process."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_engines import build_model

    model = build_model(work, "opus-mt")
    command = [sys.executable, __file__, "--child-outputs", str(model), str(work / "ct2-cache"), str(rounds), str(beam)]
    return run_json_child(command, child_env(PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{ROOT / 'bench'}"), ROOT)


def child_outputs(model: Path, cache: Path, rounds: int, beam: int) -> None:
    from newsl10n.config import PipelineConfig
    from newsl10n.source import read_article
    from newsl10n.terms.files import require_valid
    from newsl10n.terms.source import SourceTerms, required_terms
    from newsl10n.translate.base import make_translator
    from newsl10n.translate.ct2 import CT2Translator
    from newsl10n.translate.spec import engine_specs

    CT2Translator.length_limits = lambda self, longest: (self.limit - 1, self.limit - 1)  # every output to max_length
    config = PipelineConfig(
        locales={"de": {"model": str(model)}}, ctranslate2={"models_cache": str(cache)}, decoding={"beam_size": beam}
    )
    terms = SourceTerms(require_valid([ROOT / "glossaries"]))
    source = read_article(SAMPLE, config, terms)
    ids = [s.id for s in source.article.segments]
    sources = [s.text for s in source.article.segments]
    constraints = [[c for _, c in pairs] for pairs in required_terms(source, ids, "de", terms)]
    translator = make_translator(engine_specs(config, ["de"], {})["de"])
    times: dict[str, list[float]] = {"plain": [], "terms": []}
    outputs = []
    for _ in range(rounds):
        for kind in ("plain", "terms"):
            started = time.perf_counter()
            outputs = translator.translate(sources, constraints=constraints if kind == "terms" else None)
            times[kind].append(time.perf_counter() - started)
    methods: dict[str, int] = {}
    for out in outputs:
        methods[out.method or "-"] = methods.get(out.method or "-", 0) + 1
    print(json.dumps({"segments": len(sources), "with_terms": sum(1 for c in constraints if c),
                      "plain_s": min(times["plain"]), "terms_s": min(times["terms"]), "methods": methods,
                      "peak_mb": round(peak_rss_mb())}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", default="one-sentence,long-output")
    parser.add_argument("--mb", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--beam", type=int, default=1)
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--child-sentence", nargs=4)
    parser.add_argument("--child-outputs", nargs=4)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    if args.child_sentence:
        model, article, run, glossary = args.child_sentence
        return child_sentence(Path(model), Path(article), Path(run), glossary == "True")
    if args.child_outputs:
        model, cache, rounds, beam = args.child_outputs
        return child_outputs(Path(model), Path(cache), int(rounds), int(beam))
    lines = []
    WORK.mkdir(parents=True, exist_ok=True)
    if "one-sentence" in args.parts:
        lines += [f"One sentence of {args.mb:g} MB (one segment), tiny random Marian (512 positions), ctranslate2 greedy:",
                  "", "| glossary | exit | terms (total / enforced / violated) | translate s | wall s | peak RSS MB |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        with tempfile.TemporaryDirectory(dir=WORK) as tmp:
            for glossary in (False, True):
                r = one_sentence(Path(tmp), args.mb, glossary)
                t = r.get("terms") or {}
                lines.append(f"| {'on' if glossary else 'off'} | {r['exit']} | {t.get('total', 0)} / {t.get('enforced', 0)} / "
                             f"{t.get('violated', 0)} | {r['translate_s']:.0f} | {r['wall_s']:.0f} | {r['peak_mb']} |")  # fmt: skip
                print(lines[-1], flush=True)
        lines.append("")
    if "long-output" in args.parts:
        r = long_outputs(WORK, args.rounds, args.beam)
        methods = ", ".join(f"{m} {n}" for m, n in sorted(r["methods"].items()))
        lines += ["The sample article on a random opus-mt-en-de-size model, every output forced to 512 tokens, "
                  f"ctranslate2 int8 beam {args.beam}, one loaded engine, best of {args.rounds} alternating "
                  "round(s):", "",
                  "| segments (with terms) | without terms s | with terms s | ratio | methods | peak RSS MB |",
                  "|---|---|---|---|---|---|",
                  f"| {r['segments']} ({r['with_terms']}) | {r['plain_s']:.1f} | {r['terms_s']:.1f} | "
                  f"{r['terms_s'] / r['plain_s']:.2f}x | {methods} | {r['peak_mb']} |", ""]  # fmt: skip
        print(lines[-2], flush=True)
    text = "\n".join(["## Terms bounded per segment (`bench/bench_term_bounds.py`, issue 27 item 4)", "",
                      f"Machine: 2 cores shared with other sessions, load average {os.getloadavg()[0]:.1f} at the end.",
                      "", *lines])  # fmt: skip
    write_section(args.results, text, START, END)


if __name__ == "__main__":
    main()
