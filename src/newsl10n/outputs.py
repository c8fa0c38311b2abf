"""Bundle files beyond the plain-text ones: XLIFF, the review page, HTML/Markdown articles."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from .article import Article
from .config import QASettings

from .review import review_chunks
from .xliff import xliff_chunks

if TYPE_CHECKING:
    from .pipeline import Localized


def format_files(
    localized: Localized,
    segments: Sequence[Mapping[str, object]],
    page: Mapping[str, object],
    source_lang: str,
    qa: QASettings | None = None,
) -> dict[str, str | Iterator[str]]:
    """article.xlf and review.html always, with the QA checks' findings as flags; for
    HTML/Markdown input, article.html with the inline markup restored, and article.md for
    Markdown input. The two big files come in pieces (see :func:`newsl10n.bundle.write_bundle`)."""
    article = localized.article
    flags = qa_flags(segments, source_lang, localized.locale, qa or QASettings())
    entries = _Entries(segments, flags, markup_runs(article))
    original = f"{article.name}{_SUFFIX.get(article.format, '.txt')}"
    title = str(page.get("title") or article.name)
    files: dict[str, str | Iterator[str]] = {
        "article.xlf": xliff_chunks(entries, source_lang=source_lang, target_lang=localized.locale, original=original),
        "review.html": review_chunks(entries, title=title, source_lang=source_lang, target_lang=localized.locale),
    }
    if article.format in ("html", "markdown"):
        files["article.html"] = _rich_html(localized, page)
    if article.format == "markdown":
        from .formats.render import markdown_document

        files["article.md"] = markdown_document(article, localized.targets)
    return files


class _Entries(Sequence):
    """The segments.json entries with their QA flags and formatted runs, each copy made when it
    is read (two whole copies of a big article's entries would double the bundle's memory)."""

    def __init__(
        self, segments: Sequence[Mapping[str, object]], flags: Sequence[list[str]], runs: Mapping[str, list[str]]
    ):
        self.segments, self.flags, self.runs = segments, flags, runs

    def __len__(self) -> int:
        return len(self.segments)

    def __getitem__(self, index: int) -> dict[str, object]:  # type: ignore[override]
        entry = self.segments[index]
        return {**entry, "qa": self.flags[index], "markup": self.runs.get(str(entry["id"]), [])}


_SUFFIX = {"html": ".html", "markdown": ".md"}


def markup_runs(article: Article) -> dict[str, list[str]]:
    """Per segment id, its formatted runs (``strong: United States``), for the translator."""
    runs: dict[str, list[str]] = {}
    for block in article.blocks:
        for inline in block.inline:
            seg = next((s for s in block.segments if s.start <= inline.start and inline.end <= s.end), None)
            if seg is None or inline.end <= inline.start:
                continue
            href = dict(inline.attrs).get("href")
            text = block.text[inline.start : inline.end]
            runs.setdefault(seg.id, []).append(f"{inline.tag}: {text}" + (f" ({href})" if href else ""))
    return runs


def with_qa_flags(
    segments: Sequence[Mapping[str, object]], source_lang: str, target_lang: str, settings: QASettings
) -> list[dict[str, object]]:
    """Copies of the segments.json entries with ``qa``: what ``newsl10n qa`` would report."""
    flags = qa_flags(segments, source_lang, target_lang, settings)
    return [{**entry, "qa": found} for entry, found in zip(segments, flags)]


def qa_flags(
    segments: Sequence[Mapping[str, object]], source_lang: str, target_lang: str, settings: QASettings
) -> list[list[str]]:
    """Per segments.json entry, the QA checks' findings as flag lines."""
    from .qa import QASegment, check_segment

    flags = []
    for entry in segments:
        terms = entry.get("terms")
        seg = QASegment(
            id=str(entry["id"]),
            source=str(entry["source"]),
            target=str(entry["target"]),
            source_lang=source_lang,
            target_lang=target_lang,
            terms=tuple(terms) if isinstance(terms, list) else None,
        )
        flags.append([f"{i.severity} {i.code}: {i.message}" for i in check_segment(seg, settings)])
    return flags


def _rich_html(localized: Localized, page: Mapping[str, object]) -> str:
    from markupsafe import Markup

    from .formats.render import html_body
    from .jinja import page_environment

    env = page_environment()
    body = Markup(html_body(localized.article, localized.targets))  # built escaped, tag by tag
    return env.get_template("article_rich.html").render(page={**page, "body": body})
