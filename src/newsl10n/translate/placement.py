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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..model import TermConstraint
from ..terms.check import check, missing_terms
from ..terms.forms import agreeing_form
from ..terms.match import TermMatcher

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
    score: Scorer,
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
    it, unscored. Returns, per row, the new text and the ids of the terms placed."""
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
            options.append((p, [copied] if copied else free))
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


def _best(rows: Sequence[tuple[_Pending, list[Candidate]]], score: Scorer) -> list[Candidate | None]:
    """Per row, its best-scored candidate that adds the term and loses none (verified by the
    check in score order: usually the first one); a row with one candidate is not scored."""
    flat = [(p.row, c.text) for p, cands in rows if len(cands) > 1 for c in cands]
    scores = iter(score(flat) if flat else [])
    best: list[Candidate | None] = []
    for p, cands in rows:
        values = [next(scores) for _ in cands] if len(cands) > 1 else [0.0] * len(cands)
        scored = sorted(((v, -i, c) for i, (v, c) in enumerate(zip(values, cands))), key=lambda s: (s[0], s[1]), reverse=True)
        missing_now = len(missing_terms(p.text, p.required)) if scored else 0
        best.append(next((c for _, _, c in scored if p.keeps_terms(c, missing_now)), None))
    return best


def _best_form(p: _Pending, best: Candidate, forms: tuple[str, ...], score: Scorer) -> str:
    """The chosen place with the form that fits it: for a Russian term that replaces Russian
    words, the form in their case and number (:func:`agreeing_form`); else the form the model
    scores highest there (the preferred one when the term has only one)."""
    if len(forms) == 1:
        return best.text
    preferred_end = best.start + len(forms[0])
    agreeing = agreeing_form(forms, best.replaced, p.terms[0].lang)
    if agreeing is not None:
        return best.text[: best.start] + agreeing + best.text[preferred_end:]
    texts = [best.text[: best.start] + form + best.text[preferred_end:] for form in forms]
    scores = score([(p.row, t) for t in texts])
    return texts[max(range(len(texts)), key=lambda i: (scores[i], -i))]


def _span_text(source: str, term: TermConstraint) -> str | None:
    return source[term.source_span[0] : term.source_span[1]] if term.source_span else None


Decoder = Callable[[Sequence[int], Sequence[str]], list[str]]
"""Outputs of the given source rows for the given (code-switched) source texts."""


def switched_source(source: str, terms: Sequence[TermConstraint], spell: Callable[[TermConstraint], tuple[str, ...]]) -> str | None:
    """``source`` with each term's source span replaced by its preferred spellable form; None
    when a term has no source span (or spans overlap)."""
    spans = sorted((t.source_span, spell(t)[0]) for t in terms if t.source_span is not None)
    if len(spans) != len(terms) or any(a[0][1] > b[0][0] for a, b in zip(spans, spans[1:])):
        return None
    out, pos = [], 0
    for (start, end), form in spans:
        out += [source[pos:start], form]
        pos = end
    return "".join(out) + source[pos:]


def keep_own_words(output: str, switched: str, terms: Sequence[TermConstraint]) -> str | None:
    """The code-switched decode ``switched`` with the words before its first term put back as
    the first decode (``output``) wrote them, so that a term never changes what precedes it;
    None when ``switched`` lacks a term or ``output`` is shorter than that prefix."""
    starts = []
    for term in terms:
        found = check(switched, [term])[0].found
        if found is None:
            return None
        starts.append(switched.find(found))
    cut = min(starts)
    before = words(switched[:cut])
    own = words(output)
    if len(own) < len(before):
        return None
    if not before:
        return switched
    keep = output[: own[len(before) - 1].end]
    rest = switched[before[-1].end :]
    return keep + rest


def enforce(
    sources: Sequence[str],
    outputs: Sequence[str],
    wanted: Sequence[Sequence[TermConstraint]],
    spell: Callable[[TermConstraint], tuple[str, ...]],
    decode: Decoder,
    score: Scorer,
    *,
    source_words: Callable[[int, TermConstraint], int],
    hints: Callable[[int, TermConstraint], Hint | None] = lambda row, term: None,
) -> list[tuple[str, tuple[str, ...], str]]:
    """Per row: its text, the ids of the terms imposed and how ("codeswitch", "place" or "" when
    nothing was missing). Terms without a spellable form are left alone (they stay violated)."""
    enforceable = [[t for t in terms if spell(t)] for terms in wanted]
    missing = [missing_terms(out, terms) for out, terms in zip(outputs, enforceable)]
    results = [(out, (), "") for out in outputs]
    switched = {  # a span that stays as it is (a URL) gains nothing from a second decode
        i: s for i, terms in enumerate(missing) if terms and (s := switched_source(sources[i], terms, spell)) != sources[i]
        and s is not None
    }  # fmt: skip
    rows = list(switched)
    for i, text in zip(rows, decode(rows, [switched[i] for i in rows]) if rows else []):
        text = keep_own_words(outputs[i], text, missing[i])
        if text is not None and not missing_terms(text, enforceable[i]):
            results[i] = (text, tuple(t.id for t in missing[i]), "codeswitch")
    rest = [i for i, terms in enumerate(missing) if terms and not results[i][2]]
    if rest:
        placed = place_terms(
            [outputs[i] for i in rest],
            [missing[i] for i in rest],
            spell,
            lambda pairs: score([(rest[row], text) for row, text in pairs]),
            source_words=lambda row, term: source_words(rest[row], term),
            hints=lambda row, term: hints(rest[row], term)
            or position_hint(sources[rest[row]], term, outputs[rest[row]], source_words(rest[row], term)),
            required=[enforceable[i] for i in rest],
            source_text=lambda row, term: _span_text(sources[rest[row]], term),
        )
        for i, (text, ids) in zip(rest, placed):
            results[i] = (text, ids, "place" if ids else "unplaced")
    return results
