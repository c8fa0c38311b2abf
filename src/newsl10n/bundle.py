"""Localized article bundles: ``OUT/<article stem>/<locale>/`` written atomically.

A bundle is built in a hidden temporary folder beside its final place and renamed into place
only when every file is written, so an interrupted run never leaves a half bundle and never
damages the complete bundle of an earlier run.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .errors import OutputError


def dump_json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def bundle_dir(out: Path, stem: str, locale: str) -> Path:
    """Where a bundle goes; refuses names that would escape ``out``."""
    for part in (stem, locale):
        if not part or part in (".", "..") or "/" in part or "\\" in part or "\0" in part:
            raise OutputError(f"unsafe bundle name {part!r}")
    return out / stem / locale


def write_bundle(target: Path, files: Mapping[str, str]) -> None:
    """Write ``files`` into ``target`` atomically, replacing an earlier bundle only when done."""
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=parent))
    except OSError as exc:
        raise OutputError(f"{parent}: cannot write output ({exc.strerror or exc})") from None
    try:
        for name, text in files.items():
            path = tmp / name
            with path.open("w", encoding="utf-8", newline="") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
        _swap_into_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_into_place(tmp: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


TEMPLATE = "article.html"


def render_html(page: Mapping[str, object], ui=None) -> str:
    """The bundle's article.html (autoescaped: article text can never inject markup).

    ``ui`` (a :class:`newsl10n.catalog.UIStrings`) translates the page chrome; without it the
    chrome stays English. Translations are escaped too: a catalog cannot inject markup either.
    """
    from jinja2 import Environment, PackageLoader, select_autoescape
    from markupsafe import escape

    env = Environment(
        loader=PackageLoader("newsl10n", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    if ui is None:
        env.install_null_translations(newstyle=True)
    else:
        env.install_gettext_callables(
            lambda message: escape(ui.gettext(message)),
            lambda singular, plural, n: escape(ui.ngettext(singular, plural, n)),
            newstyle=True,
        )
    return env.get_template(TEMPLATE).render(page=page)


def template_source() -> str:
    """The page template's text (for the msgids of its chrome)."""
    from importlib.resources import files

    return files("newsl10n").joinpath("templates", TEMPLATE).read_text(encoding="utf-8")
