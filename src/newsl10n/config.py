"""``pipeline.yaml`` -> a frozen, validated :class:`PipelineConfig`.

The file is parsed and validated once, at start; every stage receives the parts it needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError
from .locales import check_locale
from .yamlio import load_yaml

ENGINES = ("transformers",)
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
    max_length: int = Field(default=512, ge=8, le=4096)
    threads: int = Field(default=0, ge=0, description="CPU threads; 0 lets the engine choose")
    term_bias: float = Field(
        default=0.0,
        ge=0.0,
        le=20.0,
        description="log-probability bonus for the first token of a required glossary term not yet "
        "in the output; 0 leaves placement to the model and the length budget",
    )


class IngestSettings(_Frozen):
    ui_strings: tuple[str, ...] = Field(
        default=(),
        description="lines recognised as site UI wherever they stand (msgids for the catalog)",
    )


class PipelineConfig(_Frozen):
    source_lang: str = "en"
    engine: Literal["transformers"] = "transformers"
    out: Path = Path("out")
    decoding: DecodingSettings = DecodingSettings()
    ingest: IngestSettings = IngestSettings()
    glossaries: tuple[Path, ...] = Field(
        default=(Path("glossaries"),),
        description="term files and folders of term files (relative to this file); [] for none",
    )
    locales: dict[str, LocaleSettings] = Field(default_factory=dict)

    @field_validator("locales")
    @classmethod
    def _known_locales(cls, value: dict[str, LocaleSettings]) -> dict[str, LocaleSettings]:
        for code in value:
            _as_value_error(check_locale, code)
        return value

    @field_validator("source_lang")
    @classmethod
    def _known_source(cls, value: str) -> str:
        return _as_value_error(check_locale, value)


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


def load_config(path: Path | None) -> tuple[PipelineConfig, Path]:
    """Read ``path`` (or ``./pipeline.yaml`` when present); return the config and its base folder.

    Relative paths in the file (``out``, local model folders) are relative to its folder.
    """
    if path is None:
        path = Path(DEFAULT_CONFIG_NAME)
        if not path.exists():
            return PipelineConfig(), Path.cwd()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    data = load_yaml(text, source=str(path))
    return parse_config(data, source=str(path)), path.resolve().parent


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
