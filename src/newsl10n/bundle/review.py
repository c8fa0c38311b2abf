"""The bilingual review page: source and target side by side, terms and QA flags marked."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .. import __version__
from ..jinja import page_environment
from ..locales import is_rtl
from .pieces import PieceCache, piece_keys, pieces
from .segments import EntryView
from .xliff import term_target


def review_page(segments: Sequence[EntryView], *, title: str, source_lang: str, target_lang: str) -> str:
    """review.html for one bundle (autoescaped: article text can never inject markup)."""
    return "".join(review_chunks(segments, title=title, source_lang=source_lang, target_lang=target_lang))


def review_chunks(
    segments: Sequence[EntryView],
    *,
    title: str,
    source_lang: str,
    target_lang: str,
    cache: PieceCache | None = None,
    keys: Sequence[bytes] | None = None,
) -> Iterator[str]:
    """:func:`review_page` in pieces, each row made as the page is written (a 20 MB article has
    100,000 rows); ``cache``: the rows of entries written before with the same values are kept
    (``keys``: the entries' :func:`~newsl10n.bundle.pieces.entry_keys`)."""
    env = page_environment()
    langs = {
        "source_lang": source_lang,
        "target_lang": target_lang,
        "source_dir": "rtl" if is_rtl(source_lang) else "ltr",
        "target_dir": "rtl" if is_rtl(target_lang) else "ltr",
    }
    row = env.get_template("review_row.html").module.review_row

    def rows(batch: list[EntryView]) -> list[str]:
        return [row(_row(view), langs) for view in batch]

    def marks(batch: list[EntryView]) -> list[tuple[bool, bool]]:
        return [(view.entry.reviewed, bool(_flags(view))) for view in batch]

    reviewed = flagged = 0
    for is_reviewed, is_flagged in pieces(segments, marks, cache, piece_keys(cache, "review marks", segments, keys)):
        reviewed += is_reviewed
        flagged += is_flagged
    return env.get_template("review.html").generate(
        page={
            **langs,
            "title": title,
            "version": __version__,
            "rows": pieces(segments, rows, cache, piece_keys(cache, "review row", segments, keys, langs)),
            "count": len(segments),
            "reviewed": reviewed,
            "flagged": flagged,
        }
    )


def _row(view: EntryView) -> dict[str, object]:
    entry = view.entry
    terms = list(entry.terms or ())
    return {
        "id": entry.id,
        "kind": entry.kind or "",
        "source": highlight(entry.source, [str(t.get("source", "")) for t in terms]),
        "target": highlight(entry.target, [str(t.get("found") or term_target(t)) for t in terms]),
        "flags": _flags(view),
        "reviewed": entry.reviewed,
        "confidence": None if entry.reviewed else entry.confidence,
    }


def _flags(view: EntryView) -> list[str]:
    """QA flags, the glossary terms violated, and a reviewed translation of an earlier source."""
    flags = list(view.qa)
    flags += [
        f"term {t.get('source', '')} \u2192 {term_target(t)}: {t.get('status')}"
        for t in view.entry.terms or ()
        if t.get("status") == "violated"
    ]
    if view.entry.suggestion:
        flags.append(f"suggestion (reviewed for an earlier source): {view.entry.suggestion['target']}")
    return flags


def highlight(text: str, phrases: Sequence[str]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_term) runs; the longest phrase wins where they overlap."""
    marks = [False] * len(text)
    spans: list[tuple[int, int]] = []
    folded = text.casefold()
    for phrase in sorted({p for p in phrases if p.strip()}, key=len, reverse=True):
        needle = phrase.casefold()
        if len(needle) != len(phrase):
            continue
        start = folded.find(needle)
        while start >= 0:
            end = start + len(needle)
            if not any(marks[start:end]):
                marks[start:end] = [True] * len(needle)
                spans.append((start, end))
            start = folded.find(needle, end)
    if not spans:
        return [(text, False)] if text else []
    runs: list[tuple[str, bool]] = []
    pos = 0
    for start, end in sorted(spans):  # runs sliced between the marked spans, touching ones joined
        end = min(end, len(text))  # casefold() may lengthen the text before a match: offsets past its end
        if start >= end:
            continue
        if start > pos:
            runs.append((text[pos:start], False))
        if runs and runs[-1][1] and start == pos:
            runs[-1] = (runs[-1][0] + text[start:end], True)
        else:
            runs.append((text[start:end], True))
        pos = end
    if pos < len(text):
        runs.append((text[pos:], False))
    return runs
