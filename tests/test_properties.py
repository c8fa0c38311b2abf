"""Property tests (hypothesis): ingest, segment and rebuild keep every character of the input."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsl10n.model import rebuild_block
from newsl10n.ingest import parse_text

# Arbitrary Unicode, with line breaks of every style and sentence punctuation well represented.
text_strategy = st.lists(
    st.one_of(
        st.text(min_size=0, max_size=40),
        st.sampled_from(["\n", "\r\n", "\r", "\n\n", " ", ". ", "? ", "U.S. ", "“Quote.” ", "\t"]),
    ),
    max_size=30,
).map("".join)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(text_strategy)
def test_identity_translation_rebuilds_input_exactly(text):
    article = parse_text(text, name="a")
    identity = {seg.id: seg.text for seg in article.segments}
    blocks = {b.index: rebuild_block(b, identity) for b in article.body_blocks}
    assert article.render(blocks) == text


@SETTINGS
@given(text_strategy)
def test_segments_are_ordered_non_overlapping_and_exact(text):
    article = parse_text(text, name="a")
    for block in article.blocks:
        pos = 0
        for seg in block.segments:
            assert pos <= seg.start < seg.end <= len(block.text)
            assert block.text[seg.start : seg.end] == seg.text
            assert seg.text == seg.text.strip()
            pos = seg.end
