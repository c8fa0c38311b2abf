"""Read an article into an :class:`~newsl10n.article.Article`.

Plain-text layout (as newsrooms export it): one block per line, blank lines between blocks.

- the first line is the *section* label ("World News") when the line after it is not body text
  either, otherwise it is the *headline*;
- a line that ends like a sentence is a *paragraph*; any other line is a *heading*;
- lines after the last paragraph ("Related articles", "Leave a comment", ...) and lines listed in
  ``ui_strings`` are the site's *UI* strings: they go to the catalog, never to the model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence

from .errors import InputError
from .model import BODY_KINDS, Article, Block, BlockKind, Segment
from .segment import Segmenter, Span

_SENTENCE_END = re.compile(r"[.!?…。؟]['\"’”»)\]]*\s*$")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")

ProtectedSpans = Callable[[str], Sequence[Span]]
Progress = Callable[[int, int], None]
"""Called as an article is segmented, with (characters done, characters in all)."""


def decode_article(data: bytes, *, source: str) -> str:
    """Bytes -> text. UTF-8 only (a BOM is dropped); errors name ``source`` and the problem."""
    if not data.strip():
        raise InputError(f"{source}: file is empty")
    if b"\x00" in data[:8192]:
        raise InputError(f"{source}: binary file (contains NUL bytes), expected UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        raise InputError(
            f"{source}: not valid UTF-8 (byte 0x{data[offset]:02x} at offset {offset})"
        ) from None
    if not text.strip():
        raise InputError(f"{source}: file is empty")
    return text


def parse_text(
    text: str,
    *,
    name: str,
    lang: str = "en",
    ui_strings: Collection[str] = (),
    protected: ProtectedSpans | None = None,
    segmenter: Segmenter | None = None,
    correct: Callable[[int, str], str] | None = None,
    progress: Progress | None = None,
) -> Article:
    """Find blocks and their kinds in a plain-text article, then segment the body blocks.

    ``protected(text)`` may return spans (glossary terms) inside which no sentence is split.
    ``correct(index, text)`` may rewrite a body block (glossary misspellings) before it is
    segmented; the article then renders the corrected text. ``progress`` is called after
    each line, in characters of ``text``.
    """
    lines, gaps = _split_lines(text)
    kinds = classify_lines(lines, ui_strings)
    segmenter = segmenter or Segmenter(lang)
    blocks: list[Block] = []
    counter = done = 0
    for index, (line, kind) in enumerate(zip(lines, kinds)):
        done += len(gaps[index]) + len(line)
        segments: list[Segment] = []
        if correct is not None and kind in BODY_KINDS:
            line = correct(index, line)
        if kind in ("headline", "heading"):
            spans: Sequence[Span] = [(0, len(line))]
        elif kind == "paragraph":
            spans = segmenter.spans(line, protected(line) if protected else ())
        else:
            spans = []
        for start, end in spans:
            counter += 1
            segments.append(Segment(f"s{counter}", index, kind, line[start:end], start, end))
        blocks.append(Block(index, kind, line, tuple(segments)))
        if progress:
            progress(done, len(text))
    if progress:
        progress(len(text), len(text))
    return Article(name=name, blocks=tuple(blocks), gaps=tuple(gaps), source=text)


def classify_lines(lines: Sequence[str], ui_strings: Collection[str] = ()) -> list[BlockKind]:
    """Kind of each non-blank line, by position and punctuation (see the module docstring)."""
    known_ui = {_normalize(s) for s in ui_strings}
    sentence_like = [bool(_SENTENCE_END.search(line)) for line in lines]
    kinds: list[BlockKind] = ["ui"] * len(lines)
    body = [i for i, line in enumerate(lines) if _normalize(line) not in known_ui]
    for i in body:
        kinds[i] = "paragraph" if sentence_like[i] else "heading"
    if not body:
        return kinds
    first = body[0]
    if len(body) >= 2 and not sentence_like[body[0]] and not sentence_like[body[1]]:
        kinds[first] = "section"
        first = body[1]
    kinds[first] = "headline"
    last_paragraph = max((i for i in body if kinds[i] == "paragraph"), default=None)
    if last_paragraph is not None:
        for i in body:
            if i > last_paragraph:
                kinds[i] = "ui"
    return kinds


def _split_lines(text: str) -> tuple[list[str], list[str]]:
    """Non-blank lines (stripped) and the exact text between them (len(lines) + 1 gaps)."""
    lines: list[str] = []
    gaps: list[str] = []
    gap: list[str] = []
    for match in _LINE.finditer(text):
        raw = match.group(0)
        if not raw:
            continue
        content = raw.rstrip("\r\n")
        if not content.strip():
            gap.append(raw)
            continue
        stripped = content.strip()
        lead = content[: len(content) - len(content.lstrip())]
        gaps.append("".join(gap) + lead)
        lines.append(stripped)
        gap = [content[len(lead) + len(stripped) :], raw[len(content) :]]
    gaps.append("".join(gap))
    return lines, gaps


def _normalize(line: str) -> str:
    return " ".join(line.split()).casefold()
