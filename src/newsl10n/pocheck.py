"""Checks Babel leaves out: what ``msgfmt --check`` refuses in a .po file and Babel's lenient
reader lets through, translations %-formatting cannot fill, mapping patterns that match nothing.

Babel's ``read_po`` reads ``msgstr HANDEDIT "..."`` as the text ``ANDEDIT "...``, drops the last
character of an unterminated string and keeps one of two entries with the same msgid; a rewrite
would then save the damage. These checks run on the raw lines first; :func:`format_problem`
catches a translation that page rendering's ``%`` formatting would crash on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_STRING = rb'"(?:[^"\\]|\\.)*"'
_KEYWORD = re.compile(rb"^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)[ \t]+(" + _STRING + rb")[ \t]*$")
_CONTINUATION = re.compile(rb"^(" + _STRING + rb")[ \t]*$")


def po_syntax_problem(data: bytes) -> tuple[int, str] | None:
    """The first (line, problem) msgfmt would refuse: a line that is no keyword, string or
    comment, an unterminated string, a msgid given twice (same msgctxt); None when clean."""
    seen: dict[tuple[bytes | None, bytes], int] = {}
    context: bytes | None = None
    current: list[bytes] | None = None
    start = 0

    def close() -> tuple[int, str] | None:
        if current is None:
            return None
        key = (context, b"".join(current))
        if key in seen:
            return start, f"duplicate message definition (first at line {seen[key]})"
        seen[key] = start
        return None

    for number, raw in enumerate(data.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(b"#"):
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword = match.group(1)
            if keyword in (b"msgctxt", b"msgid"):
                problem = close() if keyword == b"msgctxt" or current is not None else None
                if problem:
                    return problem
                if keyword == b"msgctxt":
                    context, current = match.group(2), None
                else:
                    current, start = [match.group(2)], number
            elif keyword == b"msgstr" or keyword.startswith(b"msgstr["):
                problem = close()
                if problem:
                    return problem
                current, context = None, None
            continue
        if _CONTINUATION.match(line):
            if current is not None:
                current.append(line)
            continue
        if line.count(b'"') % 2 or line.endswith(b'\\"'):
            return number, "end of line within a string (unterminated \")"
        word = line.split(None, 1)[0].split(b'"', 1)[0].decode("utf-8", "replace")
        if re.fullmatch(r"msgctxt|msgid|msgid_plural|msgstr(\[\d+\])?", word):
            return number, f"syntax error (expected one quoted string after {word})"
        return number, f"syntax error ({word!r} is no keyword and no quoted string)"
    return close()


def format_problem(text: str) -> str | None:
    """Why ``text % variables`` (how page rendering fills a UI string) would fail, or None: a
    literal percent sign is written '%%'."""
    try:
        text % _AnyValue()
    except ValueError as exc:
        return f"a '%' that rendering cannot fill ({exc}); write '%%' for a percent sign"
    except TypeError:
        return "a '%' that rendering cannot fill (a positional format); write '%%' for a percent sign"
    return None


class _AnyValue(dict):
    """The variables of a rendering: every name has a value that %s, %d and %f accept."""

    def __missing__(self, key: str) -> int:
        return 1


def message_format_errors(message) -> list[str]:
    """Format problems of a Babel message's translations; none where the msgid itself holds a
    lone '%' (text that is never %-formatted)."""
    ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
    if any(format_problem(i) for i in ids):
        return []
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return [p for s in strings if s and (p := format_problem(s))]


def unmatched_pattern(method_map: Sequence[tuple[str, str]], seen: Sequence[str]) -> str | None:
    """The first extraction pattern (not ``ignore``) that matches none of the files ``seen``."""
    from babel.util import pathmatch

    for pattern, method in method_map:
        if method != "ignore" and not any(pathmatch(pattern, name) for name in seen):
            return pattern
    return None
