"""Several writers on one bundle at once (issue 27 item 5), for tests/test_concurrency.py (a few
rounds) and bench/bench_concurrency.py (the counts the issue asks for).

Each pair of writers runs in rounds with a seeded random choice of segments and timing; after
every round the bundle and the memory are read back: every acknowledged edit (answered 200, or
exit 0) must be in both, and of two conflicting edits (the same segment, from the same version)
at most one may be acknowledged. The writers are real: ``newsl10n review`` servers answering
HTTP, and ``import-xliff`` / ``translate`` run as the CLI in a second process. A kill -9 round
stops a process that saves one segment after another, at a random moment, then opens the
output folder as the server does (completing a save cut short) and checks bundle and memory.
"""

from __future__ import annotations

import json
import os
import random
import re
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
BUNDLE = "new-start-dialogue/de"


@dataclass
class Report:
    """What one pair of writers did and what was checked."""

    name: str
    rounds: int = 0
    acknowledged: int = 0
    refused: int = 0
    """Edits refused as conflicts (409, or exit 2 with one line): nothing saved, as they say."""
    lost: list[str] = field(default_factory=list)
    """Acknowledged edits missing from the bundle or the memory."""
    both_acknowledged: int = 0
    """Rounds where two conflicting edits were both acknowledged."""
    disagreements: list[str] = field(default_factory=list)
    """Reviewed segments whose bundle text and memory text differ."""
    in_flight: int = 0
    """kill -9 rounds that landed while a save was running; saves made while translate ran."""
    completed: int = 0
    """Saves cut short that the next writer completed from their journal."""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.lost and not self.both_acknowledged and not self.disagreements

    def line(self) -> str:
        extra = ""
        if self.name.startswith("kill"):
            extra = f", {self.in_flight} killed mid-save, {self.completed} completed from the journal"
        elif self.in_flight:
            extra = f", {self.in_flight} saved while the other ran"
        return (
            f"{self.name}: {self.rounds} rounds, {self.acknowledged} acknowledged, {self.refused} refused as conflicts, "
            f"{len(self.lost)} lost, {self.both_acknowledged} double-acknowledged, {len(self.disagreements)} "
            f"bundle/memory disagreements{extra}, {self.seconds:.0f} s"
        )


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(HERE)]), "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1"}  # fmt: skip


class Server:
    """``newsl10n review OUT`` in its own process, and an HTTP client with its CSRF cookie."""

    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "newsl10n", "review", "out", "--port", "0", "--config", "pipeline.yaml"],
            cwd=root, env=environment(), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        url = None
        for line in self.process.stderr:  # type: ignore[union-attr]
            found = re.search(r"at (http://\S+/)", line)
            if found:
                url = found.group(1)
                break
        if url is None:
            raise RuntimeError(f"the review server did not start (exit {self.process.wait()})")
        threading.Thread(target=self.process.stderr.read, daemon=True).start()  # type: ignore[union-attr]
        self.url = url.rstrip("/")
        self.client = httpx.Client(base_url=self.url, timeout=120)
        deadline = time.monotonic() + 30
        while True:
            try:
                self.client.get("/")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def versions(self) -> dict[str, str]:
        """Each segment's version, as the editor's page gives it to the person editing."""
        page = self.client.get(f"/edit/{BUNDLE}").text
        return dict(re.findall(r'name="segment" value="([\w.:-]+)">\n<input type="hidden" name="version" value="(\w+)"', page))

    def save(self, segment: str, text: str, version: str) -> int:
        data = {"csrf": self.client.cookies["newsl10n_csrf"], "segment": segment, "target": text, "version": version}
        headers = {"Origin": self.url, "Accept": "application/json"}
        return self.client.post(f"/save/{BUNDLE}", data=data, headers=headers).status_code

    def close(self) -> None:
        self.client.close()
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Worker:
    """concurrency_worker.py in its own process: the CLI, warm, one command at a time."""

    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "concurrency_worker.py")], cwd=root, env=environment(),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        assert json.loads(self.process.stdout.readline()) == {"ready": True}  # type: ignore[union-attr]

    def send(self, command: dict[str, object]) -> None:
        self.process.stdin.write(json.dumps(command) + "\n")  # type: ignore[union-attr]
        self.process.stdin.flush()  # type: ignore[union-attr]

    def answer(self) -> dict[str, object]:
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise RuntimeError(f"the worker died (exit {self.process.wait()})")
        return json.loads(line)

    def cli(self, *args: str) -> dict[str, object]:
        self.send({"cli": list(args)})
        return self.answer()

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


def entries(root: Path) -> dict[str, dict]:
    data = json.loads((root / "out" / BUNDLE / "segments.json").read_text(encoding="utf-8"))
    return {e["id"]: e for e in data["segments"]}


def memory(root: Path) -> dict[str, str]:
    """The memory's reviewed texts, by source (one engine, glossary and locale here)."""
    from newsl10n.tm.store import TranslationMemory

    with TranslationMemory(root / "out" / ".newsl10n-tm.sqlite") as store:
        return {e.source: e.target for e in store.entries("de", reviewed_only=True)}


def check(root: Path, report: Report, expected: dict[str, str]) -> None:
    """Every acknowledged edit (``expected``: segment -> its latest acknowledged text) is in the
    bundle, reviewed, and in the memory; every reviewed segment's text is the memory's."""
    now, remembered = entries(root), memory(root)
    for segment, text in list(expected.items()):
        entry = now[segment]
        if entry["target"] != text or not entry.get("reviewed"):
            report.lost.append(f"round {report.rounds}: {segment} {text!r} not in the bundle ({entry['target']!r})")
            del expected[segment]  # counted once
        elif remembered.get(entry["source"]) != text:
            report.lost.append(f"round {report.rounds}: {segment} {text!r} not in the memory")
            del expected[segment]
    for entry in now.values():
        if entry.get("reviewed") and remembered.get(entry["source"]) != entry["target"]:
            report.disagreements.append(f"round {report.rounds}: {entry['id']}: bundle {entry['target']!r}, memory {remembered.get(entry['source'])!r}")


def together(*calls: Callable[[], object]) -> list[object]:
    """Run ``calls`` at the same moment, each in its own thread; their results in order."""
    results: list[object] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(n: int, call: Callable[[], object]) -> None:
        start.wait()
        results[n] = call()

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _settle(report: Report, outcomes: list[tuple[bool, str, str]], same: bool, expected: dict[str, str]) -> None:
    """Count a round's outcomes (acknowledged?, segment, text) into ``report`` and ``expected``."""
    acked = [(segment, text) for ok, segment, text in outcomes if ok]
    report.acknowledged += len(acked)
    report.refused += len(outcomes) - len(acked)
    if same and len(acked) > 1:
        report.both_acknowledged += 1
    if not same and len(acked) < len(outcomes):
        report.lost.append(f"round {report.rounds}: an edit of another segment was refused: {outcomes}")
    for segment, text in acked:
        expected[segment] = text


def two_servers(root: Path, rounds: int, rng: random.Random) -> Report:
    """Two review servers on one output folder: different segments merge, the same segment from
    the same version is saved once."""
    report, expected = Report("two servers"), {}
    servers = [Server(root), Server(root)]
    started = time.monotonic()
    try:
        for r in range(rounds):
            report.rounds += 1
            seen, same = [server.versions() for server in servers], rng.random() < 0.5
            a, b = rng.sample(sorted(seen[0]), 2)
            b = a if same else b
            texts = (f"Server A, round {r}.", f"Server B, round {r}.")
            codes = together(
                lambda: servers[0].save(a, texts[0], seen[0][a]),
                lambda: servers[1].save(b, texts[1], seen[1][b]),
            )
            _settle(report, [(codes[0] == 200, a, texts[0]), (codes[1] == 200, b, texts[1])], same, expected)
            check(root, report, expected)
    finally:
        for server in servers:
            server.close()
    report.seconds = time.monotonic() - started
    return report


def server_and_xliff(root: Path, rounds: int, rng: random.Random) -> Report:
    """The editor saves one segment while ``import-xliff`` brings back a file edited elsewhere."""
    from test_xliff import edit_like_a_translator

    report, expected = Report("server + import-xliff"), {}
    server, worker = Server(root), Worker(root)
    started = time.monotonic()
    try:
        for r in range(rounds):
            report.rounds += 1
            seen, same = server.versions(), rng.random() < 0.5
            a, b = rng.sample(sorted(seen), 2)
            b = a if same else b
            xlf = root / f"returned-{r}.xlf"
            xlf.write_bytes((root / "out" / BUNDLE / "article.xlf").read_bytes())
            texts = (f"Editor, round {r}.", f"CAT tool, round {r}.")
            edit_like_a_translator(xlf, {b: texts[1]})
            code, imported = together(
                lambda: server.save(a, texts[0], seen[a]),
                lambda: worker.cli("import-xliff", str(xlf), "-b", str(root / "out" / BUNDLE), "-c", "pipeline.yaml"),
            )
            ok = imported["exit"] == 0  # type: ignore[index]
            if not ok and "changed by someone else" not in str(imported["output"]):  # type: ignore[index]
                report.lost.append(f"round {r}: import-xliff failed: {imported['output']}")  # type: ignore[index]
            _settle(report, [(code == 200, a, texts[0]), (ok, b, texts[1])], same, expected)
            check(root, report, expected)
            xlf.unlink()
    finally:
        server.close()
        worker.close()
    report.seconds = time.monotonic() - started
    return report


def server_and_translate(root: Path, rounds: int, rng: random.Random, article: Path) -> Report:
    """The editor saves one segment at a random moment of a ``translate --force --no-tm`` run
    (which reads the bundle's reviewed segments before translating and writes after)."""
    report, expected = Report("server + translate --force"), {}
    server, worker = Server(root), Worker(root)
    args = ["translate", str(article), "--to", "de", "--force", "--no-tm", "-c", "pipeline.yaml", "-q"]
    started = time.monotonic()
    try:
        worker.cli(*args)  # warm: the first run converts the model
        began = time.monotonic()
        worker.cli(*args)
        took = time.monotonic() - began
        for r in range(rounds):
            report.rounds += 1
            seen = server.versions()
            a = rng.choice(sorted(seen))
            text, pause = f"Editor during translate, round {r}.", rng.uniform(0, took * 1.2)
            worker.send({"cli": args})
            time.sleep(pause)
            code = server.save(a, text, seen[a])
            report.in_flight += not select.select([worker.process.stdout], [], [], 0)[0]  # translate still running
            translated = worker.answer()
            if translated["exit"] != 0:
                report.lost.append(f"round {r}: translate failed: {translated['output']}")
            _settle(report, [(code == 200, a, text)], False, expected)
            check(root, report, expected)
    finally:
        server.close()
        worker.close()
    report.seconds = time.monotonic() - started
    return report


def kills(root: Path, count: int, rng: random.Random) -> Report:
    """kill -9 of a process saving one segment after another, at a random moment; then the
    output folder opened as the review server opens it, and bundle and memory compared."""
    from newsl10n.cli.review import open_workspace
    from newsl10n.edits import JOURNAL_SUFFIX

    report, expected = Report("kill -9 during saves"), {}
    started = time.monotonic()
    for k in range(count):
        report.rounds += 1
        events = _saves_until_killed(root, k, rng)
        for event in events:
            if "done" in event:
                segment, text = event["done"]
                expected[segment] = text
                report.acknowledged += 1
        report.completed += len(list((root / "out").glob(f"*/.*{JOURNAL_SUFFIX}")))
        open_workspace(root / "out", root / "pipeline.yaml", [], False)  # completes a save cut short
        if events and "start" in events[-1]:  # killed mid-save: its text or the one before, whole
            report.in_flight += 1
            segment, text = events[-1]["start"]
            entry = entries(root)[segment]
            if entry["target"] == text:
                expected[segment] = text
            elif entry["target"] != expected.get(segment, entry["target"]) or (segment not in expected and entry.get("reviewed")):
                report.lost.append(f"kill {k}: {segment} holds {entry['target']!r}, neither the save cut short nor the one before")
        check(root, report, expected)
    report.seconds = time.monotonic() - started
    return report


def _saves_until_killed(root: Path, k: int, rng: random.Random) -> list[dict[str, list[str]]]:
    """The events of a process saving until killed -9 after a random time."""
    worker = Worker(root)
    events: list[dict[str, list[str]]] = []

    def read() -> None:
        for line in worker.process.stdout:  # type: ignore[union-attr]
            try:
                events.append(json.loads(line))
            except ValueError:
                pass  # a line cut by the kill

    reader = threading.Thread(target=read)
    reader.start()
    worker.send({"saves": {"out": str(root / "out"), "bundle": BUNDLE, "seed": rng.randrange(10**6), "tag": f"kill {k}"}})
    deadline = time.monotonic() + 120
    while not events and time.monotonic() < deadline:  # the first save has begun: imports are done
        time.sleep(0.01)
    time.sleep(rng.uniform(0.05, 1.5))
    worker.process.kill()
    worker.process.wait()
    reader.join()
    return events
