"""The values that flow between the stages: the article (Article, Block, Segment, Inline), the
glossary's source hits and corrections, the terms a translation must hold, the engine's output,
and one article localized. This module imports nothing of the project.

An :class:`Article` keeps every character of its source: ``gaps[i]`` is the exact text (blank
lines, indentation, line endings) before block ``i`` and ``gaps[-1]`` the text after the last
block. Joining gaps and blocks gives the input back byte for byte, and joining them with
translated blocks gives the localized article in the same layout.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

BlockKind = Literal["section", "headline", "heading", "paragraph", "ui", "verbatim"]
BODY_KINDS: frozenset[str] = frozenset({"headline", "heading", "paragraph"})


@dataclass(frozen=True)
class Segment:
    """A unit of translation: one sentence, or one whole headline or heading."""

    id: str
    block: int
    kind: BlockKind
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Inline:
    """Inline markup over ``[start, end)`` of a block's plain text (HTML and Markdown input).

    ``tag`` is an HTML name (strong, em, a, code, ...); ``attrs`` are (name, value) pairs.
    ``br`` and ``html`` (raw inline HTML from Markdown, in attrs ``raw``) have no text.
    A block's inlines are properly nested and listed in document (pre-)order.
    """

    start: int
    end: int
    tag: str
    attrs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Block:
    """One block of an article. ``text`` is plain text; HTML and Markdown input also set
    ``tag`` (h1..h6, p, li, pre), ``container`` (ul/ol for list items) and ``inline``."""

    index: int
    kind: BlockKind
    text: str
    segments: tuple[Segment, ...] = ()
    tag: str = ""
    container: str = ""
    inline: tuple[Inline, ...] = ()

    @property
    def is_body(self) -> bool:
        return self.kind in BODY_KINDS


@dataclass(frozen=True)
class Article:
    name: str
    blocks: tuple[Block, ...]
    gaps: tuple[str, ...]
    source: str = field(repr=False)
    format: str = "text"
    """Input format: text, html or markdown."""

    @property
    def segments(self) -> list[Segment]:
        return [seg for block in self.blocks for seg in block.segments]

    @property
    def body_blocks(self) -> list[Block]:
        return [b for b in self.blocks if b.is_body]

    @property
    def ui_blocks(self) -> list[Block]:
        return [b for b in self.blocks if not b.is_body and b.kind != "verbatim"]

    def render(self, block_texts: dict[int, str] | None = None) -> str:
        """The article text with some blocks replaced (by index), layout kept exactly."""
        block_texts = block_texts or {}
        parts: list[str] = []
        for gap, block in zip(self.gaps, self.blocks):
            parts.append(gap)
            parts.append(block_texts.get(block.index, block.text))
        parts.append(self.gaps[-1])
        return "".join(parts)


def normalize(text: str) -> str:
    """A segment's lookup key (the translation memory's, a bundle's reviewed segments'): NFC,
    whitespace runs collapsed, ends stripped."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def rebuild_block(block: Block, translations: dict[str, str]) -> str:
    """Block text with each segment replaced by its translation; text between segments kept."""
    out: list[str] = []
    pos = 0
    for seg in block.segments:
        out.append(block.text[pos : seg.start])
        out.append(translations.get(seg.id, seg.text))
        pos = seg.end
    out.append(block.text[pos:])
    return "".join(out)


# --- terms -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    """A misspelling replaced in the source; ``start``/``end`` are offsets in the corrected text."""

    id: str
    original: str
    corrected: str
    start: int
    end: int


@dataclass(frozen=True)
class TermHit:
    """A source term occurrence in a segment."""

    id: str
    source: str
    start: int
    end: int


@dataclass(frozen=True)
class TermConstraint:
    """A glossary term the output of one segment must contain.

    ``forms``: the preferred target term first, then allowed and (Russian) generated case forms;
    any one satisfies the constraint. ``forbidden``: target variants that must not appear.
    ``case_sensitive``: whether a form found in the output must match its case exactly. A segment
    lists a constraint once per source occurrence: two occurrences need two target terms.
    """

    id: str
    forms: tuple[str, ...]
    forbidden: tuple[str, ...] = ()
    case_sensitive: bool = True
    source_span: tuple[int, int] | None = None
    """Character offsets of the term's occurrence in the segment's source text, when known: the
    ctranslate2 engine places a missing term where the model translated that span."""
    lang: str = ""
    """The target language ("ru", "de", ...): German, French, Spanish and Portuguese forms also match by
    lemma, Arabic ones with proclitics (:mod:`newsl10n.terms.forms`); "" matches forms only."""


TermStatus = Literal["present", "violated"]


@dataclass(frozen=True)
class TermCheck:
    """What the output holds for one constraint: ``found`` is the form found, ``problem`` says
    what is wrong when the status is violated."""

    id: str
    status: TermStatus
    found: str | None = None
    problem: str | None = None


Constraints = Sequence[Sequence[TermConstraint]]
"""Per source segment, the terms its translation must contain."""


# --- translation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Translation:
    """One segment's output. ``forced``: ids of the constraints the engine had to impose
    (the rest, if present, the model produced unaided); ``method``: how they were imposed."""

    text: str
    forced: tuple[str, ...] = ()
    method: str = ""
    scores: ModelScores | None = None
    """How likely the model found ``text``; None where no model scored it (a reviewed text, a
    remote memory)."""
    changed: float | None = None
    """Where terms were forced: the share of the model's own first sentence that enforcement
    changed outside the terms' neighbourhood (0.0: only the term's place; more: a rewrite,
    flagged ``term-rewrite``); None where nothing was forced."""


@dataclass(frozen=True)
class ModelScores:
    """How likely the model found a text: ``logprob``, its log-probability per token (EOS
    included: the length-normalised score beam search ranks by), and ``tokens``, each token's
    log-probability, where the engine scored every token (teacher-forced). CTranslate2's beam
    search gives the first with every hypothesis for free; the second costs a scoring pass."""

    logprob: float
    tokens: tuple[float, ...] | None = None

    @classmethod
    def of_tokens(cls, tokens: Sequence[float]) -> ModelScores:
        tokens = tuple(tokens)
        return cls(sum(tokens) / len(tokens) if tokens else 0.0, tokens)

    @classmethod
    def joined(cls, parts: Sequence[ModelScores | None], weights: Sequence[float]) -> ModelScores | None:
        """The scores of texts translated in pieces and rejoined: the pieces' tokens in order
        where every piece has them, else the pieces' ``logprob`` averaged by ``weights`` (their
        lengths); None when a piece has none."""
        if not parts or any(p is None for p in parts):
            return None
        if all(p.tokens is not None for p in parts):  # type: ignore[union-attr]
            return cls.of_tokens([t for p in parts for t in p.tokens])  # type: ignore[union-attr]
        total = sum(weights) or 1.0
        return cls(sum(p.logprob * w for p, w in zip(parts, weights)) / total)  # type: ignore[union-attr]

    def to_json(self) -> str:
        """A list of the tokens' log-probabilities, or the number ``logprob`` when they are unknown."""
        if self.tokens is not None:
            return json.dumps([round(x, 4) for x in self.tokens])
        return json.dumps(round(self.logprob, 4))

    @classmethod
    def from_json(cls, text: str | None) -> ModelScores | None:
        """What :meth:`to_json` wrote; None for nothing or anything else (the entry stays usable)."""
        try:
            value = json.loads(text) if text else None
        except ValueError:
            return None
        if isinstance(value, list) and all(_number(x) for x in value):
            return cls.of_tokens([float(x) for x in value])
        return cls(float(value)) if _number(value) else None


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class SourceArticle:
    """A parsed article; ``terms`` and ``corrections`` per segment id (empty without a glossary)."""

    path: Path
    article: Article
    sha256: str
    terms: Mapping[str, tuple[TermHit, ...]] = field(default_factory=dict)
    corrections: Mapping[str, tuple[Correction, ...]] = field(default_factory=dict)


TermReport = list[dict[str, object]]
"""One segment's glossary report: per required term ``{"id", "source", "expected", "status",
"method"}`` and, where they apply, ``found`` and ``problem`` (as in segments.json)."""


@dataclass(frozen=True)
class Localized:
    """One article in one locale: the segment translations, the rebuilt text and, per segment,
    the glossary terms' report."""

    article: Article
    locale: str
    targets: Mapping[str, str]
    text: str
    ui_texts: Mapping[int, str] = field(default_factory=dict)
    """Block index -> the localized text of a section or UI line (from the UI catalog)."""
    reviewed: frozenset[str] = frozenset()
    """Ids of segments whose target a person post-edited (kept from an earlier bundle)."""
    terms: Mapping[str, TermReport] = field(default_factory=dict)
    confidence: Mapping[str, float] = field(default_factory=dict)
    """Segment id -> how sure the machine was of its target, in [0, 1] (:mod:`newsl10n.qe`);
    reviewed segments have none."""
    suggestions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Segment id -> ``{"source", "target"}``: a person's translation of the segment's earlier
    source, kept beside the new machine text when the source changed."""

    def term_counts(self) -> dict[str, int]:
        counts = {"total": 0, "enforced": 0, "present": 0, "violated": 0}
        for report in self.terms.values():
            for term in report:
                counts["total"] += 1
                status = str(term.get("status", ""))
                if status in counts:  # a report of an older or hand-made bundle may lack one
                    counts[status] += 1
        return counts
