"""Every QA check: a case that triggers it and one that does not; locale-aware numbers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsl10n.config import QASettings
from newsl10n.qa import (
    CHECKERS,
    QASegment,
    check_balance,
    check_confidence,
    check_empty,
    check_length,
    check_numbers,
    check_repeats,
    check_segment,
    check_term_rewrite,
    check_terms,
    check_untranslated,
    extract_numbers,
    find_loop,
    tokens,
)

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = QASettings()
VIOLATED = {"id": "t1", "source": "Steve Witkoff", "expected": "Стив Уиткофф", "status": "violated", "method": "x"}
KEPT = {"id": "t2", "source": "NATO", "expected": "НАТО", "status": "ok", "method": "x"}
UNSAFE = {"id": "d", "source": "drought", "expected": "estiagem", "status": "violated", "method": "ct2+unsafe"}
REWRITE = {"id": "p", "source": "Polling stations", "expected": "seções eleitorais", "status": "enforced",
           "method": "codeswitch-cased", "changed": 0.125}
CLEAN = {"id": "d", "source": "drought", "expected": "estiagem", "status": "enforced", "method": "codeswitch", "changed": 0.0}


def seg(source: str, target: str, lang: str = "de", terms=None) -> QASegment:
    return QASegment("s1", source, target, "en", lang, None if terms is None else tuple(terms))


@pytest.mark.parametrize(
    "text,lang,numbers",
    [
        ("a limit of 1,550 warheads", "en", ["1550"]),
        ("eine Grenze von 1.550 Sprengköpfen", "de", ["1550"]),
        ("un plafond de 1\u202f550 ogives", "fr", ["1550"]),
        ("un plafond de 1 550 ogives", "fr", ["1550"]),
        ("предел в 1\u00a0550 боезарядов", "ru", ["1550"]),
        ("سقفا قدره ١٬٥٥٠ رأسا", "ar", ["1550"]),
        ("سقفا قدره 1550 رأسا", "ar", ["1550"]),
        ("نسبة ٣٫٥ بالمئة", "ar", ["3.5"]),
        ("3.5 percent in 2010", "en", ["3.5", "2010"]),
        ("3,5 Prozent im Jahr 2010", "de", ["3.5", "2010"]),
        ("1'550 Sprengköpfe", "de-CH", ["1550"]),
        ("In 2010, 1,550 warheads.", "en", ["2010", "1550"]),
        ("von 2010 1550 Sprengköpfe", "de", ["2010", "1550"]),
        ("en 2010 1 550 ogives", "fr", ["2010", "1550"]),
        ("1,550,000 people", "en", ["1550000"]),
        ("1.550.000 Menschen", "de", ["1550000"]),
        ("no digits here", "en", []),
    ],
)
def test_extract_numbers_reads_each_locale(text, lang, numbers):
    assert extract_numbers(text, lang) == [Decimal(n) for n in numbers]


@pytest.mark.parametrize(
    "target,lang,problem",
    [
        ("Der Vertrag setzte eine Grenze von 1.550 Sprengköpfen, unterzeichnet 2010.", "de", None),
        ("Le traité, signé en 2010, fixait 1 550 ogives.", "fr", None),
        ("وقعت عام ٢٠١٠ وحددت ١٬٥٥٠ رأسا", "ar", None),
        ("Договор 2010 года ограничил 1550 боезарядов.", "ru", None),
        ("Der Vertrag setzte eine Grenze von 1.500 Sprengköpfen, unterzeichnet 2010.", "de", "1550"),
        ("Le traité fixait 1 550 ogives.", "fr", "2010"),
        ("Der Vertrag von 2010 setzte eine Grenze von Sprengköpfen.", "de", "1550"),
    ],
)
def test_numbers_check(target, lang, problem):
    source = "Signed in 2010, the treaty set a limit of 1,550 warheads."
    issues = check_segment(seg(source, target, lang), SETTINGS, [check_numbers])
    if problem is None:
        assert issues == []
    else:
        assert [(i.code, i.severity, i.message) for i in issues] == [
            ("number-missing", "error", f"number(s) in the source missing from the target: {problem}")
        ]


def test_a_number_twice_in_the_source_must_be_there_twice():
    issues = check_segment(seg("2 boats and 2 planes", "2 Boote und Flugzeuge"), SETTINGS, [check_numbers])
    assert [i.message for i in issues] == ["number(s) in the source missing from the target: 2"]


# (checker, source, target, lang, terms, expected (code, severity, message) or None)
CASES = [
    (check_numbers, "In 2010 the limit was 1,550.", "2010 lag die Grenze bei 1.500.", "de", None,
     ("number-missing", "error", "number(s) in the source missing from the target: 1550")),
    (check_numbers, "In 2010 the limit was 1,550.", "2010 lag die Grenze bei 1550.", "de", None, None),
    (check_empty, "NATO forces remain on alert.", "   ", "de", None, ("empty", "error", "target is empty")),
    (check_empty, "NATO forces remain on alert.", "NATO-Truppen bleiben in Alarmbereitschaft.", "de", None, None),
    (check_untranslated, "NATO forces remain on alert.", "NATO  forces remain on alert.", "de", None,
     ("untranslated", "warning", "target is identical to the source")),
    (check_untranslated, "Expected effects", "Expected effects", "de", None,
     ("untranslated", "warning", "target is identical to the source")),
    (check_untranslated, "Abu Dhabi", "Abu Dhabi", "de", None, None),  # a name alone may stay
    (check_untranslated, "NATO forces remain on alert.", "Les forces de l'OTAN restent en alerte.", "fr", None, None),
    (check_length, "The statement emphasized the strategic importance of dialogue.", "Erklärung.", "de", None,
     ("length-ratio", "warning", "target/source length ratio 0.16 outside 0.5-2.5")),
    (check_length, "The statement emphasized the strategic importance of dialogue.",
     "Die Erklärung betonte die strategische Bedeutung des Dialogs.", "de", None, None),
    (check_length, "The treaty set a limit on deployed warheads.", "该条约限制了部署的弹头数量。", "zh", None, None),
    (check_length, "The treaty set a limit on deployed warheads.", "条约。", "zh-Hans", None,
     ("length-ratio", "warning", "target/source length ratio 0.07 outside 0.15-1")),
    (check_length, "Expected effects", "Erwartete Auswirkungen dieser historischen Entwicklung", "de", None, None),
    (check_repeats, "The talks resumed in Abu Dhabi.",
     "Die Gespräche wurden in in Abu Dhabi die Gespräche die Gespräche die Gespräche fortgesetzt.", "de", None,
     ("repeat", "error", "repeated n-gram loop: 'die gespräche' x3")),
    (check_repeats, "The talks resumed.", "会谈会谈会谈会谈恢复了。", "zh", None,
     ("repeat", "error", "repeated n-gram loop: '会 谈' x4")),
    (check_repeats, "The talks resumed in Abu Dhabi.", "Die Gespräche in Abu Dhabi wurden wieder aufgenommen.",
     "de", None, None),
    (check_repeats, "He said no, no, no.", "Er sagte nein, nein, nein.", "de", None, None),  # loop in the source too
    (check_balance, 'He called it "fruitful" (finally).', "Er nannte es „fruchtbar (endlich.", "de", None,
     ("unbalanced", "warning", "unbalanced brackets and quotes in the target")),
    (check_balance, 'He called it "fruitful".', "Il l'a qualifié de « fructueux.", "fr", None,
     ("unbalanced", "warning", "unbalanced quotes in the target")),
    (check_balance, 'He called it "fruitful" (finally).', "Il l'a qualifié de « fructueux » (enfin).", "fr", None,
     None),
    (check_balance, "lines (deconfliction lines) become", "Kanäle (Deconfliction-Leitungen) werden", "de", None,
     None),
    (check_balance, "a ) stray bracket", "eine ) verirrte Klammer", "de", None, None),  # unbalanced in the source
    (check_terms, "Steve Witkoff and NATO", "Стив Виткофф и НАТО", "ru", [VIOLATED, KEPT],
     ("term", "error", "glossary term violated: 'Steve Witkoff' should be 'Стив Уиткофф'")),
    (check_terms, "Steve Witkoff and NATO", "Стив Уиткофф и НАТО", "ru", [KEPT], None),
    (check_terms, "Steve Witkoff and NATO", "Стив Виткофф и НАТО", "ru", None, None),  # no glossary check was run
    (check_terms, "The drought hit the harvest.", "A seca atingiu a colheita.", "pt", [UNSAFE],
     ("term", "error", "glossary term violated: 'drought' should be 'estiagem' (no safe place: the model's own "
      "sentence was kept)")),
    (check_term_rewrite, "Polling stations opened at 7 a.m.", "Seções eleitorais abriu às 7 da manhã.", "pt", [REWRITE],
     ("term-rewrite", "warning", "forcing 'seções eleitorais' changed 12% of the sentence outside the term: read it")),
    (check_term_rewrite, "The drought hit the harvest.", "A estiagem atingiu a colheita.", "pt", [CLEAN], None),
    (check_term_rewrite, "The drought hit the harvest.", "A seca atingiu a colheita.", "pt", [UNSAFE], None),
]


@pytest.mark.parametrize(
    "checker,source,target,lang,terms,expected",
    CASES,
    ids=[f"{c[0].__name__}-{'fires' if c[5] else 'quiet'}-{n}" for n, c in enumerate(CASES)],
)
def test_each_check_fires_only_on_its_problem(checker, source, target, lang, terms, expected):
    issues = check_segment(seg(source, target, lang, terms), SETTINGS, [checker])
    assert [(i.code, i.severity, i.message) for i in issues] == ([expected] if expected else [])


CONFIDENCE_CASES = [
    (0.3, False, ("low-confidence", "error", "machine confidence 0.30 below 0.5: have it read")),
    (0.7, False, None),
    (0.3, True, None),  # a person's text: the machine's confidence no longer applies
    (None, False, None),  # no confidence computed
]


@pytest.mark.parametrize("confidence,reviewed,expected", CONFIDENCE_CASES)
def test_low_confidence_fires_under_the_threshold(confidence, reviewed, expected):
    from newsl10n.bundle.segments import SegmentEntry

    entry = SegmentEntry("s1", "The talks resume.", "Die Gespräche gehen weiter.", reviewed=reviewed, confidence=confidence)
    segment = entry.qa_input("en", "de")
    issues = check_segment(segment, QASettings(min_confidence=0.5), [check_confidence])
    assert [(i.code, i.severity, i.message) for i in issues] == ([expected] if expected else [])
    assert check_segment(segment, SETTINGS, [check_confidence]) == []  # no threshold: never


def test_every_checker_has_a_case_that_fires_and_one_that_does_not():
    fires = {c[0] for c in CASES if c[5]} | {check_confidence for c in CONFIDENCE_CASES if c[2]}
    quiet = {c[0] for c in CASES if not c[5]} | {check_confidence for c in CONFIDENCE_CASES if not c[2]}
    assert set(CHECKERS) == fires == quiet


def test_thresholds_come_from_settings():
    loose = QASettings(min_length_ratio=0.1)
    source, target = "The statement emphasized the strategic importance of dialogue.", "Erklärung."
    assert check_segment(seg(source, target), loose, [check_length]) == []
    strict = QASettings(repeat_times=2)
    assert [i.code for i in check_segment(seg("one", "die die Gespräche"), strict, [check_repeats])] == ["repeat"]


def test_collector_reports_every_problem_of_a_segment():
    issues = check_segment(seg("In 2010, NATO said (twice) no.", ""), SETTINGS)
    assert [(i.segment, i.code) for i in issues] == [("s1", "empty"), ("s1", "number-missing")]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Die Gespräche, die Gespräche!", ["die", "gespräche", ",", "die", "gespräche", "!"]),
        ("会谈恢复", ["会", "谈", "恢", "复"]),
        ("الناتو «صمام أمان»", ["الناتو", "«", "صمام", "أمان", "»"]),
    ],
)
def test_tokens(text, expected):
    assert tokens(text) == expected


def test_find_loop_needs_words_not_punctuation():
    assert find_loop(["!", "!", "!", "a"], 3, 4) is None
    assert find_loop(["a", "b", "a", "b", "a", "b"], 3, 4) == ("a b", 3)


def _find_loop_every_start(words, times, max_n):
    """find_loop as first written: every start tried."""
    for n in range(1, max_n + 1):
        for start in range(len(words) - n * times + 1):
            gram = list(words[start : start + n])
            if not any(w[0].isalnum() for w in gram):
                continue
            count = 1
            while words[start + count * n : start + (count + 1) * n] == gram:
                count += 1
            if count >= times:
                return " ".join(gram), count
    return None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "the", "!", "1"]), max_size=30), st.integers(1, 4), st.integers(1, 4))
def test_find_loop_looks_only_where_a_repeat_can_start(words, times, max_n):
    assert find_loop(words, times, max_n) == _find_loop_every_start(words, times, max_n)


@pytest.mark.parametrize("locale", ["de", "fr", "es", "ru", "ar"])
def test_shipped_references_pass_every_check(locale):
    """The reference translations in examples/refs are clean by the project's own checks."""
    from newsl10n.ingest import parse_text

    article = parse_text((ROOT / "examples/new-start-dialogue.txt").read_text(encoding="utf-8"), name="x", lang="en")
    refs = (ROOT / f"examples/refs/new-start-dialogue.{locale}.txt").read_text(encoding="utf-8").splitlines()
    assert len(refs) == len(article.segments) == 18
    issues = [
        issue
        for source, target in zip(article.segments, refs)
        for issue in check_segment(QASegment(source.id, source.text, target, "en", locale), SETTINGS)
    ]
    assert issues == []
