"""One translate run's settings, resolved once (:class:`RunSettings`): the validated config with
its paths absolute, where the bundles go, the translation memory's file, and what the command
line changes for this run. The pipeline and the CLI pass this one value; no stage asks where
pipeline.yaml was."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .config import PipelineConfig
from .terms.files import Glossary
from .tm.store import memory_path


@dataclass(frozen=True)
class RunSettings:
    config: PipelineConfig
    """From :func:`newsl10n.config.load_config`: every path in it absolute."""
    out: Path
    """Where the bundles go (``--out``, else ``out`` in pipeline.yaml)."""
    memory: Path
    """The translation memory's file (``tm.path``, else OUT/.newsl10n-tm.sqlite); the fitted
    confidence models lie beside it, so it is known even when the memory is not used."""
    use_tm: bool = True
    """Whether segments go through the memory (``tm.enabled`` and not ``--no-tm``)."""
    overrides: Mapping[str, str] = field(default_factory=dict)
    """``--model LOCALE=ID_OR_PATH``: the model of a locale for this run."""
    engine: str | None = None
    """``--engine``: the engine for this run, else ``engine`` in pipeline.yaml."""
    glossary: Glossary | None = None
    """The run's glossary (its terms imposed and reported); None: no glossary."""
    resume: bool = False
    """Keep the bundles that are already current (same source, signature, glossary, catalog)."""

    @classmethod
    def of(
        cls,
        config: PipelineConfig,
        *,
        out: Path | None = None,
        use_tm: bool = True,
        overrides: Mapping[str, str] | None = None,
        engine: str | None = None,
        glossary: Glossary | None = None,
        resume: bool = False,
    ) -> RunSettings:
        """The settings of a run with ``config``, and what its command line changes."""
        out = out if out is not None else config.out
        memory = memory_path(out, config.tm.path)
        return cls(config, out, memory, use_tm and config.tm.enabled, dict(overrides or {}), engine, glossary, resume)
