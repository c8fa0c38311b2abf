"""Archive benchmark: N generated articles, single process vs Dask ``local:W`` clusters.

    PYTHONPATH=src HF_HUB_OFFLINE=1 python bench/bench_archive.py                # 200 articles, de
    python bench/bench_archive.py --articles 50 --workers 1,2,4 --locales de,ar

Articles are the sample article with a numbered headline and varied figures (18 segments each).
Models are tiny random-weight Marian models built on the spot (no download): the numbers measure
the pipeline and the cluster (scheduling, transfer, model reuse), not model quality; greedy
decoding, output length capped by ``max_length``.

Reported per mode: seconds for the translation run (cluster start-up and model loading on the
workers, measured on a one-article warm-up run, shown apart; the single-process runs get the
same warm-up), articles/s, and the per-article cluster overhead:
(CPU time of client and workers on local:1 - CPU time of one process with one engine thread) /
articles: the same compute with and without Dask in between. CPU time, not wall time, because
wall time on a shared machine moves with its load. Prints a Markdown table for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "new-start-dialogue.txt"


def generate_archive(folder: Path, count: int) -> list[Path]:
    """``count`` sample-like articles: same layout, numbered headline, varied figures."""
    text = SAMPLE.read_text(encoding="utf-8")
    lines = text.split("\n")
    paths = []
    for i in range(count):
        varied = list(lines)
        varied[2] = f"{lines[2]} (part {i + 1})"  # the headline
        body = "\n".join(varied)
        body = re.sub(r"\d[\d,]*", lambda m: str(int(m.group().replace(",", "")) + i), body)
        path = folder / f"article-{i + 1:04d}.txt"
        path.write_text(body, encoding="utf-8")
        paths.append(path)
    return paths


def build_models(folder: Path, locales: list[str]) -> dict[str, str]:
    from newsl10n.testsupport.randommodels import build_random_marian

    corpus = SAMPLE.read_text(encoding="utf-8").splitlines()
    return {loc: str(build_random_marian(folder / f"en-{loc}", corpus, target_lang=loc)) for loc in locales}


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and its live children (the Dask workers)."""
    import psutil

    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.NoSuchProcess:
            pass
    return total


def timed_run(config, paths, locales, models, out, executor=None) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (all processes) and bundles of one run."""
    from newsl10n.pipeline import run_translate
    from newsl10n.settings import RunSettings

    started, cpu = time.perf_counter(), cpu_seconds()
    result = run_translate(RunSettings.of(config, overrides=models, out=out), paths, locales, executor=executor)
    return time.perf_counter() - started, cpu_seconds() - cpu, len(result.bundles)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--locales", default="de")
    parser.add_argument("--workers", default="1,2", help="cluster sizes to try, e.g. 1,2,4")
    parser.add_argument("--max-length", type=int, default=64, help="token cap for the random models' output")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(ROOT / "src"))
    from newsl10n.config import parse_config, resolve_paths
    from newsl10n.distributed import connect

    locales = [loc.strip() for loc in args.locales.split(",") if loc.strip()]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "articles").mkdir()
        paths = generate_archive(tmp_path / "articles", args.articles)
        models = build_models(tmp_path / "models", locales)
        load_before = os.getloadavg()[0]

        def config(threads: int):
            decoding = {"beam_size": 1, "batch_size": 16, "max_length": args.max_length, "threads": threads}
            return resolve_paths(parse_config({"decoding": decoding}), ROOT)

        timed_run(config(1), paths[:1], locales, models, tmp_path / "warm-up")  # imports, first load
        for threads in (1, 0):
            seconds, cpu, bundles = timed_run(config(threads), paths, locales, models, tmp_path / f"single-{threads}")
            label = "single process, 1 engine thread" if threads == 1 else "single process, default threads"
            rows.append((label, 0.0, seconds, cpu, bundles))
            print(f"{label}: {seconds:.1f} s", file=sys.stderr)
        for workers in [int(w) for w in args.workers.split(",")]:
            started = time.perf_counter()
            with connect(cluster=f"local:{workers}") as executor:
                # Start-up: worker processes, their imports and model loads (kept by the plugin).
                timed_run(config(1), paths[:1], locales, models, tmp_path / f"warm-up-{workers}", executor)
                up = time.perf_counter() - started
                seconds, cpu, bundles = timed_run(
                    config(1), paths, locales, models, tmp_path / f"cluster-{workers}", executor
                )
            rows.append((f"--cluster local:{workers} (1 thread each)", up, seconds, cpu, bundles))
            print(f"local:{workers}: start {up:.1f} s, run {seconds:.1f} s", file=sys.stderr)
        load_after = os.getloadavg()[0]
    print(report(rows, args, locales, load_before, load_after))


def report(rows, args, locales, load_before: float, load_after: float) -> str:
    single_1 = rows[0][3]
    local_1 = next((r[3] for r in rows if r[0].startswith("--cluster local:1 ")), None)
    lines = [
        f"{args.articles} articles x {len(locales)} locale(s) ({', '.join(locales)}), 18 segments each, "
        f"tiny random Marian models, greedy, max_length {args.max_length}; "
        f"{os.cpu_count()} CPUs, {platform.python_version()}, load average {load_before:.1f} before / "
        f"{load_after:.1f} after.",
        "",
        "| mode | start-up s (cluster, imports, model load) | run s (wall) | articles/s | CPU s, all processes | CPU ms/article | bundles |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, up, seconds, cpu, bundles in rows:
        up_text = f"{up:.1f}" if up else "-"
        lines.append(
            f"| {label} | {up_text} | {seconds:.1f} | {args.articles / seconds:.2f} | {cpu:.1f} "
            f"| {cpu / args.articles * 1000:.0f} | {bundles} |"
        )
    if local_1 is not None:
        overhead = (local_1 - single_1) / args.articles * 1000
        lines += [
            "",
            f"Per-article cluster overhead, CPU time of client + workers on local:1 minus the single "
            f"process with one engine thread (same compute): {overhead:.0f} ms",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
