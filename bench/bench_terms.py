"""Terminology benchmark: term matching speed, and what enforcement costs translation.

    python bench/bench_terms.py                  # tiny random model (seconds)
    python bench/bench_terms.py --size opus-mt   # opus-mt-en-de architecture, random weights

1. Matching: 2,000 terms (the shipped glossary plus generated ones, with variants and
   misspellings) over 1 MB of text: automaton build, one ``find`` over the whole text, ``find``
   per paragraph (as the pipeline calls it) and ``correct``. Target: under 0.5 s.
2. Translation of segments that contain no glossary term, without a glossary and with one (term
   matching plus the engine's constrained path), side by side in one process, interleaved
   repeats. CPU time of this process (torch on one thread by default), so that other load on
   the machine disturbs the comparison less than wall time would. Target: within 5 %.
3. For information: segments that do contain terms, unconstrained and with every term enforced.

Random weights: the numbers are about speed, never quality.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from newsl10n.terms.files import Entry, Glossary, TargetTerms, require_valid
from newsl10n.terms.source import SourceTerms

WORDS = (
    "government minister talks security border forces agreement treaty region council envoy "
    "ceasefire summit energy sanctions report capital delegation parliament election market "
    "pipeline harbour missile drone coalition statement inquiry budget reform court"
).split()


def make_terms(count: int, rng: random.Random) -> Glossary:
    """The shipped entries plus generated two- and three-word terms up to ``count`` source terms."""
    shipped = require_valid([ROOT / "glossaries"])
    entries = list(shipped.entries)
    seen = {t.casefold() for e in entries for t in (*e.source_terms, *e.misspellings)}
    n = sum(len(e.source_terms) + len(e.misspellings) for e in entries)
    i = 0
    while n < count:
        words = [rng.choice(WORDS).capitalize() for _ in range(rng.choice((2, 2, 3)))] + [f"X{i}"]
        source = " ".join(words)
        i += 1
        if source.casefold() in seen:
            continue
        variants = [source.upper()] if i % 4 == 0 else []
        misspellings = {source.replace("X", "Xx", 1): source} if i % 10 == 0 else {}
        for term in (source, *variants, *misspellings):
            seen.add(term.casefold())
        entries.append(
            Entry(
                id=f"gen-{i}",
                source=source,
                variants=variants,
                misspellings=misspellings,
                case_sensitive=i % 3 == 0,
                targets={"de": TargetTerms(preferred=f"Begriff {i}")},
            )
        )
        n += 1 + len(variants) + len(misspellings)
    return Glossary(tuple(entries), "en")


def make_text(glossary: Glossary, size: int, rng: random.Random) -> list[str]:
    """Paragraphs of about 600 characters, about one term in 40 words, up to ``size`` characters."""
    terms = [t for e in glossary.entries for t in (*e.source_terms, *e.misspellings)]
    paragraphs: list[str] = []
    total = 0
    while total < size:
        words = []
        while sum(len(w) + 1 for w in words) < 600:
            words.append(rng.choice(terms) if rng.random() < 0.025 else rng.choice(WORDS))
        paragraph = " ".join(words) + "."
        paragraph = paragraph[0].upper() + paragraph[1:]
        paragraphs.append(paragraph)
        total += len(paragraph) + 1
    return paragraphs


def best_of(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def bench_matching(terms_count: int, size: int) -> dict[str, float]:
    rng = random.Random(0)
    glossary = make_terms(terms_count, rng)
    paragraphs = make_text(glossary, size, rng)
    text = "\n".join(paragraphs)
    build = best_of(lambda: SourceTerms(glossary), 3)
    terms = SourceTerms(glossary)
    whole = best_of(lambda: terms.find(text))
    per_paragraph = best_of(lambda: [terms.find(p) for p in paragraphs])
    correct = best_of(lambda: [terms.correct(p) for p in paragraphs])
    found = sum(len(terms.find(p)) for p in paragraphs)
    return {
        "source terms": sum(len(e.source_terms) + len(e.misspellings) for e in glossary.entries),
        "characters": len(text),
        "matches": found,
        "build_s": build,
        "find_whole_s": whole,
        "find_per_paragraph_s": per_paragraph,
        "correct_per_paragraph_s": correct,
    }


NO_TERM_SOURCES = [
    "In a significant development in the global geopolitical landscape, both countries announced an agreement.",
    "This crucial step comes just hours after the expiration of the last major agreement on nuclear arsenals.",
    "Background to the event: the end of the era of nuclear censorship",
    "Signed in 2010, this treaty served as a cornerstone in limiting the nuclear arms race.",
    "With its expiration without renewal, relations have entered a new phase characterized by uncertainty.",
    "The statement read, “Maintaining dialogue is crucial to promoting global stability and peace.”",
    "The Command affirmed that these channels provide an effective means of increasing transparency.",
    "Observers believe that resuming military dialogue represents a necessary safety valve.",
]
TERM_SOURCES = [
    "Resumption of military dialogue between the US and Russia after New START",
    "The talks were hosted by the UAE capital, Abu Dhabi, with Steve Witkoff and Jared Kushner present.",
    "In response to this development, the U.S. European Command issued a statement.",
    "Direct military communication channels (deconfliction lines) are the only remaining tool, NATO said.",
]


def bench_translation(size: str, segments: int, repeats: int) -> dict[str, list[float]]:
    import torch

    from newsl10n.config import DecodingSettings
    from newsl10n.testsupport.randommodels import ARCHITECTURES, build_random_marian
    from newsl10n.translate.spec import EngineSpec
    from newsl10n.translate.marian import MarianTranslator

    glossary = require_valid([ROOT / "glossaries"])
    terms = SourceTerms(glossary)
    corpus = (ROOT / "examples" / "new-start-dialogue.txt").read_text(encoding="utf-8").splitlines()
    corpus += [f for e in glossary.entries for f in e.targets["de"].forms] * 5
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = build_random_marian(Path(tmp) / "en-de", corpus, target_lang="de", architecture=ARCHITECTURES[size])
        decoding = DecodingSettings(beam_size=4, batch_size=16, max_length=128)
        translator = MarianTranslator.load(EngineSpec("transformers", str(folder), "en", "de", decoding))
        plain = (NO_TERM_SOURCES * (segments // len(NO_TERM_SOURCES) + 1))[:segments]
        with_terms = (TERM_SOURCES * (segments // len(TERM_SOURCES) + 1))[:segments]
        assert not any(terms.find(s) for s in plain)

        def constraints(sources):
            return [[c for h in terms.find(s) if (c := terms.constraint(h, "de"))] for s in sources]

        runs = {
            "no terms, no glossary": lambda: translator.translate(plain),
            "no terms, glossary": lambda: translator.translate(plain, constraints=constraints(plain)),
            "terms, no glossary": lambda: translator.translate(with_terms),
            "terms, enforced": lambda: translator.translate(with_terms, constraints=constraints(with_terms)),
        }
        for run in runs.values():  # warm up
            run()
        times: dict[str, list[float]] = {name: [] for name in runs}
        order = list(runs)
        for _ in range(repeats):
            for name in order:
                started = time.process_time()
                runs[name]()
                times[name].append(time.process_time() - started)
            order.reverse()  # no run always goes first
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terms", type=int, default=2000)
    parser.add_argument("--megabytes", type=float, default=1.0)
    parser.add_argument("--size", choices=("tiny", "opus-mt"), default="tiny")
    parser.add_argument("--segments", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (1: steadier on a busy machine)")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}, torch {torch.__version__}, {args.threads} thread(s)")
    m = bench_matching(args.terms, int(args.megabytes * 1_000_000))
    print(f"\n## Matching: {m['source terms']} source terms over {m['characters']:,} characters ({m['matches']:,} matches)")
    print("| step | seconds |\n|---|---|")
    for key in ("build_s", "find_whole_s", "find_per_paragraph_s", "correct_per_paragraph_s"):
        print(f"| {key[:-2].replace('_', ' ')} | {m[key]:.3f} |")
    ok = max(m["find_whole_s"], m["find_per_paragraph_s"]) < 0.5
    print(f"\nfind under 0.5 s: {'yes' if ok else 'NO'}")

    t = bench_translation(args.size, args.segments, args.repeats)
    print(f"\n## Translation: {args.segments} segments, {args.size} model (random weights), beam 4, "
          f"{args.repeats} interleaved runs each")
    print("| segments | run | best CPU s | median CPU s | best vs. no glossary | median vs. no glossary |")
    print("|---|---|---|---|---|---|")
    for name, values in t.items():
        ref = t["no terms, no glossary" if name.startswith("no terms") else "terms, no glossary"]
        best, median = min(values), statistics.median(values)
        print(f"| {name.split(', ')[0]} | {name.split(', ')[1]} | {best:.3f} | {median:.3f} | "
              f"{100 * (best / min(ref) - 1):+.1f} % | {100 * (median / statistics.median(ref) - 1):+.1f} % |")
    overhead = min(t["no terms, glossary"]) / min(t["no terms, no glossary"]) - 1
    print(f"\nno-term overhead (best of each) within 5 %: {'yes' if abs(overhead) <= 0.05 else 'NO'} "
          f"({100 * overhead:+.1f} %)")


if __name__ == "__main__":
    main()
