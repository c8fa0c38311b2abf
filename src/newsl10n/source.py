"""An article file in, a :class:`SourceArticle` out: decoded, its blocks found (plain text, HTML
or Markdown), misspellings corrected, segmented, and each segment's glossary terms found."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from .config import PipelineConfig
from .errors import InputError
from .fileio import read_bytes
from .formats import NINJS_SUFFIXES, reader_for
from .formats.ninjs import fix_text_fields
from .ingest import Progress, decode_article, parse_text
from .model import Article, Correction, SourceArticle, TermHit
from .terms.source import SourceTerms


def read_article(
    path: Path,
    config: PipelineConfig,
    terms: SourceTerms | None = None,
    *,
    name: str | None = None,
    progress: Progress | None = None,
) -> SourceArticle:
    """Read and parse one article file (named ``name``, default its stem); errors name the file.

    With ``terms``, misspellings are corrected before segmentation (in body blocks of plain
    text; in the text of HTML and Markdown, never inside tags, code or link targets; in the
    headlines, descriptions and bodies of a ninjs item, as text or HTML), no
    sentence is split inside a term, and each segment's terms and corrections are recorded.
    ``progress(done, total)`` is called as the article is segmented, in characters.
    """
    data = read_bytes(path, what="article file")
    text = decode_article(data, source=str(path))
    fixes: dict[int, list[Correction]] = {}

    def correct(index: int, line: str) -> str:
        fixed, fixes[index] = terms.correct(line)  # type: ignore[union-attr]
        return fixed

    options = {
        "name": name or path.stem,
        "lang": config.source_lang,
        "ui_strings": config.ingest.ui_strings,
        "progress": progress,
    }
    reader = reader_for(path)  # HTML or Markdown by extension, else plain text
    if reader:
        made: list[Correction] = []
        if terms and path.suffix.lower() in NINJS_SUFFIXES:  # only the item's texts: keys and URIs are none
            text, made = fix_text_fields(text, lambda value, html: _correct(value, html, terms), source=str(path))
        elif terms:
            text, made = correct_markup(text, terms, markdown=path.suffix.lower() in MARKDOWN_SUFFIXES)
        article = reader(text, source=str(path), **options, protected=terms.protected if terms else None)
        fixes = corrections_by_block(article, made)
    else:
        article = parse_text(
            text,
            **options,
            protected=terms.protected if terms else None,
            correct=correct if terms else None,
        )
    if not article.segments:
        raise InputError(f"{path}: no article text found (only UI lines)")
    return with_terms(path, article, hashlib.sha256(data).hexdigest(), terms, fixes)


def with_terms(
    path: Path, article: Article, sha256: str, terms: SourceTerms | None, fixes: Mapping[int, Sequence[Correction]]
) -> SourceArticle:
    """The parsed article with each segment's glossary terms and source corrections (``fixes``:
    per block index, offsets in the corrected block text); none without ``terms``."""
    hits: dict[str, tuple[TermHit, ...]] = {}
    corrections: dict[str, tuple[Correction, ...]] = {}
    if terms:
        for block in article.body_blocks:
            found = terms.find(block.text)
            for seg in block.segments:
                hits[seg.id] = tuple(h for h in found if seg.start <= h.start and h.end <= seg.end)
                corrections[seg.id] = tuple(c for c in fixes.get(block.index, ()) if seg.start <= c.start < seg.end)
    return SourceArticle(path, article, sha256, hits, corrections)


MARKDOWN_SUFFIXES = (".md", ".markdown")
_HTML_CODE = re.compile(r"(<[^>]*>)")
_MARKDOWN_CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`|\]\([^)\n]*\)|<[^>\n]*>)", re.DOTALL)


def correct_markup(text: str, terms: SourceTerms, *, markdown: bool) -> tuple[str, list[Correction]]:
    """HTML or Markdown with the misspellings of its text corrected, tags, code and link
    targets left as they are; the corrections in document order (their offsets are not kept:
    :func:`corrections_by_block` finds them again in the parsed blocks)."""
    parts = (_MARKDOWN_CODE if markdown else _HTML_CODE).split(text)
    made: list[Correction] = []
    for i in range(0, len(parts), 2):  # the even parts are text, the odd ones markup
        parts[i], found = terms.correct(parts[i])
        made += found
    return "".join(parts), made


def _correct(value: str, html: bool, terms: SourceTerms) -> tuple[str, list[Correction]]:
    """One text of a ninjs item corrected: HTML as :func:`correct_markup` does, else whole."""
    return correct_markup(value, terms, markdown=False) if html else terms.correct(value)


def corrections_by_block(article: Article, made: list[Correction]) -> dict[int, list[Correction]]:
    """Each correction of :func:`correct_markup` at its place in a body block (block offsets),
    in document order; one that went into no body block (a page title, a menu) is dropped."""
    found: dict[int, list[Correction]] = {}
    blocks = article.body_blocks
    at_block, at_char = 0, 0
    for c in made:
        for b in range(at_block, len(blocks)):
            start = blocks[b].text.find(c.corrected, at_char if b == at_block else 0)
            if start >= 0:
                found.setdefault(blocks[b].index, []).append(replace(c, start=start, end=start + len(c.corrected)))
                at_block, at_char = b, start + len(c.corrected)
                break
    return found
