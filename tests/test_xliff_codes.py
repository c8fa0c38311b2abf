"""XLIFF 2.0 that the core schema accepts, inline codes a translator places, and imports that
take only what the translator did (issue 16, issue 14 item 3). Bundles are built from values
with a stand-in translation, so no model is needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsl10n.bundle.xliff import XLIFF2_NS
from newsl10n.cli import app
from newsl10n.formats.html import read_html
from newsl10n.formats.markdown import read_markdown
from newsl10n.ingest import parse_text
from newsl10n.model import SourceArticle
from helpers import make_bundle as build_bundle
from xliff_official import schemas_folder, xsd
from xliff_schema import its_problems, official_schema, problems

NS = {"x": XLIFF2_NS}
MARKDOWN = "# Talks resume\n\nThe **United States** met *Russia* today. See [the treaty](https://x.test/t) `v2`\\\nnow.\n"
HTML = (
    "<html><head><title>Talks resume</title></head><body><article><h1>Talks resume</h1><p>The <strong>United "
    "States</strong> met <em>Russia</em> today. See <a href=\"https://x.test/t\">the treaty</a> and <code>v2</code> "
    "now.</p></article></body></html>"
)
CONTROLS = "Headline here\n\nThe page\x0cbreak, ESC\x1b, BEL\x07, VT\x0b, \ufffe and \uffff stay. Second one.\n"
ARTICLES = {
    "text": lambda: parse_text(CONTROLS, name="a"),
    "markdown": lambda: read_markdown(MARKDOWN, name="a", source="a.md"),
    "html": lambda: read_html(HTML, name="a", source="a.html"),
}


def translate(text: str) -> str:
    """A stand-in translation that keeps every word, so runs anchor where they were."""
    return text.replace(" met ", " traf ").replace("today", "heute")


def make_bundle(
    tmp_path: Path, kind: str, created: str = "2026-01-01T00:00:00+00:00", mt=translate, xliff_version: str | None = None
) -> Path:
    article = ARTICLES[kind]()
    source = SourceArticle(tmp_path / f"a.{kind}", article, "f" * 64)
    targets = {s.id: mt(s.text) for s in article.segments}
    terms = {s.id: [{"source": "United States", "expected": "Vereinigte Staaten"}] for s in article.segments}
    # run=None: the run id from the source checksum and creation time, as bundles written before
    # runs were recorded have it; tests/data/xliff/*.xlf name that id.
    return build_bundle(
        tmp_path / "out", source, "de", targets, terms=terms, created=created, xliff_version=xliff_version, run=None
    )


def import_xliff(path: Path, bundle: Path):
    return CliRunner().invoke(app, ["import-xliff", str(path), "--bundle", str(bundle), "--config", "none.yaml"])


@pytest.fixture(autouse=True)
def no_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "none.yaml").write_text("tm:\n  enabled: false\n")


@pytest.mark.parametrize("kind", sorted(ARTICLES))
def test_every_bundle_kind_is_valid_xliff_2(tmp_path, kind):
    from lxml import etree

    root = etree.parse(str(make_bundle(tmp_path, kind) / "article.xlf")).getroot()
    assert problems(root) == []
    assert root.findall(".//x:segment[@{http://www.w3.org/XML/1998/namespace}space]", NS) == []
    assert its_problems(root) == []
    if schemas_folder() is not None:  # the 2.1 package's XSDs (its Schematron: tests/test_xliff_official.py)
        schema = xsd(schemas_folder())
        assert schema.validate(root), schema.error_log
    codes = root.findall(".//x:source//x:pc", NS) + root.findall(".//x:source//x:ph", NS)
    assert (kind == "text") == (codes == [])


@pytest.mark.parametrize("kind", sorted(ARTICLES))
def test_xliff_2_0_core_on_request_and_a_post_edit_keeps_it(tmp_path, kind):
    from lxml import etree

    bundle = make_bundle(tmp_path, kind, xliff_version="2.0")
    root = etree.parse(str(bundle / "article.xlf")).getroot()
    assert root.get("version") == "2.0" and problems(root) == []
    schema = official_schema()
    if schema is not None:
        assert schema.validate(root), schema.error_log
    xlf = tmp_path / "returned.xlf"
    xlf.write_bytes((bundle / "article.xlf").read_bytes().replace(b'state="translated"', b'state="reviewed"', 1))
    result = import_xliff(xlf, bundle)
    assert result.exit_code == 0 and ": 0 segments edited, 1 of " in result.output, result.output
    assert etree.parse(str(bundle / "article.xlf")).getroot().get("version") == "2.0"


def test_codes_terms_and_protected_spans_for_the_translator(tmp_path):
    from lxml import etree

    root = etree.parse(str(make_bundle(tmp_path, "markdown") / "article.xlf")).getroot()
    unit = root.find(".//x:unit[@id='s2']", NS)
    source = unit.find("x:segment/x:source", NS)
    strong = source.find(".//x:pc", NS)
    assert (strong.text, strong.get("subType"), strong.get("type")) == ("United States", "xlf:b", "fmt")
    data = {d.get("id"): d.text for d in unit.iterfind("x:originalData/x:data", NS)}
    assert data[strong.get("dataRefStart")] == "<strong>" and data[strong.get("dataRefEnd")] == "</strong>"
    term = source.find("x:mrk[@type='term']", NS)
    assert term.get("value") == "Vereinigte Staaten" and "".join(term.itertext()) == "United States"
    link = root.find(".//x:unit[@id='s3']/x:segment/x:source", NS)
    assert link.find("x:pc[@type='link']", NS).text == "the treaty"
    code = link.find("x:mrk[@translate='no']", NS)
    assert "".join(code.itertext()) == "v2"
    target = unit.find("x:segment/x:target", NS)
    assert [pc.text for pc in target.iterfind("x:pc", NS)] == ["United States", "Russia"]


def move_code(xlf: Path, unit_id: str, code_id: str, new_text: str) -> None:
    """What a translator does in a CAT tool: put a tag pair around other words of the target."""
    from lxml import etree

    tree = etree.parse(str(xlf))
    target = tree.getroot().find(f".//x:unit[@id='{unit_id}']/x:segment/x:target", NS)
    for child in list(target):
        target.remove(child)
    before, inside, after = new_text.split("|")
    target.text = before
    pc = etree.SubElement(target, f"{{{XLIFF2_NS}}}pc", id=code_id, dataRefStart=f"d{code_id}s", dataRefEnd=f"d{code_id}e")
    pc.text, pc.tail = inside, after
    target.getparent().set("state", "reviewed")
    tree.write(str(xlf), xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("kind", ["markdown", "html"])
def test_a_moved_code_moves_the_markup(tmp_path, kind):
    bundle = make_bundle(tmp_path, kind)
    assert "The <strong>United States</strong> traf" in (bundle / "article.html").read_text()
    xlf = tmp_path / "returned.xlf"
    xlf.write_bytes((bundle / "article.xlf").read_bytes())
    move_code(xlf, "s2", "1", "Die Vereinigten Staaten |trafen| heute Russland.")
    result = import_xliff(xlf, bundle)
    assert result.exit_code == 0, result.output
    page = (bundle / "article.html").read_text()
    # the translator's placement wins; the em run, whose code was dropped, is placed by the alignment
    assert "Die Vereinigten Staaten <strong>trafen</strong> <em>" in page
    assert page.count("<em>") == 1
    if kind == "markdown":
        assert "Die Vereinigten Staaten **trafen** *" in (bundle / "article.md").read_text()
    # the bundle's own XLIFF now shows the code where the translator put it
    assert '<pc id="1" dataRefStart="d1s" dataRefEnd="d1e" type="fmt" subType="xlf:b">trafen</pc>' in (
        bundle / "article.xlf"
    ).read_text()


def test_an_xliff_from_before_a_retranslation_is_refused(tmp_path):
    bundle = make_bundle(tmp_path, "markdown")
    old = tmp_path / "old.xlf"
    old.write_bytes((bundle / "article.xlf").read_bytes())
    make_bundle(tmp_path, "markdown", created="2026-02-01T00:00:00+00:00", mt=lambda t: t.upper())
    before = (bundle / "segments.json").read_text()
    result = import_xliff(old, bundle)
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {old}: made from another run of the bundle (run ")
    assert result.output.endswith("take its article.xlf again\n")
    assert (bundle / "segments.json").read_text() == before


def test_an_unedited_xliff_marks_nothing_reviewed(tmp_path):
    bundle = make_bundle(tmp_path, "markdown")
    xlf = tmp_path / "same.xlf"
    xlf.write_bytes((bundle / "article.xlf").read_bytes())
    result = import_xliff(xlf, bundle)
    assert result.output == f"{bundle}: 0 segments edited, 0 of 3 reviewed\n"


def test_only_this_bundles_file_of_a_multi_file_xliff_applies(tmp_path):
    from lxml import etree

    other = make_bundle(tmp_path / "other", "markdown", created="2025-01-01T00:00:00+00:00")
    bundle = make_bundle(tmp_path, "markdown")
    mine = etree.parse(str(bundle / "article.xlf")).getroot()
    theirs = etree.parse(str(other / "article.xlf")).getroot()
    foreign = theirs.find("x:file", NS)
    foreign.set("id", "f2")
    foreign.find(".//x:unit[@id='s1']/x:segment/x:target", NS).text = "Fremd"
    mine.find(".//x:unit[@id='s1']/x:segment/x:target", NS).text = "Gespräche wieder aufgenommen"
    mine.insert(0, foreign)  # the other bundle's file first
    xlf = tmp_path / "two.xlf"
    xlf.write_bytes(etree.tostring(mine, xml_declaration=True, encoding="UTF-8"))
    result = import_xliff(xlf, bundle)
    assert result.exit_code == 0, result.output
    segments = {s["id"]: s for s in json.loads((bundle / "segments.json").read_text())["segments"]}
    assert segments["s1"]["target"] == "Gespräche wieder aufgenommen"
    mine.remove(mine.findall("x:file", NS)[1])  # only the other bundle's file
    xlf.write_bytes(etree.tostring(mine, xml_declaration=True, encoding="UTF-8"))
    assert import_xliff(xlf, bundle).output.startswith(f"error: {xlf}: made from another run of the bundle")


def test_control_characters_survive_as_code_points(tmp_path):
    """C0 controls are <cp>; the noncharacters U+FFFE and U+FFFF, which XLIFF 2.1's core
    Schematron accepts in no <cp>, are written U+FFFD, and an unedited file brings the bundle's
    own characters back (issue 29)."""
    bundle = make_bundle(tmp_path, "text")
    text = (bundle / "article.xlf").read_text()
    for char in "\x0c\x1b\x07\x0b":
        assert f'<cp hex="{ord(char):04X}"/>' in text and char not in text
    assert "<cp hex=\"FFF" not in text and "\ufffe" not in text and "\uffff" not in text
    assert text.count("\ufffd and \ufffd stay") == 2  # source and target
    result = import_xliff(bundle / "article.xlf", bundle)
    assert result.output == f"{bundle}: 0 segments edited, 0 of 3 reviewed\n"
    segments = json.loads((bundle / "segments.json").read_text())["segments"]
    assert "\x0c" in segments[1]["target"] and "\ufffe and \uffff" in segments[1]["source"]
    assert "\ufffe and \uffff" in segments[1]["target"]
    edited = text.replace("\ufffd and \ufffd stay.</target>", "\ufffd und \ufffd bleiben.</target>")
    (tmp_path / "edited.xlf").write_text(edited)
    result = import_xliff(tmp_path / "edited.xlf", bundle)
    assert result.output == f"{bundle}: 1 segments edited, 1 of 3 reviewed\n", result.output
    segments = json.loads((bundle / "segments.json").read_text())["segments"]
    assert "\ufffd und \ufffd bleiben." in segments[1]["target"] and "\ufffe and \uffff" in segments[1]["source"]


def _empty_the_marks(xlf: Path) -> None:
    """What the npm ``xliff`` package does to a file it reads and writes back: every ``<mrk>``
    keeps its attributes and loses its content."""
    from lxml import etree

    tree = etree.parse(str(xlf))
    for mrk in tree.getroot().iterfind(".//x:source//x:mrk", NS):
        for child in list(mrk):
            mrk.remove(child)
        mrk.text = None
    tree.write(str(xlf), xml_declaration=True, encoding="UTF-8")


def test_a_source_that_lost_only_its_term_marks_content_still_imports(tmp_path):
    """Issue 29: a client that drops ``<mrk>`` content made every unit with a term fail import."""
    from lxml import etree

    bundle = make_bundle(tmp_path, "markdown")
    xlf = tmp_path / "npm.xlf"
    xlf.write_bytes((bundle / "article.xlf").read_bytes())
    _empty_the_marks(xlf)
    tree = etree.parse(str(xlf))
    source = tree.getroot().find(".//x:unit[@id='s2']/x:segment/x:source", NS)
    assert "United States" not in "".join(source.itertext())  # the term's text is gone
    target = tree.getroot().find(".//x:unit[@id='s2']/x:segment/x:target", NS)
    for child in list(target):
        target.remove(child)
    target.text = "Die Vereinigten Staaten trafen heute Russland."
    tree.write(str(xlf), xml_declaration=True, encoding="UTF-8")
    result = import_xliff(xlf, bundle)
    assert result.exit_code == 0, result.output
    segments = {s["id"]: s for s in json.loads((bundle / "segments.json").read_text())["segments"]}
    assert segments["s2"]["target"] == "Die Vereinigten Staaten trafen heute Russland."
    assert segments["s2"]["reviewed"] is True


@pytest.mark.parametrize(
    "text, holes, ours, fits",
    [
        ("The  met Russia.", [4], "The United States met Russia.", True),
        ("The  met Russia.", [4], "The United States met France.", False),
        ("The  met .", [4, 9], "The United States met Russia.", True),
        ("", [0], "Anything at all", True),
        ("The  met Russia.", [], "The United States met Russia.", False),
        ("ab", [1], "a", False),  # the pieces may not overlap
        ("aXa", [1, 2], "aXXa", True),
    ],
)
def test_a_source_with_holes_matches_as_a_glob(text, holes, ours, fits):
    from newsl10n.bundle.xliff_codes import fills_holes

    assert fills_holes(text, holes, ours) is fits


def test_a_source_that_differs_in_words_is_still_refused(tmp_path):
    from lxml import etree

    bundle = make_bundle(tmp_path, "markdown")
    xlf = tmp_path / "npm.xlf"
    xlf.write_bytes((bundle / "article.xlf").read_bytes())
    _empty_the_marks(xlf)
    tree = etree.parse(str(xlf))
    source = tree.getroot().find(".//x:unit[@id='s2']/x:segment/x:source", NS)
    source.text = source.text.replace("The", "A")
    tree.write(str(xlf), xml_declaration=True, encoding="UTF-8")
    result = import_xliff(xlf, bundle)
    assert result.exit_code == 2
    assert result.output == f"error: {xlf}: unit 's2' has a different source text than {bundle}\n"
