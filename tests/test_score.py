"""Scores against sacrebleu's own CLI, tokenizer choice, gates and the paired bootstrap."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from newsl10n.cli import app
from newsl10n.config import GatesSettings
from newsl10n.errors import ConfigError, InputError
from newsl10n.score import (
    Gate,
    check_gate,
    compare,
    gate_for,
    make_metrics,
    score_corpus,
    term_compliance,
    tokenizer_for,
)

runner = CliRunner()

# (lang, hypotheses, references...) -- one stream of references per extra tuple item.
_PAIRS = [
    (
        "de",
        [
            "Die USA und Russland nehmen den militärischen Dialog wieder auf.",
            "Der Vertrag begrenzte die Zahl der Sprengköpfe auf 1.550.",
            "Das US-Kommando Europa gab eine Erklärung ab.",
        ],
        [
            "Die Vereinigten Staaten und Russland nehmen den militärischen Dialog wieder auf.",
            "Der Vertrag begrenzte die Zahl der stationierten Sprengköpfe auf 1550.",
            "Das US-Kommando Europa (EUCOM) veröffentlichte eine Erklärung.",
        ],
    ),
    (
        "ru",
        [
            "США и Россия возобновляют военный диалог после СНВ-3.",
            "Договор ограничил число боеголовок до 1550.",
            "Стив Уиткофф и Джаред Кушнер прибыли в Абу-Даби.",
        ],
        [
            "Возобновление военного диалога между США и Россией после истечения СНВ-3.",
            "Договор установил предел в 1550 развёрнутых ядерных боезарядов.",
            "Стив Уиткофф и Джаред Кушнер участвовали в переговорах в Абу-Даби.",
        ],
    ),
    (
        "ar",
        [
            "استئناف الحوار العسكري بين أمريكا وروسيا بعد نيو ستارت",
            "أصدرت القيادة الأوروبية الأمريكية بيانا.",
            "حددت المعاهدة سقفا قدره ١٥٥٠ رأسا نوويا.",
        ],
        [
            "استئناف الحوار العسكري بين الولايات المتحدة وروسيا بعد انتهاء معاهدة نيو ستارت",
            "أصدرت القيادة الأوروبية الأمريكية بيانا أكدت فيه أهمية الحوار.",
            "حددت المعاهدة سقفا قدره 1550 رأسا نوويا منشورا لكل دولة.",
        ],
    ),
    (
        "zh",
        [
            "美国和俄罗斯在新削减战略武器条约到期后恢复军事对话。",
            "该条约将部署的核弹头限制在1550枚。",
            "",
        ],
        [
            "新削减战略武器条约到期后，美俄恢复军事对话。",
            "该条约将每个国家部署的核弹头数量限制在1550枚。",
            "观察人士认为，恢复军事对话是必要的安全阀。",
        ],
    ),
    (
        "fr",
        [
            "Les États-Unis et la Russie reprennent le dialogue militaire.",
            "Le traité fixait un plafond de 1 550 ogives.",
        ],
        [
            "Les États-Unis et la Russie vont reprendre leur dialogue militaire.",
            "Le traité fixait un plafond de 1 550 ogives nucléaires déployées.",
        ],
        [
            "Washington et Moscou reprennent le dialogue militaire.",
            "Ce traité limitait à 1 550 le nombre d'ogives déployées.",
        ],
    ),
]
PAIRS = [(lang, hyps, list(refs)) for lang, hyps, *refs in _PAIRS]


def sacrebleu_cli(tmp_path, lang, hyps, refs):
    """Scores and signatures printed by ``python -m sacrebleu`` on the same files."""
    hyp_file = tmp_path / "hyp.txt"
    hyp_file.write_text("\n".join(hyps) + "\n", encoding="utf-8")
    ref_files = []
    for number, lines in enumerate(refs):
        path = tmp_path / f"ref{number}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        ref_files.append(str(path))
    extra = ["--ter-normalized", "--ter-asian-support"] if lang == "zh" else []
    done = subprocess.run(
        [sys.executable, "-m", "sacrebleu", *ref_files, "-i", str(hyp_file), "-l", f"en-{lang}",
         "-m", "bleu", "chrf", "ter", "-w", "4", "--format", "json", *extra],
        capture_output=True, text=True, check=True, encoding="utf-8",
    )  # fmt: skip
    by_name = {"BLEU": "bleu", "chrF2": "chrf", "TER": "ter"}
    return {by_name[r["name"]]: (r["score"], r["signature"]) for r in json.loads(done.stdout)}, hyp_file, ref_files


@pytest.mark.parametrize("lang,hyps,refs", PAIRS, ids=[p[0] for p in PAIRS])
def test_scores_equal_sacrebleu_cli(tmp_path, lang, hyps, refs):
    expected, hyp_file, ref_files = sacrebleu_cli(tmp_path, lang, hyps, refs)
    empty_config = tmp_path / "pipeline.yaml"
    empty_config.write_text("{}\n", encoding="utf-8")
    args = ["score", "--hyp", str(hyp_file), "--lang", lang, "--json", "--config", str(empty_config)]
    for ref in ref_files:
        args += ["--ref", str(ref)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    ours = json.loads(result.output)[lang]
    for metric, (score, signature) in expected.items():
        assert round(ours[metric], 2) == round(score, 2), metric
        assert ours["signatures"][metric] == signature


@pytest.mark.parametrize(
    "lang,tokenizer",
    [("de", "13a"), ("ar", "13a"), ("ru", "13a"), ("zh", "zh"), ("zh-TW", "zh"), ("zh_Hant", "zh"),
     ("ja", "ja-mecab"), ("ko", "ko-mecab"), ("pt-BR", "13a")],
)  # fmt: skip
def test_tokenizer_for_locale(lang, tokenizer):
    assert tokenizer_for(lang) == tokenizer


def test_japanese_without_mecab_says_what_to_install():
    pytest.importorskip("sacrebleu")
    try:
        import MeCab  # noqa: F401

        pytest.skip("MeCab is installed here")
    except ImportError:
        pass
    with pytest.raises(ConfigError) as err:
        make_metrics("ja")
    assert str(err.value) == (
        "--lang ja: BLEU needs sacrebleu's ja-mecab tokenizer, which is not installed (pip install 'sacrebleu[ja]')"
    )


def test_score_corpus_refuses_unaligned_references():
    with pytest.raises(InputError, match="^reference 2 has 1 segments but the hypothesis has 2$"):
        score_corpus(["a b", "c d"], [["a b", "c d"], ["a b"]], "en")


def test_identical_hypotheses_score_perfect():
    lines = ["The treaty expired on Thursday.", "NATO forces remain on alert."]
    scores = score_corpus(lines, [lines], "en")
    assert (scores.bleu, scores.chrf, scores.ter) == (pytest.approx(100.0), 100.0, 0.0)
    assert scores.signatures["bleu"].startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:")


@pytest.mark.parametrize(
    "gate,failed",
    [
        (Gate(), []),
        (Gate(min_bleu=30.0, min_chrf=50.0, max_ter=60.0), []),
        (Gate(min_bleu=40.01), ["de: BLEU 40.00 < min 40.01"]),
        (Gate(min_chrf=70), ["de: chrF 60.50 < min 70"]),
        (Gate(max_ter=45), ["de: TER 50.25 > max 45"]),
        (Gate(min_term_compliance=90), ["de: term compliance 80.00 < min 90"]),
        (Gate(min_bleu=41, max_ter=50), ["de: BLEU 40.00 < min 41", "de: TER 50.25 > max 50"]),
    ],
)
def test_check_gate(gate, failed):
    from newsl10n.score import Scores

    scores = Scores("de", 10, bleu=40.0, chrf=60.5, ter=50.25, signatures={})
    assert [str(f) for f in check_gate("de", scores, 80.0, gate)] == failed


def test_term_gate_fails_without_term_data():
    from newsl10n.score import Scores

    scores = Scores("de", 1, bleu=1.0, chrf=1.0, ter=1.0, signatures={})
    assert [str(f) for f in check_gate("de", scores, None, Gate(min_term_compliance=50))] == [
        "de: term compliance n/a < min 50"
    ]


def test_gate_layers_defaults_locale_and_cli():
    gates = GatesSettings.model_validate(
        {"defaults": {"min_chrf": 40, "max_ter": 80}, "locales": {"ar": {"min_chrf": 35, "min_bleu": 10}}}
    )
    assert gate_for("de", gates) == Gate(min_chrf=40, max_ter=80)
    assert gate_for("ar", gates) == Gate(min_bleu=10, min_chrf=35, max_ter=80)
    assert gate_for("ar", gates, Gate(min_bleu=12)) == Gate(min_bleu=12, min_chrf=35, max_ter=80)


@pytest.mark.parametrize(
    "statuses,expected",
    [(None, None), ([], 100.0), (["ok"], 100.0), (["ok", "violated"], 50.0), (["enforced", "ok", "ok", "violated"], 75.0)],
)
def test_term_compliance(statuses, expected):
    terms = None if statuses is None else [{"status": s} for s in statuses]
    assert term_compliance(terms) == expected


REFS = [f"The delegation met in Abu Dhabi on day {n} and agreed on point {n}." for n in range(40)]


def test_paired_bootstrap_flags_a_real_regression():
    broken = [f"Delegation day {n}." for n in range(40)]
    by_metric = {c.metric: c for c in compare(broken, REFS, [REFS], "en", samples=200)}
    assert by_metric["bleu"].baseline == pytest.approx(100.0)
    assert by_metric["bleu"].worse and by_metric["bleu"].significant()
    assert by_metric["ter"].worse and by_metric["ter"].significant()


@pytest.mark.parametrize("changed_every", [0, 40])
def test_paired_bootstrap_noise_is_not_significant(changed_every):
    """The same output, or one segment in 40 reworded, is no significant change."""
    baseline = [r.replace("agreed", "settled") if n % 2 else r for n, r in enumerate(REFS)]
    system = [
        r.replace("met", "gathered") if changed_every and n % changed_every == 0 else r
        for n, r in enumerate(baseline)
    ]
    comparisons = compare(system, baseline, [REFS], "en", samples=200)
    assert [c.metric for c in comparisons] == ["bleu", "chrf", "ter"]
    assert all(not c.significant() for c in comparisons)
    assert all((c.delta == 0) == (not changed_every) for c in comparisons)


@pytest.mark.parametrize(
    "yaml_text,message",
    [
        ("gates: {defaults: {min_blue: 20}}", "gates.defaults.min_blue: unknown key"),
        ("gates: {locales: {xx-nowhere: {min_bleu: 20}}}",
         "gates.locales: unknown locale code 'xx-nowhere' (use a CLDR code such as de, fr, pt-BR)"),
        ("gates: {locales: {de: {min_chrf: 120}}}", "gates.locales.de.min_chrf: Input should be less than or equal to 100"),
        ("qa: {min_length_ratio: 3}", "qa: min_length_ratio must not exceed max_length_ratio"),
        ("qa: {max_errors: -1}", "qa.max_errors: Input should be greater than or equal to 0"),
    ],
)  # fmt: skip
def test_gate_and_qa_settings_are_validated(tmp_path, yaml_text, message):
    from newsl10n.config import load_config

    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml_text + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == f"{path}: {message}"


def test_ci_example_translates_scores_and_gates_in_order():
    import yaml

    from newsl10n.config import load_config

    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    workflow = yaml.safe_load((root / "examples/ci/github-actions.yml").read_text(encoding="utf-8"))
    runs = [step.get("run", "") for step in workflow["jobs"]["gate"]["steps"]]
    commands = [line.split()[1] for run in runs for line in run.splitlines() if line.strip().startswith("newsl10n ")]
    assert commands == ["translate", "score", "qa"]
    assert any("--max-errors 0" in run for run in runs)
    load_config(root / "pipeline.yaml")  # the shipped settings, gates and qa included, validate
