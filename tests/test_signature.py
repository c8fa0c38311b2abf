"""One engine signature: the manifest's engine object, ``describe()`` and the translation
memory's key all come from it, so a setting that changes the output changes the key, and what a
manifest records reads back as the signature the run had, for any engine."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest

from newsl10n.bundle.manifest import Manifest
from newsl10n.bundle.reader import bundle_is_current, load_bundle, read_manifest
from newsl10n.config import CT2Settings, DecodingSettings
from newsl10n.engines import ENGINES, Engine
from newsl10n.errors import InputError
from newsl10n.tm.store import memory_context
from newsl10n.translate.spec import EngineSignature, EngineSpec

FIXTURE = Path(__file__).parent / "fixtures" / "bundle-format-1"


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


OFF_DEFAULT = {"adaptive_beam": True, "adaptive_threshold": -0.3, "use_vmap": True, "term_bias": 1.5,
               "quantization": "int16", "beam_size": 2, "max_length": 128}  # fmt: skip


def through_a_manifest(signature: EngineSignature) -> EngineSignature:
    """Write the signature into a manifest as a run does, and read it back from the JSON text."""
    manifest = Manifest(article="a", locale="de", engine=signature.describe(), tm={"hits": 1, "misses": 0})
    text = json.dumps(manifest.to_json())
    return Manifest.from_json(json.loads(text), source="manifest.json").signature


def cases(engine: Engine) -> list[dict[str, object]]:
    """No setting changed, each opt-in key off its default alone, and every setting changed."""
    return [{}, *({k: OFF_DEFAULT[k]} for k in sorted(engine.opt_in_keys)), dict(OFF_DEFAULT)]


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_every_engine_and_opt_in_key_round_trips_through_the_manifest(name):
    for changes in cases(ENGINES[name]):
        signature = EngineSignature.of(spec(name, **changes), "r9")
        assert EngineSignature.from_description(signature.describe()) == signature
        assert through_a_manifest(signature) == signature, changes


@pytest.fixture
def outside(monkeypatch) -> Engine:
    """An engine registered at run time (as one from outside the package is), with decoding
    keys and opt-in keys of its own choosing, one of them a setting newsl10n does not have."""
    record = Engine(
        "outside", "somewhere:Engine", decoding_keys=("term_bias", "adaptive_beam", "temperature"),
        ct2_keys=("use_vmap", "quantization"), opt_in_keys=frozenset({"adaptive_beam", "use_vmap"}),
    )  # fmt: skip
    monkeypatch.setitem(ENGINES, "outside", record)
    return record


def test_an_engine_from_outside_the_package_round_trips(outside):
    for changes in cases(outside):
        signature = EngineSignature.of(spec("outside", **changes), "r1")
        assert through_a_manifest(signature) == signature, changes
    described = EngineSignature.of(spec("outside", use_vmap=True, adaptive_beam=True), "r1").describe()
    assert described["use_vmap"] is True and described["quantization"] == "int8"
    assert described["decoding"] == {"beam_size": 4, "batch_size": 16, "max_length": 512, "term_bias": 0.0,
                                     "adaptive_beam": True}  # fmt: skip
    plain = EngineSignature.of(spec("outside"), "r1")
    assert "use_vmap" not in plain.describe() and key(spec("outside", use_vmap=True)) != key(spec("outside"))


def test_a_manifest_of_an_unregistered_engine_reads_back_whole():
    """An engine no longer installed: its description is still the signature it had."""
    described = {"engine": "gone", "model": "m", "model_revision": "r", "target_token": None,
                 "decoding": {"beam_size": 1, "temperature": 0.7}, "style": "formal"}  # fmt: skip
    signature = Manifest.from_json({"format_version": 2, "article": "a", "locale": "de", "engine": described},
                                   source="m.json").signature  # fmt: skip
    assert signature.describe() == described
    assert json.loads(signature.settings_key) == {"engine": "gone", "beam_size": 1, "temperature": 0.7, "style": "formal"}


def test_no_key_list_of_the_signature_outside_the_signature_type():
    """The description's keys are named in translate/spec.py (and engines.py) only: a module
    that lists them again would drift from it (bundle/manifest.py's and cli/score.py's did)."""
    src = Path(__file__).resolve().parents[1] / "src" / "newsl10n"
    owners = {src / "translate" / "spec.py", src / "engines.py"}
    listed = []
    for path in sorted(src.rglob("*.py")):
        if path in owners:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                names = {e.value for e in node.elts if isinstance(e, ast.Constant)}
                if {"model_revision", "use_vmap", "quantization"} & names:
                    listed.append(f"{path.relative_to(src)}:{node.lineno}")
    assert listed == []


# --- bundles written before the format version --------------------------------------------------


def test_a_bundle_of_format_1_still_reads_with_the_signature_it_was_made_with(tmp_path):
    bundle = load_bundle(FIXTURE / "v1-article" / "de")
    manifest = bundle.manifest
    made = EngineSpec("ctranslate2", "/models/en-de", "en", "de", DecodingSettings(beam_size=2), ct2=CT2Settings(use_vmap=True))
    assert manifest.signature == EngineSignature.of(made, "0123456789ab")  # use_vmap kept
    assert manifest.tm == {"hits": 1, "misses": 2} and manifest.extra == {}
    assert [s.id for s in bundle.segments] == ["s1", "s2", "s3"] and bundle.segments[0].reviewed is True
    copy = tmp_path / "v1-article" / "de"
    shutil.copytree(FIXTURE / "v1-article" / "de", copy)
    assert bundle_is_current(copy, manifest.source_sha256, EngineSignature.of(made, "0123456789ab"), manifest.glossary_hash)
    written = manifest.to_json()  # what a post-edit writes back: format 2, the same values
    assert written["format_version"] == 2 and written["engine"] == manifest.signature.describe()
    assert written["tm"] == {"hits": 1, "misses": 2} and "use_vmap" not in written
    again = Manifest.from_json(json.loads(json.dumps(written)), source="again")
    assert again.signature == manifest.signature and again.to_json() == written


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("manifest.json", {"format_version": 3, "article": "a"},
         "manifest format 3 is not one this newsl10n reads (1 to 2); a newer newsl10n wrote it?"),
        ("manifest.json", {"format_version": "2"},
         "manifest format '2' is not one this newsl10n reads (1 to 2); a newer newsl10n wrote it?"),
        ("manifest.json", {"format_version": 2, "engine": "ctranslate2"},
         "'engine' must be an object (the engine's description)"),
        ("segments.json", {"format_version": 2, "segments": []},
         "segments format 2 is not one this newsl10n reads (1); a newer newsl10n wrote it?"),
    ],
)  # fmt: skip
def test_a_newer_format_is_refused_in_one_line(tmp_path, name, data, message):
    bundle = tmp_path / "a" / "de"
    shutil.copytree(FIXTURE / "v1-article" / "de", bundle)
    (bundle / name).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_bundle(bundle) if name == "segments.json" else read_manifest(bundle / name)
    assert str(err.value) == f"{bundle / name}: {message}"


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
