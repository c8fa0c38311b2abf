"""Sentence segmentation: text in, character spans out. Pure; knows nothing of files.

pysbd is run on one block (one line) at a time: fed whole articles, every splitter measured here
glued headings and UI lines onto paragraphs.

Three shortcuts make big articles about 1.6 times faster than pysbd alone (news text, 2 and
20 MB) and give exactly pysbd's result: sentence offsets are found with ``str.find`` where pysbd compiles one
regular expression per sentence; an English line whose only sentence mark is its last character
is one sentence without asking pysbd (``_ONE_SENTENCE``, checked against pysbd in the tests); and
a Segmenter remembers the spans of its most recent lines (live blogs repeat boilerplate).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

Span = tuple[int, int]

# Languages pysbd has rules for; anything else is split with the English rules.
_PYSBD_LANGS = frozenset(
    "en hi mr zh es am ar hy bg ur ru pl fa nl da fr my el it ja de kk sk".split()
)

# A line pysbd's English rules always return whole: it starts with a letter or digit, ends with
# one sentence mark, and has nothing in between that any rule acts on: no other sentence mark,
# bracket (list items "a)", "(1)"), line break, pysbd placeholder character, nor a hyphen before
# a quote ('"pro-" Then' is split). A closing quote after the mark is left to pysbd: it splits
# 'He said yes.”' in two.
_ONE_SENTENCE = re.compile(
    r"[A-Za-z0-9À-ÖØ-öø-ſ]"
    r"(?:[A-Za-z0-9À-ÖØ-öø-ſ ,;:'\"‘’“”%$€£&/+=*#@–—]|-(?![\"'‘’“”]))*"
    r"[.!?]"
)

MEMO_SIZE = 4096
"""Lines whose spans a Segmenter keeps (least recently used dropped first)."""


@dataclass
class Segmenter:
    """Splits text into sentence spans with pysbd, one language per instance."""

    lang: str = "en"
    _impl: object = field(default=None, init=False, repr=False)
    _sentences: object = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._sentences = lru_cache(maxsize=MEMO_SIZE)(self._sentence_spans)

    @property
    def pysbd_lang(self) -> str:
        """The pysbd language used for ``lang`` (English when pysbd has no rules for it)."""
        lang = self.lang.split("-")[0].split("_")[0]
        return lang if lang in _PYSBD_LANGS else "en"

    def spans(self, text: str, protected: Sequence[Span] = ()) -> list[Span]:
        """Sentence spans of ``text``, stripped of surrounding whitespace.

        No span boundary falls inside a ``protected`` span (a glossary term such as
        "U.S. European Command"): sentences split inside one are joined again.
        """
        if not text.strip():
            return []
        return _merge_protected(list(self._sentences(text)), protected)

    def _sentence_spans(self, text: str) -> tuple[Span, ...]:
        if self.pysbd_lang == "en" and _ONE_SENTENCE.fullmatch(text):
            return ((0, len(text)),)
        spans = (_strip(text, s, e) for s, e in self._raw_spans(text))
        return tuple(s for s in spans if s[0] < s[1])

    def _raw_spans(self, text: str) -> Iterable[Span]:
        if self._impl is None:
            import pysbd

            self._impl = pysbd.Segmenter(language=self.pysbd_lang, clean=False, char_span=True)
        pos = 0
        for match_start, match_end in _pysbd_char_spans(text, self._impl.processor(text).process()):
            start = max(match_start, pos)  # pysbd's offsets drifted; fall back to what is left
            end = min(len(text), start + match_end - match_start)
            yield start, end
            pos = end
        if pos < len(text) and text[pos:].strip():
            yield pos, len(text)


def _pysbd_char_spans(text: str, sentences: Iterable[str]) -> Iterator[Span]:
    """What ``pysbd.Segmenter.sentences_with_char_spans`` finds, without its regular expressions.

    For each sentence, the first occurrence (followed by any white space) that ends after the
    previous one, scanning non-overlapping occurrences from the start as ``re.finditer`` does;
    a sentence that does not occur is skipped.
    """
    prior = 0
    for sent in sentences:
        if not sent:  # pysbd's pattern is then r"\s*": keep its exact semantics
            found = next((m.span() for m in re.finditer(r"\s*", text) if m.end() > prior), None)
        else:
            found = _occurrence_after(text, sent, prior)
        if found is not None:
            prior = found[1]
            yield found


def _occurrence_after(text: str, sent: str, prior: int) -> Span | None:
    pos = 0
    while (start := text.find(sent, pos)) >= 0:
        end = start + len(sent)
        while end < len(text) and text[end].isspace():
            end += 1
        if end > prior:
            return start, end
        pos = end
    return None


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
