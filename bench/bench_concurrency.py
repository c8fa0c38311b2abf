"""Several writers on one bundle at once, at the counts issue 27 asks for (CI runs a few rounds:
tests/test_concurrency.py): 50 rounds each of two review servers, a server and import-xliff, a
server and `translate --force --no-tm`, and 20 kill -9 of a process saving segments.

    python bench/bench_concurrency.py                      # 50 rounds each, 20 kills, seed 27
    python bench/bench_concurrency.py --rounds 5 --kills 3  # a quick run

The bundle: the sample article (with one line holding <script>) translated into de by a tiny
random-weight Marian model with the shipped glossaries (tests/review_fixture.py), the memory on.
Each round's outcome is checked against the bundle and the memory (tests/concurrency_harness.py);
the run prints one line per pair and exits 1 when an acknowledged edit was lost, two conflicting
edits were both acknowledged, or bundle and memory disagree.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def pristine(work: Path) -> Path:
    """A folder with pipeline.yaml, the article and out/new-start-dialogue/{de,ar}."""
    from conftest import SAMPLE, TARGET_TEXT, TARGET_TOKENS, glossary_target_lines
    from review_fixture import build_pristine

    from newsl10n.testsupport.randommodels import build_random_marian

    corpus = SAMPLE.read_text(encoding="utf-8").splitlines()
    models = {
        locale: build_random_marian(
            work / f"en-{locale}", corpus + (TARGET_TEXT[locale] + glossary_target_lines(locale)) * 5,
            target_lang=locale, target_tokens=TARGET_TOKENS.get(locale, ()),
        )
        for locale in ("de", "ar")
    }  # fmt: skip
    root = work / "pristine"
    root.mkdir()
    return build_pristine(root, models, SAMPLE, ROOT / "glossaries")


def main() -> int:
    import concurrency_harness as harness
    from review_fixture import copy_of

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=50, help="rounds of each pair of writers")
    parser.add_argument("--kills", type=int, default=20, help="kill -9 during saves")
    parser.add_argument("--seed", type=int, default=27)
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-concurrency-") as tmp:
        base = pristine(Path(tmp))
        runs = [
            lambda root, rng: harness.two_servers(root, args.rounds, rng),
            lambda root, rng: harness.server_and_xliff(root, args.rounds, rng),
            lambda root, rng: harness.server_and_translate(root, args.rounds, rng, root / "new-start-dialogue.txt"),
            lambda root, rng: harness.kills(root, args.kills, rng),
        ]
        reports = []
        for n, run in enumerate(runs):
            root = copy_of(base, Path(tmp) / f"run{n}")
            reports.append(run(root, random.Random(args.seed)))
            print(reports[-1].line(), flush=True)
            for problem in [*reports[-1].lost, *reports[-1].disagreements][:10]:
                print(f"  {problem}")
    print(f"seed {args.seed}, {time.monotonic() - started:.0f} s in all, {os.cpu_count()} CPUs")
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
