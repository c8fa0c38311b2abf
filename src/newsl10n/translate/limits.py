"""How many tokens a model takes, and segments too long for it translated in pieces.

A Marian model has ``max_position_embeddings`` positions (opus-mt 512; 256 is valid too): an
input or output longer than that crashes both engines. :class:`LengthLimited` wraps every
engine (:func:`.base.make_translator`): a source whose tokens (counted with the engine's own
``encode``) would leave its output no room is split at a clause boundary (``;``, ``,``, a dash),
else between words, else between characters; the pieces are translated and rejoined. Nothing
is cut.
"""

from __future__ import annotations

import json
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import accumulate
from pathlib import Path
from typing import Any

from ..model import Constraints, ModelScores, TermConstraint, Translation
from ..progress import spread_progress

POSITIONS_KEY = "max_position_embeddings"
SCORE_TOKENS = 512
"""Target tokens scored teacher-forced in one batch (counted by the batch's longest): a batch's
logits take tokens x vocabulary floats (256 outputs of 512 tokens on an opus-mt vocabulary
would take 30 GB)."""
OUTPUT_ROOM = 10
"""The engines let n source tokens produce up to 2n + 10 output tokens."""
CHARS_PER_TOKEN = 16
"""A piece longer than this many characters per budget token is split without being measured."""
BREAKS = (
    re.compile(r";\s+|；\s*"),
    re.compile(r"[,:]\s+|[，、：]\s*"),
    re.compile(r"\s[—–]\s+"),
)
"""Sentence-internal clause boundaries, in order of preference; a cut lies after the match."""
SPACE = re.compile(r"\s+")
UNSPACED = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo"})
"""Languages written without spaces between words: pieces are joined without one."""


def model_positions(folder: Path | None) -> int | None:
    """``max_position_embeddings`` of the model in ``folder`` (its config.json), if recorded."""
    if folder is None:
        return None
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = config.get(POSITIONS_KEY) if isinstance(config, dict) else None
    return value if type(value) is int and value > 0 else None


def token_limit(max_length: int, positions: int | None) -> int:
    """The most tokens an input or output may have: ``decoding.max_length``, or the model's
    positions when it has fewer."""
    return min(max_length, positions) if positions else max_length


def source_budget(positions: int) -> int:
    """The most source tokens (target token and EOS included) a piece may have, so that the
    engines' output allowance of 2n + 10 tokens fits in the model's positions."""
    return max(4, (positions - OUTPUT_ROOM) // 2)


@dataclass
class LengthLimited:
    """An engine whose over-long sources are translated in pieces (see the module docstring).

    ``inner`` is any engine with ``encode(texts) -> token lists``; everything else is its own.
    """

    inner: Any
    budget: int

    def __getattr__(self, name: str) -> Any:
        if name == "inner":  # not set yet (copy, unpickling)
            raise AttributeError(name)
        return getattr(self.inner, name)

    def describe(self) -> dict[str, object]:
        return self.inner.describe()

    def translate(
        self,
        sources: Sequence[str],
        progress: Callable[[int], None] | None = None,
        constraints: Constraints | None = None,
    ) -> list[Translation]:
        wanted = list(constraints) if constraints else [()] * len(sources)
        ranges = self.pieces(sources, [[c.source_span for c in terms if c.source_span] for terms in wanted])
        if all(len(r) < 2 for r in ranges):
            return self.inner.translate(sources, progress, constraints)
        texts, piece_terms, owners = [], [], []
        for i, (source, spans) in enumerate(zip(sources, ranges)):
            pieces = spans if len(spans) > 1 else [(0, len(source))]
            for (start, end), terms in zip(pieces, _by_piece(wanted[i], pieces)):
                texts.append(source[start:end])
                piece_terms.append(tuple(_shifted(c, start) for c in terms))
                owners.append(i)
        outputs = self.inner.translate(
            texts, spread_progress(progress, len(sources), len(texts)), piece_terms if constraints else None
        )
        joined: list[list[Translation]] = [[] for _ in sources]
        for i, out in zip(owners, outputs):
            joined[i].append(out)
        glue = "" if self.inner.spec.target_lang.split("-")[0].lower() in UNSPACED else " "
        return [_join(parts, glue) for parts in joined]

    def pieces(self, sources: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]) -> list[list[tuple[int, int]]]:
        """Per source, the (start, end) ranges of its pieces, each within the budget; the cuts
        avoid the term ``spans``. Pieces are measured in one ``encode`` call per round of halving."""
        spans = [Spans(s) for s in spans]
        done: list[list[tuple[int, int]]] = [[] for _ in sources]
        todo = [(i, *_stripped(s, 0, len(s))) for i, s in enumerate(sources)]
        while todo:
            small = [(i, a, b) for i, a, b in todo if b - a <= CHARS_PER_TOKEN * self.budget]
            encoded = self.inner.encode([sources[i][a:b] for i, a, b in small]) if small else []
            counts = dict(zip(small, map(len, encoded)))
            later = []
            for i, a, b in todo:
                if counts.get((i, a, b), self.budget + 1) <= self.budget or b - a < 2:
                    done[i].append((a, b))
                    continue
                cut = split_point(sources[i], a, b, spans[i])
                later += [(i, *_stripped(sources[i], a, cut)), (i, *_stripped(sources[i], cut, b))]
            todo = [(i, a, b) for i, a, b in later if b > a]
        return [sorted(r) for r in done]


def split_point(text: str, start: int, end: int, spans: Sequence[tuple[int, int]] | Spans = ()) -> int:
    """Where to cut ``text[start:end]`` in two: after the clause boundary nearest the middle (in
    the middle half), else the word boundary nearest it, else the middle character. Never inside
    a term's span, nor before a combining mark."""
    mid, quarter = (start + end) // 2, (end - start) // 4
    spans = spans if isinstance(spans, Spans) else Spans(spans)
    for pattern in BREAKS:
        cut = _nearest(pattern, text, mid, start + quarter, end - quarter, spans)
        if cut is not None:
            return cut
    cut = _nearest(SPACE, text, mid, start, end, spans)
    if cut is not None:
        return cut
    for cut in sorted(range(start + 1, end), key=lambda c: abs(c - mid)):
        if not unicodedata.combining(text[cut]) and not _inside(cut, spans):
            return cut
    return mid


def _nearest(pattern: re.Pattern[str], text: str, mid: int, low: int, high: int, spans) -> int | None:
    """The cut after a match of ``pattern`` nearest ``mid`` within (low, high), searching a
    window that grows from the middle (a 5 MB segment is not scanned whole for each cut)."""
    width = 64
    while True:
        first, last = max(low, mid - width), min(high, mid + width)
        cuts = [m.end() for m in pattern.finditer(text, first, last) if low < m.end() < high]
        cuts = [c for c in cuts if not _inside(c, spans)]
        if cuts:
            return min(cuts, key=lambda c: abs(c - mid))
        if first == low and last == high:
            return None
        width *= 4


class Spans:
    """Term spans that a cut must not fall into, looked up by bisection (a sentence of a million
    characters holds thousands of terms, and each cut tries several places)."""

    def __init__(self, spans: Sequence[tuple[int, int]] = ()) -> None:
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]
        self.reach = list(accumulate((e for _, e in self.spans), max))
        """Per span in order, the furthest end of it and the spans before it (they may overlap)."""

    def covers(self, cut: int) -> bool:
        k = bisect_left(self.starts, cut)  # spans starting before the cut
        return k > 0 and self.reach[k - 1] > cut


def _inside(cut: int, spans: Sequence[tuple[int, int]] | Spans) -> bool:
    return (spans if isinstance(spans, Spans) else Spans(spans)).covers(cut)


def _by_piece(terms: Sequence[TermConstraint], pieces: Sequence[tuple[int, int]]) -> list[list[TermConstraint]]:
    """The terms each piece gets: the one holding its span's start (the first piece when the
    span is unknown), in one pass over terms sorted by span."""
    out: list[list[TermConstraint]] = [[] for _ in pieces]
    starts = [a for a, _ in pieces]
    for term in terms:
        k = bisect_right(starts, term.source_span[0]) - 1 if term.source_span else 0
        if 0 <= k < len(pieces) and (term.source_span is None or term.source_span[0] < pieces[k][1]):
            out[k].append(term)
    return out


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` without the whitespace at either end."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _shifted(term: TermConstraint, start: int) -> TermConstraint:
    if not term.source_span or not start:
        return term
    a, b = term.source_span
    return replace(term, source_span=(a - start, b - start))


def _join(parts: Sequence[Translation], glue: str) -> Translation:
    text = glue.join(p.text for p in parts if p.text)
    forced = tuple(dict.fromkeys(i for p in parts for i in p.forced))
    scores = ModelScores.joined([p.scores for p in parts], [len(p.text) + 1 for p in parts])
    changed = max((p.changed for p in parts if p.changed is not None), default=None)
    return Translation(text, forced, next((p.method for p in parts if p.method), ""), scores, changed)
