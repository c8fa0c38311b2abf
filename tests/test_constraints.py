"""Terms in the output: the check, the decoding decisions, and enforcement by construction
(a simulated random decoder, then the tiny random Marian models with greedy and beam search)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsl10n.model import TermConstraint
from newsl10n.translate.constraints import SegmentPlan, glue_flags
from newsl10n.translate.placement import METHODS
from newsl10n.terms.check import check

C = TermConstraint

CHECKS = [
    # (text, constraints, expected [(status, found or problem)])
    ("nach New START", [C("ns", ("New START",))], [("present", "New START")]),
    ("nach New STARTS", [C("ns", ("New START",))], [("violated", "missing")]),
    ("nach new start", [C("ns", ("New START",))], [("violated", "missing")]),
    ("nach new start", [C("ns", ("New START",), case_sensitive=False)], [("present", "new start")]),
    ("Стива Уиткоффа", [C("w", ("Стив Уиткофф", "Стива Уиткоффа"))], [("present", "Стива Уиткоффа")]),
    ("New START und New START", [C("ns", ("New START",)), C("ns", ("New START",))],
     [("present", "New START"), ("present", "New START")]),
    ("nur New START", [C("ns", ("New START",)), C("ns", ("New START",))],
     [("present", "New START"), ("violated", "missing (1 of 2 found)")]),
    ("New START, Neuer START", [C("ns", ("New START",), ("Neuer START",))],
     [("violated", "forbidden variant 'Neuer START'")]),
    ("Trump und Kushner", [C("t", ("Donald Trump", "Trump")), C("k", ("Jared Kushner", "Kushner"))],
     [("present", "Trump"), ("present", "Kushner")]),
    # a form shared by two concepts counts for both; one concept's form may hold another's
    ("EUCOM", [C("a", ("US-Europakommando", "EUCOM")), C("b", ("EUCOM",))], [("present", "EUCOM"), ("present", "EUCOM")]),
    ("МИД России", [C("m", ("МИД России",)), C("r", ("Россия", "России"))], [("present", "МИД России"), ("present", "России")]),
    # within one concept, occurrences do not overlap
    ("Steve Witkoff", [C("w", ("Steve Witkoff", "Witkoff")), C("w", ("Steve Witkoff", "Witkoff"))],
     [("present", "Steve Witkoff"), ("violated", "missing (1 of 2 found)")]),
    ("", [C("x", ("X",))], [("violated", "missing")]),
]  # fmt: skip


@pytest.mark.parametrize("text, constraints, expected", CHECKS)
def test_check(text, constraints, expected):
    results = check(text, constraints)
    assert [(r.status, r.found or r.problem) for r in results] == expected
    assert [r.id for r in results] == [c.id for c in constraints]


def test_check_without_constraints():
    assert check("anything", []) == []


# --- a toy SentencePiece: "▁" starts a word; whole words where known, else single characters ---

WORDS = ["New", "START", "Neuer", "Vertrag", "Steve", "Stive", "Wit", "Witkoff", "und", "der", "die", "Dialog"]
CHARS = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZäöüß-.,'")


class Toy:
    def __init__(self) -> None:
        self.pieces = ["</s>", "<unk>", "▁", *[f"▁{w}" for w in WORDS], *[f"▁{c}" for c in CHARS], *CHARS, "koff"]
        self.ids = {p: i for i, p in enumerate(self.pieces)}
        self.glue = glue_flags(self.ids, len(self.pieces))

    def encode(self, text: str) -> list[int] | None:
        s = "▁" + text.replace(" ", "▁")
        out, pos = [], 0
        while pos < len(s):
            piece = max((p for p in self.pieces if s.startswith(p, pos)), key=len, default=None)
            if piece is None:
                return None
            out.append(self.ids[piece])
            pos += len(piece)
        return out

    def decode(self, ids) -> str:
        return "".join(self.pieces[i] for i in ids).replace("▁", " ").strip()


TOY = Toy()
EOS = 0


def plan_for(*constraints: TermConstraint, bias: float = 0.0) -> SegmentPlan:
    return SegmentPlan(constraints, TOY.encode, eos_id=EOS, bias=bias)


def ids(*pieces: str) -> tuple[int, ...]:
    return tuple(TOY.ids[p] for p in pieces)


def test_glue_flags():
    assert [TOY.glue[TOY.ids[p]] for p in ("▁New", "koff", "s", ",", "-", "</s>", "▁")] == [
        False, True, True, False, False, False, False,
    ]  # fmt: skip


def test_a_started_term_is_continued():
    plan = plan_for(C("ns", ("New START",)))
    decision = plan.decide(ids("▁New"), best=TOY.ids["▁Vertrag"], remaining=20)
    assert decision.only == {TOY.ids["▁START"]}
    assert plan.forced_ids(ids("▁New")) == ("ns",)  # the model wanted something else
    plan = plan_for(C("ns", ("New START",)))
    plan.decide(ids("▁New"), best=TOY.ids["▁START"], remaining=20)
    assert plan.forced_ids(ids("▁New", "▁START")) == ()  # the model's own choice: present


def test_no_end_while_a_term_is_missing_and_the_model_wants_to_end():
    plan = plan_for(C("w", ("Steve Witkoff", "Witkoff")))
    free = plan.decide(ids("▁der"), best=TOY.ids["▁und"], remaining=20)
    assert free.only is None and EOS in free.banned
    start = plan.decide(ids("▁der"), best=EOS, remaining=20)
    assert start.only == {TOY.ids["▁Steve"], TOY.ids["▁Witkoff"]}  # the model picks the form


def test_the_length_budget_starts_a_missing_term_in_time():
    plan = plan_for(C("ns", ("New START",)), C("w", ("Steve Witkoff", "Witkoff")))
    # needs 2 + 1 tokens at least, plus the end of sentence
    assert plan.decide((), best=TOY.ids["▁der"], remaining=5).only is None
    assert plan.decide((), best=TOY.ids["▁der"], remaining=4).only == {TOY.ids["▁New"]}
    done = ids("▁New", "▁START")
    assert plan.decide(done, best=TOY.ids["▁der"], remaining=3).only is None
    assert plan.decide(done, best=TOY.ids["▁der"], remaining=2).only == {TOY.ids["▁Witkoff"]}
    # where the model wants to end, only forms that still fit may start
    assert len(TOY.encode("Steve Witkoff")) == 2
    assert plan.decide(done, best=EOS, remaining=3).only == {TOY.ids["▁Steve"], TOY.ids["▁Witkoff"]}
    assert plan.decide(done, best=EOS, remaining=2).only == {TOY.ids["▁Witkoff"]}


def test_forbidden_variants_and_new_word_after_a_term():
    plan = plan_for(C("ns", ("New START",), ("Neuer START", "Neustart")))
    after_neuer = plan.decide(ids("▁Neuer"), best=TOY.ids["▁START"], remaining=20)
    assert TOY.ids["▁START"] in after_neuer.banned
    assert plan.forced_ids(ids("▁Neuer")) == ("ns",)
    elsewhere = plan.decide(ids("▁der"), best=TOY.ids["▁START"], remaining=20)
    assert TOY.ids["▁START"] not in elsewhere.banned
    after_term = plan.decide(ids("▁New", "▁START"), best=TOY.ids["s"], remaining=20)
    assert after_term.new_word and EOS not in after_term.banned


def test_a_form_that_would_not_fit_may_not_start():
    plan = plan_for(C("x", ("die NATO", "US-Europakommando")))
    assert [len(TOY.encode(t)) for t in ("die NATO", "US-Europakommando")] == [5, 17]
    assert TOY.ids["▁U"] in plan.decide((), best=TOY.ids["▁der"], remaining=10).banned
    assert TOY.ids["▁d"] not in plan.decide((), best=TOY.ids["▁der"], remaining=10).banned
    assert TOY.ids["▁U"] not in plan.decide((), best=TOY.ids["▁der"], remaining=30).banned


def test_unencodable_forms_are_left_out():
    assert not plan_for(C("x", ("北约",)))
    plan = plan_for(C("x", ("北约", "NATO")))
    assert plan and plan.terms[0].forms == (tuple(TOY.encode("NATO")),)


def test_bias_favours_first_tokens_of_missing_terms():
    plan = plan_for(C("ns", ("New START",)), bias=2.5)
    assert plan.decide((), best=TOY.ids["▁der"], remaining=20).boost == {TOY.ids["▁New"]}
    assert plan.decide(ids("▁New", "▁START"), best=TOY.ids["▁der"], remaining=20).boost == frozenset()


def decode_randomly(plan: SegmentPlan, rng: random.Random, max_new: int, eos_weight: float) -> list[int]:
    """A greedy decoder over random scores, with the decisions applied as the logits processor
    applies them; at the last slot the end of sentence is forced (as transformers does)."""
    tokens: list[int] = []
    while len(tokens) < max_new:
        remaining = max_new - len(tokens)
        scores = [rng.random() for _ in TOY.pieces]
        scores[EOS] *= eos_weight
        if remaining == 1:
            scores = [float("-inf")] * len(scores)
            scores[EOS] = 0.0
        best = max(range(len(scores)), key=scores.__getitem__)
        d = plan.decide(tuple(tokens), best, remaining)
        allowed = [
            i for i in range(len(scores))
            if (d.only is None or i in d.only) and i not in d.banned and not (d.only is None and d.new_word and TOY.glue[i])
        ]  # fmt: skip
        token = max(allowed, key=lambda i: scores[i] + (plan.bias if i in d.boost else 0.0))
        if token == EOS:
            break
        tokens.append(token)
    return tokens


FORMS = ["New START", "Steve Witkoff", "Witkoff", "Dialog der Streitkräfte", "die NATO", "US-Europakommando",
         "Neuer Vertrag", "Stive Wit", "Straße", "äöü", "a", "New Vertrag"]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    terms=st.lists(
        st.tuples(st.lists(st.sampled_from(FORMS), min_size=1, max_size=3, unique=True), st.integers(1, 2)),
        min_size=1,
        max_size=4,
    ),
    seed=st.integers(0, 10**6),
    eos_weight=st.sampled_from([0.5, 1.0, 3.0]),
    slack=st.integers(0, 30),
)
def test_every_term_appears_by_construction(terms, seed, eos_weight, slack):
    constraints = [C(f"t{i}", tuple(forms)) for i, (forms, count) in enumerate(terms) for _ in range(count)]
    plan = plan_for(*constraints)
    need = sum(t.needed * t.shortest for t in plan.terms)
    tokens = decode_randomly(plan, random.Random(seed), max_new=need + 1 + slack, eos_weight=eos_weight)
    text = TOY.decode(tokens)
    results = check(text, constraints)
    assert all(r.status == "present" for r in results), (text, results)


# --- the tiny random Marian models ------------------------------------------------------------

SAMPLE_TERMS = {
    "de": [C("ns", ("New START",), ("Neuer START",)), C("w", ("Steve Witkoff", "Witkoff")),
           C("e", ("US-Europakommando", "EUCOM"), case_sensitive=False), C("ad", ("Abu Dhabi",))],
    "ru": [C("ns", ("ДСНВ", "СНВ-3")), C("w", ("Стив Уиткофф", "Стива Уиткоффа", "Уиткофф")),
           C("m", ("МИД России", "МИД РФ")), C("ad", ("Абу-Даби",))],
    "ar": [C("ns", ("نيو ستارت",)), C("w", ("ستيف ويتكوف", "ويتكوف")), C("ad", ("أبوظبي", "أبو ظبي"))],
}  # fmt: skip
SOURCES = [
    "Resumption of military dialogue between the US and Russia after New START",
    "These talks witnessed a notable diplomatic presence, with his special envoy, Steve Witkoff.",
    "In response to this development, the U.S. European Command issued a statement.",
    "Talks were hosted by the UAE capital, Abu Dhabi.",
    "Observers believe that resuming military dialogue represents a necessary safety valve.",
]


def load(tiny_models, locale, beam_size, **decoding):
    from newsl10n.config import DecodingSettings
    from newsl10n.translate.spec import EngineSpec
    from newsl10n.translate.marian import MarianTranslator

    settings_ = DecodingSettings(beam_size=beam_size, batch_size=4, max_length=64, **decoding)
    token = ">>ara<<" if locale == "ar" else None
    return MarianTranslator.load(EngineSpec("transformers", str(tiny_models[locale]), "en", locale, settings_, token))


@pytest.mark.slow
@pytest.mark.parametrize("locale", sorted(SAMPLE_TERMS))
@pytest.mark.parametrize("beam_size", [1, 3])
def test_tiny_model_meets_every_constraint(tiny_models, locale, beam_size):
    translator = load(tiny_models, locale, beam_size)
    rng = random.Random(f"{locale}{beam_size}")
    terms = SAMPLE_TERMS[locale]
    constraints = [rng.sample(terms, rng.randint(0, len(terms))) for _ in SOURCES]
    constraints[0] = [terms[0], terms[0]]  # one term twice: two occurrences needed
    outputs = translator.translate(SOURCES, constraints=constraints)
    for out, cons in zip(outputs, constraints):
        assert all(r.status == "present" for r in check(out.text, cons)), (out.text, cons)
        if cons:  # the decoder's own terms, then code-switching or model-scored placement
            assert out.method in ("constrained-decoding", *METHODS)
            assert set(out.forced) <= {c.id for c in cons}
        else:
            assert out.forced == () and out.method == ""


@pytest.mark.slow
def test_unconstrained_segments_decode_as_without_a_glossary(tiny_models):
    translator = load(tiny_models, "de", 1)
    plain = translator.translate(SOURCES)
    mixed = translator.translate(SOURCES, constraints=[[], [SAMPLE_TERMS["de"][1]], [], [], []])
    assert [m.text for i, m in enumerate(mixed) if i != 1] == [p.text for i, p in enumerate(plain) if i != 1]
    assert check(mixed[1].text, [SAMPLE_TERMS["de"][1]])[0].status == "present"


def test_a_term_the_vocabulary_cannot_spell_is_reported_not_forced(tiny_models):
    translator = load(tiny_models, "de", 1)
    cons = [C("nato", ("北约",))]
    out = translator.translate([SOURCES[0]], constraints=[cons])[0]
    assert [r.status for r in check(out.text, cons)] == ["violated"]
    assert out.forced == ()


def test_term_bias_reaches_the_decoder(tiny_models):
    """With a bias the decoder itself starts the term at once; without one the model's output is
    left as it is and the term is put in afterwards (code-switching or placement)."""
    constraints = [[SAMPLE_TERMS["de"][1]]]
    outs = {bias: load(tiny_models, "de", 1, term_bias=bias).translate([SOURCES[4]], constraints=constraints)[0]
            for bias in (0.0, 20.0)}  # fmt: skip
    assert outs[20.0].text.startswith(("Steve Witkoff", "Witkoff"))  # placed at once
    assert outs[20.0].method == "constrained-decoding"
    assert outs[0.0].method in METHODS and outs[0.0].text != outs[20.0].text


def test_plan_recognises_a_case_insensitive_term_in_another_case():
    """The token-level plan accepts the case variants check() accepts: the model's own
    lower-case spelling meets the term, so nothing is forced; a decision still starts only a
    declared form."""
    vocab = {"▁witkoff": [10], "▁Witkoff": [11], "▁WITKOFF": [12]}
    plan = SegmentPlan([TermConstraint("w", ("Witkoff",), case_sensitive=False)], lambda s: vocab.get("▁" + s), eos_id=0)
    assert plan.state((10,)).met == (1,)
    assert plan.forced_ids((10,)) == ()
    assert plan.decide((), best=0, remaining=5).only == frozenset({11})
    strict = SegmentPlan([TermConstraint("w", ("Witkoff",), case_sensitive=True)], lambda s: vocab.get("▁" + s), eos_id=0)
    assert strict.state((10,)).met == (0,)
