"""What the benchmark scripts share: paths, the inputs, peak memory, child processes, RESULTS.md.

Standard library only at import: ``peers.py`` runs it under the bench-only Argos environment too.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "new-start-dialogue.txt"


def peak_rss_mb() -> float:
    """This process's peak resident set. On Linux, VmHWM: ru_maxrss also counts what the parent
    held when it forked this child (the parent that just built the model holds about 900 MB)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_sources(model: Path, count: int, src_tokens: int) -> list[str]:
    """``count`` sentences from the sample article, each about ``src_tokens`` source tokens."""
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(model / "source.spm"))
    words = SAMPLE.read_text(encoding="utf-8").split()
    sentences, current, start = [], [], 0
    while len(sentences) < count:
        current.append(words[start % len(words)])
        start += 1
        if len(sp.encode(" ".join(current))) >= src_tokens - 1:  # + EOS
            sentences.append(" ".join(current))
            current = []
    return sentences


def run_json_child(command: list[str], env: dict[str, str], cwd: Path, timeout: float | None = None) -> dict:
    """Run one measurement in a fresh interpreter; its last stdout line is a JSON result, to
    which the child's whole wall time (``wall_s``) is added."""
    started = time.perf_counter()
    proc = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"child {' '.join(command[1:4])} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_s"] = wall
    return result


def child_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        **extra,
    }


def print_result(result: dict) -> None:
    """A child's last stdout line: its result, with its peak RSS."""
    result["peak_rss_mb"] = peak_rss_mb()
    sys.stdout.write(json.dumps(result) + "\n")


def write_section(results: Path, text: str, start: str, end: str) -> None:
    """Replace one benchmark's section of ``results`` (between the ``start`` and ``end``
    markers), keeping the other benchmarks' sections."""
    section = f"{start}\n{text.rstrip()}\n{end}\n"
    old = results.read_text(encoding="utf-8") if results.is_file() else "# Benchmark results\n\n"
    if start in old and end in old:
        head, rest = old.split(start, 1)
        new = head + section + rest.split(end, 1)[1].removeprefix("\n")
    else:
        new = old.rstrip("\n") + "\n\n" + section
    results.write_text(new, encoding="utf-8")
