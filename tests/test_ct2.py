"""The CTranslate2 engine on the tiny random models: output, batching, conversion cache, terms."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsl10n.cli import app
from newsl10n.config import CT2Settings, DecodingSettings, PipelineConfig
from newsl10n.source import read_article
from newsl10n.translate.spec import EngineSpec
from newsl10n.model import TermConstraint
from newsl10n.translate.base import make_translator
from newsl10n.translate.ct2_models import available_cores, thread_layout
from newsl10n.terms.check import contains_term
from newsl10n.translate.placement import METHODS, Hint, candidates, words
from newsl10n.translate.models import is_ct2_folder
from newsl10n.translate.models import folder_hash

runner = CliRunner()
TOKENS = {"de": None, "ar": ">>ara<<"}


@pytest.fixture(scope="module")
def ct2_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ct2-cache")


@pytest.fixture(scope="module")
def sources(tiny_models) -> list[str]:
    from conftest import SAMPLE

    return [s.text for s in read_article(SAMPLE, PipelineConfig()).article.segments]


def make_spec(engine, model, locale, cache, *, quantization="int8", beam=2, batch=4, max_length=96):
    return EngineSpec(
        engine=engine,
        model=str(model),
        source_lang="en",
        target_lang=locale,
        decoding=DecodingSettings(beam_size=beam, batch_size=batch, max_length=max_length),
        target_token=TOKENS[locale],
        ct2=CT2Settings(quantization=quantization, models_cache=cache),
    )


@pytest.mark.parametrize("locale", ["de", "ar"])
def test_float32_output_equals_transformers_engine(tiny_models, ct2_cache, sources, locale):
    """Same model, same beam: CTranslate2 float32 gives the transformers engine's text for every
    segment. Batches are length-sorted and each batch's length limit differs, so outputs differ
    between segments and a batch put back in the wrong order would not match."""
    ct2 = make_translator(make_spec("ctranslate2", tiny_models[locale], locale, ct2_cache, quantization="float32"))
    hf = make_translator(make_spec("transformers", tiny_models[locale], locale, ct2_cache))
    ours = [t.text for t in ct2.translate(sources)]
    assert ours == [t.text for t in hf.translate(sources)]
    assert len(set(ours)) > 1 and all(ours)


@pytest.mark.parametrize("locale", ["de", "ar"])
def test_tokens_equal_marian_tokenizer(tiny_models, ct2_cache, sources, locale):
    ct2 = make_translator(make_spec("ctranslate2", tiny_models[locale], locale, ct2_cache))
    hf = make_translator(make_spec("transformers", tiny_models[locale], locale, ct2_cache))
    expected = [hf.tokenizer.convert_ids_to_tokens(ids) for ids in hf.encode(sources)]
    assert ct2.encode(sources) == expected
    assert (expected[0][0] == ">>ara<<") == (locale == "ar")
    assert all(tokens[-1] == "</s>" for tokens in expected)


def test_int8_engine_describe_and_progress(tiny_models, ct2_cache, sources):
    translator = make_translator(make_spec("ctranslate2", tiny_models["de"], "de", ct2_cache, batch=5))
    done: list[int] = []
    outputs = translator.translate(sources, progress=done.append)
    assert len(outputs) == len(sources) and all(o.text and not o.forced and not o.method for o in outputs)
    assert done == [5, 5, 5, 3]
    info = translator.describe()
    assert info["engine"] == "ctranslate2" and info["quantization"] == "int8"
    assert info["model_revision"] == folder_hash(tiny_models["de"])


def test_conversion_is_cached_by_content(tiny_models, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = make_translator(make_spec("ctranslate2", tiny_models["de"], "de", cache))
    folders = sorted(p.name for p in cache.iterdir() if p.is_dir())
    assert len(folders) == 1 and first.model.path == cache / folders[0]

    def no_conversion(*args, **kwargs):
        raise AssertionError("converted again")

    monkeypatch.setattr("ctranslate2.converters.TransformersConverter", no_conversion)
    again = make_translator(make_spec("ctranslate2", tiny_models["de"], "de", cache))
    assert again.model == first.model
    monkeypatch.undo()

    changed = tmp_path / "changed"
    shutil.copytree(tiny_models["de"], changed)
    (changed / "README.md").write_text("another revision\n", encoding="utf-8")
    other = make_translator(make_spec("ctranslate2", changed, "de", cache))
    assert other.model.path != first.model.path
    assert other.model.revision == folder_hash(changed)
    assert len([p for p in cache.iterdir() if p.is_dir()]) == 2


def test_models_convert_cli_and_converted_folder_as_model(tiny_models, tmp_path, sample_article):
    out = tmp_path / "ct2-de"
    model = str(tiny_models["de"])
    result = runner.invoke(app, ["models", "convert", model, "--out", str(out), "--config", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2  # the config file does not exist
    config = tmp_path / "pipeline.yaml"
    config.write_text("decoding: {beam_size: 1, max_length: 32}\n", encoding="utf-8")
    result = runner.invoke(app, ["models", "convert", model, "--out", str(out), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{model} ({folder_hash(tiny_models['de'])}) -> {out} [int8]"
    assert is_ct2_folder(out)
    result = runner.invoke(app, ["models", "convert", model, "--out", str(out), "--config", str(config)])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: --out {out}: folder exists and is not empty"
    result = runner.invoke(app, ["models", "convert", model, "-q", "int4", "--config", str(config)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: --quantization 'int4': choose one of int8, int8_float32, int16, float16, float32"
    )
    bundles = tmp_path / "bundles"
    result = runner.invoke(
        app,
        ["translate", str(sample_article), "--to", "de", "--engine", "ctranslate2", "--model", f"de={out}",
         "--out", str(bundles), "--config", str(config), "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    manifest = json.loads((bundles / "new-start-dialogue/de/manifest.json").read_text(encoding="utf-8"))
    engine = manifest["engine"]
    assert engine["engine"] == "ctranslate2" and engine["model"] == str(out)
    assert engine["model_revision"] == folder_hash(out)


def first_words(text: str, count: int) -> list[str]:
    return [w for w in dict.fromkeys(text.split()) if w.isalpha() or (w.isalnum() and not w.isdigit())][:count]


@pytest.mark.parametrize(
    "locale, terms",
    [
        ("de", ["Europakommando", "Sondergesandte", "Erklärung", "Dialogs"]),
        ("ar", ["القيادة", "المبعوث", "بيانا"]),
    ],
)
@pytest.mark.parametrize("beam", [1, 4])
def test_terms_enforced_on_every_segment(tiny_models, ct2_cache, sources, locale, terms, beam):
    translator = make_translator(make_spec("ctranslate2", tiny_models[locale], locale, ct2_cache, beam=beam))
    plain = [t.text for t in translator.translate(sources)]
    # words the model writes unaided in a segment (a random model may repeat one word throughout)
    k = next((i for i in range(1, len(plain)) if len(first_words(plain[i], 2)) == 2), None)
    if k is None:
        pytest.skip("this random model writes a single word throughout at this beam")
    natural = first_words(plain[k], 2)
    assert len(natural) == 2
    constraints = []
    for i in range(len(sources)):
        wanted = [TermConstraint(f"t{j}", (term,)) for j, term in enumerate(terms[: i % (len(terms) + 1)])]
        constraints.append(wanted)
    constraints[0] = [TermConstraint("swap", (terms[0],), forbidden=(natural[1],))]
    constraints[k].append(TermConstraint("kept", (natural[0],)))
    outputs = translator.translate(sources, constraints=constraints)
    for i, (out, wanted) in enumerate(zip(outputs, constraints)):
        assert all(contains_term(out.text, c) for c in wanted), (i, out)
        assert out.forced == tuple(c.id for c in wanted if c.id != "kept"), (i, out)
        assert out.method == ("" if not out.forced else out.method)
        assert out.method in (tuple(f"ct2+{m}" for m in METHODS) if wanted and out.forced else ("",))
    assert natural[1] not in outputs[0].text.split()
    assert sum(len(c) for c in constraints) >= len(sources)


@pytest.mark.parametrize("beam", [1, 4])
def test_forbidden_variant_the_model_writes_is_suppressed_only_in_its_segment(tiny_models, ct2_cache, sources, beam):
    translator = make_translator(make_spec("ctranslate2", tiny_models["de"], "de", ct2_cache, beam=beam))
    plain = [t.text for t in translator.translate(sources)]
    kept, banned = first_words(plain[1], 2)  # both written unaided in segment 1
    constraints = [[] for _ in sources]
    constraints[1] = [TermConstraint("t", (kept,), forbidden=(banned,))]
    outputs = translator.translate(sources, constraints=constraints)
    assert banned not in outputs[1].text.split()
    assert contains_term(outputs[1].text, constraints[1][0])
    others = [i for i in range(len(sources)) if i != 1]
    assert [outputs[i].text for i in others] == [plain[i] for i in others]


def test_missing_term_takes_the_place_of_the_words_aligned_to_its_source(tiny_models, ct2_cache):
    translator = make_translator(make_spec("ctranslate2", tiny_models["de"], "de", ct2_cache))
    source = "Talks in Abu Dhabi ended."
    term = TermConstraint("abu-dhabi", ("Abu Dhabi",), source_span=(9, 18))
    first, last = translator._source_pieces(source, term.source_span)
    width = len(translator.encode([source])[0])
    assert 0 < first < last < width
    output = ["▁Die", "▁Treffen", "▁in", "▁Abu", "▁Dab", "i", "▁endeten", "."]
    alignment = [first if j in (3, 5) else 0 for j in range(len(output))]  # "i" is glued to "▁Dab"
    span = translator._aligned_span(source, output, alignment, term)
    assert span == (3, 6)
    text = translator.decode_pieces(output)
    hint = Hint(*(len(words(translator.decode_pieces(output[:end]))) for end in span))
    assert hint == Hint(3, 5) and text == "Die Treffen in Abu Dabi endeten."
    near = [c.text for c in candidates(text, "Abu Dhabi", 2, hint)]
    assert "Die Treffen in Abu Dhabi endeten." in near  # the model's words for the term, replaced
    assert not any(c.endswith(".Abu Dhabi") or c.endswith(". Abu Dhabi") for c in near)  # never after the end


def test_scattered_or_missing_attention_gives_no_span(tiny_models, ct2_cache):
    translator = make_translator(make_spec("ctranslate2", tiny_models["de"], "de", ct2_cache))
    source = "Talks in Abu Dhabi ended."
    term = TermConstraint("abu-dhabi", ("Abu Dhabi",), source_span=(9, 18))
    first, _ = translator._source_pieces(source, term.source_span)
    output = ["▁a", "▁b", "▁c", "▁d", "▁e", "▁f", "▁g", "▁h", "▁i", "▁j", "▁k", "▁l"]
    scattered = [first if j in (0, 11) else 0 for j in range(len(output))]
    assert translator._aligned_span(source, output, scattered, term) is None
    nowhere = [0 for _ in output]
    assert translator._aligned_span(source, output, nowhere, term) is None
    assert translator._aligned_span(source, output, None, term) is None
    no_span = TermConstraint("abu-dhabi", ("Abu Dhabi",))
    assert translator._aligned_span(source, output, scattered, no_span) is None


@pytest.mark.parametrize(
    "threads, replicas, beam, expected",
    [
        (0, 0, 1, (2, 1)),  # greedy: a single-threaded replica per core
        (0, 0, 4, (1, 2)),  # beam search: one replica on every core
        (1, 0, 1, (2, 1)),
        (2, 0, 1, (1, 2)),
        (1, 0, 4, (1, 1)),
        (0, 2, 4, (2, 1)),
        (3, 2, 4, (2, 3)),  # both given: as given
    ],
)
def test_thread_layout_on_two_cores(threads, replicas, beam, expected):
    assert thread_layout(threads, replicas, beam, cores=2) == expected


def test_greedy_engine_splits_rows_across_its_replicas(tiny_models, ct2_cache, sources):
    spec = make_spec("ctranslate2", tiny_models["de"], "de", ct2_cache, beam=1, batch=16)
    translator = make_translator(replace(spec, decoding=spec.decoding.model_copy(update={"threads": 1})))
    assert translator.replicas == available_cores()
    assert translator._batch_size(len(sources)) == min(16, -(-len(sources) // translator.replicas))
    sizes = []
    translator.translate(sources, progress=sizes.append)
    assert sum(sizes) == len(sources) and max(sizes) == translator._batch_size(len(sources))


def test_engine_and_report_agree_on_a_case_insensitive_term(tiny_models, ct2_cache, sources):
    """A case-insensitive entry the model wrote in another case is present for the engine (not
    forced, output unchanged) and for the report alike: one presence check serves both. (The
    engine once looked for terms case-sensitively and forced such a term a second time.)"""
    from newsl10n.model import TermHit
    from newsl10n.terms.check import check, term_report

    translator = make_translator(make_spec("ctranslate2", tiny_models["de"], "de", ct2_cache, beam=1))
    plain = translator.translate(sources)
    seg, word, other_case = next(
        (i, w, w.swapcase())
        for i, p in enumerate(plain)
        for w in dict.fromkeys(p.text.split())
        if w.isalpha() and w.swapcase() != w and "<unk>" not in translator.target_pieces(w.swapcase())
    )
    term = TermConstraint("ci", (other_case,), case_sensitive=False)
    constraints = [[] for _ in sources]
    constraints[seg] = [term]
    out = translator.translate(sources, constraints=constraints)[seg]
    assert out.forced == () and out.text == plain[seg].text
    assert check(out.text, [term])[0].status == "present"
    report = term_report([(TermHit("ci", "source", 0, 6), term)], out)
    assert [(r["status"], r["method"], r.get("found")) for r in report] == [("present", "model", word)]
    strict = TermConstraint("cs", (other_case,), case_sensitive=True)
    assert check(out.text, [strict])[0].status == "violated"
    forced = translator.translate(sources, constraints=[[strict] if i == seg else [] for i in range(len(sources))])
    assert forced[seg].forced == ("cs",)  # the same term, case-sensitive, is missing and forced


def test_pieces_the_target_spm_lacks_decode_without_the_word_marker(tiny_models, ct2_cache):
    """Issue 14 item 13: a piece in the vocabulary but not in target.spm ("▁Treffen") decodes as a
    word, never with a literal U+2581, as the transformers engine decodes it."""
    translator = make_translator(make_spec("ctranslate2", tiny_models["de"], "de", ct2_cache))
    assert "▁Treffen" not in translator.target_sp.encode("Treffen", out_type=str)
    assert translator.decode_pieces(["▁Die", "▁Treffen", "▁in", "."]) == "Die Treffen in."
