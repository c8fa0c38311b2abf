"""Progress while a big article is segmented: the readers' callbacks, the pipeline's threshold,
and the lines a CI log gets."""

from __future__ import annotations

import io
import re

import pytest

from newsl10n.formats.html import read_html
from newsl10n.formats.markdown import read_markdown
from newsl10n.ingest import parse_text
from newsl10n.progress import SegmentProgress
from newsl10n.progress import LineReporter

from conftest import ROOT, sample_text


def _example(suffix: str) -> str:
    return (ROOT / f"examples/new-start-dialogue.{suffix}").read_text(encoding="utf-8")


def _calls(read) -> list[tuple[int, int]]:
    calls: list[tuple[int, int]] = []
    read(lambda done, total: calls.append((done, total)))
    return calls


@pytest.mark.parametrize(
    "read",
    [
        lambda progress: parse_text(sample_text().replace("\n", "\r\n"), name="a", progress=progress),
        lambda progress: read_markdown(_example("md"), name="a", source="a.md", progress=progress),
        lambda progress: read_html(_example("html"), name="a", source="a.html", progress=progress),
    ],
    ids=["text", "markdown", "html"],
)
def test_readers_report_characters_up_to_the_total(read):
    calls = _calls(read)
    done = [d for d, _ in calls]
    totals = {t for _, t in calls}
    assert len(calls) >= 10  # one call per line or block
    assert len(totals) == 1 and done == sorted(done) and done[-1] == totals.pop()


def test_plain_text_total_is_every_character():
    text = sample_text().replace("\n", "\r\n")
    assert _calls(lambda progress: parse_text(text, name="a", progress=progress))[-1] == (len(text), len(text))


class Recorder:
    def __init__(self):
        self.events: list[tuple] = []

    def start(self, label, total, unit="bundles"):
        self.events.append(("start", label, total, unit))

    def advance(self, count):
        self.events.append(("advance", count))

    def finish(self):
        self.events.append(("finish",))


def test_small_articles_report_nothing():
    reporter = Recorder()
    with SegmentProgress(reporter, "a", min_chars=1000) as progress:
        for done in (300, 600, 999):
            progress(done, 999)
    assert reporter.events == []


def test_big_articles_report_characters_as_they_go():
    reporter = Recorder()
    with SegmentProgress(reporter, "big", min_chars=1000) as progress:
        for done in (400, 1500, 2000):
            progress(done, 2000)
    assert reporter.events == [
        ("start", "big", 2000, "characters"),
        ("advance", 400),
        ("advance", 1100),
        ("advance", 500),
        ("finish",),
    ]


def test_line_reporter_shows_segmentation_every_ten_percent():
    stream = io.StringIO()
    reporter = LineReporter(stream)
    reporter.start("big", 1_000_000, unit="characters")
    for _ in range(40):
        reporter.advance(25_000)
    reporter.finish()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "big: segmenting 1,000,000 characters"
    assert [re.match(r"big: (\d+)% \(", line).group(1) for line in lines[1:-1]] == [str(p) for p in range(10, 100, 10)]
    assert re.fullmatch(r"big: 90% \(900,000/1,000,000 characters, [\d,]+ characters/s\)", lines[-2])
    assert re.fullmatch(r"big: 1,000,000/1,000,000 characters in \d+\.\d s \([\d,]+ characters/s\)", lines[-1])


def test_line_reporter_keeps_bundles_to_two_lines():
    stream = io.StringIO()
    reporter = LineReporter(stream)
    reporter.start("2 articles x 1 locales", 2)
    for _ in range(20):
        reporter.advance(0.1)
    reporter.finish()
    assert len(stream.getvalue().splitlines()) == 2
