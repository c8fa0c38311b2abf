"""The CLI through typer's runner: exit codes and the exact error lines."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from newsl10n.cli import app

runner = CliRunner()


@pytest.mark.slow
def test_translate_with_local_models(tmp_path, tiny_models, sample_article):
    out = tmp_path / "OUT"
    result = runner.invoke(
        app,
        [
            "translate", str(sample_article), "--to", "de,ar",
            "--model", f"de={tiny_models['de']}", "--model", f"ar={tiny_models['ar']}",
            "--out", str(out), "--config", str(tmp_path / "none.yaml"),
        ],
    )  # fmt: skip
    assert result.exit_code == 2  # the config file given does not exist
    assert result.output.strip() == f"error: {tmp_path / 'none.yaml'}: config file not found"

    result = runner.invoke(
        app,
        [
            "translate", str(sample_article), "--to", "de,ar",
            "--model", f"de={tiny_models['de']}", "--model", f"ar={tiny_models['ar']}",
            "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "new-start-dialogue/de/article.txt").is_file()
    assert (out / "new-start-dialogue/ar/article.html").is_file()
    assert "new-start-dialogue [ar]: 18 segments" in result.output


def test_missing_hub_model_is_one_line_exit_2(tmp_path, sample_article, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["translate", str(sample_article), "--to", "de", "--model", "de=Helsinki-NLP/opus-mt-en-xx", "--out", str(out)],
    )
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: model 'Helsinki-NLP/opus-mt-en-xx' for locale de could not be loaded (")
    assert lines[0].endswith(
        "connect to the network so it can be downloaded from the Hugging Face hub, "
        "or pass a local model folder with --model de=PATH"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--to", "xx"], "error: unknown locale code 'xx' (use a CLDR code such as de, fr, pt-BR)"),
        (["--to", "de", "--model", "de"], "error: --model 'de': expected LOCALE=ID_OR_PATH, e.g. de=models/en-de"),
        (["--to", "de", "--engine", "fast"], "error: --engine 'fast': choose one of transformers, ctranslate2, an engine registered under newsl10n.engines, or a class as module:Class"),
        (["--to", "de", "--model", "fr=x"], "error: --model given for fr, not among --to locales"),
        (["--to", "ko"], "error: no model for locale 'ko': add it under 'locales:' in pipeline.yaml (configured: none) or pass --model ko=ID_OR_PATH"),
    ],
)
def test_usage_errors(tmp_path, sample_article, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)  # no pipeline.yaml here: built-in defaults
    result = runner.invoke(app, ["translate", str(sample_article), *args])
    assert result.exit_code == 2
    assert result.output.strip() == message


def test_missing_article_file(tmp_path):
    result = runner.invoke(app, ["segment", str(tmp_path / "gone.txt")])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {tmp_path / 'gone.txt'}: no such file"


def test_segment_json(sample_article):
    result = runner.invoke(app, ["segment", str(sample_article), "--json"])
    assert result.exit_code == 0
    blocks = json.loads(result.output)["blocks"]
    assert [b["kind"] for b in blocks][:3] == ["section", "headline", "paragraph"]
    assert sum(len(b["segments"]) for b in blocks) == 18
    assert blocks[-1] == {"kind": "ui", "text": "Go to top button", "segments": []}


def test_segment_text_output(sample_article):
    result = runner.invoke(app, ["segment", str(sample_article)])
    assert result.exit_code == 0
    assert result.output.strip().endswith("18 segments in 16 blocks")
