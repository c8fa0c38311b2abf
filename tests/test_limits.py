"""Models with fewer positions than ``decoding.max_length``: over-long segments are translated in
pieces cut at clause or word boundaries and rejoined, on both engines (issue 14, item 12)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from newsl10n.model import TermConstraint, Translation
from newsl10n.translate.limits import LengthLimited, model_positions, source_budget, split_point, token_limit

from conftest import TARGET_TEXT, generated_article, sample_text
from helpers import cli_translate


@dataclass
class WordEngine:
    """One token per word plus EOS; the output is the source in capitals."""

    target_lang: str = "de"
    calls: list[list[str]] = field(default_factory=list)
    constraints: list[object] = field(default_factory=list)

    @property
    def spec(self):
        return self

    def encode(self, texts):
        return [t.split() + ["</s>"] for t in texts]

    def translate(self, sources, progress=None, constraints=None):
        self.calls.append(list(sources))
        self.constraints.append(constraints)
        if progress:
            progress(len(sources))
        return [Translation(s.upper(), ("t1",) if "term" in s else (), "m" if "term" in s else "") for s in sources]

    def describe(self):
        return {"engine": "words"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("one two, three four; five six, seven eight", "one two, three four;"),  # ';' before ','
        ("one two three, four five six seven eight", "one two three,"),
        ("one two three — four five six seven eight", "one two three —"),
        ("one two three four five six", "one two three"),  # no clause boundary: the middle space
        ("abcdefgh", "abcd"),  # no space at all: the middle character
        ("abce\u0301fgh", "abc"),  # never before a combining mark
        ("第一句话很长，第二句话也很长", "第一句话很长，"),
    ],
)
def test_split_point_prefers_clause_boundaries_near_the_middle(text, expected):
    assert text[: split_point(text, 0, len(text))].rstrip() == expected


def test_split_point_never_cuts_a_term():
    text = "one two three four five six"
    middle = text.index("three four")
    cut = split_point(text, 0, len(text), [(middle, middle + len("three four"))])
    assert cut not in range(middle + 1, middle + len("three four"))


def test_short_sources_reach_the_engine_unchanged():
    engine = WordEngine()
    out = LengthLimited(engine, 8).translate(["a b c", "d e"])
    assert engine.calls == [["a b c", "d e"]]
    assert [t.text for t in out] == ["A B C", "D E"]


def test_long_source_is_translated_in_pieces_and_rejoined():
    engine, done = WordEngine(), []
    words = [f"w{i}" for i in range(40)]
    source = " ".join(words[:13]) + ", " + " ".join(words[13:30]) + "; " + " ".join(words[30:]) + " term x"
    span = (source.index("term"), source.index("term") + 4)
    wanted = [(), (TermConstraint("t1", ("T",), source_span=span),)]
    out = LengthLimited(engine, 8).translate(["short one", source], done.append, wanted)
    (pieces,) = engine.calls
    assert pieces[0] == "short one" and len(pieces) > 6
    assert all(len(p.split()) + 1 <= 8 for p in pieces)
    assert " ".join(pieces[1:]).split() == source.split()  # nothing dropped, order kept
    assert sum(done) == 2
    holder = next(i for i, p in enumerate(pieces) if "term" in p)
    (term,) = engine.constraints[0][holder]
    assert pieces[holder][term.source_span[0] : term.source_span[1]] == "term"
    assert sum(len(c) for c in engine.constraints[0]) == 1
    assert out[1] == Translation(source.upper(), ("t1",), "m")


def test_pieces_join_without_spaces_in_languages_written_without_them():
    engine = WordEngine(target_lang="ja")
    out = LengthLimited(engine, 2).translate(["a b c d e f"])  # one word a piece
    assert out[0].text == "ABCDEF"


def test_limits_come_from_the_model(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"max_position_embeddings": 256}))
    assert model_positions(tmp_path) == 256
    assert model_positions(tmp_path / "missing") is None
    assert token_limit(512, 256) == 256 and token_limit(64, 256) == 64 and token_limit(512, None) == 512
    assert source_budget(256) == 123


# --- through the CLI, with a model of 256 positions --------------------------------------------


@pytest.fixture(scope="module")
def model_256(tmp_path_factory) -> Path:
    from newsl10n.testsupport.randommodels import build_random_marian

    folder = tmp_path_factory.mktemp("m256") / "en-de"
    return build_random_marian(folder, sample_text().splitlines() + TARGET_TEXT["de"] * 5, max_positions=256)


def _translate(tmp_path: Path, article: Path, model: Path, engine: str) -> dict:
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"decoding: {{beam_size: 1, batch_size: 16}}\nout: {tmp_path / 'out'}\n"
                      f"ctranslate2: {{models_cache: {tmp_path / 'ct2'}}}\n", encoding="utf-8")  # fmt: skip
    cli_translate(article, "--to", "de", "--model", f"de={model}", "--engine", engine, "--config", config, "--no-tm")
    return json.loads((tmp_path / "out" / article.stem / "de" / "segments.json").read_text(encoding="utf-8"))


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["transformers", "ctranslate2"])
def test_sample_article_on_a_model_of_256_positions(engine, model_256, sample_article, tmp_path):
    assert json.loads((model_256 / "config.json").read_text())["max_position_embeddings"] == 256
    segments = _translate(tmp_path, sample_article, model_256, engine)["segments"]
    assert len(segments) == 18 and all(s["target"].strip() for s in segments)
    if engine == "ctranslate2":  # the conversion keeps the source model's positions
        (converted,) = (tmp_path / "ct2").glob("*/config.json")
        assert json.loads(converted.read_text())["max_position_embeddings"] == 256


@pytest.mark.slow
@pytest.mark.parametrize(("engine", "size"), [("transformers", 6_000), ("ctranslate2", 150_000)])
def test_one_line_article_is_translated_whole(engine, size, model_256, tmp_path, monkeypatch):
    """A single line with no sentence end: one segment thousands of tokens long. Every piece the
    engine gets fits the model, and together they are the whole source."""
    from newsl10n.translate.limits import LengthLimited as Limited

    text = re.sub(r"[.!?]”?\s+", ", ", " ".join(generated_article(size).split()))
    article = tmp_path / "one-line.txt"
    article.write_text(text + "\n", encoding="utf-8")
    seen: list[list[str]] = []
    original = Limited.translate

    def recording(self, sources, progress=None, constraints=None):
        real = self.inner.translate

        def inner(pieces, progress=None, constraints=None):
            seen.append([len(t) for t in self.inner.encode(pieces)] + [" ".join(pieces)])
            return real(pieces, progress, constraints)

        monkeypatch.setattr(self.inner, "translate", inner, raising=False)
        return original(self, sources, progress, constraints)

    monkeypatch.setattr(Limited, "translate", recording)
    (segment,) = _translate(tmp_path, article, model_256, engine)["segments"]
    assert segment["source"] == text and segment["target"].strip()
    *lengths, joined = seen[0]
    assert len(lengths) > 1 and max(lengths) <= source_budget(256)
    assert joined.split() == text.split()
