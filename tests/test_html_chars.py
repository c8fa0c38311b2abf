"""Issue 29: characters the HTML standard forbids in a document (controls other than ASCII
whitespace, noncharacters) never reach a page, whether they come from the source or from a
post-edit: C0 controls are shown as their Control Pictures symbol, the rest as U+FFFD."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from newsl10n.cli import app
from newsl10n.jinja import page_text
from test_xliff_codes import make_bundle, no_config  # noqa: F401 - the fixture runs in the bundle's folder

# The HTML standard (13.2.2, "Preprocessing the input stream" and "control" / "noncharacter"):
# a control that is not ASCII whitespace, or a noncharacter, is a parse error in the input.
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef"
    + "".join(chr(p * 0x10000 + 0xFFFE) + chr(p * 0x10000 + 0xFFFF) for p in range(17))
    + "]"
)
PAGES = ("article.html", "review.html")


@pytest.mark.parametrize(
    "text, shown",
    [
        ("BEL\x07 ESC\x1b", "BEL\u2407 ESC\u241b"),
        ("VT\x0b NUL\x00 DEL\x7f", "VT\u240b NUL\u2400 DEL\u2421"),
        ("C1\x85 \ufffe \uffff \ufdd0 \U0010ffff", "C1\ufffd \ufffd \ufffd \ufffd \ufffd"),
        ("tab\t newline\n form feed\x0c return\r", "tab\t newline\n form feed\x0c return\r"),  # ASCII whitespace stays
    ],
)
def test_page_text_replaces_what_html_forbids(text, shown):
    assert page_text(text) == shown and not FORBIDDEN.search(page_text(text))


@pytest.mark.parametrize("kind", ["text", "markdown", "html"])
def test_no_page_holds_a_forbidden_character(tmp_path, kind):
    bundle = make_bundle(tmp_path, kind, mt=lambda t: t.replace(" met ", " traf\x07\x1b "))
    for name in PAGES:
        page = (bundle / name).read_text(encoding="utf-8")
        assert not FORBIDDEN.search(page), (name, FORBIDDEN.findall(page))
        assert "\u2407\u241b" in page or kind == "text"
    if kind == "text":  # the source's own controls (BEL, ESC, VT, U+FFFE, U+FFFF)
        assert "\u2407" in (bundle / "review.html").read_text(encoding="utf-8")


def test_a_post_edit_with_control_characters_reaches_no_page(tmp_path):
    bundle = make_bundle(tmp_path, "text")
    xlf = tmp_path / "edited.xlf"
    text = (bundle / "article.xlf").read_text(encoding="utf-8")
    start = text.index('<unit id="s1" ')
    target = text.index("<target", start)
    end = text.index("</target>", target)
    opened = text.index(">", target) + 1
    xlf.write_text(text[:opened] + 'Neue<cp hex="0007"/> Überschrift<cp hex="001B"/>' + text[end:], encoding="utf-8")
    result = CliRunner().invoke(app, ["import-xliff", str(xlf), "--bundle", str(bundle), "--config", "none.yaml"])
    assert result.exit_code == 0, result.output
    for name in PAGES:
        page = (bundle / name).read_text(encoding="utf-8")
        assert not FORBIDDEN.search(page) and "Neue\u2407 \u00dcberschrift\u241b" in page
