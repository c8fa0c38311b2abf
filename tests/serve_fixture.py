"""``newsl10n serve`` on the tiny models, in a thread on a free loopback port, for the tests
that use the real clients."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from review_fixture import live_server

from conftest import GLOSSARIES


@pytest.fixture(autouse=True)
def _no_keys_from_the_environment(monkeypatch):
    """Keys in the developer's environment would make every request of these tests need one."""
    monkeypatch.delenv("NEWSL10N_API_KEYS", raising=False)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A CTranslate2 models cache for the module's servers: each model converted once."""
    return tmp_path_factory.mktemp("ct2-cache")


@dataclass
class Served:
    url: str
    root: Path

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def memory(self) -> Path:
        return self.out / ".newsl10n-tm.sqlite"

    @property
    def glossaries(self) -> Path:
        return self.out / ".newsl10n-glossaries"


def write_config(root: Path, tiny_models: dict[str, Path], cache: Path) -> Path:
    """pipeline.yaml for de and ar on the tiny models (greedy), the shipped glossaries, and a
    models cache shared by the tests (each model is converted once)."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / "pipeline.yaml"
    path.write_text(
        "source_lang: en\n"
        f"out: {root / 'out'}\n"
        f"glossaries: ['{GLOSSARIES}']\n"
        "decoding: {beam_size: 1, batch_size: 8, max_length: 64}\n"
        f"ctranslate2: {{models_cache: '{cache}'}}\n"
        "locales:\n"
        f"  de: {{model: '{tiny_models['de']}'}}\n"
        f"  ar: {{model: '{tiny_models['ar']}', target_token: '>>ara<<'}}\n",
        encoding="utf-8",
    )
    return path


@contextmanager
def serving(
    root: Path, tiny_models: dict[str, Path], cache: Path, *, keys: tuple[str, ...] = (), rate: int = 0,
    quota: int = 0, max_models: int = 5, window_ms: float = 200.0, no_tm: bool = False,
) -> Iterator[Served]:  # fmt: skip
    from newsl10n.cli.serve import build_app

    config = write_config(root, tiny_models, cache)
    keys_file = None
    if keys:
        keys_file = root / "keys.txt"
        keys_file.write_text("# API keys\n" + "\n".join(keys) + "\n", encoding="utf-8")
    app, _ = build_app(config, "127.0.0.1", keys_file, [], None, max_models, rate, quota, None, window_ms / 1000.0,
                       no_tm, [], False)  # fmt: skip
    with live_server(app) as url:
        yield Served(url, root)
