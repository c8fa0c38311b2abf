"""Load on ``newsl10n serve`` (issue 28): 1, 4 and 16 concurrent clients sending one news sentence
per request to /v2/translate, against ``newsl10n translate`` on the same sentences in one batch.

    PYTHONPATH=src HF_HUB_OFFLINE=1 python bench/bench_serve.py [--size opus-mt|tiny] [--sentences 96]

The bench model and settings are the end-to-end runs' (``e2e.write_e2e_config``: random weights
of the opus-mt-en-de architecture, ctranslate2 int8, beam 4, batch 16, the glossaries on, every
batch decoded to 1.1x its longest source), the memory off on both sides (``--no-tm``: every
sentence reaches the model). The CLI rate is measured before and after the server's phases (two
fresh processes, each timed on a second run after an untimed first one loaded the model), and
the server rate is compared with their mean. Loopback only; every process is stopped at the end.
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
from benchlib import ROOT, SAMPLE, child_env, run_json_child
from e2e import E2E_LENGTH_RATIO, LOCALES, write_e2e_config

SECTION_START, SECTION_END = "<!-- bench_serve.py: start -->", "<!-- bench_serve.py: end -->"
CLIENTS = (1, 4, 16)


def news_sentences(count: int) -> list[str]:
    """``count`` sentences of the sample article's body that end like a sentence, in order, again
    from the start when they run out (each stays one segment: no sentence is split further)."""
    sys.path.insert(0, str(ROOT / "src"))
    from newsl10n.config import PipelineConfig
    from newsl10n.source import read_article

    article = read_article(SAMPLE, PipelineConfig()).article
    found = [s.text for s in article.segments if s.kind == "paragraph" and s.text.rstrip()[-1:] in ".!?\"”"]
    return [found[i % len(found)] for i in range(count)]


def realistic_lengths() -> None:
    """A random model never writes EOS: each batch is decoded to 1.1x its longest source, as in
    the end-to-end runs."""
    from newsl10n.translate import ct2

    ct2.CT2Translator.length_limits = lambda self, longest: (math.ceil(E2E_LENGTH_RATIO * longest),) * 2


def child_cli(args: argparse.Namespace) -> None:
    """``newsl10n translate`` of the sentences (one paragraph each) into de, twice in one process:
    the first run loads the model, the second is timed."""
    from newsl10n.config import load_config
    from newsl10n.pipeline import run_translate
    from newsl10n.terms.files import resolve_glossary

    realistic_lengths()
    sentences = json.loads(Path(args.sentences_file).read_text(encoding="utf-8"))
    article = Path(args.work) / "serve-article.txt"
    article.write_text("\n\n".join(sentences) + "\n", encoding="utf-8")
    config, base = load_config(Path(args.config))
    glossary = resolve_glossary(config, base)
    out = Path(args.work) / "serve-cli-out"
    run_translate(config, base, [article], ["de"], out=out, use_tm=False, glossary=glossary)
    started = time.perf_counter()
    result = run_translate(config, base, [article], ["de"], out=out, use_tm=False, glossary=glossary)
    wall = time.perf_counter() - started
    [bundle] = result.bundles
    print(json.dumps({"segments": bundle.segments, "run_s": wall, "engine_s": bundle.seconds}))


def child_server(args: argparse.Namespace) -> None:
    """The server on a free loopback port (printed), until SIGTERM."""
    from newsl10n.cli.review import listen
    from newsl10n.cli.serve import build_app, run

    realistic_lengths()
    app, summary = build_app(Path(args.config), "127.0.0.1", None, [], None, 5, 0, 0, None, 0.005, True, [], False)
    sock = listen("127.0.0.1", 0)
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    run(app, sock, summary)


def start_server(args: argparse.Namespace, config: Path) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, __file__, "--child", "server", "--config", str(config), "--work", str(args.work)]
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


def phase(url: str, sentences: list[str], clients: int) -> dict[str, float]:
    """Every sentence once, as one-sentence requests from ``clients`` threads taking the next
    sentence as they finish the last: latency per request and sentences/s over the phase."""
    import httpx

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
    return {"clients": clients, "requests": len(latencies), "wall_s": wall, "sentences_s": len(sentences) / wall,
            "p50_ms": 1000 * statistics.median(latencies), "p95_ms": 1000 * percentile(latencies, 95)}  # fmt: skip


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
    parser.add_argument("--size", choices=("opus-mt", "tiny"), default="opus-mt")
    parser.add_argument("--sentences", type=int, default=96)
    parser.add_argument("--child", choices=("cli", "server"), help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--sentences-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        (child_cli if args.child == "cli" else child_server)(args)
        return
    args.work = args.work.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    model = build_model(args.work, args.size)
    convert_model(model, args.work / "ct2-cache")
    config = write_e2e_config(args.work, model, name="serve")
    sentences = news_sentences(args.sentences)
    sentences_file = args.work / "serve-sentences.json"
    sentences_file.write_text(json.dumps(sentences), encoding="utf-8")
    cli_command = [sys.executable, __file__, "--child", "cli", "--config", str(config), "--work", str(args.work),
                   "--sentences-file", str(sentences_file)]  # fmt: skip
    cli = [run_json_child(cli_command, child_env(), ROOT)]
    print(f"CLI (before): {cli[0]['segments'] / cli[0]['run_s']:.1f} sentences/s", flush=True)
    server, url = start_server(args, config)
    try:
        import httpx

        with httpx.Client() as http:
            post(http, url, "Warm-up sentence for the model.")  # loads de
        idle_rss = rss_mb(server.pid)[0]
        phases = []
        for clients in CLIENTS:
            phases.append(phase(url, sentences, clients))
            print(json.dumps(phases[-1]), flush=True)
        with httpx.Client() as http:
            loads = {loc: post(http, url, "One more sentence for this locale.", loc.upper()) for loc in LOCALES}
            loaded = http.get(f"{url}/health").json()["loaded"]
        rss, peak = rss_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(120)
    cli.append(run_json_child(cli_command, child_env(), ROOT))
    print(f"CLI (after): {cli[1]['segments'] / cli[1]['run_s']:.1f} sentences/s", flush=True)
    text = render(args, cli, phases, idle_rss, rss, peak, loaded, loads, load_before, os.getloadavg()[0])
    print(text)
    write_section(args.results, text)


def render(args, cli, phases, idle_rss, rss, peak, loaded, loads, load_before, load_after) -> str:
    run_rate = statistics.mean(c["segments"] / c["run_s"] for c in cli)
    engine_rate = statistics.mean(c["segments"] / c["engine_s"] for c in cli)
    lines = [
        SECTION_START,
        "## Serving: `newsl10n serve` under load (issue 28)",
        "",
        f"`PYTHONPATH=src HF_HUB_OFFLINE=1 python bench/bench_serve.py --size {args.size} --sentences {args.sentences}`"
        f" (generated; see the notes below it). Machine: {os.cpu_count()} CPUs, load average {load_before:.1f} at the"
        f" start, {load_after:.1f} at the end.",
        "",
        f"Model: random weights, {'opus-mt-en-de architecture' if args.size == 'opus-mt' else 'tiny'}; ctranslate2 int8,"
        " beam 4, batch 16, glossaries on (a random model writes no term itself: every term is forced), every batch"
        " decoded to 1.1x its longest source; no translation memory on either side. "
        f"{phases[0]['requests']} one-sentence requests per phase (the sample article's"
        " sentences), each client sending its next one as soon as its last is answered.",
        "",
        "| run | sentences/s | vs CLI run | vs CLI engine | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|",
        f"| `newsl10n translate`, one batch (mean of {len(cli)} runs: "
        + ", ".join(f"{c['segments'] / c['run_s']:.1f}" for c in cli)
        + f") | {run_rate:.1f} | 1.00 | - | - | - |",
        f"| its engine time alone (translate step, no reading or bundle writing) | {engine_rate:.1f} | - | 1.00 | - | - |",
    ]
    for p in phases:
        lines.append(
            f"| serve, {p['clients']} client{'s' if p['clients'] > 1 else ''} | {p['sentences_s']:.1f} | "
            f"{p['sentences_s'] / run_rate:.2f} | {p['sentences_s'] / engine_rate:.2f} | {p['p50_ms']:.0f} | {p['p95_ms']:.0f} |"
        )
    lines += [
        "",
        f"Server memory: {idle_rss:.0f} MB resident with one locale loaded; {rss:.0f} MB (peak {peak:.0f} MB) with"
        f" {len(loaded)} loaded ({', '.join(loaded)}; first request per locale, model load included: "
        + ", ".join(f"{loc} {1000 * s:.0f} ms" for loc, s in loads.items())
        + ").",
        SECTION_END,
    ]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    if SECTION_START in text:
        head, rest = text.split(SECTION_START, 1)
        text = head + section + rest.split(SECTION_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
