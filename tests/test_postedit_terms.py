"""Issue 26 item 6: a person's correctly inflected term reads present wherever the post-edit is
imported: ``import-xliff`` run from another folder, or a save in the review editor (its
workspace, through the post-edit service), with the glossary at hand or not. The glossary has dictionary forms only; the
bundle's term reports carry what the check needs (terms/recheck.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsl10n.bundle.segments import entry_version
from newsl10n.cli import app
from newsl10n.server.workspace import Workspace
from newsl10n.terms.files import require_valid
from newsl10n.terms.source import SourceTerms

from test_xliff import edit_like_a_translator

GLOSSARY = """\
domain: banking
source_lang: en
entries:
  - id: ecb
    source: European Central Bank
    targets:
      de: Europäische Zentralbank
      ru: Европейский центральный банк
      ar: البنك المركزي الأوروبي
  - id: ecb-council
    source: ECB Governing Council
    targets:
      de: EZB-Rat
      ru: Совет управляющих ЕЦБ
      ar: مجلس محافظي البنك المركزي الأوروبي
"""
ARTICLE = "Central banks\n\nRates were raised by the European Central Bank. The ECB Governing Council met on Thursday.\n"
EDITS = {  # correctly inflected post-edits of s2 (European Central Bank) and s3 (ECB Governing Council)
    "ru": ("Решение Европейского центрального банка повысило ставки.", "Заседание Совета управляющих ЕЦБ прошло в четверг."),
    "de": ("Die Zinsen wurden von der Europäischen Zentralbank erhöht.", "Die Sitzung des EZB-Rats fand am Donnerstag statt."),
    "ar": ("والبنك المركزي الأوروبي رفع أسعار الفائدة.", "عقد اجتماع لمجلس محافظي البنك المركزي الأوروبي يوم الخميس."),
}  # fmt: skip
INSTRUMENTAL = "Ставки были повышены Европейским центральным банком."
DROPPED = {"ru": "Ставки повысил банк.", "de": "Die Zinsen wurden erhöht.", "ar": "رفعت أسعار الفائدة."}


@pytest.fixture(scope="module")
def translated(tmp_path_factory, tiny_models) -> Path:
    """One article translated into ru, de and ar with ``--glossary FILE``: OUT/<article>/<locale>."""
    root = tmp_path_factory.mktemp("postedit")
    (root / "terms.yaml").write_text(GLOSSARY, encoding="utf-8")
    (root / "ecb.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "pipeline.yaml").write_text(
        "source_lang: en\nout: out\nglossaries: []\n"
        "decoding: {beam_size: 1, batch_size: 8, max_length: 64}\nlocales:\n"
        f"  de: {{model: '{tiny_models['de']}'}}\n  ru: {{model: '{tiny_models['ru']}'}}\n"
        f"  ar: {{model: '{tiny_models['ar']}', target_token: '>>ara<<'}}\n",
        encoding="utf-8",
    )
    args = ["translate", str(root / "ecb.txt"), "--to", "de,ru,ar", "--config", str(root / "pipeline.yaml"),
            "--glossary", str(root / "terms.yaml"), "--no-tm", "--quiet"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return root


def fresh_bundle(translated: Path, tmp_path: Path, locale: str) -> Path:
    bundle = tmp_path / "out" / "ecb" / locale
    shutil.copytree(translated / "out" / "ecb" / locale, bundle)
    return bundle


def term_reports(bundle: Path) -> dict[str, list[dict]]:
    return {s["id"]: s["terms"] for s in json.loads((bundle / "segments.json").read_text(encoding="utf-8"))["segments"]}


@pytest.mark.parametrize("locale", ["ru", "de", "ar"])
@pytest.mark.parametrize("with_glossary", [True, False])
def test_import_xliff_from_another_folder_reads_inflected_terms_present(
    translated, tmp_path, monkeypatch, locale, with_glossary
):
    bundle = fresh_bundle(translated, tmp_path, locale)
    assert [t["id"] for t in term_reports(bundle)["s2"]] == ["ecb"]
    xlf = tmp_path / "returned.xlf"
    shutil.copy(bundle / "article.xlf", xlf)
    edit_like_a_translator(xlf, dict(zip(("s2", "s3"), EDITS[locale])))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # no pipeline.yaml, no glossaries/ here
    glossary = ["--glossary", str(translated / "terms.yaml")] if with_glossary else []
    result = CliRunner().invoke(app, ["import-xliff", str(xlf), "--bundle", str(bundle), *glossary])
    assert result.exit_code == 0, result.output
    reports = term_reports(bundle)
    for seg in ("s2", "s3"):
        assert [(t["status"], t["method"]) for t in reports[seg]] == [("present", "reviewed")], (seg, reports[seg])


def editor_save(bundle: Path, segment: str, target: str, terms: SourceTerms | None = None) -> None:
    """A save as the review editor makes it: the review server's workspace over OUT, through the
    post-edit service (newsl10n.edits), based on the segment's current version."""
    entries = {s["id"]: s for s in json.loads((bundle / "segments.json").read_text(encoding="utf-8"))["segments"]}
    entry = entries[segment]
    out = bundle.parents[1]
    workspace = Workspace(out, terms=terms, memory=out / ".newsl10n-tm.sqlite")
    bundle_id = "/".join(bundle.relative_to(out).parts)
    workspace.save(bundle_id, segment, target, entry_version(entry["target"], entry.get("reviewed", False)), origin="editor")


@pytest.mark.parametrize("locale", ["ru", "de", "ar"])
@pytest.mark.parametrize("with_glossary", [True, False])
def test_an_editor_save_reads_inflected_terms_present_and_a_dropped_term_violated(
    translated, tmp_path, monkeypatch, locale, with_glossary
):
    """The glossary as the review server holds it (``review --glossary``), or none."""
    bundle = fresh_bundle(translated, tmp_path, locale)
    monkeypatch.chdir(tmp_path)
    terms = SourceTerms(require_valid([translated / "terms.yaml"])) if with_glossary else None
    editor_save(bundle, "s2", EDITS[locale][0], terms)
    editor_save(bundle, "s3", DROPPED[locale], terms)
    reports = term_reports(bundle)
    assert [(t["status"], t["method"]) for t in reports["s2"]] == [("present", "reviewed")]
    assert [(t["status"], t.get("problem")) for t in reports["s3"]] == [("violated", "missing")]


def test_the_russian_instrumental_reads_present_without_the_glossary(translated, tmp_path, monkeypatch):
    bundle = fresh_bundle(translated, tmp_path, "ru")
    monkeypatch.chdir(tmp_path)
    editor_save(bundle, "s2", INSTRUMENTAL)
    [report] = term_reports(bundle)["s2"]
    assert (report["status"], report.get("found")) == ("present", "Европейским центральным банком")


def test_a_report_carries_what_the_check_cannot_generate():
    """Hand-listed allowed and forbidden forms travel in the report; generated case forms do not."""
    from newsl10n.terms.check import carried
    from newsl10n.terms.recheck import report_constraint

    glossary = GLOSSARY + """\
  - id: witkoff
    source: Steve Witkoff
    case_sensitive: true
    targets:
      ru: {preferred: Стив Уиткофф, allowed: [Уиткофф], forbidden: [Виткофф]}
"""
    path = Path(pytest.importorskip("tempfile").mkdtemp()) / "g.yaml"
    path.write_text(glossary, encoding="utf-8")
    terms = SourceTerms(require_valid([path]))
    constraint = terms.entry_constraint("witkoff", "ru")
    assert carried(constraint) == {"allowed": ["Уиткофф"], "forbidden": ["Виткофф"], "case_sensitive": True}
    report = {"id": "witkoff", "source": "Steve Witkoff", "expected": "Стив Уиткофф", **carried(constraint)}
    rebuilt = report_constraint(report, "ru", None)
    assert (set(rebuilt.forms), set(rebuilt.forbidden), rebuilt.case_sensitive) == (
        set(constraint.forms), set(constraint.forbidden), True
    )
