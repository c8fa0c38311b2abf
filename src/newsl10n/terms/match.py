"""Finding terms in text: Aho-Corasick, whole words only, leftmost-longest, per-term case rules.

Used on the source side (glossary terms, misspellings, protected spans) and on the target side
(is a required term, or a forbidden variant, in the output?). Pure: strings in, matches out.

``ahocorasick.Automaton.iter()`` reports every key that ends at each position. A match counts
only when it is a whole word (no letter or digit glued to an edge that is itself a letter or
digit, as regex ``\\b``); among the survivors the leftmost wins, and at one start the longest.
``iter_long`` is not used: it drops a shorter match that would pass the boundary check when the
longest one fails it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Match(Generic[T]):
    start: int
    end: int
    text: str
    payload: T


def is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def whole_word(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is not glued to a letter or digit on either side.

    An edge that is itself punctuation ("U.S.") needs no boundary on that side, as regex ``\\b``.
    """
    if start >= end:
        return False
    if start > 0 and is_word_char(text[start]) and is_word_char(text[start - 1]):
        return False
    if end < len(text) and is_word_char(text[end - 1]) and is_word_char(text[end]):
        return False
    return True


def fold(text: str) -> tuple[str, list[int] | None]:
    """Case-folded ``text`` and, when folding changed its length ("ß" -> "ss", "İ" -> "i̇"), the
    index in ``text`` of each folded character (else None: the offsets are the same)."""
    folded = text.casefold()
    if len(folded) == len(text):
        return folded, None
    pieces: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        f = ch.casefold()
        pieces.append(f)
        origin.extend([i] * len(f))
    return "".join(pieces), origin


class TermMatcher(Generic[T]):
    """A set of terms, each case-sensitive or not, with a payload; built once, used many times.

    When two terms have the same key, the first one added keeps it.
    """

    def __init__(self, terms: Iterable[tuple[str, bool, T]] = ()) -> None:
        import ahocorasick

        self._exact = ahocorasick.Automaton()
        self._folded = ahocorasick.Automaton()
        for term, case_sensitive, payload in terms:
            if not term:
                continue
            automaton = self._exact if case_sensitive else self._folded
            key = term if case_sensitive else term.casefold()
            if key not in automaton:
                automaton.add_word(key, (len(key), payload))
        for automaton in (self._exact, self._folded):
            if len(automaton):
                automaton.make_automaton()

    def __len__(self) -> int:
        return len(self._exact) + len(self._folded)

    def find(self, text: str) -> list[Match[T]]:
        """Whole-word, non-overlapping matches, leftmost first, longest at each start."""
        found: list[tuple[int, int, T]] = []
        if len(self._exact):
            for last, (length, payload) in self._exact.iter(text):
                start, end = last - length + 1, last + 1
                if whole_word(text, start, end):
                    found.append((start, end, payload))
        if len(self._folded):
            folded, origin = fold(text)
            for last, (length, payload) in self._folded.iter(folded):
                start, end = last - length + 1, last + 1
                if origin is not None:
                    # A match must cover whole original characters.
                    if (start > 0 and origin[start - 1] == origin[start]) or (
                        end < len(origin) and origin[end] == origin[end - 1]
                    ):
                        continue
                    start, end = origin[start], origin[end - 1] + 1
                if whole_word(text, start, end):
                    found.append((start, end, payload))
        found.sort(key=lambda m: (m[0], -m[1]))
        matches: list[Match[T]] = []
        pos = 0
        for start, end, payload in found:
            if start >= pos:
                matches.append(Match(start, end, text[start:end], payload))
                pos = end
        return matches
