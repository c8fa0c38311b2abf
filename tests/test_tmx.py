"""TMX 1.4b out of the translation memory and back in (issue 16)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from newsl10n import __version__
from newsl10n.cli import app
from newsl10n.model import Translation
from newsl10n.tm.store import MemoryContext, TranslationMemory

runner = CliRunner()
CONTEXT = MemoryContext(locale="de", model="Helsinki-NLP/opus-mt-en-de@abc123", glossary="sha256:g1", decoding='{"engine":"ct2"}')
FOREIGN = b"""<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header creationtool="OmegaT" creationtoolversion="6" segtype="sentence" o-tmf="OmegaT"
 adminlang="en" srclang="en" datatype="plaintext"/>
<body><tu creationdate="20250102T030405Z"><tuv xml:lang="en"><seg>The talks resumed.</seg></tuv>
<tuv xml:lang="fr"><seg>Les pourparlers ont <bpt i="1">&lt;b&gt;</bpt>repris<ept i="1">&lt;/b&gt;</ept>.</seg></tuv></tu></body></tmx>
"""


@pytest.fixture()
def memory_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "a.sqlite"
    with TranslationMemory(path) as memory:
        memory.store(CONTEXT, [("Talks resumed.", Translation("Gespräche wieder aufgenommen.", ("t1",), "constrained"))])
        memory.store(CONTEXT, [("Fine.", Translation("Gut."))], reviewed=True)
    return path


def test_tmx_round_trip_keeps_properties_and_reviews(memory_file, tmp_path):
    from lxml import etree

    tmx = tmp_path / "m.tmx"
    result = runner.invoke(app, ["tm", "export", "--tm", str(memory_file), "-o", str(tmx)])
    assert result.exit_code == 0, result.output
    root = etree.parse(str(tmx)).getroot()
    header = root.find("header")
    assert (root.get("version"), header.get("creationtool"), header.get("creationtoolversion")) == ("1.4", "newsl10n", __version__)
    for required in ("segtype", "o-tmf", "adminlang", "srclang", "datatype"):  # TMX 1.4 DTD: #REQUIRED
        assert header.get(required)
    units = root.findall("body/tu")
    props = {u.findtext("tuv/seg"): {p.get("type"): p.text for p in u.iterfind("prop")} for u in units}
    assert props["Talks resumed."] == {
        "x-locale": "de", "x-model": "Helsinki-NLP/opus-mt-en-de", "x-revision": "abc123", "x-glossary": "sha256:g1",
        "x-decoding": '{"engine":"ct2"}', "x-reviewed": "no", "x-method": "constrained", "x-forced": '["t1"]',
    }  # fmt: skip
    assert props["Fine."]["x-reviewed"] == "yes" and "x-forced" not in props["Fine."]
    assert all(len(u.get("creationdate")) == 16 and u.get("changedate") == u.get("creationdate") for u in units)

    copy = tmp_path / "b.sqlite"
    result = runner.invoke(app, ["tm", "import", str(tmx), "--tm", str(copy)])
    assert result.exit_code == 0, result.output
    assert result.output == f"{tmx}: 2 units read, 2 entries imported (1 reviewed) -> {copy}\n"
    with TranslationMemory(memory_file) as a, TranslationMemory(copy) as b:
        assert list(b.entries()) == list(a.entries())
        assert b.lookup(CONTEXT, ["Fine."])["Fine."].text == "Gut."  # found by a run with the same engine


def test_a_foreign_tmx_seeds_the_memory_as_reviewed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "omegat.tmx").write_bytes(FOREIGN)
    result = runner.invoke(app, ["tm", "import", "omegat.tmx", "--tm", "m.sqlite"])
    assert result.exit_code == 0, result.output
    with TranslationMemory(tmp_path / "m.sqlite") as memory:
        (entry,) = memory.entries()
    assert (entry.target, entry.locale, entry.reviewed) == ("Les pourparlers ont repris.", "fr", True)
    assert (entry.method, entry.model, entry.created) == ("tmx:omegat.tmx", "tmx-import", "2025-01-02T03:04:05+00:00")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"<tmx", "error: bad.tmx: not well-formed XML"),
        (b"<xliff/>", "error: bad.tmx: not a TMX file (expected <tmx> with a <header>)"),
        (FOREIGN.replace(b'xml:lang="fr"', b'xml:lang="../../x"'), "error: bad.tmx: unit 1: '../../x' is not a language tag"),
        (FOREIGN.replace(b'xml:lang="en"', b'xml:lang="de"'), "error: bad.tmx: no unit has a segment in en (the file's "
         "source language is en; the memory translates from en, set by source_lang)"),
    ],
)
def test_bad_tmx_is_one_line_and_writes_nothing(tmp_path, monkeypatch, data, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.tmx").write_bytes(data)
    result = runner.invoke(app, ["tm", "import", "bad.tmx", "--tm", "m.sqlite"])
    assert result.exit_code == 2 and result.output.startswith(message) and result.output.count("\n") == 1
    assert not (tmp_path / "m.sqlite").exists()
