"""Whether a translation holds its glossary terms: the one definition of present and violated.

Both engines (to decide what to force), the bundle's term report, QA and the XLIFF and review
renderers use it, so an engine can never force a term that the report calls present, nor the
other way round. Forms are matched as whole words with each entry's case rule; a constraint's
forms already hold the Russian case forms, and German, French, Spanish and Portuguese terms match by
lemma, Arabic ones with proclitics (:mod:`newsl10n.terms.forms`). ``found`` is the text found.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from ..model import TermCheck, TermConstraint, TermHit, TermReport, Translation
from .forms import LEMMA_LANGS, clitic_forms, declared_forms, lemma_match
from .match import TermMatcher


def check(text: str, constraints: Sequence[TermConstraint]) -> list[TermCheck]:
    """One result per constraint, in order. A term listed twice needs two occurrences.

    Each term is looked for on its own (whole words, leftmost-longest among its forms and
    forbidden variants), so one term may lie inside another's: "МИД России" holds "России".
    """
    needed = Counter(c.id for c in constraints)
    found, forbidden = _scan(text, constraints)
    seen: dict[str, int] = {}
    results: list[TermCheck] = []
    for c in constraints:
        n = seen[c.id] = seen.get(c.id, 0) + 1
        hits = found.get(c.id, [])
        if c.id in forbidden:
            results.append(TermCheck(c.id, "violated", None, f"forbidden variant {forbidden[c.id]!r}"))
        elif n <= len(hits):
            results.append(TermCheck(c.id, "present", text[hits[n - 1][0] : hits[n - 1][1]]))
        else:
            missing = "missing" if needed[c.id] == 1 else f"missing ({len(hits)} of {needed[c.id]} found)"
            results.append(TermCheck(c.id, "violated", None, missing))
    return results


def term_spans(text: str, constraints: Sequence[TermConstraint]) -> list[tuple[int, int] | None]:
    """Per constraint, where :func:`check` found it in ``text`` (the n-th occurrence for a term
    listed n times), or None."""
    found, _ = _scan(text, constraints)
    seen: dict[str, int] = {}
    spans: list[tuple[int, int] | None] = []
    for c in constraints:
        n = seen[c.id] = seen.get(c.id, 0) + 1
        hits = found.get(c.id, [])
        spans.append(hits[n - 1] if n <= len(hits) else None)
    return spans


def _scan(text: str, constraints: Sequence[TermConstraint]) -> tuple[dict[str, list[tuple[int, int]]], dict[str, str]]:
    """Per term id, the spans of the forms found in ``text`` (in order) and the first forbidden variant.

    Exact forms first (an Arabic term's also with proclitics); a German, French or Spanish term
    found fewer times than it is needed is then looked for by lemma, outside the exact matches."""
    needed = Counter(c.id for c in constraints)
    found: dict[str, list[str]] = {}
    forbidden: dict[str, str] = {}
    for c in {c.id: c for c in constraints}.values():
        forms = [*c.forms, *(v for f in c.forms for v in clitic_forms(f))] if c.lang == "ar" else c.forms
        terms = [(t, c.case_sensitive, "form") for t in forms]
        terms += [(t, c.case_sensitive, "forbidden") for t in c.forbidden]
        hits: list[tuple[int, int]] = []
        taken: list[tuple[int, int]] = []
        for match in TermMatcher(terms).find(text):
            taken.append((match.start, match.end))
            if match.payload == "form":
                hits.append((match.start, match.end))
            else:
                forbidden.setdefault(c.id, match.text)
        if c.lang in LEMMA_LANGS and len(hits) < needed[c.id]:
            spans = lemma_match(text, c.forms, c.lang, c.case_sensitive)
            hits += [s for s in spans if not any(s[0] < e and b < s[1] for b, e in taken)]
        if hits:
            found[c.id] = sorted(hits)
    return found, forbidden


def has_forbidden(text: str, constraints: Sequence[TermConstraint]) -> bool:
    """Whether ``text`` holds a forbidden variant of one of ``constraints`` (whole words, each
    term's case rule), as ``check`` would report it."""
    variants = [(v, c.case_sensitive, c.id) for c in constraints for v in c.forbidden]
    return bool(variants) and bool(TermMatcher(variants).find(text))


def case_variants(term: TermConstraint) -> tuple[str, ...]:
    """Other spellings of a case-insensitive term's forms that :func:`check` accepts and a model
    is likely to write (lower, upper, title case, first letter changed), for engines that must
    recognise a term token by token; none for a case-sensitive term."""
    if term.case_sensitive:
        return ()
    variants = []
    for form in term.forms:
        variants += [form.lower(), form.upper(), form.title(), form[:1].upper() + form[1:], form[:1].lower() + form[1:]]
    return tuple(v for v in dict.fromkeys(variants) if v not in term.forms)


def missing_terms(text: str, terms: Sequence[TermConstraint]) -> list[TermConstraint]:
    """The constraints among ``terms`` whose forms :func:`check` does not find in ``text``, as
    many times as they are listed (a term listed twice and found once is missing once). A
    forbidden variant does not make a term missing: the engines suppress those apart."""
    found, _ = _scan(text, terms)
    seen: dict[str, int] = {}
    missing = []
    for c in terms:
        seen[c.id] = seen.get(c.id, 0) + 1
        if seen[c.id] > len(found.get(c.id, ())):
            missing.append(c)
    return missing


def contains_term(text: str, term: TermConstraint) -> bool:
    """Whether ``text`` holds one of the term's forms, as :func:`check` reads it."""
    return not missing_terms(text, [term])


def term_report(required: Sequence[tuple[TermHit, TermConstraint]], translation: Translation) -> TermReport:
    """Per required term: ``enforced`` (the engine imposed it, with ``changed``: how much of
    the sentence that changed outside the term), ``present`` (the model produced it unaided) or
    ``violated`` (missing, or a forbidden variant in the output; where enforcement found no
    candidate that kept the sentence whole, method ``unsafe``)."""
    results = check(translation.text, [c for _, c in required])
    report: TermReport = []
    for (hit, constraint), result in zip(required, results):
        changed = None
        if result.status == "violated":
            status, method = "violated", translation.method or "none"
        elif constraint.id in translation.forced:
            status, method, changed = "enforced", translation.method, translation.changed
        else:
            status, method = "present", "model"
        item: dict[str, object] = {
            "id": constraint.id,
            "source": hit.source,
            "expected": constraint.forms[0],
            "status": status,
            "method": method,
        }
        if result.found is not None and result.found != constraint.forms[0]:
            item["found"] = result.found
        item.update(carried(constraint))
        if changed is not None:
            item["changed"] = changed
        if result.problem:
            item["problem"] = result.problem + (NO_SAFE_PLACE if is_unsafe(method) else "")
        report.append(item)
    return report


def carried(constraint: TermConstraint) -> dict[str, object]:
    """What a term report carries besides ``expected`` so that a post-edit is checked the same
    way where the glossary is not at hand: the allowed and forbidden forms the check cannot
    generate from the preferred one, and ``case_sensitive`` where it is. Left out when empty."""
    allowed, forbidden = declared_forms(constraint.forms, constraint.forbidden, constraint.lang)
    extra: dict[str, object] = {"allowed": list(allowed), "forbidden": list(forbidden)}
    extra = {k: v for k, v in extra.items() if v}
    if constraint.case_sensitive:
        extra["case_sensitive"] = True
    return extra


NO_SAFE_PLACE = ": no candidate kept the sentence whole, the model's own sentence was kept for a person to decide"


def is_unsafe(method: object) -> bool:
    """Whether a report's method says enforcement found no safe candidate ("unsafe",
    "ct2+unsafe")."""
    return str(method).rpartition("+")[2] == "unsafe"


def lemmatised_term_success(segments: Iterable[tuple[str, Sequence[TermConstraint]]]) -> float | None:
    """Term success as the WMT 2023 terminology task counts it: the share of required terms
    whose lemmatised form is in the lemmatised output, over ``(output, constraints)`` pairs. A
    term :func:`check` finds present counts too (a generated Russian form, a proclitic), so the
    figure is never below exact-form compliance; a forbidden variant beside the term does not
    undo it (the task asks whether the term is there). None when no segment requires a term."""
    total = hits = 0
    for text, constraints in segments:
        lemmatised: dict[str, bool] = {}  # per term: once per text, however often it is listed
        for c, result in zip(constraints, check(text, constraints)):
            total += 1
            if result.found is None and c.id not in lemmatised:
                lemmatised[c.id] = bool(lemma_match(text, c.forms, c.lang, case_sensitive=False))
            hits += result.found is not None or lemmatised[c.id]
    return hits / total if total else None
