"""``newsl10n qe``: the confidence per segment, learned from the desk's post-edits."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..config import load_config
from ..fileio import dump_json, write_atomic
from ..qe.fit import LOW_SHARE_REVIEWED, PostEdit, TooFewPostEdits, fit, memory_post_edits, report
from ..qe.scoring import load_models, model_file, models_to_json
from ..tm.store import memory_path, open_memory
from .common import App, ConfigOption, cli_errors
from .tm import TmOption

qe_app = App(help="Confidence per segment, learned from post-edits.", no_args_is_help=True)

LocaleOption = Annotated[Optional[str], typer.Option("--locale", "-l", help="Only this locale.")]


def _post_edits(tm: Path | None, config: Path | None, locale: str | None) -> tuple[Path, dict[str, list[PostEdit]]]:
    cfg = load_config(config)
    path = tm if tm is not None else memory_path(cfg.out, cfg.tm.path)
    with open_memory(path) as memory:
        found = memory_post_edits(memory.entries(locale, reviewed_only=True), cfg.qa, cfg.source_lang)
    return path, found


@qe_app.command("fit")
def qe_fit(locale: LocaleOption = None, tm: TmOption = None, config: ConfigOption = None) -> None:
    """Fit each locale's confidence to its post-edits in the memory (a segment counts as edited
    when the TER between machine output and reviewed text is above 0); the models are stored
    beside the memory, and later runs use them. A locale with too few post-edits keeps the
    confidence it had (the default, until a fit succeeds)."""
    with cli_errors():
        path, found = _post_edits(tm, config, locale)
        target = model_file(path)
        models = load_models(target)
        lines, fitted = [], 0
        for name in [locale] if locale else sorted(found):
            try:
                models[name] = model = fit(found.get(name, []))
            except TooFewPostEdits as exc:
                kept = "its fitted" if name in models else "the default"
                lines.append(f"{name}: {exc}: keeping {kept} confidence")
                continue
            fitted += 1
            lines.append(
                f"{name}: fitted on {model.trained} post-edits; held-out AUC {_shown(model.auc)} "
                f"over {model.held_out} (default {_shown(model.default_auc)})"
            )
        if fitted:
            write_atomic(target, dump_json(models_to_json(models)))
    if not lines:
        lines.append(f"{path}: no post-edited segments with their machine output")
    typer.echo("\n".join(lines + ([f"-> {target}"] if fitted else [])))


@qe_app.command("report")
def qe_report(locale: LocaleOption = None, tm: TmOption = None, config: ConfigOption = None) -> None:
    """Per locale, how well the confidence ranks the segments editors changed: AUC, and the share
    of the edits caught by reviewing the least confident 20%."""
    with cli_errors():
        path, found = _post_edits(tm, config, locale)
        reports = report(found, load_models(model_file(path)))
    share = f"caught@{LOW_SHARE_REVIEWED:.0%}"
    rows = [("locale", "post-edits", "edited", "model", "AUC", share)]
    rows += [
        (r.locale, str(r.post_edits), str(r.edited), "fitted" if r.fitted else "default", _shown(r.auc),
         "-" if r.caught is None else f"{r.caught:.0%}")
        for r in reports
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    typer.echo("\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows))


def _shown(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
