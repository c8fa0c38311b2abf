"""Throughput and memory of the translation engines, and the end-to-end run with the memory.

    bash bench/run.sh                                  # sets up .venv, then writes bench/RESULTS.md
    .venv/bin/python bench/bench_engines.py            # the same, with .venv (and bench/.work/argos-venv) set up

Builds a random-weight model with the opus-mt-en-de architecture (74M parameters, no
download), then measures each engine in a child process of its own (clean peak RSS), every
engine decoding exactly the same number of tokens per sentence (EOS suppressed until then):

- a per-sentence transformers loop (what a naive script does), batched transformers,
- the newsl10n engines: transformers and ctranslate2 (int8), at greedy and beam 4,
- its peers on the same int8 model (``peers.py``): raw CTranslate2 ``translate_batch`` (the
  engine's limit) and Argos Translate; and the sample article through Argos and newsl10n,
- latency per 800-word story into 1 and 5 locales, cold and warm (``latency.py``),
- end to end: the sample article into five locales with the ctranslate2 engine, cold (empty
  translation memory) and warm (every segment in the memory: no model load, no model call),
- ``newsl10n --help`` start-up time.

The end-to-end runs live in ``e2e.py``, what the scripts share in ``benchlib.py``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import coldstart
import latency
import peers
from benchlib import (
    ROOT,
    SAMPLE,
    child_env,
    make_sources,
    peak_rss_mb,
    print_result,
    run_json_child,
    write_section,
)
from e2e import E2E_LENGTH_RATIO, LOCALES, child_e2e, warm_cli, write_e2e_config

HEAVY = ("torch", "transformers", "ctranslate2", "sentencepiece", "dask", "lxml", "translate")


# -- child processes -------------------------------------------------------------------------


def child_hf(args: argparse.Namespace, sources: list[str]) -> dict:
    """Plain transformers: one sentence at a time (batch 1), or length-sorted batches."""
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    tokenizer = MarianTokenizer.from_pretrained(args.model)
    model = MarianMTModel.from_pretrained(args.model).eval()
    load_s = time.perf_counter() - started
    rss_loaded = peak_rss_mb()
    batch = 1 if args.child == "hf-loop" else args.batch_size
    if args.child == "hf-loop":
        sources = sources[: args.loop_sentences]
    order = sorted(range(len(sources)), key=lambda i: -len(sources[i]))
    tokens = 0
    started = time.perf_counter()
    for start in range(0, len(order), batch):
        texts = [sources[i] for i in order[start : start + batch]]
        inputs = tokenizer(texts, return_tensors="pt", padding=True)
        with torch.inference_mode():
            out = model.generate(
                **inputs, num_beams=args.beam, min_new_tokens=args.out_tokens, max_new_tokens=args.out_tokens
            )
        tokens += (out.shape[1] - 1) * out.shape[0]  # decoder steps, start token excluded
    seconds = time.perf_counter() - started
    return {"sentences": len(sources), "tokens": int(tokens), "seconds": seconds, "load_s": load_s, "rss_loaded_mb": rss_loaded}


def child_engine(args: argparse.Namespace, sources: list[str]) -> dict:
    """A newsl10n engine through its public interface, output length forced."""
    from newsl10n.config import CT2Settings, DecodingSettings
    from newsl10n.translate.spec import EngineSpec
    from newsl10n.translate.ct2_models import available_cores

    engine = args.child.removeprefix("newsl10n-")
    # Both engines then decode exactly out_tokens: transformers counts its start token in
    # max_length, and the ctranslate2 engine keeps max_length's last position for EOS.
    max_length = args.out_tokens + (1 if engine == "ctranslate2" else 0)
    # The ctranslate2 engine lays its threads out itself (threads 0: replicas per core for greedy
    # decoding, all cores on one batch for beam search); it is measured as it ships.
    threads = 0 if engine == "ctranslate2" and args.threads == available_cores() else args.threads
    adaptive = {"adaptive_beam": True, "adaptive_threshold": args.adaptive} if args.adaptive is not None else {}
    decoding = DecodingSettings(
        beam_size=args.beam, batch_size=args.batch_size, max_length=max_length, threads=threads, **adaptive
    )
    spec = EngineSpec(
        engine=engine,
        model=args.model,
        source_lang="en",
        target_lang="de",
        decoding=decoding,
        ct2=CT2Settings(models_cache=Path(args.work) / "ct2-cache", use_vmap=args.vmap),
    )
    started = time.perf_counter()
    if spec.engine == "ctranslate2":
        from newsl10n.translate.ct2 import CT2Translator

        class ForcedLength(CT2Translator):
            def length_limits(self, longest: int) -> tuple[int, int]:
                return args.out_tokens, args.out_tokens

        translator = ForcedLength.load(spec)
    else:
        from newsl10n.translate.base import make_translator

        translator = make_translator(spec)
        translator.model.generation_config.min_new_tokens = args.out_tokens
    load_s = time.perf_counter() - started
    rss_loaded = peak_rss_mb()
    # The CTranslate2 rows (this one, raw CTranslate2 and Argos) are the best of --repeat passes.
    seconds = math.inf
    for _ in range(args.repeat if engine == "ctranslate2" else 1):
        started = time.perf_counter()
        outputs = translator.translate(sources)
        seconds = min(seconds, time.perf_counter() - started)
    return {
        "sentences": len(sources),
        "tokens": len(sources) * args.out_tokens,
        "seconds": seconds,
        "load_s": load_s,
        "rss_loaded_mb": rss_loaded,
        "torch_imported": "torch" in sys.modules,
        "empty_outputs": sum(1 for o in outputs if not o.text),
        "redone": getattr(translator, "beam_redone", 0) // max(1, args.repeat if engine == "ctranslate2" else 1),
    }


def run_child(mode: str, args: argparse.Namespace, **extra: object) -> dict:
    """Run one measurement in a fresh interpreter; its last stdout line is a JSON result."""
    command = [sys.executable, __file__, "--child", mode, "--work", str(args.work)]
    for key in ("beam", "threads", "batch_size", "sentences", "loop_sentences", "src_tokens", "out_tokens", "repeat"):
        command += [f"--{key.replace('_', '-')}", str(extra.get(key, getattr(args, key)))]
    for key in ("model", "config", "adaptive"):
        if key in extra:
            command += [f"--{key}", str(extra[key])]
    command += ["--vmap"] if extra.get("vmap") else []
    return run_json_child(command, child_env(), args.work)


def child_main(args: argparse.Namespace) -> None:
    if args.child == "e2e":
        result = child_e2e(args)
    elif args.child == "coldstart":
        result = coldstart.child_coldstart(args)
    else:
        sources = make_sources(Path(args.model), args.sentences, args.src_tokens)
        result = child_hf(args, sources) if args.child.startswith("hf-") else child_engine(args, sources)
    print_result(result)


# -- set-up ----------------------------------------------------------------------------------


def build_model(work: Path, size: str) -> Path:
    """The random model (opus-mt-en-de-sized unless ``size`` is tiny), built once into ``work``.

    Its vocabulary covers the sample article and every target form of the glossary in the five
    locales (so enforcement can spell each term). SentencePiece BPE on so small a corpus learns
    whole words: the article comes out at about 1.1 tokens a word, near opus-mt's large
    vocabulary, where a unigram model trained on it would cut 2.6 tokens a word.
    """
    target = work / f"{size}-random-bpe"
    if (target / "model.safetensors").is_file():
        return target
    sys.path.insert(0, str(ROOT / "src"))
    from newsl10n.cli.models import glossary_target_lines
    from newsl10n.terms.files import require_valid
    from newsl10n.testsupport.randommodels import ARCHITECTURES, build_random_marian

    glossary = require_valid([ROOT / "glossaries"])
    corpus = SAMPLE.read_text(encoding="utf-8").splitlines()
    for locale in LOCALES:
        corpus += glossary_target_lines(glossary, locale) * 5
    return build_random_marian(
        target,
        corpus,
        target_lang="de",
        target_tokens=[">>ara<<"],
        architecture=ARCHITECTURES[size],
        piece_model="bpe",
    )


def convert_model(model: Path, cache: Path) -> tuple[float, Path]:
    """Convert once into the cache the engines use: seconds taken (0 when already there), and
    the converted model's folder."""
    sys.path.insert(0, str(ROOT / "src"))
    from newsl10n.config import CT2Settings, DecodingSettings
    from newsl10n.translate.spec import EngineSpec
    from newsl10n.translate.ct2_models import ensure_converted, cache_folder, model_revision
    from newsl10n.translate.models import is_ct2_folder

    spec = EngineSpec("ctranslate2", str(model), "en", "de", DecodingSettings(), ct2=CT2Settings(models_cache=cache))
    _, revision = model_revision(str(model), "de", cache)
    folder = cache_folder(cache, str(model), revision, "int8")
    if is_ct2_folder(folder):
        return 0.0, folder
    started = time.perf_counter()
    ensure_converted(spec)
    return time.perf_counter() - started, folder


def help_time() -> tuple[float, list[str]]:
    """Median wall time of ``newsl10n --help``, and heavy modules imported at CLI start."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    times = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "newsl10n", "--help"], capture_output=True, env=env, check=True)
        times.append(time.perf_counter() - started)
    probe = "import sys, newsl10n.cli; print(' '.join(sorted(m for m in sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    modules = set(loaded.stdout.split())
    return statistics.median(times), [m for m in HEAVY if m in modules]


# -- report ----------------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import ctranslate2
    import torch
    import transformers

    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python "
        f"{platform.python_version()}, torch {torch.__version__}, transformers {transformers.__version__}, "
        f"ctranslate2 {ctranslate2.__version__}"
    )


def render(args, rows, e2e, conversion_s, help_s, heavy, load_before, load_after, machine_line, peer_lines, peer_checks) -> str:
    by = {(r["name"], r["beam"]): r for r in rows}
    lines = [
        "# Engine benchmark",
        "",
        f"Machine: {machine_line}.",
        f"Load average (1 min) at start {load_before:.2f}, at end {load_after:.2f}. Absolute numbers move with "
        "the machine's load; the ratios are measured side by side in one run.",
        "",
        "Command, from a fresh clone (it sets up `.venv` first, as the README's commands do):",
        "",
        "    bash bench/run.sh" + (f" {' '.join(sys.argv[1:])}" if sys.argv[1:] else ""),
        "",
        f"Model: random weights, opus-mt-en-de architecture (d_model 512, 6+6 layers, vocab 58101, 74M "
        f"parameters). Inputs: {args.sentences} sentences of about {args.src_tokens} source tokens "
        f"({args.loop_sentences} for the per-sentence loop); every engine decodes exactly {args.out_tokens} "
        f"tokens per sentence. {args.threads} threads (the ctranslate2 engine lays them out itself: greedy, one "
        f"single-threaded batch per core; beam search, one batch on all cores), batch {args.batch_size}. Peak RSS is each child "
        "process's own maximum resident set (model load + translation). The rows on the CTranslate2 runtime "
        f"(newsl10n ctranslate2, raw CTranslate2, Argos) are each the best of {args.repeat} passes over the same "
        "inputs in one process; the transformers rows are one pass.",
        "",
        "| engine | beam | tokens/s | vs loop | vs batched transformers | load s | RSS after load MB | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        loop = by.get(("transformers, one sentence at a time", r["beam"]))
        batched = by.get((f"transformers, batch {args.batch_size}", r["beam"]))
        ratio = lambda ref: f"{r['tok_s'] / ref['tok_s']:.1f}x" if ref else "-"
        lines.append(
            f"| {r['name']} | {r['beam']} | {r['tok_s']:.0f} | {ratio(loop)} | {ratio(batched)} | "
            f"{r['load_s']:.1f} | {r['rss_loaded_mb']:.0f} | {r['peak_rss_mb']:.0f} |"
        )
    fast = {b: by[("newsl10n ctranslate2 int8", b)] for b in (1, 4)}
    loop = {b: by[("transformers, one sentence at a time", b)] for b in (1, 4)}
    batched = {b: by[(f"transformers, batch {args.batch_size}", b)] for b in (1, 4)}
    lines += ["", "## End to end", ""]
    if e2e:
        lines += [
            "`newsl10n translate examples/new-start-dialogue.txt` (18 segments, 13 glossary terms) into de, fr, "
            "es, ru, ar with the repository's settings: the ctranslate2 engine (int8, beam 4, batch 16), the "
            "glossaries in `glossaries/` and the UI catalogs in `locales/`. Every locale loads its own copy of "
            "the random opus-mt-size model. A random model never ends a sentence, so each batch is decoded to "
            f"{E2E_LENGTH_RATIO}x its longest source in tokens (about a real en-de model's length), and it never "
            "produces a glossary term by itself, so every term is forced: the worst case for enforcement. Times "
            "are the whole command in a fresh interpreter, imports included; the warm run is the plain CLI with "
            "`--force` (every bundle written again), its memory hits and misses read from the manifests. Converting the model into the "
            "models cache is not part of any run: "
            + (f"it took {conversion_s:.1f} s in this run." if conversion_s else "it was already there from an earlier run."),
            "",
            "| run | wall s | in the engine s | model loads | engine calls | segments sent to a model | terms (forced / total) | peak RSS MB |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, r in e2e.items():
            terms = r["terms"]
            term_cell = f"{terms['enforced']} / {terms['total']}" if terms["total"] else "-"
            lines.append(
                f"| {name} | {r['wall_s']:.2f} | {r['engine_s']:.2f} | {r['loads']} | {r['engine_calls']} | "
                f"{r['segments']} | {term_cell} | {'-' if math.isnan(r['peak_rss_mb']) else round(r['peak_rss_mb'])} |"
            )
    lines += peer_lines
    lines += ["", "## Targets", ""]
    checks = []
    for b in (1, 4):
        vs_loop = fast[b]["tok_s"] / loop[b]["tok_s"]
        vs_batch = fast[b]["tok_s"] / batched[b]["tok_s"]
        checks.append((f"ctranslate2 int8 >= 20x the per-sentence loop, beam {b}", f"{vs_loop:.1f}x", vs_loop >= 20))
        checks.append((f"ctranslate2 int8 >= 2.5x batched transformers, beam {b}", f"{vs_batch:.1f}x", vs_batch >= 2.5))
    int8_peak = max(fast[b]["peak_rss_mb"] for b in (1, 4))
    checks.append(("peak RSS of one loaded int8 opus-mt model < 300 MB", f"{int8_peak:.0f} MB", int8_peak < 300))
    if e2e:
        cold, warm = e2e["cold"], e2e["warm"]
        checks.append(("sample article into 5 locales < 20 s (cold memory, glossary on)", f"{cold['wall_s']:.1f} s", cold["wall_s"] < 20))
        checks.append(
            ("warm re-run < 1 s with zero model calls", f"{warm['wall_s']:.2f} s, {warm['engine_calls']} calls, {warm['loads']} loads",
             warm["wall_s"] < 1 and warm["engine_calls"] == 0 and warm["loads"] == 0)
        )
    checks += peer_checks
    checks.append(("`newsl10n --help` < 0.5 s, nothing heavy imported", f"{help_s:.2f} s; heavy: {', '.join(heavy) or 'none'}", help_s < 0.5 and not heavy))
    lines += ["| target | measured | met |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {'yes' if ok else 'NO'} |" for name, value, ok in checks]
    return "\n".join(lines) + "\n"


SECTION_START = "<!-- bench_engines.py: start (generated; edit the notes below it instead) -->"
SECTION_END = "<!-- bench_engines.py: end -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / ".work", help="models and scratch files")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--sentences", type=int, default=32)
    parser.add_argument("--loop-sentences", type=int, default=8, help="sentences for the slow per-sentence loop")
    parser.add_argument("--src-tokens", type=int, default=30)
    parser.add_argument("--out-tokens", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3, help="passes of each CTranslate2 row (the best counts)")
    parser.add_argument("--beam", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--skip-peers", action="store_true", help="no raw CTranslate2 and Argos rows")
    parser.add_argument("--latency-runs", type=int, default=4, help="cold and warm runs per locale count; 0: none")
    parser.add_argument("--e2e-only", action="store_true", help="rerun end to end, keep the last engine rows")
    parser.add_argument("--size", choices=("opus-mt", "tiny"), default="opus-mt", help="tiny: a quick smoke run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--vmap", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--adaptive", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args)
        return
    args.work = args.work.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    print("building the random opus-mt model ...", flush=True)
    model = build_model(args.work, args.size)
    conversion_s, ct2_model = convert_model(model, args.work / "ct2-cache")
    print(f"converted to CTranslate2 in {conversion_s:.1f} s", flush=True)
    argos = {} if args.skip_peers else peers.install_argos(args.work, ct2_model)
    print(f"Argos Translate: {argos.get('error') or argos.get('package_file', 'skipped')}", flush=True)
    runs = [
        ("transformers, one sentence at a time", "hf-loop"),
        (f"transformers, batch {args.batch_size}", "hf-batch"),
        ("newsl10n transformers", "newsl10n-transformers"),
        ("newsl10n ctranslate2 int8", "newsl10n-ctranslate2"),
    ]
    rows = []
    if args.e2e_only:  # reuse the engine rows of the last full run
        rows = json.loads((args.work / "results.json").read_text(encoding="utf-8"))["rows"]
    for beam in (1, 4) if not args.e2e_only else ():
        for name, mode in runs:
            result = run_child(mode, args, beam=beam, model=model)
            result.update(name=name, beam=beam, tok_s=result["tokens"] / result["seconds"])
            rows.append(result)
            print(f"{name}, beam {beam}: {result['tok_s']:.0f} tokens/s, peak RSS {result['peak_rss_mb']:.0f} MB", flush=True)
        for result in [] if args.skip_peers else peers.engine_rows(args, beam, model, ct2_model, argos):
            rows.append(result)
            print(f"{result['name']}, beam {beam}: {result['tok_s']:.0f} tokens/s, peak RSS {result['peak_rss_mb']:.0f} MB", flush=True)
    e2e = None
    if not args.skip_e2e:
        e2e = {}
        for name, glossary in (("cold", True), ("warm", True), ("cold, no glossary", False)):
            config = write_e2e_config(args.work, model, glossary=glossary)
            if name.startswith("cold"):
                (args.work / f"{config.stem}-tm.sqlite").unlink(missing_ok=True)
                shutil.rmtree(args.work / f"{config.stem}-out", ignore_errors=True)
            e2e[name] = warm_cli(args, config) if name == "warm" else run_child("e2e", args, config=config)
            print(f"end to end, {name}: {e2e[name]['wall_s']:.1f} s ({e2e[name]['engine_calls']} engine calls)", flush=True)
    article = {} if args.skip_e2e or args.skip_peers else peers.article_runs(args.work, model, argos)
    latency_runs = {}
    if args.latency_runs and not args.skip_e2e:
        latency_runs = latency.run(args.work, write_e2e_config(args.work, model), args.latency_runs)
    help_s, heavy = help_time()
    print(f"newsl10n --help: {help_s:.2f} s", flush=True)
    peer_lines, peer_checks = peers.render(args, rows, argos, article)
    peer_lines += latency.render(latency_runs)
    text = render(args, rows, e2e, conversion_s, help_s, heavy, load_before, os.getloadavg()[0], machine(), peer_lines, peer_checks)
    write_section(args.results, text, SECTION_START, SECTION_END)
    article_rows = [{"name": name, "beam": beam, **r} for (name, beam), r in article.items()]
    results = {"rows": rows, "e2e": e2e, "article": article_rows, "argos": argos, "latency": latency_runs}
    (args.work / "results.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    print(f"-> {args.results}")


if __name__ == "__main__":
    main()
