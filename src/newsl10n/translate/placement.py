"""Where a missing glossary term goes, so that it takes the place of the model's own words.

Neither engine can make a model place a term it did not write: a forced decode puts it where
the model wanted to end, or after an alignment guess. Two methods, in order (:func:`enforce`):

1. **Code-switching, verified** (``codeswitch``): the source term is replaced, in the source, by
   the target term, and the segment is decoded again. A model passes such a foreign span through
   where it stands (names and terms it cannot translate are copied), so the term lands where the
   source term was and the model writes the sentence around it. The output is kept only if it
   holds every required term (the one check, :mod:`newsl10n.terms.check`).
2. **Model-scored placement** (``place``), for the rest: for each term the output lacks,
   every way of putting it into the model's own output is written out as a sentence: the term
*replacing* a run of the output's words (up to a few more words than the term's source span
has), or inserted before a word, never outside the sentence's closing punctuation. The model
scores them all in one teacher-forced batch (no decoding), and the most probable sentence wins.
The words before the term stay as the model wrote them, and so do the words after it, so the
term takes the place of the model's own words for its source term: the candidate that drops
those words reads best to the model.

A term with several forms (inflections) is placed with its preferred form first, then every
form is scored at the chosen place, so the model picks the one that fits its neighbours; a
Russian term that replaces Russian words takes their case and number instead. Where
the engine knows which output words the model aligned to the term's source words (attention),
the candidates stay near them (``Hint``), which keeps the batch small.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..model import TermConstraint
from ..terms.check import check, missing_terms
from ..terms.forms import agreeing_form
from ..terms.match import TermMatcher
from .codeswitch import QUOTED, tidied, variants
from .guard import Damage, assess

Scorer = Callable[[Sequence[tuple[int, str]]], list[float]]
"""Log-probabilities of target texts, each for the source segment of the given index."""

_UNIT = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]", re.UNICODE)
_JOINERS = frozenset("-'’./&")
"""Punctuation allowed inside a replaced run of words ("U.S. European Command", "mil-to-mil")."""
_CLOSING = frozenset(".!?;:,…。؟،\"'»”)]")
EXTRA_WORDS = 2
"""A replaced run may hold this many words more than the term's source span."""
WINDOW = 3
"""With an alignment hint, candidates start and end at most this many words from it."""


@dataclass(frozen=True)
class Hint:
    """The output words (``start``..``stop`` word indices) the model aligned to the source term;
    candidates start and end at most ``window`` words from them."""

    start: int
    stop: int
    window: int = WINDOW


def position_hint(source: str, term: TermConstraint, output: str, source_words: int) -> Hint | None:
    """Where the term's source words would fall in ``output`` if the model kept the source's
    word order, with a wide window (en -> de/fr/es keep most of it): without an alignment, this
    keeps the candidates of a long output to a few dozen."""
    if term.source_span is None or not source:
        return None
    units = len(words(output))
    at = round(units * term.source_span[0] / len(source))
    return Hint(at, at + source_words, window=max(8, units // 5))


@dataclass(frozen=True)
class Candidate:
    text: str
    start: int
    """Character offset of the term in ``text``."""
    replaced: str
    """The output's words the term replaced ("" for an insertion)."""


@dataclass(frozen=True)
class _Word:
    start: int
    end: int


def words(text: str) -> list[_Word]:
    """The word units of ``text`` (numbers and abbreviations included), with offsets."""
    return [_Word(m.start(), m.end()) for m in _UNIT.finditer(text) if m.group()[0].isalnum() or m.group()[0] == "_"]


def candidates(output: str, form: str, source_words: int, hint: Hint | None = None) -> list[Candidate]:
    """Every way of putting ``form`` into ``output``: replacing a run of its words, or inserted
    before a word or before the closing punctuation. Runs never take punctuation at their
    edges (the output's parentheses and quotes stay), only joiners inside them."""
    units = words(output)
    found: dict[str, Candidate] = {}
    longest = max(1, source_words) + EXTRA_WORDS
    starts = range(len(units))
    if hint is not None:
        starts = range(max(0, hint.start - hint.window), min(len(units), hint.start + hint.window + 1))
    for a in starts:
        for b in range(a, min(len(units), a + longest)):
            if b > a and not _joined(output[units[b - 1].end : units[b].start]):
                break
            if hint is not None and abs((b + 1) - hint.stop) > hint.window:
                continue
            s, e = units[a].start, units[b].end
            found.setdefault(output[:s] + form + output[e:], Candidate(output[:s] + form + output[e:], s, output[s:e]))
    inserts = range(len(units) + 1)
    if hint is not None:
        low, high = hint.start - max(1, hint.window - WINDOW + 1), hint.stop + max(0, hint.window - WINDOW)
        inserts = range(max(0, low), min(len(units), high) + 1)
    for a in inserts:
        at = units[a].start if a < len(units) else _closing_start(output)
        text, start = _insert(output, at, form)
        found.setdefault(text, Candidate(text, start, ""))
    return list(found.values())


def _joined(gap: str) -> bool:
    """Whether two words separated by ``gap`` may be replaced together."""
    stripped = gap.strip()
    return not stripped or (set(stripped) <= _JOINERS and len(stripped) <= 2)


def _closing_start(text: str) -> int:
    end = len(text.rstrip())
    while end > 0 and text[end - 1] in _CLOSING:
        end -= 1
    return len(text[:end].rstrip())


def _insert(text: str, at: int, form: str) -> tuple[str, int]:
    """``text`` with ``form`` inserted at ``at`` as a word of its own, and where it starts."""
    before, after = text[:at], text[at:]
    if after and not after[0].isspace() and after[0] not in _CLOSING:
        return before + form + " " + after, at
    if before and not before[-1].isspace():
        return before + " " + form + after, at + 1
    return before + form + after, at


@dataclass
class _Pending:
    row: int
    text: str
    terms: list[TermConstraint]
    hints: list[Hint | None]
    placed: list[str]
    required: Sequence[TermConstraint] = ()
    """Every term the row must hold: a candidate must not take one that is already there."""

    def keeps_terms(self, candidate: Candidate, missing_now: int) -> bool:
        """The candidate adds the term and removes none (fewer missing than ``missing_now``,
        the row's count before it)."""
        return len(missing_terms(candidate.text, self.required)) < missing_now

    def taken(self) -> list[tuple[int, int]]:
        """Where the row's text holds a form of a required term (a candidate must not replace it)."""
        matcher = TermMatcher((f, c.case_sensitive, None) for c in self.required for f in c.forms)
        return [(m.start, m.end) for m in matcher.find(self.text)]


def place_terms(
    outputs: Sequence[str],
    missing: Sequence[Sequence[TermConstraint]],
    spell: Callable[[TermConstraint], tuple[str, ...]],
    score: Scorer | None,
    *,
    source_words: Callable[[int, TermConstraint], int],
    hints: Callable[[int, TermConstraint], Hint | None] = lambda row, term: None,
    required: Sequence[Sequence[TermConstraint]] | None = None,
    source_text: Callable[[int, TermConstraint], str | None] = lambda row, term: None,
) -> list[tuple[str, tuple[str, ...]]]:
    """Put each row's ``missing`` terms into its output, one term per row and round, each round
    one scoring call. ``spell(term)``: the forms the model can write (preferred first; none: the
    term is left out). ``required``: per row every term it must hold (default: ``missing``);
    no candidate takes the place of one already there. Where the output holds the term's
    ``source_text`` as it is (a name or acronym the model left untranslated), the term replaces
    it, unscored; without a ``score`` only such a copied term is placed. Returns, per row, the
    new text and the ids of the terms placed."""
    pending = [
        _Pending(row, outputs[row], [t for t in terms if spell(t)], [hints(row, t) for t in terms if spell(t)], [],
                 required[row] if required else terms)
        for row, terms in enumerate(missing)
    ]  # fmt: skip
    while active := [p for p in pending if p.terms]:
        options = []
        for p in active:
            found = candidates(p.text, spell(p.terms[0])[0], source_words(p.row, p.terms[0]), p.hints[0])
            taken = p.taken()
            free = [c for c in found if not any(s < c.start + len(c.replaced) and c.start < e for s, e in taken)]
            copied = _untranslated(p, free, source_text(p.row, p.terms[0]))
            options.append((p, [copied] if copied else free if score else []))
        for p, best in zip(active, _best(options, score)):
            if best is not None:
                p.text = _best_form(p, best, spell(p.terms[0]), score)
                p.placed.append(p.terms[0].id)
            del p.terms[0], p.hints[0]
    return [(p.text, tuple(p.placed)) for p in pending]


def _untranslated(p: _Pending, found: Sequence[Candidate], source_text: str | None) -> Candidate | None:
    """The candidate that replaces the source term where the output copied it word for word."""
    if not source_text:
        return None
    wanted = " ".join(source_text.split()).casefold()
    missing_now = len(missing_terms(p.text, p.required))
    return next(
        (c for c in found if " ".join(c.replaced.split()).casefold() == wanted and p.keeps_terms(c, missing_now)), None
    )


def _best(rows: Sequence[tuple[_Pending, list[Candidate]]], score: Scorer | None) -> list[Candidate | None]:
    """Per row, its best-scored candidate that adds the term and loses none (verified by the
    check in score order: usually the first one); a row with one candidate is not scored."""
    flat = [(p.row, c.text) for p, cands in rows if len(cands) > 1 for c in cands]
    scores = iter(score(flat) if flat and score else [])
    best: list[Candidate | None] = []
    for p, cands in rows:
        values = [next(scores) for _ in cands] if len(cands) > 1 else [0.0] * len(cands)
        scored = sorted(((v, -i, c) for i, (v, c) in enumerate(zip(values, cands))), key=lambda s: (s[0], s[1]), reverse=True)
        missing_now = len(missing_terms(p.text, p.required)) if scored else 0
        best.append(next((c for _, _, c in scored if p.keeps_terms(c, missing_now)), None))
    return best


def _best_form(p: _Pending, best: Candidate, forms: tuple[str, ...], score: Scorer | None) -> str:
    """The chosen place with the form that fits it: for a Russian term that replaces Russian
    words, the form in their case and number (:func:`agreeing_form`); else the form the model
    scores highest there (the preferred one when the term has only one)."""
    if len(forms) == 1:
        return best.text
    preferred_end = best.start + len(forms[0])
    agreeing = agreeing_form(forms, best.replaced, p.terms[0].lang)
    if agreeing is not None:
        return best.text[: best.start] + agreeing + best.text[preferred_end:]
    if score is None:
        return best.text
    texts = [best.text[: best.start] + form + best.text[preferred_end:] for form in forms]
    scores = score([(p.row, t) for t in texts])
    return texts[max(range(len(texts)), key=lambda i: (scores[i], -i))]


def _span_text(source: str, term: TermConstraint) -> str | None:
    return source[term.source_span[0] : term.source_span[1]] if term.source_span else None


Decoder = Callable[[Sequence[int], Sequence[str]], list[str]]
"""Outputs of the given source rows for the given (code-switched) source texts."""
TokenScorer = Callable[[Sequence[tuple[int, str]]], list[list[float]]]
"""Per target text, the log-probability of each of its tokens, teacher-forced on the ORIGINAL
source segment of the given index."""
UNSAFE = "unsafe"
"""The method of a segment where no candidate kept the sentence whole: the model's own
sentence ships and its missing terms read violated, for a person to decide."""


@dataclass(frozen=True)
class Enforced:
    """One segment after enforcement: its text, the ids of the terms put in and how (``method``:
    "" when nothing was missing; a code-switch variant, ``splice``, ``place``, or
    :data:`UNSAFE`), and ``changed``: the share of the first decode's words changed outside the
    terms' neighbourhood (:mod:`.guard`; None where nothing was put in)."""

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
) -> list[Enforced]:
    """Put the terms each first decode (``outputs``) lacks into it, without costing the sentence.

    Per segment that lacks a term, candidates are gathered: the decodes of the code-switched
    variants (:func:`.codeswitch.variants`, one batched ``decode`` call for all); where the
    engine aligned the term (``hints``: attention, never a word count) the first decode's own
    words before the term spliced onto each; the engine's n-best ``alternatives``; and, where no code-switched candidate changed only
    the term's neighbourhood, the model-scored placement into the first decode (needs
    ``score``). A candidate must hold every required term and pass the damage guard
    (:func:`.guard.assess`, against the first decode). Among those left, ``score`` (mean token
    log-probability under the original source) picks; without it the one that changed least.
    None left: the first decode ships, method :data:`UNSAFE`. Terms without a spellable form
    are left alone (they stay violated)."""
    enforceable = [[t for t in terms if spell(t)] for terms in wanted]
    missing = [missing_terms(out, terms) for out, terms in zip(outputs, enforceable)]
    rows = [i for i, terms in enumerate(missing) if terms]
    options: dict[int, list[_Option]] = {i: [] for i in rows}
    switched = [(i, method, text) for i in rows for method, text in variants(sources[i], missing[i], spell).items()]
    decoded = decode([i for i, _, _ in switched], [text for _, _, text in switched]) if switched else []
    for (i, method, _), text in zip(switched, decoded):
        text = tidied(outputs[i], text, missing[i], quoted=method == QUOTED)
        for name, candidate in ((method, text), ("splice", _splice(outputs[i], text, missing[i], hints, i))):
            _consider(options[i], name, candidate, outputs[i], sources[i], enforceable[i], missing[i], source_words, i)
    for i in rows:
        for text in (alternatives or {}).get(i, ()):
            _consider(options[i], "nbest", text, outputs[i], sources[i], enforceable[i], missing[i], source_words, i)
    unplaced = [i for i in rows if not any(not o.damage.rewrite for o in options[i])]
    for i, text in zip(unplaced, _placed(unplaced, sources, outputs, missing, enforceable, spell, score, source_words, hints)):
        _consider(options[i], "place", text, outputs[i], sources[i], enforceable[i], missing[i], source_words, i)
    results = [Enforced(out) for out in outputs]
    chosen = _choose(options, score)
    for i in rows:
        best = chosen.get(i)
        if best is None:
            results[i] = Enforced(outputs[i], (), UNSAFE)
        else:
            results[i] = Enforced(best.text, tuple(t.id for t in missing[i]), best.method, best.damage.share)
    return results


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
    """Where ``text`` holds its ``terms`` (the forms :func:`check` found), each with the number
    of source words it may replace: its source term's where it was ``missing``, else none."""
    spans, pos, left = [], 0, list(missing)
    for term, result in zip(terms, check(text, terms)):
        start = text.find(result.found, pos) if result.found else -1
        if start < 0:
            start = text.find(result.found) if result.found else -1
        if start >= 0:
            was_missing = term in left
            if was_missing:
                left.remove(term)
            spans.append((start, start + len(result.found), source_words(term) if was_missing else 0))
    return spans


def _splice(first: str, switched: str, terms: Sequence[TermConstraint], hints, row: int) -> str | None:
    """The code-switched decode from its first term on, after the first decode's own words
    before the words the model aligned to that term; None without an alignment (``hints``)."""
    if len(terms) != 1 or not check(switched, terms)[0].found:
        return None
    hint = hints(row, terms[0])
    found = check(switched, terms)[0].found
    units = words(first)
    if hint is None or not 0 < hint.start <= len(units):
        return None
    start = switched.find(found)
    keep = first[: units[hint.start - 1].end]
    rest = switched[start:]
    return keep + " " + rest if rest and not rest[0].isspace() else keep + rest


def _placed(rows, sources, outputs, missing, required, spell, score, source_words, hints) -> list[str | None]:
    """The model-scored placement of each row's missing terms into its first decode (None where
    a term found no place); without a scorer, only a source term the output copied is replaced."""
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
    )
    return [text if len(ids) == len(missing[i]) else None for i, (text, ids) in zip(rows, placed)]


def _choose(options: dict[int, list[_Option]], score: TokenScorer | None) -> dict[int, _Option]:
    """Per row, the option the model reads best under the original source (mean token
    log-probability, one scoring call for every row); without a scorer, or with one option, the
    one that changed least (the earlier kind on a tie)."""
    chosen = {i: min(found, key=lambda o: (o.damage.changed, o.damage.touched)) for i, found in options.items() if found}
    pairs = [(i, o) for i, found in options.items() if len(found) > 1 for o in found]
    if score is None or not pairs:
        return chosen
    values = score([(i, o.text) for i, o in pairs])
    best: dict[int, tuple[float, _Option]] = {}
    for (i, option), tokens in zip(pairs, values):
        mean = sum(tokens) / max(1, len(tokens))
        if i not in best or mean > best[i][0]:
            best[i] = (mean, option)
    return chosen | {i: option for i, (_, option) in best.items()}
