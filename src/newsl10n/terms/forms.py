"""Inflection-aware terms: the forms a glossary term may take in a sentence.

- **Russian**: an entry written in dictionary form gets its case forms (6 cases; singular and
  plural for a common noun, one number for a name, an abbreviation or a capitalised
  institution), generated with pymorphy3 (OpenCorpora dictionaries): adjectives before the head noun agree with it ("Европейское командование" -> "Европейского
  командования"), a name's parts inflect together ("Стив Уиткофф" -> "Стива Уиткоффа"), and the
  words after the head stay as written (a genitive tail: "Министерство иностранных дел России").
  Abbreviations (all capitals) never change.
- **German, French, Spanish, Portuguese**: a term is also present when the output's words
  lemmatise (simplemma) to the term's lemmas: "der Europäischen Zentralbank" holds "Europäische
  Zentralbank", "incêndios florestais" holds "incêndio florestal".
- **Arabic**: the proclitics و ف ب ك ل and the article ال may be glued to the term's first word
  ("بوزارة الخارجية", "والناتو", "للناتو").

The dictionaries are read once per process and the results of pure functions memoised: the
generated forms depend only on the text of a term, never on a run.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from typing import Any

from .schema import TargetTerms

CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
NUMBERS = ("sing", "plur")
LEMMA_LANGS = frozenset({"de", "fr", "es", "pt"})
"""Languages whose terms also match by lemma (simplemma)."""
_CASE_ALIASES = {"gen1": "gent", "gen2": "gent", "acc2": "accs", "loc1": "loct", "loc2": "loct", "voct": "nomn"}
_PERSON = frozenset({"Name", "Surn", "Patr"})
_DECLINED = frozenset({"NOUN", "ADJF", "PRTF"})
_WORD = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")

Grammeme = tuple[str, str]
"""(case, number), as pymorphy3 spells them: ("gent", "sing")."""


def language(locale: str) -> str:
    """The language of a locale code: "pt-BR" -> "pt"."""
    return re.split(r"[-_]", locale)[0].lower()


def forms_for(terms: TargetTerms, locale: str) -> tuple[str, ...]:
    """The forms a term may take in ``locale``: preferred first, the hand-written allowed forms,
    then (Russian) the generated case forms of each, less any form the entry forbids."""
    declared = terms.forms
    if language(locale) != "ru":
        return declared
    banned = {f.casefold() for f in terms.forbidden}
    generated = _generated(declared)
    return tuple(f for f in dict.fromkeys((*declared, *generated)) if f in declared or f.casefold() not in banned)


def forbidden_for(terms: TargetTerms, locale: str, accepted: Sequence[str]) -> tuple[str, ...]:
    """The forbidden variants and (Russian) their case forms, less any accepted form."""
    if language(locale) != "ru":
        return tuple(terms.forbidden)
    ok = {f.casefold() for f in accepted}
    generated = _generated(terms.forbidden)
    return tuple(f for f in dict.fromkeys((*terms.forbidden, *generated)) if f.casefold() not in ok)


@lru_cache(maxsize=4096)
def declared_forms(
    forms: tuple[str, ...], forbidden: tuple[str, ...], locale: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The allowed and forbidden forms of a term (preferred first in ``forms``) that
    :func:`forms_for` and :func:`forbidden_for` would not generate from the rest: what a term
    report carries so that the same check can be made without the glossary
    (:func:`newsl10n.terms.recheck.report_constraint`). Only Russian generates forms."""
    if language(locale) != "ru" or not forms:
        return forms[1:], forbidden
    allowed: list[str] = []
    for form in forms[1:]:
        if form not in forms_for(TargetTerms(preferred=forms[0], allowed=allowed), locale):
            allowed.append(form)
    terms = TargetTerms(preferred=forms[0], allowed=allowed)
    accepted = forms_for(terms, locale)
    banned: list[str] = []
    for form in forbidden:
        if form not in forbidden_for(terms.model_copy(update={"forbidden": banned}), locale, accepted):
            banned.append(form)
    return tuple(allowed), tuple(banned)


# --- Russian ---------------------------------------------------------------------------------


def _generated(declared: Sequence[str]) -> list[str]:
    """The case forms of each declared form that is not itself a case form of an earlier one (a
    hand-listed "Уиткоффа" is read as a form of "Уиткофф", never as a new dictionary form)."""
    out: list[str] = []
    for form in declared:
        if form not in out:
            out += inflections(form).values()
    return out


@cache
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=4096)
def inflections(phrase: str) -> dict[Grammeme, str]:
    """The case forms of a Russian term in dictionary form, keyed by (case, number), nominative
    singular first; empty when the phrase has no head noun in the nominative to inflect."""
    words = phrase.split(" ")
    plan = _plan(words)
    if plan is None:
        return {}
    lead, head, names, person = plan
    head_parse = _nominative(words[head])
    proper = person or words[0][:1].isupper() or _abbreviation(words[head])
    numbers = _numbers(head_parse, proper)
    table: dict[Grammeme, str] = {}
    for number in numbers:
        for case in CASES:
            out = _inflect_phrase(words, lead, head, names, person, case, number)
            if out is not None:
                table.setdefault((case, number), out)
    return table


def _plan(words: Sequence[str]) -> tuple[int, int, int, bool] | None:
    """(adjectives before the head, the head's index, name parts after it, whether a person)."""
    i = 0
    while i < len(words) and not _abbreviation(words[i]) and _is(_nominative(words[i]), {"ADJF", "PRTF"}):
        i += 1
    if i == len(words) or not _is(_nominative(words[i]), {"NOUN"}):
        return None
    j = i + 1
    while j < len(words) and _name_part(words[j]):
        j += 1
    person = words[i][:1].isupper() and any(_person(w) for w in words[i:j])
    j = j if person else i + 1
    return i, i, j - i - 1, person


def _inflect_phrase(
    words: Sequence[str], lead: int, head: int, names: int, person: bool, case: str, number: str
) -> str | None:
    head_parse = _nominative(words[head])
    want = "gent" if case == "accs" and person else case
    out = list(words)
    if not _abbreviation(words[head]):
        form = _inflect(head_parse, {want, number})
        if form is None:
            return None
        out[head] = form
    for k in range(head + 1, head + 1 + names):
        out[k] = _inflect(_nominative(words[k]), {want, number}) or words[k]
    gender = head_parse.tag.gender if number == "sing" else None
    animacy = "anim" if person else (head_parse.tag.animacy or "inan")
    for k in range(lead):
        wanted = {case, number} | ({gender} if gender else set()) | ({animacy} if case == "accs" else set())
        form = _inflect(_nominative(words[k]), wanted) or _inflect(_nominative(words[k]), wanted - {animacy})
        if form is None:
            return None
        out[k] = form
    return " ".join(_like(original, new) for original, new in zip(words, out))


def _nominative(word: str) -> Any:
    """The word's most likely nominative analysis, declinable ones first; None if it has none."""
    parses = [p for p in _morph().parse(word) if p.tag.case == "nomn"]
    if not parses:
        return None
    return min(parses, key=lambda p: ("Fixd" in p.tag, -p.score))


def _is(parse: Any, pos: set[str]) -> bool:
    return parse is not None and parse.tag.POS in pos


def _abbreviation(word: str) -> bool:
    return len(word) > 1 and word.isupper()


def _person(word: str) -> bool:
    return word[:1].isupper() and any(_PERSON & set(p.tag.grammemes) for p in _morph().parse(word))


def _name_part(word: str) -> bool:
    """A capitalised noun that may follow a first name ("Стив Уиткофф")."""
    return word[:1].isupper() and not _abbreviation(word) and _is(_nominative(word), {"NOUN"})


def _numbers(parse: Any, proper: bool) -> tuple[str, ...]:
    """The numbers a term has: one of a kind (a name, a capitalised institution, an abbreviation)
    stays in its own; a common noun has both."""
    if "Pltm" in parse.tag:
        return ("plur",)
    if proper or "Sgtm" in parse.tag or "Fixd" in parse.tag:
        return (parse.tag.number or "sing",)
    return NUMBERS


def _inflect(parse: Any, grammemes: set[str]) -> str | None:
    if parse is None or "Fixd" in parse.tag:
        return None if parse is None else parse.word
    inflected = parse.inflect(grammemes)
    return None if inflected is None else inflected.word


def _like(original: str, new: str) -> str:
    """``new`` (lower case) written with the capitals of ``original``, part by part."""
    if original == new or _abbreviation(original):
        return original
    parts, shapes = new.split("-"), original.split("-")
    if len(parts) != len(shapes):
        return new[:1].upper() + new[1:] if original[:1].isupper() else new
    return "-".join(p[:1].upper() + p[1:] if s[:1].isupper() else p for p, s in zip(parts, shapes))


def grammeme_of(words: str, among: Iterable[Grammeme] = ()) -> Grammeme | None:
    """The (case, number) of a run of Russian words, read from its adjectives and first noun
    (the analyses they share, the most likely first; those in ``among`` before the others: a
    name's own number); None when it holds no Russian noun or adjective."""
    shared: set[Grammeme] | None = None
    best: dict[Grammeme, float] = {}
    for word in _WORD.findall(words):
        if not _CYRILLIC.search(word):
            continue
        parses = _morph().parse(word)
        if parses[0].tag.POS not in _DECLINED:
            continue
        options: dict[Grammeme, float] = {}
        noun = False
        for p in parses:
            if p.tag.POS in _DECLINED and p.tag.case and p.tag.number and "Fixd" not in p.tag:
                key = (_CASE_ALIASES.get(p.tag.case, p.tag.case), p.tag.number)
                options[key] = max(options.get(key, 0.0), p.score)
                noun = noun or p.tag.POS == "NOUN"
        if not options:
            continue
        narrowed = set(options) if shared is None else shared & set(options)
        if narrowed:
            shared = narrowed
            for key in narrowed:
                best[key] = best.get(key, 0.0) + options[key]
        if noun:
            break
    if not shared:
        return None
    preferred = set(among)
    return max(shared, key=lambda k: (k in preferred, best[k], -CASES.index(k[0])))


def agreeing_form(forms: Sequence[str], replaced: str, locale: str) -> str | None:
    """Among ``forms`` (preferred first), the one in the case and number of the Russian words
    it replaces; the preferred form when no form has that case; None when ``replaced`` holds no
    Russian word to read (or the language is not Russian): the caller decides then."""
    if language(locale) != "ru" or not forms or not _CYRILLIC.search(replaced):
        return None
    table = inflections(forms[0])
    wanted = grammeme_of(replaced, table)
    if wanted is None:
        return None
    for key in (wanted, (wanted[0], "sing"), (wanted[0], "plur")):
        if key in table and table[key] in forms:
            return table[key]
    return forms[0]


# --- lemmas ----------------------------------------------------------------------------------


Word = tuple[int, int, str]
"""A word of a text: start, end, the word (:func:`words_of`) or its lemma (:func:`lemmas`)."""


def words_of(text: str) -> list[Word]:
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]


def lemmas(text: str, lang: str) -> list[Word]:
    """The words of ``text`` with their offsets and lemmas (simplemma for the lemma languages,
    pymorphy3's normal form for Russian, the word itself otherwise)."""
    return [(a, b, _lemma(w, lang)) for a, b, w in words_of(text)]


@lru_cache(maxsize=65536)
def _lemma(word: str, lang: str) -> str:
    if lang in LEMMA_LANGS:
        import simplemma

        return simplemma.lemmatize(word, lang=lang)
    if lang == "ru" and _CYRILLIC.search(word):
        return _morph().parse(word)[0].normal_form
    return word


@lru_cache(maxsize=65536)
def _key(word: str) -> str:
    """The first two letters without case or accents: a word and its lemma share them
    ("Kanälen", "Kanal"; "étrangères", "étranger"), so only such words need lemmatising."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", word[:3].casefold()) if not unicodedata.combining(c))
    return plain[:2]


@lru_cache(maxsize=4096)
def _wanted(
    forms: tuple[str, ...], lang: str, case_sensitive: bool
) -> tuple[dict[str, list[tuple[str, ...]]], frozenset[str], list[frozenset[str]]]:
    """The lemma sequences of ``forms`` by their first lemma (longest first), the keys of the
    words that may be part of one, and per sequence the keys a text needs to hold it."""
    fold = (lambda s: s) if case_sensitive else str.casefold
    seqs = {tuple(fold(lem) for _, _, lem in lemmas(form, lang)) for form in forms}
    seqs.discard(())
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for seq in sorted(seqs, key=len, reverse=True):
        by_first.setdefault(seq[0], []).append(seq)
    keys = {_key(w) for form in forms for _, _, w in words_of(form)} | {_key(x) for x in by_first}
    needs = [frozenset(_key(x) for x in seq) for seq in seqs]
    return by_first, frozenset(keys), needs


def lemma_match(text: str, forms: Sequence[str], lang: str, case_sensitive: bool) -> list[tuple[int, int]]:
    """Spans of ``text`` whose words' lemmas are those of one of ``forms``, leftmost first,
    longest at each start, not overlapping. Only a text that holds words starting like each of
    a term's words is lemmatised, and only those words (a model's output is mostly others)."""
    by_first, keys, needs = _wanted(tuple(forms), lang, case_sensitive)
    present = {_key(w) for w in _WORD.findall(text)}
    if not any(need <= present for need in needs):
        return []
    words = words_of(text)
    fold = (lambda s: s) if case_sensitive else str.casefold

    def lemma(i: int) -> str | None:
        w = words[i][2]
        return fold(_lemma(w, lang)) if _key(w) in keys else None

    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        seqs = by_first.get(lemma(i) or "", ()) if _key(words[i][2]) in keys else ()
        n = next((len(q) for q in seqs if i + len(q) <= len(words) and all(lemma(i + k) == q[k] for k in range(1, len(q)))), 0)
        if n:
            spans.append((words[i][0], words[i + n - 1][1]))
        i += max(n, 1)
    return spans


# --- Arabic ----------------------------------------------------------------------------------

_CONJUNCTIONS = ("", "و", "ف")
_PREPOSITIONS = ("", "ب", "ك", "ل")
ARTICLE = "ال"
PROCLITICS = ("و", "ف", "ب", "ك", "ل", ARTICLE)


def clitic_forms(form: str) -> tuple[str, ...]:
    """``form`` with the Arabic proclitics glued to its first word: و/ف, then ب/ك/ل, then the
    article ال when the word lacks it (ل + ال is written لل)."""
    first, sep, rest = form.partition(" ")
    stems = [first] if first.startswith(ARTICLE) else [first, ARTICLE + first]
    out = []
    for conj in _CONJUNCTIONS:
        for prep in _PREPOSITIONS:
            for stem in stems:
                if prep == "ل" and stem.startswith(ARTICLE):
                    word = conj + "لل" + stem[len(ARTICLE) :]
                else:
                    word = conj + prep + stem
                if word != first:
                    out.append(word + sep + rest)
    return tuple(dict.fromkeys(out))
