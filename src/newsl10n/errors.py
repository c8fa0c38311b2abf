"""Errors carry their context; the CLI turns them into one line and an exit code."""

from __future__ import annotations


class NewsL10nError(Exception):
    """Base error. ``exit_code`` is what the CLI exits with (2: usage or input error)."""

    exit_code = 2


class InputError(NewsL10nError):
    """An input file (article, references, ...) cannot be used."""


class ConfigError(NewsL10nError):
    """pipeline.yaml or a command-line setting is invalid."""


class ModelNotAvailable(NewsL10nError):
    """A translation model cannot be found or loaded."""


class GlossaryError(NewsL10nError):
    """A glossary file cannot be read."""


class OutputError(NewsL10nError):
    """The output folder cannot be written."""


class ClusterError(NewsL10nError):
    """A Dask cluster failed the run (workers keep dying, the scheduler went away)."""
