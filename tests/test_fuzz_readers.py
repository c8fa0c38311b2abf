"""Issue 14: a short, bounded fuzz of every reader of outside input.

Articles (text, HTML, Markdown), glossary YAML, XLIFF, .po catalogs, JSONL batch manifests and a
bundle's manifest.json / segments.json: whatever the bytes, a reader returns or raises one of the
project's own errors (NewsL10nError), never anything else. Inputs mix random bytes with the
formats' own syntax so that the parsers get past their first line.
"""

from __future__ import annotations

import io
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsl10n.errors import NewsL10nError

FUZZ = settings(
    max_examples=25, deadline=timedelta(seconds=5), derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)  # fmt: skip

SYNTAX = {
    "txt": ["Headline\n", "\n\n", "A sentence. ", "Leave a comment", "\x00", "\ufeff", "\r\n", "\x0c", "NATO "],
    "md": ["# ", "\n\n", "*", "**", "[a](", ")", "<script>", "`", "```\n", "- ", "1. ", "<a href='javascript:x'>", "~~"],
    "html": ["<html>", "<body>", "<article>", "<h1>", "</h1>", "<p>", "</p>", "<a href=\"", "javascript:", "\">",
             "</a>", "&colon;", "<!--", "<![CDATA[", "&#0;", "<script>", "text. "],
    "yaml": ["domain: x\n", "entries:\n", "  - id: a\n", "    source: ", "NATO\n", "    targets: {de: ", "}\n",
             "&a ", "*a ", "[", "]", "{", ": ", "- ", "\t", "!!python/object ", "'", '"', "no\n"],
    "xlf": ['<?xml version="1.0"?>', '<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" ',
            'srcLang="en" trgLang="de">', '<file id="f">', '<unit id="s1">', '<segment state="reviewed">',
            "<source>Hi</source>", "<target>Hallo</target>", "</segment>", "</unit>", "</file>", "</xliff>",
            "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>", "&e;", "<"],
    "po": ['msgid ""\n', 'msgstr ""\n', '"Content-Type: text/plain; charset=UTF-8\\n"\n', 'msgid "A"\n',
           'msgstr "B %"\n', "#, fuzzy\n", "#~ ", 'msgstr[0] "x"\n', 'msgid_plural "As"\n', '"', "\\", "\n"],
    "json": ['{"segments": [', '{"id": "s1", ', '"source": "A", ', '"target": 1', "}", "]", '"reviewed": true',
             '{"article": ', '"locale": "de"', ', ', "null", '"path": "../x"', "[", "\n"],
}


def fuzz_bytes(kind: str) -> st.SearchStrategy[bytes]:
    pieces = st.one_of(st.sampled_from(SYNTAX[kind]), st.text(max_size=12))
    text = st.lists(pieces, max_size=40).map("".join).map(lambda t: t.encode("utf-8", "surrogatepass"))
    return st.one_of(text, st.binary(max_size=200))


def _in_file(data: bytes, name: str, check) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            check(path)
        except NewsL10nError as exc:
            assert "\n" not in str(exc), str(exc)


@pytest.mark.parametrize("suffix, kind", [(".txt", "txt"), (".md", "md"), (".html", "html")])
@FUZZ
@given(data=st.data())
def test_article_readers(suffix, kind, data):
    from newsl10n.config import PipelineConfig
    from newsl10n.source import read_article

    _in_file(data.draw(fuzz_bytes(kind)), "article" + suffix, lambda p: read_article(p, PipelineConfig()))


@FUZZ
@given(raw=fuzz_bytes("yaml"))
def test_glossary_reader(raw):
    from newsl10n.terms.files import load_glossary

    _in_file(raw, "terms.yaml", lambda p: load_glossary([p]))


@FUZZ
@given(raw=fuzz_bytes("xlf"))
def test_xliff_reader(raw):
    from newsl10n.bundle.xliff import read_xliff

    try:
        read_xliff(raw, source="a.xlf")
    except NewsL10nError:
        pass


@FUZZ
@given(raw=fuzz_bytes("po"))
def test_catalog_reader(raw):
    from newsl10n.catalog import read_catalog
    from newsl10n.catalog_authoring import check_catalog

    try:
        check_catalog(read_catalog(io.BytesIO(raw), source="messages.po", locale="de"), source="messages.po")
    except NewsL10nError:
        pass


@FUZZ
@given(segments=fuzz_bytes("json"), manifest=fuzz_bytes("json"))
def test_bundle_reader(segments, manifest):
    from newsl10n.bundle.reader import load_bundle

    with tempfile.TemporaryDirectory() as folder:
        bundle = Path(folder) / "a" / "de"
        bundle.mkdir(parents=True)
        (bundle / "segments.json").write_bytes(segments)
        (bundle / "manifest.json").write_bytes(manifest)
        try:
            load_bundle(bundle)
        except NewsL10nError:
            pass


@FUZZ
@given(raw=fuzz_bytes("json"))
def test_batch_manifest_reader(raw):
    from newsl10n.batch import read_manifest

    _in_file(raw, "list.jsonl", read_manifest)
