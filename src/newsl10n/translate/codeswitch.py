"""Code-switched sources: the source term replaced, in the source, by its target term.

A model passes such a foreign span through where it stands, so a second decode writes the
sentence around the term. How well depends on how the term is written in the source (measured
on the real en<->pt model, bench/RESULTS.md): a lowercase term opening a sentence can wipe the
sentence out, where the same term capitalised goes through; a term in quotes goes through most
often, with quotes to remove afterwards. So each segment gets up to three variants
(:func:`variants`), decoded in one batch, and :func:`.placement.enforce` keeps the one that
holds every term, changes least and, where the engine can score, reads best under the original
source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ..model import TermConstraint
from ..terms.check import check

PLAIN, CASED, QUOTED = "codeswitch", "codeswitch-cased", "codeswitch-quoted"
_QUOTES = "\"“”„‟«»‹›'‘’"
Write = Callable[[TermConstraint], str]


def switched_source(source: str, terms: Sequence[TermConstraint], write: Write) -> str | None:
    """``source`` with each term's source span replaced by ``write(term)``; None when a term
    has no source span (or spans overlap)."""
    spans = sorted((t.source_span, write(t)) for t in terms if t.source_span is not None)
    if len(spans) != len(terms) or any(a[0][1] > b[0][0] for a, b in zip(spans, spans[1:])):
        return None
    out, pos = [], 0
    for (start, end), form in spans:
        out += [source[pos:start], form]
        pos = end
    return "".join(out) + source[pos:]


def variants(source: str, terms: Sequence[TermConstraint], spell: Callable[[TermConstraint], tuple[str, ...]]) -> dict[str, str]:
    """Method -> code-switched source, for the ``terms`` a first decode lacked: the preferred
    form as the glossary writes it (``codeswitch``); capitalised where the source term is, or
    opens the sentence (``codeswitch-cased``, only where that differs); and in quotes
    (``codeswitch-quoted``, unless the source already quotes it). A variant equal to the
    source (a span kept as it is, a URL) or to an earlier variant is left out."""
    found: dict[str, str] = {}
    plain = switched_source(source, terms, lambda t: spell(t)[0])
    if plain is None:
        return found
    cased = switched_source(source, terms, lambda t: _cased(spell(t)[0], source, t))
    quoted = None
    if not any(_quoted_in(source, t) for t in terms):
        quoted = switched_source(source, terms, lambda t: f'"{_cased(spell(t)[0], source, t)}"')
    for method, text in ((PLAIN, plain), (CASED, cased), (QUOTED, quoted)):
        if text is not None and text != source and text not in found.values():
            found[method] = text
    return found


def _cased(form: str, source: str, term: TermConstraint) -> str:
    """``form`` with a capital first letter where the source term has one, or opens the
    sentence; a case-sensitive term as it is written."""
    if term.case_sensitive or term.source_span is None or not form[:1].islower():
        return form
    start, end = term.source_span
    opening = _opens(source[:start])
    return form[:1].upper() + form[1:] if source[start:end][:1].isupper() or opening else form


def _quoted_in(source: str, term: TermConstraint) -> bool:
    """Whether the source term already stands in quotes."""
    if term.source_span is None:
        return False
    start, end = term.source_span
    return start > 0 and end < len(source) and source[start - 1] in _QUOTES and source[end] in _QUOTES


def tidied(first: str, text: str, terms: Sequence[TermConstraint], quoted: bool) -> str:
    """A code-switched decode made to read like the first decode around its terms: the quotes a
    quoted variant put around each term removed; each term in the glossary's case unless it
    opens the sentence (a capital the cased variant put in stays only there); and the
    sentence's first letter a capital where the first decode's is (models lowercase a sentence
    that opens with a lowercase foreign term)."""
    for result in check(text, terms):
        if result.found is None:
            continue
        if quoted:
            pattern = re.compile(rf"[{_QUOTES}]\s?({re.escape(result.found)})\s?[{_QUOTES}]")
            text = pattern.sub(lambda m: m.group(1), text, count=1)
        text = _term_case(text, result.found, terms)
    return _opening_case(first, text)


def _term_case(text: str, found: str, terms: Sequence[TermConstraint]) -> str:
    """``found`` in ``text`` with its first letter as the glossary writes it, except at the start."""
    start = text.find(found)
    if start < 0 or not _opens(text[:start]):
        forms = [f for t in terms if not t.case_sensitive for f in t.forms]
        for form in forms:
            if form != found and form[:1].casefold() == found[:1].casefold() and form[1:] == found[1:]:
                return text[:start] + form + text[start + len(found) :]
    return text


def _opens(before: str) -> bool:
    return not before.strip(" \t\"“”„«»‹›'‘’([")


def _opening_case(first: str, text: str) -> str:
    """``text`` with its first letter a capital where ``first``'s is."""
    own = next((c for c in first if c.isalpha()), "")
    at = next((i for i, c in enumerate(text) if c.isalpha()), None)
    if at is not None and own.isupper() and text[at].islower():
        return text[:at] + text[at].upper() + text[at + 1 :]
    return text
