"""The bilingual review page: source and target side by side, terms and QA flags marked."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from .. import __version__
from ..jinja import page_environment
from ..locales import is_rtl
from .pieces import PieceCache, piece_keys, pieces
from .xliff import term_target


def review_page(
    segments: Sequence[Mapping[str, object]], *, title: str, source_lang: str, target_lang: str
) -> str:
    """review.html for one bundle (autoescaped: article text can never inject markup)."""
    return "".join(review_chunks(segments, title=title, source_lang=source_lang, target_lang=target_lang))


def review_chunks(
    segments: Sequence[Mapping[str, object]],
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

    def rows(batch: list[Mapping[str, object]]) -> list[str]:
        return [row(_row(entry), langs) for entry in batch]

    def marks(batch: list[Mapping[str, object]]) -> list[tuple[bool, bool]]:
        return [(bool(entry.get("reviewed")), bool(_flags(entry))) for entry in batch]

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


def _row(entry: Mapping[str, object]) -> dict[str, object]:
    terms = _terms(entry)
    return {
        "id": entry["id"],
        "kind": entry.get("kind", ""),
        "source": highlight(str(entry["source"]), [str(t.get("source", "")) for t in terms]),
        "target": highlight(str(entry["target"]), [str(t.get("found") or term_target(t)) for t in terms]),
        "flags": _flags(entry),
        "reviewed": bool(entry.get("reviewed")),
        "confidence": _confidence(entry),
    }


def _confidence(entry: Mapping[str, object]) -> float | None:
    """The machine's confidence in the target (none once a person reviewed it)."""
    value = entry.get("confidence")
    return float(value) if isinstance(value, (int, float)) and not entry.get("reviewed") else None


def _terms(entry: Mapping[str, object]) -> list[Mapping[str, object]]:
    return [t for t in _list(entry.get("terms")) if isinstance(t, Mapping)]


def _flags(entry: Mapping[str, object]) -> list[str]:
    """QA flags, and the glossary terms violated."""
    flags = [_flag_text(f) for key in ("qa", "flags") for f in _list(entry.get(key))]
    flags += [
        f"term {t.get('source', '')} \u2192 {term_target(t)}: {t['status']}"
        for t in _terms(entry)
        if t.get("status") == "violated"
    ]
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


def _list(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [dict(v, name=k) if isinstance(v, Mapping) else f"{k}: {v}" for k, v in value.items()]
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _flag_text(flag: object) -> str:
    if isinstance(flag, Mapping):
        return ", ".join(f"{k}: {v}" for k, v in flag.items())
    return str(flag)
