"""The bilingual review page, checked in headless Chromium: no console errors, Arabic is RTL."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsl10n.bundle.review import highlight, review_page
from newsl10n.bundle.segments import EntryView, SegmentEntry
from helpers import translate_run


def views(*dicts: dict) -> list[EntryView]:
    """segments.json entries written as dicts, with their ``qa`` flags beside them."""
    return [
        EntryView(SegmentEntry.from_json({k: v for k, v in d.items() if k != "qa"}, source="test"), tuple(d.get("qa", ())))
        for d in dicts
    ]


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium package is not installed")

# Appended to a copy of the page: writes what the test checks into the DOM that --dump-dom prints.
PROBE = """<script>
const cells = [...document.querySelectorAll("td.target")];
const out = document.createElement("pre");
out.id = "probe";
out.textContent = JSON.stringify({
  cells: cells.length,
  directions: [...new Set(cells.map(c => getComputedStyle(c).direction))],
  source: [...new Set([...document.querySelectorAll("td.source")].map(c => getComputedStyle(c).direction))],
  marks: document.querySelectorAll("mark.term").length,
  injected: document.querySelectorAll("td b, td script").length,
});
document.body.appendChild(out);
</script>"""


def run_chromium(page: Path, profile: Path) -> tuple[dict, str]:
    """Load ``page`` (with the probe) headless; return the probe's result and Chromium's log."""
    import json

    probed = page.with_name("probed.html")
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "\n</body>"), encoding="utf-8")
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
        f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000",
        "--dump-dom", probed.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    match = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert match, done.stderr[-2000:]
    return json.loads(match.group(1).replace("&quot;", '"')), done.stderr


def console_errors(log: str) -> list[str]:
    return [line for line in log.splitlines() if "CONSOLE" in line or "Uncaught" in line]


ROWS = views(
    {"id": "s1", "kind": "headline", "source": "New START <b>ends</b>", "target": "نيو ستارت ينتهي", "terms": [{"source": "New START", "target": "نيو ستارت"}]},
    {"id": "s2", "kind": "paragraph", "source": "Two.", "target": "اثنان.", "qa": ["length ratio 2.10"], "reviewed": True},
)


@needs_chromium
def test_console_error_detector_sees_errors(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<html><body><table><tr><td class='target'>x</td></tr></table>"
                    "<script>console.error('boom'); undefinedFunction();</script></body></html>")
    _, log = run_chromium(page, tmp_path / "profile")
    assert len(console_errors(log)) >= 1  # so an empty list below means something


@needs_chromium
@pytest.mark.slow
def test_review_page_in_chromium_is_rtl_for_arabic_without_errors(config_file, tmp_path, sample_article):
    translate_run(config_file, [sample_article], ["ar"])
    page = tmp_path / "out" / "new-start-dialogue" / "ar" / "review.html"
    probe, log = run_chromium(page, tmp_path / "profile")
    assert console_errors(log) == []
    assert probe["cells"] == 18
    assert probe["directions"] == ["rtl"]
    assert probe["source"] == ["ltr"]


@needs_chromium
def test_review_page_marks_terms_and_escapes_text(tmp_path):
    page = tmp_path / "review.html"
    page.write_text(review_page(ROWS, title="T", source_lang="en", target_lang="ar"), encoding="utf-8")
    probe, log = run_chromium(page, tmp_path / "profile")
    assert console_errors(log) == []
    assert probe == {"cells": 2, "directions": ["rtl"], "source": ["ltr"], "marks": 2, "injected": 0}


def test_review_page_html():
    html = review_page(ROWS, title="T", source_lang="en", target_lang="ar")
    assert '<mark class="term">New START</mark> &lt;b&gt;ends&lt;/b&gt;' in html
    assert '<td class="target" lang="ar" dir="rtl"><mark class="term">نيو ستارت</mark> ينتهي</td>' in html
    assert "<li>length ratio 2.10</li>" in html
    assert '<tr id="s2" class="paragraph reviewed flagged">' in html
    assert "2 segments, 1 reviewed, 1 with QA flags." in html


@pytest.mark.parametrize(
    "text, phrases, expected",
    [
        ("New START ends", ["New START"], [("New START", True), (" ends", False)]),
        ("the new start", ["New START"], [("the ", False), ("new start", True)]),
        ("US European Command", ["US", "US European Command"], [("US European Command", True)]),
        ("abc", [], [("abc", False)]),
    ],
)
def test_highlight(text, phrases, expected):
    assert highlight(text, phrases) == expected


def _runs_char_by_char(text, phrases):
    """highlight as first written: runs grown one character at a time."""
    marks = [False] * len(text)
    folded = text.casefold()
    for phrase in sorted({p for p in phrases if p.strip()}, key=len, reverse=True):
        needle = phrase.casefold()
        if len(needle) != len(phrase):
            continue
        start = folded.find(needle)
        while start >= 0:
            end = start + len(needle)
            if not any(marks[start:end]):
                marks[start:end] = [True] * len(needle)
            start = folded.find(needle, end)
    runs = []
    for ch, marked in zip(text, marks):
        if runs and runs[-1][1] == marked:
            runs[-1] = (runs[-1][0] + ch, marked)
        else:
            runs.append((ch, marked))
    return runs


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abAB ßẞ.", max_size=20), st.lists(st.text(alphabet="abAB ßẞ", max_size=4), max_size=3))
def test_highlight_runs_as_char_by_char(text, phrases):
    assert highlight(text, phrases) == _runs_char_by_char(text, phrases)


def test_glossary_term_reports_show_as_marks_and_flags():
    """segments.json term reports as the glossary stage writes them (id, source, expected, status)."""
    rows = views(
        {"id": "s1", "kind": "paragraph", "source": "The New START treaty.", "target": "Der New-START-Vertrag.",
         "terms": [{"id": "t1", "source": "New START", "expected": "New START", "status": "violated", "method": "none"}]},
        {"id": "s2", "kind": "paragraph", "source": "Abu Dhabi talks.", "target": "Gespräche in Abu Dhabi.",
         "terms": [{"id": "t2", "source": "Abu Dhabi", "expected": "Abu Dhabi", "status": "present", "method": "model"}]},
    )
    html = review_page(rows, title="T", source_lang="en", target_lang="de")
    assert "<li>term New START \u2192 New START: violated</li>" in html
    assert '<mark class="term">Abu Dhabi</mark>' in html.split('<tr id="s2"')[1]
    assert "1 with QA flags." in html
