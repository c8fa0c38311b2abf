"""The bundle's pages: article.html (plain, or with the inline markup of HTML and Markdown
input restored), and what the page template shows (:func:`page_values`)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from datetime import date, datetime, timezone

from .. import __version__
from ..catalog import UIStrings, chrome_msgids, ui_msgid
from ..jinja import page_environment
from ..locales import is_rtl
from ..model import Localized, rebuild_block
from .markup import Placed
from .render import html_body

TEMPLATE = "article.html"


def render_html(page: Mapping[str, object], ui: UIStrings | None = None) -> str:
    """The bundle's article.html (autoescaped: article text can never inject markup).

    ``ui`` (a :class:`newsl10n.catalog.UIStrings`) translates the page chrome; without it the
    chrome stays English. Translations are escaped too: a catalog cannot inject markup either.
    """
    return "".join(render_html_chunks(page, ui))


def render_html_chunks(page: Mapping[str, object], ui: UIStrings | None = None) -> Iterator[str]:
    """:func:`render_html` in pieces, for :func:`write_bundle`."""
    from markupsafe import escape

    env = page_environment(i18n=True)
    if ui is None:
        env.install_null_translations(newstyle=True)
    else:
        env.install_gettext_callables(
            lambda message: escape(ui.gettext(message)),
            lambda singular, plural, n: escape(ui.ngettext(singular, plural, n)),
            newstyle=True,
        )
    return env.get_template(TEMPLATE).generate(page=page)


def template_source() -> str:
    """The page template's text (for the msgids of its chrome)."""
    from importlib.resources import files

    return files("newsl10n").joinpath("templates", TEMPLATE).read_text(encoding="utf-8")


def page_values(
    localized: Localized, *, published: date | None = None, chrome: Collection[str] | None = None
) -> dict[str, object]:
    """What the HTML template shows: translated body blocks, localized UI lines and metadata.

    The section label goes to the page header. UI lines after the last body block are the
    page's footer, which the template draws from its own chrome (``chrome``: its msgids), so
    ``footer_ui`` lists only the lines it lacks. Date and word count are formatted for the
    locale with Babel.
    """
    from babel.dates import format_date
    from babel.numbers import format_decimal

    article, locale = localized.article, localized.locale
    chrome = chrome_msgids(template_source()) if chrome is None else chrome
    last_body = max((b.index for b in article.body_blocks), default=-1)
    blocks, footer_ui = [], []
    title, section, words = "", "", 0
    for block in article.blocks:
        if block.is_body:
            text = rebuild_block(block, localized.targets)
            words += len(text.split())
            title = title or (text if block.kind == "headline" else "")
            blocks.append({"kind": block.kind, "text": text})
            continue
        text = localized.ui_texts.get(block.index, block.text)
        if block.kind == "section":
            section = section or text
        elif block.index < last_body:
            blocks.append({"kind": block.kind, "text": text})
        elif ui_msgid(block.text) not in chrome:
            footer_ui.append(text)
    published = published or datetime.now(timezone.utc).date()
    babel_locale = locale.replace("-", "_")
    return {
        "lang": locale,
        "dir": "rtl" if is_rtl(locale) else "ltr",
        "title": title,
        "section": section,
        "version": __version__,
        "blocks": blocks,
        "footer_ui": footer_ui,
        "published": format_date(published, format="long", locale=babel_locale),
        "published_iso": published.isoformat(),
        "words": words,
        "words_text": format_decimal(words, locale=babel_locale),
    }


def rich_html(localized: Localized, page: Mapping[str, object], placed: Placed | None = None) -> str:
    """article.html of an HTML or Markdown article: the body with its inline markup restored
    (``placed``: runs a translator placed with XLIFF inline codes)."""
    from markupsafe import Markup

    env = page_environment()
    body = Markup(html_body(localized.article, localized.targets, placed))  # built escaped, tag by tag
    return env.get_template("article_rich.html").render(page={**page, "body": body})
