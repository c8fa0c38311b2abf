"""Term files: the shipped glossaries, broken files and their exact messages, the source side
(corrections, protected spans, constraints), content hash, TBX/CSV round trips, and the CLI."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import GLOSSARIES, LOCALES, SAMPLE
from newsl10n.cli import app
from newsl10n.errors import GlossaryError
from newsl10n.terms.source import SourceTerms
from newsl10n.terms.files import load_glossary, parse_glossary_text, require_valid
from newsl10n.terms.formats import from_csv, from_tbx, slug, to_csv, to_tbx, to_yaml
from newsl10n.model import TermConstraint

runner = CliRunner()

# The concepts the issue names, all with targets in every locale the pipeline ships.
REQUIRED = {
    "new-start", "eucom", "deconfliction-lines", "inter-military-dialogue", "steve-witkoff",
    "jared-kushner", "donald-trump", "abu-dhabi", "nato", "russian-foreign-ministry", "ukraine",
}  # fmt: skip


def test_shipped_glossaries_are_valid_and_complete():
    glossary, problems = load_glossary([GLOSSARIES])
    assert problems == []
    assert REQUIRED <= {e.id for e in glossary.entries}
    for entry in glossary.entries:
        assert set(LOCALES) <= set(entry.targets), entry.id
    witkoff = next(e for e in glossary.entries if e.id == "steve-witkoff")
    assert witkoff.misspellings["Wittkopf"] == "Witkoff"


def test_shipped_glossaries_check_cli():
    result = runner.invoke(app, ["glossary", "check", str(GLOSSARIES)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: 12 entries in 3 files, sha256:")


def entry_file(body: str) -> str:
    return "domain: test\nentries:\n" + textwrap.indent(textwrap.dedent(body).strip("\n"), "  ") + "\n"


BROKEN = [
    ("unknown key", entry_file("""
        - id: a
          source: A
          colour: red
          targets: {de: A}
    """), ["5: a: unknown key 'colour'"]),
    ("YAML 1.1 boolean is a wrong type", entry_file("""
        - id: a
          source: A
          case_sensitive: yes
          targets: {de: A}
    """), ["5: a: case_sensitive: expected true or false, got a string ('yes')"]),
    ("wrong types", entry_file("""
        - id: a
          source: 12
          targets:
            de: {preferred: B, allowed: X}
    """), ["4: a: source: expected a string, got a number (12)",
           "6: a: targets.de.allowed: expected a list, got a string ('X')"]),
    ("targets not a mapping", entry_file("""
        - id: a
          source: A
          targets: [de]
    """), ["5: a: targets: expected a mapping, got a list"]),
    ("missing key, no id", entry_file("""
        - targets: {de: A}
    """), ["3: entry 1: missing required key 'id'", "3: entry 1: missing required key 'source'"]),
    ("unknown locale; no is Norwegian", entry_file("""
        - id: a
          source: A
          targets:
            de: A
            xx: B
            no: C
    """), ["7: a: unknown locale code 'xx' (use a CLDR code such as de, fr, pt-BR)"]),
    ("preferred also forbidden", entry_file("""
        - id: a
          source: A
          targets:
            de: {preferred: B, allowed: [C], forbidden: [b, c, D]}
    """), ["6: a: de: preferred term 'B' is also forbidden", "6: a: de: allowed term 'C' is also forbidden"]),
    ("case-sensitive entry: other case is no conflict", entry_file("""
        - id: a
          source: A
          case_sensitive: true
          targets:
            de: {preferred: B, forbidden: [b]}
    """), []),
    ("duplicate id", entry_file("""
        - id: a
          source: A
          targets: {de: A}
        - id: a
          source: B
          targets: {de: B}
    """), ["6: a: duplicate id (first defined at FILE:3)"]),
    ("source term claimed twice", entry_file("""
        - id: a
          source: EUCOM
          targets: {de: A}
        - id: b
          source: U.S. European Command
          variants: [US European Command, eucom]
          targets: {de: B}
    """), ["8: b: source term 'eucom' is already claimed by entry 'a' as its source term (FILE:3)"]),
    ("misspelling claimed as a source term", entry_file("""
        - id: a
          source: Witkoff
          misspellings: {Witkoff: Witkoff, Wittkopf: Witkoff}
          targets: {de: A}
        - id: b
          source: Wittkopf
          targets: {de: B}
    """), ["5: a: misspelling 'Witkoff' is one of the entry's own source terms",
           "8: b: source term 'Wittkopf' is already claimed by entry 'a' as its misspelling (FILE:3)"]),
    ("key given twice", entry_file("""
        - id: a
          source: A
          targets: {de: A}
          targets: {fr: B}
    """), ["6: a: key 'targets' given twice"]),
    ("bad id, empty term, no targets", entry_file("""
        - id: New START
          source: ''
          targets: {de: A}
        - id: b
          source: B
    """), ["4: New START: source: must not be empty", "6: b: no targets: give at least one locale, or set do_not_translate: true"]),
    ("bad id", entry_file("""
        - id: New START
          source: New START
          do_not_translate: true
    """), ["3: New START: id must be letters, digits, '.', '_' or '-' (no spaces)"]),
    ("malformed YAML", "domain: d\nentries:\n  - id: a\n    source: [A\n",
     ["5: malformed YAML: expected ',' or ']', but got '<stream end>'"]),
    ("empty file", "", ["1: expected a mapping with 'domain' and 'entries', got an empty file"]),
    ("not a mapping", "- a\n", ["1: expected a mapping with 'domain' and 'entries', got a list"]),
    ("no entries", "domain: d\n", ["1: missing required key 'entries'"]),
    ("unknown top-level key and locale", "domain: d\nsource_lang: qq\nentries: []\nowner: me\n",
     ["2: unknown locale code 'qq' (use a CLDR code such as de, fr, pt-BR)", "4: unknown key 'owner'"]),
    ("entries not a list", "domain: d\nentries: {a: 1}\n", ["2: entries: expected a list, got a mapping"]),
]  # fmt: skip


@pytest.mark.parametrize("name, text, expected", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_messages(tmp_path, name, text, expected):
    path = tmp_path / "terms.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems = load_glossary([path])
    assert [str(p) for p in problems] == [f"{path}:{line.replace('FILE', str(path))}" for line in expected]


@pytest.mark.parametrize("name, text, expected", [b for b in BROKEN if b[2]], ids=[b[0] for b in BROKEN if b[2]])
def test_check_cli_exit_1_with_one_line_per_problem(tmp_path, name, text, expected):
    path = tmp_path / "terms.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["glossary", "check", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[:-1] == [f"{path}:{line.replace('FILE', str(path))}" for line in expected]
    assert lines[-1] == f"{len(expected)} problem{'s' if len(expected) > 1 else ''} found"


def test_problems_across_files(tmp_path):
    (tmp_path / "a.yaml").write_text(entry_file("- {id: nato, source: NATO, targets: {de: NATO}}"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        entry_file("- {id: nato, source: Nato, targets: {de: Nato}}\n- {id: otan, source: nato, targets: {de: NATO}}"),
        encoding="utf-8",
    )
    _, problems = load_glossary([tmp_path])
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert [str(p) for p in problems] == [
        f"{b}:3: nato: duplicate id (first defined at {a}:3)",
        f"{b}:4: otan: source term 'nato' is already claimed by entry 'nato' as its source term ({a}:3)",
    ]


def test_pipeline_refuses_a_broken_glossary(tmp_path):
    (tmp_path / "a.yaml").write_text(entry_file("- {id: a, source: A, targets: {xx: B}}"), encoding="utf-8")
    with pytest.raises(GlossaryError) as err:
        require_valid([tmp_path])
    assert str(err.value) == f"{tmp_path / 'a.yaml'}:3: a: unknown locale code 'xx' (use a CLDR code such as de, fr, pt-BR)"
    with pytest.raises(GlossaryError, match="no such glossary file or folder"):
        require_valid([tmp_path / "missing"])


def test_content_hash_ignores_layout_but_not_content(tmp_path):
    one = entry_file("""
        - id: a
          source: A   # a comment
          targets: {de: B, fr: {preferred: C}}
    """)
    two = "entries:\n- targets:\n    fr: C\n    de: {preferred: B}\n  source: A\n  id: a\ndomain: other\n"
    hashes = []
    for text in (one, two, one.replace("B", "b")):
        path = tmp_path / "g.yaml"
        path.write_text(text, encoding="utf-8")
        hashes.append(require_valid([path]).content_hash)
    assert hashes[0] == hashes[1] != hashes[2]
    assert hashes[0].startswith("sha256:") and len(hashes[0]) == 71


# --- the source side ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def terms() -> SourceTerms:
    return SourceTerms(require_valid([GLOSSARIES]))


def test_misspelling_corrected_and_recorded(terms):
    text = "his special envoy, Steve Wittkopf, and Witkopf himself; Wittkopfs and WITTKOPF are not him"
    fixed, corrections = terms.correct(text)
    # the entry is case-sensitive: "WITTKOPF" is left alone, as is the longer word "Wittkopfs"
    assert fixed == "his special envoy, Steve Witkoff, and Witkoff himself; Wittkopfs and WITTKOPF are not him"
    assert [(c.id, c.original, c.corrected) for c in corrections] == [
        ("steve-witkoff", "Wittkopf", "Witkoff"), ("steve-witkoff", "Witkopf", "Witkoff"),
    ]  # fmt: skip
    for c in corrections:
        assert fixed[c.start : c.end] == c.corrected


def test_case_insensitive_misspelling_keeps_capitals(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(entry_file("- {id: a, source: Kyiv, misspellings: {Kiev: Kyiv}, targets: {de: Kyjiw}}"), encoding="utf-8")
    fixed, corrections = SourceTerms(require_valid([path])).correct("KIEV and kiev and Kiev")
    assert fixed == "KYIV and Kyiv and Kyiv"
    assert [c.original for c in corrections] == ["KIEV", "kiev", "Kiev"]


def test_terms_found_in_the_sample(terms):
    fixed, _ = terms.correct(SAMPLE.read_text(encoding="utf-8"))
    found = [(h.id, h.source) for h in terms.find(fixed)]
    assert ("steve-witkoff", "Steve Witkoff") in found
    assert found.count(("new-start", "New START")) == 4
    assert {h[0] for h in found} == REQUIRED - {"ukraine"}  # "Ukrainian" is not "Ukraine"


def test_protected_spans_keep_a_term_in_one_segment(terms):
    from newsl10n.segment import Segmenter

    text = "Talks ended. The U.S. European Command issued a statement."
    spans = Segmenter("en").spans(text, terms.protected(text))
    assert [text[s:e] for s, e in spans] == ["Talks ended.", "The U.S. European Command issued a statement."]
    assert terms.protected(text) == [(17, 38)]


def test_constraints_per_locale(terms):
    hit = next(h for h in terms.find("Steve Witkoff arrived") if h.id == "steve-witkoff")
    ru = terms.constraint(hit, "ru")
    assert ru.forms[0] == "Стив Уиткофф" and "Стива Уиткоффа" in ru.forms
    assert "Wittkopf" in ru.forbidden and "Виткофф" in ru.forbidden  # misspellings are banned too
    assert ru.case_sensitive
    assert terms.constraint(hit, "de") == TermConstraint(
        "steve-witkoff", ("Steve Witkoff", "Witkoff"), ("Wittkopf", "Witkopf", "Wittkoff"), True, lang="de"
    )
    assert terms.constraint(hit, "ja") is None  # no target for the locale
    assert terms.constraint(hit, "pt-BR") is None


def test_do_not_translate_and_locale_fallback(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(entry_file("""
        - id: eucom
          source: EUCOM
          variants: [USEUCOM]
          do_not_translate: true
          targets: {ru: {preferred: Европейское командование США, allowed: [EUCOM]}}
        - id: trump
          source: Trump
          targets: {pt: Trump}
    """), encoding="utf-8")  # fmt: skip
    terms = SourceTerms(require_valid([path]))
    hits = terms.find("USEUCOM said, and EUCOM and Trump agreed")
    assert [h.source for h in hits] == ["USEUCOM", "EUCOM", "Trump"]
    assert terms.constraint(hits[0], "de").forms == ("USEUCOM", "EUCOM")  # kept as written first
    ru = terms.constraint(hits[1], "ru").forms
    assert ru[:2] == ("Европейское командование США", "EUCOM")  # declared first, then the case forms
    assert "Европейского командования США" in ru[2:] and "EUCOM" not in ru[2:]
    assert terms.constraint(hits[2], "pt-BR").forms == ("Trump",)


# --- exchange formats --------------------------------------------------------------------------


def test_tbx_round_trip_keeps_everything():
    glossary = require_valid([GLOSSARIES])
    tbx = to_tbx(glossary)
    assert b"<martif" in tbx and b'id="steve-witkoff"' in tbx and "Стив Уиткофф".encode() in tbx
    back = from_tbx(tbx)
    assert back.source_lang == "en"
    assert [e.model_dump() for e in back.entries] == [e.model_dump() for e in glossary.entries]


def test_tbx_round_trip_through_a_term_file(tmp_path):
    glossary = require_valid([GLOSSARIES])
    path = tmp_path / "imported.yaml"
    path.write_text(to_yaml(from_tbx(to_tbx(glossary))), encoding="utf-8")
    assert require_valid([path]).content_hash == glossary.content_hash


def test_tbx_from_another_tool_without_statuses():
    tbx = b"""<?xml version="1.0"?>
<martif type="TBX" xml:lang="en"><text><body>
<termEntry><langSet xml:lang="en"><tig><term>NATO</term></tig></langSet>
<langSet xml:lang="fr"><tig><term>OTAN</term></tig><tig><term>Otan</term></tig></langSet></termEntry>
</body></text></martif>"""
    entry = from_tbx(tbx).entries[0]
    assert (entry.id, entry.source, entry.targets["fr"].preferred, entry.targets["fr"].allowed) == (
        "nato-1", "NATO", "OTAN", ["Otan"],
    )  # fmt: skip


def test_csv_round_trip():
    glossary = require_valid([GLOSSARIES])
    text = to_csv(glossary)
    header, first = text.splitlines()[:2]
    assert header == "en,ar,de,es,fr,ru"
    assert first == "New START,نيو ستارت,New START,Nuevo START,New START,ДСНВ"
    model = from_csv(text)
    assert [e.source for e in model.entries] == [e.source for e in glossary.entries]
    for entry, original in zip(model.entries, glossary.entries):
        assert {k: v.preferred for k, v in entry.targets.items()} == {k: v.preferred for k, v in original.targets.items()}
    assert to_csv(type(glossary)(tuple(model.entries), source_lang="en")) == text


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "t.csv: empty CSV (expected a header row of locale codes)"),
        ("en\nNATO\n", "t.csv:1: header must name the source language and at least one target locale"),
        ("en,de\nNATO,NATO,extra\n", "t.csv:2: 3 cells, but the header names 2 columns"),
        ("en,de\n,NATO\n", "t.csv:2: the source term (column 'en') is empty"),
    ],
)
def test_csv_errors(text, message):
    with pytest.raises(GlossaryError) as err:
        from_csv(text, source="t.csv")
    assert str(err.value) == message


def test_slug():
    assert [slug(t) for t in ("U.S. European Command", "Ministère", "НАТО")] == ["u-s-european-command", "ministere", "term"]
    model = from_csv("en,de\nNATO,NATO\nnato,Nato\nНАТО,NATO\n")
    assert [e.id for e in model.entries] == ["nato", "nato-2", "term"]


def test_export_import_cli(tmp_path):
    tbx, csv_file, back = tmp_path / "g.tbx", tmp_path / "g.csv", tmp_path / "back.yaml"
    assert runner.invoke(app, ["glossary", "export", str(GLOSSARIES), "-o", str(tbx)]).exit_code == 0
    result = runner.invoke(app, ["glossary", "import", str(tbx), "-o", str(back)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{tbx}: 12 concepts read, 12 imported -> {back}"
    assert require_valid([back]).content_hash == require_valid([GLOSSARIES]).content_hash
    assert back.read_text(encoding="utf-8").startswith("domain: back\nsource_lang: en\n")

    result = runner.invoke(app, ["glossary", "export", str(GLOSSARIES), "--format", "csv", "--locales", "de,ru"])
    assert result.exit_code == 0
    assert result.output.splitlines()[:2] == ["en,de,ru", "New START,New START,ДСНВ"]
    csv_file.write_text("en,de,no\nNATO,NATO,NATO\n", encoding="utf-8")
    result = runner.invoke(app, ["glossary", "import", str(csv_file), "-o", str(back), "--domain", "alliances"])
    assert result.exit_code == 0, result.output
    text = back.read_text(encoding="utf-8")
    assert "'no': NATO" in text  # quoted, so that YAML 1.1 readers keep Norwegian too
    assert require_valid([back]).entries[0].targets["no"].preferred == "NATO"


@pytest.mark.parametrize(
    "args, message",
    [
        (["export", "--format", "xlsx", "G"], "error: --format 'xlsx': choose one of tbx, csv"),
        (["import", "T/terms.txt", "-o", "T/x.yaml"], "error: T/terms.txt: unknown format '.txt': expected .tbx or .csv"),
        (["import", "T/missing.tbx", "-o", "T/x.yaml"], "error: T/missing.tbx: cannot read (No such file or directory)"),
        (["check", "T/missing"], "error: T/missing: no such glossary file or folder"),
    ],
)
def test_glossary_cli_usage_errors(tmp_path, args, message):
    (tmp_path / "terms.txt").write_text("x", encoding="utf-8")
    args = [a.replace("T/", f"{tmp_path}/").replace("G", str(GLOSSARIES)) if a != "-o" else a for a in args]
    result = runner.invoke(app, ["glossary", *args])
    assert result.exit_code == 2
    assert result.output.strip() == message.replace("T/", f"{tmp_path}/")


def test_import_refuses_invalid_entries(tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("en,xx\nNATO,NATO\n", encoding="utf-8")
    result = runner.invoke(app, ["glossary", "import", str(source), "-o", str(tmp_path / "out.yaml")])
    assert result.exit_code == 2
    assert "unknown locale code 'xx'" in result.output
    assert not (tmp_path / "out.yaml").exists()


def test_check_uses_pipeline_yaml(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["glossary", "check"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: no glossary: pass term files or folders, or list them under 'glossaries:' in pipeline.yaml"
    )
    (tmp_path / "pipeline.yaml").write_text(f"glossaries: ['{GLOSSARIES}']\n", encoding="utf-8")
    assert runner.invoke(app, ["glossary", "check"]).exit_code == 0


def test_glossary_error_is_one_line_exit_2_for_translate(tmp_path, sample_article):
    (tmp_path / "bad.yaml").write_text(entry_file("- {id: a, source: A}"), encoding="utf-8")
    result = runner.invoke(
        app, ["translate", str(sample_article), "--to", "de", "--glossary", str(tmp_path / "bad.yaml"), "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {tmp_path / 'bad.yaml'}:3: a: no targets: give at least one locale, or set do_not_translate: true"
    )
    assert not (tmp_path / "o").exists()


def test_parse_glossary_text_returns_model():
    model, problems = parse_glossary_text(entry_file("- {id: a, source: A, targets: {de: B}}"), source="x")
    assert problems == [] and model.entries[0].targets["de"].forms == ("B",)


def test_shipped_sample_file_exists():
    assert Path(SAMPLE).is_file()
