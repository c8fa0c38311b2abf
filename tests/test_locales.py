"""Text direction from the locale's script (no per-locale CLDR data load)."""

from __future__ import annotations

import pytest

from newsl10n.locales import is_rtl


@pytest.mark.parametrize(
    "code, rtl",
    [
        ("ar", True), ("ar-EG", True), ("he", True), ("fa", True), ("ur", True), ("ps", True),
        ("ckb", True), ("dv", True), ("yi", True), ("sd", True),
        ("en", False), ("de", False), ("ru", False), ("zh-Hant", False), ("ja", False), ("tr", False),
        ("uz-Arab", True), ("uz", False), ("pa-Arab", True), ("pa", False), ("ks-Deva", False),
        ("xx", False),
    ],
)  # fmt: skip
def test_is_rtl_matches_cldr_character_order(code, rtl):
    from babel import Locale

    assert is_rtl(code) is rtl
    if code != "xx":
        assert (Locale.parse(code.replace("-", "_")).character_order == "right-to-left") is rtl
