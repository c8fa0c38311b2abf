"""End to end through the real from_pretrained path, with the tiny random models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsl10n.errors import ModelNotAvailable
from newsl10n.translate import base as translate_base
from helpers import translate_run

BUNDLE_FILES = {"article.txt", "article.html", "segments.json", "manifest.json", "article.xlf", "review.html"}


@pytest.fixture
def run(config_file, sample_article, tmp_path):
    def _run(locales=("de", "ar"), **options):
        return translate_run(config_file, [sample_article], locales, **options)

    return _run


def read_bundle(path: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in path.iterdir()}


def test_bundle_layout_and_json_files(run, tmp_path, sample_article):
    result = run()
    out = tmp_path / "out" / "new-start-dialogue"
    assert sorted(p.name for p in out.iterdir()) == ["ar", "de"]
    for locale in ("de", "ar"):
        files = read_bundle(out / locale)
        assert set(files) == BUNDLE_FILES
        segments = json.loads(files["segments.json"])["segments"]
        assert len(segments) == 18
        assert [s["id"] for s in segments] == [f"s{i}" for i in range(1, 19)]
        assert set(segments[0]) == {"id", "block", "kind", "source", "target", "terms", "corrections", "confidence"}
        assert segments[0]["terms"] == [] and segments[0]["corrections"] == []  # no glossary here
        assert segments[0]["kind"] == "headline" and segments[0]["block"] == 1
        assert all(s["target"] for s in segments)
        manifest = json.loads(files["manifest.json"])
        assert manifest["locale"] == locale
        assert manifest["format_version"] == 2
        engine = manifest["engine"]  # the engine's description, one object
        assert engine["engine"] == "ctranslate2"  # the default
        assert engine["model_revision"].startswith("sha256:")
        assert engine["decoding"]["beam_size"] == 1
        assert manifest["segments"] == 18
        import hashlib

        assert manifest["source_sha256"] == hashlib.sha256(sample_article.read_bytes()).hexdigest()
        assert {"load_s", "translate_s"} <= set(manifest["timings"])
        assert manifest["glossary_hash"] is None and manifest["term_compliance"] is None
    assert len(result.bundles) == 2


def test_article_txt_keeps_block_layout(run, tmp_path, sample_article):
    run(["de"])
    source_lines = sample_article.read_text(encoding="utf-8").split("\n")
    target = (tmp_path / "out/new-start-dialogue/de/article.txt").read_text(encoding="utf-8")
    target_lines = target.split("\n")
    assert len(target_lines) == len(source_lines)
    for src, tgt in zip(source_lines, target_lines):
        assert bool(src.strip()) == bool(tgt.strip())  # blank lines stay blank, text stays text
    # UI lines and the section label are not sent to the model
    assert target_lines[0] == "World News"
    assert target_lines[-1] == "Go to top button"
    segments = json.loads((tmp_path / "out/new-start-dialogue/de/segments.json").read_text())["segments"]
    for seg in segments:
        assert seg["target"] in target


def test_each_segment_translated_exactly_once(run, monkeypatch):
    calls: list[str] = []
    real = translate_base.make_translator

    def counting(spec):
        translator = real(spec)
        original = translator.translate

        def translate(sources, progress=None, constraints=None):
            calls.extend(sources)
            return original(sources, progress, constraints)

        translator.translate = translate
        return translator

    monkeypatch.setattr("newsl10n.pipeline.make_translator", counting)
    run(["de"])
    assert len(calls) == 18 and len(set(calls)) == 18
    assert "World News" not in calls and "Leave a comment" not in calls


def test_arabic_page_is_rtl_and_escaped(run, tmp_path):
    run()
    ar = (tmp_path / "out/new-start-dialogue/ar/article.html").read_text(encoding="utf-8")
    de = (tmp_path / "out/new-start-dialogue/de/article.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in ar
    assert '<html lang="de" dir="ltr">' in de
    article = ar.split("<article>")[1].split("</article>")[0]  # the page chrome has h2s too
    assert "<h1>" in article and article.count("<h2>") == 4


def test_model_override(run, tiny_models, tmp_path):
    result = run(["de"], overrides={"de": str(tiny_models["ar"])})
    manifest = json.loads((result.bundles[0].path / "manifest.json").read_text())
    assert manifest["engine"]["model"] == str(tiny_models["ar"])


def test_missing_model_writes_nothing(run, tmp_path):
    with pytest.raises(ModelNotAvailable) as err:
        run(["de", "ar"], overrides={"ar": str(tmp_path / "nope")})
    assert "does not exist" in str(err.value)
    assert not (tmp_path / "out").exists()


def test_failure_mid_locale_keeps_previous_bundle(run, tmp_path, monkeypatch):
    run(["de"])
    bundle = tmp_path / "out/new-start-dialogue/de"
    before = read_bundle(bundle)

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("newsl10n.bundle.build.render_html_chunks", explode)
    with pytest.raises(RuntimeError):
        run(["de"])
    assert read_bundle(bundle) == before
    leftovers = [p.name for p in bundle.parent.iterdir() if p.name != "de"]
    assert leftovers == []
