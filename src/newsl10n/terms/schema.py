"""The term-file schema: pydantic models of a glossary file, its entries and their terms
(read and checked in :mod:`newsl10n.terms.files`), and the id made from a term."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


Term = Field(min_length=1)

Texts = str | list[str]
"""A text of a term base that may come more than once at one level (notes, definitions): one
string, or a list when the term base gave several, so that each is written back as it was."""

STATUSES = ("preferred", "admitted", "deprecated", "superseded", "none")
"""The TBX administrative statuses a :class:`TermInfo` can record; ``none``: the term base gave
the term no status."""


def texts(value: Texts) -> list[str]:
    """The non-empty texts of a :data:`Texts` value, in order."""
    return [t for t in ([value] if isinstance(value, str) else value) if t]


class TermInfo(_Strict):
    """What a term base says about one term (kept from TBX; the pipeline does not use it).
    ``status``: the term base's administrative status where the term's place in the entry does
    not say it (a superseded term, an admitted term that is the language's first, a term
    without a status: ``none``)."""

    part_of_speech: str = ""
    term_type: str = ""
    status: str = ""
    context: str = ""
    note: Texts = ""

    @model_validator(mode="after")
    def _known_status(self) -> TermInfo:
        if self.status and self.status not in STATUSES:
            raise ValueError(f"status {self.status!r}: choose one of {', '.join(STATUSES)}")
        return self


class TargetTerms(_Strict):
    """One locale's terms for a concept; ``definition``, ``note`` and ``terms`` (per term, its
    :class:`TermInfo`) are the language section's data in a term base."""

    preferred: str = Term
    allowed: list[str] = Field(default_factory=list)
    forbidden: list[str] = Field(default_factory=list)
    definition: Texts = ""
    note: Texts = ""
    terms: dict[str, TermInfo] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"preferred": value} if isinstance(value, str) else value

    @property
    def forms(self) -> tuple[str, ...]:
        """Preferred first, then the allowed forms."""
        return tuple(dict.fromkeys((self.preferred, *self.allowed)))


class Entry(_Strict):
    """One concept."""

    id: str = Term
    source: str = Term
    variants: list[str] = Field(default_factory=list)
    misspellings: dict[str, str] = Field(default_factory=dict)
    do_not_translate: bool = False
    case_sensitive: bool = False
    note: Texts = ""
    targets: dict[str, TargetTerms] = Field(default_factory=dict)
    definition: Texts = ""
    subject_field: str = ""
    deprecated: list[str] = Field(default_factory=list)
    """Source-language terms a term base marks deprecated (kept for the record, not matched)."""
    source_definition: Texts = ""
    source_note: Texts = ""
    source_info: dict[str, TermInfo] = Field(default_factory=dict)

    @property
    def source_terms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.source, *self.variants)))


class GlossaryFile(_Strict):
    domain: str = Term
    source_lang: str = "en"
    description: str = ""
    entries: list[Entry]


def slug(text: str) -> str:
    """An entry id from a term: ASCII letters and digits joined by hyphens ("term" if none)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text)) or "term"
