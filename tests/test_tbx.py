"""TBX v3 (TBX-Basic) and TBX 2: what a term base holds survives import into a term file and
export back (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsl10n.cli import app
from newsl10n.terms.files import parse_glossary_text, require_valid
from newsl10n.terms.formats import to_yaml
from newsl10n.terms.tbx import read_tbx, to_tbx

GLOSSARIES = Path(__file__).resolve().parents[1] / "glossaries"

# Written for this test in the TBX-Basic dialect of TBX v3 (ISO 30042:2019, DCA style).
BASIC_V3 = """<?xml version="1.0" encoding="UTF-8"?>
<tbx style="dca" type="TBX-Basic" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
  <tbxHeader><fileDesc><sourceDesc><p>newsl10n test term base</p></sourceDesc></fileDesc></tbxHeader>
  <text><body>
    <conceptEntry id="new-start">
      <descrip type="subjectField">arms control</descrip>
      <descrip type="definition">Treaty between the US and Russia limiting strategic nuclear weapons.</descrip>
      <note>Signed 2010, expired 2026.</note>
      <langSec xml:lang="en">
        <descrip type="definition">The 2010 strategic arms reduction treaty.</descrip>
        <termSec>
          <term>New START</term>
          <termNote type="partOfSpeech">properNoun</termNote>
          <termNote type="termType">shortForm</termNote>
          <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote>
          <descrip type="context">The New START treaty expired in February.</descrip>
        </termSec>
        <termSec>
          <term>Prague Treaty</term>
          <termNote type="partOfSpeech">properNoun</termNote>
          <termNote type="administrativeStatus">admittedTerm-admn-sts</termNote>
        </termSec>
        <termSec>
          <term>START III</term>
          <termNote type="administrativeStatus">supersededTerm-admn-sts</termNote>
          <note>An early working name.</note>
        </termSec>
      </langSec>
      <langSec xml:lang="de">
        <descrip type="definition">Vertrag zur Verringerung strategischer Waffen von 2010.</descrip>
        <termSec>
          <term>New START</term>
          <termNote type="partOfSpeech">properNoun</termNote>
          <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote>
        </termSec>
        <termSec>
          <term>Neuer START-Vertrag</term>
          <termNote type="termType">fullForm</termNote>
          <termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote>
        </termSec>
      </langSec>
      <langSec xml:lang="fr">
        <note>Masculin.</note>
        <termSec>
          <term>nouveau traité START</term>
          <termNote type="partOfSpeech">noun</termNote>
          <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote>
        </termSec>
      </langSec>
    </conceptEntry>
    <conceptEntry id="envoy">
      <descrip type="subjectField">diplomacy</descrip>
      <langSec xml:lang="en">
        <termSec>
          <term>special envoy</term>
          <termNote type="partOfSpeech">noun</termNote>
          <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote>
        </termSec>
      </langSec>
      <langSec xml:lang="de">
        <termSec><term>Sondergesandter</term><termNote type="partOfSpeech">noun</termNote>
          <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></termSec>
      </langSec>
      <langSec xml:lang="fr">
        <termSec><term>envoyé spécial</term><termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></termSec>
      </langSec>
    </conceptEntry>
  </body></text>
</tbx>
"""


def facts(data: bytes) -> set[tuple[str, ...]]:
    """Every datum of a TBX file as (concept, language, term, kind, value), whatever its layout."""
    from lxml import etree

    out: set[tuple[str, ...]] = set()
    root = etree.fromstring(data)
    local = lambda e: etree.QName(e).localname  # noqa: E731
    for concept in root.iter("{*}conceptEntry", "{*}termEntry"):
        cid = concept.get("id")
        for element in concept.iter("{*}descrip", "{*}note", "{*}termNote", "{*}term"):
            section = next((a for a in element.iterancestors() if local(a) in ("langSec", "langSet")), None)
            term_sec = next((a for a in element.iterancestors() if local(a) in ("termSec", "tig")), None)
            lang = section.get("{http://www.w3.org/XML/1998/namespace}lang") if section is not None else ""
            term = term_sec.findtext("{*}term") if term_sec is not None else term_sec
            term = term if term is not None else ""
            kind = element.get("type") or local(element)
            out.add((cid, lang, term, kind, element.text.strip()))
    return out


def test_tbx_v3_round_trips_through_a_term_file_with_nothing_lost():
    imported = read_tbx(BASIC_V3.encode(), source="basic.tbx")
    assert imported.problems == []
    text = to_yaml(imported.model.model_copy(update={"domain": "treaties"}))
    model, problems = parse_glossary_text(text, source="treaties.yaml")
    assert problems == []
    from newsl10n.terms.files import Glossary

    glossary = Glossary(tuple(model.entries), source_lang=model.source_lang)
    exported = to_tbx(glossary, 3)
    assert facts(exported) == facts(BASIC_V3.encode())
    entry = model.entries[0]
    assert (entry.source, entry.variants, entry.deprecated) == ("New START", ["Prague Treaty"], ["START III"])
    assert entry.source_info["START III"].status == "superseded"
    assert entry.targets["de"].forbidden == ["Neuer START-Vertrag"]
    assert entry.subject_field == "arms control" and entry.targets["fr"].note == "Masculin."
    assert b"supersededTerm-admn-sts" in to_tbx(glossary, 2)
    assert facts(to_tbx(glossary, 2)) == facts(exported)


def test_exports_are_valid_tbx(tmp_path):
    """Structure rules of TBX v3 (TBXcoreStructV03) and of TBX 2 (TBXcoreStructV02.dtd) for what
    newsl10n writes: written by hand from them, as the project holds no copy of the schemas."""
    from lxml import etree

    glossary = require_valid([GLOSSARIES])
    v3 = etree.fromstring(to_tbx(glossary, 3))
    assert (etree.QName(v3).namespace, v3.get("style"), v3.get("type")) == ("urn:iso:std:iso:30042:ed-2", "dca", "TBX-Basic")
    v2 = etree.fromstring(to_tbx(glossary, 2))
    for root, (concept, section, term) in ((v3, ("conceptEntry", "langSec", "termSec")), (v2, ("termEntry", "langSet", "tig"))):
        assert [etree.QName(c).localname for c in root] == [root[0].tag.split("}")[-1], "text"]
        for entry in root.iter(f"{{*}}{concept}"):
            kinds = [etree.QName(c).localname for c in entry]
            first_section = kinds.index(section)  # auxiliary data first, then the language sections
            assert set(kinds[first_section:]) == {section} and set(kinds[:first_section]) <= {"descrip", "note"}
            for sec in entry.iter(f"{{*}}{term}"):
                names = [etree.QName(c).localname for c in sec]
                assert names[0] == "term" and names.count("term") == 1
                notes_end = max((i for i, n in enumerate(names) if n == "termNote"), default=0)
                assert set(names[1 : notes_end + 1]) <= {"termNote"} and set(names[notes_end + 1 :]) <= {"descrip", "note"}
    assert not [n for n in v2.iter("note") if n.getparent().tag == "body"]


def test_the_files_source_language_is_honoured_and_a_concept_without_it_is_reported():
    czech = BASIC_V3.replace('xml:lang="en"', 'xml:lang="cs"', 1).replace(
        '<langSec xml:lang="de">', '<langSec xml:lang="cs"><termSec><term>Nová smlouva START</term></termSec></langSec><langSec xml:lang="de">', 1
    )
    imported = read_tbx(czech.encode(), source="cs.tbx")
    assert imported.model.source_lang == "cs"
    assert [e.source for e in imported.model.entries] == ["Nová smlouva START"]
    assert set(imported.model.entries[0].targets) == {"en", "de", "fr"}
    assert imported.problems == ["cs.tbx: concept envoy: no cs term: left out"]


def test_glossary_cli_writes_tbx_v3_by_default_and_tbx_2_on_request(tmp_path):
    runner = CliRunner()
    v3, v2, back = tmp_path / "g3.tbx", tmp_path / "g2.tbx", tmp_path / "back.yaml"
    assert runner.invoke(app, ["glossary", "export", str(GLOSSARIES), "-o", str(v3)]).exit_code == 0
    assert runner.invoke(app, ["glossary", "export", str(GLOSSARIES), "-o", str(v2), "--tbx-version", "2"]).exit_code == 0
    assert v3.read_bytes().count(b"<tbx ") == 1 and b"<martif " in v2.read_bytes()
    for path in (v3, v2):
        assert runner.invoke(app, ["glossary", "import", str(path), "-o", str(back)]).exit_code == 0
        assert require_valid([back]).content_hash == require_valid([GLOSSARIES]).content_hash
    zulu = tmp_path / "zu.tbx"
    zulu.write_text(BASIC_V3.replace('<langSec xml:lang="en">\n        <termSec>\n          <term>special', '<langSec xml:lang="zu">\n        <termSec>\n          <term>special'))
    result = runner.invoke(app, ["glossary", "import", str(zulu), "-o", str(back)])
    assert result.exit_code == 0
    assert f"warning: {zulu}: concept envoy: no en term: left out" in result.output
    assert result.output.strip().endswith(f"{zulu}: 2 concepts read, 1 imported, 1 skipped (1 no en term) -> {back}")


@pytest.mark.parametrize("data, message", [(b"<tbx", "x.tbx: not a readable TBX file"), (b"<xliff/>", "x.tbx: not a TBX file (root <xliff>")])
def test_unreadable_tbx_is_one_line(data, message):
    from newsl10n.errors import GlossaryError

    with pytest.raises(GlossaryError) as info:
        read_tbx(data, source="x.tbx")
    assert str(info.value).startswith(message) and "\n" not in str(info.value)
