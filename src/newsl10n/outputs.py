"""Bundle files beyond the plain-text ones: XLIFF, the review page, HTML/Markdown articles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .article import Article
from .config import QASettings

from .review import review_page
from .xliff import write_xliff

if TYPE_CHECKING:
    from .pipeline import Localized


def format_files(
    localized: Localized,
    segments: Sequence[Mapping[str, object]],
    page: Mapping[str, object],
    source_lang: str,
    qa: QASettings | None = None,
) -> dict[str, str]:
    """article.xlf and review.html always, with the QA checks' findings as flags; for
    HTML/Markdown input, article.html with the inline markup restored, and article.md for
    Markdown input."""
    article = localized.article
    segments = with_qa_flags(segments, source_lang, localized.locale, qa or QASettings())
    runs = markup_runs(article)
    segments = [{**e, "markup": runs.get(str(e["id"]), [])} for e in segments]
    original = f"{article.name}{_SUFFIX.get(article.format, '.txt')}"
    files = {
        "article.xlf": write_xliff(
            segments, source_lang=source_lang, target_lang=localized.locale, original=original
        ).decode("utf-8"),
        "review.html": review_page(
            segments, title=str(page.get("title") or article.name), source_lang=source_lang, target_lang=localized.locale
        ),
    }
    if article.format in ("html", "markdown"):
        files["article.html"] = _rich_html(localized, page)
    if article.format == "markdown":
        from .formats.render import markdown_document

        files["article.md"] = markdown_document(article, localized.targets)
    return files


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
    from .qa import QASegment, check_segment

    flagged = []
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
        issues = check_segment(seg, settings)
        flagged.append({**entry, "qa": [f"{i.severity} {i.code}: {i.message}" for i in issues]})
    return flagged


def _rich_html(localized: Localized, page: Mapping[str, object]) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape
    from markupsafe import Markup

    from .formats.render import html_body

    env = Environment(
        loader=PackageLoader("newsl10n", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
    )
    body = Markup(html_body(localized.article, localized.targets))  # built escaped, tag by tag
    return env.get_template("article_rich.html").render(page={**page, "body": body})
