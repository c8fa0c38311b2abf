"""article.xlf against XLIFF's validation artifacts as OASIS published them (issue 29): the 2.1
package's core XSD with its module XSDs and every Schematron file its NVDL names (core, modules,
ITS), over bundles of plain text, Markdown, HTML and ninjs (2.2, 3.1) with glossary terms,
translate="no" spans, inline codes, control characters, with and without MT confidence, and a
post-edited segment; the 2.0 setting against the 2.0 core XSD. Those checks run where
NEWSL10N_XLIFF21_SCHEMAS, NEWSL10N_SCHXSLT (and saxonche) or NEWSL10N_XLIFF_XSD are there
(tests/xliff_official.py); the rest are committed checks of what the schemas demand and failed
before: language tags as ``xs:language`` wants them, and imports that compare them as tags.

Bundles are built from values with a stand-in translation, so no model is needed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from newsl10n.bundle.build import bundle_files, localize
from newsl10n.bundle.manifest import Manifest
from newsl10n.bundle.store import write_bundle
from newsl10n.bundle.segments import EntryView, SegmentEntry, segment_entries
from newsl10n.bundle.xliff import XLIFF2_NS, write_xliff
from newsl10n.cli import app
from newsl10n.formats.html import read_html
from newsl10n.formats.markdown import read_markdown
from newsl10n.formats.ninjs import read_ninjs
from newsl10n.ingest import parse_text
from newsl10n.model import SourceArticle
from xliff_official import Validator, schemas_folder, schxslt
from xliff_schema import its_problems, official_schema, problems

NINJS = Path(__file__).resolve().parents[1] / "examples" / "ninjs"
MARKDOWN = (
    "# Talks resume\n\nThe **United States** met *Russia* today. See [the treaty](https://x.test/t) `v2`\\\nnow.\n\n"
    "- Run `pip install newsl10n` with the United States.\n"
)
HTML = (
    "<html><head><title>Talks resume</title></head><body><article><h1>Talks resume</h1><p>The <strong>United "
    "States</strong> met <em>Russia</em> today. See <a href=\"https://x.test/t\">the treaty</a> and <code>v2</code> "
    "now.</p></article></body></html>"
)
TEXT = "Headline here\n\nThe United States\x0c met Russia, ESC\x1b, BEL\x07, VT\x0b, \ufffe and \uffff stay. Second one.\n"
ARTICLES = {
    "text": lambda: parse_text(TEXT, name="a"),
    "markdown": lambda: read_markdown(MARKDOWN, name="a", source="a.md"),
    "html": lambda: read_html(HTML, name="a", source="a.html"),
    "ninjs-2.2": lambda: read_ninjs((NINJS / "2.2/new-start-dialogue.json").read_text(), name="a", source="a.json"),
    "ninjs-3.1": lambda: read_ninjs((NINJS / "3.1/nato-talks-abu-dhabi.json").read_text(), name="a", source="a.json"),
}
TERMS = {"United States": "Vereinigte Staaten", "Russia": "Russia", "NATO": "NATO"}
"""Glossary terms of the stand-in reports; Russia and NATO are kept as they are (translate="no")."""


def translate(text: str) -> str:
    return text.replace(" met ", " traf ").replace("today", "heute").replace("United States", "Vereinigte Staaten")


def entries(kind: str, *, scored: bool, locale: str = "de") -> list[SegmentEntry]:
    """segments.json entries of a bundle of ``kind``: terms reported where the source has them;
    ``scored``: every machine segment has a confidence, the first segment is a person's."""
    article = ARTICLES[kind]()
    targets = {s.id: translate(s.text) for s in article.segments}
    terms = {
        s.id: [{"id": source.lower(), "source": source, "expected": target, "status": "enforced"}
               for source, target in TERMS.items() if source in s.text]
        for s in article.segments
    }  # fmt: skip
    first = article.segments[0].id
    localized = localize(article, locale, targets, terms=terms, reviewed=[first] if scored else [])
    if scored:
        confidence = {s.id: round(0.05 + 0.9 * n / len(article.segments), 4) for n, s in enumerate(article.segments)}
        localized = replace(localized, confidence={k: v for k, v in confidence.items() if k != first})
    return segment_entries(SourceArticle(Path(f"a.{kind}"), article, "f" * 64), localized)


def article_xlf(kind: str, *, scored: bool, locale: str = "de", source_lang: str = "en", version: str | None = None) -> bytes:
    article = ARTICLES[kind]()
    segments = entries(kind, scored=scored, locale=locale)
    localized = localize(article, locale, {e.id: e.target for e in segments})
    manifest = Manifest(article="a", locale=locale, source_sha256="f" * 64, created="2026-01-01T00:00:00+00:00",
                        source_file=f"a.{kind}", source_lang=source_lang, xliff_version=version)  # fmt: skip
    return "".join(bundle_files(localized, segments, manifest)["article.xlf"]).encode("utf-8")


CASES = [(kind, scored) for kind in ARTICLES for scored in (True, False)]


def case_id(case) -> str:
    return f"{case[0]}-{'scored' if case[1] else 'unscored'}"


@pytest.fixture(scope="module")
def official():
    """The 2.1 package's XSDs and Schematron files, or a skip."""
    folder, compiler = schemas_folder(), schxslt()
    if folder is None or compiler is None:
        pytest.skip("NEWSL10N_XLIFF21_SCHEMAS and NEWSL10N_SCHXSLT name no XLIFF 2.1 package and SchXslt")
    saxonche = pytest.importorskip("saxonche")
    with saxonche.PySaxonProcessor(license=False) as processor:
        yield Validator(folder, compiler, processor)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_what_the_bundle_writes_has_what_it_is_meant_to(case):
    """The inputs of the schema checks below hold what they are there to check (committed)."""
    kind, scored = case
    root = etree.fromstring(article_xlf(kind, scored=scored))
    x = f"{{{XLIFF2_NS}}}"
    assert problems(root) == [] and its_problems(root) == []
    assert root.findall(f".//{x}mrk[@type='term']") and root.findall(f".//{x}mrk[@translate='no']")
    has_codes = bool(root.findall(f".//{x}source//{x}pc"))
    assert has_codes == (kind != "text") and (kind != "text" or root.findall(f".//{x}cp"))
    confident = root.findall(f".//{x}target/{x}mrk[@type='its:generic']")
    assert len(confident) == (len(root.findall(f".//{x}unit")) - 1 if scored else 0)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_article_xlf_passes_the_xliff_2_1_xsd_and_every_schematron(official, case):
    kind, scored = case
    assert official.failures(article_xlf(kind, scored=scored)) == []


def test_bcp_47_tags_pass_where_underscored_locales_did_not(official):
    data = article_xlf("markdown", scored=True, locale="pt_BR", source_lang="en_US")
    assert official.failures(data) == []
    underscored = data.replace(b'srcLang="en-US" trgLang="pt-BR"', b'srcLang="en_US" trgLang="pt_BR"')
    assert [f.split(":")[0] for f in official.failures(underscored)] == ["XSD", "XSD"]


def test_the_schematron_runs_and_finds_what_the_its_module_forbids(official):
    """A check that cannot fail proves nothing: the ITS Schematron's rules fire on article.xlf,
    and a file without its:version fails them once per ITS annotation."""
    data = article_xlf("html", scored=True)
    assert official.fired(data, "its.sch") > 0 and official.fired(data, "xliff_core_2.1.sch") > 0
    undeclared = data.replace(b' its:version="2.0"', b"")
    failures = official.failures(undeclared)
    marks = len(etree.fromstring(data).findall(f".//{{{XLIFF2_NS}}}target/{{{XLIFF2_NS}}}mrk[@type='its:generic']"))
    assert len(failures) == marks > 0 and all(f.startswith("its.sch: ITS version is not bounded") for f in failures)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_2_0_setting_passes_the_xliff_2_0_core_xsd(case):
    schema = official_schema()
    if schema is None:
        pytest.skip("NEWSL10N_XLIFF_XSD names no XLIFF 2.0 core schema")
    kind, scored = case
    root = etree.fromstring(article_xlf(kind, scored=scored, locale="pt_BR", version="2.0"))
    assert root.get("version") == "2.0" and problems(root) == []
    assert schema.validate(root), schema.error_log


# -- committed: language tags ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "source_lang, target_lang, written",
    [("en", "de", ("en", "de")), ("en_US", "pt_BR", ("en-US", "pt-BR")), ("en", "zh_hant", ("en", "zh-Hant")),
     ("en", "sr-latn", ("en", "sr-Latn"))],
)  # fmt: skip
def test_src_and_trg_lang_are_bcp_47_tags(source_lang, target_lang, written):
    """XLIFF 2.1's core schema types srcLang and trgLang xs:language: no underscore."""
    data = write_xliff([EntryView(SegmentEntry("s1", "One.", "Eins."))], source_lang=source_lang,
                       target_lang=target_lang, original="a.txt")  # fmt: skip
    root = etree.fromstring(data)
    assert (root.get("srcLang"), root.get("trgLang")) == written
    assert problems(root) == []


def make_bundle(tmp_path: Path, locale: str) -> Path:
    article = ARTICLES["markdown"]()
    segments = entries("markdown", scored=False, locale=locale)
    localized = localize(article, locale, {e.id: e.target for e in segments})
    manifest = Manifest(article="a", locale=locale, source_sha256="f" * 64, created="2026-01-01T00:00:00+00:00",
                        source_file="a.md")  # fmt: skip
    bundle = tmp_path / "out" / "a" / locale
    write_bundle(bundle, bundle_files(localized, segments, manifest))
    return bundle


@pytest.mark.parametrize(
    "locale, written, returned",
    [("pt_BR", b'trgLang="pt-BR"', b'trgLang="pt-BR"'), ("pt_BR", b'trgLang="pt-BR"', b'trgLang="pt_br"'),
     ("de", b'trgLang="de"', b'trgLang="DE"')],
)  # fmt: skip
def test_an_import_compares_the_target_language_as_a_tag(tmp_path, monkeypatch, locale, written, returned):
    """The bundle's own article.xlf comes back (pt_BR's says pt-BR), as do tags a tool wrote in
    another case; another language is still refused."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "none.yaml").write_text("tm:\n  enabled: false\n")
    bundle = make_bundle(tmp_path, locale)
    xlf = tmp_path / "returned.xlf"
    data = (bundle / "article.xlf").read_bytes()
    assert written in data
    xlf.write_bytes(data.replace(written, returned).replace(b'state="translated"', b'state="reviewed"', 1))
    result = CliRunner().invoke(app, ["import-xliff", str(xlf), "--bundle", str(bundle), "--config", "none.yaml"])
    assert result.exit_code == 0 and ": 0 segments edited, 1 of " in result.output, result.output
    xlf.write_bytes(data.replace(written, b'trgLang="fr"'))
    result = CliRunner().invoke(app, ["import-xliff", str(xlf), "--bundle", str(bundle), "--config", "none.yaml"])
    assert result.exit_code == 2
    assert result.output == f"error: {xlf}: target language 'fr' does not match the bundle's locale '{locale}'\n"
