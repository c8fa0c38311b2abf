"""What to load for one locale (:class:`EngineSpec`) and what determines its output
(:class:`EngineSignature`).

The signature is the one description of an engine's output, after sacrebleu's ``Signature``:
the manifest's engine fields, every engine's ``describe()`` and the translation memory's key are
all made from it, so they cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..config import CT2Settings, DecodingSettings, PipelineConfig
from ..engines import Engine, EngineNotFound, engine_record, find_engine
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
    Which settings an engine has comes from its :class:`~newsl10n.engines.Engine` record, never
    from a list kept here.
    """

    engine: str
    model: str
    revision: str
    target_token: str | None
    decoding: tuple[tuple[str, object], ...]
    extra: tuple[tuple[str, object], ...] = ()

    FIELDS = ("engine", "model", "model_revision", "target_token", "decoding")
    """The description's own keys, in order; ``extra`` settings sit beside them."""
    UNKEYED = frozenset({"batch_size"})
    """Described but not part of the memory key: batching does not change a segment's output."""

    @classmethod
    def of(cls, spec: EngineSpec, revision: str) -> EngineSignature:
        values = {**spec.decoding.model_dump(), **spec.ct2.model_dump()}
        decoding, extra = _settings(spec.engine_record, values)
        return cls(spec.engine, spec.model, revision, spec.target_token, decoding, extra)

    @classmethod
    def from_description(cls, info: Mapping[str, object]) -> EngineSignature:
        """The signature that :meth:`describe` (a manifest's ``engine`` object) records, read back
        whole: every setting it holds is kept. For a registered engine, settings it lacks that the
        engine always describes take their defaults, as the run that wrote it did (a bundle made
        before the setting existed)."""
        name = str(info.get("engine", "transformers"))
        decoding = dict(info.get("decoding") or {})  # type: ignore[call-overload]
        extra = {k: v for k, v in info.items() if k not in cls.FIELDS}
        settings, others = _described(engine_record(name), decoding, extra)
        return cls(
            engine=name,
            model=str(info.get("model", "")),
            revision=str(info.get("model_revision", "")),
            target_token=info.get("target_token"),  # type: ignore[arg-type]
            decoding=settings,
            extra=others,
        )

    @classmethod
    def flat_description(cls, manifest: Mapping[str, object]) -> dict[str, object]:
        """The engine description among the top-level keys of a manifest of format 1 (written
        before manifests held it as one object): the description's own keys and the settings
        the named engine's record declares."""
        record = engine_record(str(manifest.get("engine", "transformers")))
        keys = (*cls.FIELDS, *(record.ct2_keys if record else ()))
        return {k: manifest[k] for k in keys if k in manifest}

    def describe(self) -> dict[str, object]:
        """The engine's description: the ``engine`` object of a bundle's manifest."""
        own = (self.engine, self.model, self.revision, self.target_token, dict(self.decoding))
        return {**dict(zip(self.FIELDS, own)), **dict(self.extra)}

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


Settings = tuple[tuple[str, object], ...]
BASE_DECODING = ("beam_size", "batch_size", "max_length")
"""Decoding settings every engine's description holds."""


def _defaults() -> dict[str, object]:
    return {**DecodingSettings().model_dump(), **CT2Settings().model_dump()}


def _settings(engine: Engine | None, values: Mapping[str, object]) -> tuple[Settings, Settings]:
    """A run's output-changing (decoding, other) settings for ``engine``, in describe order:
    opt-in ones only when off their default; a declared key the settings lack is left out."""
    defaults = _defaults()
    opt_in = engine.opt_in_keys if engine else frozenset()

    def pick(names: Sequence[str]) -> Settings:
        return tuple((k, values[k]) for k in names if k in values and (k not in opt_in or values[k] != defaults.get(k)))

    return pick((*BASE_DECODING, *(engine.decoding_keys if engine else ()))), pick(engine.ct2_keys if engine else ())


def _described(
    engine: Engine | None, decoding: Mapping[str, object], extra: Mapping[str, object]
) -> tuple[Settings, Settings]:
    """A description's settings as :func:`_settings` orders them: an opt-in one at its default
    dropped, one the engine always describes but the description lacks taken at its default;
    settings the engine's record does not declare kept, after the declared ones."""
    if engine is None:
        return tuple(decoding.items()), tuple(extra.items())
    defaults = _defaults()

    def fill(names: Sequence[str], given: Mapping[str, object]) -> Settings:
        out: dict[str, object] = {}
        for k in names:
            if k in given and not (k in engine.opt_in_keys and given[k] == defaults.get(k)):
                out[k] = given[k]
            elif k not in given and k not in engine.opt_in_keys and k in defaults:
                out[k] = defaults[k]
        out.update((k, v) for k, v in given.items() if k not in names)
        return tuple(out.items())

    return fill((*BASE_DECODING, *engine.decoding_keys), decoding), fill(engine.ct2_keys, extra)


def engine_specs(
    config: PipelineConfig,
    locales: Sequence[str],
    overrides: Mapping[str, str],
    engine: str | None = None,
) -> dict[str, EngineSpec]:
    """One engine spec per locale: the model from ``--model`` overrides (a folder relative to
    the current folder), else pipeline.yaml (``config`` as :func:`~newsl10n.config.load_config`
    resolves it)."""
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
            model = _absolute_if_local(settings.model, None)
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
            ct2=config.ctranslate2,
            scored=config.qe.enabled,
            record=record,
        )
    return specs


def back_specs(config: PipelineConfig, specs: Mapping[str, EngineSpec]) -> dict[str, EngineSpec]:
    """For each locale of ``specs`` that ``qe.back_models`` names: what to load to translate its
    targets back into the source language (the confidence's back-translation feature)."""
    return {
        locale: replace(specs[locale], model=ref, source_lang=locale, target_lang=config.source_lang, target_token=None)
        for locale, ref in config.qe.back_models.items()
        if locale in specs
    }


def _absolute_if_local(ref: str, base: Path | None) -> str:
    resolved = resolve_model(ref, base)
    return str(resolved.path) if resolved.path else resolved.ref
