"""XLIFF that other tools wrote back (issue 29): tests/data/xliff holds article.xlf files of one
bundle as tools leave them (written for these tests after XLIFF 2.0/2.1): rewritten with a
prefix, round-tripped by a library that drops inline content, resegmented, with start/end
codes, with a reviewer's annotations. Each imports with exit 0 and the translator's text lands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsl10n.bundle.reader import read_manifest
from test_xliff_codes import import_xliff, make_bundle, no_config  # noqa: F401 - the fixture

CORPUS = Path(__file__).resolve().parent / "data" / "xliff"
RUN = "5c59081d2eaed996"
"""The run the files name: the test bundle's (its source and machine text are fixed)."""
IMPORTS = {  # file: (summary line after the bundle path, {segment: (target, reviewed)})
    "prefixed-rewrite.xlf": ("1 segments edited, 1 of 3 reviewed", {
        "s2": ("Die Vereinigten Staaten trafen heute Russland.", True), "s3": ("See the treaty v2 now.", False)}),
    "npm-xliff-roundtrip.xlf": ("3 segments edited, 3 of 3 reviewed", {
        "s1": ("Gespräche wieder aufgenommen", True), "s2": ("Die Vereinigten Staaten trafen heute Russland.", True),
        "s3": ("Siehe den Vertrag v2 jetzt.", True)}),
    "resegmented.xlf": ("1 segments edited, 1 of 3 reviewed", {
        "s2": ("Die Vereinigten Staaten trafen heute Russland.", True), "s1": ("Talks resume", False)}),
    "start-end-codes.xlf": ("1 segments edited, 1 of 3 reviewed", {
        "s2": ("Die Vereinigten Staaten trafen heute Russland.", True)}),
    "reviewer-annotations.xlf": ("1 segments edited, 2 of 3 reviewed", {
        "s1": ("Talks resume", True), "s2": ("Die Vereinigten Staaten trafen heute Russland.", True)}),
}  # fmt: skip


def test_the_corpus_is_what_the_table_lists(tmp_path):
    assert sorted(p.name for p in CORPUS.glob("*.xlf")) == sorted(IMPORTS) and len(IMPORTS) >= 4
    assert read_manifest(make_bundle(tmp_path, "markdown") / "manifest.json").run_id == RUN


@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_each_tools_file_imports_and_the_translators_text_lands(tmp_path, name):
    bundle = make_bundle(tmp_path, "markdown")
    result = import_xliff(CORPUS / name, bundle)
    summary, expected = IMPORTS[name]
    assert result.exit_code == 0, result.output
    assert result.output == f"{bundle}: {summary}\n"
    segments = {s["id"]: s for s in json.loads((bundle / "segments.json").read_text(encoding="utf-8"))["segments"]}
    for sid, (target, reviewed) in expected.items():
        assert (segments[sid]["target"], bool(segments[sid].get("reviewed"))) == (target, reviewed)
    page = (bundle / "article.html").read_text(encoding="utf-8")
    assert page.count("<strong>") == page.count("</strong>") == 1 and page.count("<em>") == page.count("</em>") == 1
