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

Every run gets a story of its own (the sample article's paragraphs, rotated and varied).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

from benchlib import SAMPLE, child_env, print_result, run_json_child
from e2e import E2E_LENGTH_RATIO, LOCALES

STORY_WORDS = 800


def make_story(index: int, words: int = STORY_WORDS) -> str:
    """An English story of ``words`` words (cut at a sentence end), its own for each ``index``:
    a headline, then the sample article's paragraphs from a rotated start, and past the end of
    them the same paragraphs again with their sentences reversed (so no segment repeats)."""
    paragraphs = [p.strip() for p in SAMPLE.read_text(encoding="utf-8").split("\n\n") if p.strip()][1:]
    out, count, round_ = [f"Story {index}: military dialogue resumes"], 5, 0
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
    """Models loaded once (untimed warm-up story), then each story timed from article to bundles."""
    from newsl10n.config import load_config
    from newsl10n.executor import LocalExecutor
    from newsl10n.pipeline import resolve_glossary, run_translate
    from newsl10n.translate import make_translator

    realistic_lengths()
    config, base = load_config(Path(a.config))
    glossary = resolve_glossary(config, base)
    loaded: dict[str, object] = {}

    def keep_loaded(spec):
        """The engine for ``spec``, loaded on its first use and kept for every later story."""
        if repr(spec) not in loaded:
            loaded[repr(spec)] = make_translator(spec)
        return loaded[repr(spec)]

    executor = LocalExecutor(keep_loaded)
    locales = a.to.split(",")
    seconds = []
    for story in a.stories.split(","):
        started = time.perf_counter()
        result = run_translate(
            config, base, [Path(story)], locales, out=Path(a.out), executor=executor, use_tm=False, glossary=glossary
        )
        seconds.append(time.perf_counter() - started)
        assert len(result.bundles) == len(locales), result
    return {"warmup_s": seconds[0], "seconds": seconds[1:], "models": len(loaded)}


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile, linear between the order statistics (numpy's default)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def run(work: Path, config: Path, cold_runs: int, warm_runs: int) -> dict:
    """Cold and warm latencies into 1 and 5 locales; stories written under ``work``."""
    stories = work / "latency-stories"
    stories.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []

    def story() -> Path:
        path = stories / f"story-{len(made):02d}.txt"
        path.write_text(make_story(len(made)), encoding="utf-8")
        made.append(path)
        return path

    results = {}
    for to in ("de", ",".join(LOCALES)):
        out = work / "latency-out"
        cold = []
        for _ in range(cold_runs):
            r = run_json_child(_command("cold", config=config, story=story(), to=to, out=out), child_env(), work)
            cold.append(r["wall_s"])
        paths = [story() for _ in range(warm_runs + 1)]
        warm = run_json_child(
            _command("warm", config=config, stories=",".join(map(str, paths)), to=to, out=out), child_env(), work
        )
        n = len(to.split(","))
        results[n] = {
            "cold": cold,
            "warm": warm["seconds"],
            "warmup_s": warm["warmup_s"],
            "warm_rss_mb": warm["peak_rss_mb"],
        }
        print(
            f"latency into {n}: cold p50 {statistics.median(cold):.1f} s, "
            f"warm p50 {statistics.median(warm['seconds']):.1f} s",
            flush=True,
        )
    words = [len(p.read_text(encoding="utf-8").split()) for p in made]
    return {"locales": results, "words": [min(words), max(words)]}


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
            "every run) to its finished bundles, with the settings of the end-to-end runs above (ctranslate2, int8, "
            "beam 4, batch 16, glossaries on, every batch decoded to 1.1x its longest source) and the translation "
            "memory bypassed (`--no-tm`: every segment goes to a model). **Cold**: `newsl10n translate STORY --to ... "
            "--no-tm --force` in a fresh interpreter, the whole command (start-up, imports, model loads, translation, "
            "bundles). **Warm**: one process that keeps its models loaded, as the Dask workers under `--scheduler` or a "
            "long-running service do: `pipeline.run_translate` per story, its engines loaded once during an untimed "
            "first story, the glossary read once. p95 is interpolated between the order statistics: with this few "
            "runs it sits near the slowest run. The random model writes no glossary term itself, so every term is "
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
        + "; peak RSS "
        + ", ".join(
            f"{r['warm_rss_mb']:.0f} MB into {n}"
            for n, r in sorted(latency["locales"].items(), key=lambda kv: int(kv[0]))
        )
        + "."
    )
    return lines


CHILDREN = {"cold": child_cold, "warm": child_warm}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", choices=sorted(CHILDREN), required=True)
    for name in ("config", "story", "stories", "to", "out"):
        parser.add_argument(f"--{name}")
    a = parser.parse_args()
    print_result(CHILDREN[a.child](a))


if __name__ == "__main__":
    main()
