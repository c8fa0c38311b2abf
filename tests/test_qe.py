"""Confidence per segment: features, the monotone default, learning from post-edits, and where
the confidence shows (segments.json, manifest, review.html, article.xlf, qa)."""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import replace

import pytest
from lxml import etree
from typer.testing import CliRunner

from newsl10n import qe
from newsl10n.bundle.segments import EntryView, SegmentEntry
from newsl10n.bundle.xliff import read_xliff, write_xliff
from newsl10n.cli import app
from newsl10n.config import QASettings
from newsl10n.model import ModelScores, Translation
from newsl10n.tm.store import MemoryContext, TranslationMemory

from xliff_schema import confidences, its_problems, problems

runner = CliRunner()
CONTEXT = MemoryContext("de", "model@1", "", "beam=4")
QA = QASettings()


def item(scores, target="Die Gespräche gehen nächste Woche in Genf weiter.", **kw) -> qe.QEInput:
    """A segment scored per token (a list), by its log-probability per token alone (a number), or not."""
    if isinstance(scores, list):
        scores = ModelScores.of_tokens(scores)
    elif scores is not None:
        scores = ModelScores(scores)
    return qe.QEInput("The talks resume next week in Geneva.", target, "en", "de", scores, **kw)


@pytest.mark.parametrize(
    "worse",
    [
        item([-0.1, -3.0, -0.1]),  # a less likely token
        item(-1.2),  # less likely on the whole (CTranslate2 gives only this)
        item([-0.1, -0.2, -0.1], forced=2),  # terms had to be forced
        item([-0.1, -0.2, -0.1], target="Die Gespräche gehen nächste Woche in Genf weiter, sagte er und ging."),
        item([-0.1, -0.2, -0.1], target="The talks resume next week in Geneva."),  # copied
        item([-0.1, -0.2, -0.1], target="Die die die die Gespräche gehen weiter in Genf."),  # a loop
        item([-0.1, -0.2, -0.1], back_chrf=0.2),
    ],
)
def test_default_confidence_falls_with_each_worse_feature(worse):
    tokens = worse.scores is None or worse.scores.tokens is not None
    better = item([-0.1, -0.2, -0.1] if tokens else -0.13, back_chrf=0.9 if worse.back_chrf else None)
    assert 0 <= qe.DEFAULT.confidence(qe.features(worse, QA)) < qe.DEFAULT.confidence(qe.features(better, QA)) <= 1


def test_scores_without_tokens_give_the_mean_alone_and_its_absence_moves_nothing():
    typical = item([-0.13, -3.0, -0.1] + [-0.1] * 7)  # the minimum and unlikely share at their means
    assert qe.features(item(-0.5), QA)["min_logprob"] is None and qe.features(item(-0.5), QA)["mean_logprob"] == -0.5
    mean_only = item(typical.scores.logprob)
    assert qe.DEFAULT.confidence(qe.features(mean_only, QA)) == pytest.approx(
        qe.DEFAULT.confidence(qe.features(typical, QA)), abs=1e-9
    )


@pytest.mark.parametrize(
    ("scores", "stored"),
    [(ModelScores.of_tokens([-0.5, -0.25]), "[-0.5, -0.25]"), (ModelScores(-0.12345), "-0.1235")],
)
def test_model_scores_round_trip_through_json(scores, stored):
    assert scores.to_json() == stored
    assert ModelScores.from_json(stored) == ModelScores.from_json(scores.to_json())
    assert ModelScores.from_json(stored).logprob == pytest.approx(scores.logprob, abs=1e-4)


@pytest.mark.parametrize("text", ["", "nonsense", '"text"', "[1, \"a\"]", "true", "NaN", "{}"])
def test_unreadable_stored_scores_are_none(text):
    assert ModelScores.from_json(text) is None


def test_scores_of_pieces_rejoined():
    tokens = ModelScores.joined([ModelScores.of_tokens([-1.0]), ModelScores.of_tokens([-0.5, -0.5])], [1, 1])
    assert tokens == ModelScores.of_tokens([-1.0, -0.5, -0.5])
    means = ModelScores.joined([ModelScores(-1.0), ModelScores(-0.4)], [1, 2])
    assert means == ModelScores(pytest.approx(-0.6)) and means.tokens is None
    assert ModelScores.joined([ModelScores(-1.0), None], [1, 1]) is None


def test_missing_features_contribute_nothing_and_a_copy_is_right_into_the_same_language():
    features = qe.features(item(None), QA)
    assert features["mean_logprob"] is None and features["back_chrf"] is None
    assert 0 < qe.DEFAULT.confidence(features) < 1
    same = qe.QEInput("The talks resume next week.", "The talks resume next week.", "en", "en-GB")
    assert qe.features(same, QA)["untranslated"] == 0


def test_auc_and_caught():
    assert qe.auc([0.1, 0.2, 0.8, 0.9], [True, True, False, False]) == 1.0
    assert qe.auc([0.9, 0.8, 0.2, 0.1], [True, True, False, False]) == 0.0
    assert qe.auc([0.5, 0.5], [True, False]) == 0.5
    assert qe.auc([0.5, 0.6], [False, False]) is None
    assert qe.caught([0.1, 0.2, 0.8, 0.9, 0.95], [True, False, True, False, False], share=0.2) == 0.5


def synthetic_memory(path, count: int, seed: int = 0) -> None:
    """Machine entries whose length ratio decides whether the editor changed them, and whose
    token log-probabilities (what the default leans on) are noise."""
    rng = random.Random(seed)
    machine, reviewed = [], []
    for i in range(count):
        source = f"Segment number {i} of the story about the talks in Geneva."
        changed = rng.random() < 0.4
        target = source + (" und so weiter, sagte er." if changed else "")
        scores = ModelScores.of_tokens([rng.uniform(-2.5, 0.0) for _ in range(8)])
        machine.append((source, Translation(target, scores=scores)))
        reviewed.append((source, Translation(target.replace(" und so weiter, sagte er.", "") if changed else target)))
    with TranslationMemory(path) as memory:
        memory.store(CONTEXT, machine)
        memory.store(CONTEXT, reviewed, reviewed=True)


def test_fit_learns_the_feature_edits_follow_and_later_runs_use_it(tmp_path):
    tm = tmp_path / "tm.sqlite"
    synthetic_memory(tm, 240)
    before = runner.invoke(app, ["qe", "report", "--tm", str(tm)])
    assert before.exit_code == 0, before.output
    assert "default" in before.output
    result = runner.invoke(app, ["qe", "fit", "--tm", str(tm), "--locale", "de"])
    assert result.exit_code == 0, result.output
    model = qe.load_models(qe.model_file(tm))["de"]
    assert model.fitted and model.trained + model.held_out == 240
    assert model.auc > 0.8 and model.auc > model.default_auc, model
    assert f"held-out AUC {model.auc:.3f}" in result.output
    after = runner.invoke(app, ["qe", "report", "--tm", str(tm)])
    assert after.exit_code == 0, after.output
    row = next(line.split() for line in after.output.splitlines() if line.startswith("de"))
    assert row[:4] == ["de", "240", row[2], "fitted"] and float(row[4]) > 0.8
    scorer = qe.run_scorer(_config(), {}, tm, factory=lambda spec: None)
    assert qe.model_for(scorer.models, "de") == model and qe.model_for(scorer.models, "fr") is qe.DEFAULT


def _config():
    from newsl10n.config import PipelineConfig

    return PipelineConfig()


def test_too_few_post_edits_keeps_the_default(tmp_path):
    tm = tmp_path / "tm.sqlite"
    synthetic_memory(tm, 12)
    result = runner.invoke(app, ["qe", "fit", "--tm", str(tm)])
    assert result.exit_code == 0, result.output
    assert "de: 12 post-edited segments" in result.output and "keeping the default confidence" in result.output
    assert not qe.model_file(tm).exists()


def test_a_post_edit_keeps_the_machine_output_and_an_old_memory_migrates(tmp_path):
    tm = tmp_path / "old.sqlite"
    db = sqlite3.connect(tm)
    db.execute(
        "CREATE TABLE segments (source_key TEXT NOT NULL, locale TEXT NOT NULL, model TEXT NOT NULL, glossary TEXT"
        " NOT NULL, decoding TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL, forced TEXT NOT NULL,"
        " method TEXT NOT NULL, created TEXT NOT NULL, reviewed INTEGER NOT NULL DEFAULT 0,"
        " PRIMARY KEY (source_key, locale, model, glossary, decoding)) WITHOUT ROWID"
    )
    db.execute("INSERT INTO segments VALUES ('Old one.', 'de', 'model@1', '', 'beam=4', 'Old one.', 'Alt.', '[]',"
               " '', '2024-01-01T00:00:00+00:00', 0)")  # fmt: skip
    db.commit()
    db.close()
    with TranslationMemory(tm) as memory:
        assert memory.lookup(CONTEXT, ["Old one."])["Old one."] == Translation("Alt.")
        memory.store(CONTEXT, [("New one.", Translation("Neu.", scores=ModelScores.of_tokens((-0.5, -0.25))))])
        assert memory.lookup(CONTEXT, ["New one."])["New one."].scores == ModelScores.of_tokens((-0.5, -0.25))
        memory.store(CONTEXT, [("New one.", Translation("Ganz neu.")), ("Old one.", Translation("Alt."))], reviewed=True)
        entries = {e.source: e for e in memory.entries("de")}
    assert (entries["New one."].target, entries["New one."].machine, entries["New one."].scores) == (
        "Ganz neu.", "Neu.", ModelScores.of_tokens((-0.5, -0.25))
    )
    assert (entries["Old one."].target, entries["Old one."].machine) == ("Alt.", "Alt.")


@pytest.mark.parametrize("version", ["2.1", "2.0"])
def test_xliff_carries_its_mt_confidence_and_stays_schema_valid(version):
    """Issue 29: in 2.1 the confidence sits where the ITS module allows it (a <mrk> around the
    target), with its:version declared; 2.0 core keeps it on the <unit>."""
    entries = [
        EntryView(SegmentEntry("s1", "One.", "Eins.", confidence=0.8123)),
        EntryView(SegmentEntry("s2", "Two.", "Zwei.", confidence=0.3, reviewed=True)),
        EntryView(SegmentEntry("s3", "Three.", "Drei.")),
    ]
    data = write_xliff(entries, source_lang="en", target_lang="de", original="a.txt", version=version)
    root = etree.fromstring(data)
    assert problems(root) == []
    assert confidences(root) == {"s1": 0.8123}
    its = "{http://www.w3.org/2005/11/its}"
    assert (root.get("version"), root.get(its + "version")) == (version, "2.0")
    units = {u.get("id"): u for u in root.iter("{urn:oasis:names:tc:xliff:document:2.0}unit")}
    holder = units["s1"] if version == "2.0" else units["s1"].find(".//{*}target/{*}mrk")
    assert holder.get(its + "annotatorsRef") == "mt-confidence|urn:newsl10n:qe"
    if version == "2.1":
        assert its_problems(root) == []
        assert (holder.get("type"), holder.text) == ("its:generic", "Eins.")
        assert units["s1"].get(its + "mtConfidence") is None
    _, units_read = read_xliff(data, source="a.xlf")
    assert [u.target for u in units_read] == ["Eins.", "Zwei.", "Drei."]


def test_the_its_rules_find_what_xliff_2_1_forbids():
    """The committed ITS-module rules catch the 2.0 placement and a missing its:version."""
    entries = [EntryView(SegmentEntry("s1", "One.", "Eins.", confidence=0.8123))]
    old = etree.fromstring(write_xliff(entries, source_lang="en", target_lang="de", original="a.txt", version="2.0"))
    old.set("version", "2.1")
    del old.attrib["{http://www.w3.org/2005/11/its}version"]
    assert its_problems(old) == [
        "<xliff>: ITS attributes are used but its:version='2.0' is not declared",
        "<unit>: its:mtConfidence is allowed on <mrk>/<sm type='its:generic'> or <mtc:match>",
    ]


CLEAN = [
    "The minister said the talks would resume next week in Geneva.",
    "Prices rose by three percent in the last quarter, the bank reported.",
    "Police closed the road after the accident on Tuesday morning.",
    "The company plans to open two new factories next year.",
    "Voters will go to the polls in November to elect a new parliament.",
    "The museum reopened after a long renovation that cost millions.",
    "Heavy rain caused flooding in several villages along the river.",
    "The team won the final match after a dramatic penalty shootout.",
]
UNSPELLABLE = [
    "Министр заявил, что переговоры возобновятся на следующей неделе.",
    "中国政府周二宣布了新的经济刺激计划。",
    "أعلن الوزير أن المحادثات ستستأنف الأسبوع المقبل.",
    "שר החוץ אמר שהשיחות יתחדשו בשבוע הבא.",
]


def noise(count: int) -> list[str]:
    rng = random.Random(1)
    return ["".join(rng.choice("qxzjkvw#@%&*0123456789") for _ in range(40)) for _ in range(count)]


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["ctranslate2", "transformers"])
def test_copy_model_is_sure_of_english_and_unsure_of_noise_everywhere_it_shows(copy_model, tmp_path, engine):
    """The copy model (en -> en) copies clean English confidently; noise and scripts it cannot
    spell get lower confidence (AUC > 0.9), shown in segments.json, the manifest, review.html,
    article.xlf (schema-valid) and gated by ``qa``; a second run answers from the memory with the
    same confidences and loads no model."""
    bad = noise(4) + UNSPELLABLE
    article = tmp_path / "mixed.txt"
    article.write_text("\n\n".join(CLEAN + bad) + "\n", encoding="utf-8")
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"ctranslate2: {{models_cache: '{tmp_path / 'ct2'}'}}\nqa: {{min_confidence: 0.5}}\n",
                      encoding="utf-8")  # fmt: skip
    out = tmp_path / "out"
    args = ["translate", str(article), "--to", "en", "--model", f"en={copy_model}", "--engine", engine,
            "--no-glossary", "--out", str(out), "--config", str(config), "--quiet"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    bundle = out / "mixed" / "en"
    segments = json.loads((bundle / "segments.json").read_text())["segments"]
    confidence = {s["source"]: s["confidence"] for s in segments}
    assert set(confidence) == set(CLEAN + bad)
    assert qe.auc([confidence[s] for s in CLEAN + bad], [False] * len(CLEAN) + [True] * len(bad)) > 0.9
    assert all(confidence[s] > 0.8 for s in CLEAN), confidence
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["confidence"]["histogram"][-1] >= len(CLEAN) and sum(manifest["confidence"]["histogram"]) == 16
    low = [s["id"] for s in segments if s["confidence"] < 0.5]
    assert manifest["confidence"]["below_threshold"] == len(low) > 0
    page = (bundle / "review.html").read_text()
    assert '<th class="confidence">' in page and 'id="confidence-filter"' in page
    assert f'data-confidence="{segments[0]["confidence"]:.4f}"' in page
    xliff = etree.fromstring((bundle / "article.xlf").read_bytes())
    assert problems(xliff) == []
    assert its_problems(xliff) == []
    assert confidences(xliff) == {s["id"]: s["confidence"] for s in segments}
    gate = runner.invoke(app, ["qa", str(out), "--max-errors", "0", "--config", str(config), "--json"])
    assert gate.exit_code == 1, gate.output
    found = {i["segment"] for i in json.loads(gate.stdout)["bundles"][0]["issues"] if i["code"] == "low-confidence"}
    assert found == set(low)
    again = runner.invoke(app, [*args, "--force"])
    assert again.exit_code == 0, again.output
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["tm"]["misses"] == 0
    assert {s["source"]: s["confidence"] for s in json.loads((bundle / "segments.json").read_text())["segments"]} == (
        pytest.approx(confidence, abs=1e-3)
    )


def test_back_translation_chrf_is_a_feature_of_fresh_segments_only(tmp_path):
    from newsl10n.model import Article, Block, Segment, SourceArticle

    texts = ["The talks resume next week in Geneva.", "Prices rose by three percent."]
    segments = tuple(Segment(f"s{i}", 0, "paragraph", t, 0, len(t)) for i, t in enumerate(texts))
    article = Article("a", (Block(0, "paragraph", " ".join(texts), segments),), ("", ""), "")
    source = SourceArticle(tmp_path / "a.txt", article, "0" * 64)
    outputs = {"s0": Translation("Die Gespräche gehen weiter."), "s1": Translation("Die Preise stiegen.")}
    calls = []

    def back(locale, targets):
        calls.append((locale, list(targets)))
        return ["The talks resume next week in Geneva." if "Gespräche" in t else "Bananas are yellow." for t in targets]

    scorer = qe.Scorer(QA, "en", back=back, back_locales=frozenset({"de"}))
    both = scorer.confidences(source, "de", outputs, (), {}, fresh={"s0", "s1"})
    assert calls == [("de", ["Die Gespräche gehen weiter.", "Die Preise stiegen."])]
    plain = qe.Scorer(QA, "en").confidences(source, "de", outputs, (), {})
    assert both["s0"] > plain["s0"] and both["s1"] < plain["s1"]  # a faithful round trip, a wrong one
    calls.clear()
    assert scorer.confidences(source, "de", outputs, {"s1"}, {}, fresh=()) == {"s0": plain["s0"]}
    assert calls == []  # from the memory: no model loaded for confidence


@pytest.mark.slow
def test_ctranslate2_scores_come_from_the_decode_and_changed_texts_are_scored_again(copy_model, tmp_path):
    """Where the text is what beam search wrote, its score is the decode's own (the same number
    teacher-forced scoring gives); where enforcement changed the text, the final text is scored.
    With ``qe.enabled: false`` nothing is scored."""
    spec, translator, outputs, teacher = _forced_and_teacher_forced("ctranslate2", copy_model, tmp_path)
    for out, tokens in zip(outputs, teacher):
        assert out.scores.tokens is None
        assert out.scores.logprob == pytest.approx(sum(tokens) / len(tokens), abs=1e-3), out.text
    plain = translator.translate(CLEAN[:1])[0]
    assert plain.text == CLEAN[0] and plain.scores.logprob > outputs[0].scores.logprob  # a forced word is unlikely
    translator.inner.spec = replace(spec, scored=False)
    assert [out.scores for out in translator.translate(CLEAN)] == [None] * len(CLEAN)


@pytest.mark.slow
def test_transformers_scores_come_from_the_decode_and_changed_texts_are_scored_again(copy_model, tmp_path):
    """The transformers engine scores what it generated on the encoder states it decoded with
    (no second encoder pass): the same numbers as teacher-forcing the final text; a text
    enforcement changed is scored again; with ``qe.enabled: false`` nothing is scored."""
    spec, translator, outputs, teacher = _forced_and_teacher_forced("transformers", copy_model, tmp_path)
    for out, tokens in zip(outputs, teacher):
        assert out.scores.tokens == pytest.approx(tokens, abs=1e-4), out.text
    translator.inner.spec = replace(spec, scored=False)
    assert [out.scores for out in translator.translate(CLEAN)] == [None] * len(CLEAN)


def _forced_and_teacher_forced(engine_name: str, copy_model, tmp_path):
    """The copy model on ``engine_name``: its spec, its translator, its outputs of CLEAN with a
    term forced into the first, and each final text's token log-probabilities teacher-forced."""
    from newsl10n.config import PipelineConfig
    from newsl10n.model import TermConstraint
    from newsl10n.translate.base import make_translator
    from newsl10n.translate.spec import engine_specs

    config = PipelineConfig(ctranslate2={"models_cache": str(tmp_path / "ct2")})
    spec = engine_specs(config, ["de"], {"de": str(copy_model)}, engine_name)["de"]
    translator = make_translator(spec)
    term = TermConstraint("t1", ("Verhandlungsrunde",), source_span=(22, 27))  # "talks"
    outputs = translator.translate(CLEAN, constraints=[(term,)] + [()] * (len(CLEAN) - 1))
    assert "Verhandlungsrunde" in outputs[0].text and outputs[0].forced == ("t1",)
    engine = translator.inner
    return spec, translator, outputs, engine._token_scores(engine.encode(CLEAN), [out.text for out in outputs])
