"""Issue 14, items 8-11: hostile input is let in nowhere and cannot hang or crash a run.

XSS: every written HTML file is parsed and no attribute may hold a javascript:/vbscript:/data:
URL or be an event handler. Paths: a manifest or folder cannot reach files outside its root.
Denial of service: YAML alias bombs, deep nesting and huge terms are refused within seconds.
"""

from __future__ import annotations

import html
import os
import re
import resource
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsl10n.cli import app

from conftest import ROOT
from helpers import cli_translate

runner = CliRunner()
HOSTILE_URLS = [
    "javascript:alert(document.domain)",
    "JaVaScRiPt:alert(1)",
    "  javascript:alert(1)",
    "java&#x09;script:alert(1)",
    "javascript&colon;alert(1)",
    "&#106;avascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
]
UNSAFE_URL = re.compile(r"^\s*(javascript|vbscript|data):", re.IGNORECASE)


class Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, k, v or "") for k, v in attrs)


def assert_no_live_code(page: str) -> Attributes:
    parsed = Attributes()
    parsed.feed(page)
    for tag, name, value in parsed.attrs:
        if (tag, name, value) == ("link", "href", "data:,"):
            continue  # the page template's empty favicon (no request, no content)
        assert not name.lower().startswith("on"), (tag, name, value)
        cleaned = re.sub(r"[\x00-\x20]", "", html.unescape(value))
        assert not UNSAFE_URL.match(cleaned), (tag, name, value)
    assert "script" not in parsed.tags[1:] or all(  # the review page's own script has no src
        name != "src" for tag, name, _ in parsed.attrs if tag == "script"
    )
    return parsed


def _translate(article: Path, model: Path, out: Path) -> None:
    cli_translate(article, "--to", "de", "--model", f"de={model}", "--out", out, "--no-tm", "-q")


@pytest.mark.slow
def test_html_article_links_to_unsafe_urls_are_not_kept(tmp_path, tiny_models):
    links = "".join(f'<p>Read <a href="{url}">the report number {i}</a> today.</p>\n' for i, url in enumerate(HOSTILE_URLS))
    page = (
        "<html><head><title>Talks</title></head><body><article><h1>Talks resume in Abu Dhabi</h1>\n"
        f"<p>The envoy met the delegation, <a href=\"https://example.org/a\">as reported</a>.</p>\n{links}"
        "</article></body></html>"
    )
    article = tmp_path / "links.html"
    article.write_text(page, encoding="utf-8")
    _translate(article, tiny_models["de"], tmp_path / "out")
    bundle = tmp_path / "out/links/de"
    parsed = assert_no_live_code((bundle / "article.html").read_text(encoding="utf-8"))
    assert ("a", "href", "https://example.org/a") in parsed.attrs  # safe links are kept
    assert_no_live_code((bundle / "review.html").read_text(encoding="utf-8"))
    for name in ("segments.json", "article.xlf"):
        assert "javascript" not in (bundle / name).read_text(encoding="utf-8").lower()


@pytest.mark.slow
def test_markdown_raw_html_and_unsafe_links_are_text(tmp_path, tiny_models):
    article = tmp_path / "raw.md"
    article.write_text(
        "# Talks resume\n\n"
        "The envoy <script>alert(document.cookie)</script> met the delegation.\n\n"
        "A photo <img src=x onerror=alert(1)> was shown, <span onclick=\"alert(1)\">twice</span>.\n\n"
        "See [the report](javascript:alert(1)) and <a href=\"javascript:alert(2)\">this</a>.\n\n"
        "Kept: <span class=\"note\">a note</span>.\n",
        encoding="utf-8",
    )
    _translate(article, tiny_models["de"], tmp_path / "out")
    bundle = tmp_path / "out/raw/de"
    md = (bundle / "article.md").read_text(encoding="utf-8")
    for raw in ("<script", "<img", "<span onclick", "<a href"):
        assert raw not in md
    assert_no_live_code((bundle / "article.html").read_text(encoding="utf-8"))
    assert_no_live_code((bundle / "review.html").read_text(encoding="utf-8"))


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_readers_never_put_an_unsafe_href_in_an_inline(url):
    from newsl10n.formats.html import read_html
    from newsl10n.formats.markdown import read_markdown

    page = f'<html><body><article><h1>Title here</h1><p>Some text <a href="{url}">a link</a> here.</p></article></body></html>'
    articles = [
        read_html(page, name="a", source="a.html"),
        read_markdown(f"# Title\n\nSome text [a link]({url}) and <a href=\"{url}\">b</a> here.\n", name="a", source="a.md"),
    ]
    for article in articles:
        for block in article.blocks:
            for inline in block.inline:
                assert inline.tag != "html" or "href" not in dict(inline.attrs).get("raw", "")
                assert "href" not in dict(inline.attrs) or not UNSAFE_URL.match(
                    re.sub(r"[\x00-\x20]", "", html.unescape(dict(inline.attrs)["href"]))
                )


@pytest.mark.parametrize("ref", ["../../../../etc/passwd", "/etc/passwd", "sub/../../outside.txt"])
def test_manifest_paths_stay_inside_the_manifest_folder(tmp_path, ref):
    (tmp_path / "outside.txt").write_text("Secret headline\n\nA secret paragraph.\n")
    folder = tmp_path / "batch"
    (folder / "sub").mkdir(parents=True)
    manifest = folder / "list.jsonl"
    manifest.write_text(f'{{"path": "{ref}", "id": "x"}}\n')
    result = runner.invoke(app, ["translate", str(manifest), "--to", "de", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {manifest} line 1: path {ref!r} leads outside the manifest's folder {folder} "
        "(list the file on the command line instead)"
    )
    assert not (tmp_path / "out").exists()


def test_folder_input_skips_links_outside_it_and_the_output_folder(tmp_path, caplog):
    from newsl10n.batch import collect_articles

    secret = tmp_path / "secret.txt"
    secret.write_text("Secret\n\nText.\n")
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "story.txt").write_text("Story\n\nText.\n")
    (folder / "inner.txt").symlink_to(folder / "story.txt")  # a link inside the folder is fine
    (folder / "leak.txt").symlink_to(secret)
    out = folder / "out"
    (out / "story" / "de").mkdir(parents=True)
    (out / "story" / "de" / "article.txt").write_text("Geschichte\n\nText.\n")
    found = collect_articles([folder], exclude=[out])
    assert sorted(a.path.name for a in found) == ["inner.txt", "story.txt"]
    assert f"{folder / 'leak.txt'}: skipped, a link to {secret} outside {folder}" in caplog.text
    # named on the command line, the same file is the user's choice
    assert [a.path for a in collect_articles([secret])] == [secret]


def test_locales_are_deduplicated_ignoring_case():
    from newsl10n.cli.common import parse_locales

    assert parse_locales("de,DE, fr ,pt-BR,pt_br") == ["de", "fr", "pt-BR"]
    # one locale, one spelling: `--to DE` is the de bundle, with the glossary's de terms
    assert parse_locales("DE,PT-br,zh_hant_tw,ES-419") == ["de", "pt-BR", "zh_Hant_TW", "es-419"]


def test_model_overrides_take_the_locales_usual_case():
    from newsl10n.cli.common import parse_model_overrides

    assert parse_model_overrides(["DE=models/en-de", "pt-br=x"]) == {"de": "models/en-de", "pt-BR": "x"}


def alias_bomb() -> str:
    """9 levels of 9 aliases (about 590 bytes): 387 million nodes once expanded."""
    text = 'domain: test\nentries: []\na: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for prev, name in zip("abcdefgh", "bcdefghi"):
        text += f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]\n"
    return text


def huge_terms() -> str:
    return (
        "domain: test\nentries:\n  - id: big\n    source: " + "a" * 700_000
        + "\n    targets: {de: " + "b" * 1_000_000 + "}\n"
    )  # fmt: skip


DOS_GLOSSARIES = [
    (alias_bomb, ["{g}:7: YAML aliases expand to more than 10,000 extra nodes; write the values out"]),
    (lambda: "[" * 10_000, ["{g}:1: malformed YAML: nested too deeply"]),
    (huge_terms, [
        "{g}:4: big: source term is 700,000 characters long (a term has at most 200)",
        "{g}:5: big: de: preferred term is 1,000,000 characters long (a term has at most 200)",
    ]),
]


@pytest.mark.parametrize("make, expected", DOS_GLOSSARIES, ids=["alias-bomb", "deep-nesting", "huge-terms"])
def test_glossary_check_refuses_hostile_files_quickly(tmp_path, make, expected):
    """In a child process held to 1 GiB of address space and a few seconds."""
    g = tmp_path / "terms.yaml"
    g.write_text(make(), encoding="utf-8")
    started = time.monotonic()
    result = bounded_cli(["glossary", "check", str(g)], tmp_path)
    assert time.monotonic() - started < 8
    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stdout.splitlines() == [line.format(g=g) for line in expected]


def bounded_cli(args: list[str], cwd: Path, memory: int = 2**30, seconds: int = 20) -> subprocess.CompletedProcess:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "newsl10n", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=seconds, preexec_fn=limit)  # fmt: skip


def test_csv_export_writes_no_live_formula():
    import csv
    import io

    from newsl10n.terms.formats import to_csv

    text = (
        "domain: test\nentries:\n"
        "  - id: f\n    source: '=HYPERLINK(\"http://x.test\",\"a\")'\n    targets: {de: '@SUM(1+1)'}\n"
        "  - id: g\n    source: '+1 talks'\n    targets: {de: '-Gespräche'}\n"
        "  - id: ok\n    source: NATO\n    targets: {de: NATO}\n"
    )
    from newsl10n.terms.files import _combine, _parse  # the loader's own path, from text

    parsed, problems = _parse(text, "t.yaml")
    glossary, problems = _combine([parsed])
    assert problems == []
    rows = list(csv.reader(io.StringIO(to_csv(glossary, ["de"]))))
    assert rows[1:] == [["'=HYPERLINK(\"http://x.test\",\"a\")", "'@SUM(1+1)"], ["'+1 talks", "'-Gespräche"], ["NATO", "NATO"]]


@pytest.mark.parametrize(
    "line",
    [
        'A photo <img src=x onerror=alert(1)> was shown, <span onclick="alert(1)">twice</span>.',
        'Nested <span class="a"><span onclick="x()">inner</span> outer</span> text.',
        "A stray </b> closing tag and <b>a kept one</b>.",
    ],
)
def test_markdown_output_never_closes_a_tag_it_escaped(line):
    """Issue 27: article.md kept the raw closing tag of an opening tag it had made text."""
    from newsl10n.bundle.render import markdown_document
    from newsl10n.formats.markdown import read_markdown

    article = read_markdown(f"# Talks resume\n\n{line}\n", name="a", source="a.md")
    output = markdown_document(article, {s.id: s.text for s in article.segments})
    opened: list[str] = []
    for escaped, closing, name in re.findall(r"(\\?)<(/?)([a-z]+)\b[^>]*>", output):
        if escaped:
            continue  # text: \<span ...\> is shown, not parsed
        if closing:
            assert opened and opened[-1] == name, (output, name)
            opened.pop()
        else:
            opened.append(name)
