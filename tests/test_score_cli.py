"""``newsl10n score`` and ``newsl10n qa`` through typer's runner: exit codes and exact lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsl10n.cli import app
from helpers import make_bundle as shared_make_bundle

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
REFS = ROOT / "examples" / "refs"
ARTICLE = "new-start-dialogue"


def ref_lines(locale: str) -> list[str]:
    return (REFS / f"{ARTICLE}.{locale}.txt").read_text(encoding="utf-8").splitlines()


def source_lines() -> list[str]:
    from newsl10n.ingest import parse_text

    text = (ROOT / "examples" / f"{ARTICLE}.txt").read_text(encoding="utf-8")
    return [s.text for s in parse_text(text, name=ARTICLE, lang="en").segments]


def make_bundle(out: Path, locale: str, targets: list[str], *, article: str = ARTICLE, terms=None) -> Path:
    """A bundle of the sample article as ``newsl10n translate`` writes it, its targets in
    segment order; ``terms`` (segment index -> term list) stands for a run with a glossary."""
    from newsl10n.ingest import parse_text
    from newsl10n.model import SourceArticle

    path = ROOT / "examples" / f"{ARTICLE}.txt"
    source = SourceArticle(path, parse_text(path.read_text(encoding="utf-8"), name=article, lang="en"), "0" * 64)
    ids = [s.id for s in source.article.segments]
    reports = {ids[n]: report for n, report in (terms or {}).items()}
    engine = {"engine": "transformers", "model": f"models/en-{locale}"}
    glossary = "sha256:0123" if terms is not None else None  # as translate writes it when a glossary ran
    return shared_make_bundle(out, source, locale, dict(zip(ids, targets)), engine=engine, terms=reports, glossary_hash=glossary)


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "pipeline.yaml"
    path.write_text("{}\n", encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path):
    """A German hypothesis file (the reference with a few segments changed) and its reference."""
    hyp = ref_lines("de")
    hyp[0] = "Wiederaufnahme des Militärdialogs zwischen USA und Russland nach New START"
    hyp[5] = "Der Vertrag begrenzte die Sprengköpfe auf 1.550 pro Land."
    hyp_file = tmp_path / "hyp.de.txt"
    hyp_file.write_text("\n".join(hyp) + "\n", encoding="utf-8")
    return hyp_file, REFS / f"{ARTICLE}.de.txt"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_score_files_prints_a_table(files, config):
    hyp, ref = files
    result = invoke("score", "--hyp", hyp, "--ref", ref, "--lang", "de", "--config", config)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["locale", "segments", "BLEU", "chrF", "TER", "terms", "%", "gate"]
    cells = lines[1].split()
    assert cells[:2] == ["de", "18"] and cells[-2:] == ["-", "-"]
    assert 80 < float(cells[2]) < 100 and 80 < float(cells[3]) < 100 and 0 < float(cells[4]) < 20
    assert lines[2].startswith("de bleu nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:")


@pytest.mark.parametrize(
    "gate,code",
    [(["--min-bleu", "50", "--min-chrf", "80", "--max-ter", "20"], 0), (["--min-bleu", "99.5"], 1), (["--max-ter", "1"], 1)],
)
def test_score_gate_exit_codes_both_ways(files, config, gate, code):
    hyp, ref = files
    result = invoke("score", "--hyp", hyp, "--ref", ref, "--lang", "de", "--json", "--config", config, *gate)
    assert result.exit_code == code, result.output
    report = json.loads(result.stdout)["de"]
    assert report["gate"]["passed"] is (code == 0)
    if code:
        metric = {"--min-bleu": "BLEU", "--max-ter": "TER"}[gate[0]]
        value = report[metric.lower()]
        op, bound = ("<", "min") if metric == "BLEU" else (">", "max")
        assert result.stderr == f"gate failed: de: {metric} {value:.2f} {op} {bound} {gate[1]}\n"
    else:
        assert result.stderr == ""


def test_score_gates_from_pipeline_yaml_and_cli_override(files, tmp_path):
    hyp, ref = files
    cfg = tmp_path / "gates.yaml"
    cfg.write_text("gates:\n  defaults: {min_chrf: 99.9}\n  locales:\n    de: {max_ter: 0.5}\n", encoding="utf-8")
    result = invoke("score", "--hyp", hyp, "--ref", ref, "--lang", "de", "--json", "--config", cfg)
    assert result.exit_code == 1
    report = json.loads(result.stdout)["de"]
    assert report["gate"]["thresholds"] == {"min_chrf": 99.9, "max_ter": 0.5}
    assert result.stderr == (
        f"gate failed: de: chrF {report['chrf']:.2f} < min 99.9; de: TER {report['ter']:.2f} > max 0.5\n"
    )
    result = invoke("score", "--hyp", hyp, "--ref", ref, "--lang", "de", "--config", cfg, "--min-chrf", "1", "--max-ter", "90")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].split()[-1] == "pass"


def test_score_line_count_mismatch_names_file_and_both_counts(tmp_path, files, config):
    hyp, _ = files
    short = tmp_path / "short.txt"
    short.write_text("\n".join(ref_lines("de")[:17]) + "\n", encoding="utf-8")
    result = invoke("score", "--hyp", hyp, "--ref", short, "--lang", "de", "--config", config)
    assert result.exit_code == 2
    assert result.output == f"error: {short}: 17 lines, but {hyp} has 18\n"


@pytest.mark.parametrize(
    "args,message",
    [
        (["--hyp", "{hyp}", "--lang", "de"], "--hyp needs at least one --ref file"),
        (["--hyp", "{hyp}", "--ref", "{ref}"], "--hyp needs --lang, the target locale (e.g. --lang de)"),
        (["--hyp", "{hyp}", "--ref", "{ref}", "--lang", "xx-nowhere"],
         "unknown locale code 'xx-nowhere' (use a CLDR code such as de, fr, pt-BR)"),
        (["{out}"], "scoring bundles needs --refs REFS_DIR (REFS/<article>.<locale>.txt)"),
        ([], "nothing to score: pass bundles or output folders with --refs, or --hyp and --ref"),
        (["{out}", "--ref", "{ref}"], "--ref goes with --hyp; to score bundles pass --refs REFS_DIR"),
        (["{out}", "--refs", "{refs}", "--lang", "de"], "--lang goes with --hyp; bundles carry their own locale"),
        (["{out}", "--hyp", "{hyp}", "--ref", "{ref}", "--lang", "de"],
         "--hyp scores one file: give --ref files, not bundles or --refs"),
        (["--hyp", "{missing}", "--ref", "{ref}", "--lang", "de"], "{missing}: no such file"),
        (["{missing}", "--refs", "{refs}"], "{missing}: no such file or folder"),
        (["{out}", "--refs", "{missing}"], "{missing}: no such folder (--refs takes the references folder)"),
        (["{tmp}", "--refs", "{refs}"], "{tmp}: no bundle found (no segments.json here or in the folders below)"),
        (["--hyp", "{hyp}", "--ref", "{ref}", "--lang", "de", "--baseline", "{tmp}"],
         "{tmp}: with --hyp, --baseline is the baseline's hypothesis file"),
    ],
)
def test_score_usage_errors_exit_2_with_one_line(tmp_path, files, config, args, message):
    hyp, ref = files
    out = tmp_path / "out"
    make_bundle(out, "de", ref_lines("de"))
    empty = tmp_path / "empty"
    empty.mkdir()
    names = {"hyp": hyp, "ref": ref, "out": out, "refs": REFS, "missing": tmp_path / "missing.txt", "tmp": empty}
    result = invoke("score", *[a.format(**names) for a in args], "--config", config)
    assert result.exit_code == 2
    assert result.output == f"error: {message.format(**names)}\n"


def test_score_bundles_against_refs_folder(tmp_path, config):
    out = tmp_path / "out"
    make_bundle(out, "de", ref_lines("de"), terms={0: [{"id": "t", "status": "ok"}], 4: [{"id": "t", "status": "ok"}]})
    arabic = ref_lines("ar")
    arabic[5] = "وحددت المعاهدة سقفا قدره ١٬٥٥٠ رأسا نوويا."
    make_bundle(out, "ar", arabic, terms={2: [{"id": "t", "status": "violated"}, {"id": "u", "status": "ok"}]})
    result = invoke("score", out, "--refs", REFS, "--json", "--config", config, "--min-term-compliance", "60")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert list(report) == ["ar", "de"]
    assert report["de"]["bleu"] == pytest.approx(100.0) and report["de"]["chrf"] == 100.0 and report["de"]["ter"] == 0.0
    assert report["de"]["term_compliance"] == 100.0 and report["ar"]["term_compliance"] == 50.0
    assert report["ar"]["gate"]["failures"] == ["ar: term compliance 50.00 < min 60"]
    assert report["ar"]["segments"] == 18 and report["ar"]["bleu"] < 100
    assert report["ar"]["engines"] == [{
        "engine": "transformers", "model": "models/en-ar", "model_revision": "", "target_token": None,
        "decoding": {"beam_size": 4, "batch_size": 16, "max_length": 512, "term_bias": 0.0},  # the defaults it ran with
        "glossary_hash": "sha256:0123",
    }]  # fmt: skip
    assert set(report["ar"]["signatures"]) == {"bleu", "chrf", "ter"}
    assert result.stderr == "gate failed: ar: term compliance 50.00 < min 60\n"


@pytest.mark.parametrize("terms,shown,code", [({}, "100.0", 0), (None, "-", 1)])
def test_term_gate_needs_term_data_not_terms(tmp_path, config, terms, shown, code):
    """A glossary check that found no term passes the term gate; bundles without a glossary fail it
    (their segments list no terms: ``"terms": []``)."""
    out = tmp_path / "out"
    make_bundle(out, "de", ref_lines("de"), terms=terms)
    result = invoke("score", out, "--refs", REFS, "--min-term-compliance", "100", "--config", config)
    assert result.exit_code == code, result.output
    assert result.stdout.splitlines()[1].split()[-2] == shown
    assert result.stderr == ("" if code == 0 else "gate failed: de: term compliance n/a < min 100\n")


def test_score_bundle_reference_problems(tmp_path, config):
    out = tmp_path / "out"
    make_bundle(out, "de", ref_lines("de"))
    make_bundle(out, "it", ref_lines("de"))
    result = invoke("score", out / ARTICLE / "it", "--refs", REFS, "--config", config)
    assert result.exit_code == 2
    assert result.output == f"error: {REFS / (ARTICLE + '.it.txt')}: no such file\n"
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / f"{ARTICLE}.de.txt").write_text("\n".join(ref_lines("de")[:-1]), encoding="utf-8")
    result = invoke("score", out / ARTICLE / "de", "--refs", refs, "--config", config)
    assert result.exit_code == 2
    segments = out / ARTICLE / "de" / "segments.json"
    assert result.output == f"error: {refs / (ARTICLE + '.de.txt')}: 17 lines, but {segments} has 18\n"


def test_score_baseline_tells_regression_from_noise(tmp_path, config):
    new, old = tmp_path / "new", tmp_path / "old"
    good = ref_lines("de")
    make_bundle(old, "de", good)
    make_bundle(new, "de", [" ".join(line.split()[: len(line.split()) // 2]) for line in good])
    result = invoke("score", new, "--refs", REFS, "--baseline", old, "--samples", "200", "--json", "--config", config)
    assert result.exit_code == 0, result.output  # a regression fails only with --fail-on-regression
    baseline = json.loads(result.stdout)["de"]["baseline"]
    assert baseline["bleu"]["baseline"] == pytest.approx(100.0)
    assert baseline["bleu"]["worse"] and baseline["bleu"]["significant"]
    result = invoke("score", new, "--refs", REFS, "--baseline", old, "--samples", "200", "--fail-on-regression", "--config", config)
    assert result.exit_code == 1
    assert "against the baseline (paired bootstrap resampling):" in result.stdout
    assert result.stderr.startswith("gate failed: de: BLEU ")
    assert "vs baseline 100.00 (p = " in result.stderr
    # The same output as the baseline: no significant change, exit 0.
    result = invoke("score", old, "--refs", REFS, "--baseline", old, "--samples", "200", "--fail-on-regression", "--config", config)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].split()[-2:] == ["not", "significant"]


def test_score_files_against_a_baseline_file(files, config):
    hyp, ref = files
    result = invoke("score", "--hyp", ref, "--ref", ref, "--lang", "de", "--baseline", hyp, "--samples", "200",
                    "--fail-on-regression", "--json", "--config", config)  # fmt: skip
    assert result.exit_code == 0, result.output  # better than the baseline is no regression
    compared = json.loads(result.stdout)["de"]["baseline"]
    assert compared["chrf"]["system"] == 100.0 and compared["chrf"]["delta"] > 0
    assert not compared["chrf"]["worse"]


def test_score_baseline_missing_bundle(tmp_path, config):
    new, old = tmp_path / "new", tmp_path / "old"
    make_bundle(new, "de", ref_lines("de"))
    make_bundle(old, "de", ref_lines("de"), article="other")
    result = invoke("score", new, "--refs", REFS, "--baseline", old, "--config", config)
    assert result.exit_code == 2
    assert result.output == f"error: {old}: no baseline bundle for {ARTICLE} [de]\n"


@pytest.fixture
def qa_out(tmp_path) -> Path:
    out = tmp_path / "out"
    german = ref_lines("de")
    german[5] = "Der 2010 unterzeichnete Vertrag begrenzte die Sprengköpfe auf 1500 pro Land."  # 1,550 lost
    german[9] = ""  # empty
    german[15] = "Expected effects"  # untranslated
    make_bundle(out, "de", german)
    make_bundle(out, "ar", ref_lines("ar"))
    return out


def test_qa_table_and_gate_both_ways(qa_out, config):
    result = invoke("qa", qa_out, "--config", config)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "bundle                   segment  severity  code            message",
        "new-start-dialogue [de]  s6       error     number-missing  number(s) in the source missing from the target: 1550",
        "new-start-dialogue [de]  s10      error     empty           target is empty",
        "new-start-dialogue [de]  s16      warning   untranslated    target is identical to the source",
        "new-start-dialogue [ar]: 18 segments, 0 errors, 0 warnings",
        "new-start-dialogue [de]: 18 segments, 2 errors, 1 warning",
        "total: 2 errors, 1 warning",
    ]
    result = invoke("qa", qa_out, "--max-errors", "2", "--max-warnings", "1", "--config", config)
    assert result.exit_code == 0, result.output
    result = invoke("qa", qa_out, "--max-errors", "1", "--max-warnings", "0", "--config", config)
    assert result.exit_code == 1
    assert result.stderr == "qa failed: 2 errors (max 1), 1 warning (max 0)\n"


def test_qa_json_and_config_limits(qa_out, tmp_path):
    cfg = tmp_path / "qa.yaml"
    cfg.write_text("qa: {max_errors: 0}\n", encoding="utf-8")
    result = invoke("qa", qa_out / ARTICLE / "de", "--json", "--config", cfg)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["counts"] == {"error": 2, "warning": 1}
    [bundle] = report["bundles"]
    assert (bundle["article"], bundle["locale"]) == (ARTICLE, "de")
    assert [(i["segment"], i["code"], i["severity"]) for i in bundle["issues"]] == [
        ("s6", "number-missing", "error"), ("s10", "empty", "error"), ("s16", "untranslated", "warning"),
    ]  # fmt: skip
    assert result.stderr == "qa failed: 2 errors (max 0)\n"


def test_qa_bad_segments_json_is_one_line(tmp_path, config):
    bundle = tmp_path / "out" / "a" / "de"
    bundle.mkdir(parents=True)
    (bundle / "segments.json").write_text("{not json", encoding="utf-8")
    result = invoke("qa", tmp_path / "out", "--config", config)
    assert result.exit_code == 2
    assert result.output == (
        f"error: {bundle / 'segments.json'}: not valid JSON (line 1: Expecting property name enclosed in double quotes)\n"
    )


@pytest.mark.slow
def test_translate_then_score_and_qa(tmp_path, tiny_models, sample_article, config_file):
    """The CI flow on real bundles: random models give low scores, so a gate fails; plumbing only."""
    out = tmp_path / "run"
    result = invoke("translate", sample_article, "--to", "de", "--out", out, "--config", config_file, "--quiet")
    assert result.exit_code == 0, result.output
    result = invoke("score", out, "--refs", REFS, "--json", "--config", config_file)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert list(report) == ["de"] and report["de"]["segments"] == 18
    assert report["de"]["engines"][0]["model"] == str(tiny_models["de"])
    result = invoke("score", out, "--refs", REFS, "--min-chrf", "90", "--config", config_file)
    assert result.exit_code == 1
    assert result.stderr.startswith("gate failed: de: chrF ") and result.stderr.endswith(" < min 90\n")
    result = invoke("qa", out, "--json", "--config", config_file)
    assert result.exit_code == 0, result.output
    assert [b["locale"] for b in json.loads(result.stdout)["bundles"]] == ["de"]


def test_bundle_locale_picks_the_tokenizer(tmp_path, config):
    out, refs = tmp_path / "out", tmp_path / "refs"
    chinese = ["美国和俄罗斯恢复军事对话。"] * 18
    make_bundle(out, "zh-Hans", chinese)
    refs.mkdir()
    (refs / f"{ARTICLE}.zh-Hans.txt").write_text("\n".join(["美俄恢复军事对话。"] * 18) + "\n", encoding="utf-8")
    result = invoke("score", out, "--refs", refs, "--json", "--config", config)
    assert result.exit_code == 0, result.output
    signatures = json.loads(result.stdout)["zh-Hans"]["signatures"]
    assert "|tok:zh|" in signatures["bleu"] and "|asian:yes|" in signatures["ter"]


@pytest.mark.slow
def test_score_json_reports_lemmatised_term_success_beside_exact_compliance(tmp_path, tiny_models, sample_article):
    """Issue 15 item 7: the WMT 2023 terminology task's measure, from each manifest, in score --json."""
    from newsl10n.cli import app as cli_app

    config = tmp_path / "pipeline.yaml"
    config.write_text(
        f"out: {tmp_path / 'out'}\ndecoding: {{beam_size: 1, max_length: 64}}\n"
        f"glossaries: ['{Path(__file__).resolve().parents[1] / 'glossaries'}']\n"
        f"locales:\n  de: {{model: '{tiny_models['de']}'}}\n",
        encoding="utf-8",
    )
    assert CliRunner().invoke(cli_app, ["translate", str(sample_article), "--config", str(config), "--no-tm"]).exit_code == 0
    manifest = json.loads((tmp_path / "out" / "new-start-dialogue" / "de" / "manifest.json").read_text())
    assert manifest["term_success_lemmatised"] >= manifest["term_compliance"] > 0
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "new-start-dialogue.de.txt").write_bytes((Path(__file__).resolve().parents[1] / "examples/refs/new-start-dialogue.de.txt").read_bytes())
    result = CliRunner().invoke(cli_app, ["score", str(tmp_path / "out"), "--refs", str(refs), "--json", "--config", str(config)])
    report = json.loads(result.output)
    assert report["de"]["term_success_lemmatised"] == round(100 * manifest["term_success_lemmatised"], 2)
