"""Issue 27: nothing lost when people and runs change one bundle, and the review server's checks
without holes; issue 25 item 3: the editor's QA is `newsl10n qa`'s.

Bundles are built from values with a stand-in translation (``make_bundle``), so no model is needed;
the runs of several writers at once are in test_concurrency.py.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsl10n.bundle.postedit import StaleEdit
from newsl10n.cli import app
from newsl10n.config import QASettings
from newsl10n.errors import InputError
from review_fixture import snapshot
from test_save_pieces import make_bundle

from conftest import ROOT

ORIGIN = "http://127.0.0.1"
BUNDLE_ID = "new-start-dialogue/de"
runner = CliRunner()


@pytest.fixture
def out(tmp_path) -> Path:
    make_bundle(tmp_path / "out", "txt", "de")
    (tmp_path / "pipeline.yaml").write_text("source_lang: en\n", encoding="utf-8")
    return tmp_path / "out"


def entries(out: Path) -> dict[str, dict]:
    return {e["id"]: e for e in json.loads((out / BUNDLE_ID / "segments.json").read_text(encoding="utf-8"))["segments"]}


def workspace(out: Path, **settings):
    from newsl10n.server.workspace import Workspace

    return Workspace(out, memory=out / ".newsl10n-tm.sqlite", **settings)


def version(entry: dict) -> str:
    from newsl10n.bundle.segments import entry_version

    return entry_version(entry["target"], entry.get("reviewed", False))


def memory_reviewed(out: Path) -> dict[str, str]:
    from newsl10n.tm.store import TranslationMemory

    with TranslationMemory(out / ".newsl10n-tm.sqlite") as memory:
        return {e.source: e.target for e in memory.entries(reviewed_only=True)}


# -- issue 25 item 3: one way from a segment entry to QA input ---------------------------------


def test_the_editor_flags_low_confidence_exactly_where_qa_does(out, tmp_path):
    config = tmp_path / "strict.yaml"
    config.write_text("source_lang: en\nqa: {min_confidence: 0.3}\n", encoding="utf-8")
    result = runner.invoke(app, ["qa", str(out / BUNDLE_ID), "--json", "--config", str(config)])
    issues = json.loads(result.output)["bundles"][0]["issues"]
    qa = {(i["segment"], i["code"], i["message"]) for i in issues}
    low = {segment for segment, code, _ in qa if code == "low-confidence"}
    assert low and len(low) < len(entries(out))  # under 0.3 and over it
    space = workspace(out, qa=QASettings(min_confidence=0.3))
    editor = {(row.id, i.code, i.message) for row in space.rows(space.load(BUNDLE_ID)) for i in row.issues}
    assert editor == qa
    summary = space.summary(BUNDLE_ID)
    assert (summary.errors, summary.warnings) == tuple(sum(i["severity"] == s for i in issues) for s in ("error", "warning"))


# -- one writer at a time, each checking what it read ------------------------------------------


def test_a_save_based_on_a_version_no_longer_current_is_refused(out):
    first, second = workspace(out), workspace(out)  # two servers: two caches, one bundle
    entry = entries(out)["s3"]
    first.save(BUNDLE_ID, "s3", "Erste Fassung.", version(entry), origin="a")
    before = snapshot(out / BUNDLE_ID)
    with pytest.raises(StaleEdit) as info:
        second.save(BUNDLE_ID, "s3", "Zweite Fassung.", version(entry), origin="b")
    assert info.value.current == "Erste Fassung." and str(info.value).startswith("b: segment s3 was changed")
    assert snapshot(out / BUNDLE_ID) == before
    second.save(BUNDLE_ID, "s4", "Anderes Segment.", version(entries(out)["s4"]), origin="b")  # another one merges
    now = entries(out)
    assert (now["s3"]["target"], now["s4"]["target"]) == ("Erste Fassung.", "Anderes Segment.")
    assert memory_reviewed(out) == {now["s3"]["source"]: "Erste Fassung.", now["s4"]["source"]: "Anderes Segment."}


def test_the_lock_waits_for_its_holder_and_leaves_no_file(tmp_path):
    from newsl10n.bundle.lock import bundle_lock, lock_path
    from newsl10n.errors import OutputError

    bundle = tmp_path / "a" / "de"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\nfrom newsl10n.bundle.lock import bundle_lock\n"
         f"with bundle_lock(Path({str(bundle)!r}), create=True):\n    print('held', flush=True)\n    time.sleep(60)\n"],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(OutputError) as err:
            with bundle_lock(bundle, wait=0.3):
                pass
        assert str(err.value) == f"{bundle}: another newsl10n process has been writing this bundle for 0.3 s; try again when it is done"
        holder.kill()  # kill -9: the system lets go of its lock
        holder.wait()
        started = time.monotonic()
        with bundle_lock(bundle, wait=10):
            assert time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.wait()
    assert not lock_path(bundle).exists()  # the holder removes it as it lets go


def test_bundle_and_memory_change_together(out):
    """A memory that cannot be written: the save fails, and the bundle is as it was (issue 27:
    it was changed and marked reviewed, though the save answered 400)."""
    memory = out / ".newsl10n-tm.sqlite"
    with sqlite3.connect(memory) as db:
        db.execute("CREATE TABLE other (x)")  # not a newsl10n memory: every store fails
    before = snapshot(out / BUNDLE_ID)
    with pytest.raises(InputError, match="not a newsl10n translation memory"):
        workspace(out).save(BUNDLE_ID, "s3", "Neu.", version(entries(out)["s3"]), origin="editor")
    assert snapshot(out / BUNDLE_ID) == before
    assert not list(out.glob("*/.*.journal.json"))


def test_a_save_cut_short_is_completed_by_the_next_writer(out, monkeypatch):
    """Killed between the memory and the bundle: the journal left beside the bundle is completed
    when the server opens OUT again, so the bundle and the memory agree."""
    from newsl10n import edits
    from newsl10n.cli.review import open_workspace

    def killed(*args, **kwargs):
        raise SystemExit(137)

    monkeypatch.setattr(edits, "write_bundle", killed)
    with pytest.raises(SystemExit):
        workspace(out).save(BUNDLE_ID, "s5", "Gerettet.", version(entries(out)["s5"]), origin="editor")
    monkeypatch.undo()
    assert entries(out)["s5"].get("reviewed") is None  # the bundle was not written
    assert "Gerettet." in memory_reviewed(out).values()  # the memory was
    assert (out / "new-start-dialogue" / ".de.journal.json").is_file()
    open_workspace(out, out.parent / "pipeline.yaml", [], False)
    assert (entries(out)["s5"]["target"], entries(out)["s5"]["reviewed"]) == ("Gerettet.", True)
    assert not (out / "new-start-dialogue" / ".de.journal.json").exists()


def test_a_symlink_in_a_bundle_stays_a_link_on_save(out, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("outside OUT\n", encoding="utf-8")
    link = out / BUNDLE_ID / "notes.txt"
    link.symlink_to(secret)
    workspace(out).save(BUNDLE_ID, "s3", "Neu.", version(entries(out)["s3"]), origin="editor")
    assert link.is_symlink() and os.readlink(link) == str(secret)
    assert all("outside OUT" not in p.read_text(encoding="utf-8") for p in (out / BUNDLE_ID).iterdir() if not p.is_symlink())


def test_a_symlinked_segments_file_is_not_followed(out, tmp_path):
    real = tmp_path / "elsewhere.json"
    shutil.move(out / BUNDLE_ID / "segments.json", real)
    (out / BUNDLE_ID / "segments.json").symlink_to(real)
    with pytest.raises(InputError) as err:
        workspace(out).save(BUNDLE_ID, "s3", "Neu.", "0", origin="editor")
    assert str(err.value) == (
        f"{out / BUNDLE_ID / 'segments.json'}: is a symbolic link, expected a bundle file (links are not followed here)"
    )


# -- XLIFF: a unit someone else changed since the file was made ---------------------------------


def edited_xliff(out: Path, tmp_path: Path, targets: dict[str, str]) -> Path:
    from test_xliff import edit_like_a_translator

    xlf = tmp_path / "returned.xlf"
    shutil.copy(out / BUNDLE_ID / "article.xlf", xlf)
    edit_like_a_translator(xlf, targets)
    return xlf


def import_xliff(xlf: Path, out: Path):
    return runner.invoke(app, ["import-xliff", str(xlf), "-b", str(out / BUNDLE_ID), "-c", str(out.parent / "pipeline.yaml")])


def test_an_xliff_import_merges_with_an_editors_save_of_another_segment(out, tmp_path):
    """Issue 27: the file's untouched unit s3 used to overwrite the editor's save."""
    xlf = edited_xliff(out, tmp_path, {"s4": "Aus dem CAT-Werkzeug."})
    workspace(out).save(BUNDLE_ID, "s3", "Aus dem Editor.", version(entries(out)["s3"]), origin="editor")
    result = import_xliff(xlf, out)
    assert result.exit_code == 0, result.output
    now = entries(out)
    assert (now["s3"]["target"], now["s4"]["target"]) == ("Aus dem Editor.", "Aus dem CAT-Werkzeug.")
    assert {"Aus dem Editor.", "Aus dem CAT-Werkzeug."} <= set(memory_reviewed(out).values())


def test_an_xliff_edit_of_a_segment_saved_since_is_refused(out, tmp_path):
    xlf = edited_xliff(out, tmp_path, {"s3": "Aus dem CAT-Werkzeug.", "s4": "Auch."})
    workspace(out).save(BUNDLE_ID, "s3", "Aus dem Editor.", version(entries(out)["s3"]), origin="editor")
    before = snapshot(out)
    result = import_xliff(xlf, out)
    assert result.exit_code == 2
    assert result.output == (
        f"error: {xlf}: segment s3 was changed by someone else since you opened it; their text is kept, yours was not saved\n"
    )
    assert snapshot(out) == before


# -- the review server's checks ----------------------------------------------------------------


def client_for(out: Path, token: str | None = None):
    from starlette.testclient import TestClient

    from newsl10n.server.app import create_app

    return TestClient(create_app(workspace(out), token=token), base_url=ORIGIN, raise_server_exceptions=False)


@pytest.mark.parametrize(
    "cookie, field, status",
    [
        (None, "-", 403),  # no cookie: the field once matched the default "-"
        (None, "", 403),
        ("", "", 403),
        ("geheim-\u00e9", "geheim-\u00e9", 403),  # non-ASCII: refused, never a 500
        ("abc", "\u00e9\u00e9\u00e9", 403),
        ("abcdef", "abcdef", 200),
    ],
)
def test_csrf_without_holes(out, cookie, field, status):
    client = client_for(out)
    before = snapshot(out)
    data = {"csrf": field, "segment": "s3", "target": "Gefälscht.", "version": version(entries(out)["s3"])}
    headers = {"Origin": ORIGIN, "Accept": "application/json"}
    if cookie is not None:
        headers["Cookie"] = f"newsl10n_csrf={cookie}".encode("utf-8")  # as a browser may send it
    response = client.post(f"/save/{BUNDLE_ID}", data=data, headers=headers)
    assert response.status_code == status, response.text
    if status == 403:
        assert "CSRF or origin check" in response.json()["error"]
        assert snapshot(out) == before


@pytest.mark.parametrize("given", ["\u00e9" * 20, "t\u00f6ken-0123456789abcdef", "", "x" * 5000])
def test_a_non_ascii_or_wrong_token_is_refused_without_a_500(out, given):
    client = client_for(out, token="r1ght-t0ken-0123456789")
    assert client.get("/", params={"token": given}).status_code == 401
    assert client.get("/", headers={"Authorization": f"Bearer {given}".encode("utf-8")}).status_code == 401
    assert client.get("/", headers={"Cookie": f"newsl10n_token={given}".encode("utf-8")}).status_code == 401


@pytest.mark.parametrize("token", ["a", "   ", "short-token-15c", "sixteen chars ok", "x" * 15 + "\n"])
def test_a_token_set_by_hand_is_long_enough(token, monkeypatch, out):
    monkeypatch.setenv("NEWSL10N_REVIEW_TOKEN", token)
    result = runner.invoke(app, ["review", str(out), "--host", "0.0.0.0", "--port", "0", "-c", str(out.parent / "pipeline.yaml")])
    assert result.exit_code == 2
    assert result.output == (
        f"error: $NEWSL10N_REVIEW_TOKEN: a review token needs at least 16 characters and no spaces "
        f"(this one has {len(token)}); leave it unset to get a random one\n"
    )


def test_a_damaged_bundle_is_shown_as_damaged_in_the_index(out):
    other = out / "other-article" / "de"
    shutil.copytree(out / BUNDLE_ID, other)
    (other / "segments.json").write_text("{damaged", encoding="utf-8")
    page = client_for(out).get("/")
    assert page.status_code == 200
    assert '<td class="locale">de</td><td class="damaged" colspan="5">damaged: ' in page.text
    assert f"{other / 'segments.json'}: not valid JSON (line 1: " in page.text
    assert 'href="/edit/new-start-dialogue/de"' in page.text  # the others are listed as ever


# -- input read with bounds ---------------------------------------------------------------------


def test_an_input_file_over_the_size_limit_names_the_file_and_the_limit(tmp_path):
    from newsl10n.fileio import read_bytes

    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.truncate(3 * 2**20)  # sparse: nothing is read to refuse it
    with pytest.raises(InputError) as err:
        read_bytes(big, what="article file", limit=2 * 2**20)
    assert str(err.value) == f"{big}: more than 2 MB, the most an article file may have"
    assert read_bytes(big, limit=3 * 2**20) == bytes(3 * 2**20)


@pytest.mark.slow
def test_pickle_weights_with_code_are_refused_in_one_line(tmp_path, tiny_models):
    """torch's weights-only loader refuses them; its ten-line message became one line."""
    import torch
    from safetensors.torch import load_file

    model = tmp_path / "evil"
    shutil.copytree(tiny_models["de"], model)
    weights = load_file(str(model / "model.safetensors"))
    (model / "model.safetensors").unlink()
    weights["extra"] = Evil()
    torch.save(weights, model / "pytorch_model.bin")
    article = tmp_path / "a.txt"
    article.write_text("Talks resume\n\nThe talks resume today.\n", encoding="utf-8")
    for engine in ("ctranslate2", "transformers"):
        result = runner.invoke(app, ["translate", str(article), "--to", "de", "--model", f"de={model}", "--engine", engine,
                                     "--out", str(tmp_path / "out"), "--no-tm", "-q"])  # fmt: skip
        assert result.exit_code == 2
        assert result.output.splitlines()[-1] == (
            f"error: model {model}: pytorch_model.bin holds an object (posix.system) besides weights, "
            "and loading it could run code: refused; use the model's model.safetensors"
        )
        assert not (tmp_path / "out").exists()


class Evil:
    def __reduce__(self):
        return (os.system, ("echo this must never run",))
