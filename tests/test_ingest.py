import pytest

from newsl10n.errors import InputError
from newsl10n.ingest import classify_lines, decode_article, parse_text

from conftest import sample_text

SAMPLE_UI = [
    "Related articles",
    "Leave a comment",
    "Your email address will not be published. Required fields are marked *",
    "Go to top button",
]


def test_sample_article_blocks_and_segments():
    article = parse_text(sample_text(), name="new-start-dialogue")
    kinds = [b.kind for b in article.blocks]
    assert kinds == [
        "section", "headline",
        "paragraph", "heading", "paragraph", "heading", "paragraph", "heading",
        "paragraph", "paragraph", "heading", "paragraph",
        "ui", "ui", "ui", "ui",
    ]  # fmt: skip
    assert article.blocks[0].text == "World News"
    assert [b.text for b in article.ui_blocks[1:]] == SAMPLE_UI
    segs = article.segments
    assert len(segs) == 18
    assert sum(s.kind == "paragraph" for s in segs) == 13
    assert sum(s.kind == "heading" for s in segs) == 4
    assert segs[0].kind == "headline"
    assert [s.id for s in segs] == [f"s{i}" for i in range(1, 19)]
    # UI blocks and the section label are never segmented for the model
    assert all(not b.segments for b in article.ui_blocks)


def test_segment_offsets_point_into_their_block():
    article = parse_text(sample_text(), name="a")
    for seg in article.segments:
        assert article.blocks[seg.block].text[seg.start : seg.end] == seg.text


@pytest.mark.parametrize(
    "text",
    [
        sample_text(),
        sample_text().replace("\n", "\r\n"),
        "  Headline with indent  \n\n\n\tA paragraph.   Another one.\t\n\n\n",
        "Only a headline",
        "\n\nHeadline\n\nBody text here. More.\n\nTail line",
    ],
)
def test_identity_rebuild_reproduces_input_exactly(text):
    from newsl10n.model import rebuild_block

    article = parse_text(text, name="a")
    blocks = {b.index: rebuild_block(b, {}) for b in article.blocks}
    assert article.render(blocks) == text
    assert article.render() == text


@pytest.mark.parametrize(
    "lines, kinds",
    [
        (["Headline", "Body sentence."], ["headline", "paragraph"]),
        (["Section", "Headline", "Body."], ["section", "headline", "paragraph"]),
        (["Headline", "Body.", "Heading", "More body."], ["headline", "paragraph", "heading", "paragraph"]),
        (["Headline", "Body.", "Share this"], ["headline", "paragraph", "ui"]),
        (["Headline", "Leave a comment", "Body."], ["headline", "ui", "paragraph"]),
        (["Headline"], ["headline"]),
        (["Leave a comment", "Headline", "Body."], ["ui", "headline", "paragraph"]),
        (["Leave a comment"], ["ui"]),
    ],
)
def test_classify_lines(lines, kinds):
    assert classify_lines(lines, ui_strings=["leave a COMMENT"]) == kinds


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "a.txt: file is empty"),
        (b"  \n\n \t", "a.txt: file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "a.txt: binary file (contains NUL bytes), expected UTF-8 text"),
        (b"Caf\xe9 au lait.", "a.txt: not valid UTF-8 (byte 0xe9 at offset 3)"),
        (b"\xef\xbb\xbfCaf\xe9", "a.txt: not valid UTF-8 (byte 0xe9 at offset 6)"),
    ],
)
def test_decode_errors(data, message):
    with pytest.raises(InputError) as err:
        decode_article(data, source="a.txt")
    assert str(err.value) == message


def test_decode_drops_bom():
    assert decode_article("\ufeffHeadline".encode("utf-8"), source="a") == "Headline"
