"""End to end: ``newsl10n translate`` of the sample article into five locales (bench_engines.py).

A random model never emits EOS, so each batch is decoded to ``E2E_LENGTH_RATIO`` times its
longest source (a realistic en->de length) instead of the engine's safety limit.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

from benchlib import ROOT, SAMPLE, child_env

LOCALES = {"de": None, "fr": None, "es": None, "ru": None, "ar": ">>ara<<"}
# German runs about 10% longer than English in opus-mt's pieces.
E2E_LENGTH_RATIO = 1.1


def child_e2e(args: argparse.Namespace) -> dict:
    """``newsl10n translate`` in this process, counting model loads, engine calls and the time
    inside the engine; the glossary terms come from the bundles' manifests."""
    from newsl10n import pipeline
    from newsl10n.cli import app
    from newsl10n.config import load_config
    from newsl10n.translate import ct2

    counts = {"loads": 0, "engine_calls": 0, "segments": 0, "engine_s": 0.0}
    real_make = pipeline.make_translator
    real_translate = ct2.CT2Translator.translate

    def counting_make(spec):
        counts["loads"] += 1
        return real_make(spec)

    def counting_translate(self, sources, progress=None, constraints=None):
        counts["engine_calls"] += 1
        counts["segments"] += len(sources)
        started = time.perf_counter()
        try:
            return real_translate(self, sources, progress, constraints)
        finally:
            counts["engine_s"] += time.perf_counter() - started

    def realistic_length(self, longest: int) -> tuple[int, int]:
        n = math.ceil(E2E_LENGTH_RATIO * longest)
        return n, n

    pipeline.make_translator = counting_make
    ct2.CT2Translator.translate = counting_translate
    ct2.CT2Translator.length_limits = realistic_length
    # --force: every bundle is written again, so a warm run takes each segment from the memory.
    app(
        ["translate", str(SAMPLE), "--config", args.config, "--quiet", "--force"],
        standalone_mode=False,
    )
    config = load_config(Path(args.config))
    terms = {"total": 0, "enforced": 0, "present": 0, "violated": 0}
    for manifest in config.out.glob("*/*/manifest.json"):
        for key, value in (json.loads(manifest.read_text(encoding="utf-8")).get("terms") or {}).items():
            terms[key] += value
    counts["terms"] = terms
    return counts


def warm_cli(args: argparse.Namespace, config: Path) -> dict:
    """The warm re-run exactly as a user types it (``newsl10n translate ... --force``), with no
    instrumentation in the process: the bundles' manifests say how many segments came from the
    memory, and the engine is loaded only on a miss, so no miss means no load and no model call."""
    env = child_env()
    command = [
        sys.executable,
        "-m",
        "newsl10n",
        "translate",
        str(SAMPLE),
        "--config",
        str(config),
        "--quiet",
        "--force",
    ]
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=args.work, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"warm run failed:\n{proc.stderr[-3000:]}")
    hits = misses = 0
    terms = {"total": 0, "enforced": 0, "present": 0, "violated": 0}
    for path in (args.work / f"{config.stem}-out").glob("*/*/manifest.json"):
        manifest = json.loads(path.read_text(encoding="utf-8"))
        hits, misses = hits + manifest["tm"]["hits"], misses + manifest["tm"]["misses"]
        for key, value in (manifest.get("terms") or {}).items():
            terms[key] += value
    return {
        "wall_s": wall, "engine_s": 0.0, "segments": misses, "terms": terms, "memory_hits": hits,
        "loads": 0 if misses == 0 else "1+", "engine_calls": 0 if misses == 0 else "1+", "peak_rss_mb": float("nan"),
    }  # fmt: skip


def write_e2e_config(work: Path, model: Path, *, glossary: bool = True, name: str = "", decoding: str = "",
                     ct2: str = "") -> Path:
    """The repository's pipeline.yaml settings (engine, decoding, glossaries, UI catalogs), with
    every locale on the random model and outputs, memory and models cache under ``work``;
    ``decoding`` and ``ct2``: more settings of those sections (``key: value, ...``)."""
    name = name or ("e2e" if glossary else "e2e-no-glossary")
    glossaries = f"['{ROOT / 'glossaries'}']" if glossary else "[]"
    lines = [
        "source_lang: en",
        f"out: '{work / name}-out'",
        f"catalogs: '{ROOT / 'locales'}'",
        f"glossaries: {glossaries}",
        "engine: ctranslate2",
        f"decoding: {{beam_size: 4, batch_size: 16, max_length: 512, threads: 0{', ' + decoding if decoding else ''}}}",
        f"ctranslate2: {{quantization: int8, models_cache: '{work / 'ct2-cache'}'{', ' + ct2 if ct2 else ''}}}",
        f"tm: {{path: '{work / name}-tm.sqlite'}}",
        "locales:",
    ]
    for locale, token in LOCALES.items():
        extra = f", target_token: '{token}'" if token else ""
        lines.append(f"  {locale}: {{model: '{model}'{extra}}}")
    path = work / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
