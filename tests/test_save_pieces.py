"""The review editor's fast save (issue 17): a rebuild that reuses the per-segment pieces of
earlier rebuilds (:mod:`newsl10n.bundle.pieces`) writes the same bytes as a full rebuild, file
for file, XLIFF and review.html included; the cache is keyed on every input and bounded.
Bundles are built from values with a stand-in translation, so no model is needed."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from newsl10n.bundle import postedit
from newsl10n.bundle.pieces import PieceCache, piece_key, pieces
from newsl10n.bundle.postedit import Edit, apply_edits
from newsl10n.bundle.segments import SegmentEntry, segments_json_chunks
from newsl10n.config import QASettings, parse_config
from newsl10n.fileio import dump_json
from newsl10n.model import Translation
from newsl10n.source import read_article
from newsl10n.terms.check import term_report
from newsl10n.terms.files import require_valid
from newsl10n.terms.source import SourceTerms, required_terms
from helpers import make_bundle as build_bundle
from review_fixture import snapshot

from conftest import GLOSSARIES, ROOT

EXAMPLES = ROOT / "examples"


class _Frozen(datetime):
    """The import time of every save: a full rebuild a second later would differ only there."""

    @classmethod
    def now(cls, tz=None):
        return datetime(2026, 2, 3, 4, 5, 6, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr(postedit, "datetime", _Frozen)


def stand_in(text: str) -> str:
    """A stand-in translation that keeps most words (formatting runs anchor where they were)."""
    return text.replace(" the ", " die ").replace(" and ", " und ")


def make_bundle(out: Path, suffix: str, locale: str) -> Path:
    """The example article translated into ``locale`` by :func:`stand_in`, with the shipped
    glossaries' term reports and a machine confidence on every third segment."""
    config = parse_config({"source_lang": "en", "locales": {locale: {"model": "unused"}}}, source="test")
    glossary = require_valid([GLOSSARIES])
    terms = SourceTerms(glossary)
    source = read_article(EXAMPLES / f"new-start-dialogue.{suffix}", config, terms)
    ids = [s.id for s in source.article.segments]
    targets = {s.id: stand_in(s.text) for s in source.article.segments}
    required = dict(zip(ids, required_terms(source, ids, locale, terms)))
    report = {i: term_report(required[i], Translation(targets[i])) for i in ids}
    confidence = {i: 0.25 + n / 100 for n, i in enumerate(ids) if n % 3 == 0}
    return build_bundle(out, source, locale, targets, terms=report, confidence=confidence, glossary_hash=glossary.content_hash)


def entries(bundle: Path) -> list[dict]:
    return json.loads((bundle / "segments.json").read_text(encoding="utf-8"))["segments"]


def with_runs(bundle: Path) -> list[str]:
    """The ids of the segments that hold formatting runs (XLIFF inline codes)."""
    layout = json.loads((bundle / "segments.json").read_text(encoding="utf-8"))["article"]
    return [
        sid
        for block in layout["blocks"]
        for sid, start, end in block["segments"]
        if any(start <= run[0] and run[1] <= end for run in block["inline"])
    ]


def edits_for(bundle: Path) -> list[Edit]:
    """One person's saves, one segment at a time: new text (twice for one segment), a target
    confirmed as it is, a term left out, a number changed, a confident machine segment edited,
    and, where the article has formatting runs, a segment that holds them."""
    segs = entries(bundle)
    by_id = {s["id"]: s for s in segs}
    with_terms = next(s for s in segs if s.get("terms"))
    with_number = next(s for s in segs if any(c.isdigit() for c in s["source"]))
    confident = next(s for s in segs if "confidence" in s and s["id"] not in (with_terms["id"], with_number["id"]))
    plain = [s for s in segs if s["id"] not in (with_terms["id"], with_number["id"], confident["id"])]
    picked = [
        (plain[0], "Eine neue Fassung."),
        (plain[1], plain[1]["target"]),  # confirmed: reviewed, same text
        (with_terms, "Ohne den Begriff."),
        (with_number, with_number["target"] + " 12345"),
        (confident, "Von Hand."),
        (plain[0], "Noch eine Fassung."),
        (plain[-1], ""),  # an empty target is no edit: the rebuild is the same
    ]
    picked += [(by_id[i], by_id[i]["target"] + " (bearbeitet)") for i in with_runs(bundle)[:2]]
    return [Edit(s["id"], s["source"], target, reviewed=bool(target)) for s, target in picked]


@pytest.mark.parametrize("suffix", ["txt", "md", "html"])
def test_each_save_with_the_cache_writes_what_a_full_rebuild_writes(tmp_path, suffix):
    fast = make_bundle(tmp_path / "fast", suffix, "de")
    assert bool(with_runs(fast)) == (suffix != "txt")
    assert (suffix != "txt") == ("<pc " in (fast / "article.xlf").read_text(encoding="utf-8"))
    full = tmp_path / "full" / fast.relative_to(tmp_path / "fast")
    shutil.copytree(fast, full)
    cache = PieceCache()
    for edit in edits_for(fast):
        apply_edits(fast, [edit], origin="fast", cache=cache)
        apply_edits(full, [edit], origin="full")
        assert snapshot(fast) == snapshot(full), edit.id
    assert len(cache) > 0
    rebuilt = tmp_path / "rebuilt" / "bundle"
    shutil.copytree(fast, rebuilt)
    apply_edits(rebuilt, [], origin="rebuild")  # the bundle made again from its own data
    assert snapshot(rebuilt) == snapshot(fast)
    reviewed = {e["id"] for e in entries(fast) if e.get("reviewed")}
    assert reviewed == {e.id for e in edits_for(full) if e.target}


def test_one_cache_for_two_locales_and_two_qa_settings(tmp_path):
    """The same segments in German and Arabic (right to left) and another QA setting share
    nothing they should not: each save is what a rebuild without the cache writes."""
    cache = PieceCache()
    bundles = [make_bundle(tmp_path / "fast", "txt", locale) for locale in ("de", "ar")]
    assert [e["target"] for e in entries(bundles[0])] == [e["target"] for e in entries(bundles[1])]
    copies = []
    for bundle in bundles:
        copies.append(tmp_path / "full" / bundle.relative_to(tmp_path / "fast"))
        shutil.copytree(bundle, copies[-1])
    strict = QASettings(min_confidence=0.9, max_length_ratio=1.01)
    edits = edits_for(bundles[0])
    for n, edit in enumerate(edits):
        for bundle, copy in zip(bundles, copies):
            qa = strict if n % 2 else None
            apply_edits(bundle, [edit], origin="fast", qa=qa, cache=cache)
            apply_edits(copy, [edit], origin="full", qa=qa)
            assert snapshot(bundle) == snapshot(copy), (bundle, edit.id)
            assert ("low-confidence" in (bundle / "review.html").read_text(encoding="utf-8")) == (qa is strict)
    assert 'dir="rtl"' in (bundles[1] / "review.html").read_text(encoding="utf-8")


def test_the_editor_saves_through_the_cache_and_writes_a_full_rebuild(tmp_path):
    from newsl10n.bundle.postedit import target_version
    from newsl10n.bundle.reader import load_bundle
    from newsl10n.server.workspace import Workspace

    bundle = make_bundle(tmp_path / "out", "md", "de")
    full = tmp_path / "full" / "bundle"
    shutil.copytree(bundle, full)
    workspace = Workspace(tmp_path / "out")
    bundle_id = "/".join(bundle.relative_to(tmp_path / "out").parts)
    for edit in edits_for(bundle):
        if not edit.target.strip():
            continue
        current = next(e for e in entries(bundle) if e["id"] == edit.id)
        version = target_version(current["target"], current.get("reviewed", False))
        saved = workspace.save(bundle_id, edit.id, edit.target, version, origin="editor")
        apply_edits(full, [edit], origin="full")
        assert snapshot(bundle) == snapshot(full), edit.id
        assert saved == workspace.load(bundle_id) == load_bundle(bundle)  # kept as written, not read again
    assert len(workspace._pieces) > 0


@pytest.mark.parametrize(
    "segments, layout",
    [
        ([], {}),
        ([{"id": "s1", "source": "", "target": ""}], {"blocks": []}),
        ([{"id": "s1", "source": "Zeile\nzwei \"quoted\" \\ tab\t", "target": "ق ‏x", "terms": [], "n": [1, 1.5, -0.0]}],
         {"name": "a", "blocks": [{"inline": [[0, 1, "b", {}]], "segments": [["s1", 0, 4]]}], "gaps": []}),
        ([{"id": f"s{i}", "source": "a", "target": "b", "nested": {"a": [{"b": None, "c": True}], "d": {}}} for i in range(3)],
         {"x": [[], [[]]]}),
    ],
)  # fmt: skip
def test_segments_json_in_pieces_is_dump_json(segments, layout):
    whole = dump_json({"format_version": 1, "segments": segments, "article": layout})
    segments = [SegmentEntry.from_json(s, source="test") for s in segments]
    assert "".join(segments_json_chunks(segments, layout)) == whole
    cache = PieceCache()
    for _ in range(2):
        assert "".join(segments_json_chunks(segments, layout, cache)) == whole


def test_piece_keys_tell_apart_what_makes_different_text():
    values = [[1], (1,), [1.0], [True], ["1"], {"a": 1, "b": 2}, {"b": 2, "a": 1}, [-0.0], [0.0], QASettings()]
    keys = [piece_key(v) for v in values]
    assert len(set(keys)) == len(values)
    assert piece_key(QASettings(min_confidence=0.5)) != piece_key(QASettings())
    assert piece_key(json.loads('{"a": [1, "x"]}')) == piece_key({"a": [1, "x"]})


def test_the_cache_is_bounded_and_keeps_the_recent_pieces():
    cache = PieceCache(size=3)
    made: list[str] = []

    def make(batch):
        made.extend(batch)
        return [item.upper() for item in batch]

    items = ["a", "b", "c", "d"]
    keys = [piece_key(i) for i in items]
    assert list(pieces(items, make, cache, keys, batch=2)) == ["A", "B", "C", "D"]
    assert len(cache) == 3 and made == items
    assert list(pieces(items[1:], make, cache, keys[1:])) == ["B", "C", "D"]
    assert made == items  # all three kept
    assert list(pieces(items[:1], make, cache, keys[:1])) == ["A"]
    assert made == [*items, "a"] and len(cache) == 3
    with pytest.raises(ValueError):
        list(pieces(items, make, cache, keys[:2]))


def test_the_editor_prepares_a_bundle_once_and_a_save_makes_only_its_segments_pieces(tmp_path, monkeypatch):
    from newsl10n.bundle.postedit import target_version
    from newsl10n.server import workspace as workspace_module

    bundle = make_bundle(tmp_path / "out", "html", "de")
    workspace = workspace_module.Workspace(tmp_path / "out")
    bundle_id = "/".join(bundle.relative_to(tmp_path / "out").parts)
    calls = []

    def counted(*args, **kwargs):
        calls.append(1)
        return postedit.prepare_pieces(*args, **kwargs)

    monkeypatch.setattr(workspace_module, "prepare_pieces", counted)
    before = snapshot(bundle)
    workspace.prepare(bundle_id)
    workspace.prepare(bundle_id)
    assert snapshot(bundle) == before and calls == [1]  # nothing written, made once
    prepared = len(workspace._pieces)
    apply_edits(bundle, [], origin="same data", cache=workspace._pieces)
    assert len(workspace._pieces) == prepared  # every piece was there
    entry = entries(bundle)[3]
    workspace.save(bundle_id, entry["id"], "Neu.", target_version(entry["target"]), origin="editor")
    assert 0 < len(workspace._pieces) - prepared < len(entries(bundle))
    workspace.prepare(bundle_id)
    assert calls == [1]  # the save made them
