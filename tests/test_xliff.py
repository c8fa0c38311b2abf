"""XLIFF 2.0 out, post-edits back in, and reviewed segments surviving a later run."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsl10n.cli import app
from newsl10n import pipeline
from newsl10n.bundle.xliff import XLIFF2_NS
from newsl10n.bundle.segments import EntryView, SegmentEntry
from newsl10n.bundle.xliff import read_xliff, write_xliff, xliff_chunks
from helpers import translate_run

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NS = {"x": XLIFF2_NS}


def views(*dicts: dict) -> list[EntryView]:
    """segments.json entries written as dicts, with ``qa`` and ``markup`` beside them."""
    made = []
    for data in dicts:
        data = dict(data)
        qa, markup = tuple(data.pop("qa", ())), tuple(data.pop("markup", ()))
        made.append(EntryView(SegmentEntry.from_json(data, source="test"), qa, markup))
    return made


ENTRIES = views(
    {"id": "s1", "source": "New START & <b>", "target": "Neu", "terms": [{"source": "New START", "target": "New START"}]},
    {"id": "s2", "source": "Two.", "target": "Zwei.", "reviewed": True, "qa": ["length ratio 2.10"]},
)


def test_xliff_is_version_2_with_ids_notes_and_states():
    from lxml import etree

    data = write_xliff(ENTRIES, source_lang="en", target_lang="de", original="a.md")
    root = etree.fromstring(data)
    assert root.tag == f"{{{XLIFF2_NS}}}xliff"
    assert (root.get("version"), root.get("srcLang"), root.get("trgLang")) == ("2.1", "en", "de")
    assert root.find("x:file", NS).get("original") == "a.md"
    units = root.findall(".//x:unit", NS)
    assert [u.get("id") for u in units] == ["s1", "s2"]
    # <notes> first in <unit> (the XLIFF 2.0 schema's place), never inside <segment>
    assert [child.tag.split("}")[1] for child in units[0]] == ["notes", "segment"]
    assert root.findall(".//x:segment/x:notes", NS) == []
    assert [n.text for n in units[0].findall("x:notes/x:note", NS)] == ["term: New START = New START"]
    assert [n.text for n in units[1].findall("x:notes/x:note", NS)] == ["qa: length ratio 2.10"]
    assert [s.get("state") for s in root.findall(".//x:segment", NS)] == ["translated", "reviewed"]
    lang, read_back = read_xliff(data, source="a.xlf")
    assert lang == "de"
    assert [(u.id, u.source, u.target, u.state) for u in read_back] == [
        ("s1", "New START & <b>", "Neu", "translated"),
        ("s2", "Two.", "Zwei.", "reviewed"),
    ]


@pytest.mark.parametrize("per_chunk", [1, 2, 3, 1000])
@pytest.mark.parametrize("count", [0, 1, 5])
def test_xliff_in_chunks_is_the_same_document(count, per_chunk):
    entries = [
        replace(v, entry=replace(v.entry, id=f"s{i}", source=f"{v.entry.source} {i}"))
        for i, v in ((i, ENTRIES[i % 2]) for i in range(count))
    ]
    options = {"source_lang": "en", "target_lang": "de", "original": "a.txt"}
    whole = write_xliff(entries, **options).decode("utf-8")
    assert "".join(xliff_chunks(entries, units_per_chunk=per_chunk, **options)) == whole
    assert whole.count("<unit ") == count


@pytest.mark.parametrize(
    "data, message",
    [
        (b"<xliff", "a.xlf: not well-formed XML"),
        (b'<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2"/>', "a.xlf: not an XLIFF 2.0 file"),
    ],
)
def test_bad_xliff_is_one_line_input_error(data, message):
    from newsl10n.errors import InputError

    with pytest.raises(InputError) as info:
        read_xliff(data, source="a.xlf")
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def edit_like_a_translator(path: Path, edits: dict[str, str], approve: tuple[str, ...] = ()) -> None:
    """What a CAT tool does: change <target> text and the segment state, keep the rest. The
    edited targets are retyped without inline codes (the alignment then places the markup)."""
    from lxml import etree

    tree = etree.parse(str(path))
    for unit in tree.getroot().iterfind(".//x:unit", NS):
        segment = unit.find("x:segment", NS)
        if unit.get("id") in edits:
            target = segment.find("x:target", NS)
            for child in list(target):
                target.remove(child)
            target.text = edits[unit.get("id")]
            segment.set("state", "reviewed")
        elif unit.get("id") in approve:
            segment.set("state", "final")
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")


@pytest.mark.slow
def test_edited_xliff_comes_back_and_survives_a_rerun(config_file, tmp_path, monkeypatch):
    article = tmp_path / "new-start-dialogue.md"
    shutil.copy(EXAMPLES / "new-start-dialogue.md", article)
    translate_run(config_file, [article], ["de"])
    bundle = tmp_path / "out" / "new-start-dialogue" / "de"
    machine = {s["id"]: s["target"] for s in json.loads((bundle / "segments.json").read_text())["segments"]}

    edited = {"s1": "Wiederaufnahme des militärischen Dialogs nach New START", "s2": "Die USA & <Russland> einigten sich."}
    xlf = tmp_path / "returned.xlf"
    shutil.copy(bundle / "article.xlf", xlf)
    edit_like_a_translator(xlf, edited, approve=("s3",))
    result = CliRunner().invoke(app, ["import-xliff", str(xlf), "--bundle", str(bundle)])
    assert result.exit_code == 0, result.output
    assert result.output == f"{bundle}: 2 segments edited, 3 of 21 reviewed\n"

    def check_bundle() -> None:
        segments = {s["id"]: s for s in json.loads((bundle / "segments.json").read_text())["segments"]}
        for sid, text in edited.items():
            assert segments[sid]["target"] == text and segments[sid]["reviewed"] is True
        assert segments["s3"]["target"] == machine["s3"] and segments["s3"]["reviewed"] is True
        assert "reviewed" not in segments["s4"]
        assert (bundle / "article.txt").read_text().startswith(edited["s1"] + "\n\n" + edited["s2"])
        assert (bundle / "article.md").read_text().startswith("# " + edited["s1"] + "\n\n")
        article_html = (bundle / "article.html").read_text()  # inline tags restored around the edit
        assert "<p>Die USA &amp; &lt;Russland&gt; einigten sich. " in re.sub(r"</?(strong|em|a)\b[^>]*>", "", article_html)
        assert "<strong>" in article_html.split("<p>Die ")[1].split("</p>")[0]
        assert "Die USA &amp; &lt;Russland&gt; einigten sich." in (bundle / "review.html").read_text()
        _, units = read_xliff((bundle / "article.xlf").read_bytes(), source="x")
        states = {u.id: u.state for u in units}
        assert states["s1"] == states["s3"] == "reviewed" and states["s4"] == "translated"

    check_bundle()
    assert json.loads((bundle / "manifest.json").read_text())["reviewed_segments"] == 3
    # the post-edits are in the translation memory too, marked reviewed
    from newsl10n.tm.store import TranslationMemory

    with TranslationMemory(tmp_path / "out" / ".newsl10n-tm.sqlite") as memory:
        reviewed = {e.target for e in memory.entries("de", reviewed_only=True)}
    assert reviewed == {edited["s1"], edited["s2"], machine["s3"]}
    assert "<note category=\"newsl10n\">qa: " in (bundle / "article.xlf").read_text()  # the QA checks ran
    # a later machine run keeps the reviewed segments and retranslates only the rest
    sent: list[str] = []
    real = pipeline.make_translator

    def recording(spec):
        translator = real(spec)
        original = translator.translate
        translator.translate = lambda sources, **kw: sent.extend(sources) or original(sources, **kw)
        return translator

    monkeypatch.setattr(pipeline, "make_translator", recording)
    translate_run(config_file, [article], ["de"], use_tm=False)  # without the memory, the rest reach the model
    check_bundle()
    segments = json.loads((bundle / "segments.json").read_text())["segments"]
    assert sent == [s["source"] for s in segments if "reviewed" not in s] and len(sent) == 18


@pytest.mark.slow
def test_import_refuses_a_file_for_another_article(config_file, tmp_path, sample_article):
    translate_run(config_file, [sample_article], ["de"])
    bundle = tmp_path / "out" / "new-start-dialogue" / "de"
    xlf = tmp_path / "other.xlf"
    run = json.loads((bundle / "manifest.json").read_text())["run"]
    other = views({"id": "s1", "source": "Something else.", "target": "Anders."})
    xlf.write_bytes(write_xliff(other, source_lang="en", target_lang="de", original="x"))
    before = (bundle / "segments.json").read_text()
    result = CliRunner().invoke(app, ["import-xliff", str(xlf), "-b", str(bundle)])
    assert result.exit_code == 2  # a file that names no run is refused like a stale one
    assert result.output == (
        f"error: {xlf}: names no translation run (its <file> has no nl:run), so it cannot be matched to "
        f"the bundle (at run {run}): take its article.xlf again\n"
    )
    xlf.write_bytes(write_xliff(other, source_lang="en", target_lang="de", original="x", run=run))
    result = CliRunner().invoke(app, ["import-xliff", str(xlf), "-b", str(bundle)])
    assert result.exit_code == 2
    assert result.output == f"error: {xlf}: unit 's1' has a different source text than {bundle}\n"
    assert (bundle / "segments.json").read_text() == before
    xlf.write_bytes(xlf.read_bytes().replace(b'trgLang="de"', b'trgLang="fr"'))
    result = CliRunner().invoke(app, ["import-xliff", str(xlf), "-b", str(bundle)])
    assert result.output == f"error: {xlf}: target language 'fr' does not match the bundle's locale 'de'\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["{tmp}/missing.xlf"], "error: {tmp}/missing.xlf: no such file\n"),
        (["{tmp}/a.xlf"], "error: {tmp}: not a bundle (segments.json or manifest.json missing)\n"),
    ],
)
def test_import_cli_errors(tmp_path, args, message):
    (tmp_path / "a.xlf").write_bytes(write_xliff(ENTRIES, source_lang="en", target_lang="de", original="a"))
    result = CliRunner().invoke(app, ["import-xliff", *[a.format(tmp=tmp_path) for a in args]])
    assert result.exit_code == 2
    assert result.output == message.format(tmp=tmp_path)


def test_qa_findings_become_flags():
    from newsl10n.config import QASettings
    from newsl10n.bundle.build import with_qa_flags

    entries = [
        SegmentEntry("s1", "Signed in 2010, a limit of 1,550 warheads.", "Unterzeichnet, eine Grenze von Sprengköpfen."),
        SegmentEntry("s2", "Fine.", "Gut."),
    ]
    flagged = with_qa_flags(entries, "en", "de", QASettings())
    assert flagged[0].qa == ("error number-missing: number(s) in the source missing from the target: 2010, 1550",)
    assert flagged[1].qa == ()
    notes = write_xliff(flagged, source_lang="en", target_lang="de", original="a").decode()
    assert "<note category=\"newsl10n\">qa: error number-missing: number(s) in the source missing from the target: 2010, 1550</note>" in notes


def test_formatted_runs_are_listed_for_the_translator():
    from newsl10n.formats.markdown import read_markdown
    from newsl10n.bundle.build import markup_runs

    article = read_markdown("# T\n\nThe **United States** met. See [the treaty](https://x.test/t) `now`.\n", name="n", source="x.md")
    assert markup_runs(article) == {"s3": ["a: the treaty (https://x.test/t)", "code: now"], "s2": ["strong: United States"]}
    notes = write_xliff(views({"id": "s2", "source": "x", "target": "y", "markup": ["strong: United States"]}), source_lang="en", target_lang="de", original="a")
    assert b"<note category=\"newsl10n\">markup: strong: United States</note>" in notes


@pytest.mark.slow
def test_a_post_edit_that_drops_a_term_is_reported_violated(config_file, tmp_path, sample_article):
    """Issue 15 item 5: after import-xliff, an edit without the required term reads violated
    (method reviewed), the manifest's compliance drops below 100% and `newsl10n qa` flags it."""
    glossary = Path(__file__).resolve().parents[1] / "glossaries"
    args = ["--config", str(config_file), "--glossary", str(glossary)]
    result = CliRunner().invoke(app, ["translate", str(sample_article), "--to", "de", "--no-tm", *args])
    assert result.exit_code == 0, result.output
    bundle = tmp_path / "out" / "new-start-dialogue" / "de"
    before = {s["id"]: s for s in json.loads((bundle / "segments.json").read_text())["segments"]}
    assert [t["id"] for t in before["s1"]["terms"]] == ["new-start"]
    assert json.loads((bundle / "manifest.json").read_text())["term_compliance"] == 1.0
    xlf = tmp_path / "returned.xlf"
    shutil.copy(bundle / "article.xlf", xlf)
    edit_like_a_translator(xlf, {"s1": "Wiederaufnahme des militärischen Dialogs nach dem Abrüstungsvertrag",
                                 "s3": before["s3"]["target"] + " (New START)"})  # fmt: skip
    result = CliRunner().invoke(app, ["import-xliff", str(xlf), "--bundle", str(bundle), *args])
    assert result.exit_code == 0, result.output
    after = {s["id"]: s for s in json.loads((bundle / "segments.json").read_text())["segments"]}
    [dropped] = after["s1"]["terms"]
    assert (dropped["status"], dropped["method"], dropped["problem"]) == ("violated", "reviewed", "missing")
    assert all(t["status"] == "present" for t in after["s3"]["terms"])
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["terms"]["violated"] == 1 and manifest["term_compliance"] < 1.0
    qa = CliRunner().invoke(app, ["qa", str(bundle), "--json"])
    issues = json.loads(qa.output)["bundles"][0]["issues"]
    assert any(i["segment"] == "s1" and i["code"] == "term" for i in issues), qa.output
