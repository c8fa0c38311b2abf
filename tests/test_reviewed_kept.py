"""Issue 14, items 1-2: people's text is never lost to a later run.

A bundle re-created from the translation memory gets its reviewed segments back marked
reviewed (whatever model the new run uses), so ``--force --no-tm`` keeps them; a bundle holding
reviewed segments of another article is never replaced by a same-named one.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsl10n.cli import app
from newsl10n.tm.store import TranslationMemory

from helpers import cli_translate
from test_xliff import edit_like_a_translator

runner = CliRunner()
EDITED = {"s1": "Wiederaufnahme — von Menschen übersetzt", "s3": "Ein Satz, den eine Redakteurin schrieb."}


def _translate(config: Path, article: Path, *extra: str) -> None:
    cli_translate(article, "--to", "de", "--config", config, "-q", *extra)


def _segments(bundle: Path) -> dict[str, dict]:
    return {s["id"]: s for s in json.loads((bundle / "segments.json").read_bytes())["segments"]}


def _review(config: Path, bundle: Path, tmp_path: Path) -> None:
    xlf = tmp_path / "returned.xlf"
    shutil.copy(bundle / "article.xlf", xlf)
    edit_like_a_translator(xlf, EDITED)
    result = runner.invoke(app, ["import-xliff", str(xlf), "--bundle", str(bundle), "--config", str(config)])
    assert result.exit_code == 0, result.output


def _assert_reviewed_kept(bundle: Path) -> None:
    segments = _segments(bundle)
    for sid, text in EDITED.items():
        assert segments[sid]["target"].encode() == text.encode()
        assert segments[sid]["reviewed"] is True
    text = (bundle / "article.txt").read_bytes()
    assert all(t.encode() in text for t in EDITED.values())


@pytest.mark.slow
@pytest.mark.parametrize("other_model", [False, True], ids=["same-model", "other-model"])
def test_bundle_recreated_from_memory_keeps_reviewed_flag(other_model, config_file, sample_article, tmp_path, tiny_models):
    bundle = tmp_path / "out" / sample_article.stem / "de"
    _translate(config_file, sample_article)
    _review(config_file, bundle, tmp_path)
    shutil.rmtree(bundle.parent)  # the folder removed: only the memory knows the reviewed text
    model = ["--model", f"de={tiny_models['fr']}"] if other_model else []
    _translate(config_file, sample_article, *model)
    _assert_reviewed_kept(bundle)
    # and a later run that bypasses the memory, with yet another model, keeps them too
    _translate(config_file, sample_article, "--force", "--no-tm", "--model", f"de={tiny_models['es']}")
    _assert_reviewed_kept(bundle)


@pytest.mark.slow
def test_same_stem_of_another_article_never_replaces_reviewed_bundle(config_file, sample_article, tmp_path):
    bundle = tmp_path / "out" / sample_article.stem / "de"
    _translate(config_file, sample_article)
    _review(config_file, bundle, tmp_path)
    before = {p.name: p.read_bytes() for p in bundle.iterdir()}
    other = tmp_path / "elsewhere" / sample_article.name
    other.parent.mkdir()
    other.write_text("Another article\n\nIt has nothing in common with the first one.\n", encoding="utf-8")
    result = runner.invoke(app, ["translate", str(other), "--to", "de", "--config", str(config_file), "-q"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {bundle}: holds reviewed segments of another article ({sample_article}); "
        f"move it or translate {other} into another --out"
    )
    assert {p.name: p.read_bytes() for p in bundle.iterdir()} == before
    _assert_reviewed_kept(bundle)
    # the same article from its own path is translated again as usual
    _translate(config_file, sample_article, "--force")
    _assert_reviewed_kept(bundle)


@pytest.mark.slow
def test_whitespace_only_source_edit_keeps_the_review(config_file, sample_article, tmp_path, tiny_models):
    bundle = tmp_path / "out" / sample_article.stem / "de"
    _translate(config_file, sample_article)
    _review(config_file, bundle, tmp_path)
    source = _segments(bundle)["s3"]["source"]
    text = sample_article.read_text(encoding="utf-8")
    assert text.count(source) == 1
    sample_article.write_text(text.replace(source, source.replace(" ", "  ", 2)), encoding="utf-8")
    _translate(config_file, sample_article, "--force", "--no-tm", "--model", f"de={tiny_models['es']}")
    assert _segments(bundle)["s3"]["source"] != source
    _assert_reviewed_kept(bundle)


GLOSSARY = ["--glossary", str(Path(__file__).resolve().parents[1] / "glossaries")]


def _translate_output(config: Path, article: Path, *extra: str) -> str:
    result = runner.invoke(app, ["translate", str(article), "--to", "de", "--config", str(config), "-q", *extra])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.slow
def test_reviewed_text_survives_a_glossary_change_and_is_reported_when_a_term_now_reads_violated(
    config_file, sample_article, tmp_path
):
    """Issue 27 item 2: the reviewed text is in the memory under the old glossary's key; a run
    with another glossary (or none) once got machine text back, exit 0, no word."""
    bundle = tmp_path / "out" / sample_article.stem / "de"
    _translate_output(config_file, sample_article, *GLOSSARY)
    xlf = tmp_path / "returned.xlf"
    shutil.copy(bundle / "article.xlf", xlf)
    edit_like_a_translator(xlf, EDITED)  # s1 drops the term New START
    result = runner.invoke(app, ["import-xliff", str(xlf), "--bundle", str(bundle), "--config", str(config_file), *GLOSSARY])
    assert result.exit_code == 0, result.output
    shutil.rmtree(bundle.parent)
    _translate_output(config_file, sample_article, "--no-glossary")
    _assert_reviewed_kept(bundle)
    shutil.rmtree(bundle.parent)
    output = _translate_output(config_file, sample_article, *GLOSSARY)
    _assert_reviewed_kept(bundle)
    [term] = _segments(bundle)["s1"]["terms"]
    assert (term["status"], term["method"]) == ("violated", "reviewed")
    violated = [i for i, s in _segments(bundle).items() if s.get("reviewed") and any(t["status"] == "violated" for t in s["terms"])]
    assert "s1" in violated and set(violated) <= set(EDITED)
    assert (
        f"warning: {sample_article.stem} [de]: {len(violated)} reviewed segment{'s' if len(violated) > 1 else ''} kept "
        f"though the glossary now reads a term violated ({', '.join(violated)}); see 'terms' in segments.json"
    ) in output.splitlines()


@pytest.mark.slow
def test_a_reviewed_segment_whose_source_changed_is_reported_and_kept_as_a_suggestion(config_file, sample_article, tmp_path):
    bundle = tmp_path / "out" / sample_article.stem / "de"
    _translate(config_file, sample_article)
    _review(config_file, bundle, tmp_path)
    old = _segments(bundle)["s3"]["source"]
    text = sample_article.read_text(encoding="utf-8")
    assert old.endswith(".") and text.count(old) == 1
    sample_article.write_text(text.replace(old, old[:-1] + ", officials said."), encoding="utf-8")
    output = _translate_output(config_file, sample_article)
    assert (
        f"warning: {sample_article.stem} [de]: the source of 1 reviewed segment changed (s3): "
        "translated again, the reviewed text kept as a suggestion"
    ) in output.splitlines()
    s3 = _segments(bundle)["s3"]
    assert "reviewed" not in s3 and s3["target"] != EDITED["s3"]
    assert s3["suggestion"] == {"source": old, "target": EDITED["s3"]}
    assert f"suggestion: {EDITED['s3']} (reviewed for the earlier source: {old})" in (bundle / "article.xlf").read_text(encoding="utf-8")
    assert _segments(bundle)["s1"]["reviewed"] is True  # the unchanged one is kept as it was
    _translate(config_file, sample_article, "--force", "--no-tm")
    assert _segments(bundle)["s3"]["suggestion"] == {"source": old, "target": EDITED["s3"]}  # until someone reviews it


@pytest.mark.slow
def test_a_save_made_while_translate_force_runs_is_kept(config_file, sample_article, tmp_path, monkeypatch):
    """Issue 27: a save during `translate --force --no-tm` answered 200 and was gone from the
    bundle. The run writes under the bundle's lock, with the reviewed segments as they are then."""
    from newsl10n import pipeline
    from newsl10n.bundle.segments import entry_version
    from helpers import translate_run
    from newsl10n.server.workspace import Workspace

    bundle = tmp_path / "out" / sample_article.stem / "de"
    _translate(config_file, sample_article)
    workspace = Workspace(tmp_path / "out", memory=tmp_path / "out" / ".newsl10n-tm.sqlite")
    finish = pipeline._BundleWriter.finish

    def save_then_finish(self, outcome):  # a person saves while the model translates
        s4 = _segments(bundle)["s4"]
        workspace.save(f"{sample_article.stem}/de", "s4", "Während des Laufs gespeichert.", entry_version(s4["target"], False), origin="editor")
        finish(self, outcome)

    monkeypatch.setattr(pipeline._BundleWriter, "finish", save_then_finish)
    translate_run(config_file, [sample_article], ["de"], resume=False, use_tm=False)
    s4 = _segments(bundle)["s4"]
    assert (s4["target"], s4["reviewed"]) == ("Während des Laufs gespeichert.", True)
    with TranslationMemory(tmp_path / "out" / ".newsl10n-tm.sqlite") as memory:
        assert {e.target for e in memory.entries(reviewed_only=True)} == {"Während des Laufs gespeichert."}
