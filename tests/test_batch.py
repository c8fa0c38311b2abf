"""Batch input (folders, globs, JSONL manifests), unique names, resume and the memory seam."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsl10n.batch import ArticleInput, collect_articles
from newsl10n.bundle.reader import bundle_is_current
from newsl10n.cli import app
from newsl10n.config import load_config
from helpers import translate_run
from newsl10n.errors import InputError
from newsl10n.progress import LineReporter
from newsl10n.translate.spec import EngineSignature

runner = CliRunner()


SHORT = (
    "Talks resume in Geneva\n"
    "\n"
    "The two delegations met on Monday after a long pause. They agreed to meet again in May.\n"
)
"""A three-segment article: most tests here need many articles, not long ones."""


def write_articles(root: Path, names: list[str], text: str = SHORT) -> list[Path]:
    paths = []
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def summary(articles: list[ArticleInput], root: Path) -> list[tuple[str, str, tuple[str, ...] | None]]:
    return [(str(a.path.relative_to(root)), a.name, a.locales) for a in articles]


def test_folder_takes_article_files_at_any_depth_skipping_hidden(tmp_path):
    write_articles(tmp_path, ["arch/b.txt", "arch/2024/a.txt", "arch/.drafts/c.txt", "arch/.d.txt"])
    (tmp_path / "arch/notes.md").write_text("# Notes\n\nA Markdown article.\n")
    (tmp_path / "arch/photo.jpg").write_bytes(b"\xff\xd8")
    assert summary(collect_articles([tmp_path / "arch"]), tmp_path) == [
        ("arch/2024/a.txt", "a", None),
        ("arch/b.txt", "b", None),
        ("arch/notes.md", "notes", None),
    ]


ITEM = {"uri": "urn:example:talks", "headlines": [{"value": "Talks resume"}], "bodies": [{"value": "They met."}]}
NOT_ITEMS = {
    "package.json": '{"name": "site", "version": "1.0.0"}',
    "list.json": '[{"uri": "urn:example:1", "headlines": [{"value": "x"}]}]',
    "broken.json": '{"uri": "urn:example:2", "headlines": [',
    "latin1.json": b'{"uri": "urn:x:3", "headlines": [{"value": "caf\xe9"}]}',
    "no-text.json": '{"uri": "urn:example:4", "slugline": "TALKS"}',
}


def test_a_folder_takes_the_ninjs_items_among_its_json_files(tmp_path, caplog):
    """Issue 29: a folder's .json files that are ninjs items are articles; other JSON (a
    package file, a list, broken or undecodable JSON, an item with no text) is skipped with one
    warning each, and the run goes on."""
    write_articles(tmp_path, ["arch/a.txt"])
    (tmp_path / "arch/2024").mkdir()
    (tmp_path / "arch/2024/talks.json").write_text(json.dumps(ITEM), encoding="utf-8")
    for name, text in NOT_ITEMS.items():
        (tmp_path / "arch" / name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with caplog.at_level("WARNING", logger="newsl10n"):
        found = collect_articles([tmp_path / "arch"])
    assert summary(found, tmp_path) == [("arch/2024/talks.json", "talks", None), ("arch/a.txt", "a", None)]
    assert sorted(r.getMessage() for r in caplog.records) == [
        f"{tmp_path / 'arch' / name}: skipped, not a ninjs item (a JSON object with a uri and a headline, description or body)"
        for name in sorted(NOT_ITEMS)
    ]


def test_a_folder_of_json_that_holds_no_item_is_one_line(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data/package.json").write_text(NOT_ITEMS["package.json"], encoding="utf-8")
    with pytest.raises(InputError) as err:
        collect_articles([tmp_path / "data"])
    assert str(err.value) == f"{tmp_path / 'data'}: no article files (.txt, .md, .markdown, .html, .htm, .xhtml, .json ninjs items) in this folder"


def test_a_folder_with_items_and_other_json_translates(tmp_path, tiny_models):
    """The CLI through a folder: the item's bundle holds the translated item, the rest is
    skipped, exit 0."""
    write_articles(tmp_path, ["arch/a.txt"])
    (tmp_path / "arch/talks.json").write_text(json.dumps(ITEM), encoding="utf-8")
    (tmp_path / "arch/package.json").write_text(NOT_ITEMS["package.json"], encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["translate", str(tmp_path / "arch"), "--to", "de", "--model", f"de={tiny_models['de']}",
                                 "--out", str(out), "--no-tm", "-q"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["a", "talks"]
    translated = json.loads((out / "talks/de/article.ninjs.json").read_text(encoding="utf-8"))
    assert translated["uri"] == "urn:example:talks#de" and translated["language"] == "de"


def test_glob_pattern_and_plain_paths(tmp_path):
    write_articles(tmp_path, ["x/a1.txt", "x/a2.txt", "x/b1.txt", "y/z.txt"])
    found = collect_articles([str(tmp_path / "x/a*.txt"), tmp_path / "y/z.txt"])
    assert summary(found, tmp_path) == [("x/a1.txt", "a1", None), ("x/a2.txt", "a2", None), ("y/z.txt", "z", None)]


def test_manifest_ids_locales_and_relative_paths(tmp_path):
    write_articles(tmp_path, ["m/2023/story.txt", "m/2024/story.txt", "m/other.txt"])
    manifest = tmp_path / "m/list.jsonl"
    manifest.write_text(
        '{"path": "2023/story.txt", "id": "story-2023"}\n'
        "\n"
        '{"path": "2024/story.txt", "id": "story-2024", "locales": ["de"]}\n'
        '{"path": "other.txt", "locales": "de, ar"}\n',
        encoding="utf-8",
    )
    assert summary(collect_articles([manifest]), tmp_path) == [
        ("m/2023/story.txt", "story-2023", None),
        ("m/2024/story.txt", "story-2024", ("de",)),
        ("m/other.txt", "other", ("de", "ar")),
    ]


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "line 1: not valid JSON (Expecting property name enclosed in double quotes)"),
        ('["a.txt"]', 'line 1: expected a JSON object such as {"path": "article.txt"}'),
        ('{"path": "a.txt", "to": "de"}', "line 1: unknown key 'to' (allowed: id, locales, path)"),
        ('{"id": "a"}', "line 1: 'path' must be a non-empty string"),
        ('{"path": "a.txt", "id": 7}', "line 1: 'id' must be a string"),
        ('{"path": "a.txt", "locales": [1]}', "line 1: 'locales' must be a list of locale codes or a comma-separated string"),
        ('{"path": "a.txt", "locales": []}', "line 1: 'locales' is empty"),
        ('{"path": "a.txt", "id": "../escape"}', "line 1: article name '../escape' is not a plain folder name (no '/', '\\', leading '.' or control characters)"),
        ('{"path": "a.txt", "id": ".hidden"}', "line 1: article name '.hidden' is not a plain folder name (no '/', '\\', leading '.' or control characters)"),
    ],
)  # fmt: skip
def test_manifest_errors_name_the_line(tmp_path, line, message):
    manifest = tmp_path / "list.jsonl"
    manifest.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        collect_articles([manifest])
    assert str(err.value) == f"{manifest} {message}"


@pytest.mark.parametrize(
    "files, message",
    [
        (["a/story.txt", "b/story.txt"], "{root}/b/story.txt: article name 'story' is already used by {root}/a/story.txt"),
        (["a/Story.txt", "b/story.txt"], "{root}/b/story.txt: article name 'story' is already used by {root}/a/Story.txt"),
    ],
)  # fmt: skip
def test_duplicate_names_rejected(tmp_path, files, message):
    write_articles(tmp_path, files)
    with pytest.raises(InputError) as err:
        collect_articles([tmp_path])
    expected = message.format(root=tmp_path) + "; give one of them an 'id' in a JSONL manifest"
    assert str(err.value) == expected


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda root: root / "empty", "{root}/empty: no article files (.txt, .md, .markdown, .html, .htm, .xhtml, .json ninjs items) in this folder"),
        (lambda root: str(root / "nothing-*.txt"), "{root}/nothing-*.txt: no files match this pattern"),
        (lambda root: root / "empty.jsonl", "{root}/empty.jsonl: manifest lists no articles"),
    ],
)
def test_inputs_that_find_nothing(tmp_path, make, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        collect_articles([make(tmp_path)])
    assert str(err.value) == message.format(root=tmp_path)


@pytest.fixture
def config_file(config_file):
    """The shared test config with one engine thread: many small runs, on a busy machine."""
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(text.replace("max_length: 64}", "max_length: 64, threads: 1}"), encoding="utf-8")
    assert "threads: 1" in config_file.read_text(encoding="utf-8")
    return config_file


@pytest.fixture
def archive(tmp_path) -> list[Path]:
    return write_articles(tmp_path / "archive", ["one.txt", "two.txt", "three.txt"])


@pytest.fixture
def counting(monkeypatch):
    """Segments sent to the model, per locale, through the real translators."""
    from newsl10n.translate import base as translate_base

    calls: dict[str, list[str]] = {}
    real = translate_base.make_translator

    def factory(spec):
        translator = real(spec)
        original = translator.translate

        def translate(sources, progress=None, constraints=None):
            calls.setdefault(spec.target_lang, []).extend(sources)
            return original(sources, progress, constraints)

        translator.translate = translate
        return translator

    monkeypatch.setattr("newsl10n.pipeline.make_translator", factory)
    return calls


def run(config_file, items, locales=("de",), **options):
    """A run without the translation memory, so model calls show what resume skips."""
    return translate_run(config_file, items, locales, use_tm=False, **options)


def test_resume_skips_current_bundles_and_redoes_changed_ones(config_file, archive, tmp_path, counting):
    first = run(config_file, archive, resume=True)
    assert sorted(b.article for b in first.bundles) == ["one", "three", "two"]
    assert len(counting["de"]) == 3 * 3
    counting.clear()

    again = run(config_file, archive, resume=True)
    assert again.bundles == [] and sorted(b.article for b in again.skipped) == ["one", "three", "two"]
    assert counting == {}  # no model loaded, no segment translated

    out = tmp_path / "out"
    edited = archive[0].read_text(encoding="utf-8").replace("Monday", "Tuesday", 1)
    archive[0].write_text(edited, encoding="utf-8")
    (out / "two/de/manifest.json").write_text("{truncated", encoding="utf-8")
    third = run(config_file, archive, resume=True)
    assert sorted(b.article for b in third.bundles) == ["one", "two"]
    assert [b.article for b in third.skipped] == ["three"]
    assert len(counting["de"]) == 2 * 3


@pytest.mark.parametrize(
    "change, current",
    [
        (lambda m: m, True),
        (lambda m: {**m, "source_sha256": "0" * 64}, False),
        (lambda m: {**m, "engine": {**m["engine"], "model": "Helsinki-NLP/opus-mt-en-de"}}, False),
        (lambda m: {**m, "engine": {**m["engine"], "decoding": {**m["engine"]["decoding"], "beam_size": 3}}}, False),
        (lambda m: {**m, "engine": {**m["engine"], "use_vmap": True}}, False),
        (lambda m: [m], False),
    ],
)
def test_bundle_is_current(config_file, archive, tmp_path, tiny_models, change, current):
    result = run(config_file, archive[:1])
    bundle = result.bundles[0].path
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    (bundle / "manifest.json").write_text(json.dumps(change(manifest)), encoding="utf-8")
    made_with = EngineSignature.from_description(manifest["engine"])
    assert bundle_is_current(bundle, manifest["source_sha256"], made_with) is current


PO = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Leave a comment"\nmsgstr "{}"\n'


@pytest.mark.parametrize("edit", ["model file replaced", "catalog edited", "nothing"])
def test_resume_redoes_a_bundle_whose_model_or_catalog_changed_in_place(config_file, archive, tmp_path, tiny_models, edit):
    """The currency check uses the memory's signature (the model's revision is its files' hash)
    and the UI catalog's hash, not the model's name."""
    model = tmp_path / "en-de"
    shutil.copytree(tiny_models["de"], model)
    po = tmp_path / "locales" / "de" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(PO.format("Kommentar"), encoding="utf-8")
    first = run(config_file, archive[:1], resume=True, overrides={"de": str(model)})
    assert len(first.bundles) == 1
    if edit == "model file replaced":
        generation = json.loads((model / "generation_config.json").read_text(encoding="utf-8"))
        (model / "generation_config.json").write_text(json.dumps({**generation, "num_beams": 1}), encoding="utf-8")
    elif edit == "catalog edited":
        po.write_text(PO.format("Kommentieren"), encoding="utf-8")
    again = run(config_file, archive[:1], resume=True, overrides={"de": str(model)})
    assert (len(again.bundles), len(again.skipped)) == ((0, 1) if edit == "nothing" else (1, 0))


def test_without_resume_everything_is_translated_again(config_file, archive, counting):
    run(config_file, archive)
    again = run(config_file, archive)
    assert len(again.bundles) == 3 and again.skipped == []
    assert len(counting["de"]) == 2 * 3 * 3


def test_manifest_locales_narrow_an_articles_targets(config_file, archive, tmp_path):
    items = [ArticleInput(archive[0], "only-de", ("de",)), ArticleInput(archive[1], "both")]
    result = run(config_file, items, locales=("de", "ar"))
    assert sorted((b.article, b.locale) for b in result.bundles) == [("both", "ar"), ("both", "de"), ("only-de", "de")]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["both", "only-de"]


def test_memory_hits_are_not_sent_and_misses_are_stored(config_file, archive, counting, tmp_path):
    """The memory in front of the engines: a hit never reaches the model (a reviewed one comes
    back marked reviewed), and what the model writes is stored."""
    from newsl10n.source import read_article
    from newsl10n.tm.cached import store_reviewed
    from newsl10n.tm.store import TranslationMemory

    segments = [s.text for s in read_article(archive[0], load_config(config_file)).article.segments]
    with TranslationMemory(tmp_path / "out" / ".newsl10n-tm.sqlite") as memory:
        store_reviewed(memory, EngineSignature("any", "model", "r", None, ()), "de", "", [(segments[1], "[TM]")])
    result = translate_run(config_file, archive[:1], ["de"])
    assert len(segments) == 3
    assert counting["de"] == [segments[0], segments[2]]
    with TranslationMemory(tmp_path / "out" / ".newsl10n-tm.sqlite") as memory:
        stored = {e.source: e for e in memory.entries("de")}
    bundle = json.loads((result.bundles[0].path / "segments.json").read_text(encoding="utf-8"))["segments"]
    assert [s["target"] for s in bundle] == [stored[segments[0]].target, "[TM]", stored[segments[2]].target]
    assert [bool(s.get("reviewed")) for s in bundle] == [False, True, False]
    assert not stored[segments[0]].reviewed and stored[segments[1]].reviewed

    counting.clear()
    second = translate_run(config_file, archive[1:2], ["de"])  # same text, another article: all hits
    assert counting == {}
    assert len(second.bundles) == 1


def test_line_reporter_counts_bundles(config_file, archive, capsys):
    import sys

    run(config_file, archive, locales=("de", "ar"), reporter=LineReporter(sys.stderr))
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "3 articles x 2 locales: translating 6 bundles"
    assert re.fullmatch(r"3 articles x 2 locales: 6/6 bundles in \d+\.\d s \(\d+\.\d\d bundles/s\)", lines[1])


def test_cli_folder_resume_and_force(tmp_path, tiny_models, archive, config_file):
    args = ["translate", str(archive[0].parent), "--to", "de", "--config", str(config_file), "-q"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert first.output.count("[de]: 3 segments") == 3
    second = runner.invoke(app, args)
    assert second.exit_code == 0
    assert second.output == "3 bundles already current, kept (--force translates them again)\n"
    forced = runner.invoke(app, [*args, "--force"])
    assert forced.output.count("[de]: 3 segments") == 3


def test_cli_duplicate_names_exit_2(tmp_path, config_file):
    write_articles(tmp_path, ["a/story.txt", "b/story.txt"])
    result = runner.invoke(
        app, ["translate", str(tmp_path / "a"), str(tmp_path / "b"), "--to", "de", "-c", str(config_file)]
    )
    assert result.exit_code == 2
    assert result.output == (
        f"error: {tmp_path}/b/story.txt: article name 'story' is already used by {tmp_path}/a/story.txt; "
        "give one of them an 'id' in a JSONL manifest\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "option, message",
    [
        (["--cluster", "remote:2"], "error: --cluster 'remote:2': expected local:N (N worker processes), e.g. local:4"),
        (["--cluster", "local:0"], "error: --cluster 'local:0': expected local:N (N worker processes), e.g. local:4"),
        (["--cluster", "local:100000"],  # bounded by the machine
         f"error: --cluster 'local:100000': at most local:{os.cpu_count()} on this machine (one worker per CPU core)"),
        (["--scheduler", "10.0.0.5"], "error: --scheduler '10.0.0.5': expected an address such as tcp://10.0.0.5:8786"),
        (["--cluster", "local:2", "--scheduler", "tcp://127.0.0.1:1"], "error: --cluster and --scheduler exclude each other: pass one"),
    ],
)  # fmt: skip
def test_cli_cluster_option_errors(archive, config_file, option, message):
    pytest.importorskip("distributed")
    result = runner.invoke(app, ["translate", str(archive[0]), "--to", "de", "-c", str(config_file), *option])
    assert result.exit_code == 2
    assert result.output == message + "\n"


def test_rich_bar_counts_bundles_with_rate():
    import io

    from newsl10n.progress import RichReporter

    stream = io.StringIO()
    reporter = RichReporter(stream)
    reporter.start("3 articles x 2 locales", 6)
    for _ in range(12):
        reporter.advance(0.5)  # fractions of a bundle, as the in-process executor reports them
    reporter.finish()
    assert re.fullmatch(r"3 articles x 2 locales ━+ 6/6 bundles \d+\.\d\d/s 0:00:\d\d 0:00:00\n", stream.getvalue())


def test_nothing_imports_dask_unless_a_cluster_is_asked_for():
    import subprocess
    import sys

    code = (
        "import sys, newsl10n.cli, newsl10n.pipeline, newsl10n.batch, newsl10n.executor\n"
        "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"
