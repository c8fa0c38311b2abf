"""Spans of the source that must come through translation exactly as they are: URLs, e-mail
addresses, @handles and #hashtags. They are found without a glossary, kept whole by the
segmenter, and required, enforced and reported like do-not-translate terms (ids ``dnt-url``,
``dnt-email``, ``dnt-handle``, ``dnt-hashtag``)."""

from __future__ import annotations

import re

from ..model import TermConstraint, TermHit

PREFIX = "dnt-"
_TRAILING = ".,;:!?)]}\"'»”’"
_PATTERNS = (
    ("url", re.compile(r"\b(?:https?://|www\.)[^\s<>\"'«»“”]+", re.IGNORECASE)),
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")),
    ("handle", re.compile(r"(?<![\w@.])@[A-Za-z0-9_]{2,30}\b(?!\.[A-Za-z])")),
    ("hashtag", re.compile(r"(?<![\w#&])#[^\W\d_][\w]{1,60}")),
)


def protected_spans(text: str) -> list[TermHit]:
    """The URLs, e-mail addresses, handles and hashtags of ``text``, leftmost first, no overlaps
    (a URL's closing punctuation left out)."""
    hits: list[TermHit] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.start(), m.end()
            if kind == "url":
                while end > start and text[end - 1] in _TRAILING:
                    end -= 1
            if not any(h.start < end and start < h.end for h in hits):
                hits.append(TermHit(PREFIX + kind, text[start:end], start, end))
    return sorted(hits, key=lambda h: h.start)


def is_protected(term_id: str) -> bool:
    return term_id.startswith(PREFIX)


def span_constraint(hit: TermHit) -> TermConstraint:
    """The target must hold the span exactly (case included)."""
    return TermConstraint(hit.id, (hit.source,), (), True)
