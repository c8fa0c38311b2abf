"""Latency per article (issue 19, item 5): seconds from an 800-word story to its finished bundles.

Into 1 locale (de) and into 5 (de, fr, es, ru, ar), with the repository's settings as the
end-to-end runs use them (``e2e.write_e2e_config``: the ctranslate2 engine, int8, beam 4, batch
16, the glossaries, the UI catalogs), the translation memory bypassed (``--no-tm``: every
segment goes to a model, as for a new story), each batch decoded to 1.1x its longest source:

- cold: ``newsl10n translate STORY --to LOCALES --no-tm --force`` in a fresh interpreter, the
  whole command (start-up, imports, model loads, translation, bundles);
- warm: one process that keeps its models loaded (as the Dask workers under ``--scheduler`` do,
  or a long-running service): ``pipeline.run_translate`` per story, with an executor whose
  engines were loaded once before the first timed story; the glossary is read once.

Cold and warm runs alternate on the same stories, one story per pair (the sample article's
paragraphs, rotated and varied).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchlib import SAMPLE, child_env, print_result, run_json_child
from e2e import E2E_LENGTH_RATIO, LOCALES

STORY_WORDS = 800


def make_story(index: int, words: int = STORY_WORDS) -> str:
    """An English story of about ``words`` words (cut at a sentence end), its own for each ``index``:
    the sample's section line, a headline, then the sample article's paragraphs from a rotated start,
    and past their end the same paragraphs again with their sentences reversed (no segment repeats)."""
    paragraphs = [p.strip() for p in SAMPLE.read_text(encoding="utf-8").split("\n\n") if p.strip()][1:]
    out, count, round_ = ["World News", f"Story {index}: military dialogue resumes"], 7, 0
    while count < words:
        start = index % len(paragraphs)
        for paragraph in paragraphs[start:] + paragraphs[:start]:
            sentences = paragraph.replace(". ", ".\n").splitlines()
            if round_ % 2:
                sentences = sentences[::-1]
            kept = []
            for sentence in sentences:
                if count >= words:
                    break
                kept.append(sentence)
                count += len(sentence.split())
            if kept:
                out.append(" ".join(kept))
            if count >= words:
                break
        round_ += 1
    return "\n\n".join(out) + "\n"


def realistic_lengths() -> None:
    from newsl10n.translate import ct2

    def limits(self, longest: int) -> tuple[int, int]:
        n = math.ceil(E2E_LENGTH_RATIO * longest)
        return n, n

    ct2.CT2Translator.length_limits = limits


def child_cold(a: argparse.Namespace) -> dict:
    """The CLI, as a user runs it, in this fresh interpreter."""
    from newsl10n.cli import app

    realistic_lengths()
    command = [
        "translate",
        a.story,
        "--config",
        a.config,
        "--to",
        a.to,
        "--out",
        a.out,
        "--no-tm",
        "--quiet",
        "--force",
    ]
    app(command, standalone_mode=False)
    return {}


def child_warm(a: argparse.Namespace) -> dict:
    """A process that keeps its models: one story path per stdin line, translated from article to
    bundles and answered with its seconds on stdout (the first story loads the models)."""
    from newsl10n.config import load_config
    from newsl10n.executor import LocalExecutor
    from newsl10n.pipeline import run_translate
    from newsl10n.settings import RunSettings
    from newsl10n.terms.files import resolve_glossary
    from newsl10n.translate import make_translator

    realistic_lengths()
    config = load_config(Path(a.config))
    settings = RunSettings.of(config, out=Path(a.out), use_tm=False, glossary=resolve_glossary(config))
    loaded: dict[str, object] = {}

    def keep_loaded(spec):
        """The engine for ``spec``, loaded on its first use and kept for every later story."""
        if repr(spec) not in loaded:
            loaded[repr(spec)] = make_translator(spec)
        return loaded[repr(spec)]

    executor = LocalExecutor(keep_loaded)
    locales = a.to.split(",")
    for line in sys.stdin:
        started = time.perf_counter()
        result = run_translate(settings, [Path(line.strip())], locales, executor=executor)
        assert len(result.bundles) == len(locales), result
        print(json.dumps({"seconds": time.perf_counter() - started}), flush=True)
    return {"models": len(loaded)}


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile, linear between the order statistics (numpy's default)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def run(work: Path, config: Path, runs: int) -> dict:
    """Cold and warm latencies into 1 and 5 locales, interleaved (a cold run, then the same story
    in the warm process), so that the machine's load moves both alike."""
    stories = work / "latency-stories"
    stories.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(runs + 1):
        paths.append(stories / f"story-{index:02d}.txt")
        paths[-1].write_text(make_story(index), encoding="utf-8")
    results = {}
    for to in ("de", ",".join(LOCALES)):
        out = work / "latency-out"
        command = _command("warm", config=config, to=to, out=out)
        warm_process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=child_env(), cwd=work
        )

        warmup_s = _ask(warm_process, paths[-1])  # loads the models; not counted
        cold, warm_s, cold_rss = [], [], []
        for story in paths[:runs]:
            r = run_json_child(_command("cold", config=config, story=story, to=to, out=out), child_env(), work)
            cold.append(r["wall_s"])
            cold_rss.append(r["peak_rss_mb"])
            warm_s.append(_ask(warm_process, story))
        warm_process.stdin.close()
        last = json.loads(warm_process.stdout.read().strip().splitlines()[-1])
        warm_process.wait()
        n = len(to.split(","))
        results[n] = {"cold": cold, "warm": warm_s, "warmup_s": warmup_s, "warm_rss_mb": last["peak_rss_mb"],
                      "cold_rss_mb": max(cold_rss)}  # fmt: skip
        print(
            f"latency into {n}: cold p50 {statistics.median(cold):.1f} s, warm p50 {statistics.median(warm_s):.1f} s",
            flush=True,
        )
    words = [len(p.read_text(encoding="utf-8").split()) for p in paths]
    return {"locales": results, "words": [min(words), max(words)]}


def _ask(process: subprocess.Popen, story: Path) -> float:
    """Seconds the warm process took for ``story``."""
    process.stdin.write(f"{story}\n")
    process.stdin.flush()
    return json.loads(process.stdout.readline())["seconds"]


def _command(mode: str, **options: object) -> list[str]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", mode]
    for key, value in options.items():
        command += [f"--{key}", str(value)]
    return command


def render(latency: dict) -> list[str]:
    if not latency:
        return []
    lo, hi = latency["words"]
    lines = [
        "",
        "## Latency per article",
        "",
        (
            f"Seconds from an {STORY_WORDS}-word story ({lo}-{hi} words, cut at a sentence end; a story of its own for "
            "each cold/warm pair) to its finished bundles, with the settings of the end-to-end runs above (ctranslate2, int8, "
            "beam 4, batch 16, glossaries on, every batch decoded to 1.1x its longest source) and the translation "
            "memory bypassed (`--no-tm`: every segment goes to a model). **Cold**: `newsl10n translate STORY --to ... "
            "--no-tm --force` in a fresh interpreter, the whole command (start-up, imports, model loads, translation, "
            "bundles). **Warm**: one process that keeps its models loaded, as the Dask workers under `--scheduler` or a "
            "long-running service do: `pipeline.run_translate` per story, its engines loaded once during an untimed "
            "first story, the glossary read once. Cold and warm runs alternate on the same stories (cold, then the "
            "same story warm), so the machine's load moves both alike. p95 is interpolated between the order "
            "statistics: with this few runs it sits near the slowest run. The random model writes no glossary term "
            "itself, so every term is "
            "forced: the worst case for enforcement, as in the end-to-end runs."
        ),
        "",
        "| locales | run | runs | p50 s | p95 s | min s | max s |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, r in sorted(latency["locales"].items(), key=lambda kv: int(kv[0])):
        for kind in ("cold", "warm"):
            values = r[kind]
            lines.append(
                f"| {n} | {kind} | {len(values)} | {percentile(values, 0.5):.1f} | {percentile(values, 0.95):.1f} | "
                f"{min(values):.1f} | {max(values):.1f} |"
            )
    lines.append("")
    lines.append(
        "Warm process: the untimed first story (models loading) took "
        + ", ".join(
            f"{r['warmup_s']:.1f} s into {n}" for n, r in sorted(latency["locales"].items(), key=lambda kv: int(kv[0]))
        )
        + "; peak RSS, warm process / largest cold run: "
        + ", ".join(
            f"{r['warm_rss_mb']:.0f} / {r['cold_rss_mb']:.0f} MB into {n}"
            for n, r in sorted(latency["locales"].items(), key=lambda kv: int(kv[0]))
        )
        + "."
    )
    return lines


CHILDREN = {"cold": child_cold, "warm": child_warm}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", choices=sorted(CHILDREN), required=True)
    for name in ("config", "story", "to", "out"):
        parser.add_argument(f"--{name}")
    a = parser.parse_args()
    print_result(CHILDREN[a.child](a))


if __name__ == "__main__":
    main()
