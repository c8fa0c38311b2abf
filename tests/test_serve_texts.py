"""``newsl10n serve``'s texts (plain, HTML, XML) read into segments and written back, without a
model: an identity "translation" gives the input back byte for byte, and an uppercasing one
shows where each segment and each tag goes."""

from __future__ import annotations

import pytest

from newsl10n.api.texts import TextOptions, read_text
from newsl10n.errors import InputError
from newsl10n.segment import Segmenter
from newsl10n.terms.files import Glossary, require_valid
from newsl10n.terms.source import SourceTerms

from conftest import GLOSSARIES

SEGMENTER = Segmenter("en")
NO_TERMS = SourceTerms(Glossary())


def read(text: str, fmt: str = "text", split: str = "1", terms: SourceTerms = NO_TERMS, **options):
    return read_text(text, TextOptions(fmt=fmt, split=split, **options), name="text 1", lang="en", terms=terms,
                     segmenter=SEGMENTER)  # fmt: skip


def upper(text: str, fmt: str = "text", split: str = "1", **options) -> str:
    found = read(text, fmt, split, **options)
    return found.render({s.id: s.text.upper() for s in found.source.article.segments})


def segments(text: str, fmt: str = "text", split: str = "1", **options) -> list[str]:
    return [s.text for s in read(text, fmt, split, **options).source.article.segments]


ROUND_TRIPS = [
    ("text", "One sentence. Another one.\n\n  An indented line\r\nlast line without newline"),
    ("text", "\n\n  \n"),
    ("text", ""),
    ("html", '<p class="lead">Hello <b>bold world</b> and more. Second sentence.</p>\n<ul><li>One</li>\n<li>Two</li></ul>'),
    ("html", "Fish &amp; chips &lt;3 <!-- a comment --> <br> end<img src='a.png' alt=\"\"> now."),
    ("html", "<p>Unclosed paragraph<p>Another <i>one</i>"),
    ("html", "<div>\n  <script>var a = '<b>';</script>\n  <pre>  keep   this  </pre>\n</div>"),
    ("xml", 'Hello <x id="6"></x> world, you have &lt;3 <x id="30"/>messages.'),
    ("xml", "<doc>\n  <title>The title</title>\n  <body>Text of the body. More text.</body>\n</doc>"),
    ("xml", "<?pi data?><![CDATA[raw <stuff>]]> Text after."),
]


@pytest.mark.parametrize(("fmt", "text"), ROUND_TRIPS)
def test_an_identity_translation_gives_every_text_back_byte_for_byte(fmt, text):
    found = read(text, fmt)
    assert found.render({s.id: s.text for s in found.source.article.segments}) == text


@pytest.mark.parametrize(
    ("text", "split", "expected"),
    [
        ("A line\nwithout an end. Next one.", "1", ["A line", "without an end.", "Next one."]),
        ("A line\nwithout an end. Next one.", "nonewlines", ["A line\nwithout an end.", "Next one."]),
        ("A line\nwithout an end. Next one.", "0", ["A line\nwithout an end. Next one."]),
        ("  padded  ", "1", ["padded"]),
    ],
)
def test_plain_text_is_split_as_split_sentences_says(text, split, expected):
    assert segments(text, split=split) == expected


def test_plain_text_keeps_its_layout_around_translated_segments():
    assert upper("One. Two.\r\n\r\n   three\n") == "ONE. TWO.\r\n\r\n   THREE\n"


def test_html_blocks_are_segmented_apart_and_tags_come_back_around_their_words():
    text = '<h1>A title</h1>\n<p>First <a href="/x">link text</a> here. Second.</p>'
    assert segments(text, "html") == ["A title", "First link text here.", "Second."]
    assert upper(text, "html") == '<h1>A TITLE</h1>\n<p>FIRST <a href="/x">LINK TEXT</a> HERE. SECOND.</p>'
    assert segments(text, "html", "0") == ["A title", "First link text here. Second."]


@pytest.mark.parametrize(
    "kept",
    [
        '<span translate="no">Keep Me</span>',
        '<span class="x notranslate">Keep Me</span>',
        "<script>Keep Me</script>",
        "<pre>Keep  Me</pre>",
    ],
)
def test_html_content_marked_untranslatable_is_not_sent_and_comes_back_unchanged(kept):
    text = f"Translate this {kept} and that."
    assert segments(text, "html") == ["Translate this and that."]
    assert upper(text, "html") == f"TRANSLATE THIS {kept} AND THAT."


def test_weblate_placeholders_come_back_unchanged_in_place_with_their_spaces():
    """Weblate's DeepL request: tag_handling xml, ignore_tags ["x"], ``<x id="N"></x>`` for each
    placeholder (N its offset), text XML-escaped."""
    text = 'Hello <x id="6"></x>, you have <x id="16"></x> new &lt;messages&gt;.'
    assert segments(text, "xml", ignore=frozenset({"x"})) == ["Hello , you have new <messages>."]
    assert upper(text, "xml", ignore=frozenset({"x"})) == 'HELLO <x id="6"></x>, YOU HAVE <x id="16"></x> NEW &lt;MESSAGES&gt;.'


def test_ignored_xml_tags_keep_their_content_out_of_the_model():
    text = "Press <keep>Ctrl+S</keep> to save."
    assert segments(text, "xml", ignore=frozenset({"keep"})) == ["Press to save."]
    assert upper(text, "xml", ignore=frozenset({"keep"})) == "PRESS <keep>Ctrl+S</keep> TO SAVE."


def test_ignore_tags_match_html_names_in_any_case_and_xml_names_exactly():
    assert upper("Say <KEEP>x y</KEEP> now.", "html", ignore=frozenset({"Keep"})) == "SAY <KEEP>x y</KEEP> NOW."
    assert upper("Say <Keep>x y</Keep> now.", "xml", ignore=frozenset({"keep"})) == "SAY <Keep>X Y</Keep> NOW."


def test_xml_outline_makes_each_element_on_its_own_line_a_block_unless_turned_off():
    text = "<doc>\n  <title>The title</title>\n  <body>Text.</body>\n</doc>"
    assert segments(text, "xml") == ["The title", "Text."]
    assert upper(text, "xml") == "<doc>\n  <title>THE TITLE</title>\n  <body>TEXT.</body>\n</doc>"
    assert segments(text, "xml", outline=False) == ["The title Text."]
    assert segments("<r><a>One</a><a>Two</a></r>", "xml", splitting=frozenset({"a"})) == ["One", "Two"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Hello <b>world", "text 1: XML element <b> is not closed"),
        ("Hello world</b>", "text 1: XML end tag </b> closes no open element"),
        ("<a><b>x</a></b>", "text 1: XML element <b> is not closed"),
    ],
)
def test_xml_that_is_not_well_formed_is_refused_with_one_line(text, message):
    with pytest.raises(InputError) as exc:
        read(text, "xml")
    assert str(exc.value) == message


def test_a_line_break_between_words_keeps_them_apart_for_the_model():
    assert segments("Line one<br>line two.", "html") == ["Line one line two."]
    assert upper("Line one<br>line two.", "html") == "LINE ONE<br> LINE TWO."


def test_html_is_read_leniently_where_xml_is_not():
    assert upper("Hello <b>world", "html") == "HELLO <b>WORLD"
    assert upper("Hello world</b>", "html") == "HELLO WORLD</b>"


def test_glossary_terms_and_misspellings_are_found_as_in_an_article_file():
    terms = SourceTerms(require_valid([GLOSSARIES]))
    found = read("<p>Envoy Steve Wittkopf met officials. The <b>U.S. European Command</b> said so.</p>", "html",
                 terms=terms)  # fmt: skip
    source = found.source
    assert [s.text for s in source.article.segments] == [
        "Envoy Steve Witkoff met officials.", "The U.S. European Command said so."
    ]
    assert [[h.id for h in source.terms[s.id]] for s in source.article.segments] == [["steve-witkoff"], ["eucom"]]
    assert [(c.original, c.corrected) for c in source.corrections["s1"]] == [("Wittkopf", "Witkoff")]
    plain = read("Steve Wittkopf. See https://example.org/x.", terms=terms).source
    assert [h.id for seg in plain.article.segments for h in plain.terms[seg.id]] == ["steve-witkoff", "dnt-url"]
