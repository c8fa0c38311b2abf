"""One engine signature: the manifest's engine fields, ``describe()`` and the translation
memory's key all come from it, so a setting that changes the output changes the key."""

from __future__ import annotations

import pytest

from newsl10n.config import CT2Settings, DecodingSettings
from newsl10n.tm.store import memory_context
from newsl10n.translate.spec import EngineSignature, EngineSpec


def spec(engine: str = "ctranslate2", **changes) -> EngineSpec:
    names = ("beam_size", "term_bias", "batch_size", "max_length", "adaptive_beam", "adaptive_threshold")
    decoding = {k: changes.pop(k) for k in names if k in changes}
    ct2 = {k: changes.pop(k) for k in ("quantization", "use_vmap") if k in changes}
    return EngineSpec(
        engine=engine,
        model=changes.pop("model", "models/en-de"),
        source_lang="en",
        target_lang="de",
        decoding=DecodingSettings(**decoding),
        target_token=changes.pop("target_token", None),
        ct2=CT2Settings(**ct2),
    )


def key(engine_spec: EngineSpec, revision: str = "r1", glossary: str = "") -> tuple[str, ...]:
    context = memory_context(EngineSignature.of(engine_spec, revision), engine_spec.target_lang, glossary)
    return (context.locale, context.model, context.glossary, context.decoding)


@pytest.mark.parametrize(
    "engine, change",
    [
        ("transformers", {"term_bias": 2.0}),
        ("transformers", {"beam_size": 1}),
        ("ctranslate2", {"beam_size": 1}),
        ("ctranslate2", {"quantization": "float32"}),
        ("ctranslate2", {"use_vmap": True}),
        ("ctranslate2", {"adaptive_beam": True}),
        ("ctranslate2", {"adaptive_beam": True, "adaptive_threshold": -0.2}),
        ("ctranslate2", {"target_token": ">>ara<<"}),
        ("ctranslate2", {"model": "models/other"}),
        ("transformers", {"max_length": 256}),
    ],
)
def test_a_setting_that_changes_output_changes_the_memory_key(engine, change):
    assert key(spec(engine, **change)) != key(spec(engine))


def test_revision_and_glossary_change_the_key():
    assert key(spec(), revision="r2") != key(spec())
    assert key(spec(), glossary="sha256:abc") != key(spec())


def test_batch_size_is_described_but_does_not_change_the_key():
    assert key(spec(batch_size=64)) == key(spec())
    assert EngineSignature.of(spec(batch_size=64), "r1").describe() != EngineSignature.of(spec(), "r1").describe()


def test_the_manifest_description_gives_back_the_same_signature():
    opt_in = spec("ctranslate2", use_vmap=True, adaptive_beam=True, adaptive_threshold=-0.3)
    for engine_spec in (spec("transformers", term_bias=1.5), spec("ctranslate2", quantization="int16"), opt_in):
        signature = EngineSignature.of(engine_spec, "r9")
        assert EngineSignature.from_description(signature.describe()) == signature


def test_descriptions_are_what_manifests_always_held():
    assert EngineSignature.of(spec("ctranslate2"), "r1").describe() == {
        "engine": "ctranslate2",
        "model": "models/en-de",
        "model_revision": "r1",
        "target_token": None,
        "decoding": {"beam_size": 4, "batch_size": 16, "max_length": 512},
        "quantization": "int8",
    }
    described = EngineSignature.of(spec("transformers", term_bias=0.5), "r1").describe()
    assert described["decoding"] == {"beam_size": 4, "batch_size": 16, "max_length": 512, "term_bias": 0.5}
    assert "quantization" not in described


def test_opt_in_settings_are_described_only_when_set():
    described = EngineSignature.of(spec("ctranslate2", use_vmap=True, adaptive_beam=True), "r1").describe()
    assert described["use_vmap"] is True
    assert described["decoding"]["adaptive_beam"] is True and "adaptive_threshold" not in described["decoding"]
