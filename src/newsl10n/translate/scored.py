"""Model-scored placement: where a missing term goes into the model's own output, so that it
takes the place of the model's own words.

For each term the output lacks, every way of putting it into the output is written out as a
sentence: the term *replacing* a run of the output's words (up to a few more words than the
term's source span has), or inserted before a word, never outside the sentence's closing
punctuation. The model scores them all in one teacher-forced batch (no decoding), and the most
probable sentence wins. The words before the term stay as the model wrote them, and so do the
words after it, so the term takes the place of the model's own words for its source term: the
candidate that drops those words reads best to the model.

A term with several forms (inflections) is placed with its preferred form first, then every
form is scored at the chosen place, so the model picks the one that fits its neighbours; a
Russian term that replaces Russian words takes their case and number instead. Where the engine
knows which output words the model aligned to the term's source words (attention), the
candidates stay near them (``Hint``), which keeps the batch small; at most
:data:`MAX_CANDIDATES` are scored per term, so the cost grows with the output's length, never
with its square. :func:`.placement.enforce` uses it as one source of candidates among others.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..model import TermConstraint
from ..terms.check import missing_terms
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
MAX_CANDIDATES = 64
"""At most this many places are scored per term (those nearest its hint): the cost of placing a
term grows with the length of the output, never with its square."""
FEW_CANDIDATES = 8
"""... and this many in an output that ran to the engine's length limit (a runaway decode)."""


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


def candidates(
    output: str, form: str, source_words: int, hint: Hint | None = None, limit: int = MAX_CANDIDATES
) -> list[Candidate]:
    """Every way of putting ``form`` into ``output``: replacing a run of its words, or inserted
    before a word or before the closing punctuation. Runs never take punctuation at their
    edges (the output's parentheses and quotes stay), only joiners inside them. At most
    ``limit``: those starting nearest the hint (without one, spread over the output)."""
    found = _candidates(output, form, source_words, hint)
    if len(found) <= limit:
        return found
    if hint is None:
        return [found[round(i * (len(found) - 1) / (limit - 1))] for i in range(limit)]
    units = words(output)
    at = units[min(hint.start, len(units) - 1)].start if units else 0
    return sorted(found, key=lambda c: abs(c.start - at))[:limit]


def _candidates(output: str, form: str, source_words: int, hint: Hint | None) -> list[Candidate]:
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
    limit: Callable[[int], int] = lambda row: MAX_CANDIDATES,
) -> list[tuple[str, tuple[str, ...]]]:
    """Put each row's ``missing`` terms into its output, one term per row and round, each round
    one scoring call. ``spell(term)``: the forms the model can write (preferred first; none: the
    term is left out). ``required``: per row every term it must hold (default: ``missing``);
    no candidate takes the place of one already there. Where the output holds the term's
    ``source_text`` as it is (a name or acronym the model left untranslated), the term replaces
    it, unscored; without a ``score`` only such a copied term is placed. ``limit(row)``: the
    most places scored per term. Returns, per row, the new text and the ids of the terms placed."""
    pending = [
        _Pending(row, outputs[row], [t for t in terms if spell(t)], [hints(row, t) for t in terms if spell(t)], [],
                 required[row] if required else terms)
        for row, terms in enumerate(missing)
    ]  # fmt: skip
    while active := [p for p in pending if p.terms]:
        options = []
        for p in active:
            found = candidates(p.text, spell(p.terms[0])[0], source_words(p.row, p.terms[0]), p.hints[0], limit(p.row))
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
    flat = [(p.row, text) for p, cands in rows if len(cands) > 1 for text in windows(p.text, [c.text for c in cands])]
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
    scores = score([(p.row, t) for t in windows(best.text, texts)])
    return texts[max(range(len(texts)), key=lambda i: (scores[i], -i))]


LONG = 600
"""An output of more characters than this has its candidates scored on a window around them."""
MARGIN = 80
"""Characters of the output kept on either side of the candidates' differences in that window
(to the nearest space, where there is one)."""


def windows(output: str, texts: Sequence[str]) -> list[str]:
    """``texts`` (each ``output`` with one stretch changed) as the model scores them: whole for
    an output of up to :data:`LONG` characters; for a longer one (a runaway decode, a long
    piece), only the stretch where they differ and about :data:`MARGIN` characters either side,
    the same stretch for all, so that the cost of placing a term does not grow with the output's
    length. What lies outside is the same in every text: cutting it changes the scores little
    and their order seldom."""
    if len(output) <= LONG or not texts:
        return list(texts)
    head = min(_common_prefix(output, t) for t in texts)
    tail = min(_common_prefix(output[::-1], t[::-1]) for t in texts)
    start = max(0, head - MARGIN)
    start = output.rfind(" ", 0, start) + 1 if " " in output[max(0, start - MARGIN) : start] else start
    end = min(len(output), len(output) - tail + MARGIN)
    space = output.find(" ", end)
    end = space if 0 <= space < end + MARGIN else end
    cut = len(output) - end
    return [t[start : len(t) - cut] for t in texts]


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i
