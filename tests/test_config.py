from pathlib import Path

import pytest

from newsl10n.config import load_config, parse_config
from newsl10n.errors import ConfigError
from newsl10n.yamlio import load_yaml

from conftest import ROOT


def test_shipped_pipeline_yaml_is_valid():
    config = load_config(ROOT / "pipeline.yaml")
    assert set(config.locales) == {"de", "fr", "es", "ru", "ar"}
    assert config.locales["ar"].target_token == ">>ara<<"
    assert config.locales["de"].model == "Helsinki-NLP/opus-mt-en-de"
    assert (config.out, config.catalogs, config.glossaries) == (ROOT / "out", ROOT / "locales", (ROOT / "glossaries",))


def test_paths_are_resolved_once_against_the_files_folder(tmp_path, monkeypatch):
    """Every relative path of pipeline.yaml is made absolute when it is loaded, relative to its
    folder whatever the current one; a hub id stays one; the default glossary folder may still be
    absent while one the file names may not (glossary_paths)."""
    from newsl10n.terms.files import glossary_paths

    site = tmp_path / "site"
    (site / "models" / "en-de").mkdir(parents=True)
    (site / "pipeline.yaml").write_text(
        "out: build\ncatalogs: ui\nctranslate2: {models_cache: cache/ct2}\ntm: {path: mem.sqlite}\n"
        "locales: {de: {model: models/en-de}, fr: {model: Helsinki-NLP/opus-mt-en-fr}}\n"
        "qe: {back_models: {de: models/en-de}}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    config = load_config(Path("site/pipeline.yaml"))
    assert config.out == site / "build" and config.catalogs == site / "ui"
    assert config.ctranslate2.models_cache == site / "cache" / "ct2" and config.tm.path == site / "mem.sqlite"
    assert config.locales["de"].model == str(site / "models" / "en-de") == config.qe.back_models["de"]
    assert config.locales["fr"].model == "Helsinki-NLP/opus-mt-en-fr"
    assert glossary_paths(config) == []  # the default folder, absent: no glossary
    (site / "pipeline.yaml").write_text("glossaries: [terms]\n", encoding="utf-8")
    assert glossary_paths(load_config(site / "pipeline.yaml")) == [site / "terms"]  # named: must exist
    monkeypatch.chdir(site)
    assert load_config(None).out == site / "out"  # ./pipeline.yaml


def test_norwegian_locale_key_stays_a_string():
    data = load_yaml("locales:\n  no: {model: x}\nflag: yes\nreal: true\n", source="p.yaml")
    assert list(data["locales"]) == ["no"]
    assert data["flag"] == "yes" and data["real"] is True


@pytest.mark.parametrize(
    "yaml_text, message",
    [
        ("decoding: {beam_size: 0}", "p.yaml: decoding.beam_size: Input should be greater than or equal to 1"),
        ("engine: marian-cpp", "p.yaml: engine: unknown engine 'marian-cpp': choose one of transformers, ctranslate2, "
         "an engine registered under newsl10n.engines, or a class as module:Class"),
        ("engine: 'not a:class'", "p.yaml: engine: unknown engine 'not a:class': choose one of transformers, "
         "ctranslate2, an engine registered under newsl10n.engines, or a class as module:Class"),
        ("decodng: {}", "p.yaml: decodng: unknown key"),
        ("locales: {xx: {model: m}}", "p.yaml: locales: unknown locale code 'xx' (use a CLDR code such as de, fr, pt-BR)"),
        ("locales: {de: {modell: m}}", "p.yaml: locales.de.model: Field required (and 1 more problem)"),
        ("- a list", "p.yaml: expected a mapping of settings, got list"),
    ],
)
def test_config_errors_name_the_key(tmp_path, yaml_text, message):
    with pytest.raises(ConfigError) as err:
        parse_config(load_yaml(yaml_text, source="p.yaml"), source="p.yaml")
    assert str(err.value) == message


def test_malformed_yaml_names_file_and_line(tmp_path):
    path = tmp_path / "pipeline.yaml"
    path.write_text("source_lang: en\nlocales:\n  de: {model: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}:4: malformed YAML")
