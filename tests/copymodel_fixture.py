"""The trained en->en copy model (newsl10n.testsupport.copymodel), built once per machine and cached.

A pytest plugin (registered in conftest.py). The first session on a machine trains it (minutes);
later sessions, fresh clones included, reuse ``$NEWSL10N_CACHE`` or ``~/.cache/newsl10n``.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def copy_model() -> Path:
    """Folder of the copy model: map it to any locale with ``--model de=PATH``."""
    from newsl10n.testsupport.copymodel import cached_copy_model

    return cached_copy_model()
