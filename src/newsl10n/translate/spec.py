"""What to load for one locale (:class:`EngineSpec`) and what determines its output
(:class:`EngineSignature`).

The signature is the one description of an engine's output, after sacrebleu's ``Signature``:
the manifest's engine fields, every engine's ``describe()`` and the translation memory's key are
all made from it, so they cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import CT2Settings, DecodingSettings, PipelineConfig
from ..engines import ENGINES, Engine, EngineNotFound, find_engine
from ..errors import ConfigError
from ..locales import check_locale
from .models import resolve_model


@dataclass(frozen=True)
class EngineSpec:
    """What to load for one locale: engine name, model reference and decoding settings."""

    engine: str
    model: str
    source_lang: str
    target_lang: str
    decoding: DecodingSettings
    target_token: str | None = None
    ct2: CT2Settings = CT2Settings()
    scored: bool = True
    """Whether translations carry how likely the model found them (``qe.enabled``). Not in
    the signature: scoring never changes a text."""
    record: Engine | None = None
    """The engine's registry record, resolved once (:func:`engine_specs`); None: by name."""

    @property
    def engine_record(self) -> Engine:
        """The :class:`Engine` record of ``engine`` (a plugin's is imported on first use)."""
        return self.record or find_engine(self.engine)


@dataclass(frozen=True)
class EngineSignature:
    """Everything that determines one engine's output for one locale, and how it is described.

    ``decoding``: beam_size, batch_size, max_length and the engine's own decoding settings;
    ``extra``: the engine's other output-changing settings (quantization), in describe order.
    """

    engine: str
    model: str
    revision: str
    target_token: str | None
    decoding: tuple[tuple[str, object], ...]
    extra: tuple[tuple[str, object], ...] = ()

    UNKEYED = frozenset({"batch_size"})
    """Described but not part of the memory key: batching does not change a segment's output."""

    @classmethod
    def of(cls, spec: EngineSpec, revision: str) -> EngineSignature:
        decoding, extra = _settings(spec.engine_record, spec.decoding.model_dump(), spec.ct2.model_dump())
        return cls(spec.engine, spec.model, revision, spec.target_token, decoding, extra)

    @classmethod
    def from_description(cls, info: Mapping[str, object]) -> EngineSignature:
        """The signature a manifest (or ``describe()``) records; settings it lacks take their
        defaults, as the run that wrote it did."""
        name = str(info.get("engine", "transformers"))
        described = dict(info.get("decoding") or {})  # type: ignore[call-overload]
        decoding = {**DecodingSettings().model_dump(), **described}
        ct2 = {k: info.get(k, v) for k, v in CT2Settings().model_dump().items()}
        settings, extra = _settings(name, decoding, ct2)
        return cls(
            engine=name,
            model=str(info.get("model", "")),
            revision=str(info.get("model_revision", "")),
            target_token=info.get("target_token"),  # type: ignore[arg-type]
            decoding=settings,
            extra=extra,
        )

    def describe(self) -> dict[str, object]:
        """The engine fields of a bundle's manifest."""
        return {
            "engine": self.engine,
            "model": self.model,
            "model_revision": self.revision,
            "target_token": self.target_token,
            "decoding": dict(self.decoding),
            **dict(self.extra),
        }

    @property
    def model_key(self) -> str:
        return f"{self.model}@{self.revision}"

    @property
    def settings_key(self) -> str:
        """The output-changing settings as canonical JSON (the memory's ``decoding`` column)."""
        settings: dict[str, object] = {"engine": self.engine}
        settings.update((k, v) for k, v in self.decoding if k not in self.UNKEYED)
        if self.target_token:
            settings["target_token"] = self.target_token
        settings.update(self.extra)
        return json.dumps(settings, sort_keys=True, separators=(",", ":"))


def _settings(
    name: str | Engine, decoding: Mapping[str, object], ct2: Mapping[str, object]
) -> tuple[tuple[tuple[str, object], ...], tuple[tuple[str, object], ...]]:
    """The engine's output-changing (decoding, ctranslate2) settings, in describe order; opt-in
    ones only when off their default. ``name``: the engine's record, or a name looked up among
    the built-in engines (a manifest's plugin engine is not imported to read it)."""
    engine = name if isinstance(name, Engine) else ENGINES.get(name)
    defaults = {**DecodingSettings().model_dump(), **CT2Settings().model_dump()}
    opt_in = engine.opt_in_keys if engine else frozenset()

    def pick(names: Sequence[str], values: Mapping[str, object]) -> tuple[tuple[str, object], ...]:
        return tuple((k, values[k]) for k in names if k not in opt_in or values[k] != defaults[k])

    names = ("beam_size", "batch_size", "max_length", *(engine.decoding_keys if engine else ()))
    return pick(names, decoding), pick(engine.ct2_keys if engine else (), ct2)


def engine_specs(
    config: PipelineConfig,
    base: Path,
    locales: Sequence[str],
    overrides: Mapping[str, str],
    engine: str | None = None,
) -> dict[str, EngineSpec]:
    """One engine spec per locale: the model from ``--model`` overrides, else pipeline.yaml."""
    unknown = set(overrides) - set(locales)
    if unknown:
        raise ConfigError(f"--model given for {', '.join(sorted(unknown))}, not among --to locales")
    specs: dict[str, EngineSpec] = {}
    try:
        record = find_engine(engine or config.engine)
    except EngineNotFound as exc:
        raise ConfigError(str(exc)) from None
    for locale in locales:
        check_locale(locale)
        settings = config.locales.get(locale)
        if locale in overrides:
            model = _absolute_if_local(overrides[locale], Path.cwd())
        elif settings is not None:
            model = _absolute_if_local(settings.model, base)
        elif record.model is not None:
            model = record.model
        else:
            known = ", ".join(sorted(config.locales)) or "none"
            raise ConfigError(
                f"no model for locale {locale!r}: add it under 'locales:' in pipeline.yaml "
                f"(configured: {known}) or pass --model {locale}=ID_OR_PATH"
            )
        specs[locale] = EngineSpec(
            engine=engine or config.engine,
            model=model,
            source_lang=config.source_lang,
            target_lang=locale,
            decoding=config.decoding,
            target_token=settings.target_token if settings else None,
            ct2=config.ctranslate2.model_copy(update={"models_cache": base / config.ctranslate2.models_cache}),
            scored=config.qe.enabled,
            record=record,
        )
    return specs


def _absolute_if_local(ref: str, base: Path) -> str:
    resolved = resolve_model(ref, base)
    return str(resolved.path) if resolved.path else resolved.ref
