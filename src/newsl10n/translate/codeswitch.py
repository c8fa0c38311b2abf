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
from difflib import SequenceMatcher

from ..model import TermConstraint
from ..terms.check import term_spans

PLAIN, CASED, QUOTED = "codeswitch", "codeswitch-cased", "codeswitch-quoted"
_QUOTES = "\"“”„‟«»‹›'‘’"
_WORD = re.compile(r"\w+(?:[-'’.]\w+)*", re.UNICODE)
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
    found = sorted(((span, t) for t, span in zip(terms, term_spans(text, terms)) if span), key=lambda f: -f[0][0])
    for (start, end), term in found:  # from the end: earlier offsets stay valid
        if quoted:
            start, end, text = _unquoted(text, start, end)
        word = text[start:end]
        if not _opens(text[:start]) and not term.case_sensitive:
            word = next((f for f in term.forms if f != word and f[1:] == word[1:] and f[:1].casefold() == word[:1].casefold()), word)
        text = text[:start] + word + text[end:]
    return _opening_case(first, text)


def _unquoted(text: str, start: int, end: int) -> tuple[int, int, str]:
    """``text`` without the quotes around ``text[start:end]`` (a space inside them too), and the
    span's new offsets."""
    a = start - 1 if start > 0 and text[start - 1] == " " else start
    b = end + 1 if end < len(text) and text[end] == " " else end
    if a > 0 and b < len(text) and text[a - 1] in _QUOTES and text[b] in _QUOTES:
        return a - 1, a - 1 + (end - start), text[: a - 1] + text[start:end] + text[b + 1 :]
    return start, end, text


def swapped(first: str, text: str, terms: Sequence[TermConstraint], room: Callable[[TermConstraint], int]) -> str | None:
    """The first decode with each term put where the code-switched decode ``text`` put it: the
    two decodes' words are aligned (``difflib``, their longest common runs, never a word count),
    and the first decode's words aligned to a term's words give way to it. Every change that
    holds a term must hold nothing else (the words beside a term, an article say, are the
    second decode's choice, made for the term: the first decode's may not fit it), and a term
    may take at most ``room(term)`` words; else None (the alignment does not say where the term
    goes)."""
    spans = term_spans(text, terms)
    if any(span is None for span in spans):
        return None
    own, new = _words(first), _words(text)
    owner = [next((k for k, (s, e) in enumerate(spans) if a < e and s < b), None) for _, a, b in new]  # type: ignore[misc]
    taken: dict[int, list[int]] = {}
    ops = SequenceMatcher(None, [w for w, _, _ in own], [w for w, _, _ in new], autojunk=False).get_opcodes()
    for _, i1, i2, j1, j2 in ops:
        owners = {owner[j] for j in range(j1, j2)}
        held = owners - {None}
        if not held:
            continue  # a change without a term word: not the term's
        if len(held) > 1 or None in owners:
            return None  # a change that mixes a term with other words: no place of its own
        taken.setdefault(held.pop(), []).extend(range(i1, i2))
    out = first
    for k, (start, end) in sorted(enumerate(spans), key=lambda s: -s[1][0]):  # type: ignore[index]
        words = sorted(taken.get(k, ()))
        if not words or words != list(range(words[0], words[-1] + 1)) or len(words) > room(terms[k]):
            return None
        out = out[: own[words[0]][1]] + text[start:end] + out[own[words[-1]][2] :]
    return out


def _words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group().casefold(), m.start(), m.end()) for m in _WORD.finditer(text)]


def _opens(before: str) -> bool:
    return not before.strip(" \t\"“”„«»‹›'‘’([")


def _opening_case(first: str, text: str) -> str:
    """``text`` with its first letter a capital where ``first``'s is."""
    own = next((c for c in first if c.isalpha()), "")
    at = next((i for i, c in enumerate(text) if c.isalpha()), None)
    if at is not None and own.isupper() and text[at].islower():
        return text[:at] + text[at].upper() + text[at + 1 :]
    return text
