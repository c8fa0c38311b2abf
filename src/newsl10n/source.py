"""An article file in, a :class:`SourceArticle` out: decoded, its blocks found (plain text, HTML
or Markdown), misspellings corrected, segmented, and each segment's glossary terms found."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .config import PipelineConfig
from .errors import InputError
from .fileio import read_bytes
from .formats import reader_for
from .ingest import Progress, decode_article, parse_text
from .model import Correction, SourceArticle, TermHit
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

    With ``terms``, misspellings in body blocks of plain-text articles are corrected before
    segmentation, no sentence is split inside a term, and each segment's terms and corrections
    are recorded (HTML and Markdown articles get term reports, not source corrections).
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
        article = reader(text, source=str(path), **options, protected=terms.protected if terms else None)
    else:
        article = parse_text(
            text,
            **options,
            protected=terms.protected if terms else None,
            correct=correct if terms else None,
        )
    if not article.segments:
        raise InputError(f"{path}: no article text found (only UI lines)")
    hits: dict[str, tuple[TermHit, ...]] = {}
    corrections: dict[str, tuple[Correction, ...]] = {}
    if terms:
        for block in article.body_blocks:
            found = terms.find(block.text)
            for seg in block.segments:
                hits[seg.id] = tuple(h for h in found if seg.start <= h.start and h.end <= seg.end)
                corrections[seg.id] = tuple(c for c in fixes.get(block.index, ()) if seg.start <= c.start < seg.end)
    return SourceArticle(path, article, hashlib.sha256(data).hexdigest(), hits, corrections)
