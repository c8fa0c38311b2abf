"""Term bases other tools write (issue 29): a corpus of TBX files in tests/data/tbx, written for
these tests after ISO 30042 (TBX v3 and TBX 2), the TBX-Basic dialect in its DCA and DCT styles,
TBX-Core and TBX-Min. Each valid file imports with exit 0 and one summary line, nothing
deprecated or superseded becomes an accepted term, and an import exported again keeps every
status, definition and note (compared datum by datum, whatever the layout)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsl10n.cli import app
from newsl10n.terms.files import Glossary, require_valid
from newsl10n.locales import language_tag
from newsl10n.terms.tbx import read_tbx, to_tbx

CORPUS = Path(__file__).resolve().parent / "data" / "tbx"
SUMMARIES = {
    "basic-v2-ntig.tbx": "1 concept read, 1 imported",
    "basic-v2-tig.tbx": "2 concepts read, 2 imported",
    "basic-v3-dca.tbx": "2 concepts read, 2 imported",
    "basic-v3-dct.tbx": "2 concepts read, 2 imported",
    "core-v3.tbx": "2 concepts read, 2 imported",
    "dct-ed2-nested-body.tbx": "1 concept read, 1 imported",
    "deprecated-terms.tbx": "2 concepts read, 1 imported, 1 skipped (1 no en term); "
    "1 language section left out (1 only deprecated terms)",
    "german-source.tbx": "1 concept read, 1 imported",
    "many-notes.tbx": "1 concept read, 1 imported",
    "min-v3.tbx": "1 concept read, 1 imported",
    "monolingual-concepts.tbx": "3 concepts read, 1 imported, 2 skipped (1 no en term, 1 no other language)",
    "uppercase-tags.tbx": "2 concepts read, 2 imported",
}
FILES = sorted(SUMMARIES)
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_KEPT = {"administrativeStatus", "definition", "note", "partOfSpeech", "termType", "context", "subjectField"}
_NEVER_ACCEPTED = {"deprecatedTerm-admn-sts", "supersededTerm-admn-sts"}
_STATUSES = {"preferredTerm-admn-sts", "admittedTerm-admn-sts", *_NEVER_ACCEPTED}


def test_the_corpus_is_what_the_table_lists():
    assert sorted(p.name for p in CORPUS.glob("*.tbx")) == FILES and len(FILES) >= 10


@pytest.mark.parametrize("name", FILES)
def test_each_file_imports_with_one_summary_line_and_checks_clean(tmp_path, name):
    runner = CliRunner()
    out = tmp_path / "imported.yaml"
    result = runner.invoke(app, ["glossary", "import", str(CORPUS / name), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"{CORPUS / name}: {SUMMARIES[name]} -> {out}"]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    skipped = re.findall(r"(\d+) skipped|(\d+) language sections? left out", SUMMARIES[name])
    assert len(warnings) == sum(int(a or b) for a, b in skipped)  # each skip is named once
    checked = runner.invoke(app, ["glossary", "check", str(out)])
    assert checked.exit_code == 0, checked.output


def datums(data: bytes, keep: set[tuple[str, str]] | None = None) -> Counter:
    """Every kept datum of a TBX file as (concept, language, term, category, text), counted,
    whatever the file's style: DCA's typed elements and DCT's namespaced ones, in groups or not,
    ``normativeAuthorization`` read as TBX v3's ``administrativeStatus``. ``keep``: only these
    (concept, language) pairs and their concepts' own data."""
    from lxml import etree

    found: Counter = Counter()
    root = etree.fromstring(data)
    for concept in root.iter("{*}conceptEntry", "{*}termEntry"):
        cid = concept.get("id")
        for element in concept.iter():
            if not isinstance(element.tag, str):
                continue
            name = etree.QName(element)
            tbx_core = not name.namespace or name.namespace.startswith("urn:iso:std:iso:30042")
            kind = element.get("type") if tbx_core and name.localname in ("descrip", "termNote", "admin") else (
                "note" if tbx_core and name.localname == "note" else name.localname if not tbx_core else None
            )
            kind = "administrativeStatus" if kind == "normativeAuthorization" else kind
            if kind not in _KEPT:
                continue
            section = next((a for a in element.iterancestors("{*}langSec", "{*}langSet")), None)
            holder = next((a for a in element.iterancestors("{*}termSec", "{*}tig", "{*}ntig")), None)
            if section is not None and holder is None and kind not in ("definition", "note"):
                continue  # a part of speech for a whole language section: not a term's
            lang = language_tag(section.get(_XML_LANG)) if section is not None else ""
            if keep is not None and (cid, lang) not in keep and lang:
                continue
            if keep is not None and (cid, "") not in keep:
                continue
            term = " ".join("".join(next(holder.iter("{*}term")).itertext()).split()) if holder is not None else ""
            found[(cid, lang, term, kind, " ".join("".join(element.itertext()).split()))] += 1
        for holder in concept.iter("{*}termSec", "{*}tig", "{*}ntig"):  # every term, and those without a status
            lang = language_tag(next(holder.iterancestors("{*}langSec", "{*}langSet")).get(_XML_LANG))
            if keep is None or (cid, lang) in keep:
                term = " ".join("".join(next(holder.iter("{*}term")).itertext()).split())
                found[(cid, lang, term, "term", term)] += 1
                if not any((cid, lang, term, "administrativeStatus", v) in found for v in _STATUSES):
                    found[(cid, lang, term, "administrativeStatus", "(none)")] += 1
    return found


def imported(name: str) -> Glossary:
    model = read_tbx((CORPUS / name).read_bytes(), source=name).model
    return Glossary(tuple(model.entries), source_lang=model.source_lang)


def _kept_sections(glossary: Glossary) -> set[tuple[str, str]]:
    return {(e.id, lang) for e in glossary.entries for lang in ("", glossary.source_lang, *e.targets)}


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("version", [3, 2])
def test_an_import_exported_again_keeps_every_status_definition_and_note(name, version):
    glossary = imported(name)
    exported = to_tbx(glossary, version)
    original = datums((CORPUS / name).read_bytes(), _kept_sections(glossary))
    assert datums(exported) == original
    again = read_tbx(exported, source="again.tbx").model
    assert to_tbx(Glossary(tuple(again.entries), source_lang=again.source_lang), version) == exported


def _never_accepted(data: bytes) -> set[tuple[str, str]]:
    """(language, term) of every deprecated or superseded term, as the test reads the file."""
    from lxml import etree

    out = set()
    for holder in etree.fromstring(data).iter("{*}termSec", "{*}tig", "{*}ntig"):
        statuses = {" ".join(e.itertext()).strip() for e in holder.iter() if isinstance(e.tag, str) and (
            e.get("type") in ("administrativeStatus", "normativeAuthorization")
            or etree.QName(e).localname == "administrativeStatus")}  # fmt: skip
        if statuses & _NEVER_ACCEPTED:
            section = next(holder.iterancestors("{*}langSec", "{*}langSet"))
            out.add((language_tag(section.get(_XML_LANG)).split("-")[0], "".join(next(holder.iter("{*}term")).itertext())))
    return out


@pytest.mark.parametrize("name", FILES)
def test_nothing_deprecated_becomes_an_accepted_term(name):
    glossary = imported(name)
    banned = _never_accepted((CORPUS / name).read_bytes())
    source = glossary.source_lang.split("-")[0]
    for entry in glossary.entries:
        accepted = {(source, t) for t in entry.source_terms}
        accepted |= {(lang.split("-")[0], t) for lang, terms in entry.targets.items() for t in terms.forms}
        assert not accepted & banned, (entry.id, accepted & banned)


def test_statuses_map_faithfully_in_both_styles():
    dca, dct = imported("basic-v3-dca.tbx").entries, imported("basic-v3-dct.tbx").entries
    ceasefire = dca[0]
    assert (ceasefire.source, ceasefire.variants, ceasefire.deprecated) == ("ceasefire", ["truce"], ["cease-fire"])
    assert ceasefire.source_info["cease-fire"].status == "superseded"
    assert ceasefire.targets["fr"].terms["cessez-le-feu"].status == "none"  # the file gave none
    assert ceasefire.targets["es"].terms["alto el fuego"].status == "admitted"  # first, not preferred
    assert ceasefire.definition == [
        "An agreed pause in fighting between parties to a conflict.",
        "A temporary suspension of hostilities, often as a step towards a settlement.",
    ]
    rate = dct[0]
    assert (rate.source, rate.variants, rate.misspellings) == ("rate cut", ["interest rate cut"], {"rate slash": "rate cut"})
    assert rate.targets["de"].forbidden == ["Zinsschnitt", "Leitzinssenkung"]
    assert rate.targets["de"].terms["Zinsschnitt"].status == "superseded"
    assert rate.subject_field == "monetary policy" and rate.source_info["rate cut"].term_type == "fullForm"
    assert imported("deprecated-terms.tbx").entries[0].targets["de"].terms["Zuwanderer"].status == "preferred"


def test_language_tags_match_whatever_their_case():
    """Issue 29: a file with EN as its language and en sections imported 0 entries."""
    glossary = imported("uppercase-tags.tbx")
    assert glossary.source_lang == "en"
    assert [(e.id, sorted(e.targets)) for e in glossary.entries] == [
        ("summit", ["de", "fr-FR", "pt-BR"]),
        ("delegation", ["de"]),
    ]
    assert read_tbx((CORPUS / "german-source.tbx").read_bytes()).model.source_lang == "de"
    assert imported("basic-v2-tig.tbx").source_lang == "en-US"


@pytest.mark.parametrize("tag, canonical", [("EN", "en"), ("en-us", "en-US"), ("ZH-hant-tw", "zh-Hant-TW"),
                                            ("es-419", "es-419"), ("de_DE", "de-DE")])  # fmt: skip
def test_language_tag_case(tag, canonical):
    assert language_tag(tag) == canonical


def test_a_round_trip_of_our_own_glossary_is_unchanged():
    glossaries = Path(__file__).resolve().parents[1] / "glossaries"
    ours = require_valid([glossaries])
    back = read_tbx(to_tbx(ours, 3), source="ours.tbx").model
    assert Glossary(tuple(back.entries), source_lang=back.source_lang).content_hash == ours.content_hash
