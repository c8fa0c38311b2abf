"""The vocabulary shortlist (``newsl10n models shortlist``, ``ctranslate2.use_vmap``) and the
adaptive beam (``decoding.adaptive_beam``), on the trained en->en copy model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsl10n.cli import app
from newsl10n.config import CT2Settings, DecodingSettings
from newsl10n.errors import ModelNotAvailable
from newsl10n.model import TermConstraint
from newsl10n.translate.ct2 import CT2Translator
from newsl10n.translate.shortlist import Shortlist
from newsl10n.translate.spec import EngineSpec

runner = CliRunner()
CORPUS = [
    "The minister met the delegation in Geneva on Tuesday.",
    "Talks on the ceasefire will resume next week, officials said.",
    "The foreign ministry confirmed the meeting in a short statement.",
]
HELD_OUT = [
    "Officials said the delegation would travel to Vienna.",
    "A statement from the ministry is expected on Friday 12 May.",
]


def spec(model: Path, cache: Path, *, vmap: bool = False, beam: int = 2, **decoding) -> EngineSpec:
    return EngineSpec(
        "ctranslate2", str(model), "en", "de",
        DecodingSettings(beam_size=beam, batch_size=4, max_length=96, **decoding),
        ct2=CT2Settings(models_cache=cache, use_vmap=vmap),
    )  # fmt: skip


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ct2-cache")


@pytest.fixture(scope="module")
def shortlisted(copy_model, cache, tmp_path_factory) -> Path:
    """The copy model's converted folder, with a shortlist built from CORPUS by the CLI."""
    work = tmp_path_factory.mktemp("shortlist")
    (work / "corpus.txt").write_text("\n".join(CORPUS) + "\n", encoding="utf-8")
    config = f"ctranslate2: {{models_cache: '{cache}'}}\nglossaries: []\n"
    (work / "pipeline.yaml").write_text(config, encoding="utf-8")
    result = runner.invoke(
        app, ["models", "shortlist", str(copy_model), "--corpus", str(work / "corpus.txt"),
              "--top", "50", "--config", str(work / "pipeline.yaml")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "vmap.txt" in result.output and "clear it" in result.output
    return CT2Translator.load(spec(copy_model, cache)).model.path


@pytest.mark.slow
@pytest.mark.parametrize("beam", [1, 4])
def test_copy_model_outputs_are_unchanged_with_the_shortlist(copy_model, cache, shortlisted, beam):
    lines = (shortlisted / "vmap.txt").read_text(encoding="utf-8").splitlines()
    always = lines[0].split("\t")
    assert always[0] == "" and len(always[1].split()) <= 50 + 10  # the top 50, and nothing else here
    plain = CT2Translator.load(spec(copy_model, cache, beam=beam)).translate(CORPUS + HELD_OUT)
    fast = CT2Translator.load(spec(copy_model, cache, vmap=True, beam=beam)).translate(CORPUS + HELD_OUT)
    assert [t.text for t in fast] == [t.text for t in plain]
    assert [t.text for t in plain[:2]] == CORPUS[:2]  # the copy model copies


@pytest.mark.slow
def test_a_map_that_leaves_out_the_pieces_changes_the_output(copy_model, cache, shortlisted, tmp_path):
    """The control: CTranslate2 really decodes over the map (a map allowing only a few pieces)."""
    folder = tmp_path / "model"
    folder.mkdir()
    for path in shortlisted.iterdir():
        (folder / path.name).symlink_to(path)
    (folder / "vmap.txt").unlink()
    (folder / "vmap.txt").write_text("\t\u2581the \u2581The .\n", encoding="utf-8")
    out = CT2Translator.load(spec(folder, cache, vmap=True)).translate(CORPUS[:1])
    assert out[0].text != CORPUS[0] and set(out[0].text.replace(".", " ").split()) <= {"the", "The"}


@pytest.mark.slow
def test_use_vmap_without_a_shortlist_is_a_one_line_error(copy_model, tmp_path):
    with pytest.raises(ModelNotAvailable, match="use_vmap is on but .* has no vmap.txt .*models shortlist"):
        CT2Translator.load(spec(copy_model, tmp_path / "empty-cache", vmap=True))


def test_shortlist_lines_and_candidates():
    shortlist = Shortlist(always={"\u2581the"})
    shortlist.add(["\u2581talks", "\u2581on"], ["\u2581Gespräche", "\u2581über", "</s>"])
    shortlist.add(["\u2581on"], ["\u2581auf"])
    assert shortlist.lines() == [
        "\t\u2581the",
        "\u2581on\t\u2581Gespräche \u2581auf \u2581über",
        "\u2581talks\t\u2581Gespräche \u2581über",
    ]
    assert shortlist.candidates(["\u2581talks"]) == {"\u2581the", "\u2581Gespräche", "\u2581über"}


def test_shortlist_cli_refuses_an_empty_corpus(tmp_path):
    (tmp_path / "empty.txt").write_text("\n\n", encoding="utf-8")
    result = runner.invoke(app, ["models", "shortlist", str(tmp_path), "--corpus", str(tmp_path / "empty.txt")])
    assert result.exit_code == 2 and "empty.txt: no text to translate" in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.slow
def test_adaptive_beam_redoes_only_low_scored_or_term_missing_segments(copy_model, cache):
    sources = CORPUS + HELD_OUT
    greedy = CT2Translator.load(spec(copy_model, cache, beam=1)).translate(sources)
    beam = CT2Translator.load(spec(copy_model, cache, beam=4)).translate(sources)
    never = CT2Translator.load(spec(copy_model, cache, beam=4, adaptive_beam=True, adaptive_threshold=-1e9))
    assert [t.text for t in never.translate(sources)] == [t.text for t in greedy] and never.beam_redone == 0
    always = CT2Translator.load(spec(copy_model, cache, beam=4, adaptive_beam=True, adaptive_threshold=0.0))
    assert [t.text for t in always.translate(sources)] == [t.text for t in beam]
    assert always.beam_redone == len(sources)
    # A segment whose greedy output lacks its term goes to the beam, whatever its score.
    term = TermConstraint(id="t1", forms=("truce",))
    terms = CT2Translator.load(spec(copy_model, cache, beam=4, adaptive_beam=True, adaptive_threshold=-1e9))
    out = terms.translate(sources, constraints=[(), (term,), (), (), ()])
    assert terms.beam_redone == 1 and "truce" in out[1].text


class FakeEngine:
    """Source pieces are the words; the "translation" of a word is its upper case."""

    vocab = frozenset({"a", "b", "c", "A", "B", "C", "T", ">>x<<", "</s>"})

    def encode(self, sources):
        return [[">>x<<", *s.split(), "</s>"] for s in sources]

    def target_pieces(self, text):
        return text.split()

    def decode_tokens(self, tokens):
        return [[p.upper() for p in row if p not in (">>x<<", "</s>")] + ["</s>"] for row in tokens]


def test_build_shortlist_maps_pieces_to_their_translations_top_pieces_and_terms():
    from newsl10n.translate.shortlist import build_shortlist

    shortlist = build_shortlist(FakeEngine(), ["a b", "a c", "", "a"], terms=["T"], top=1, unkeyed=[">>x<<"])
    assert shortlist.always == {"A", "T"}  # the most frequent target piece, and the term's
    assert shortlist.by_source["b"] == {"A", "B", "b"}  # its translations' pieces, and itself
    assert shortlist.by_source["a"] == {"A", "B", "C", "a"}
    assert shortlist.by_source["C"] == {"C"}  # a piece the corpus never showed: itself only
    assert ">>x<<" not in shortlist.by_source and "</s>" not in shortlist.by_source
    assert shortlist.candidates([">>x<<", "b", "</s>"]) == {"A", "T", "B", "b"}


def test_a_use_vmap_bundle_is_current_on_a_second_run_and_its_review_is_found(tmp_path, tiny_models, sample_article):
    """Issue 25: use_vmap was written in the manifest and dropped when read back, so a shortlist
    bundle was never current (resume translated it on every run) and a post-edit was stored
    under a key the next use_vmap run never looks up."""
    from newsl10n.bundle.reader import read_manifest
    from newsl10n.tm.store import TranslationMemory

    from helpers import translate_run
    from test_xliff import edit_like_a_translator

    config = tmp_path / "pipeline.yaml"
    config.write_text(
        f"out: {tmp_path / 'out'}\ndecoding: {{beam_size: 1, batch_size: 8, max_length: 64}}\n"
        f"ctranslate2: {{models_cache: '{tmp_path / 'ct2'}', use_vmap: true}}\n"
        f"locales: {{de: {{model: '{tiny_models['de']}'}}}}\nglossaries: []\n",
        encoding="utf-8",
    )
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(sample_article.read_text(encoding="utf-8"), encoding="utf-8")
    built = runner.invoke(app, ["models", "shortlist", str(tiny_models["de"]), "--corpus", str(corpus), "--config", str(config)])
    assert built.exit_code == 0, built.output
    first = translate_run(config, [sample_article], ["de"], resume=True)
    bundle = first.bundles[0].path
    assert read_manifest(bundle / "manifest.json").signature.describe()["use_vmap"] is True
    again = translate_run(config, [sample_article], ["de"], resume=True)
    assert again.bundles == [] and [b.path for b in again.skipped] == [bundle]

    xlf = tmp_path / "edited.xlf"
    shutil.copy(bundle / "article.xlf", xlf)
    edit_like_a_translator(xlf, {"s2": "Von Hand übersetzt."})
    imported = runner.invoke(app, ["import-xliff", str(xlf), "--bundle", str(bundle), "--config", str(config)])
    assert imported.exit_code == 0, imported.output
    with TranslationMemory(tmp_path / "out" / ".newsl10n-tm.sqlite") as memory:
        machine = {e.decoding for e in memory.entries("de") if not e.reviewed}
        reviewed = [e for e in memory.entries("de") if e.reviewed]
    assert len(machine) == 1 and [(e.target, e.decoding) for e in reviewed] == [("Von Hand übersetzt.", *machine)]
    shutil.rmtree(tmp_path / "out" / "new-start-dialogue")  # the bundle gone: only the memory knows the review
    later = translate_run(config, [sample_article], ["de"])
    segments = json.loads((later.bundles[0].path / "segments.json").read_text(encoding="utf-8"))["segments"]
    assert segments[1]["target"] == "Von Hand übersetzt." and segments[1]["reviewed"] is True
