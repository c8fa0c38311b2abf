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
