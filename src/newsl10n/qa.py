"""Quality checks per segment, in the shape of Babel's ``checkers``.

Each checker is a small function that raises :class:`Finding` when a segment fails it;
:func:`check_segment` runs them all and collects what they raise. Every finding has a code,
a severity (``error`` or ``warning``) and a one-line message.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from .config import QASettings
from .terms.check import is_unsafe

ERROR = "error"
WARNING = "warning"


class Finding(Exception):
    """One problem found in one segment."""

    def __init__(self, code: str, severity: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.severity = severity
        self.message = message


@dataclass(frozen=True)
class QASegment:
    """What a checker sees: one segment of a bundle, with the locales on both sides (a bundle's
    entry gives it through :meth:`newsl10n.bundle.segments.SegmentEntry.qa_input`)."""

    id: str
    source: str
    target: str
    source_lang: str
    target_lang: str
    terms: tuple[Mapping[str, object], ...] | None = None  # None: no glossary check was run
    confidence: float | None = None  # None: a person's text, or no confidence computed


@dataclass(frozen=True)
class Issue:
    """A finding tied to its segment, as reported by ``newsl10n qa``."""

    segment: str
    code: str
    severity: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"segment": self.segment, "code": self.code, "severity": self.severity, "message": self.message}


Checker = Callable[[QASegment, QASettings], None]


# --- numbers ---------------------------------------------------------------------------------

_SPACES = " \u00a0\u202f\u2009"
_ARABIC_SEPARATORS = "\u066b\u066c"  # ٫ decimal, ٬ group


def _number_pattern(space_groups: bool) -> re.Pattern[str]:
    # Separators are only part of a number when digits follow; a space only before a 3-digit group.
    space = rf"|[{_SPACES}](?=\d{{3}}(?!\d))" if space_groups else ""
    return re.compile(rf"\d+(?:(?:[.,'’{_ARABIC_SEPARATORS}]{space})\d+)*")


@lru_cache(maxsize=64)
def _symbols(lang: str) -> tuple[str, str]:
    """The locale's (group, decimal) symbols for Latin digits, from CLDR."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    locale = lang.replace("-", "_")
    try:
        return get_group_symbol(locale, numbering_system="latn"), get_decimal_symbol(
            locale, numbering_system="latn"
        )
    except Exception:  # unknown locale: English conventions
        return ",", "."


def extract_numbers(text: str, lang: str) -> list[Decimal]:
    """The numbers written in ``text``, read with the conventions of ``lang``.

    ``1,550`` (en), ``1.550`` (de), ``1 550`` (fr, ru) and ``١٬٥٥٠`` (ar) all give 1550.
    """
    group, decimal = _symbols(lang)
    values = []
    for match in _number_pattern(group in _SPACES).finditer(text):
        value = _parse_number(match.group(), group, decimal)
        if value is not None:
            values.append(value)
    return values


def _parse_number(token: str, group: str, decimal: str) -> Decimal | None:
    digits = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in token)
    if any(c in _ARABIC_SEPARATORS or "\u0660" <= c <= "\u06f9" for c in token):
        group, decimal = "\u066c", "\u066b"
        digits = digits.replace(",", group)  # Arabic text also groups with a Latin comma
    groups = {group} | (set(_SPACES) if group in _SPACES else set()) | ({"'", "’"} if group in "'’" else set())
    plain = "".join(c for c in digits if c not in groups).replace(decimal, ".")
    if not re.fullmatch(r"\d+(?:\.\d+)?", plain):
        plain = _guess_number(digits)
    try:
        return Decimal(plain).normalize()
    except InvalidOperation:
        return None


def _guess_number(digits: str) -> str:
    """A separator before exactly three digits groups; any other one is the decimal point."""
    parts = re.split(rf"[.,'’{_SPACES}{_ARABIC_SEPARATORS}]", digits)
    head, rest = parts[0], parts[1:]
    whole = head + "".join(p for p in rest[:-1])
    if rest and len(rest[-1]) == 3:
        return whole + rest[-1]
    return f"{whole}.{rest[-1]}" if rest else head


def _shown(value: Decimal) -> str:
    return format(value, "f")


def check_numbers(seg: QASegment, settings: QASettings) -> None:
    """Every number in the source appears in the target, whatever the locale's way of writing it."""
    missing = Counter(extract_numbers(seg.source, seg.source_lang))
    missing.subtract(Counter(extract_numbers(seg.target, seg.target_lang)))
    lost = [value for value, count in missing.items() if count > 0]
    if lost:
        shown = ", ".join(_shown(v) for v in lost)
        raise Finding("number-missing", ERROR, f"number(s) in the source missing from the target: {shown}")


# --- empty, untranslated, length --------------------------------------------------------------


def check_empty(seg: QASegment, settings: QASettings) -> None:
    """A segment with source text has target text."""
    if seg.source.strip() and not seg.target.strip():
        raise Finding("empty", ERROR, "target is empty")


def check_untranslated(seg: QASegment, settings: QASettings) -> None:
    """The target is not the source copied over (names and figures alone may stay as they are)."""
    words = re.findall(r"[^\W\d_]{2,}", seg.source)
    has_common_word = any(w[0].islower() for w in words)  # "Abu Dhabi", "NATO" are names
    if len(words) >= 2 and has_common_word and _squeeze(seg.source) == _squeeze(seg.target):
        raise Finding("untranslated", WARNING, "target is identical to the source")


def _squeeze(text: str) -> str:
    return " ".join(text.split()).casefold()


def check_length(seg: QASegment, settings: QASettings) -> None:
    """The target is neither far shorter nor far longer than the source, in characters."""
    source, target = len(seg.source.strip()), len(seg.target.strip())
    if source < settings.min_length_chars or not target:
        return
    low, high = length_bounds(seg.target_lang, settings)
    ratio = target / source
    if not low <= ratio <= high:
        raise Finding("length-ratio", WARNING, f"target/source length ratio {ratio:.2f} outside {low:g}-{high:g}")


def length_bounds(lang: str, settings: QASettings) -> tuple[float, float]:
    """The ratio bounds for a target locale: its language's entry in ``length_ratios``, else the defaults."""
    base = lang.replace("_", "-").split("-")[0]
    ratios = settings.length_ratios
    return ratios.get(lang) or ratios.get(base) or (settings.min_length_ratio, settings.max_length_ratio)


# --- repeated n-grams -------------------------------------------------------------------------

_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"


def tokens(text: str) -> list[str]:
    """Words, with each CJK character a token of its own."""
    return re.findall(rf"[{_CJK}]|[^\W{_CJK}]+|[^\w\s]", text.casefold())


def find_loop(words: Sequence[str], times: int, max_n: int) -> tuple[str, int] | None:
    """The first n-gram (n <= max_n) that repeats ``times`` times in a row, and its count."""
    for n in range(1, max_n + 1):
        starts = range(len(words) - n * times + 1)
        if times >= 2:  # a repeat starts where a word comes again n words on: look nowhere else
            starts = [i for i in starts if words[i] == words[i + n]]
        for start in starts:
            gram = list(words[start : start + n])
            if not any(w[0].isalnum() for w in gram):
                continue
            count = 1
            while words[start + count * n : start + (count + 1) * n] == gram:
                count += 1
            if count >= times:
                return " ".join(gram), count
    return None


def check_repeats(seg: QASegment, settings: QASettings) -> None:
    """No n-gram loop ("the talks the talks the talks"), a known failure of MT decoders."""
    loop = find_loop(tokens(seg.target), settings.repeat_times, settings.repeat_max_n)
    if loop and not find_loop(tokens(seg.source), settings.repeat_times, settings.repeat_max_n):
        gram, count = loop
        raise Finding("repeat", ERROR, f"repeated n-gram loop: {gram!r} x{count}")


# --- quotes and brackets ----------------------------------------------------------------------

_PAIRS = {")": "(", "]": "[", "}": "{"}
_BRACKET = re.compile(r"[()\[\]{}]")
# Double quotes of every locale: “ ” „ (en, de), « » (fr, ru, ar), " (ASCII), ‹ › (single guillemets).
_QUOTES = "\"“”„‟«»‹›"


def _brackets_balanced(text: str) -> bool:
    if not _BRACKET.search(text):
        return True
    stack: list[str] = []
    for char in text:
        if char in "([{":
            stack.append(char)
        elif char in _PAIRS:
            if not stack or stack.pop() != _PAIRS[char]:
                return False
    return not stack


def _quotes_balanced(text: str) -> bool:
    return sum(text.count(q) for q in _QUOTES) % 2 == 0


def check_balance(seg: QASegment, settings: QASettings) -> None:
    """Brackets close in order and quotes come in pairs when they do so in the source."""
    problems = []
    if _brackets_balanced(seg.source) and not _brackets_balanced(seg.target):
        problems.append("brackets")
    if _quotes_balanced(seg.source) and not _quotes_balanced(seg.target):
        problems.append("quotes")
    if problems:
        raise Finding("unbalanced", WARNING, f"unbalanced {' and '.join(problems)} in the target")


# --- glossary terms ---------------------------------------------------------------------------


def check_terms(seg: QASegment, settings: QASettings) -> None:
    """Glossary terms the translate step found violated (``terms`` in segments.json); where no
    candidate kept the sentence whole (method ``unsafe``) the message says the model's own
    sentence was kept for a person."""
    violated = [t for t in seg.terms or () if t.get("status") == "violated"]
    if violated:
        shown = "; ".join(f"{t.get('source')!r} should be {t.get('expected')!r}" for t in violated)
        unsafe = " (no safe place: the model's own sentence was kept)" if any(is_unsafe(t.get("method")) for t in violated) else ""
        raise Finding("term", ERROR, f"glossary term violated: {shown}{unsafe}")


def check_term_rewrite(seg: QASegment, settings: QASettings) -> None:
    """Forcing a term changed more of the model's sentence than the term's place (``changed`` in
    the term report: the share of its words): a person should read the sentence."""
    rewrites = [t for t in seg.terms or () if t.get("status") == "enforced" and _share(t.get("changed")) > 0]
    if rewrites:
        share = max(_share(t.get("changed")) for t in rewrites)
        shown = ", ".join(repr(t.get("expected")) for t in rewrites)
        raise Finding("term-rewrite", WARNING, f"forcing {shown} changed {share:.0%} of the sentence outside the term: read it")


def _share(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


# --- confidence -------------------------------------------------------------------------------


def check_confidence(seg: QASegment, settings: QASettings) -> None:
    """The machine was at least ``min_confidence`` sure of its target (:mod:`newsl10n.qe`)."""
    low = settings.min_confidence
    if low is not None and seg.confidence is not None and seg.confidence < low:
        raise Finding("low-confidence", ERROR, f"machine confidence {seg.confidence:.2f} below {low:g}: have it read")


CHECKERS: tuple[Checker, ...] = (
    check_empty,
    check_untranslated,
    check_numbers,
    check_length,
    check_repeats,
    check_balance,
    check_terms,
    check_term_rewrite,
    check_confidence,
)


def check_segment(seg: QASegment, settings: QASettings, checkers: Iterable[Checker] = CHECKERS) -> list[Issue]:
    """Run every checker on one segment and collect what they raise."""
    issues = []
    for checker in checkers:
        try:
            checker(seg, settings)
        except Finding as finding:
            issues.append(Issue(seg.id, finding.code, finding.severity, finding.message))
    return issues


def check_segments(segments: Iterable[QASegment], settings: QASettings) -> list[Issue]:
    return [issue for seg in segments for issue in check_segment(seg, settings)]


def count_by_severity(issues: Iterable[Issue]) -> dict[str, int]:
    counts = {ERROR: 0, WARNING: 0}
    for issue in issues:
        counts[issue.severity] += 1
    return counts
