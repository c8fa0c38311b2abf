"""Where the cold 5-locale run of the sample article spends its time (speedups.py).

The child runs ``newsl10n translate`` in-process, as e2e.py does, with timers wrapped around the
engine's and the pipeline's stages. Each stage's time is its own (exclusive): time spent in a
stage called from another one counts once, for the inner stage.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import defaultdict
from pathlib import Path

from benchlib import SAMPLE
from e2e import E2E_LENGTH_RATIO

STAGES = (
    ("start-up: interpreter and imports before the command", "startup"),
    ("config, glossary, article reading, segmentation, term matching, memory", "other"),
    ("model load (CT2Translator.load: first locale, imports ctranslate2)", "load first"),
    ("model load (CT2Translator.load: the other 4 locales)", "load rest"),
    ("tokenization (SentencePiece in and out)", "tokens"),
    ("first decode of a locale's segments (first locale)", "decode first"),
    ("first decode of a locale's segments (the other 4 locales)", "decode rest"),
    ("second decodes: forbidden variants, code-switched terms", "decode again"),
    ("term placement: candidates scored (score_batch) and chosen", "placement"),
    ("QA checks", "qa"),
    ("bundles: pages, XLIFF, review page, manifest, written", "pages"),
)


class Stages:
    """Exclusive time per stage label, with a stack for nested stages. A label may be a function
    of the enclosing stage's label (None at the top)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.stack: list[list] = []  # [label, started, time in children]

    def wrap(self, owner: object, name: str, label) -> None:
        real = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        stages = self
        is_classmethod = isinstance(real, classmethod)
        function = real.__func__ if is_classmethod else real

        def timed(*args, **kwargs):
            parent = stages.stack[-1][0] if stages.stack else None
            stages.stack.append([label(parent) if callable(label) else label, time.perf_counter(), 0.0])
            try:
                return function(*args, **kwargs)
            finally:
                name_, started, inner = stages.stack.pop()
                total = time.perf_counter() - started
                stages.seconds[name_] += total - inner
                if stages.stack:
                    stages.stack[-1][2] += total

        setattr(owner, name, classmethod(timed) if is_classmethod else timed)


def child_coldstart(args: argparse.Namespace) -> dict:
    """The cold run in this process, timed by stage."""
    before = since_process_start()
    entered = time.perf_counter()
    from newsl10n import pipeline
    from newsl10n.bundle import build
    from newsl10n.cli import app
    from newsl10n.translate import ct2

    imported = time.perf_counter()
    stages = Stages()
    count = {"load": 0, "first": 0}

    def nth(kind: str, first: str, rest: str):
        def label(_parent) -> str:
            count[kind] += 1
            return first if count[kind] == 1 else rest

        return label

    def realistic_length(self, longest: int) -> tuple[int, int]:
        n = math.ceil(E2E_LENGTH_RATIO * longest)
        return n, n

    ct2.CT2Translator.length_limits = realistic_length
    stages.wrap(ct2.CT2Translator, "load", nth("load", "load first", "load rest"))
    for name in ("encode", "decode_pieces", "target_pieces"):
        stages.wrap(ct2.CT2Translator, name, "tokens")
    stages.wrap(ct2.CT2Translator, "_first_pass", nth("first", "decode first", "decode rest"))
    # The first pass's own decodes count as the first pass; the others are second decodes.
    def inherit(parent) -> str:
        return parent if str(parent).startswith("decode") else "decode again"

    stages.wrap(ct2.CT2Translator, "_decode_rows", inherit)
    stages.wrap(ct2.CT2Translator, "_enforce", "placement")
    stages.wrap(ct2.CT2Translator, "_score", "placement")
    stages.wrap(build, "check_segment", "qa")
    stages.wrap(pipeline, "bundle_files", "pages")
    stages.wrap(pipeline, "write_bundle", "pages")
    started = time.perf_counter()
    app(["translate", str(SAMPLE), "--config", args.config, "--quiet", "--force"], standalone_mode=False)
    seconds = dict(stages.seconds)
    seconds["startup"] = before + (imported - entered)
    seconds["other"] = time.perf_counter() - started - sum(v for k, v in stages.seconds.items())
    return {"stages": seconds, "loads": count["load"], "total_s": before + time.perf_counter() - entered}


def since_process_start() -> float:
    """Seconds since this process started (Linux: /proc/self/stat's start time)."""
    import os

    ticks = os.sysconf("SC_CLK_TCK")
    start = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19]) / ticks
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    return uptime - start
