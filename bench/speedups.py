"""Issue 19's speed-ups on the bench model, side by side with the engine as it ships:

- the vocabulary shortlist (``newsl10n models shortlist`` on the sample article, then
  ``ctranslate2.use_vmap``), greedy and beam 4;
- the adaptive beam (``decoding.adaptive_beam``) against beam 4;
- where the cold 5-locale run of the sample article spends its time (``coldstart.py``).

    .venv/bin/python bench/speedups.py       # after bench/run.sh has set up .venv; writes its RESULTS.md section

Same model, inputs and forced output length as bench_engines.py's engine table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench_engines import build_model, convert_model, run_child
from benchlib import ROOT, SAMPLE, child_env, write_section
from coldstart import STAGES
from e2e import write_e2e_config

SPECIAL = ("</s>", "<unk>", "<pad>")

SECTION_START = "<!-- speedups.py: start (generated) -->"
SECTION_END = "<!-- speedups.py: end -->"
BASE = "newsl10n ctranslate2 int8"
PADDED = 3000
FLOOR = -1e9  # an adaptive threshold no score falls under: every segment stays greedy


def build_vmap(work: Path, model: Path) -> tuple[float, str]:
    """``newsl10n models shortlist`` on the sample article (de glossary terms always allowed),
    with the bench's models cache and beam 4: seconds and the command's report line."""
    config = work / "shortlist.yaml"
    config.write_text(
        f"ctranslate2: {{models_cache: '{work / 'ct2-cache'}'}}\nglossaries: ['{ROOT / 'glossaries'}']\n"
        "decoding: {beam_size: 4}\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "newsl10n", "models", "shortlist", str(model), "--corpus", str(SAMPLE),
               "--to", "de", "--config", str(config)]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=child_env(), check=False)
    if proc.returncode != 0:
        raise SystemExit(f"shortlist failed:\n{proc.stderr[-3000:]}{proc.stdout[-3000:]}")
    report = next(line for line in proc.stdout.splitlines() if "shortlist of" in line)
    return time.perf_counter() - started, report.replace(f"{ROOT}/", "")


def padded_model(work: Path, converted: Path, size: int) -> Path:
    """A folder of links to the converted model whose map also always allows the vocabulary's
    first ``size`` pieces: the random model writes few distinct pieces, so the map built from
    its translations is far smaller than a real model's would be (a few thousand a batch)."""
    folder = work / f"vmap-padded-{size}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for path in converted.iterdir():
        if path.name != "vmap.txt":
            (folder / path.name).symlink_to(path)
    vocab = json.loads((converted / "shared_vocabulary.json").read_text(encoding="utf-8"))
    lines = (converted / "vmap.txt").read_text(encoding="utf-8").splitlines()
    always = set(lines[0].split("\t", 1)[1].split()) | {p for p in vocab[:size] if p not in SPECIAL}
    lines[0] = "\t" + " ".join(sorted(always))
    (folder / "vmap.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def engine_rows(args: argparse.Namespace, model: Path, converted: Path) -> list[dict]:
    padded = padded_model(args.work, converted, PADDED)
    runs = [
        (1, BASE, {}),
        (1, "with the shortlist as built (use_vmap)", {"vmap": True}),
        (1, f"with the shortlist padded to {PADDED:,} pieces always allowed", {"vmap": True, "model": padded}),
        (4, BASE, {}),
        (4, "with the shortlist as built (use_vmap)", {"vmap": True}),
        (4, f"with the shortlist padded to {PADDED:,} pieces always allowed", {"vmap": True, "model": padded}),
        (4, "adaptive beam, threshold -0.7 (default)", {"adaptive": -0.7}),
        (4, "adaptive beam, no segment redone (the floor)", {"adaptive": FLOOR}),
        (4, "adaptive beam + shortlist, no segment redone", {"adaptive": FLOOR, "vmap": True}),
    ]
    # Rounds of every row in turn: each row's tokens/s is its best round, and its ratio to the
    # engine as shipped the median of the rounds' ratios (each against the same round's row).
    rounds: list[list[dict]] = []
    for _ in range(args.rounds):
        rounds.append([])
        for beam, name, extra in runs:
            result = run_child("newsl10n-ctranslate2", args, beam=beam, **{"model": model, **extra})
            result.update(name=name, beam=beam, tok_s=result["tokens"] / result["seconds"])
            rounds[-1].append(result)
            print(f"{name}, beam {beam}: {result['tok_s']:.0f} tokens/s, redone {result['redone']}", flush=True)
    rows = []
    for index in range(len(runs)):
        tried = [r[index] for r in rounds]
        base = [next(b for b in r if b["name"] == BASE and b["beam"] == r[index]["beam"]) for r in rounds]
        ratios = sorted(t["tok_s"] / b["tok_s"] for t, b in zip(tried, base))
        best = max(tried, key=lambda r: r["tok_s"])
        rows.append(dict(best, ratio=ratios[len(ratios) // 2], ratios=ratios))
    return rows


ADAPTIVE_FLOOR = f"adaptive_beam: true, adaptive_threshold: {FLOOR}"
COLD_VARIANTS = (
    ("as shipped", {}),
    ("no glossary", {"glossary": False}),
    ("adaptive beam, no segment redone (the floor)", {"decoding": ADAPTIVE_FLOOR}),
    ("adaptive floor + shortlist", {"decoding": ADAPTIVE_FLOOR, "ct2": "use_vmap: true"}),
)


def coldstart_runs(args: argparse.Namespace, model: Path, runs: int) -> dict[str, list[dict]]:
    """The cold 5-locale sample run (fresh memory and out folder each time), timed by stage, as
    shipped and with the opt-in speed-ups; the variants take turns, so the load moves all alike."""
    results: dict[str, list[dict]] = {name: [] for name, _ in COLD_VARIANTS}
    for _ in range(runs):
        for index, (name, settings) in enumerate(COLD_VARIANTS):
            config = write_e2e_config(args.work, model, name=f"cold{index}", **settings)
            (args.work / f"{config.stem}-tm.sqlite").unlink(missing_ok=True)
            shutil.rmtree(args.work / f"{config.stem}-out", ignore_errors=True)
            result = run_child("coldstart", args, config=config)
            results[name].append(result)
            print(f"cold start, {name}: {result['wall_s']:.1f} s", flush=True)
    return results


def render(args, rows, vmap, cold) -> str:
    seconds, report = vmap
    lines = [
        "# Speed-ups: vocabulary shortlist, adaptive beam, cold start (issue 19)",
        "",
        "Command: `.venv/bin/python bench/speedups.py` (after `bash bench/run.sh` has set up `.venv`). "
        f"Same random opus-mt-size model, {args.sentences} sentences of about {args.src_tokens} source tokens, "
        f"{args.out_tokens} tokens decoded per sentence, batch {args.batch_size}, best of {args.repeat} passes, "
        f"one child process per row, in one run. Load average (1 min) at the end: {os.getloadavg()[0]:.2f}.",
        "",
        f"Shortlist: `newsl10n models shortlist` over the sample article at beam 4 took {seconds:.1f} s: `{report}`.",
        "",
        f"Each row ran {args.rounds} times, the rows taking turns; tokens/s is a row's best round, its ratio the "
        "median of the rounds' ratios to the engine as shipped at the same beam in the same round (each round's "
        "ratio in brackets).",
        "",
        "| engine | beam | tokens/s | vs the engine as shipped | segments redone with beam search | peak RSS MB |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        redone = f"{r['redone']} / {r['sentences']}" if "adaptive" in r["name"] else "-"
        each = ", ".join(f"{x:.2f}" for x in r["ratios"])
        lines.append(
            f"| {r['name']} | {r['beam']} | {r['tok_s']:.0f} | {r['ratio']:.2f}x ({each}) | {redone} | {r['peak_rss_mb']:.0f} |"
        )
    lines += ["", "## Cold start: the sample article into 5 locales", ""]
    if cold and all(cold.values()):
        names = list(cold)
        median = lambda values: sorted(values)[len(values) // 2]
        lines += [
            "`newsl10n translate examples/new-start-dialogue.txt` into de, fr, es, ru, ar as in the end-to-end runs "
            f"(glossary on, beam 4, fresh memory), {len(cold[names[0]])} runs of each column, taking turns; each "
            "stage's own time (a stage called from another counts once, for the inner one), median of the runs, "
            "in seconds. The first column is the engine as shipped; the others turn the glossary off or the opt-in "
            "speed-ups on.",
            "",
            "| stage | " + " | ".join(names) + " |",
            "|---|" + "---|" * len(names),
        ]
        for label, key in STAGES:
            values = [median([r["stages"].get(key, 0.0) for r in cold[n]]) for n in names]
            lines.append(f"| {label} | " + " | ".join(f"{v:.2f}" for v in values) + " |")
        walls = [median([r["wall_s"] for r in cold[n]]) for n in names]
        lines.append("| **whole command (wall)** | " + " | ".join(f"**{w:.2f}**" for w in walls) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / ".work")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--sentences", type=int, default=32)
    parser.add_argument("--src-tokens", type=int, default=30)
    parser.add_argument("--out-tokens", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="turns of every engine row")
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--skip-rows", action="store_true", help="only the cold-start profile")
    args = parser.parse_args()
    args.work = args.work.resolve()
    args.loop_sentences, args.beam = 8, 1  # what run_child passes on
    model = build_model(args.work, "opus-mt")
    _, converted = convert_model(model, args.work / "ct2-cache")
    vmap = build_vmap(args.work, model)
    print(vmap[1], flush=True)
    rows = [] if args.skip_rows else engine_rows(args, model, converted)
    cold = coldstart_runs(args, model, args.cold_runs)
    write_section(args.results, render(args, rows, vmap, cold), SECTION_START, SECTION_END)
    print(f"-> {args.results}")


if __name__ == "__main__":
    main()
