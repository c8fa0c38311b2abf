"""The review editor in real headless Chromium (Playwright driving Debian's /usr/bin/chromium):
edit and save with the keyboard, reload, the files and the memory that change, a later
translate keeping the edit, RTL, escaped text, a stale save from a second page."""

from __future__ import annotations

import json
import shutil

import pytest

from review_fixture import SCRIPT_LINE, build_pristine, copy_of, live_server, snapshot, workspace_for

from conftest import GLOSSARIES, SAMPLE

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium package is not installed"),
]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, tiny_models):
    return build_pristine(tmp_path_factory.mktemp("review"), tiny_models, SAMPLE, GLOSSARIES)


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def served(pristine, tmp_path):
    """(base URL, work folder) of a live server over a private copy of the bundles."""
    from newsl10n.server.app import create_app

    work = copy_of(pristine, tmp_path)
    with live_server(create_app(workspace_for(work))) as url:
        yield url, work


def segments_of(work, locale):
    path = work / "out" / "new-start-dialogue" / locale / "segments.json"
    return {s["id"]: s for s in json.loads(path.read_text(encoding="utf-8"))["segments"]}


def reviewed_in_memory(work, locale):
    from newsl10n.tm.store import TranslationMemory

    with TranslationMemory(work / "out" / ".newsl10n-tm.sqlite") as memory:
        return {(e.source, e.target) for e in memory.entries(locale, reviewed_only=True)}


def edit_and_save(page, segment, text):
    """Type ``text`` into a segment's target and press Ctrl+Enter; wait for the saved row."""
    area = page.locator(f"tr#{segment} textarea")
    area.fill(text)
    area.press("Control+Enter")
    page.wait_for_selector(f"tr#{segment}.reviewed")


def test_edit_with_the_keyboard_saves_the_bundle_and_the_memory(served, browser):
    url, work = served
    before = snapshot(work)
    machine = segments_of(work, "de")
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(url + "/")
    assert page.locator("tr.bundle").count() == 2
    with page.expect_response(lambda r: r.url.endswith("/prepare/new-start-dialogue/de")) as prepared:
        page.click("tr.bundle:has(td.locale:text-is('de')) a.edit")  # the loaded page asks for its pieces
    assert prepared.value.status == 200  # (its body, which the page does not read, Playwright never gets)
    page.wait_for_selector("tr#s2 textarea")
    edited = "Die Vereinigten Staaten und Russland nehmen den Dialog wieder auf."
    edit_and_save(page, "s2", edited)
    # save and next: the following segment's target has the focus
    assert page.evaluate("document.activeElement.closest('tr').id") == "s3"
    page.keyboard.press("Alt+ArrowUp")
    assert page.evaluate("document.activeElement.closest('tr').id") == "s2"
    page.reload()
    assert "reviewed" in page.get_attribute("tr#s2", "class")
    assert page.input_value("tr#s2 textarea") == edited
    assert errors == []

    after = snapshot(work)
    changed = {name for name in after if before.get(name) != after[name]}
    bundle = "out/new-start-dialogue/de/"
    assert changed - {n for n in changed if n.startswith("out/.newsl10n-tm.sqlite")} == {
        bundle + name for name in ("segments.json", "article.txt", "article.html", "article.xlf", "review.html", "manifest.json")
    }
    segments = segments_of(work, "de")
    assert segments["s2"]["target"] == edited and segments["s2"]["reviewed"] is True
    assert {k: v for k, v in segments.items() if k != "s2"} == {k: v for k, v in machine.items() if k != "s2"}
    text, old = (work / bundle / "article.txt").read_text(encoding="utf-8"), before[bundle + "article.txt"].decode()
    assert text == old.replace(machine["s2"]["target"], edited, 1)
    assert reviewed_in_memory(work, "de") == {(machine["s2"]["source"], edited)}

    from newsl10n.config import load_config
    from newsl10n.terms.files import resolve_glossary

    from helpers import translate_run

    glossary = resolve_glossary(load_config(work / "pipeline.yaml"))
    translate_run(work / "pipeline.yaml", [work / "new-start-dialogue.txt"], ["de"], glossary=glossary)
    again = segments_of(work, "de")
    assert again["s2"]["target"] == edited and again["s2"]["reviewed"] is True


def test_arabic_editor_is_right_to_left_and_shows_markup_as_text(served, browser):
    url, work = served
    page = browser.new_page()
    page.goto(url + "/edit/new-start-dialogue/ar")
    directions = page.evaluate(
        "sel => [...new Set([...document.querySelectorAll(sel)].map(e => getComputedStyle(e).direction))]", "td.target"
    )
    assert directions == ["rtl"]
    assert page.evaluate("getComputedStyle(document.querySelector('tr#s2 textarea')).direction") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('tr#s2 td.source')).direction") == "ltr"
    script_row = page.locator("tr.segment", has_text="<script>")
    assert script_row.locator("td.source").inner_text() == SCRIPT_LINE
    assert page.evaluate("document.querySelectorAll('tbody script').length") == 0
    assert page.title() == "Edit: new-start-dialogue [ar]"
    # the long unbroken target wraps inside its cell instead of covering the next column
    long = "ا" * 400
    page.fill("tr#s3 textarea", long)
    edit_and_save(page, "s3", long)
    page.reload()
    assert "reviewed" in page.get_attribute("tr#s3", "class")
    assert page.input_value("tr#s3 textarea") == long
    cell, terms = (page.locator(f"tr#s3 td.{c}").bounding_box() for c in ("target", "terms"))
    assert cell["x"] + cell["width"] <= terms["x"] + 1
    assert page.evaluate("(a => a.scrollWidth <= a.clientWidth)(document.querySelector('tr#s3 textarea'))")
    assert segments_of(work, "ar")["s3"]["target"] == long


def test_a_stale_save_from_a_second_page_is_refused(served, browser):
    url, work = served
    first, second = browser.new_page(), browser.new_page()
    for page in (first, second):
        page.goto(url + "/edit/new-start-dialogue/de")
    edit_and_save(first, "s5", "Die erste Fassung.")
    second.fill("tr#s5 textarea", "Die zweite Fassung.")
    second.press("tr#s5 textarea", "Control+Enter")
    message = second.wait_for_selector("tr#s5 .message")
    assert "changed by someone else" in message.inner_text()
    assert "Die erste Fassung." in message.inner_text()
    assert second.input_value("tr#s5 textarea") == "Die zweite Fassung."  # the second person's text is not lost
    assert segments_of(work, "de")["s5"]["target"] == "Die erste Fassung."
    second.reload()
    assert second.input_value("tr#s5 textarea") == "Die erste Fassung."
