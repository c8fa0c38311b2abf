"""The damage guard: what putting a term in changed in the model's own sentence, outside the term.

A term the model did not write is put in by a second decode of a code-switched source, a splice
or a placement (:mod:`.placement`). On a real model a code-switched decode can come back with the
rest of the sentence re-translated, scrambled or cut short, and the term check alone would call
that "enforced". So every candidate is compared with the first decode, word by word
(``difflib``'s longest matching blocks over casefolded words):

- the **neighbourhood** of a term is the changes that hold or touch it: the first decode's
  words it replaced (up to its source words and :data:`EXTRA` more; a change beside it, such as
  an adjective agreeing with it, takes at most :data:`EXTRA` of those) and up to :data:`EXTRA`
  words of its own (an article, a preposition). Changes there are the term's;
- every other change (and what overflows a neighbourhood) is **changed**: a candidate with any
  is a rewrite (reported, QA flag ``term-rewrite``);
- a change inside a neighbourhood that is not the term itself (an article dropped, added or of
  another gender: "A participação" -> "Comparecimento", "O excedente" -> "A superávit") is
  **beside** the term: no rewrite and no reason to reject, but reported as changed, so that the
  segment is flagged for a person (nothing here knows a term's gender);
- a candidate is **rejected** when it dropped a content word of the first decode, kept more
  than one source word the first decode had translated (one is a change), added quotes, changed more than :data:`MAX_SHARE` of the
  words, has chrF under :data:`MIN_CHRF` outside its neighbourhoods, or a length outside
  :data:`LENGTH` of the first decode's (both compared without the neighbourhoods).

The thresholds were set on the real en<->pt model (bench/bench_realmodel.py, bench/RESULTS.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

_WORD = re.compile(r"\w+(?:[-'’.]\w+)*", re.UNICODE)
_QUOTES = "\"“”„‟«»‹›"
EXTRA = 2
"""Words of its own (an article, a preposition) a term may bring, and words more than its source
span it may replace, inside its neighbourhood."""
MAX_SHARE = 0.25
"""A candidate that changed more than this share of the first decode's words is rejected."""
MIN_CHRF = 60.0
LENGTH = (0.75, 1.33)
CONTENT = 4
"""A dropped word this long (in letters) is a content word: its loss rejects the candidate."""


@dataclass(frozen=True)
class Damage:
    """What a candidate changed in the first decode outside its terms' neighbourhoods."""

    words: int
    """Words of the first decode."""
    changed: int = 0
    """Words changed, dropped or added outside the neighbourhoods (and their overflow), and
    a source word the candidate kept untranslated."""
    touched: int = 0
    """Words changed anywhere, the neighbourhoods included (ranks candidates that changed as
    little outside: the one that kept the first decode's article, say)."""
    beside: int = 0
    """Words next to a term, inside its neighbourhood, that changed (counted in :attr:`reported`)."""
    swap: bool = False
    """Every change holds a term and brings no word of its own: the terms took the place of some
    of the first decode's words and nothing else moved."""
    dropped: tuple[str, ...] = ()
    """Content words of the first decode the candidate lost outside the neighbourhoods."""
    untranslated: tuple[str, ...] = ()
    """Source words the candidate kept that the first decode had translated."""
    quotes: int = 0
    """Quote marks added."""
    chrf: float = 100.0
    length: float = 1.0

    @property
    def share(self) -> float:
        """The share of the first decode's words changed outside the neighbourhoods."""
        return round(self.changed / max(1, self.words), 3)

    @property
    def reported(self) -> float:
        """The share reported as the term's ``changed``: what changed outside the terms, and the
        words beside them (above 0: QA's ``term-rewrite`` asks a person to read it)."""
        return round((self.changed + self.beside) / max(1, self.words), 3)

    @property
    def rewrite(self) -> bool:
        """The candidate changed more than its terms' neighbourhoods."""
        return self.changed > 0

    @property
    def rejected(self) -> bool:
        low, high = LENGTH
        return bool(
            self.dropped or len(self.untranslated) > 1 or self.quotes > 0 or self.share > MAX_SHARE
            or self.chrf < MIN_CHRF or not low <= self.length <= high
        )  # fmt: skip

    def why(self) -> str:
        """The reasons for :attr:`rejected`, in a few words (for the benchmark and the log)."""
        reasons = [f"dropped {' '.join(self.dropped)}"] if self.dropped else []
        reasons += [f"untranslated {' '.join(self.untranslated)}"] if len(self.untranslated) > 1 else []
        reasons += [f"{self.quotes} quotes added"] if self.quotes > 0 else []
        reasons += [f"{self.share:.0%} changed"] if self.share > MAX_SHARE else []
        reasons += [f"chrF {self.chrf:.0f}"] if self.chrf < MIN_CHRF else []
        reasons += [f"length {self.length:.2f}"] if not LENGTH[0] <= self.length <= LENGTH[1] else []
        return "; ".join(reasons) or ("rewrite" if self.rewrite else "clean")


def assess(first: str, candidate: str, terms: Sequence[tuple[int, int, int]], source: str) -> Damage:
    """How ``candidate`` differs from the model's ``first`` decode outside its terms: ``terms``
    are the character spans of the terms in ``candidate``, each with the number of source words
    it may replace (those of its source term where it was missing, 0 where the first decode held
    it already); ``source`` is the segment's original source text."""
    own = _words(first)
    new = _words(candidate)
    owner = [next((k for k, (s, e, _) in enumerate(terms) if a < e and s < b), None) for _, a, b in new]
    ops = SequenceMatcher(None, [w for w, _, _ in own], [w for w, _, _ in new], autojunk=False).get_opcodes()
    replaced = [words + EXTRA for _, _, words in terms]  # first-decode words each term may take
    brought = [EXTRA] * len(terms)  # words of its own each term may bring
    changed, beside, touched, dropped, kept_own, kept_new = 0, 0, 0, [], [], []
    swap = True
    for tag, i1, i2, j1, j2 in ops:
        added = sum(k is None for k in owner[j1:j2])
        if tag == "equal":
            kept_own += [w for w, _, _ in own[i1:i2]]
            kept_new += [w for w, _, _ in new[j1:j2]]
            continue
        touched += max(i2 - i1, added)
        inside = {k for k in owner[j1:j2] if k is not None}
        swap = swap and bool(inside) and not added
        near = inside | {k for k in (*owner[max(0, j1 - 1) : j1], *owner[j2 : j2 + 1]) if k is not None}
        if near:  # the neighbourhood of the terms it holds or touches
            lost, gained = i2 - i1, added
            little = sum(sum(c.isalpha() for c in w) < CONTENT for w, _, _ in own[i1:i2])
            beside += max(little, added)  # an article or preposition lost, or words the terms brought
            for k in sorted(near):
                take = min(lost, replaced[k] if k in inside else min(replaced[k], EXTRA))
                replaced[k], lost = replaced[k] - take, lost - take
                take = min(gained, brought[k])
                brought[k], gained = brought[k] - take, gained - take
            changed += max(lost, gained)
            continue
        changed += max(i2 - i1, added)
        kept_own += [w for w, _, _ in own[i1:i2]]
        kept_new += [w for (w, _, _), k in zip(new[j1:j2], owner[j1:j2]) if k is None]
        if j1 == j2:
            dropped += [w for w, _, _ in own[i1:i2] if sum(c.isalpha() for c in w) >= CONTENT]
    outside_own, outside_new = " ".join(kept_own), " ".join(kept_new)
    untranslated = _untranslated(new, owner, own, source)
    return Damage(
        words=len(own),
        changed=changed + len(untranslated),
        beside=beside,
        touched=touched,
        swap=swap and not changed and not untranslated,
        dropped=tuple(dropped),
        untranslated=untranslated,
        quotes=_quote_count(candidate) - _quote_count(first),
        chrf=_chrf(outside_new, outside_own),
        length=(len(outside_new) + 1) / (len(outside_own) + 1),
    )


def _words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group().casefold(), m.start(), m.end()) for m in _WORD.finditer(text)]


def _untranslated(new, owner, own, source: str) -> tuple[str, ...]:
    """The candidate's words (outside its terms) that are the source's and were not in the first
    decode: source text the second decode left in English, say."""
    theirs = {w for w, _, _ in _words(source) if len(w) >= 3 and not w.isdigit()}
    ours = {w for w, _, _ in own}
    return tuple(dict.fromkeys(w for (w, _, _), k in zip(new, owner) if k is None and w in theirs and w not in ours))


def _quote_count(text: str) -> int:
    return sum(text.count(q) for q in _QUOTES)


def _chrf(hypothesis: str, reference: str) -> float:
    if hypothesis == reference:
        return 100.0
    return _metric().sentence_score(hypothesis, [reference]).score


@lru_cache(maxsize=1)
def _metric():
    from sacrebleu.metrics import CHRF

    return CHRF()
