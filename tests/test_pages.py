"""Localized page chrome: bundles render their UI from the target locale's catalog."""

from __future__ import annotations

import io
import logging
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from newsl10n.bundle.pages import render_html
from newsl10n.catalog import load_ui_strings, po_path
from newsl10n.ingest import parse_text
from newsl10n.model import Localized
from newsl10n.bundle.pages import page_values
from helpers import translate_run

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ("de", "fr", "es", "ru", "ar")

# section label, "Leave a comment", the email notice, "Go to top button"
CHROME = {
    "de": (
        "Weltnachrichten",
        "Kommentar hinterlassen",
        "Ihre E-Mail-Adresse wird nicht veröffentlicht. Pflichtfelder sind mit * markiert",
        "Schaltfläche „Nach oben“",
    ),
    "fr": (
        "Actualité internationale",
        "Laisser un commentaire",
        "Votre adresse e-mail ne sera pas publiée. Les champs obligatoires sont indiqués avec\u00a0*",
        "Bouton «\u00a0Retour en haut\u00a0»",
    ),
    "es": (
        "Noticias internacionales",
        "Deja un comentario",
        "Tu dirección de correo electrónico no será publicada. Los campos obligatorios están marcados con *",
        "Botón «Volver arriba»",
    ),
    "ru": (
        "Новости мира",
        "Оставить комментарий",
        "Ваш адрес электронной почты не будет опубликован. Обязательные поля помечены *",
        "Кнопка «Наверх»",
    ),
    "ar": (
        "أخبار العالم",
        "اترك تعليقاً",
        "لن يُنشر عنوان بريدك الإلكتروني. الحقول الإلزامية مشار إليها بـ *",
        "زر العودة إلى الأعلى",
    ),
}

# "Published" and the date, the word count of a 1,234-word article
METADATA = {
    "de": ("Veröffentlicht am", "28. November 2026", "1.234 Wörter"),
    "fr": ("Publié le", "28 novembre 2026", "1\u202f234 mots"),
    "es": ("Publicado el", "28 de noviembre de 2026", "1.234 palabras"),
    "ru": ("Опубликовано", "28 ноября 2026\u202fг.", "1\u00a0234 слова"),
    "ar": ("نُشر في", "28 نوفمبر 2026", "1,234 كلمةً"),
}


SHORT = (
    "World News\n\nResumption of military dialogue\n\nThe United States and Russia announced talks.\n\n"
    "Related articles\n\nLeave a comment\n\n"
    "Your email address will not be published. Required fields are marked *\n\nGo to top button\n"
)


@pytest.fixture(scope="module")
def bundles(tmp_path_factory, tiny_models) -> Path:
    """A short article in all five locales, with the shipped catalogs (random models)."""
    root = tmp_path_factory.mktemp("pages")
    article = root / "short.txt"
    article.write_text(SHORT, encoding="utf-8")
    config = root / "pipeline.yaml"
    models = {loc: tiny_models["ar" if loc == "ar" else "de"] for loc in LOCALES}
    config.write_text(
        f"out: {root / 'out'}\ncatalogs: {ROOT / 'locales'}\n"
        "decoding: {beam_size: 1, batch_size: 8, max_length: 32}\nlocales:\n"
        + "".join(f"  {loc}: {{model: '{path}'}}\n" for loc, path in models.items() if loc != "ar")
        + f"  ar: {{model: '{models['ar']}', target_token: '>>ara<<'}}\n",
        encoding="utf-8",
    )
    translate_run(config, [article], LOCALES)
    return root / "out/short"


@pytest.mark.slow
@pytest.mark.parametrize("locale", LOCALES)
def test_bundle_page_shows_localized_chrome(bundles, locale):
    html = (bundles / locale / "article.html").read_text(encoding="utf-8")
    section, leave, notice, top = CHROME[locale]
    direction = "rtl" if locale == "ar" else "ltr"
    assert f'<html lang="{locale}" dir="{direction}">' in html
    assert f'<p class="section">{section}</p>' in html
    assert f"<h2>{leave}</h2>" in html
    assert f'<p class="comment-notes">{notice}</p>' in html
    assert f'aria-label="{top}"' in html
    assert "Leave a comment" not in html and "World News" not in html
    assert html.count(leave) == 1  # the article's own UI line is the page's comment heading


@pytest.mark.slow
@pytest.mark.parametrize("locale", LOCALES)
def test_article_txt_has_localized_ui_lines(bundles, locale):
    lines = (bundles / locale / "article.txt").read_text(encoding="utf-8").split("\n")
    section, leave, notice, top = CHROME[locale]
    assert lines[0] == section
    assert lines[-6:] == [leave, "", notice, "", top, ""]


@pytest.mark.slow
def test_manifest_names_the_ui_catalog(bundles):
    import json

    manifest = json.loads((bundles / "ar/manifest.json").read_text(encoding="utf-8"))
    assert manifest["ui_catalog"] == str(po_path(ROOT / "locales", "ar"))


def long_article():
    """Section, headline, a paragraph (1,234 words with the headline), two trailing UI lines."""
    text = "World News\n\nA headline\n\n" + "word " * 1231 + "end.\n\nLeave a comment\n\nSubscribe now\n"
    return parse_text(text, name="long")


def localized_values(locale: str, ui, published=date(2026, 11, 28)):
    article = long_article()
    ui_texts = {b.index: ui.gettext(b.text) for b in article.ui_blocks}
    return page_values(Localized(article, locale, {}, "", ui_texts), published=published)


@pytest.mark.parametrize("locale", LOCALES)
def test_page_metadata_is_formatted_for_the_locale(locale, caplog):
    ui = load_ui_strings(ROOT / "locales", locale)
    with caplog.at_level(logging.WARNING, logger="newsl10n"):
        html = render_html(localized_values(locale, ui), ui)
    label, day, words = METADATA[locale]
    assert f'<p>{label} <time datetime="2026-11-28">{day}</time>\n<span class="words">{words}</span></p>' in html
    # a UI line the catalog lacks stays English, is shown once, and is reported
    assert html.count('<p class="ui">Subscribe now</p>') == 1
    assert caplog.messages == [
        f"{locale}: no translation of UI string 'Subscribe now' in {po_path(ROOT / 'locales', locale)}; "
        "kept in English"
    ]


def test_catalog_translations_are_escaped(tmp_path):
    catalog = Catalog(locale="de", fuzzy=False)
    catalog.add("Leave a comment", '<script>alert("x")</script>')
    catalog.add(("%(words)s word", "%(words)s words"), ("<b>%(words)s</b> Wort", "<b>%(words)s</b> Wörter"))
    path = po_path(tmp_path, "de")
    path.parent.mkdir(parents=True)
    buf = io.BytesIO()
    write_po(buf, catalog)
    path.write_bytes(buf.getvalue())
    ui = load_ui_strings(tmp_path, "de")
    html = render_html(localized_values("de", ui), ui)
    assert "<h2>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</h2>" in html
    assert '<span class="words">&lt;b&gt;1.234&lt;/b&gt; Wörter</span>' in html
    assert "<script>" not in html and "<b>" not in html


def test_page_without_catalog_keeps_english_chrome(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="newsl10n"):
        ui = load_ui_strings(tmp_path / "locales", "de")
        html = render_html(localized_values("de", ui), ui)
    assert "<h2>Leave a comment</h2>" in html and '<p class="section">World News</p>' in html
    assert caplog.messages == [f"de: no UI catalog at {po_path(tmp_path / 'locales', 'de')}; UI strings stay in English"]


def test_broken_catalog_stops_translate_before_any_bundle(tmp_path, tiny_models, sample_article):
    from typer.testing import CliRunner

    from newsl10n.cli import app

    path = po_path(tmp_path / "locales", "de")
    path.parent.mkdir(parents=True)
    path.write_text('msgid "Leave a comment"\nmsgstr "Kommentar\nmsgid "x"\n', encoding="utf-8")
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"out: out\nlocales:\n  de: {{model: '{tiny_models['de']}'}}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["translate", str(sample_article), "--config", str(config), "-q"])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"error: {path}: malformed catalog: missing msgstr for msgid 'x' on 2"
    assert not (tmp_path / "out").exists()
