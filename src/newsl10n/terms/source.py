"""The source side of terminology: a glossary's terms and misspellings found in source text,
and the target constraints each occurrence brings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from ..model import Correction, SourceArticle, TermConstraint, TermHit
from .files import Entry, Glossary, TargetTerms
from .forms import LEMMA_LANGS, PROCLITICS, forbidden_for, forms_for, language, lemmas
from .match import Match, TermMatcher
from .spans import is_protected, protected_spans, span_constraint


class SourceTerms:
    """Finds a glossary's terms and misspellings in source text (built once per run)."""

    def __init__(self, glossary: Glossary) -> None:
        self.glossary = glossary
        self.entries = {e.id: e for e in glossary.entries}
        self._terms: TermMatcher[str] = TermMatcher(
            (term, e.case_sensitive, e.id) for e in glossary.entries for term in e.source_terms
        )
        self._misspellings: TermMatcher[tuple[str, str]] = TermMatcher(
            (wrong, e.case_sensitive, (e.id, right)) for e in glossary.entries for wrong, right in e.misspellings.items()
        )
        self._constraints: dict[tuple[str, str], TermConstraint | None] = {}

    def find(self, text: str) -> list[TermHit]:
        """The glossary's terms in ``text``, and the spans that must stay as they are (URLs,
        e-mail addresses, handles, hashtags: :mod:`.spans`), in order; a term inside such a
        span is part of it."""
        spans = protected_spans(text)
        terms = [
            TermHit(m.payload, m.text, m.start, m.end)
            for m in self._terms.find(text)
            if not any(s.start < m.end and m.start < s.end for s in spans)
        ]
        return sorted([*terms, *spans], key=lambda h: h.start)

    def protected(self, text: str) -> list[tuple[int, int]]:
        """Spans that a sentence split must not fall into."""
        return [(h.start, h.end) for h in self.find(text)]

    def correct(self, text: str) -> tuple[str, list[Correction]]:
        """``text`` with each misspelling replaced, and the corrections made."""
        matches: list[Match[tuple[str, str]]] = self._misspellings.find(text)
        if not matches:
            return text, []
        out: list[str] = []
        corrections: list[Correction] = []
        pos = shift = 0
        for m in matches:
            entry_id, right = m.payload
            if m.text.isupper() and not right.isupper():
                right = right.upper()
            out.append(text[pos : m.start])
            out.append(right)
            start = m.start + shift
            corrections.append(Correction(entry_id, m.text, right, start, start + len(right)))
            shift += len(right) - len(m.text)
            pos = m.end
        out.append(text[pos:])
        return "".join(out), corrections

    def constraint(self, hit: TermHit, locale: str) -> TermConstraint | None:
        """What the translation into ``locale`` must contain for ``hit``; None when the entry has
        no target for the locale (and is not do-not-translate). The forms are made once per
        entry and locale (Russian case forms are generated, :mod:`newsl10n.terms.forms`)."""
        if is_protected(hit.id):
            return span_constraint(hit)
        key = (hit.id, locale)
        if key not in self._constraints:
            self._constraints[key] = self.entry_constraint(hit.id, locale)
        base = self._constraints[key]
        entry = self.entries[hit.id]
        if base is None or _locale_terms(entry, locale) is not None:
            return base
        return replace(base, forms=tuple(dict.fromkeys((hit.source, *base.forms))))

    def entry_constraint(self, entry_id: str, locale: str) -> TermConstraint | None:
        """The entry's constraint in ``locale`` (a do-not-translate entry: its source terms)."""
        entry = self.entries[entry_id]
        misspelt = tuple(dict.fromkeys(entry.misspellings))
        terms = _locale_terms(entry, locale)
        if terms is not None:
            forms = forms_for(terms, locale)
            forbidden = (*forbidden_for(terms, locale, forms), *misspelt)
            return TermConstraint(entry.id, forms, forbidden, entry.case_sensitive, lang=language(locale))
        if entry.do_not_translate:
            return TermConstraint(entry.id, entry.source_terms, misspelt, entry.case_sensitive)
        return None

    def accepted(self, entry_id: str, locale: str) -> list[tuple[str, str]] | None:
        """What the check accepts for an entry in ``locale``, as (kind, text) pairs: the
        ``preferred``, ``allowed`` and ``generated`` forms, each form's ``lemmas`` (German,
        French, Spanish), the Arabic ``proclitics``, and the ``forbidden`` variants; None when
        the entry has no term there."""
        constraint = self.entry_constraint(entry_id, locale)
        if constraint is None:
            return None
        terms = _locale_terms(self.entries[entry_id], locale)
        allowed = set(terms.allowed) if terms else set(constraint.forms[1:])
        kinds = [("preferred", constraint.forms[0])]
        kinds += [("allowed" if f in allowed else "generated", f) for f in constraint.forms[1:]]
        if constraint.lang in LEMMA_LANGS:
            seqs = dict.fromkeys(" ".join(w[2] for w in lemmas(f, constraint.lang)) for f in constraint.forms)
            kinds += [("lemmas", seq) for seq in seqs]
        if constraint.lang == "ar":
            kinds.append(("proclitics", f"{' '.join(PROCLITICS)} glued to the first word"))
        return kinds + [("forbidden", f) for f in constraint.forbidden]


def _locale_terms(entry: Entry, locale: str) -> TargetTerms | None:
    """The entry's terms for ``locale``, falling back from pt-BR to pt."""
    if locale in entry.targets:
        return entry.targets[locale]
    base = re.split(r"[-_]", locale)[0]
    return entry.targets.get(base)


def required_terms(
    source: SourceArticle, seg_ids: Sequence[str], locale: str, terms: SourceTerms | None
) -> list[list[tuple[TermHit, TermConstraint]]]:
    """Per segment, its glossary terms with their target constraints in ``locale``."""
    required: list[list[tuple[TermHit, TermConstraint]]] = []
    starts = {seg.id: seg.start for seg in source.article.segments} if terms else {}
    for seg_id in seg_ids:
        pairs = [(hit, terms.constraint(hit, locale)) for hit in source.terms.get(seg_id, ())] if terms else []
        required.append(
            [
                (hit, replace(c, source_span=(hit.start - starts[seg_id], hit.end - starts[seg_id])))
                for hit, c in pairs
                if c is not None
            ]
        )
    return required


def text_constraints(terms: SourceTerms, text: str, locale: str) -> list[TermConstraint]:
    """The constraints of one free-standing text (a UI string), as ``required_terms`` makes
    them for a segment."""
    found = [(hit, terms.constraint(hit, locale)) for hit in terms.find(text)]
    return [replace(c, source_span=(hit.start, hit.end)) for hit, c in found if c is not None]
