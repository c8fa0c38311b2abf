"""IPTC ninjs in and out (issue 29): a ninjs item is read as an article (only headlines,
descriptions and bodies are text to translate) and every bundle of one holds the translated
item, article.ninjs.json, in the input's ninjs version. Bundles are built from values with a
stand-in translation, so no model is needed; the end-to-end run is marked slow.

The JSON Schemas are IPTC's (github.com/iptc/newsinjson, specification/): point
NEWSL10N_NINJS_SCHEMAS at a folder holding ninjs-schema_2.2.json and ninjs-schema_3.1.json to
validate against them; without it the rules below, written from the schemas, are what is checked."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsl10n.cli import app
from newsl10n.errors import InputError
from newsl10n.formats.ninjs import item_style, read_ninjs
from newsl10n.model import SourceArticle
from helpers import make_bundle as build_bundle

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "ninjs"
ITEMS = sorted(EXAMPLES.glob("*/*.json"))
TEXT_KEYS = ("headlines", "descriptions", "bodies")
# The top-level properties each version's schema allows (its ninjsType; no others: the schemas
# close the object with unevaluatedProperties: false).
PROPERTIES = {
    "2.2": {
        "altids", "associations", "bodies", "by", "contentcreated", "copyrightholder", "copyrightnotice", "descriptions",
        "digitalsourcetype", "ednote", "embargoed", "events", "expires", "firstcreated", "genres", "headlines",
        "infosources", "language", "located", "objects", "organisations", "people", "places", "profile", "pubstatus",
        "renditions", "representationtype", "rightsinfo", "slugline", "standard", "subjects", "title",
        "trustindicators", "type", "urgency", "uri", "usageterms", "version", "versioncreated",
    },
    "3.1": {
        "altIds", "associations", "bodies", "by", "contentCreated", "copyrightHolder", "copyrightNotice",
        "descriptions", "digitalSourceType", "edNote", "embargoedUntil", "eventDetails", "events", "expires",
        "firstCreated", "genres", "headlines", "infoSources", "language", "located", "objects", "organisations",
        "people", "places", "plannedCoverage", "profile", "pubStatus", "renditions", "representationType",
        "rightsInfo", "slugline", "standard", "subjects", "title", "trustIndicators", "type", "urgency", "uri",
        "usageTerms", "version", "versionCreated",
    },
}  # fmt: skip
TEXT_ENTRY_KEYS = {"2.2": {"role", "contenttype", "value", "charcount", "wordcount"},
                   "3.1": {"role", "contentType", "value", "charCount", "wordCount"}}  # fmt: skip
ASSOCIATION_KEYS = {"name", "rel", "uri", "language"}


def mark(text: str) -> str:
    """A stand-in translation: each word marked, so every translated text is told apart."""
    return re.sub(r"\b(\w+)\b", r"\1·de", text)


def make_bundle(tmp_path: Path, item: Path, created: str = "2026-03-01T10:00:00+00:00") -> Path:
    article = read_ninjs(item.read_text(encoding="utf-8"), name=item.stem, source=str(item))
    source = SourceArticle(item, article, "e" * 64)
    engine = {"engine": "ctranslate2", "model": "models/en-de"}
    targets = {s.id: mark(s.text) for s in article.segments}
    return build_bundle(tmp_path / "out", source, "de", targets, engine=engine, created=created, run=None)


def version_of(path: Path) -> str:
    return path.parent.name


def check_rules(translated: dict, original: dict, version: str, model: str = "models/en-de") -> None:
    """The rules of the schemas (and of the translation) that the writer relies on."""
    assert set(translated) <= PROPERTIES[version], set(translated) - PROPERTIES[version]
    for key in TEXT_KEYS:
        for entry in translated.get(key, []):
            assert set(entry) <= TEXT_ENTRY_KEYS[version] and isinstance(entry["value"], str)
    assert translated["language"] == "de" and translated["uri"] == original["uri"] + "#de"
    assert re.match(r"^[a-z][a-z0-9+.-]*:[^\s]+$", translated["uri"])
    if version == "3.1":
        (link,) = [a for a in translated["associations"] if a.get("rel") == "translationOf"]
        assert set(link) <= ASSOCIATION_KEYS and (link["name"], link["uri"]) == ("original", original["uri"])
        assert "altIds" not in translated
    else:
        assert translated["altids"] == [{"role": "original", "value": original["uri"]}]
    note = translated["edNote" if version == "3.1" else "ednote"]
    assert note.startswith(f"Machine translation from en into de by newsl10n ({model}); ")
    created = translated["versionCreated" if version == "3.1" else "versioncreated"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)$", created)


@pytest.mark.parametrize("item", ITEMS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_each_example_item_becomes_a_translated_item_in_its_own_version(tmp_path, item):
    bundle = make_bundle(tmp_path, item)
    original = json.loads(item.read_text(encoding="utf-8"))
    translated = json.loads((bundle / "article.ninjs.json").read_text(encoding="utf-8"))
    version = version_of(item)
    check_rules(translated, original, version)
    for key in ("by", "slugline", "subjects", "type", "standard"):  # not text to translate: kept
        assert translated[key] == original[key]
    assert "·de" in translated["headlines"][0]["value"] and "·de" in translated["descriptions"][0]["value"]
    for body in translated["bodies"]:
        assert "·de" in body["value"] and not re.search(r"\b(the|and|said)\b(?!·)", re.sub(r"<[^>]*>", "", body["value"]))
    html = [b for b in translated["bodies"] if "html" in str(b.get("contentType", b.get("contenttype")))]
    for body in html:  # the item's inline markup is kept, and the HTML is whole
        assert body["value"].count("<strong>") == 1 and body["value"].count("</h2>") == body["value"].count("<h2>")
    for body in translated["bodies"]:
        counts = {k: v for k, v in body.items() if k.lower() in ("charcount", "wordcount")}
        if counts:
            assert counts[next(k for k in counts if k.lower() == "wordcount")] == len(body["value"].split())
    schema = official_schema(version)
    if schema is not None:
        assert list(schema.iter_errors(original)) == []
        assert [e.message for e in schema.iter_errors(translated)] == []


def official_schema(version: str):
    """IPTC's schema of ``version`` from NEWSL10N_NINJS_SCHEMAS, or None."""
    folder = os.environ.get("NEWSL10N_NINJS_SCHEMAS")
    if not folder:
        return None
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(folder) / f"ninjs-schema_{version}.json").read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)
    return validator(schema, format_checker=validator.FORMAT_CHECKER)


def test_only_headlines_descriptions_and_bodies_are_text():
    item = EXAMPLES / "3.1" / "nato-talks-abu-dhabi.json"
    article = read_ninjs(item.read_text(encoding="utf-8"), name="a", source="a.json")
    kinds = [(b.kind, b.tag) for b in article.blocks]
    assert kinds[:2] == [("headline", "h1"), ("paragraph", "p")]  # headline, then the description
    assert ("heading", "h2") in kinds and all(k in ("headline", "heading", "paragraph") for k, _ in kinds)
    texts = " ".join(b.text for b in article.blocks)
    assert "Foreign desk" not in texts and "NATO TALKS" not in texts and "news.example.org" not in texts
    # the plain-text body is the HTML body's rendition: translated once
    assert texts.count("Deconfliction lines between the two militaries") == 1
    strong = [i for b in article.blocks for i in b.inline if i.tag == "strong"]
    assert len(strong) == 1


@pytest.mark.parametrize(
    "item, version",
    [
        ({"uri": "x:1", "standard": {"name": "ninjs", "version": "3.1"}}, "3.1"),
        ({"uri": "x:1", "versionCreated": "2026-01-01T00:00:00Z", "headlines": []}, "3.x"),
        ({"uri": "x:1", "bodies": [{"contentType": "text/plain", "value": "a"}]}, "3.x"),
        ({"uri": "x:1", "headlines": [{"value": "a"}], "versioncreated": "2026-01-01T00:00:00Z"}, "2.x"),
        ({"uri": "x:1", "headline": "a", "body_text": "b"}, "1.x"),
        ({"uri": "x:1", "$standard": {"name": "ninjs", "version": "1.6"}, "headline": "a"}, "1.6"),
    ],
)
def test_the_items_version_is_read_from_it(item, version):
    assert item_style(item).version == version


def test_a_ninjs_1_item_is_read_and_written_in_1_x(tmp_path):
    item = tmp_path / "old.json"
    item.write_text(json.dumps({
        "uri": "urn:example:1", "type": "text", "language": "en", "headline": "Talks resume in Geneva",
        "body_html": "<p>The envoy met the <b>delegation</b> today.</p><p>More talks follow.</p>",
        "body_text": "The envoy met the delegation today.\n\nMore talks follow.", "wordcount": 11,
        "altids": {"agency": "A-1"},
    }), encoding="utf-8")  # fmt: skip
    bundle = make_bundle(tmp_path, item)
    out = json.loads((bundle / "article.ninjs.json").read_text(encoding="utf-8"))
    assert out["headline"] == mark("Talks resume in Geneva")
    assert re.sub("</?strong>", "", out["body_html"]) == f"<p>{mark('The envoy met the delegation today.')}</p>\n<p>{mark('More talks follow.')}</p>"
    assert "<strong>delegation" in out["body_html"]
    assert out["body_text"] == f"{mark('The envoy met the delegation today.')}\n\n{mark('More talks follow.')}"
    assert out["altids"] == {"original": "urn:example:1"} and out["uri"] == "urn:example:1#de"
    assert out["wordcount"] == len(out["body_text"].split()) and out["ednote"].startswith("Machine translation")


@pytest.mark.parametrize(
    "text, message",
    [
        ("[1, 2]", "a.json: not a ninjs item (a JSON object with a 'uri' is expected)"),
        ('{"headlines": [{"value": "x"}]}', "a.json: not a ninjs item (a JSON object with a 'uri' is expected)"),
        ('{"uri": "x:1", "headlines": [', "a.json: not valid JSON (line 1: Expecting value)"),
        ('{"uri": "x:1", "slugline": "x"}', "a.json: no text to translate in the ninjs item (no headlines, descriptions or bodies)"),
        ('{"uri": "x:1", "language": "de", "headlines": [{"value": "Gespräche"}]}',
         "a.json: the item's language is 'de', the pipeline translates from 'en' (source_lang)"),
    ],
)
def test_what_is_not_a_ninjs_item_to_translate_is_one_line(text, message):
    with pytest.raises(InputError) as info:
        read_ninjs(text, name="a", source="a.json")
    assert str(info.value) == message


@pytest.mark.parametrize(
    "text",
    ['{"uri": "x:1", "headlines": 5, "bodies": [{"value": "Talks resume."}]}',
     '{"uri": "x:1", "descriptions": "Talks.", "headlines": {"value": "x"}, "bodies": [{"value": "Talks resume."}]}'],
)  # fmt: skip
def test_text_lists_that_are_no_lists_are_not_text(text):
    """A value of another type where ninjs has a list is not read as text (a TypeError before)."""
    article = read_ninjs(text, name="a", source="a.json")
    assert [s.text for s in article.segments] == ["Talks resume."]


def test_associations_that_a_3_1_translation_cannot_join_are_one_line():
    text = '{"uri": "x:1", "standard": {"version": "3.1"}, "associations": {"a": 1}, "headlines": [{"value": "Talks"}]}'
    with pytest.raises(InputError) as info:
        read_ninjs(text, name="a", source="a.json")
    assert str(info.value) == "a.json: 'associations' is not a list (ninjs 3.1 links the translation there)"


MISSPELT = {
    "uri": "https://news.example.org/items/Wittkopf", "standard": {"name": "ninjs", "version": "3.1"}, "language": "en",
    "type": "text", "by": "Wittkopf desk", "slugline": "WITTKOPF VISIT", "subjects": [{"name": "Steve Wittkopf"}],
    "headlines": [{"role": "main", "value": "Steve Wittkopf visits Kyiv"}],
    "descriptions": [{"role": "summary", "contentType": "text/plain", "value": "The envoy Steve Wittkopf arrived."}],
    "bodies": [
        {"role": "main", "contentType": "text/html", "value": '<p>Steve Wittkopf met <a href="https://x.test/Wittkopf" '
         'title="Wittkopf">the minister</a>.</p>\n<p>He left on <b>Friday</b>.</p>'},
        {"role": "main", "contentType": "text/plain", "value": "Steve Wittkopf met the minister.\n\nHe left on Friday."},
    ],
}  # fmt: skip


def test_misspellings_are_corrected_in_an_items_texts_and_nowhere_else(tmp_path):
    """Issue 29: the glossary's misspelling corrections reach ninjs items as they reach text,
    HTML and Markdown: in headlines, descriptions and bodies (a rendition stays the HTML body's
    copy), each recorded on its segment; never in markup, keys, URIs or other fields."""
    from newsl10n.config import PipelineConfig
    from newsl10n.source import read_article
    from newsl10n.terms.files import require_valid
    from newsl10n.terms.source import SourceTerms

    path = tmp_path / "visit.json"
    path.write_text(json.dumps(MISSPELT), encoding="utf-8")
    terms = SourceTerms(require_valid([Path(__file__).resolve().parents[1] / "glossaries"]))
    source = read_article(path, PipelineConfig(), terms)
    texts = [s.text for s in source.article.segments]
    assert texts == ["Steve Witkoff visits Kyiv", "The envoy Steve Witkoff arrived.", "Steve Witkoff met the minister.",
                     "He left on Friday."]  # fmt: skip
    fixed = {k: [(c.id, c.original, c.corrected) for c in v] for k, v in source.corrections.items() if v}
    assert fixed == {s: [("steve-witkoff", "Wittkopf", "Witkoff")] for s in ("s1", "s2", "s3")}
    for seg_id in fixed:
        (correction,) = source.corrections[seg_id]
        block = source.article.blocks[next(s.block for s in source.article.segments if s.id == seg_id)]
        assert block.text[correction.start : correction.end] == "Witkoff"
    bundle = build_bundle(tmp_path / "out", source, "de", {s.id: s.text for s in source.article.segments},
                          created="2026-03-01T10:00:00+00:00", source_file=path.name)  # fmt: skip
    out = json.loads((bundle / "article.ninjs.json").read_text(encoding="utf-8"))
    for key in ("by", "slugline", "subjects", "standard", "type"):
        assert out[key] == MISSPELT[key]
    assert out["associations"][0]["uri"] == MISSPELT["uri"] and out["uri"] == MISSPELT["uri"] + "#de"
    assert out["headlines"][0]["value"] == "Steve Witkoff visits Kyiv"
    assert out["descriptions"][0]["value"] == "The envoy Steve Witkoff arrived."
    assert 'href="https://x.test/Wittkopf" title="Wittkopf">' in out["bodies"][0]["value"]
    assert out["bodies"][0]["value"].startswith("<p>Steve Witkoff met ")
    assert out["bodies"][1]["value"] == "Steve Witkoff met the minister.\n\nHe left on Friday."
    entries = json.loads((bundle / "segments.json").read_text(encoding="utf-8"))["segments"]
    assert [len(e["corrections"]) for e in entries] == [1, 1, 1, 0]


def test_an_item_without_misspellings_is_read_from_its_own_text(tmp_path):
    """No correction made: the article's source is the item's text as it was, byte for byte."""
    from newsl10n.config import PipelineConfig
    from newsl10n.source import read_article
    from newsl10n.terms.files import require_valid
    from newsl10n.terms.source import SourceTerms

    item = EXAMPLES / "3.1" / "nato-talks-abu-dhabi.json"
    terms = SourceTerms(require_valid([Path(__file__).resolve().parents[1] / "glossaries"]))
    source = read_article(item, PipelineConfig(), terms)
    assert source.article.source == item.read_text(encoding="utf-8") and not any(source.corrections.values())


def test_a_post_edit_reaches_the_translated_item(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "none.yaml").write_text("tm:\n  enabled: false\n")
    bundle = make_bundle(tmp_path, EXAMPLES / "2.2" / "ukraine-envoy-visit.json")
    text = (bundle / "article.xlf").read_text(encoding="utf-8")
    start = text.index("<target", text.index('<unit id="s1" '))
    opened, end = text.index(">", start) + 1, text.index("</target>", start)
    xlf = tmp_path / "edited.xlf"
    xlf.write_text(text[:opened] + "Gesandter besucht Kiew" + text[end:], encoding="utf-8")
    result = CliRunner().invoke(app, ["import-xliff", str(xlf), "--bundle", str(bundle), "--config", "none.yaml"])
    assert result.exit_code == 0, result.output
    out = json.loads((bundle / "article.ninjs.json").read_text(encoding="utf-8"))
    assert out["headlines"][0]["value"] == "Gesandter besucht Kiew"
    assert out["ednote"].endswith("; 1 of 11 segments reviewed by a person.")


@pytest.mark.slow
@pytest.mark.parametrize("version", ["2.2", "3.1"])
def test_the_example_items_translate_end_to_end(tmp_path, tiny_models, version):
    out = tmp_path / "out"
    args = ["translate", *map(str, sorted((EXAMPLES / version).glob("*.json"))), "--to", "de",
            "--model", f"de={tiny_models['de']}", "--out", str(out), "--no-tm", "-q"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    for item in sorted((EXAMPLES / version).glob("*.json")):
        bundle = out / item.stem / "de"
        translated = json.loads((bundle / "article.ninjs.json").read_text(encoding="utf-8"))
        original = json.loads(item.read_text(encoding="utf-8"))
        check_rules(translated, original, version, str(tiny_models["de"]))
        assert json.loads((bundle / "manifest.json").read_text())["source_file"] == item.name
        schema = official_schema(version)
        if schema is not None:
            assert [e.message for e in schema.iter_errors(translated)] == []
