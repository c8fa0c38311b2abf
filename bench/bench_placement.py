"""Placement benchmark: do forced glossary terms sit where their source term was?

    python bench/bench_placement.py                  # the cached copy model (built on first use)
    python bench/bench_placement.py --model PATH     # any en->en copy model folder

Runs ``newsl10n translate`` (one subprocess per engine, with the repository's glossaries) with
the en->en copy model (newsl10n.testsupport.copymodel) mapped to de, fr and es, over examples/*.txt, then
reads each bundle's segments.json. The copy model writes its source back, so a forced term is in
context when the text before it in the target equals the text before the source term in the
source (whitespace-normalised). It copies by position: after a forced term whose length differs
from the source span what follows drifts, so only the words before a term are evidence. Term-free
segments should come back verbatim. One more run per engine without a glossary gives the
decoding time that enforcement adds (the manifests' translate_s).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINES = ("ctranslate2", "transformers")
LOCALES = ("de", "fr", "es")


@dataclass
class Placement:
    """Counts for one engine and locale, over every article."""

    engine: str
    locale: str
    forced: int = 0
    in_context: int = 0
    model_terms: int = 0
    violated: int = 0
    term_free: int = 0
    verbatim: int = 0
    translate_s: float = 0.0
    translate_s_no_glossary: float | None = None
    misplaced: list[dict[str, str]] = field(default_factory=list)
    methods: dict[str, int] = field(default_factory=dict)
    """Forced terms per enforcement method (codeswitch, place, ...)."""

    @property
    def percent(self) -> float:
        return 100 * self.in_context / self.forced if self.forced else 100.0


def normalise(text: str) -> str:
    return " ".join(text.split())


def occurrence(text: str, needle: str, index: int) -> int:
    """Start of the ``index``-th (0-based) occurrence of ``needle`` in ``text``, or -1."""
    start = -1
    for _ in range(index + 1):
        start = text.find(needle, start + 1)
        if start < 0:
            return -1
    return start


def term_in_context(
    source: str, target: str, term: Mapping[str, object], nth: int = 0, earlier: Sequence[Mapping[str, object]] = ()
) -> bool:
    """The target's text before the term equals the source's text before the source term, with
    the segment's earlier terms (``earlier``) in their target forms."""
    form = str(term.get("found") or term["expected"])
    at_source = occurrence(source, str(term["source"]), nth)
    at_target = occurrence(target, form, nth)
    if at_source < 0 or at_target < 0:
        return False
    before = source[:at_source]
    for other in earlier:
        before = before.replace(str(other["source"]), str(other.get("found") or other["expected"]), 1)
    return normalise(before) == normalise(target[:at_target])


def score_segments(placement: Placement, segments: Sequence[Mapping[str, object]]) -> None:
    """Add one bundle's segments to ``placement``."""
    for segment in segments:
        source, target = str(segment["source"]), str(segment["target"])
        terms = segment.get("terms") or []
        if not terms:
            placement.term_free += 1
            placement.verbatim += source == target
            continue
        seen: dict[str, int] = {}
        for term in terms:
            nth = seen.get(str(term["source"]), 0)
            seen[str(term["source"])] = nth + 1
            if term["status"] == "present":
                placement.model_terms += 1
            elif term["status"] == "violated":
                placement.violated += 1
            elif term["status"] == "enforced":
                placement.forced += 1
                method = str(term.get("method", ""))
                placement.methods[method] = placement.methods.get(method, 0) + 1
                if term_in_context(source, target, term, nth, terms[: terms.index(term)]):
                    placement.in_context += 1
                else:
                    placement.misplaced.append({"id": str(term["id"]), "source": source, "target": target})


def write_config(folder: Path, model: Path, locales: Sequence[str], glossary: bool) -> Path:
    """A pipeline.yaml with the copy model for every locale; outputs and caches inside ``folder``."""
    lines = [
        "source_lang: en",
        f"out: {json.dumps(str(folder / 'out'))}",
        f"glossaries: [{json.dumps(str(ROOT / 'glossaries'))}]" if glossary else "glossaries: []",
        "decoding: {beam_size: 4, batch_size: 16}",
        f"ctranslate2: {{models_cache: {json.dumps(str(folder / 'ct2'))}}}",
        "tm: {enabled: false}",
        "locales:",
        *[f"  {locale}: {{model: {json.dumps(str(model))}}}" for locale in locales],
    ]
    path = folder / "pipeline.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def translate(folder: Path, model: Path, engine: str, locales: Sequence[str], articles: Sequence[Path],
              glossary: bool = True) -> Path:
    """Run ``newsl10n translate`` in a subprocess; returns its output folder."""
    folder.mkdir(parents=True, exist_ok=True)
    config = write_config(folder, model, locales, glossary)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "newsl10n", "translate", *map(str, articles), "--config", str(config),
               "--engine", engine, "--to", ",".join(locales), "--quiet", "--force"]
    subprocess.run(command, check=True, env=env, cwd=folder, capture_output=True, text=True)
    return folder / "out"


def bundles(out: Path) -> list[tuple[str, list[Mapping[str, object]], Mapping[str, object]]]:
    """(locale, segments, manifest) of every bundle under ``out``."""
    found = []
    for segments_file in sorted(out.glob("*/*/segments.json")):
        manifest = json.loads((segments_file.parent / "manifest.json").read_text(encoding="utf-8"))
        segments = json.loads(segments_file.read_text(encoding="utf-8"))["segments"]
        found.append((str(manifest["locale"]), segments, manifest))
    return found


def measure(model: Path, *, engines: Sequence[str] = ENGINES, locales: Sequence[str] = LOCALES,
            articles: Sequence[Path] | None = None, work: Path | None = None,
            timing: bool = True) -> list[Placement]:
    """Placement counts per engine and locale (the harness as a function, for tests to reuse)."""
    articles = list(articles or sorted((ROOT / "examples").glob("*.txt")))
    with tempfile.TemporaryDirectory(prefix="placement-") as tmp:
        work = work or Path(tmp)
        results = []
        for engine in engines:
            table = {locale: Placement(engine, locale) for locale in locales}
            out = translate(work / engine, model, engine, locales, articles)
            for locale, segments, manifest in bundles(out):
                score_segments(table[locale], segments)
                table[locale].translate_s += float(manifest["timings"]["translate_s"])
            if timing:
                plain = translate(work / f"{engine}-plain", model, engine, locales, articles, glossary=False)
                for locale, _, manifest in bundles(plain):
                    spent = table[locale].translate_s_no_glossary or 0.0
                    table[locale].translate_s_no_glossary = spent + float(manifest["timings"]["translate_s"])
            results.extend(table.values())
        return results


def format_table(results: Sequence[Placement]) -> str:
    head = ("engine", "locale", "forced", "in context", "%", "methods", "model terms", "violated",
            "verbatim term-free", "translate s", "without glossary s")
    rows = [head]
    for r in results:
        plain = f"{r.translate_s_no_glossary:.2f}" if r.translate_s_no_glossary is not None else "-"
        methods = ", ".join(f"{m} {n}" for m, n in sorted(r.methods.items())) or "-"
        rows.append((r.engine, r.locale, str(r.forced), str(r.in_context), f"{r.percent:.0f}", methods,
                     str(r.model_terms), str(r.violated), f"{r.verbatim}/{r.term_free}",
                     f"{r.translate_s:.2f}", plain))
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def format_misplaced(results: Sequence[Placement]) -> str:
    out = []
    for r in results:
        for m in r.misplaced:
            out.append(f"[{r.engine} {r.locale}] {m['id']}\n  source: {m['source']}\n  target: {m['target']}")
    return "\n".join(out)


def enforcement_cost(model: Path, engine: str, *, locale: str = "de", articles: Sequence[Path] | None = None,
                     repeats: int = 3) -> tuple[int, float, float]:
    """Decoding time of the segments whose output needed a forced term, with their constraints
    and without (best of ``repeats``, same loaded engine, side by side): (segments, s, s)."""
    import time

    sys.path.insert(0, str(ROOT / "src"))
    from newsl10n.config import PipelineConfig
    from newsl10n.source import read_article
    from newsl10n.terms.check import missing_terms
    from newsl10n.terms.files import require_valid
    from newsl10n.terms.source import SourceTerms, required_terms
    from newsl10n.translate.base import make_translator
    from newsl10n.translate.spec import engine_specs

    config = PipelineConfig(locales={locale: {"model": str(model)}}, ctranslate2={"models_cache": str(
        Path(tempfile.mkdtemp(prefix="placement-ct2-")))})
    terms = SourceTerms(require_valid([ROOT / "glossaries"]))
    translator = make_translator(engine_specs(config, [locale], {}, engine)[locale])
    sources, constraints = [], []
    for path in articles or sorted((ROOT / "examples").glob("*.txt")):
        source = read_article(path, config, terms)
        ids = [s.id for s in source.article.segments]
        for seg, required in zip(source.article.segments, required_terms(source, ids, locale, terms)):
            if required:
                sources.append(seg.text)
                constraints.append([c for _, c in required])
    plain = translator.translate(sources)
    keep = [i for i, out in enumerate(plain) if missing_terms(out.text, constraints[i])]
    sources, constraints = [sources[i] for i in keep], [constraints[i] for i in keep]

    def best(run) -> float:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        return min(times)

    free = best(lambda: translator.translate(sources))
    forced = best(lambda: translator.translate(sources, constraints=constraints))
    return len(sources), forced, free


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="copy model folder (default: the cached copy model)")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--locales", default=",".join(LOCALES))
    parser.add_argument("--no-timing", action="store_true", help="skip the runs without a glossary")
    parser.add_argument("--show", action="store_true", help="print every misplaced term's segment")
    args = parser.parse_args(argv)
    if args.model is None:
        sys.path.insert(0, str(ROOT / "src"))
        from newsl10n.testsupport.copymodel import cached_copy_model

        args.model = cached_copy_model(log=lambda m: print(m, file=sys.stderr))
    results = measure(args.model, engines=args.engines.split(","), locales=args.locales.split(","),
                      timing=not args.no_timing)
    print(format_table(results))
    if not args.no_timing:
        for engine in args.engines.split(","):
            count, forced, free = enforcement_cost(args.model, engine)
            print(f"{engine}: {count} segments that needed a forced term decode in {forced:.2f} s with their "
                  f"terms, {free:.2f} s without ({forced / free:.2f}x), beam 4 as configured")
    if args.show:
        print(format_misplaced(results))


if __name__ == "__main__":
    main()
