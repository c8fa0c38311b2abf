"""A second writer in its own process, for the concurrency suite (concurrency_harness.py).

Reads one JSON command a line on stdin and answers one JSON line on stdout:

- ``{"cli": [ARGS]}``: runs ``newsl10n ARGS`` (through Typer's CliRunner, so the process and
  its imports stay warm between rounds) and answers ``{"exit": CODE, "output": TEXT}``;
- ``{"saves": {"out": OUT, "bundle": ID, "seed": N, "tag": TEXT}}``: saves one segment after
  the other through the review editor's workspace, forever, printing ``{"start": [SEGMENT,
  TEXT]}`` before each save and ``{"done": [SEGMENT, TEXT]}`` once it returned, until killed.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path


def run_cli(args: list[str]) -> dict[str, object]:
    from typer.testing import CliRunner

    from newsl10n.cli import app

    result = CliRunner().invoke(app, args)
    return {"exit": result.exit_code, "output": result.output}


def save_forever(out: str, bundle: str, seed: int, tag: str) -> None:
    from newsl10n.server.workspace import Workspace

    workspace = Workspace(Path(out), memory=Path(out) / ".newsl10n-tm.sqlite")
    rng = random.Random(seed)
    for n in range(10**9):
        entries = workspace.load(bundle).segments
        entry = rng.choice(entries)
        text = f"{tag} save {n}."
        print(json.dumps({"start": [entry.id, text]}), flush=True)
        workspace.save(bundle, entry.id, text, entry.version, origin=tag)
        print(json.dumps({"done": [entry.id, text]}), flush=True)


def main() -> None:
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if "cli" in command:
            print(json.dumps(run_cli(command["cli"])), flush=True)
        elif "saves" in command:
            save_forever(**command["saves"])


if __name__ == "__main__":
    main()
