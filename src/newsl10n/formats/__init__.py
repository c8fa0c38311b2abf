"""Article formats beyond plain text: HTML, Markdown and IPTC ninjs in, the same format out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..model import Article
from .html import read_html
from .markdown import read_markdown
from .ninjs import read_ninjs

Reader = Callable[..., Article]

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
NINJS_SUFFIXES = frozenset({".json"})


def reader_for(path: Path) -> Reader | None:
    """The reader for ``path``'s extension, or None for plain text."""
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:

        return read_html
    if suffix in MARKDOWN_SUFFIXES:

        return read_markdown
    if suffix in NINJS_SUFFIXES:
        return read_ninjs
    return None
