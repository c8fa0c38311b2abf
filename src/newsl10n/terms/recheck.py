"""Term reports after a person edits a target: the same check as ``translate`` runs, so that a
post-edit that drops a required term reads ``violated`` (and QA flags it), never ``enforced``,
and a correctly inflected one reads ``present`` wherever it is imported: with the glossary at
hand its entry decides; without it, the term report itself (what ``translate`` wrote in it:
the preferred form, the allowed and forbidden forms that cannot be generated, the case rule)
makes the same constraint, Russian case forms, lemmas and Arabic proclitics included."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import ValidationError

from ..model import TermConstraint, TermHit
from .check import check
from .forms import forbidden_for, forms_for, language
from .schema import TargetTerms
from .source import SourceTerms
from .spans import is_protected


def report_constraint(report: Mapping[str, object], locale: str, terms: SourceTerms | None) -> TermConstraint:
    """What the glossary accepts for one term report of segments.json: the entry's forms and
    forbidden variants, else (no glossary, or it no longer has the entry) the constraint the
    report carries (:func:`newsl10n.terms.check.carried`), inflected as ``translate`` did."""
    term_id = str(report.get("id", ""))
    if terms is not None and (term_id in terms.entries or is_protected(term_id)):
        found = terms.constraint(TermHit(term_id, str(report.get("source", "")), 0, 0), locale)
        if found is not None:
            return found
    expected = str(report.get("expected") or report.get("target") or "")
    named = tuple(dict.fromkeys(str(f) for f in (expected, report.get("found")) if f))
    case_sensitive = report.get("case_sensitive") is True
    if is_protected(term_id) or not expected:
        return TermConstraint(term_id, named, case_sensitive=True)
    try:
        target = TargetTerms(preferred=expected, allowed=[*_strings(report.get("allowed")), *named[1:]],
                             forbidden=_strings(report.get("forbidden")))  # fmt: skip
    except ValidationError:
        return TermConstraint(term_id, named, case_sensitive=case_sensitive, lang=language(locale))
    forms = forms_for(target, locale)
    return TermConstraint(term_id, forms, forbidden_for(target, locale, forms), case_sensitive, lang=language(locale))


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str) and v] if isinstance(value, list) else []


def recheck_reports(
    reports: Sequence[Mapping[str, object]], target: str, locale: str, terms: SourceTerms | None
) -> list[dict[str, object]]:
    """The segment's term reports for a person's ``target``: present or violated, method
    ``reviewed``, with the form found."""
    constraints = [report_constraint(t, locale, terms) for t in reports]
    fresh = []
    for report, constraint, result in zip(reports, constraints, check(target, constraints)):
        item = {k: v for k, v in report.items() if k not in ("found", "problem")}
        item["status"] = "violated" if result.status == "violated" else "present"
        item["method"] = "reviewed"
        if result.found is not None and constraint.forms and result.found != constraint.forms[0]:
            item["found"] = result.found
        if result.problem:
            item["problem"] = result.problem
        fresh.append(item)
    return fresh
