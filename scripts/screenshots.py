"""Screenshots of the review editor for the README: the index, the German and the Arabic editor.

    PYTHONPATH=src python scripts/screenshots.py          # writes docs/review-*.png

The sample bundles, made offline: the sample article translated into de and ar by random-weight
demo models (as scripts/demo.sh does without the hub) with the shipped glossaries; then the
reference translations (examples/refs) entered as post-edits for the first six segments, so
the pictures show reviewed segments beside raw machine output (nonsense: random weights) and
its QA flags. Needs Debian's /usr/bin/chromium and Playwright (pip install playwright).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SAMPLE = ROOT / "examples" / "new-start-dialogue.txt"
REVIEWED = 6
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


def sample_bundles(root: Path) -> Path:
    """root/out with new-start-dialogue/{de,ar}; returns out."""
    from newsl10n.bundle.postedit import Edit, apply_edits
    from newsl10n.config import load_config
    from newsl10n.pipeline import run_translate
    from newsl10n.settings import RunSettings
    from newsl10n.terms.files import glossary_target_lines, resolve_glossary
    from newsl10n.testsupport.randommodels import build_random_marian

    corpus = SAMPLE.read_text(encoding="utf-8").splitlines()
    (root / "pipeline.yaml").write_text(f"source_lang: en\nout: out\nglossaries: ['{ROOT / 'glossaries'}']\n", encoding="utf-8")
    glossary = resolve_glossary(load_config(root / "pipeline.yaml"))
    models = {}
    for locale, token in (("de", None), ("ar", ">>ara<<")):
        models[locale] = build_random_marian(
            root / f"en-{locale}", corpus + glossary_target_lines(glossary, locale) * 5,
            target_lang=locale, target_tokens=[token] if token else [],
        )  # fmt: skip
    locales = f"  de: {{model: '{models['de']}'}}\n  ar: {{model: '{models['ar']}', target_token: '>>ara<<'}}\n"
    with (root / "pipeline.yaml").open("a", encoding="utf-8") as fh:
        fh.write("decoding: {beam_size: 1, max_length: 64}\nlocales:\n" + locales)
    config = load_config(root / "pipeline.yaml")
    article = root / SAMPLE.name
    shutil.copy(SAMPLE, article)
    run_translate(RunSettings.of(config, glossary=glossary), [article], ["de", "ar"])
    out = root / "out"
    for locale in ("de", "ar"):
        bundle = out / "new-start-dialogue" / locale
        refs = (ROOT / "examples" / "refs" / f"new-start-dialogue.{locale}.txt").read_text(encoding="utf-8").splitlines()
        segments = json.loads((bundle / "segments.json").read_text(encoding="utf-8"))["segments"]
        edits = [Edit(s["id"], s["source"], ref) for s, ref in zip(segments[:REVIEWED], refs)]
        apply_edits(bundle, edits, origin="examples/refs", qa=config.qa)
    return out


def shoot(out: Path, docs: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright
    from review_fixture import live_server

    from newsl10n.cli.review import open_workspace
    from newsl10n.server.app import create_app

    os.chdir(out.parent)  # the index names OUT as given: "out", not the temporary folder
    workspace = open_workspace(Path(out.name), Path("pipeline.yaml"), [], False)
    shots = [("review-index.png", "/"), ("review-editor-de.png", "/edit/new-start-dialogue/de"),
             ("review-editor-ar.png", "/edit/new-start-dialogue/ar")]  # fmt: skip
    written = []
    with live_server(create_app(workspace)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        for name, path in shots:
            page.set_viewport_size({"width": 1280, "height": 300 if path == "/" else 1000})
            page.goto(url + path)
            page.wait_for_load_state("load")
            target = docs / name
            page.screenshot(path=str(target))
            written.append(target)
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    args.docs.mkdir(parents=True, exist_ok=True)
    docs = args.docs.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        for path in shoot(sample_bundles(Path(tmp)), docs):
            print(path)


if __name__ == "__main__":
    main()
