"""URLs, e-mail addresses, @handles and #hashtags come through translation exactly (issue 15
item 4): found without a glossary, never split by the segmenter, enforced and reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsl10n.cli import app
from newsl10n.terms.spans import protected_spans

ARTICLE = """Tech

NATO opens a press portal

Read the statement at https://www.nato.int/cps/en/natohq/news.htm or write to press@hq.nato.int for details. The alliance posted it as @NATO_Press with the tag #NATOSummit on Friday.
"""


def test_spans_are_found_whole_with_their_kind():
    text = "See https://example.com/a?b=1. Mail press@nato.int, @NATO_Press or #NATOSummit (www.nato.int/x)."
    assert [(h.id, h.source) for h in protected_spans(text)] == [
        ("dnt-url", "https://example.com/a?b=1"),
        ("dnt-email", "press@nato.int"),
        ("dnt-handle", "@NATO_Press"),
        ("dnt-hashtag", "#NATOSummit"),
        ("dnt-url", "www.nato.int/x"),
    ]
    assert protected_spans("C# costs 3#4, mail me@home or @ noon.") == []


@pytest.fixture(scope="module")
def span_model(tmp_path_factory) -> Path:
    """A random model whose vocabulary can spell the spans (a real opus-mt vocabulary can)."""
    from newsl10n.testsupport.randommodels import build_random_marian

    return build_random_marian(tmp_path_factory.mktemp("spans") / "en-de", ARTICLE.splitlines() * 5, target_lang="de")


@pytest.mark.parametrize("engine", ["ctranslate2", "transformers"])
def test_a_url_an_email_a_handle_and_a_hashtag_survive_translation(tmp_path, span_model, engine):
    article = tmp_path / "portal.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"ctranslate2: {{models_cache: {json.dumps(str(tmp_path / 'ct2'))}}}\ndecoding: {{beam_size: 1}}\n")
    result = CliRunner().invoke(app, [
        "translate", str(article), "--to", "de", "--model", f"de={span_model}", "--out", str(tmp_path / "out"),
        "--engine", engine, "--no-glossary", "--no-tm", "--config", str(config),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    segments = json.loads((tmp_path / "out" / "portal" / "de" / "segments.json").read_text())["segments"]
    spans = {t["source"]: (t["id"], t["status"], s["target"]) for s in segments for t in s["terms"]}
    assert set(spans) == {"https://www.nato.int/cps/en/natohq/news.htm", "press@hq.nato.int", "@NATO_Press", "#NATOSummit"}
    for source, (kind, status, target) in spans.items():
        assert status in ("present", "enforced") and source in target, (kind, target)
    sources = [s["source"] for s in segments]
    assert sources[1].startswith("Read the statement at https://www.nato.int/cps/") and sources[1].endswith("details.")


@pytest.mark.parametrize("suffix", [".html", ".md"])
def test_html_and_markdown_articles_get_the_source_corrections_of_plain_text(suffix):
    """Issue 15 item 6: "Steve Wittkopf" is corrected in HTML and Markdown too, recorded on its
    segment, and never inside markup (a link target keeps its own spelling)."""
    from newsl10n.config import PipelineConfig
    from newsl10n.source import read_article
    from newsl10n.terms.files import require_valid
    from newsl10n.terms.source import SourceTerms

    root = Path(__file__).resolve().parents[1]
    terms = SourceTerms(require_valid([root / "glossaries"]))
    source = read_article(root / "examples" / f"new-start-dialogue{suffix}", PipelineConfig(), terms)
    texts = [s.text for s in source.article.segments]
    assert not any("Wittkopf" in t for t in texts)
    [(seg_id, fixes)] = [(k, v) for k, v in source.corrections.items() if v]
    segment = next(s for s in source.article.segments if s.id == seg_id)
    assert "Steve Witkoff" in segment.text
    assert [(c.id, c.original, c.corrected) for c in fixes] == [("steve-witkoff", "Wittkopf", "Witkoff")]
    block = source.article.blocks[segment.block]
    assert block.text[fixes[0].start : fixes[0].end] == "Witkoff"
    assert "steve-witkoff" in [h.id for h in source.terms[seg_id]]


def test_markup_is_never_corrected():
    from newsl10n.source import correct_markup
    from newsl10n.terms.files import require_valid
    from newsl10n.terms.source import SourceTerms

    terms = SourceTerms(require_valid([Path(__file__).resolve().parents[1] / "glossaries"]))
    html = '<a href="/people/Wittkopf" title="Wittkopf">Steve Wittkopf</a>'
    fixed, made = correct_markup(html, terms, markdown=False)
    assert fixed == '<a href="/people/Wittkopf" title="Wittkopf">Steve Witkoff</a>' and len(made) == 1
    md = "[Steve Wittkopf](https://example.com/Wittkopf) and `Wittkopf` in code"
    fixed, made = correct_markup(md, terms, markdown=True)
    assert fixed == "[Steve Witkoff](https://example.com/Wittkopf) and `Wittkopf` in code" and len(made) == 1
