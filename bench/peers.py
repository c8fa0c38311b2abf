"""The ctranslate2 engine's peers on the same model, inputs and run (issue 19, item 1).

- raw CTranslate2: ``translate_batch`` on pre-tokenized, length-sorted batches, with the int8
  model folder, batch size and thread layout the newsl10n ctranslate2 engine uses: the engine's
  limit on this machine;
- Argos Translate (the engine behind LibreTranslate), in a bench-only environment
  (``bench/.work/argos-venv``, made by ``bench/run.sh``), with the same converted model packaged
  as an ``.argosmodel`` and installed through ``argostranslate.package.install_from_path``.

A random model never emits EOS, so every engine's output length is forced by the same rule, at
the one place they share: ``ctranslate2.Translator.translate_batch`` (a subclass, in the child
processes only). Each measurement runs in a child process of its own (clean peak RSS); the
Argos children run under the Argos environment's interpreter and import nothing of newsl10n.

    python bench/peers.py --child MODE ...     # one measurement; bench_engines.py calls these
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
import traceback
import zipfile
from pathlib import Path
from typing import ClassVar

from benchlib import (
    ROOT,
    SAMPLE,
    child_env,
    make_sources,
    peak_rss_mb,
    print_result,
    run_json_child,
)

ARGOS_VERSION = "1.11.0"
ARGOS_VENV = ROOT / "bench" / ".work" / "argos-venv"
PACKAGE_NAME = "translate-en_de-newsl10n-bench"
# End to end, each translate_batch call decodes this many times its longest source (as in
# bench_engines.py's end-to-end runs: German runs about 10% longer than English).
E2E_LENGTH_RATIO = 1.1


# -- the one forcing rule ---------------------------------------------------------------------


def force_output_length(rule) -> type:
    """Replace ``ctranslate2.Translator`` in this process by a subclass whose ``translate_batch``
    decodes exactly ``rule(longest source, EOS excluded)`` tokens for every input of the call,
    and records (inputs, length) per call in ``calls``."""
    import ctranslate2

    base = ctranslate2.Translator

    class ForcedLength(base):
        calls: ClassVar[list[tuple[int, int]]] = []
        settings: ClassVar[dict] = {}

        def translate_batch(self, source, *args, **kwargs):
            n = rule(max((sum(1 for p in s if p != "</s>") for s in source), default=1))
            kwargs.update(min_decoding_length=n, max_decoding_length=n)
            ForcedLength.calls.append((len(source), n))
            if not ForcedLength.settings:
                keep = (
                    "beam_size",
                    "max_batch_size",
                    "batch_type",
                    "length_penalty",
                    "asynchronous",
                )
                ForcedLength.settings = {k: kwargs[k] for k in keep if k in kwargs}
            return super().translate_batch(source, *args, **kwargs)

    ctranslate2.Translator = ForcedLength
    return ForcedLength


def decoded_tokens(forced: type) -> tuple[int, int]:
    """(inputs, output tokens) over the calls recorded since the last reset."""
    return sum(r for r, _ in forced.calls), sum(r * n for r, n in forced.calls)


# -- children: raw CTranslate2 ----------------------------------------------------------------


def child_raw_ct2(a: argparse.Namespace) -> dict:
    """``translate_batch`` with nothing around it: the same batches the engine would submit
    (length-sorted, its batch size, all submitted at once to its replicas)."""
    import ctranslate2
    import sentencepiece as spm

    from newsl10n.translate.ct2_models import available_cores, thread_layout

    sources = make_sources(Path(a.model), a.sentences, a.src_tokens)
    cores = available_cores()
    threads = 0 if a.threads == cores else a.threads  # as bench_engines.py passes it to the engine
    inter, intra = thread_layout(threads, 0, a.beam, cores)
    started = time.perf_counter()
    translator = ctranslate2.Translator(a.ct2_model, device="cpu", inter_threads=inter, intra_threads=intra)
    sp = spm.SentencePieceProcessor(model_file=str(Path(a.ct2_model) / "source.spm"))
    load_s = time.perf_counter() - started
    rss_loaded = peak_rss_mb()
    tokens = [p + ["</s>"] for p in sp.encode(sources, out_type=str)]  # pre-tokenized, untimed
    order = sorted(range(len(tokens)), key=lambda i: (-len(tokens[i]), i))
    size = max(1, min(a.batch_size, -(-len(tokens) // inter)))  # the engine's rule: no idle replica
    batches = [[tokens[i] for i in order[s : s + size]] for s in range(0, len(order), size)]
    best = math.inf
    for _ in range(a.repeat):
        started = time.perf_counter()
        pending = [
            translator.translate_batch(
                batch, beam_size=a.beam, max_batch_size=a.batch_size, min_decoding_length=a.out_tokens,
                max_decoding_length=a.out_tokens, asynchronous=True,
            )
            for batch in batches
        ]  # fmt: skip
        lengths = [len(p.result().hypotheses[0]) for ps in pending for p in ps]
        best = min(best, time.perf_counter() - started)
    assert set(lengths) == {a.out_tokens}, lengths
    return {
        "sentences": len(sources), "tokens": sum(lengths), "seconds": best, "load_s": load_s,
        "rss_loaded_mb": rss_loaded, "layout": [inter, intra], "batches": [len(b) for b in batches],
    }  # fmt: skip


# -- children: Argos Translate (under the Argos environment) ----------------------------------


def load_argos():
    """Argos's own loading path; returns (translation, seconds). A one-word translation loads
    what Argos loads lazily on first use (the CTranslate2 model, SentencePiece, the sentencizer)."""
    started = time.perf_counter()
    import argostranslate.translate

    translation = argostranslate.translate.get_translation_from_codes("en", "de")
    translation.translate("Start.")
    return translation, time.perf_counter() - started


def argos_settings(forced: type) -> dict:
    from argostranslate import settings

    return {
        "inter_threads": settings.inter_threads, "intra_threads": settings.intra_threads,
        "batch_size": settings.batch_size, "beam_size": settings.beam_size,
        "chunk_type": settings.chunk_type.name, **forced.settings,
    }  # fmt: skip


def child_argos(a: argparse.Namespace) -> dict:
    """The same sentences through Argos's public ``translate``, one sentence per line (Argos
    translates line by line), each line kept whole: its sentencizer would re-split the bench's
    30-token sentences at their full stops, and then no longer decode the same inputs."""
    forced = force_output_length(lambda longest: a.out_tokens)
    sources = make_sources(Path(a.model), a.sentences, a.src_tokens)
    translation, load_s = load_argos()
    rss_loaded = peak_rss_mb()
    translation.underlying.sentencizer.split_sentences = lambda text: [text]
    text = "\n".join(sources)
    best = math.inf
    for _ in range(a.repeat):
        translation.cache = {}  # Argos's CachedTranslation would answer a repeated text itself
        forced.calls.clear()
        started = time.perf_counter()
        out = translation.translate(text)
        best = min(best, time.perf_counter() - started)
    inputs, tokens = decoded_tokens(forced)
    assert inputs == len(sources) and out.count("\n") == len(sources) - 1, (
        inputs,
        len(sources),
    )
    return {
        "sentences": inputs, "tokens": tokens, "seconds": best, "load_s": load_s, "rss_loaded_mb": rss_loaded,
        "calls": len(forced.calls), "argos": argos_settings(forced),
    }  # fmt: skip


def child_argos_article(a: argparse.Namespace) -> dict:
    """The whole sample article through Argos's public ``translate``, its own sentencizer on."""
    forced = force_output_length(lambda longest: math.ceil(E2E_LENGTH_RATIO * longest))
    translation, load_s = load_argos()
    forced.calls.clear()
    started = time.perf_counter()
    out = translation.translate(SAMPLE.read_text(encoding="utf-8"))
    engine_s = time.perf_counter() - started
    Path(a.out).write_text(out, encoding="utf-8")
    inputs, tokens = decoded_tokens(forced)
    return {"segments": inputs, "tokens": tokens, "engine_s": engine_s, "load_s": load_s, "calls": len(forced.calls),
            "argos": argos_settings(forced)}  # fmt: skip


def child_argos_probe(a: argparse.Namespace) -> dict:
    """Argos as it ships, with a package that brings no sentence-splitting model: what happens
    offline (its default splitter downloads one on first use)."""
    try:
        import argostranslate.translate

        text = argostranslate.translate.translate("Hello world. This is a test.", "en", "de")
        return {"ok": True, "output": text}
    except Exception as exc:  # noqa: BLE001 - the failure is the result
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if "site-packages" in f.filename]
        where = [f"{Path(f.filename).parent.name}/{Path(f.filename).name}:{f.lineno} ({f.name})" for f in frames]
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}", "where": where}


def child_argos_package(a: argparse.Namespace) -> dict:
    """Package the converted model as an ``.argosmodel`` and install it with Argos's own installer.

    The zip holds ``metadata.json``, ``model/`` (the CTranslate2 model, with ``add_source_eos``
    on: Marian models are trained with ``</s>`` after the source, which newsl10n appends itself),
    ``sentencepiece.model`` (the model's joint SentencePiece) and, unless ``--no-sbd``, ``spacy/``:
    a blank spaCy English pipeline, for Argos's rule-based sentencizer (``ARGOS_CHUNK_TYPE=SPACY``),
    since no stanza or MiniSBD model can be downloaded here.
    """
    import argostranslate.package

    ct2_model = Path(a.ct2_model)
    build = Path(a.out).with_suffix(".build") / PACKAGE_NAME
    shutil.rmtree(build.parent, ignore_errors=True)
    (build / "model").mkdir(parents=True)
    for name in ("model.bin", "shared_vocabulary.json"):
        shutil.copy(ct2_model / name, build / "model" / name)
    config = json.loads((ct2_model / "config.json").read_text(encoding="utf-8"))
    (build / "model" / "config.json").write_text(json.dumps({**config, "add_source_eos": True}, indent=1))
    shutil.copy(ct2_model / "source.spm", build / "sentencepiece.model")
    metadata = {
        "package_version": "1.0", "argos_version": ARGOS_VERSION, "from_code": "en", "from_name": "English",
        "to_code": "de", "to_name": "German", "type": "translate",
    }  # fmt: skip
    (build / "metadata.json").write_text(json.dumps(metadata, indent=1))
    (build / "README.md").write_text(f"newsl10n bench: {ct2_model.name}, random weights.\n")
    if not a.no_sbd:
        import spacy

        spacy.blank("en").to_disk(build / "spacy")
    with zipfile.ZipFile(a.out, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(build.rglob("*")):
            z.write(path, path.relative_to(build.parent))
    shutil.rmtree(build.parent)
    argostranslate.package.install_from_path(Path(a.out))
    return {"installed": [str(p.package_path) for p in argostranslate.package.get_installed_packages()]}


def child_newsl10n_article(a: argparse.Namespace) -> dict:
    """``newsl10n translate`` of the sample article (config from ``--config``), output lengths
    forced by the same rule as Argos's, time inside the engine counted."""
    forced = force_output_length(lambda longest: math.ceil(E2E_LENGTH_RATIO * longest))
    from newsl10n.cli import app
    from newsl10n.translate import ct2

    engine_s = [0.0]
    real_translate = ct2.CT2Translator.translate

    def timed(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return real_translate(self, *args, **kwargs)
        finally:
            engine_s[0] += time.perf_counter() - started

    ct2.CT2Translator.translate = timed
    app(
        ["translate", str(SAMPLE), "--config", a.config, "--quiet", "--force"],
        standalone_mode=False,
    )
    inputs, tokens = decoded_tokens(forced)
    return {
        "segments": inputs,
        "tokens": tokens,
        "engine_s": engine_s[0],
        "calls": len(forced.calls),
        "settings": forced.settings,
    }


CHILDREN = {
    "raw-ct2": child_raw_ct2, "argos": child_argos, "argos-article": child_argos_article,
    "argos-probe": child_argos_probe, "argos-package": child_argos_package, "newsl10n-article": child_newsl10n_article,
}  # fmt: skip


# -- the parent's side ------------------------------------------------------------------------


def argos_python() -> Path | None:
    """The Argos environment's interpreter, once ``bench/run.sh`` has installed it completely."""
    python = ARGOS_VENV / "bin" / "python"
    return python if (ARGOS_VENV / ".installed").is_file() else None


def argos_env(work: Path, packages: Path, beam: int, chunk: str | None = "SPACY") -> dict[str, str]:
    """Argos's settings for one child: its folders under ``work`` (Argos creates them at import),
    the beam; no newsl10n on the path."""
    home = work / "argos" / "home"
    env = child_env(
        XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"),
        ARGOS_PACKAGES_DIR=str(packages), ARGOS_BEAM_SIZE=str(beam), ARGOS_DEVICE_TYPE="cpu",
    )  # fmt: skip
    env.pop("PYTHONPATH")
    if chunk:
        env["ARGOS_CHUNK_TYPE"] = chunk
    return env


def run_peer(
    mode: str,
    python: Path,
    env: dict[str, str],
    work: Path,
    timeout: float | None = None,
    **options,
) -> dict:
    command = [str(python), str(Path(__file__).resolve()), "--child", mode]
    for key, value in options.items():
        if value is True:
            command.append(f"--{key.replace('_', '-')}")
        elif value is not None and value is not False:
            command += [f"--{key.replace('_', '-')}", str(value)]
    return run_json_child(command, env, work, timeout)


def install_argos(work: Path, ct2_model: Path) -> dict:
    """Package and install the model twice (with the spaCy sentencizer, and as a package without
    any sentence model), once per converted model; then probe Argos's default splitter offline."""
    python = argos_python()
    if python is None:
        return {"error": f"no Argos environment at {ARGOS_VENV} (bench/run.sh makes it)"}
    root = work / "argos" / ct2_model.name
    for variant, no_sbd in (("packages", False), ("packages-default", True)):
        if not (root / variant / PACKAGE_NAME / "metadata.json").is_file():
            run_peer("argos-package", python, argos_env(work, root / variant, 4), work,
                     ct2_model=ct2_model, out=root / f"{variant}.argosmodel", no_sbd=no_sbd)  # fmt: skip
    try:
        probe = run_peer(
            "argos-probe",
            python,
            argos_env(work, root / "packages-default", 4, chunk=None),
            work,
            timeout=300,
        )
    except Exception as exc:  # noqa: BLE001 - a hung download is a result too
        probe = {"ok": False, "error": f"probe did not finish: {exc}"}
    return {
        "packages": root / "packages",
        "package_file": root / "packages.argosmodel",
        "probe": probe,
    }


def engine_rows(args, beam: int, model: Path, ct2_model: Path, argos: dict) -> list[dict]:
    """The raw CTranslate2 and Argos rows of the engine table at ``beam``."""
    common = {"model": model, "beam": beam, "threads": args.threads, "batch_size": args.batch_size, "sentences": args.sentences,
              "src_tokens": args.src_tokens, "out_tokens": args.out_tokens, "repeat": args.repeat}  # fmt: skip
    rows = [dict(run_peer("raw-ct2", Path(sys.executable), child_env(), args.work, ct2_model=ct2_model, **common),
                 name="raw CTranslate2 int8 (translate_batch)")]  # fmt: skip
    if "packages" in argos:
        result = run_peer(
            "argos",
            argos_python(),
            argos_env(args.work, argos["packages"], beam),
            args.work,
            **common,
        )
        rows.append(dict(result, name=f"Argos Translate {ARGOS_VERSION}"))
        # As it ships, Argos leaves intra_threads to CTranslate2 (4 threads, whatever the cores);
        # the same with one thread per core, the most its one-line-at-a-time calls can use.
        env = {**argos_env(args.work, argos["packages"], beam), "ARGOS_INTRA_THREADS": str(args.threads)}
        result = run_peer("argos", argos_python(), env, args.work, **common)
        rows.append(dict(result, name=f"Argos Translate {ARGOS_VERSION}, ARGOS_INTRA_THREADS={args.threads}"))
    for row in rows:
        row.update(beam=beam, tok_s=row["tokens"] / row["seconds"])
    return rows


def article_config(work: Path, model: Path, beam: int) -> Path:
    """newsl10n's side of the article comparison: into de only (one Argos package is one pair),
    no glossary (Argos has none), the ctranslate2 engine at ``beam``, a fresh memory."""
    name = f"peer-article-b{beam}"
    shutil.rmtree(work / f"{name}-out", ignore_errors=True)
    (work / f"{name}-tm.sqlite").unlink(missing_ok=True)
    lines = [
        "source_lang: en", f"out: '{work / name}-out'", f"catalogs: '{ROOT / 'locales'}'", "glossaries: []",
        "engine: ctranslate2", f"decoding: {{beam_size: {beam}, batch_size: 16, max_length: 512, threads: 0}}",
        f"ctranslate2: {{quantization: int8, models_cache: '{work / 'ct2-cache'}'}}",
        f"tm: {{path: '{work / name}-tm.sqlite'}}", "locales:", f"  de: {{model: '{model}'}}",
    ]  # fmt: skip
    path = work / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def article_runs(work: Path, model: Path, argos: dict) -> dict:
    """The sample article through ``newsl10n translate`` and through Argos, greedy and beam 4,
    each the whole command in a fresh interpreter."""
    runs = {}
    for beam in (1, 4):
        config = article_config(work, model, beam)
        runs[("newsl10n translate", beam)] = run_peer(
            "newsl10n-article", Path(sys.executable), child_env(), work, config=config
        )
        if "packages" in argos:
            env = argos_env(work, argos["packages"], beam)
            out = work / f"argos-article-b{beam}.txt"
            runs[(f"Argos Translate {ARGOS_VERSION}", beam)] = run_peer(
                "argos-article", argos_python(), env, work, out=out
            )
            print(
                f"article, beam {beam}: newsl10n {runs[('newsl10n translate', beam)]['wall_s']:.1f} s",
                flush=True,
            )
    return runs


def render(args, rows: list[dict], argos: dict, article: dict) -> tuple[list[str], list[tuple[str, str, bool]]]:
    """The peers' part of the engine section (tables and notes), and its targets."""
    if not argos:
        return [], []
    by = {(r["name"], r["beam"]): r for r in rows}
    ours, raw, peer = (
        "newsl10n ctranslate2 int8",
        "raw CTranslate2 int8 (translate_batch)",
        f"Argos Translate {ARGOS_VERSION}",
    )
    settings = next((r["argos"] for r in rows if r["name"] == peer), {})
    layouts = {r["beam"]: r["layout"] for r in rows if r["name"] == raw}
    lines = [
        "", "## Peers: raw CTranslate2 and Argos Translate", "",
        "Same int8 model folder, same sentences, same forced output length, in the run above. **Raw CTranslate2** is "
        "`translate_batch` on pre-tokenized (untimed), length-sorted batches: the engine's batch size, all batches "
        "submitted at once, and the thread layout the engine picks (`newsl10n.translate.ct2.thread_layout`: "
        + ", ".join(f"beam {b}: {i} replica(s) x {t} thread(s)" for b, (i, t) in sorted(layouts.items()))
        + "). The newsl10n row adds what the engine does around that call: SentencePiece in and out, its "
        "glossary checks (no terms here), `Translation` objects.",
        "",
        f"**Argos Translate {ARGOS_VERSION}** runs in a bench-only environment (`bench/.work/argos-venv`, made by "
        "`bench/run.sh`, not a project dependency), with the same converted model packaged as an `.argosmodel` "
        "(`metadata.json`, `model/`, `sentencepiece.model`, `spacy/`) and installed with "
        "`argostranslate.package.install_from_path`. It decodes with its own settings: "
        + ", ".join(f"{k} {v}" for k, v in settings.items())
        + ". It translates text line by line: the sentences go in one per line, each kept whole (its "
        "sentencizer would cut the bench's 30-token sentences at their full stops). A random model never ends "
        "a sentence, so every engine's `ctranslate2.Translator.translate_batch` is made to decode exactly the "
        "same number of tokens (a subclass, in the bench's child processes only).",
        "",
        f"Argos is measured as it ships and with `ARGOS_INTRA_THREADS={args.threads}` (one thread per core).",
        "",
        f"| beam | raw CTranslate2 tokens/s | newsl10n tokens/s | newsl10n time over raw | Argos tokens/s (as shipped / {args.threads} threads) | newsl10n / Argos | peak RSS MB: raw / newsl10n / Argos |",
        "|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    checks = []
    for beam in (1, 4):
        r, o, a = by.get((raw, beam)), by.get((ours, beam)), by.get((peer, beam))
        t = by.get((f"{peer}, ARGOS_INTRA_THREADS={args.threads}", beam))
        if not (r and o):
            continue
        overhead = r["tok_s"] / o["tok_s"] - 1
        vs_argos = " / ".join(f"{o['tok_s'] / x['tok_s']:.1f}x" for x in (a, t) if x) or "-"
        rss = " / ".join(f"{x['peak_rss_mb']:.0f}" if x else "-" for x in (r, o, a))
        argos_tok_s = " / ".join(f"{x['tok_s']:.0f}" for x in (a, t) if x) or "-"
        lines.append(
            f"| {beam} | {r['tok_s']:.0f} | {o['tok_s']:.0f} | {overhead:+.1%} | {argos_tok_s} | {vs_argos} | {rss} |"
        )
        checks.append(
            (
                f"newsl10n ctranslate2 within 10% of raw CTranslate2, same batches, beam {beam}",
                f"{overhead:+.1%} time",
                overhead <= 0.10,
            )
        )
    if article:
        lines += [
            "",
            (
                "The whole sample article (`examples/new-start-dialogue.txt`) into German: `newsl10n translate` with "
            "the ctranslate2 engine (batch 16, threads 0, no glossary: Argos has none, fresh memory, bundles "
            "written) against Argos's `translate()` (its own paragraph split and spaCy sentencizer), each the whole "
            "command in a fresh interpreter, imports and model load included. Both decode each `translate_batch` "
            f"call to {E2E_LENGTH_RATIO}x its longest source: newsl10n's calls hold up to 16 length-sorted segments, "
            "Argos's one paragraph each, so newsl10n pads more rows up to a longer neighbour and decodes more "
            "tokens for the same article (a real model would end each row at its own EOS)."
            ),
            "",
            "| run | beam | whole command s | in the engine s | load s | sentences decoded | tokens decoded | tokens/s in the engine | peak RSS MB |",
            "|---|---|---|---|---|---|---|---|---|",
        ]  # fmt: skip
        for (name, beam), x in sorted(article.items(), key=lambda kv: (kv[0][1], kv[0][0] != "newsl10n translate")):
            load = f"{x['load_s']:.1f}" if "load_s" in x else "-"
            lines.append(f"| {name} | {beam} | {x['wall_s']:.2f} | {x['engine_s']:.2f} | {load} | {x['segments']} | {x['tokens']} | "
                         f"{x['tokens'] / x['engine_s']:.0f} | {x['peak_rss_mb']:.0f} |")  # fmt: skip
        for beam in (1, 4):
            o, a = article.get(("newsl10n translate", beam)), article.get((peer, beam))
            if o and a:
                ratio = a["wall_s"] / o["wall_s"]
                engine = (o["tokens"] / o["engine_s"]) / (a["tokens"] / a["engine_s"])
                checks.append((f"newsl10n >= 2x Argos end to end on the sample article, beam {beam}",
                               f"{ratio:.1f}x (whole command); {engine:.1f}x tokens/s in the engine", ratio >= 2))  # fmt: skip
    probe = argos.get("probe") or {}
    lines += ["", "Offline: " + (
        f"Argos did not run: {argos['error']}." if "error" in argos else
        "Argos ran offline with the packaged spaCy sentencizer (`ARGOS_CHUNK_TYPE=SPACY`; it logs a failed download "
        "of spaCy's `xx_sent_ud_sm` at import and goes on). As it ships, with a package that brings no sentence "
        "model (none can be downloaded here), its first translation fails: "
        + (f"`{probe['error']}`, raised in " + " -> ".join(f"`{w}`" for w in probe.get("where", [])[-4:])
           + " (MiniSBD fetching its English model from GitHub)." if not probe.get("ok") else "it did not fail.")
    )]  # fmt: skip
    return lines, checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", choices=sorted(CHILDREN), required=True)
    for name in ("model", "ct2-model", "config", "out"):
        parser.add_argument(f"--{name}")
    for name, default in (("beam", 1), ("threads", 1), ("batch-size", 16), ("sentences", 32), ("src-tokens", 30),
                          ("out-tokens", 40), ("repeat", 1)):  # fmt: skip
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--no-sbd", action="store_true")
    a = parser.parse_args()
    print_result(CHILDREN[a.child](a))


if __name__ == "__main__":
    main()
