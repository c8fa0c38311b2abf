"""Translation memories other tools write (issue 29): a corpus of TMX 1.4b files in
tests/data/tmx, written for these tests after the TMX 1.4b specification and the way CAT tools,
aligners and TMS export. Each imports with exit 0 and one summary line (read, imported, skipped
by reason, tags stored as another locale); inline codes never reach the memory as text; every
target language of a unit is kept; tags match the pipeline's locales whatever their case."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsl10n.cli import app
from newsl10n.locales import match_locale

CORPUS = Path(__file__).resolve().parent / "data" / "tmx"
CONFIG = "source_lang: en\nlocales:\n" + "".join(f"  {loc}: {{model: m/{loc}}}\n" for loc in ("de", "fr", "es", "ru", "ar"))
SUMMARIES = {
    "all-languages.tmx": "3 units read, 4 entries imported (4 reviewed), 1 skipped (1 no en segment)",
    "german-source.tmx": "3 units read, 3 entries imported (3 reviewed), 1 skipped (1 no en segment); de-DE stored as "
    "de, fr-FR stored as fr; the file's source language is de-DE: en segments used as sources",
    "isolated-codes.tmx": "3 units read, 3 entries imported (3 reviewed)",
    "lowercase-regions.tmx": "2 units read, 3 entries imported (3 reviewed); ru-RU stored as ru",
    "multi-target.tmx": "2 units read, 4 entries imported (4 reviewed); 2 variants left out (1 empty, "
    "1 second variant of a language)",
    "omegat-style.tmx": "3 units read, 2 entries imported (2 reviewed), 1 skipped (1 no target); fr-FR stored as fr",
    "trados-style.tmx": "3 units read, 3 entries imported (3 reviewed); de-DE stored as de",
}
STORED = {  # (locale, source, target) of every entry
    "all-languages.tmx": {
        ("de", "The summit ended without agreement.", "Der Gipfel endete ohne Einigung."),
        ("fr", "The summit ended without agreement.", "Le sommet s'est achevé sans accord."),
        ("es", "The summit ended without agreement.", "La cumbre terminó sin acuerdo."),
        ("ru", "Voting starts at eight.", "Голосование начнётся в восемь."),
    },
    "german-source.tmx": {
        ("de", "The government has passed the budget.", "Die Regierung hat das Budget beschlossen."),
        ("de", "Parliament sits tomorrow.", "Das Parlament tagt morgen."),
        ("fr", "Parliament sits tomorrow.", "Le Parlement siège demain."),
    },
    "isolated-codes.tmx": {
        ("es", "Markets fell sharply.", "Los mercados cayeron con fuerza."),
        ("es", "The central bank met today.", "El banco central se reunió hoy."),
        ("es", "See the chart below.", "Vea el gráfico abajo."),
    },
    "lowercase-regions.tmx": {
        ("ru", "The ceasefire holds.", "Перемирие соблюдается."),
        ("pt-BR", "The ceasefire holds.", "O cessar-fogo se mantém."),
        ("ru", "Aid arrived overnight.", "Помощь прибыла ночью."),
    },
    "multi-target.tmx": {
        ("de", "Leave a comment", "Kommentar hinterlassen"),
        ("fr", "Leave a comment", "Laisser un commentaire"),
        ("ar", "Leave a comment", "اترك تعليقاً"),
        ("de", "Related articles", "Ähnliche Artikel"),
    },
    "omegat-style.tmx": {
        ("fr", "Read the full statement.", "Lire la déclaration complète."),
        ("fr", "Photo: Reuters", "Photo : Reuters"),
    },
    "trados-style.tmx": {
        ("de", "The minister resigned on Monday.", "Der Minister ist am Montag zurückgetreten."),
        ("de", "Talks continue in Geneva", "Gespräche gehen in Genf weiter"),
        ("de", "Prices rose by 3%.", "Die Preise stiegen um 3 %."),
    },
}
FILES = sorted(SUMMARIES)


def test_the_corpus_is_what_the_table_lists():
    assert sorted(p.name for p in CORPUS.glob("*.tmx")) == FILES == sorted(STORED) and len(FILES) >= 6


@pytest.mark.parametrize("name", FILES)
def test_each_file_imports_with_one_summary_line_and_no_code_as_text(tmp_path, name):
    config = tmp_path / "pipeline.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    memory = tmp_path / "m.sqlite"
    result = CliRunner().invoke(app, ["tm", "import", str(CORPUS / name), "--tm", str(memory), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert result.output == f"{CORPUS / name}: {SUMMARIES[name]} -> {memory}\n"
    with sqlite3.connect(memory) as db:
        rows = set(db.execute("SELECT locale, source, target FROM segments"))
        reviewed = {r for (r,) in db.execute("SELECT DISTINCT reviewed FROM segments")}
    assert rows == STORED[name]
    assert reviewed == {1}
    for _, source, target in rows:  # no native code (<cf>, <a0>, <br/>, {\cf2 }, alt text) as text
        for text in (source, target):
            assert not any(mark in text for mark in ("<", "&lt;", "{\\", "Chart of", "Gráfico de")), text
            assert "  " not in text and text == text.strip()


@pytest.mark.parametrize(
    "tag, locales, expected",
    [
        ("de-DE", ["de", "fr"], "de"),
        ("EN-us", ["en-US"], "en-US"),
        ("en-us", [], "en-US"),
        ("pt-PT", ["pt-BR"], "pt-PT"),  # a region the pipeline does not have is not another's
        ("pt-br", ["pt-BR", "pt"], "pt-BR"),
        ("zh-hant-tw", ["zh"], "zh"),
    ],
)
def test_tags_map_to_the_pipelines_locales_by_language(tag, locales, expected):
    assert match_locale(tag, locales) == expected


def test_a_newsl10n_tmx_still_comes_back_as_it_was(tmp_path):
    """The memory's own export keeps its properties: x-locale decides the locale, not the tags."""
    from newsl10n.tm.tmx import export_tmx, read_tmx
    from newsl10n.tm.store import Entry
    import io

    entries = [Entry("Talks resumed.", "Gespräche.", "de", ("t1",), "constrained", "2025-01-02T03:04:05+00:00", False,
                     "m@r", "sha256:g", '{"engine":"ct2"}', "Gespräche.")]  # fmt: skip
    buffer = io.BytesIO()
    export_tmx(entries, buffer, "en")
    found = read_tmx(buffer.getvalue(), source="x.tmx", origin="x.tmx", locales=["de-AT"])
    assert found.entries == entries and found.mapped == {}
