"""Finding terms in text: Aho-Corasick, whole words only, leftmost-longest, per-term case rules.

Used on the source side (glossary terms, misspellings, protected spans) and on the target side
(is a required term, or a forbidden variant, in the output?). Pure: strings in, matches out.

``ahocorasick.Automaton.iter()`` reports every key that ends at each position. A match counts
only when it is a whole word (no letter or digit glued to an edge that is itself a letter or
digit, as regex ``\\b``); among the survivors the leftmost wins, and at one start the longest.
``iter_long`` is not used: it drops a shorter match that would pass the boundary check when the
longest one fails it.

Terms and text are compared in Unicode NFC, so text typed in decomposed form (NFD: "e" and a
combining accent) matches a term stored composed, and the reverse; a match is reported at its
offsets in the text as given.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
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


class NfcOffsets:
    """Where the offsets of an NFC view of a text lie in the text: the pieces (a character and
    the marks composed with it) whose view differs from the text, or that are longer than one
    character, as (view start, view end, text start, text end); elsewhere one character is one."""

    def __init__(self, pieces: list[tuple[int, int, int, int]]) -> None:
        self.pieces = pieces
        self.starts = [p[0] for p in pieces]

    def at(self, view: int) -> int | None:
        """The text offset of view offset ``view``; None inside a piece."""
        n = bisect.bisect_right(self.starts, view) - 1
        if n < 0:
            return view
        view_start, view_end, text_start, text_end = self.pieces[n]
        if view == view_start:
            return text_start
        return None if view < view_end else text_end + view - view_end


def nfc_view(text: str) -> tuple[str, NfcOffsets | None]:
    """``text`` in NFC and, when that changed it, where the view's offsets lie in ``text``
    (None: ``text`` is NFC already, the offsets are the same)."""
    if unicodedata.is_normalized("NFC", text):
        return text, None
    out: list[str] = []
    pieces: list[tuple[int, int, int, int]] = []
    pos = length = 0
    for found in _unstable().finditer(text):
        start, end = found.span()
        out.append(text[pos:start])
        length += start - pos
        piece = unicodedata.normalize("NFC", found.group())
        if piece != found.group() or end - start > 1:
            pieces.append((length, length + len(piece), start, end))
        out.append(piece)
        length += len(piece)
        pos = end
    out.append(text[pos:])
    return "".join(out), NfcOffsets(pieces)


@lru_cache(maxsize=1)
def _unstable() -> re.Pattern[str]:
    """The pieces NFC may change: a character followed by characters that compose with or attach
    to what precedes them (combining marks, Hangul vowels and finals, the second half of any
    canonical composition), or a character NFC replaces on its own (a singleton such as the Ohm
    sign, a composition exclusion). Every other character is a piece of its own, unchanged.
    Built once, from Python's Unicode data."""
    attaching, replaced = set(), set()
    for code in range(0x110000):
        char = chr(code)
        if unicodedata.combining(char):
            attaching.add(char)
        decomposition = unicodedata.decomposition(char)
        if not decomposition or decomposition.startswith("<"):
            continue
        parts = decomposition.split()
        if unicodedata.combining(unicodedata.normalize("NFD", char)[0]):
            attaching.add(char)  # decomposes into marks that NFC may reorder with those before it
        if len(parts) == 2 and unicodedata.normalize("NFC", char) == char:
            attaching.add(chr(int(parts[1], 16)))  # composes with what precedes it
        elif unicodedata.normalize("NFC", char) != char:
            replaced.add(char)
    attaching.update(chr(c) for c in [*range(0x1161, 0x1176), *range(0x11A8, 0x11C3)])  # Hangul V, T jamo
    return re.compile(f"(?s:.[{_ranges(attaching)}]+|[{_ranges(replaced)}])")


def _ranges(chars: set[str]) -> str:
    """A regex character class body for ``chars``, as ranges (a long list of single characters
    makes a slow class)."""
    codes = sorted(map(ord, chars))
    parts, start = [], 0
    for n in range(1, len(codes) + 1):
        if n == len(codes) or codes[n] != codes[n - 1] + 1:
            first, last = codes[start], codes[n - 1]
            parts.append(f"\\U{first:08x}" + (f"-\\U{last:08x}" if last > first else ""))
            start = n
    return "".join(parts)


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
            term = unicodedata.normalize("NFC", term)
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
        """Whole-word, non-overlapping matches, leftmost first, longest at each start (compared
        in NFC; offsets in ``text`` as given)."""
        view, offsets = nfc_view(text)
        if offsets is None:
            return self._find(text)
        found = []
        for m in self._find(view):
            start, end = offsets.at(m.start), offsets.at(m.end)
            if start is not None and end is not None:
                found.append(Match(start, end, text[start:end], m.payload))
        return found

    def _find(self, text: str) -> list[Match[T]]:
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
