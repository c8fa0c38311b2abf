"""UI string catalogs: extract, update (MT prefill), compile, and the shipped translations."""

from __future__ import annotations

import gettext
import io
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from typer.testing import CliRunner

from newsl10n.catalog import load_ui_strings, read_catalog
from newsl10n.catalog_authoring import extract_template, new_catalog, prefill, read_mapping, update_catalog
from newsl10n.cli import app

ROOT = Path(__file__).resolve().parents[1]

LOCALES = ("de", "fr", "es", "ru", "ar")
UI_LINES = (
    "Related articles",
    "Leave a comment",
    "Your email address will not be published. Required fields are marked *",
    "Go to top button",
)
CHROME = (*UI_LINES, "Skip to content", "World News", "Published", "Comment", "Name", "Email", "Post comment")
MSGIDS = {*CHROME, ("%(words)s word", "%(words)s words")}
TEMPLATE = "src/newsl10n/templates/article.html"

runner = CliRunner()


def make_project(root: Path, *, models: dict[str, Path] | None = None) -> Path:
    """A checkout-like folder: babel.cfg, the page template and a pipeline.yaml."""
    (root / TEMPLATE).parent.mkdir(parents=True)
    shutil.copy(ROOT / TEMPLATE, root / TEMPLATE)
    shutil.copy(ROOT / "babel.cfg", root / "babel.cfg")
    lines = [
        "source_lang: en",
        "decoding: {beam_size: 1, batch_size: 8, max_length: 64}",
        "ingest:",
        "  ui_strings:",
        *[f"    - {line!r}" for line in UI_LINES],
    ]
    if models:
        lines.append("locales:")
        lines.extend(f"  {loc}: {{model: '{path}'}}" for loc, path in models.items())
    (root / "pipeline.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def cli(project: Path, *args: str):
    command = [args[0], args[1], "--config", str(project / "pipeline.yaml"), *args[2:]]
    if args[1] == "extract":
        command += ["--mapping", str(project / "babel.cfg")]
    return runner.invoke(app, command)


def read(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


def po(project: Path, locale: str) -> Path:
    return project / "locales" / locale / "LC_MESSAGES" / "messages.po"


def msgfmt_check(path: Path) -> None:
    if shutil.which("msgfmt") is None:
        pytest.skip("GNU gettext's msgfmt is not installed")
    done = subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def translate(catalog, strings: dict[str, str]) -> None:
    """What a person does: write a translation and clear the fuzzy flag."""
    for msgid, text in strings.items():
        catalog[msgid].string = text
        catalog[msgid].flags.discard("fuzzy")


# ---------------------------------------------------------------- extract


def test_extract_writes_template_with_every_ui_string(tmp_path):
    project = make_project(tmp_path)
    result = cli(project, "catalog", "extract")
    assert result.exit_code == 0, result.output
    assert result.output == f"12 UI strings -> {project / 'locales/messages.pot'}\n"
    pot = read(project / "locales/messages.pot")
    assert {m.id for m in pot if m.id} == MSGIDS
    leave = pot["Leave a comment"]
    assert leave.locations == [("pipeline.yaml", 6), (TEMPLATE, 38)]
    assert pot["%(words)s word"].flags == {"python-format"}
    assert pot["Published"].auto_comments == ['a label before the date, e.g. "Published 28 November 2026".']


def test_pybabel_extract_gives_the_same_messages(tmp_path):
    """pybabel with the same babel.cfg finds the same msgids, locations and comments."""
    project = make_project(tmp_path / "project")
    # The entry point of an installed newsl10n, for a pybabel that runs from this checkout.
    dist = tmp_path / "site" / "newsl10n_ep-0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: newsl10n-ep\nVersion: 0\n")
    (dist / "entry_points.txt").write_text(
        "[babel.extractors]\nnewsl10n_ui = newsl10n.catalog_authoring:extract_ui_strings\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(dist.parent)])}
    code = "import sys; from babel.messages.frontend import main; sys.argv[0] = 'pybabel'; main()"
    args = ["extract", "-F", "babel.cfg", "-c", "Translators:", "-o", "theirs.pot", "."]
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert cli(project, "catalog", "extract").exit_code == 0

    def messages(path):
        return [(m.id, m.locations, m.auto_comments, m.flags) for m in read(path) if m.id]

    assert messages(project / "theirs.pot") == messages(project / "locales/messages.pot")


def test_extract_names_a_missing_mapping(tmp_path):
    project = make_project(tmp_path)
    (project / "babel.cfg").unlink()
    result = cli(project, "catalog", "extract")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"error: {project / 'babel.cfg'}: no such file"


# ---------------------------------------------------------------- update and compile


@pytest.mark.parametrize(
    ("locale", "source", "nplurals", "for_one_and_two"),
    [
        ("de", "gettext", 2, (0, 1)), ("fr", "gettext", 2, (0, 1)), ("es", "gettext", 2, (0, 1)),
        ("ru", "gettext", 3, (0, 1)), ("ar", "gettext", 6, (1, 2)), ("ja", "gettext", 1, (0, 0)),
        ("fr", "cldr", 3, (0, 2)), ("es", "cldr", 3, (0, 2)), ("de", "cldr", 2, (0, 1)),
    ],
)  # fmt: skip
def test_new_catalog_plural_forms_as_gettext_writes_them_or_cldrs(tmp_path, locale, source, nplurals, for_one_and_two):
    """Issue 29: new fr/es catalogs declared CLDR's 3 forms where GNU gettext (and msginit,
    translate-toolkit) use 2; --plural-forms cldr keeps CLDR's."""
    project = make_project(tmp_path)
    assert cli(project, "catalog", "extract").exit_code == 0
    result = cli(project, "catalog", "update", "--to", locale, "--no-mt", "--plural-forms", source)
    assert result.exit_code == 0, result.output
    catalog = read(po(project, locale))
    assert catalog.num_plurals == nplurals
    assert f"nplurals={nplurals};" in catalog.plural_forms
    assert len(catalog["%(words)s word"].string) == nplurals
    plural = gettext.c2py(catalog.plural_expr)
    assert (plural(1), plural(2)) == for_one_and_two
    msgfmt_check(po(project, locale))


def test_the_gettext_plural_forms_are_msginits(tmp_path):
    """The same plural forms GNU gettext's msginit writes (where it is installed): the same count,
    and an expression that picks the same form for every n up to 10,000."""
    from newsl10n.catalog_authoring import gettext_plural_forms

    if shutil.which("msginit") is None:
        pytest.skip("GNU gettext's msginit is not installed")
    pot = tmp_path / "m.pot"
    pot.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n', encoding="utf-8")
    for locale in ("de", "fr", "es", "ru", "ar", "ja", "pt_BR"):
        out = tmp_path / f"{locale}.po"
        done = subprocess.run(["msginit", "--no-translator", "-l", f"{locale}.UTF-8", "-i", str(pot), "-o", str(out)],
                              capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"})  # fmt: skip
        assert done.returncode == 0, done.stderr
        theirs = read(out)
        count, expression = gettext_plural_forms(locale)
        assert theirs.num_plurals == count, locale
        mine, msginits = gettext.c2py(expression), gettext.c2py(theirs.plural_expr)
        assert [mine(n) for n in range(10_001)] == [msginits(n) for n in range(10_001)], locale


def test_update_round_trip_keeps_human_translations(tmp_path):
    """A person's translation survives an update that rewords one string and removes another."""
    project = make_project(tmp_path)
    assert cli(project, "catalog", "extract").exit_code == 0
    assert cli(project, "catalog", "update", "--to", "de", "--no-mt").exit_code == 0
    catalog = read(po(project, "de"))
    translate(
        catalog,
        {"Leave a comment": "Kommentar hinterlassen", "Comment": "Kommentar", "Name": "Name", "Email": "E-Mail"},
    )
    with po(project, "de").open("wb") as fh:
        write_po(fh, catalog)

    template = project / TEMPLATE
    html = template.read_text(encoding="utf-8")
    html = html.replace('_("Comment")', '_("Your comment")')
    html = html.replace('<p><label for="author">{{ _("Name") }} *</label>', '<p><label for="author">*</label>')
    template.write_text(html, encoding="utf-8")
    assert cli(project, "catalog", "extract").exit_code == 0
    result = cli(project, "catalog", "update", "--to", "de", "--no-mt")
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"de: updated {po(project, 'de')}: 0 new (0 machine-translated, fuzzy), "
        "1 reworded (fuzzy), 1 obsolete; 2/11 translated, 1 fuzzy\n"
    )

    catalog = read(po(project, "de"))
    assert catalog["Leave a comment"].string == "Kommentar hinterlassen"
    assert not catalog["Leave a comment"].fuzzy
    reworded = catalog["Your comment"]
    assert reworded.fuzzy and reworded.string == "Kommentar"
    text = po(project, "de").read_text(encoding="utf-8")
    assert '#, fuzzy\n#| msgid "Comment"\nmsgid "Your comment"\nmsgstr "Kommentar"\n' in text
    assert '\n#~ msgid "Name"\n#~ msgstr "Name"\n' in text
    # a second update keeps the previous msgid in place until a person reviews the entry
    assert cli(project, "catalog", "update", "--to", "de", "--no-mt").exit_code == 0
    again = po(project, "de").read_text(encoding="utf-8")
    assert '#, fuzzy\n#| msgid "Comment"\nmsgid "Your comment"\nmsgstr "Kommentar"\n' in again
    assert "# |" not in again
    with po(project, "de").open("rb") as fh:
        entry = read_catalog(fh, source="de.po")["Your comment"]
    assert entry.previous_id == ["Comment"] and entry.user_comments == []
    assert "Comment" not in catalog and "Name" not in catalog
    assert list(catalog.obsolete) == ["Name"]
    msgfmt_check(po(project, "de"))

    result = cli(project, "catalog", "compile")
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"de: 2/11 messages -> {project / 'locales/de/LC_MESSAGES/messages.mo'} (1 fuzzy left out)\n"
    )
    compiled = gettext.translation("messages", localedir=project / "locales", languages=["de"])
    assert compiled.gettext("Leave a comment") == "Kommentar hinterlassen"
    assert compiled.gettext("Email") == "E-Mail"
    assert compiled.gettext("Your comment") == "Your comment"  # fuzzy: left out

    assert cli(project, "catalog", "compile", "--use-fuzzy").exit_code == 0
    with (project / "locales/de/LC_MESSAGES/messages.mo").open("rb") as fh:  # gettext.translation caches
        compiled = gettext.GNUTranslations(fh)
    assert compiled.gettext("Your comment") == "Kommentar"


@pytest.mark.slow
@pytest.mark.parametrize("via", ["pipeline.yaml", "--model"])
def test_update_prefills_new_strings_with_the_model(tmp_path, tiny_models, via):
    """New strings get the MT engine's output, fuzzy, with a comment naming the model; a
    human translation is never replaced. (The random model's words mean nothing.)"""
    in_config = {"de": tiny_models["de"]} if via == "pipeline.yaml" else None
    project = make_project(tmp_path, models=in_config)
    override = [] if in_config else ["--model", f"de={tiny_models['de']}"]
    assert cli(project, "catalog", "extract").exit_code == 0
    assert cli(project, "catalog", "update", "--to", "de", "--no-mt").exit_code == 0
    catalog = read(po(project, "de"))
    translate(catalog, {"Leave a comment": "Kommentar hinterlassen"})
    with po(project, "de").open("wb") as fh:
        write_po(fh, catalog)

    result = cli(project, "catalog", "update", "--to", "de", *override)
    assert result.exit_code == 0, result.output
    catalog = read(po(project, "de"))
    assert catalog["Leave a comment"].string == "Kommentar hinterlassen"
    assert not catalog["Leave a comment"].fuzzy
    model = str(tiny_models["de"])
    prefilled = [m for m in catalog if m.id and m.fuzzy]
    left = [m for m in catalog if m.id and not m.fuzzy and m.id != "Leave a comment"]
    assert len(prefilled) + len(left) == 11
    assert prefilled, "the model pre-filled nothing"
    for message in prefilled:
        # (write_po wraps a long comment over several lines)
        assert " ".join(message.user_comments) == f"Machine translation by {model}: review, then remove the fuzzy flag."
        assert all(message.string) if message.pluralizable else message.string
    for message in left:  # output lost a %(words)s placeholder, or was empty
        assert " ".join(message.user_comments).startswith(f"Machine translation by {model} dropped")
    assert f"{len(prefilled)} machine-translated, fuzzy" in result.output
    msgfmt_check(po(project, "de"))

    result = cli(project, "catalog", "compile")
    assert result.exit_code == 0
    assert "de: 1/12 messages -> " in result.output and f"({len(prefilled)} fuzzy left out)" in result.output
    compiled = gettext.translation("messages", localedir=project / "locales", languages=["de"])
    assert compiled.gettext("Leave a comment") == "Kommentar hinterlassen"
    for message in prefilled:  # unreviewed machine output never reaches a page by default
        if not message.pluralizable:
            assert compiled.gettext(message.id) == message.id


def test_prefill_puts_singular_and_plural_in_the_right_forms():
    """Arabic: the singular's translation goes to the form gettext uses for n == 1 only."""
    template = read_po(
        io.BytesIO(
            b'#, python-format\nmsgid "%(n)s word"\nmsgid_plural "%(n)s words"\nmsgstr[0] ""\nmsgstr[1] ""\n\n'
            b'msgid "Name"\nmsgstr ""\n\n#, python-format\nmsgid "%(n)s left"\nmsgstr ""\n'
        )
    )
    catalog, result = update_catalog(template, None, "ar")
    assert catalog.num_plurals == 6 and result.added == ["%(n)s word", "Name", "%(n)s left"]

    def engine(texts):  # marks each source, and drops the placeholder of one
        return ["left" if t == "%(n)s left" else f"<{t}>" for t in texts]

    prefill(catalog, engine, "models/en-ar", result)
    forms = catalog["%(n)s word"].string
    assert forms == ("<%(n)s words>", "<%(n)s word>", *["<%(n)s words>"] * 4)
    assert catalog["Name"].string == "<Name>" and catalog["Name"].fuzzy
    assert catalog["%(n)s left"].string == "" and not catalog["%(n)s left"].fuzzy
    assert result.prefilled == ["%(n)s word", "Name"] and result.untranslated == ["%(n)s left"]


def test_update_without_template_names_the_file(tmp_path):
    project = make_project(tmp_path)
    result = cli(project, "catalog", "update", "--to", "de", "--no-mt")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        f"error: {project / 'locales/messages.pot'}: no such file (run `newsl10n catalog extract` first)"
    )


def test_update_without_a_model_for_new_strings_writes_nothing(tmp_path):
    project = make_project(tmp_path)
    assert cli(project, "catalog", "extract").exit_code == 0
    result = cli(project, "catalog", "update", "--to", "de")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1].startswith("error: no model for locale 'de'")
    assert not po(project, "de").exists()


def test_compile_refuses_a_translation_that_breaks_a_placeholder(tmp_path):
    project = make_project(tmp_path)
    assert cli(project, "catalog", "extract").exit_code == 0
    assert cli(project, "catalog", "update", "--to", "de", "--no-mt").exit_code == 0
    catalog = read(po(project, "de"))
    catalog["%(words)s word"].string = ("%(wörter)s Wort", "%(words)s Wörter")
    with po(project, "de").open("wb") as fh:
        write_po(fh, catalog)
    result = cli(project, "catalog", "compile")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"error: {po(project, 'de')}:58: msgid '%(words)s word': unknown named placeholder 'wörter'"
    )
    assert not po(project, "de").with_suffix(".mo").exists()


# ---------------------------------------------------------------- the shipped catalogs


REVIEWED = {
    "de": ("Kommentar hinterlassen", "Weltnachrichten", "Schaltfläche „Nach oben“"),
    "fr": ("Laisser un commentaire", "Actualité internationale", "Bouton «\u00a0Retour en haut\u00a0»"),
    "es": ("Deja un comentario", "Noticias internacionales", "Botón «Volver arriba»"),
    "ru": ("Оставить комментарий", "Новости мира", "Кнопка «Наверх»"),
    "ar": ("اترك تعليقاً", "أخبار العالم", "زر العودة إلى الأعلى"),
}


def test_shipped_template_has_every_ui_string():
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = read_mapping(fh)
    fresh = extract_template(ROOT, method_map, options_map)
    shipped = read(ROOT / "locales/messages.pot")
    # msgids only: line numbers move whenever someone edits pipeline.yaml or the template
    assert {m.id for m in shipped} == {m.id for m in fresh}


@pytest.mark.parametrize("locale", LOCALES)
def test_shipped_catalog_is_reviewed_and_compiles(tmp_path, locale):
    path = ROOT / "locales" / locale / "LC_MESSAGES/messages.po"
    catalog = read(path)
    msgfmt_check(path)
    assert {m.id for m in catalog if m.id} == MSGIDS
    assert not [m.id for m in catalog if m.id and (m.fuzzy or not all(m.string if m.pluralizable else [m.string]))]
    assert not list(catalog.obsolete)
    project = make_project(tmp_path)
    shutil.copytree(ROOT / "locales", project / "locales")
    assert cli(project, "catalog", "compile", "--to", locale).exit_code == 0
    compiled = gettext.translation("messages", localedir=project / "locales", languages=[locale])
    leave, section, top = REVIEWED[locale]
    assert compiled.gettext("Leave a comment") == leave
    assert compiled.gettext("World News") == section
    assert compiled.gettext("Go to top button") == top


@pytest.mark.parametrize(
    ("locale", "n", "expected"),
    [
        ("ru", 1, "1 слово"),
        ("ru", 3, "3 слова"),
        ("ru", 11, "11 слов"),
        ("ru", 21, "21 слово"),
        ("ar", 1, "كلمة واحدة"),
        ("ar", 2, "كلمتان"),
        ("ar", 7, "7 كلمات"),
        ("ar", 11, "11 كلمةً"),
        ("ar", 100, "100 كلمة"),
        ("fr", 0, "0 mot"),
        ("fr", 1, "1 mot"),
        ("fr", 1000000, "1000000 mots"),
        ("fr", 2, "2 mots"),
        ("es", 1, "1 palabra"),
        ("es", 0, "0 palabras"),
    ],
)
def test_shipped_plural_forms(locale, n, expected):
    ui = load_ui_strings(ROOT / "locales", locale)
    assert ui.ngettext("%(words)s word", "%(words)s words", n) % {"words": n} == expected


def test_missing_translation_falls_back_to_english_with_a_warning(tmp_path, caplog):
    catalog = new_catalog(read_po(io.BytesIO(b'msgid ""\nmsgstr ""\n')), "de")
    catalog.add("Leave a comment", "Kommentar hinterlassen")
    path = po(tmp_path, "de")
    path.parent.mkdir(parents=True)
    with path.open("wb") as fh:
        write_po(fh, catalog)
    with caplog.at_level(logging.WARNING, logger="newsl10n"):
        ui = load_ui_strings(tmp_path / "locales", "de")
        assert ui.gettext("Leave a comment") == "Kommentar hinterlassen"
        assert ui.gettext("Go to top button") == "Go to top button"
        assert ui.gettext("Go to top button") == "Go to top button"
    assert caplog.messages == [f"de: no translation of UI string 'Go to top button' in {path}; kept in English"]
    assert ui.missing == ["Go to top button"]


def _ui_hash(folder: Path, header: str, msgstr: str) -> str:
    path = po(folder, "de")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'msgid ""\nmsgstr ""\n{header}"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                    f'msgid "Leave a comment"\nmsgstr "{msgstr}"\n', encoding="utf-8")  # fmt: skip
    return load_ui_strings(folder / "locales", "de").sha256


def test_the_catalog_hash_is_its_messages_not_its_dates(tmp_path):
    """A bundle is current while its UI strings are: a .po without POT-Creation-Date (compiled
    with the current time) or with another date hashes the same; another translation does not."""
    undated = _ui_hash(tmp_path / "a", "", "Kommentar hinterlassen")
    dated = _ui_hash(tmp_path / "b", '"POT-Creation-Date: 2020-01-01 00:00+0000\\n"\n', "Kommentar hinterlassen")
    redated = _ui_hash(tmp_path / "c", '"POT-Creation-Date: 2026-06-01 12:34+0000\\n"\n', "Kommentar hinterlassen")
    other = _ui_hash(tmp_path / "d", "", "Einen Kommentar schreiben")
    assert undated == dated == redated
    assert other != undated


@pytest.mark.parametrize(
    ("comments", "previous"),
    [
        ('#| msgid "Comment"\n', ["Comment"]),
        ('#| msgid ""\n#| "A long "\n#| "comment"\n', ["A long comment"]),
        ('#| msgid "%(n)s word"\n#| msgid_plural "%(n)s words"\n', ["%(n)s word", "%(n)s words"]),
        ('#| msgid "Say \\"hi\\""\n', ['Say "hi"']),
    ],
)
def test_read_catalog_keeps_previous_msgids(comments, previous):
    text = f'# a translator note\n#, fuzzy\n{comments}msgid "Your comment"\nmsgstr "Kommentar"\n'
    entry = read_catalog(io.BytesIO(text.encode()), source="x.po")["Your comment"]
    assert entry.previous_id == previous
    assert entry.user_comments == ["a translator note"]


@pytest.mark.slow
def test_prefill_applies_the_glossary(tmp_path, tiny_models):
    """Issue 15 item 6: a UI string holding a glossary term is pre-filled with the term's
    target form, as translate imposes it on article text."""
    project = make_project(tmp_path, models={"fr": tiny_models["fr"]})
    config = project / "pipeline.yaml"
    text = config.read_text(encoding="utf-8").replace("  ui_strings:\n", "  ui_strings:\n    - 'More on NATO'\n")
    config.write_text(text + f"glossaries: ['{ROOT / 'glossaries'}']\n", encoding="utf-8")
    assert cli(project, "catalog", "extract").exit_code == 0
    result = cli(project, "catalog", "update", "--to", "fr")
    assert result.exit_code == 0, result.output
    catalog = read(po(project, "fr"))
    assert catalog["More on NATO"].fuzzy and {"OTAN", "Otan"} & set(catalog["More on NATO"].string.split())


# ---------------------------------------------------------------- one model's output per catalog (issue 29)


class _TaggingEngine:
    """A stand-in engine that marks each output with its locale, so a catalog holding another
    locale's output shows it."""

    def __init__(self, spec):
        self.locale, self.model = spec.target_lang, spec.model

    def translate(self, texts, constraints=None):
        from types import SimpleNamespace

        return [SimpleNamespace(text=f"[{self.locale}] {text}") for text in texts]

    def describe(self):
        return {"model": self.model}


FIVE = ("ar", "de", "fr", "es", "ru")


def _update_with_tagging_engines(project: Path, monkeypatch, locales=FIVE):
    monkeypatch.setattr("newsl10n.cli.catalog.make_translator", _TaggingEngine)
    models = [arg for loc in locales for arg in ("--model", f"{loc}=org/en-{loc}")]
    return cli(project, "catalog", "update", "--to", ",".join(locales), *models)


def _assert_own_output(project: Path, locale: str, msgids) -> None:
    catalog = read(po(project, locale))
    for msgid in msgids:
        message = catalog[msgid]
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s in {f"[{locale}] {i}" for i in ids} for s in strings), (locale, msgid, strings)
        assert message.fuzzy
        assert " ".join(message.user_comments) == (
            f"Machine translation by org/en-{locale}: review, then remove the fuzzy flag."
        )


def test_update_of_five_locales_fills_each_catalog_with_its_own_model(tmp_path, monkeypatch):
    """Issue 29: `catalog update --to ar,de,...` filled every catalog with the first locale's
    output and model name (one template message object shared by all catalogs)."""
    project = make_project(tmp_path)
    assert cli(project, "catalog", "extract").exit_code == 0
    result = _update_with_tagging_engines(project, monkeypatch)
    assert result.exit_code == 0, result.output
    pot = read(project / "locales/messages.pot")
    for locale in FIVE:
        _assert_own_output(project, locale, [m.id for m in pot if m.id])
    assert read(project / "locales/messages.pot")["Name"].string == ""


def test_a_new_ui_string_reaches_each_existing_catalog_as_its_own_models_output(tmp_path, monkeypatch):
    project = make_project(tmp_path)
    assert cli(project, "catalog", "extract").exit_code == 0
    assert cli(project, "catalog", "update", "--to", ",".join(FIVE), "--no-mt").exit_code == 0
    config = project / "pipeline.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "    - 'Most read'\n", encoding="utf-8")
    assert cli(project, "catalog", "extract").exit_code == 0
    result = _update_with_tagging_engines(project, monkeypatch)
    assert result.exit_code == 0, result.output
    for locale in FIVE:
        _assert_own_output(project, locale, ["Most read"])
