"""Term reports after a person edits a target: the same check as ``translate`` runs, so that a
post-edit that drops a required term reads ``violated`` (and QA flags it), never ``enforced``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..model import TermConstraint, TermHit
from .check import check
from .source import SourceTerms


def report_constraint(report: Mapping[str, object], locale: str, terms: SourceTerms | None) -> TermConstraint:
    """What the glossary accepts for one term report of segments.json: the entry's forms and
    forbidden variants, else (no glossary, or it no longer has the entry) the forms the report
    names."""
    term_id = str(report.get("id", ""))
    if terms is not None and (term_id in terms.entries or term_id.startswith("dnt-")):
        found = terms.constraint(TermHit(term_id, str(report.get("source", "")), 0, 0), locale)
        if found is not None:
            return found
    forms = (report.get("expected") or report.get("target"), report.get("found"))
    return TermConstraint(term_id, tuple(dict.fromkeys(str(f) for f in forms if f)))


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
