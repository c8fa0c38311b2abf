"""Load on ``newsl10n serve`` (issue 28): 1, 4 and 16 concurrent clients sending one news sentence
per request to /v2/translate, against ``newsl10n translate`` on the same sentences in one batch.

    PYTHONPATH=src HF_HUB_OFFLINE=1 python bench/bench_serve.py [--size opus-mt|copy|tiny] [--sentences 48]

The bench model and settings are the end-to-end runs' (``e2e.write_e2e_config``: random weights
of the opus-mt-en-de architecture, ctranslate2 int8, beam 4, batch 16, the glossaries on, every
batch decoded to 1.1x its longest source; ``--size copy``: the trained en->en copy model of
``newsl10n.testsupport.copymodel`` instead, which ends its sentences itself), the memory off on both sides (``--no-tm``: every
sentence reaches the model). The CLI runs in a process of its own that stays (an untimed first
run loads the model and warms every cache; the server gets an untimed phase for the same), and
its timed runs alternate with the server's phases, so the load other processes put on the
machine moves both alike; sentences per CPU second (each process's own) do not move with it.
Loopback only; every process is stopped at the end.
Then the server translates one sentence into each of the five locales (every locale on the same
random model, so five copies of it are loaded) and its resident memory is read from /proc.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import queue
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench_engines import build_model, convert_model
from benchlib import ROOT, SAMPLE, child_env
from e2e import E2E_LENGTH_RATIO, LOCALES, write_e2e_config

MODELS = {
    "opus-mt": "the bench model: random weights of the opus-mt-en-de architecture (74M parameters); a random model"
    " never ends a sentence, so every batch is decoded to 1.1x its longest source, and writes no glossary term"
    " itself, so every term is forced",
    "copy": "the trained en->en copy model (`newsl10n.testsupport.copymodel`, d_model 128, 2+2 layers), mapped to every locale:"
    " it ends each sentence itself, as a real model does, and writes the terms that are the same in English",
    "tiny": "random weights, d_model 32 (a smoke run), every batch decoded to 1.1x its longest source",
}


def markers(size: str) -> tuple[str, str]:
    return f"<!-- bench_serve.py --size {size}: start -->", f"<!-- bench_serve.py --size {size}: end -->"
CLIENTS = (1, 4, 16)
ENGINE_CALLS = (16, 8, 1)
"""Call sizes of ``--engine-calls``: the engine's CPU per sentence when it gets the sentences that
many at a time (a server's calls hold the requests in flight; ``translate`` gives all at once)."""


def news_sentences(count: int, *, terms: bool | None = None) -> list[str]:
    """``count`` sentences of the sample article's body that end like a sentence, in order, again
    from the start when they run out (each stays one segment: no sentence is split further);
    ``terms`` False: only those without a glossary term (nothing to enforce)."""
    sys.path.insert(0, str(ROOT / "src"))
    from newsl10n.config import PipelineConfig
    from newsl10n.source import read_article
    from newsl10n.terms.files import require_valid
    from newsl10n.terms.source import SourceTerms

    source = read_article(SAMPLE, PipelineConfig(), SourceTerms(require_valid([ROOT / "glossaries"])))
    found = [
        s.text for s in source.article.segments
        if s.kind == "paragraph" and s.text.rstrip()[-1:] in ".!?\"”" and (terms is not False or not source.terms[s.id])
    ]  # fmt: skip
    return [found[i % len(found)] for i in range(count)]


def realistic_lengths() -> None:
    """A random model never writes EOS: each batch is decoded to 1.1x its longest source, as in
    the end-to-end runs."""
    from newsl10n.translate import ct2

    ct2.CT2Translator.length_limits = lambda self, longest: (math.ceil(E2E_LENGTH_RATIO * longest),) * 2


def child_cli(args: argparse.Namespace) -> None:
    """``newsl10n translate`` of the sentences (one paragraph each) into de in one process that
    stays: an untimed first run loads the model (then "READY"), and each line on stdin asks for
    one timed run, answered with one JSON line."""
    from newsl10n.config import load_config
    from newsl10n.pipeline import run_translate
    from newsl10n.settings import RunSettings
    from newsl10n.terms.files import resolve_glossary

    if args.size != "copy":
        realistic_lengths()
    sentences = json.loads(Path(args.sentences_file).read_text(encoding="utf-8"))
    article = Path(args.work) / "serve-article.txt"
    article.write_text("\n\n".join(sentences) + "\n", encoding="utf-8")
    config = load_config(Path(args.config))
    out = Path(args.work) / "serve-cli-out"
    settings = RunSettings.of(config, out=out, use_tm=False, glossary=resolve_glossary(config))
    run_translate(settings, [article], ["de"])
    print("READY", flush=True)
    for _ in sys.stdin:
        started, cpu = time.perf_counter(), time.process_time()
        result = run_translate(settings, [article], ["de"])
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        [bundle] = result.bundles
        print(json.dumps({"segments": bundle.segments, "run_s": wall, "engine_s": bundle.seconds, "cpu_s": cpu}), flush=True)


class CliRuns:
    """The persistent CLI child: ``run()`` times one more run."""

    def __init__(self, command: list[str]):
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        env=child_env(), cwd=ROOT)  # fmt: skip
        if self.process.stdout.readline().strip() != "READY":
            self.process.kill()
            raise SystemExit("the CLI child did not start")

    def run(self) -> dict:
        self.process.stdin.write("run\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit("the CLI child died")
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(60)


def child_engine(args: argparse.Namespace) -> None:
    """The engine alone (de, with the glossary's constraints) on the sentences, in calls of
    every size of ``ENGINE_CALLS``: CPU seconds of this process per call size, best of 2."""
    from newsl10n.config import load_config
    from newsl10n.terms.files import resolve_glossary
    from newsl10n.terms.source import SourceTerms, text_constraints
    from newsl10n.translate.base import make_translator
    from newsl10n.translate.spec import engine_specs

    if args.size != "copy":
        realistic_lengths()
    sentences = json.loads(Path(args.sentences_file).read_text(encoding="utf-8"))
    config = load_config(Path(args.config))
    terms = SourceTerms(resolve_glossary(config))
    constraints = [tuple(text_constraints(terms, s, "de")) for s in sentences]
    engine = make_translator(engine_specs(config, ["de"], {})["de"])
    engine.translate(sentences, constraints=constraints)
    cpu: dict[str, float] = {}
    for size in [len(sentences), *ENGINE_CALLS]:
        runs = []
        for _ in range(2):
            started = time.process_time()
            for i in range(0, len(sentences), size):
                engine.translate(sentences[i : i + size], constraints=constraints[i : i + size])
            runs.append(time.process_time() - started)
        cpu[str(size)] = min(runs)
    print(json.dumps(cpu))


def child_server(args: argparse.Namespace) -> None:
    """The server on a free loopback port (printed), until SIGTERM."""
    from newsl10n.api.batching import DEFAULT_WINDOW_S
    from newsl10n.cli.review import listen
    from newsl10n.cli.serve import build_app, run

    if args.size != "copy":
        realistic_lengths()
    window = DEFAULT_WINDOW_S if args.window_ms is None else args.window_ms / 1000
    app, summary = build_app(Path(args.config), "127.0.0.1", None, [], None, 5, 0, 0, None, window, True, [], False)
    sock = listen("127.0.0.1", 0)
    sock.listen(2048)
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    run(app, sock, summary)


def start_server(args: argparse.Namespace, config: Path) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, __file__, "--child", "server", "--config", str(config), "--work", str(args.work),
               "--size", args.size] + (["--window-ms", str(args.window_ms)] if args.window_ms is not None else [])  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=child_env(), cwd=ROOT)
    line = server.stdout.readline()
    if not line.startswith("PORT "):
        server.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return server, f"http://127.0.0.1:{line.split()[1]}"


def post(client, url: str, text: str, locale: str = "DE") -> float:
    started = time.perf_counter()
    response = client.post(f"{url}/v2/translate", json={"text": [text], "target_lang": locale}, timeout=300)
    if response.status_code != 200:
        raise SystemExit(f"server answered {response.status_code}: {response.text[:300]}")
    return time.perf_counter() - started


def phase(url: str, sentences: list[str], clients: int, pid: int) -> dict[str, float]:
    """Every sentence once, as one-sentence requests from ``clients`` threads taking the next
    sentence as they finish the last: latency per request, sentences/s over the phase, the
    server's CPU seconds and its engine calls (their mean size) meanwhile."""
    import httpx

    before = (cpu_seconds(pid), httpx.get(f"{url}/health").json())
    work: queue.Queue[str] = queue.Queue()
    for sentence in sentences:
        work.put(sentence)
    latencies: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client() as http:
            while True:
                try:
                    text = work.get_nowait()
                except queue.Empty:
                    return
                seconds = post(http, url, text)
                with lock:
                    latencies.append(seconds)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    after = (cpu_seconds(pid), httpx.get(f"{url}/health").json())
    calls = after[1]["engine_calls"] - before[1]["engine_calls"]
    return {"clients": clients, "requests": len(latencies), "wall_s": wall, "sentences_s": len(sentences) / wall,
            "p50_ms": 1000 * statistics.median(latencies), "p95_ms": 1000 * percentile(latencies, 95),
            "cpu_s": after[0] - before[0], "calls": calls,
            "per_call": (after[1]["engine_segments"] - before[1]["engine_segments"]) / max(1, calls)}  # fmt: skip


def engine_calls(args: argparse.Namespace, config: Path, sentences_file: Path) -> None:
    """The engine's CPU per sentence by call size, in a child process; its own RESULTS section."""
    command = [sys.executable, __file__, "--child", "engine", "--config", str(config), "--work", str(args.work),
               "--sentences-file", str(sentences_file), "--size", args.size]  # fmt: skip
    cpu = json.loads(subprocess.run(command, capture_output=True, text=True, env=child_env(), cwd=ROOT,
                                    check=True).stdout.strip().splitlines()[-1])  # fmt: skip
    start, end = markers(f"{args.size} --engine-calls")
    everything = cpu[str(args.sentences)]
    lines = [
        start,
        f"`PYTHONPATH=src HF_HUB_OFFLINE=1 python bench/bench_serve.py --size {args.size} --sentences {args.sentences}"
        f" --engine-calls`: the engine alone (no server, no HTTP) on the same {args.sentences} sentences with their"
        f" glossary constraints, given all at once or in calls of N; {MODELS[args.size]}; CPU seconds of the"
        " process, best of 2.",
        "",
        "| sentences per call | CPU s | CPU per sentence vs all at once |",
        "|---|---|---|",
        *(f"| {size} | {seconds:.2f} | {seconds / everything:.2f}x |" for size, seconds in cpu.items()),
        end,
    ]
    text = "\n".join(lines)
    print(text)
    write_section(args.results, text, start, end)


def median_phase(runs: list[dict]) -> dict:
    """The round with the median sentences/s (its own latencies and CPU time)."""
    return sorted(runs, key=lambda r: r["sentences_s"])[(len(runs) - 1) // 2]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid``, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], pct: float) -> float:
    """Linear interpolation between order statistics (numpy's default)."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rss_mb(pid: int) -> tuple[float, float]:
    """Resident and peak resident memory of process ``pid`` (VmRSS, VmHWM), in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / ".work")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--size", choices=("opus-mt", "copy", "tiny"), default="opus-mt")
    parser.add_argument("--sentences", type=int, default=48)
    parser.add_argument("--rounds", type=int, default=2, help="CLI run and server phases, alternating")
    parser.add_argument("--window-ms", type=float, help="the server's --batch-window (default: its default)")
    parser.add_argument("--engine-calls", action="store_true", help="only the engine's CPU by call size")
    parser.add_argument("--child", choices=("cli", "server", "engine"), help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--sentences-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        {"cli": child_cli, "server": child_server, "engine": child_engine}[args.child](args)
        return
    args.work = args.work.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    if args.size == "copy":
        sys.path.insert(0, str(ROOT / "src"))
        from newsl10n.testsupport.copymodel import cached_copy_model

        model = cached_copy_model()
    else:
        model = build_model(args.work, args.size)
    convert_model(model, args.work / "ct2-cache")
    config = write_e2e_config(args.work, model, name=f"serve-{args.size}")
    sentences = news_sentences(args.sentences)
    sentences_file = args.work / "serve-sentences.json"
    sentences_file.write_text(json.dumps(sentences), encoding="utf-8")
    if args.engine_calls:
        engine_calls(args, config, sentences_file)
        return
    cli_command = [sys.executable, __file__, "--child", "cli", "--config", str(config), "--work", str(args.work),
                   "--sentences-file", str(sentences_file), "--size", args.size]  # fmt: skip
    cli_runs, cli = CliRuns(cli_command), []
    server, url = start_server(args, config)
    rounds: dict[int, list[dict]] = {n: [] for n in CLIENTS}
    try:
        import httpx

        with httpx.Client() as http:
            post(http, url, "Warm-up sentence for the model.")  # loads de
        phase(url, sentences, 4, server.pid)  # untimed, as the CLI's first run: every cache warm
        idle_rss = rss_mb(server.pid)[0]
        for number in range(args.rounds):  # CLI and server phases alternate: load drift hits both
            cli.append(cli_runs.run())
            print(f"round {number + 1}, CLI: {json.dumps(cli[-1])}", flush=True)
            for clients in CLIENTS:
                rounds[clients].append(phase(url, sentences, clients, server.pid))
                print(f"round {number + 1}, serve: {json.dumps(rounds[clients][-1])}", flush=True)
        cli.append(cli_runs.run())
        print(f"CLI: {json.dumps(cli[-1])}", flush=True)
        plain = phase(url, news_sentences(args.sentences // 2, terms=False), 1, server.pid)
        print(f"serve, no terms: {json.dumps(plain)}", flush=True)
        with httpx.Client() as http:
            loads = {loc: post(http, url, "One more sentence for this locale.", loc.upper()) for loc in LOCALES}
            loaded = http.get(f"{url}/health").json()["loaded"]
        rss, peak = rss_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(120)
        cli_runs.close()
    phases = [median_phase(rounds[n]) for n in CLIENTS]
    greedy_config = config.with_name(f"{config.stem}-greedy.yaml")
    greedy_config.write_text(config.read_text(encoding="utf-8").replace("beam_size: 4", "beam_size: 1"), encoding="utf-8")
    server, url = start_server(args, greedy_config)
    try:
        import httpx

        with httpx.Client() as http:
            post(http, url, "Warm-up sentence for the model.")
        greedy = phase(url, news_sentences(args.sentences // 2, terms=False), 1, server.pid)
        print(f"serve, beam 1, no terms: {json.dumps(greedy)}", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(120)
    text = render(args, cli, phases, plain, greedy, idle_rss, rss, peak, loaded, loads, load_before, os.getloadavg()[0])
    print(text)
    write_section(args.results, text, *markers(args.size))


def render(args, cli, phases, plain, greedy, idle_rss, rss, peak, loaded, loads, load_before, load_after) -> str:
    run_rate = statistics.median(c["segments"] / c["run_s"] for c in cli)
    cpu_rate = statistics.median(c["segments"] / c["cpu_s"] for c in cli)
    lines = [
        markers(args.size)[0],
        f"## Serving: `newsl10n serve` under load, {args.size} model (issue 28)",
        "",
        f"`PYTHONPATH=src HF_HUB_OFFLINE=1 python bench/bench_serve.py --size {args.size} --sentences {args.sentences}`"
        f" (generated; see the notes below it). Machine: {os.cpu_count()} CPUs, load average {load_before:.1f} at the"
        f" start, {load_after:.1f} at the end.",
        "",
        f"Model: {MODELS[args.size]}. Settings of the end-to-end runs: ctranslate2 int8, beam 4, batch 16, the"
        " glossaries on; no translation memory on either side. "
        f"{phases[0]['requests']} one-sentence requests per phase (the sample article's sentences), each client"
        f" sending its next one as soon as its last is answered; {args.rounds} rounds of a CLI run and the three"
        " phases, alternating, then one more CLI run; each row is its median round (of two, the slower). CPU s: the server process's (all threads) over the"
        " phase, or the CLI process's over its timed run; per CPU second the ratio does not move with the load the"
        " other processes put on the machine.",
        "",
        "| run | sentences/s | vs CLI | sentences per CPU s | vs CLI | engine calls (mean sentences) | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|---|---|",
        f"| `newsl10n translate`, one batch (median of runs: "
        + ", ".join(f"{c['segments'] / c['run_s']:.2f}" for c in cli)
        + f" sentences/s) | {run_rate:.2f} | 1.00 | {cpu_rate:.2f} | 1.00 | - | - | - |",
    ]
    named = [(f"serve, {p['clients']} client{'s' if p['clients'] > 1 else ''}", p) for p in phases]
    named.append(("serve, 1 client, sentences without a glossary term", plain))
    named.append(("serve, 1 client, sentences without a glossary term, beam 1 (greedy)", greedy))
    for name, p in named:
        per_cpu = p["requests"] / p["cpu_s"] if p["cpu_s"] else float("nan")
        lines.append(
            f"| {name} | {p['sentences_s']:.2f} | {p['sentences_s'] / run_rate:.2f} | {per_cpu:.2f} | "
            f"{per_cpu / cpu_rate:.2f} | {p['calls']} ({p['per_call']:.1f}) | {p['p50_ms']:.0f} | {p['p95_ms']:.0f} |"
        )
    lines += [
        "",
        f"Server memory: {idle_rss:.0f} MB resident with one locale loaded; {rss:.0f} MB (peak {peak:.0f} MB) with"
        f" {len(loaded)} loaded ({', '.join(loaded)}; first request per locale, model load included: "
        + ", ".join(f"{loc} {1000 * s:.0f} ms" for loc, s in loads.items())
        + ").",
        markers(args.size)[1],
    ]
    return "\n".join(lines)


def write_section(path: Path, section: str, start: str, end: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    if start in text:
        head, rest = text.split(start, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
