"""Sentence segmentation: text in, character spans out. Pure; knows nothing of files.

pysbd is run on one block (one line) at a time: fed whole articles, every splitter measured here
glued headings and UI lines onto paragraphs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Span = tuple[int, int]

# Languages pysbd has rules for; anything else is split with the English rules.
_PYSBD_LANGS = frozenset(
    "en hi mr zh es am ar hy bg ur ru pl fa nl da fr my el it ja de kk sk".split()
)


@dataclass
class Segmenter:
    """Splits text into sentence spans with pysbd, one language per instance."""

    lang: str = "en"
    _impl: object = field(default=None, init=False, repr=False)

    def spans(self, text: str, protected: Sequence[Span] = ()) -> list[Span]:
        """Sentence spans of ``text``, stripped of surrounding whitespace.

        No span boundary falls inside a ``protected`` span (a glossary term such as
        "U.S. European Command"): sentences split inside one are joined again.
        """
        if not text.strip():
            return []
        raw = list(self._raw_spans(text))
        spans = [_strip(text, s, e) for s, e in raw]
        spans = [s for s in spans if s[0] < s[1]]
        return _merge_protected(spans, protected)

    def _raw_spans(self, text: str) -> Iterable[Span]:
        if self._impl is None:
            import pysbd

            lang = self.lang.split("-")[0].split("_")[0]
            self._impl = pysbd.Segmenter(
                language=lang if lang in _PYSBD_LANGS else "en", clean=False, char_span=True
            )
        pos = 0
        for piece in self._impl.segment(text):
            sent = piece.sent
            start = piece.start if text.startswith(sent, piece.start) else text.find(sent, pos)
            if start < pos:  # pysbd's offsets drifted; fall back to what is left
                start = pos
            end = min(len(text), start + len(sent))
            yield start, end
            pos = end
        if pos < len(text) and text[pos:].strip():
            yield pos, len(text)


def _strip(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _merge_protected(spans: list[Span], protected: Sequence[Span]) -> list[Span]:
    if not protected or len(spans) < 2:
        return spans
    merged = [spans[0]]
    for start, end in spans[1:]:
        prev_start, prev_end = merged[-1]
        if any(p_start < start and p_end > prev_end for p_start, p_end in protected):
            merged[-1] = (prev_start, end)
        else:
            merged.append((start, end))
    return merged
