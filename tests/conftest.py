"""Shared fixtures: small random-weight Marian models, built once per test session.

Every pipeline test loads them through the real ``from_pretrained`` path from local folders;
nothing reaches the network (HF_HUB_OFFLINE=1).
"""

from __future__ import annotations

import os
import random
import re
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "new-start-dialogue.txt"

# Target-language text the tiny models' SentencePiece is trained on, beside the sample article
# and every target term of the shipped glossaries (else term pieces would be <unk>).
TARGET_TEXT = {
    "de": [
        "Wiederaufnahme des militärischen Dialogs zwischen den USA und Russland nach New START",
        "Das US-Europakommando gab eine Erklärung ab.",
        "Der Sondergesandte Steve Witkoff und Jared Kushner reisten nach Abu Dhabi.",
    ],
    "fr": [
        "Reprise du dialogue militaire entre les États-Unis et la Russie après New START",
        "Le Commandement des forces américaines en Europe a publié un communiqué.",
        "L'envoyé spécial Steve Witkoff et Jared Kushner se sont rendus à Abou Dhabi.",
    ],
    "es": [
        "Reanudación del diálogo militar entre Estados Unidos y Rusia tras el Nuevo START",
        "El Comando Europeo de Estados Unidos emitió un comunicado.",
        "El enviado especial Steve Witkoff y Jared Kushner viajaron a Abu Dabi.",
    ],
    "ru": [
        "Возобновление военного диалога между США и Россией после истечения ДСНВ",
        "Европейское командование США выступило с заявлением.",
        "Спецпосланник Стив Уиткофф и Джаред Кушнер прибыли в Абу-Даби.",
    ],
    "ar": [
        "استئناف الحوار العسكري بين الولايات المتحدة وروسيا بعد معاهدة نيو ستارت",
        "أصدرت القيادة الأوروبية الأمريكية بيانا.",
        "المبعوث الخاص ستيف ويتكوف وجاريد كوشنر في أبوظبي.",
    ],
}
LOCALES = tuple(TARGET_TEXT)
TARGET_TOKENS = {"ar": [">>ara<<"]}
GLOSSARIES = ROOT / "glossaries"
pytest_plugins = ["copymodel_fixture"]


def glossary_target_lines(locale: str) -> list[str]:
    """Every target term of the shipped glossaries for ``locale``, one a line."""
    from newsl10n.terms.files import glossary_target_lines as target_lines
    from newsl10n.terms.files import require_valid

    return target_lines(require_valid([GLOSSARIES]), locale)


def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


_VOCABULARY = (
    "government minister talks security border forces agreement treaty region council envoy "
    "ceasefire summit energy sanctions report capital delegation parliament election market "
    "pipeline harbour missile drone coalition statement inquiry budget reform court"
).split()


def generated_article(size: int, seed: int = 0) -> str:
    """A plain-text article of about ``size`` characters laid out like the sample (section,
    headline, headings and paragraphs, UI lines at the end), every line distinct: the sample's
    body lines again and again, with about one word in six and every number changed, and the
    round number added to headings."""
    rng = random.Random(seed)
    lines = [line for line in sample_text().splitlines() if line.strip()]
    head, body, tail = lines[:2], lines[2:-4], lines[-4:]

    def vary(line: str) -> str:
        line = re.sub(r"\d+", lambda m: str(rng.randrange(10 ** len(m.group()))), line)
        return re.sub(r"\b[a-z]{4,}\b", lambda m: rng.choice(_VOCABULARY) if rng.random() < 1 / 6 else m.group(), line)

    out, seen, total, round_ = list(head), set(head), 0, 0
    while total < size:
        round_ += 1
        for line in body:
            new = vary(line) if line[-1] in ".”" else f"{vary(line)}, part {round_}"
            while new in seen:
                new = f"{new} Round {round_}." if line[-1] in ".”" else f"{new}, again"
            seen.add(new)
            out.append(new)
            total += len(new) + 2
    return "\n\n".join(out + tail) + "\n"


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> dict[str, Path]:
    """Local folders of random-weight Marian models for de, fr, es, ru and ar."""
    from newsl10n.testsupport.randommodels import build_random_marian

    root = tmp_path_factory.mktemp("models")
    corpus = sample_text().splitlines()
    models = {}
    for locale, lines in TARGET_TEXT.items():
        models[locale] = build_random_marian(
            root / f"en-{locale}",
            corpus + (lines + glossary_target_lines(locale)) * 5,
            target_lang=locale,
            target_tokens=TARGET_TOKENS.get(locale, ()),
        )
    return models


@pytest.fixture
def sample_article(tmp_path) -> Path:
    path = tmp_path / "new-start-dialogue.txt"
    shutil.copy(SAMPLE, path)
    return path


@pytest.fixture
def config_file(tmp_path, tiny_models) -> Path:
    """A pipeline.yaml whose locales point at the tiny models, greedy decoding for speed."""
    path = tmp_path / "pipeline.yaml"
    path.write_text(
        "source_lang: en\n"
        f"out: {tmp_path / 'out'}\n"
        "decoding: {beam_size: 1, batch_size: 8, max_length: 64}\n"
        "locales:\n"
        f"  de: {{model: '{tiny_models['de']}'}}\n"
        f"  ar: {{model: '{tiny_models['ar']}', target_token: '>>ara<<'}}\n",
        encoding="utf-8",
    )
    return path
