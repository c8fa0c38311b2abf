"""Where a missing glossary term goes, without costing the sentence: :func:`enforce`, the one
core every engine calls (ctranslate2, transformers, engines from outside the package).

For each segment whose first decode lacks a term, candidates are gathered: the code-switched
decodes (:mod:`.codeswitch`), the term swapped into the first decode where a code-switched
decode's alignment with it puts it, the first decode's words spliced before the term where the
engine aligned it, the engine's n-best, and the model-scored placement into the first decode
(:mod:`.scored`). Each must hold every required term (the one check, :mod:`newsl10n.terms.check`)
and pass the damage guard (:mod:`.guard`); the model's reading of the original source (where the
engine scores) or the least change chooses; where none is safe, the model's own sentence ships,
method :data:`UNSAFE`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from ..model import TermConstraint
from ..terms.check import missing_terms
from ..terms.check import term_spans as found_spans
from .codeswitch import CASED, PLAIN, QUOTED, swapped, tidied, variants
from .guard import Damage, assess
from .scored import (
    EXTRA_WORDS, FEW_CANDIDATES, MAX_CANDIDATES, Candidate, Hint, Scorer, candidates, place_terms, position_hint,
    words,
)  # fmt: skip

__all__ = [
    "METHODS", "UNSAFE", "Candidate", "Enforced", "Hint", "Scorer", "TokenScorer", "candidates", "enforce",
    "place_terms", "position_hint", "term_spans", "words",
]  # fmt: skip

ROWS_AT_ONCE = 16
"""Segments placed (and chosen among) per scoring round, so that memory stays bounded however
many segments a text is cut into."""


def _span_text(source: str, term: TermConstraint) -> str | None:
    return source[term.source_span[0] : term.source_span[1]] if term.source_span else None


Decoder = Callable[[Sequence[int], Sequence[str]], list[str]]
"""Outputs of the given source rows for the given (code-switched) source texts."""
TokenScorer = Callable[[Sequence[tuple[int, str]]], list[list[float]]]
"""Per target text, the log-probability of each of its tokens, teacher-forced on the ORIGINAL
source segment of the given index."""
METHODS = (PLAIN, CASED, QUOTED, "splice", "swap", "nbest", "place")
"""How a term can be put in (a segment's ``method``; the ctranslate2 engine prefixes ``ct2+``)."""
UNSAFE = "unsafe"
"""The method of a segment where no candidate kept the sentence whole: the model's own
sentence ships and its missing terms read violated, for a person to decide."""


@dataclass(frozen=True)
class Enforced:
    """One segment after enforcement: its text, the ids of the terms put in and how (``method``:
    "" when nothing was missing, one of :data:`METHODS`, or :data:`UNSAFE`), and ``changed``:
    the share of the first decode's words changed outside the terms' neighbourhood
    (:mod:`.guard`; None where nothing was put in)."""

    text: str
    forced: tuple[str, ...] = ()
    method: str = ""
    changed: float | None = None


@dataclass(frozen=True)
class _Option:
    method: str
    text: str
    damage: Damage


def enforce(
    sources: Sequence[str],
    outputs: Sequence[str],
    wanted: Sequence[Sequence[TermConstraint]],
    spell: Callable[[TermConstraint], tuple[str, ...]],
    decode: Decoder,
    score: TokenScorer | None,
    *,
    source_words: Callable[[int, TermConstraint], int],
    hints: Callable[[int, TermConstraint], Hint | None] = lambda row, term: None,
    alternatives: Mapping[int, Sequence[str]] | None = None,
    limited: Collection[int] = (),
) -> list[Enforced]:
    """Put the terms each first decode (``outputs``) lacks into it, without costing the sentence.

    Per segment that lacks a term, candidates are gathered: the decodes of the code-switched
    variants (:func:`.codeswitch.variants`, batched ``decode`` calls), each also swapped into
    the first decode where the two align (:func:`.codeswitch.swapped`) and, where the engine
    aligned the term (``hints``: attention, never a word count), spliced after the first
    decode's own words before it; the engine's n-best ``alternatives``; and, where no candidate
    changed only the term's neighbourhood, the model-scored placement into the first decode
    (needs ``score``, except for a source term the output copied). A candidate must hold every
    required term and pass the damage guard (:func:`.guard.assess`, against the first decode).
    Among those left, ``score`` (mean token log-probability under the original source) picks;
    without it the one that changed least. None left: the first decode ships, method
    :data:`UNSAFE`. Terms without a spellable form are left alone (they stay violated).

    Rows in ``limited`` (a first decode that ran to the engine's length limit) are not decoded
    again, whose second decode would run as long: they are placed, or unsafe. Work per row is
    bounded (:data:`.scored.MAX_CANDIDATES`), and rows are scored :data:`ROWS_AT_ONCE` at a time."""
    enforceable = [[t for t in terms if spell(t)] for terms in wanted]
    missing = [missing_terms(out, terms) for out, terms in zip(outputs, enforceable)]
    rows = [i for i, terms in enumerate(missing) if terms]
    options: dict[int, list[_Option]] = {i: [] for i in rows}

    def consider(i: int, method: str, text: str | None) -> None:
        _consider(options[i], method, text, outputs[i], sources[i], enforceable[i], missing[i], source_words, i)

    switched = {i: variants(sources[i], missing[i], spell) for i in rows if i not in limited}
    for stage in ((PLAIN,), (CASED, QUOTED)):  # the other variants only where the plain one did not just swap
        todo = [(i, m) for i in switched if not _exact(options[i]) for m in stage if m in switched[i]]
        decoded = decode([i for i, _ in todo], [switched[i][m] for i, m in todo]) if todo else []
        for (i, method), text in zip(todo, decoded):
            text = tidied(outputs[i], text, missing[i], quoted=method == QUOTED)
            consider(i, method, text)
            consider(i, "splice", _splice(outputs[i], text, missing[i], hints, i))
            swap = swapped(outputs[i], text, missing[i], lambda t, i=i: source_words(i, t) + EXTRA_WORDS)
            consider(i, "swap", tidied(outputs[i], swap, missing[i], quoted=False) if swap else None)
    for i in rows:
        for text in (alternatives or {}).get(i, ()):
            consider(i, "nbest", text)
    unplaced = [i for i in rows if all(o.damage.rewrite for o in options[i])]
    for chunk in range(0, len(unplaced), ROWS_AT_ONCE):
        part = unplaced[chunk : chunk + ROWS_AT_ONCE]
        placed = _placed(part, sources, outputs, missing, enforceable, spell, score, source_words, hints, limited)
        for i, text in zip(part, placed):
            consider(i, "place", text)
    chosen = _choose(options, score)
    results = [Enforced(out) for out in outputs]
    for i in rows:
        best = chosen.get(i)
        forced = tuple(t.id for t in missing[i])
        results[i] = Enforced(best.text, forced, best.method, best.damage.reported) if best else Enforced(outputs[i], (), UNSAFE)
    return results


def _exact(found: Sequence[_Option]) -> bool:
    """Whether an option only swapped words of the first decode for its terms (:attr:`.guard.Damage.swap`)."""
    return any(o.damage.swap for o in found)


def _consider(
    found: list[_Option], method: str, text: str | None, first: str, source: str,
    required: Sequence[TermConstraint], missing: Sequence[TermConstraint],
    source_words: Callable[[int, TermConstraint], int], row: int,
) -> None:  # fmt: skip
    """Add ``text`` to a row's options when it holds every required term and the damage guard
    lets it through."""
    if text is None or any(o.text == text for o in found) or missing_terms(text, required):
        return
    damage = assess(first, text, term_spans(text, required, missing, lambda t: source_words(row, t)), source)
    if not damage.rejected:
        found.append(_Option(method, text, damage))


def term_spans(
    text: str, terms: Sequence[TermConstraint], missing: Sequence[TermConstraint], source_words: Callable[[TermConstraint], int]
) -> list[tuple[int, int, int]]:
    """Where ``text`` holds its ``terms`` (as :func:`check` finds them), each with the number of
    source words it may replace: its source term's where it was ``missing``, else none."""
    spans, left = [], list(missing)
    for term, span in zip(terms, found_spans(text, terms)):
        if span is not None:
            was_missing = term in left
            if was_missing:
                left.remove(term)
            spans.append((*span, source_words(term) if was_missing else 0))
    return spans


def _splice(first: str, switched: str, terms: Sequence[TermConstraint], hints, row: int) -> str | None:
    """The code-switched decode from its term on, after the first decode's own words before
    the words the model aligned to that term; None without an alignment (``hints``)."""
    if len(terms) != 1:
        return None
    [span] = found_spans(switched, terms)
    hint = hints(row, terms[0])
    units = words(first)
    if span is None or hint is None or not 0 < hint.start <= len(units):
        return None
    keep = first[: units[hint.start - 1].end]
    rest = switched[span[0] :]
    return keep + " " + rest if rest and not rest[0].isspace() else keep + rest


def _placed(rows, sources, outputs, missing, required, spell, score, source_words, hints, limited) -> list[str | None]:
    """The model-scored placement of each row's missing terms into its first decode (None where
    a term found no place); without a scorer, only a source term the output copied is replaced;
    in an output that ran to the length limit, only the few places nearest the term's hint."""
    if not rows:
        return []
    summed = (lambda pairs: [sum(t) for t in score([(rows[r], text) for r, text in pairs])]) if score else None
    placed = place_terms(
        [outputs[i] for i in rows],
        [missing[i] for i in rows],
        spell,
        summed,
        source_words=lambda row, term: source_words(rows[row], term),
        hints=lambda row, term: hints(rows[row], term)
        or position_hint(sources[rows[row]], term, outputs[rows[row]], source_words(rows[row], term)),
        required=[required[i] for i in rows],
        source_text=lambda row, term: _span_text(sources[rows[row]], term),
        limit=lambda row: FEW_CANDIDATES if rows[row] in limited else MAX_CANDIDATES,
    )
    return [text if len(ids) == len(missing[i]) else None for i, (text, ids) in zip(rows, placed)]


def _choose(options: dict[int, list[_Option]], score: TokenScorer | None) -> dict[int, _Option]:
    """Per row, the option the model reads best under the original source (mean token
    log-probability, one scoring call for every row); without a scorer, or with one option, the
    one that changed least (the earlier kind on a tie)."""
    chosen = {i: min(found, key=lambda o: (o.damage.changed, o.damage.touched)) for i, found in options.items() if found}
    rows = [i for i, found in options.items() if len(found) > 1]
    if score is None or not rows:
        return chosen
    pairs, values = [], []
    for chunk in range(0, len(rows), ROWS_AT_ONCE):
        part = [(i, o) for i in rows[chunk : chunk + ROWS_AT_ONCE] for o in options[i]]
        pairs += part
        values += score([(i, o.text) for i, o in part])
    best: dict[int, tuple[float, _Option]] = {}
    for (i, option), tokens in zip(pairs, values):
        mean = sum(tokens) / max(1, len(tokens))
        if i not in best or mean > best[i][0]:
            best[i] = (mean, option)
    return chosen | {i: option for i, (_, option) in best.items()}
