"""Bundles and a live server for the review editor's tests (test_review_server, test_review_browser).

The sample article with one paragraph whose source holds ``<script>``, translated into German
and Arabic by the tiny models with the shipped glossaries, once per session; each test gets its
own copy of the output folder.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCRIPT_LINE = "The envoy's memo said <script>document.title='pwned'</script> in plain text."


def build_pristine(root: Path, models: dict[str, Path], sample: Path, glossaries: Path) -> Path:
    """``root`` with pipeline.yaml, the article and out/new-start-dialogue/{de,ar}; returns root."""
    from newsl10n.config import load_config
    from newsl10n.terms.files import resolve_glossary

    from helpers import translate_run

    lines = sample.read_text(encoding="utf-8").split("\n\n")
    article = root / "new-start-dialogue.txt"
    article.write_text("\n\n".join([*lines[:3], SCRIPT_LINE, *lines[3:]]), encoding="utf-8")
    (root / "pipeline.yaml").write_text(
        "source_lang: en\n"
        "out: out\n"
        f"glossaries: ['{glossaries}']\n"
        "decoding: {beam_size: 1, batch_size: 8, max_length: 64}\n"
        "locales:\n"
        f"  de: {{model: '{models['de']}'}}\n"
        f"  ar: {{model: '{models['ar']}', target_token: '>>ara<<'}}\n",
        encoding="utf-8",
    )
    glossary = resolve_glossary(load_config(root / "pipeline.yaml"))
    translate_run(root / "pipeline.yaml", [article], ["de", "ar"], glossary=glossary)
    return root


def copy_of(pristine: Path, tmp_path: Path) -> Path:
    """A private copy of the pristine folder (the article, pipeline.yaml and out/)."""
    root = tmp_path / "work"
    shutil.copytree(pristine, root)
    return root


def workspace_for(root: Path):
    from newsl10n.cli.review import open_workspace

    return open_workspace(root / "out", root / "pipeline.yaml", [], False)


@contextmanager
def live_server(app) -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port in a thread; yields its base URL."""
    import uvicorn

    from newsl10n.cli.review import listen

    sock = listen("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the review server did not start"
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative name -> bytes)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
