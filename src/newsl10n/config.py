"""``pipeline.yaml`` -> a frozen, validated :class:`PipelineConfig`.

The file is parsed, validated and its paths made absolute once, at start (:func:`load_config`);
every stage receives the parts it needs, and no stage asks where the file was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .engines import ENGINE_NAMES, engine_choices, is_engine_name
from .errors import ConfigError
from .locales import check_locale
from .yamlio import load_yaml

DEFAULT_CONFIG_NAME = "pipeline.yaml"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocaleSettings(_Frozen):
    model: str = Field(description="Hugging Face model id or local model folder")
    target_token: str | None = Field(
        default=None, description="token prepended to the source for multi-target models, e.g. >>ara<<"
    )


class DecodingSettings(_Frozen):
    beam_size: int = Field(default=4, ge=1, le=16)
    batch_size: int = Field(default=16, ge=1, le=512)
    max_length: int = Field(
        default=512,
        ge=8,
        le=4096,
        description="tokens of a source or translation; a translation longer than this is cut (a source "
        "too long for the model's own positions is translated in pieces instead)",
    )
    threads: int = Field(default=0, ge=0, description="CPU threads; 0 lets the engine choose")
    term_bias: float = Field(
        default=0.0,
        ge=0.0,
        le=20.0,
        description="log-probability bonus for the first token of a required glossary term not yet "
        "in the output; 0 leaves placement to the model and the length budget",
    )
    # A flag beside beam_size, not ``beam_size: adaptive``: beam_size stays an int everywhere it
    # is read (thread layout, signatures, the transformers engine) and is the second pass's beam.
    adaptive_beam: bool = Field(
        default=False,
        description="ctranslate2: decode greedily, then with beam_size only the segments scored under "
        "adaptive_threshold or missing a glossary term",
    )
    adaptive_threshold: float = Field(
        default=-0.7,
        le=0.0,
        description="normalised log-probability (per token) under which a greedy output is redone",
    )


class CT2Settings(_Frozen):
    quantization: Literal["int8", "int8_float32", "int16", "float16", "float32"] = "int8"
    inter_threads: int = Field(
        default=0, ge=0, le=64, description="batches decoded in parallel; 0 chooses with decoding.threads"
    )
    models_cache: Path = Field(
        default=Path(".cache/newsl10n/ct2"),
        description="converted models, one folder per model revision (relative to pipeline.yaml)",
    )
    use_vmap: bool = Field(
        default=False,
        description="decode over the vocabulary shortlist (vmap.txt from `newsl10n models shortlist`); off until "
        "its quality is measured on a real model",
    )


class TMSettings(_Frozen):
    enabled: bool = True
    path: Path | None = Field(default=None, description="SQLite file; default OUT/.newsl10n-tm.sqlite")


class XliffSettings(_Frozen):
    version: Literal["2.1", "2.0"] = Field(
        default="2.1",
        description="2.1: the MT confidence as XLIFF 2.1's ITS module puts it (a <mrk> in the target); "
        "2.0: XLIFF 2.0 core, for CAT tools that read only 2.0",
    )


DEFAULT_UI_STRINGS = (
    "Related articles",
    "Leave a comment",
    "Your email address will not be published. Required fields are marked *",
    "Go to top button",
)


class IngestSettings(_Frozen):
    ui_strings: tuple[str, ...] = Field(
        default=DEFAULT_UI_STRINGS,
        description="lines recognised as site UI wherever they stand (msgids for the catalog)",
    )


class GateSettings(_Frozen):
    """Score thresholds for one locale (``newsl10n score``); unset ones are not gated."""

    min_bleu: float | None = Field(default=None, ge=0, le=100)
    min_chrf: float | None = Field(default=None, ge=0, le=100)
    max_ter: float | None = Field(default=None, ge=0)
    min_term_compliance: float | None = Field(default=None, ge=0, le=100, description="percent")


class GatesSettings(_Frozen):
    defaults: GateSettings = GateSettings()
    locales: dict[str, GateSettings] = Field(default_factory=dict)

    @field_validator("locales")
    @classmethod
    def _known_locales(cls, value: dict[str, GateSettings]) -> dict[str, GateSettings]:
        return _locale_keys(value)


class QASettings(_Frozen):
    """Thresholds of ``newsl10n qa``."""

    min_length_ratio: float = Field(default=0.5, gt=0)
    max_length_ratio: float = Field(default=2.5, gt=0)
    min_length_chars: int = Field(default=20, ge=0, description="shorter sources skip the ratio check")
    length_ratios: dict[str, tuple[float, float]] = Field(
        default_factory=lambda: {"zh": (0.15, 1.0), "ja": (0.2, 1.2), "ko": (0.2, 1.2)},
        description="(min, max) per target language whose script is denser than the source's",
    )
    repeat_times: int = Field(default=3, ge=2, description="an n-gram this many times in a row is a loop")
    repeat_max_n: int = Field(default=4, ge=1, le=10)
    max_errors: int | None = Field(default=None, ge=0)
    max_warnings: int | None = Field(default=None, ge=0)
    min_confidence: float | None = Field(
        default=None, ge=0, le=1, description="a machine segment less confident than this is a low-confidence error"
    )

    @model_validator(mode="after")
    def _ratio_range(self) -> QASettings:
        if self.min_length_ratio > self.max_length_ratio:
            raise ValueError("min_length_ratio must not exceed max_length_ratio")
        return self


class QESettings(_Frozen):
    """Confidence per segment (:mod:`newsl10n.qe`)."""

    enabled: bool = True
    back_models: dict[str, str] = Field(
        default_factory=dict,
        description="locale -> a model that translates it back into the source language (id or folder): "
        "the back-translation's chrF against the source becomes a feature",
    )

    @field_validator("back_models")
    @classmethod
    def _known_locales(cls, value: dict[str, str]) -> dict[str, str]:
        return _locale_keys(value)


class PipelineConfig(_Frozen):
    source_lang: str = "en"
    engine: str = Field(
        default="ctranslate2",
        description=f"{' or '.join(ENGINE_NAMES)}, an engine registered under the entry-point group "
        "newsl10n.engines, or a class as module:Class (imported when a run starts, not here)",
    )
    out: Path = Path("out")
    catalogs: Path = Field(
        default=Path("locales"), description="gettext catalogs of the UI strings: <catalogs>/<locale>/LC_MESSAGES/"
    )
    decoding: DecodingSettings = DecodingSettings()
    ingest: IngestSettings = IngestSettings()
    ctranslate2: CT2Settings = CT2Settings()
    tm: TMSettings = TMSettings()
    glossaries: tuple[Path, ...] = Field(
        default=(Path("glossaries"),),
        description="term files and folders of term files (relative to this file); [] for none",
    )
    locales: dict[str, LocaleSettings] = Field(default_factory=dict)
    gates: GatesSettings = GatesSettings()
    qa: QASettings = QASettings()
    qe: QESettings = QESettings()
    xliff: XliffSettings = XliffSettings()

    @field_validator("locales")
    @classmethod
    def _known_locales(cls, value: dict[str, LocaleSettings]) -> dict[str, LocaleSettings]:
        return _locale_keys(value)

    @field_validator("engine")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        if not is_engine_name(value):
            raise ValueError(f"unknown engine {value!r}: choose one of {engine_choices()}")
        return value

    @field_validator("source_lang")
    @classmethod
    def _known_source(cls, value: str) -> str:
        return _as_value_error(check_locale, value)


def _locale_keys(value: dict) -> dict:
    """A mapping keyed by locale codes, each one checked."""
    for code in value:
        _as_value_error(check_locale, code)
    return value


def _as_value_error(check, value):
    """Run a check inside a pydantic validator, where errors must be ValueError."""
    try:
        return check(value)
    except ConfigError as exc:
        raise ValueError(str(exc)) from None


def parse_config(data: object, *, source: str = DEFAULT_CONFIG_NAME) -> PipelineConfig:
    """Validate already-parsed YAML data; errors name the key path and what is allowed."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of settings, got {type(data).__name__}")
    try:
        return PipelineConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_describe(exc)}") from None


def load_config(path: Path | None) -> PipelineConfig:
    """Read ``path`` (or ``./pipeline.yaml`` when present), validated, with every path in it
    absolute: relative ones (``out``, ``catalogs``, local model folders ...) are relative to the
    file's folder, or to the current folder when there is no file (:func:`resolve_paths`)."""
    if path is None:
        path = Path(DEFAULT_CONFIG_NAME)
        if not path.exists():
            return resolve_paths(PipelineConfig(), Path.cwd())
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    data = load_yaml(text, source=str(path))
    return resolve_paths(parse_config(data, source=str(path)), path.resolve().parent)


def resolve_paths(config: PipelineConfig, base: Path) -> PipelineConfig:
    """``config`` with its paths absolute, relative ones taken from ``base``: ``out``,
    ``catalogs``, ``ctranslate2.models_cache``, ``tm.path``, ``glossaries``, and the model folders
    of ``locales`` and ``qe.back_models`` that exist there (a hub id stays as it is). Which
    settings the file gave is kept (the default ``glossaries`` folder may be absent)."""
    values = dict(config)
    values.update(
        out=base / config.out,
        catalogs=base / config.catalogs,
        glossaries=tuple(base / p for p in config.glossaries),
        ctranslate2=config.ctranslate2.model_copy(update={"models_cache": base / config.ctranslate2.models_cache}),
        tm=config.tm.model_copy(update={"path": base / config.tm.path if config.tm.path is not None else None}),
        locales={k: v.model_copy(update={"model": _model_ref(v.model, base)}) for k, v in config.locales.items()},
        qe=config.qe.model_copy(update={"back_models": {k: _model_ref(v, base) for k, v in config.qe.back_models.items()}}),
    )
    return PipelineConfig.model_construct(_fields_set=set(config.model_fields_set), **values)


def _model_ref(ref: str, base: Path) -> str:
    """A model reference with a folder relative to ``base`` made absolute; others as given."""
    folder = Path(ref).expanduser()
    return str((base / folder).resolve()) if not folder.is_absolute() and (base / folder).exists() else ref


def _describe(exc: ValidationError) -> str:
    """First validation error as 'key.path: message' (pydantic lists allowed values itself)."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "(top level)"
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    elif err["type"] == "value_error":
        msg = str(err["ctx"]["error"])
    more = len(exc.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{where}: {msg}{suffix}"
