"""A 5 MB article on one line, on a model of 256 positions, on both engines (issue 14, item 12).

    PYTHONPATH=src python bench/bench_long_input.py [--mb 5] [--engines transformers,ctranslate2]

The line has no sentence end, so it is one segment of about a million tokens; the model (a
tiny random Marian, ``max_position_embeddings`` 256) takes 123 source tokens at a time. Each
engine runs ``newsl10n translate`` in a child process, greedy with batch 64 (a random model
writes until its length limit, so beam search would only take longer), with the translation
memory off. The child records every call the length limiter makes to the engine: how many
pieces, the longest piece in tokens, whether the pieces together are the whole source, and how
many pieces came back empty. Writes its section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

from benchlib import ROOT, SAMPLE, peak_rss_mb, run_json_child, write_section

START, END = "<!-- bench_long_input start -->", "<!-- bench_long_input end -->"
POSITIONS = 256


def one_line_article(size: int) -> str:
    """The sample's words again and again, sentence ends turned into commas: one segment."""
    words = " ".join(SAMPLE.read_text(encoding="utf-8").split())
    words = re.sub(r"[.!?]”?(\s+|$)", ", ", words)
    return (words * (size // len(words) + 1))[:size].rsplit(" ", 1)[0]


def child(engine: str, model: Path, article: Path, out: Path) -> None:
    """Translate ``article`` through the CLI with the limiter's calls recorded; print JSON."""
    from typer.testing import CliRunner

    from newsl10n.cli import app
    from newsl10n.translate.limits import LengthLimited, source_budget

    calls: list[dict[str, object]] = []
    original = LengthLimited.translate

    def recording(self, sources, progress=None, constraints=None):
        real = self.inner.translate

        def inner(pieces, progress=None, constraints=None):
            outputs = real(pieces, progress, constraints)
            lengths = [len(t) for t in self.inner.encode(pieces)]
            whole = " ".join(pieces).split() == " ".join(sources).split()
            empty = sum(not o.text.strip() for o in outputs)
            calls.append({"pieces": len(pieces), "longest": max(lengths), "whole": whole, "empty": empty})
            return outputs

        self.inner.translate = inner
        try:
            return original(self, sources, progress, constraints)
        finally:
            del self.inner.translate

    LengthLimited.translate = recording
    config = out.parent / "pipeline.yaml"
    config.write_text(
        f"engine: {engine}\ndecoding:\n  beam_size: 1\n  batch_size: 64\n"
        f"ctranslate2:\n  models_cache: {out.parent / 'ct2'}\ntm:\n  enabled: false\n",
        encoding="utf-8",
    )
    args = ["translate", str(article), "--to", "de", "--model", f"de={model}", "--config", str(config),
            "--out", str(out), "--no-glossary"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    segments = json.loads((out / article.stem / "de" / "segments.json").read_text(encoding="utf-8"))["segments"]
    print(json.dumps({
        "exit": result.exit_code, "traceback": result.exception is not None and result.exit_code not in (0, 2),
        "segments": len(segments), "complete": all(s["target"].strip() for s in segments),
        "source_kept": segments[0]["source"] == article.read_text(encoding="utf-8").strip(),
        "calls": calls, "budget": source_budget(POSITIONS), "peak_mb": round(peak_rss_mb()),
    }))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=5.0)
    parser.add_argument("--engines", default="transformers,ctranslate2")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--child", nargs=4, metavar=("ENGINE", "MODEL", "ARTICLE", "OUT"))
    args = parser.parse_args()
    if args.child:
        engine, model, article, out = args.child
        return child(engine, Path(model), Path(article), Path(out))
    from newsl10n.testsupport.randommodels import build_random_marian

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = build_random_marian(
            work / "model", SAMPLE.read_text(encoding="utf-8").splitlines(), max_positions=POSITIONS
        )
        article = work / "one-line.txt"
        article.write_text(one_line_article(int(args.mb * 1_000_000)) + "\n", encoding="utf-8")
        size = article.stat().st_size
        env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONPATH=str(ROOT / "src"))
        for engine in args.engines.split(","):
            run_dir = work / engine
            run_dir.mkdir()
            command = [sys.executable, __file__, "--child", engine, str(model), str(article), str(run_dir / "out")]
            r = run_json_child(command, env, ROOT)
            call = r["calls"][0] if r["calls"] else {}
            rows.append(
                f"| {engine} | {size / 1e6:.1f} MB | {r['exit']} | {r['segments']} | {call.get('pieces')} | "
                f"{call.get('longest')} (budget {r['budget']}) | {call.get('whole')} | {call.get('empty')} | "
                f"{r['complete'] and r['source_kept']} | {r['wall_s']:.0f} | {r['peak_mb']} |"
            )
            print(rows[-1], flush=True)
    text = "\n".join([
        "## A 5 MB article on one line, a model of 256 positions (`bench/bench_long_input.py`, issue 14)",
        "",
        "One line with no sentence end (the sample's words repeated, sentence ends turned into commas):",
        "one segment. A tiny random Marian model with `max_position_embeddings` 256; greedy, batch 64,",
        "no memory; `newsl10n translate` in a child process per engine, the length limiter's calls to the",
        "engine recorded. *whole*: the pieces together are the source, word for word. The random model",
        "writes every piece to its length limit (2n + 10 tokens), which is what makes transformers slow here.",
        f"Load average at the end {os.getloadavg()[0]:.1f} (2 cores).",
        "",
        "| engine | article | exit | segments | pieces | longest piece (tokens) | whole | empty pieces | "
        "segment complete, source kept | wall (s) | peak RSS (MB) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
    ])  # fmt: skip
    write_section(args.results, text, START, END)


if __name__ == "__main__":
    main()
