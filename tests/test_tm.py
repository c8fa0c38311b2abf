"""The translation memory: keys, reviewed entries, concurrency, the pipeline on a warm memory, TMX."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsl10n.cli import app
from newsl10n.tm.store import MemoryContext, TranslationMemory, normalize
from helpers import translate_run
from newsl10n.model import Translation

runner = CliRunner()
CONTEXT = MemoryContext(locale="de", model="m@sha256:1", glossary="", decoding='{"beam_size":4}')


@pytest.mark.parametrize(
    "text, key",
    [
        ("Hello world.", "Hello world."),
        ("  Hello \t world. \n", "Hello world."),
        ("Cafe\u0301 au lait", "Café au lait"),  # NFC
        ("Hello  world.", "Hello world."),
        ("hello world.", "hello world."),  # case is kept: it changes the translation
    ],
)
def test_normalize(text, key):
    assert normalize(text) == key


def test_lookup_is_keyed_by_every_part(tmp_path):
    with TranslationMemory(tmp_path / "tm.sqlite") as memory:
        assert memory.lookup(CONTEXT, ["Hello."]) == {}
        assert not (tmp_path / "tm.sqlite").exists()  # nothing stored, no file
        memory.store(CONTEXT, [("Hello.", Translation("Hallo.", ("t1",), "ct2+prefix"))])
        assert memory.lookup(CONTEXT, ["Hello.", " Hello. ", "Bye."]) == {
            "Hello.": Translation("Hallo.", ("t1",), "ct2+prefix")
        }
        for other in (
            MemoryContext("fr", CONTEXT.model, CONTEXT.glossary, CONTEXT.decoding),
            MemoryContext("de", "m@sha256:2", CONTEXT.glossary, CONTEXT.decoding),
            MemoryContext("de", CONTEXT.model, "sha256:glossary", CONTEXT.decoding),
            MemoryContext("de", CONTEXT.model, CONTEXT.glossary, '{"beam_size":1}'),
        ):
            assert memory.lookup(other, ["Hello."]) == {}


def test_reviewed_entry_never_overwritten_by_a_machine(tmp_path):
    with TranslationMemory(tmp_path / "tm.sqlite") as memory:
        memory.store(CONTEXT, [("Hello.", Translation("Hallo, machine."))])
        memory.store(CONTEXT, [("Hello.", Translation("Hallo."))], reviewed=True)
        memory.store(CONTEXT, [("Hello.", Translation("Hallo, machine again."))])
        assert memory.lookup(CONTEXT, ["Hello."])["Hello."].text == "Hallo."
        memory.store(CONTEXT, [("Hello.", Translation("Guten Tag."))], reviewed=True)
        entries = list(memory.entries())
    assert [(e.target, e.reviewed) for e in entries] == [("Guten Tag.", True)]


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from newsl10n.tm.store import MemoryContext, TranslationMemory
    from newsl10n.translate import Translation

    context = MemoryContext("de", "m@1", "", "{}")
    name = sys.argv[2]
    with TranslationMemory(Path(sys.argv[1])) as memory:
        for batch in range(40):
            pairs = [(f"shared {batch}-{i}", Translation(f"{name} {i}")) for i in range(5)]
            pairs += [(f"{name} {batch}-{i}", Translation(f"own {i}")) for i in range(5)]
            memory.store(context, pairs)
            memory.lookup(context, [p[0] for p in pairs])
    """
)


def test_two_processes_writing_at_once(tmp_path):
    path = tmp_path / "tm.sqlite"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), name], env=env, stderr=subprocess.PIPE)
        for name in ("a", "b")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("SELECT count(*) FROM segments").fetchone() == (40 * 5 * 3,)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


# -- the pipeline with the memory ------------------------------------------------------------


@pytest.fixture
def counted(monkeypatch):
    """Model loads and the segments sent to the engines."""
    from newsl10n import pipeline

    seen = {"loads": 0, "segments": []}
    real = pipeline.make_translator

    def counting(spec):
        seen["loads"] += 1
        translator = real(spec)
        original = translator.translate

        def translate(sources, progress=None, constraints=None):
            seen["segments"].extend(sources)
            return original(sources, progress, constraints)

        translator.translate = translate
        return translator

    monkeypatch.setattr(pipeline, "make_translator", counting)
    return seen


def bundle_targets(out: Path, locale: str) -> list[str]:
    data = json.loads((out / "new-start-dialogue" / locale / "segments.json").read_text(encoding="utf-8"))
    return [s["target"] for s in data["segments"]]


def test_warm_rerun_loads_no_model_and_edit_translates_only_changes(config_file, sample_article, tmp_path, counted):
    out = tmp_path / "out"
    translate_run(config_file, [sample_article], ["de", "ar"])
    assert counted["loads"] == 2 and len(counted["segments"]) == 36
    assert (out / ".newsl10n-tm.sqlite").is_file()
    cold = {loc: bundle_targets(out, loc) for loc in ("de", "ar")}

    translate_run(config_file, [sample_article], ["de", "ar"])
    assert counted["loads"] == 2 and len(counted["segments"]) == 36  # no load, no call
    assert {loc: bundle_targets(out, loc) for loc in ("de", "ar")} == cold
    manifest = json.loads((out / "new-start-dialogue/de/manifest.json").read_text(encoding="utf-8"))
    assert manifest["tm"] == {"hits": 18, "misses": 0}
    assert manifest["timings"]["load_s"] == 0

    text = sample_article.read_text(encoding="utf-8")
    old = "The expiration of the New START Treaty marks a historic turning point in international relations."
    assert old in text
    new = old.replace("historic", "decisive")
    sample_article.write_text(text.replace(old, new), encoding="utf-8")
    translate_run(config_file, [sample_article], ["de"])
    assert counted["loads"] == 3
    assert counted["segments"][36:] == [new]
    manifest = json.loads((out / "new-start-dialogue/de/manifest.json").read_text(encoding="utf-8"))
    assert manifest["tm"] == {"hits": 17, "misses": 1}


def test_no_tm_translates_everything_and_writes_no_memory(config_file, sample_article, tmp_path, counted):
    result = runner.invoke(app, ["translate", str(sample_article), "--to", "de", "--config", str(config_file), "--no-tm", "-q"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "out" / ".newsl10n-tm.sqlite").exists()
    manifest = json.loads((tmp_path / "out/new-start-dialogue/de/manifest.json").read_text(encoding="utf-8"))
    assert "tm" not in manifest
    for flags in ([], ["--no-tm"]):
        result = runner.invoke(
            app, ["translate", str(sample_article), "--to", "de", "--config", str(config_file), "-q", "--force", *flags]
        )
        assert result.exit_code == 0, result.output
    assert len(counted["segments"]) == 18 * 3  # --no-tm, a cold memory, --no-tm again


def test_tm_disabled_in_config(config_file, sample_article, tmp_path, counted):
    config_file.write_text(config_file.read_text(encoding="utf-8") + "tm: {enabled: false}\n", encoding="utf-8")
    translate_run(config_file, [sample_article], ["de"])
    translate_run(config_file, [sample_article], ["de"])
    assert len(counted["segments"]) == 36
    assert not (tmp_path / "out" / ".newsl10n-tm.sqlite").exists()


def test_unusable_memory_file_is_one_line_exit_2(config_file, sample_article, tmp_path):
    bad = tmp_path / "out" / ".newsl10n-tm.sqlite"
    bad.parent.mkdir()
    bad.write_bytes(b"not a database, just some bytes" * 100)
    result = runner.invoke(app, ["translate", str(sample_article), "--to", "de", "--config", str(config_file), "-q"])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {bad}: cannot use translation memory (file is not a database)"


def test_tmx_export(config_file, sample_article, tmp_path):
    from translate.storage.tmx import tmxfile

    result = runner.invoke(app, ["tm", "export", "--config", str(config_file)])
    assert result.exit_code == 2
    memory = tmp_path / "out" / ".newsl10n-tm.sqlite"
    assert result.output.strip() == f"error: {memory}: no translation memory here (run `newsl10n translate` first)"
    result = runner.invoke(app, ["tm", "export", "--format", "csv", "--config", str(config_file)])
    assert result.exit_code == 2 and result.output.strip() == "error: --format 'csv': choose one of tmx"

    translate_run(config_file, [sample_article], ["de", "ar"])
    target = tmp_path / "memory.tmx"
    result = runner.invoke(app, ["tm", "export", "--out", str(target), "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"36 translation units -> {target}"
    units = tmxfile(target.read_bytes()).units
    pairs = {(u.source, u.target) for u in units}
    segments = json.loads((tmp_path / "out/new-start-dialogue/ar/segments.json").read_text(encoding="utf-8"))
    assert {(s["source"], s["target"]) for s in segments["segments"]} <= pairs
    assert len(units) == 36

    result = runner.invoke(app, ["tm", "export", "--locale", "de", "--tm", str(memory)])
    assert result.exit_code == 0
    stdout_units = tmxfile(result.stdout_bytes).units
    assert len(stdout_units) == 18
    assert b'xml:lang="de"' in result.stdout_bytes and b'xml:lang="ar"' not in result.stdout_bytes
