"""The ``newsl10n`` command line: one Typer app, its commands registered from one table.

Each command module parses its options, calls the core with values and prints; project errors
become one line on stderr and an exit code (:func:`.common.cli_errors`).
"""

from __future__ import annotations

import logging
import signal
import sys


from . import catalog, glossary, models, qe, review, score, serve, tm, translate, xliff
from .common import App

app = App(
    name="newsl10n",
    help="Translate and localize news articles with MarianMT models, glossaries and QA.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

COMMANDS = (
    ("translate", translate.translate),
    ("segment", translate.segment),
    ("import-xliff", xliff.import_xliff),
    ("score", score.score),
    ("qa", score.qa),
    ("review", review.review),
    ("serve", serve.serve),
)
GROUPS = (
    ("models", models.models_app),
    ("tm", tm.tm_app),
    ("catalog", catalog.catalog_app),
    ("glossary", glossary.glossary_app),
    ("qe", qe.qe_app),
)
for _name, _command in COMMANDS:
    app.command(_name)(_command)
for _name, _group in GROUPS:
    app.add_typer(_group, name=_name)


def main() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger = logging.getLogger("newsl10n")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    # SIGTERM unwinds like Ctrl-C, so temporary bundle folders are removed on the way out.
    signal.signal(signal.SIGTERM, lambda signum, frame: _raise_interrupt())
    try:
        app()
    finally:
        # The command is over (its bundles written or not): a Ctrl-C during the interpreter's
        # shutdown must not end the process by the signal after it reported success.
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _raise_interrupt() -> None:
    raise KeyboardInterrupt
