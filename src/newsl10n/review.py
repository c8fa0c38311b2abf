"""The bilingual review page: source and target side by side, terms and QA flags marked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import groupby
from operator import itemgetter

from . import __version__
from .locales import is_rtl
from .xliff import term_target


def review_page(
    segments: Sequence[Mapping[str, object]], *, title: str, source_lang: str, target_lang: str
) -> str:
    """review.html for one bundle (autoescaped: article text can never inject markup)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    rows = []
    for entry in segments:
        terms = [t for t in _list(entry.get("terms")) if isinstance(t, Mapping)]
        flags = [_flag_text(f) for key in ("qa", "flags") for f in _list(entry.get(key))]
        flags += [
            f"term {t.get('source', '')} \u2192 {term_target(t)}: {t['status']}"
            for t in terms
            if t.get("status") == "violated"
        ]
        rows.append(
            {
                "id": entry["id"],
                "kind": entry.get("kind", ""),
                "source": highlight(str(entry["source"]), [str(t.get("source", "")) for t in terms]),
                "target": highlight(str(entry["target"]), [str(t.get("found") or term_target(t)) for t in terms]),
                "flags": flags,
                "reviewed": bool(entry.get("reviewed")),
            }
        )
    env = Environment(
        loader=PackageLoader("newsl10n", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
    )
    return env.get_template("review.html").render(
        page={
            "title": title,
            "version": __version__,
            "source_lang": source_lang,
            "target_lang": target_lang,
            "source_dir": "rtl" if is_rtl(source_lang) else "ltr",
            "target_dir": "rtl" if is_rtl(target_lang) else "ltr",
            "rows": rows,
            "reviewed": sum(1 for r in rows if r["reviewed"]),
            "flagged": sum(1 for r in rows if r["flags"]),
        }
    )


def highlight(text: str, phrases: Sequence[str]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_term) runs; the longest phrase wins where they overlap."""
    marks = [False] * len(text)
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
            start = folded.find(needle, end)
    if not any(marks):
        return [(text, False)] if text else []
    return [("".join(ch for ch, _ in run), marked) for marked, run in groupby(zip(text, marks), key=itemgetter(1))]


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
