"""HTML and Markdown articles: reading, inline markup restored after translation, end to end."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from newsl10n.model import Block, Inline, Segment
from newsl10n.formats.html import read_html
from newsl10n.formats.markdown import read_markdown
from newsl10n.bundle.render import html_body, markdown_document
from newsl10n.bundle.markup import target_nodes, to_html, to_markdown
from helpers import translate_run

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
INLINE_TAGS = {"strong", "em", "a", "code", "u", "sub", "sup", "del", "br"}
VOID = {"br", "meta", "link", "img", "hr", "input"}


class TagTree(HTMLParser):
    """Checks well-formedness (every tag closed in order) and records the tag structure."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.paths: list[tuple[str, ...]] = []  # the open-tag path of every element, in order
        self.errors: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.paths.append((*self.stack, tag))
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href", ""))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    @classmethod
    def of(cls, html: str) -> TagTree:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser


def structure(html: str) -> list[tuple[str, ...]]:
    tree = TagTree.of(html)
    assert tree.errors == [] and tree.stack == []
    return tree.paths


def md_structure(markdown: str) -> list[tuple[str, ...]]:
    from markdown_it import MarkdownIt

    return structure(MarkdownIt("commonmark").enable("strikethrough").render(markdown))


def block(text: str, inline: list[tuple[int, int, str]], segments: list[tuple[int, int]]) -> Block:
    segs = tuple(Segment(f"s{i}", 0, "paragraph", text[s:e], s, e) for i, (s, e) in enumerate(segments, 1))
    spans = tuple(Inline(s, e, tag, (("href", "https://x.test/?a=1&b=2"),) if tag == "a" else ()) for s, e, tag in inline)
    return Block(0, "paragraph", text, segs, "p", "", spans)


# -- readers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name, reader", [("new-start-dialogue.html", read_html), ("new-start-dialogue.md", read_markdown)])
def test_reader_finds_blocks_and_inline_runs(name, reader):
    path = EXAMPLES / name
    article = reader(path.read_text(encoding="utf-8"), name="n", source=str(path))
    kinds = [b.kind for b in article.blocks]
    assert kinds[0] == "headline"
    assert article.blocks[0].text == "Resumption of military dialogue between the US and Russia after New START"
    assert kinds.count("heading") == 4
    assert [b.tag for b in article.blocks if b.container] == ["li", "li"]
    runs = {(b.text[i.start : i.end], i.tag) for b in article.blocks for i in b.inline}
    assert {
        ("United States", "strong"),
        ("New START treaty", "a"),
        ("deployed", "em"),
        ("1,550 deployed nuclear warheads", "strong"),
        ("legally binding", "code"),
        ("global stability", "strong"),
        ("expired", "em"),
    } <= runs
    # navigation, related links, the comment form and the footer never become article text
    text = " ".join(b.text for b in article.blocks)
    for chrome in ("Home", "Leave a comment", "Your email address", "Go to top", "Related articles"):
        assert chrome not in text
    # no sentence is split inside an inline run
    for b in article.blocks:
        for i in b.inline:
            assert any(s.start <= i.start and i.end <= s.end for s in b.segments), (b.text[i.start : i.end])


def test_html_without_article_text_is_an_input_error():
    from newsl10n.errors import InputError

    with pytest.raises(InputError, match=r"^page.html: no article text found in the HTML$"):
        read_html("<html><body><script>var x = 1;</script></body></html>", name="p", source="page.html")


# -- markup restore --------------------------------------------------------------------------

TEXT = "The United States and Russia met. Talks resume in Abu Dhabi today."
CASES = [
    # (inline runs, translations, expected HTML)
    pytest.param(
        [(4, 17, "strong")],
        {"s1": "Die United States und Russland trafen sich.", "s2": "Gespräche in Abu Dhabi heute."},
        "Die <strong>United States</strong> und Russland trafen sich. Gespräche in Abu Dhabi heute.",
        id="anchored-verbatim",
    ),
    pytest.param(
        [(50, 59, "a"), (54, 59, "em")],
        {"s1": "X.", "s2": "Gespräche gehen in Abu Dhabi heute weiter."},
        'X. Gespräche gehen in <a href="https://x.test/?a=1&amp;b=2">Abu <em>Dhabi</em></a> heute weiter.',
        id="nested-anchored",
    ),
    pytest.param(
        [(0, 33, "em")],
        {"s1": "Alpha beta gamma.", "s2": "Delta."},
        "<em>Alpha beta gamma.</em> Delta.",
        id="whole-sentence",
    ),
    pytest.param(
        [(34, 39, "code")],
        {"s1": "Eins.", "s2": "Zwei drei vier fünf sechs."},
        "Eins. <code>Talks</code> Zwei drei vier fünf sechs.",
        id="code-not-found-is-inserted-verbatim",
    ),
    pytest.param(
        [(4, 17, "strong")],
        {"s1": "", "s2": "Nein."},
        "<strong>United States</strong> Nein.",
        id="empty-run-keeps-source-text",
    ),
]


TWO_RUNS = [(4, 17, "strong"), (22, 28, "strong")]
CASES += [
    pytest.param(
        TWO_RUNS,
        {"s1": "Die USA & <Russland> einigten sich.", "s2": "Zwei."},
        "Die <strong>USA &amp; &lt;Russland&gt;</strong> <strong>einigten</strong> sich. Zwei.",
        id="crowded-run-takes-nearest-free-word",
    ),
    pytest.param(
        TWO_RUNS,
        {"s1": "Ja.", "s2": "Zwei drei."},
        "<strong>Ja.</strong><strong>Russia</strong> Zwei drei.",
        id="no-free-word-in-the-sentence-keeps-source",
    ),
]


@pytest.mark.parametrize("inline, targets, expected", CASES)
def test_tags_restored_around_translated_runs(inline, targets, expected):
    b = block(TEXT, inline, [(0, 33), (34, 66)])
    _, nodes = target_nodes(b, targets)
    assert to_html(nodes) == expected


@pytest.mark.parametrize(
    "translation",
    [
        "ein zwei drei vier fünf sechs sieben acht neun zehn elf",
        "eins",
        "",
        "<b>kaputt</a> & [x](y) *stern* `tick`",
        "نص عربي طويل بعض الشيء هنا",
        "没有空格的中文句子",
    ],
)
def test_any_translation_gives_same_tags_in_same_nesting(translation):
    b = block(
        "A bold start, an em with strong inside, a link and code end.",
        [(2, 6, "strong"), (17, 38, "em"), (25, 31, "strong"), (40, 46, "a"), (51, 55, "code")],
        [(0, 60)],
    )
    _, nodes = target_nodes(b, {"s1": translation})
    html = to_html(nodes)
    expected = [("strong",), ("em",), ("em", "strong"), ("a",), ("code",)]
    assert structure(html) == expected
    md_paths = [p[1:] for p in md_structure(to_markdown(nodes)) if p != ("p",)]
    assert md_paths == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("# not a heading", "\\# not a heading"),
        ("1. not a list", "1\\. not a list"),
        ("a *star* and [bracket] & <tag>", "a \\*star\\* and \\[bracket\\] \\& \\<tag\\>"),
    ],
)
def test_markdown_escapes_model_output(text, expected):
    from newsl10n.bundle.markup import markdown_block_start

    assert markdown_block_start(to_markdown([text])) == expected


# -- end to end ------------------------------------------------------------------------------


@pytest.fixture
def run_format(config_file, tmp_path):
    def _run(name, locales=("de", "ar")):
        path = tmp_path / name
        shutil.copy(EXAMPLES / name, path)
        translate_run(config_file, [path], locales)
        return tmp_path / "out" / "new-start-dialogue"

    return _run


def source_paths(html: str) -> list[tuple[str, ...]]:
    return [p for p in structure(html) if p[-1] in INLINE_TAGS | {"h1", "h2", "p", "ul", "li"}]


@pytest.mark.slow
def test_markdown_article_translates_with_markup_intact(run_format):
    out = run_format("new-start-dialogue.md")
    source_md = (EXAMPLES / "new-start-dialogue.md").read_text(encoding="utf-8")
    expected = md_structure(source_md)
    for locale in ("de", "ar"):
        files = {p.name for p in (out / locale).iterdir()}
        assert {"article.md", "article.html", "article.txt", "article.xlf", "review.html", "segments.json"} <= files
        target_md = (out / locale / "article.md").read_text(encoding="utf-8")
        assert target_md != source_md
        assert md_structure(target_md) == expected
        body = (out / locale / "article.html").read_text(encoding="utf-8")
        tree = TagTree.of(body)
        assert tree.errors == [] and tree.stack == []
        assert [p[p.index("article") + 1 :] for p in tree.paths if "article" in p[:-1]] == expected
        assert 'dir="rtl"' in body if locale == "ar" else 'dir="ltr"' in body
        segments = json.loads((out / locale / "segments.json").read_text(encoding="utf-8"))["segments"]
        assert len(segments) == 21
        assert "`legally binding`" in target_md  # code is never translated


@pytest.mark.slow
def test_html_article_translates_with_markup_intact(run_format):
    out = run_format("new-start-dialogue.html", locales=("de",))
    source = read_html(
        (EXAMPLES / "new-start-dialogue.html").read_text(encoding="utf-8"), name="n", source="x"
    )
    identity = {s.id: s.text for s in source.segments}
    expected = structure(html_body(source, identity))
    body = (out / "de" / "article.html").read_text(encoding="utf-8")
    tree = TagTree.of(body)
    assert tree.errors == [] and tree.stack == []
    assert [p[p.index("article") + 1 :] for p in tree.paths if "article" in p[:-1]] == expected
    assert tree.hrefs == ["https://www.state.gov/new-start/", "https://en.wikipedia.org/wiki/Abu_Dhabi", "https://www.eucom.mil/", "https://www.nato.int/"]
    assert "article.md" not in {p.name for p in (out / "de").iterdir()}
    assert "Leave a comment" not in body and "Go to top" not in body


def test_identity_translation_gives_back_the_markdown():
    path = EXAMPLES / "new-start-dialogue.md"
    source = path.read_text(encoding="utf-8")
    article = read_markdown(source, name="n", source=str(path))
    rendered = markdown_document(article, {s.id: s.text for s in article.segments})
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    assert md.render(rendered) == md.render(source)


MD_EXTRAS = """# Title

Intro with <span class="x">raw</span> HTML and a hard  
break.

```
code_block(keep = "as is")
```

1. First *item*.
2. Second item.
"""


def test_markdown_code_blocks_lists_and_raw_html():
    article = read_markdown(MD_EXTRAS, name="n", source="x.md")
    assert [(b.kind, b.tag, b.container) for b in article.blocks] == [
        ("headline", "h1", ""),
        ("paragraph", "p", ""),
        ("verbatim", "pre", ""),
        ("paragraph", "li", "ol"),
        ("paragraph", "li", "ol"),
    ]
    assert article.blocks[2].segments == () and article.blocks[2].text == 'code_block(keep = "as is")'
    assert article.blocks[1].text == "Intro with raw HTML and a hard break."
    assert [i.tag for i in article.blocks[1].inline] == ["html", "html", "br"]
    upper = {s.id: s.text.upper() for s in article.segments}
    assert markdown_document(article, upper) == (
        "# TITLE\n\n"
        'INTRO WITH <span class="x">RAW</span> HTML AND A HARD\\\n BREAK.\n\n'
        '```\ncode_block(keep = "as is")\n```\n\n'
        "1. FIRST <em>ITEM.</em>\n2. SECOND ITEM.\n"
    )
    assert "<ol>\n<li>FIRST <em>ITEM.</em></li>\n<li>SECOND ITEM.</li>\n</ol>" in html_body(article, upper)


def test_reviewed_targets_follow_their_source_when_ids_move(tmp_path):
    from newsl10n.bundle.reader import earlier_entries
    from newsl10n.bundle.segments import match_reviewed

    (tmp_path / "segments.json").write_text(json.dumps({"segments": [
        {"id": "s1", "source": "Title", "target": "Titel", "reviewed": True},
        {"id": "s2", "source": "Old first.", "target": "Alt.", "reviewed": True},
        {"id": "s3", "source": "Kept.", "target": "Behalten.", "reviewed": True},
        {"id": "s4", "source": "Machine.", "target": "Maschine."},
    ]}))
    article = read_markdown("# Title\n\nNew first. Kept. Machine.\n", name="n", source="x.md")
    assert [s.text for s in article.segments] == ["Title", "New first.", "Kept.", "Machine."]
    assert match_reviewed(earlier_entries(tmp_path), article).kept == {"s1": "Titel", "s3": "Behalten."}
    assert earlier_entries(tmp_path / "missing") == []


def test_html_without_h1_takes_the_headline_from_the_page_title():
    page = (
        "<html><head><title>Talks resume in Abu Dhabi | World News</title></head><body>"
        "<nav><a href='/'>Home</a></nav><article>"
        "<p>The talks resumed on Thursday after a long pause, officials said. Both sides described "
        "the meeting as <b>constructive</b> and agreed to meet again.</p>"
        "<p>A second paragraph gives more detail about the talks and the people who took part.</p>"
        "</article></body></html>"
    )
    article = read_html(page, name="n", source="x.html")
    assert [(b.kind, b.tag, b.text[:25]) for b in article.blocks] == [
        ("headline", "h1", "Talks resume in Abu Dhabi"),
        ("paragraph", "p", "The talks resumed on Thur"),
        ("paragraph", "p", "A second paragraph gives "),
    ]
    assert [s.text for s in article.segments[1:3]] == [
        "The talks resumed on Thursday after a long pause, officials said.",
        "Both sides described the meeting as constructive and agreed to meet again.",
    ]
