"""Term matching: whole words, leftmost-longest, case rules, offsets that survive case folding."""

from __future__ import annotations

import pytest

from newsl10n.terms.match import TermMatcher, fold, whole_word

TERMS = [
    ("New START", True, "new-start"),
    ("NATO", True, "nato"),
    ("U.S. European Command", False, "eucom"),
    ("European Command", False, "command"),
    ("EUCOM", False, "eucom"),
    ("deconfliction lines", False, "lines"),
    ("deconfliction", False, "deconfliction"),
    ("Abu Dhabi", False, "abu-dhabi"),
    ("Straße", False, "strasse"),
    ("İstanbul", False, "istanbul"),
    ("C++", True, "cpp"),
]

CASES = [
    # (text, expected [(matched text, payload)])
    ("after New START expired", [("New START", "new-start")]),
    ("a new start for talks", []),  # case-sensitive term, other case
    ("NEW START", []),
    ("the New STARTS", []),  # glued letters: not a whole word
    ("(New START)", [("New START", "new-start")]),
    ("New START-Vertrag", [("New START", "new-start")]),  # a hyphen is a boundary
    ("NATO's forces", [("NATO", "nato")]),
    ("NATOs", []),
    ("the U.S. European Command said", [("U.S. European Command", "eucom")]),  # longest at one start
    ("the European Command said", [("European Command", "command")]),
    ("the u.s. european command said", [("u.s. european command", "eucom")]),
    ("EUCOM and eucom", [("EUCOM", "eucom"), ("eucom", "eucom")]),
    ("Deconfliction lines became", [("Deconfliction lines", "lines")]),
    # the longest fails the boundary check; the shorter one at the same start still counts
    ("deconfliction linesman", [("deconfliction", "deconfliction")]),
    ("predeconfliction", []),
    ("Abu Dhabi, Abu  Dhabi, Abu Dhabi's", [("Abu Dhabi", "abu-dhabi"), ("Abu Dhabi", "abu-dhabi")]),
    # folding changes the length ("ß" -> "ss", "İ" -> "i̇"): offsets still point at the original
    ("in der STRASSE und der Straße", [("STRASSE", "strasse"), ("Straße", "strasse")]),
    ("Größe İstanbul Straße", [("İstanbul", "istanbul"), ("Straße", "strasse")]),
    ("ßtraße", []),
    ("C++ and C++11", [("C++", "cpp"), ("C++", "cpp")]),  # a "+" edge needs no boundary
    ("", []),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_find(text, expected):
    matcher = TermMatcher(TERMS)
    found = matcher.find(text)
    assert [(m.text, m.payload) for m in found] == expected
    for m in found:
        assert text[m.start : m.end] == m.text


def test_overlapping_terms_leftmost_wins():
    matcher = TermMatcher([("military dialogue", False, "a"), ("dialogue between", False, "b")])
    found = matcher.find("military dialogue between them; dialogue between us")
    assert [(m.text, m.payload) for m in found] == [("military dialogue", "a"), ("dialogue between", "b")]


def test_first_payload_keeps_a_shared_key():
    matcher = TermMatcher([("Trump", True, "one"), ("Trump", True, "two"), ("trump", False, "three")])
    assert [m.payload for m in matcher.find("Trump")] == ["one"]  # exact and folded both match at 0
    assert [m.payload for m in matcher.find("TRUMP")] == ["three"]


def test_empty_matcher_finds_nothing():
    assert TermMatcher([]).find("anything at all") == []
    assert len(TermMatcher([("", True, 1)])) == 0


@pytest.mark.parametrize(
    "text, start, end, expected",
    [("U.S. Army", 0, 4, True), ("U.S.A", 0, 4, True), ("USA", 0, 2, False), ("a-b", 0, 1, True), ("x", 0, 0, False)],
)
def test_whole_word(text, start, end, expected):
    assert whole_word(text, start, end) is expected


def test_fold_offset_map():
    assert fold("Abc") == ("abc", None)
    folded, origin = fold("aß b")
    assert folded == "ass b" and origin == [0, 1, 1, 2, 3]


NFD_CASES = [
    # (terms, text, expected matched texts): text and terms compared in NFC, offsets as given
    ([("Café Müller", False, "x")], "Im Cafe\u0301 Mu\u0308ller trafen sie sich.", ["Cafe\u0301 Mu\u0308ller"]),
    ([("Cafe\u0301", True, "x")], "Ein Café am Markt.", ["Café"]),  # an NFD term finds NFC text
    ([("Уиткофф", True, "x")], "Стив Уиткофф и\u0306 Кушнер", ["Уиткофф"]),
    ([("e", True, "x")], "cafe\u0301 e", ["e"]),  # never half a composed character
    ([("각", True, "x")], "\u1100\u1161\u11a8 하다", ["\u1100\u1161\u11a8"]),  # Hangul jamo compose
]


@pytest.mark.parametrize("terms, text, expected", NFD_CASES)
def test_decomposed_text_matches_composed_terms(terms, text, expected):
    found = TermMatcher(terms).find(text)
    assert [m.text for m in found] == expected
    for m in found:
        assert text[m.start : m.end] == m.text


def test_the_nfc_view_is_nfc_for_any_mix_of_marks():
    import random
    import unicodedata

    from newsl10n.terms.match import nfc_view

    pieces = "ae\u00e9x\u0301\u0308\u0323\u030a\u0344\u1100\u1161\u11a8\uac00\u2126\u0b47\u0b3e\u0b57\u0f71\u0f72\u0f73 A"
    rng = random.Random(7)
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(16))
        view, offsets = nfc_view(text)
        assert view == unicodedata.normalize("NFC", text), [hex(ord(c)) for c in text]
        assert (offsets is None) == unicodedata.is_normalized("NFC", text)
