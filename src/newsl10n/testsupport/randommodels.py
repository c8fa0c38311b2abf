"""Random-weight Marian models for tests, benchmarks and offline demos.

A random model proves plumbing, speed and glossary enforcement, never quality: its output is
nonsense. It is built from a SentencePiece model trained on the text given, so every piece of
that text (glossary target terms included) is in its vocabulary.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Architecture:
    d_model: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int


TINY = Architecture(d_model=32, layers=1, heads=2, ffn=64, vocab_size=200)
# Helsinki-NLP/opus-mt-en-de: 74M parameters, vocab 58101.
OPUS_MT = Architecture(d_model=512, layers=6, heads=8, ffn=2048, vocab_size=58101)
ARCHITECTURES = {"tiny": TINY, "opus-mt": OPUS_MT}


def build_random_marian(
    out_dir: Path,
    corpus: Iterable[str],
    *,
    source_lang: str = "en",
    target_lang: str = "de",
    target_tokens: Iterable[str] = (),
    architecture: Architecture = TINY,
    seed: int = 0,
    piece_model: str = "unigram",
    max_positions: int = 512,
) -> Path:
    """Write a loadable random-weight MarianMT model folder (safetensors) to ``out_dir``.

    ``target_tokens`` (e.g. ``>>ara<<``) become single vocabulary entries, as in multi-target
    opus-mt models. The vocabulary is joint for both sides, with ``<pad>`` last (opus-mt layout).
    ``piece_model`` is SentencePiece's model type: opus-mt's ``unigram``, or ``bpe``, which on a
    corpus as small as one article learns whole words and so cuts text into about as many tokens
    as opus-mt's large vocabulary does (benchmarks want realistic lengths). ``max_positions``
    is the model's ``max_position_embeddings``, the most tokens it takes in or writes out (opus-mt:
    512; some Marian models have 256).
    """
    import torch
    from transformers import MarianMTModel

    out_dir = Path(out_dir)
    vocab = write_marian_tokenizer(
        out_dir,
        corpus,
        pieces=min(architecture.vocab_size, 8000),
        pad_to=architecture.vocab_size,
        source_lang=source_lang,
        target_lang=target_lang,
        target_tokens=target_tokens,
        piece_model=piece_model,
    )
    torch.manual_seed(seed)
    config = marian_config(vocab, architecture)
    config.max_position_embeddings = max_positions
    model = MarianMTModel(config)
    save_marian(model, out_dir, vocab)
    if model.generation_config.max_length > max_positions:
        model.generation_config.max_length = max_positions
        model.generation_config.save_pretrained(out_dir)
    (out_dir / "README.md").write_text(
        "Random-weight MarianMT model built by newsl10n.testsupport for plumbing tests.\n"
        "It knows no language: its output is nonsense.\n",
        encoding="utf-8",
    )
    return out_dir


def write_marian_tokenizer(
    out_dir: Path,
    corpus: Iterable[str],
    *,
    pieces: int,
    pad_to: int = 0,
    source_lang: str = "en",
    target_lang: str = "de",
    target_tokens: Iterable[str] = (),
    piece_model: str = "unigram",
    split_digits: bool = False,
) -> dict[str, int]:
    """Train one joint SentencePiece model on ``corpus`` and save a MarianTokenizer to ``out_dir``.

    Returns the vocabulary: ``</s>`` 0, ``<unk>`` 1, the pieces, ``target_tokens``, fillers up
    to ``pad_to - 1`` entries, and ``<pad>`` last (the opus-mt layout CTranslate2 needs).
    """
    import sentencepiece as spm
    from transformers import MarianTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    special = list(dict.fromkeys(target_tokens))
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        corpus_file = tmp_path / "corpus.txt"
        lines = [line.strip() for line in corpus if line.strip()]
        corpus_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(corpus_file),
            model_prefix=str(tmp_path / "sp"),
            vocab_size=pieces,
            hard_vocab_limit=False,
            model_type=piece_model,
            character_coverage=1.0,
            unk_id=0,
            bos_id=-1,
            eos_id=1,
            pad_id=-1,
            user_defined_symbols=special,
            minloglevel=2,
            # Passed only when set: an explicit default changes the saved model's bytes.
            **({"split_digits": True} if split_digits else {}),
        )
        processor = spm.SentencePieceProcessor(model_file=str(tmp_path / "sp.model"))
        vocab = {"</s>": 0, "<unk>": 1}
        for piece in [processor.id_to_piece(i) for i in range(processor.get_piece_size())] + special:
            vocab.setdefault(piece, len(vocab))
        filler = 0
        while len(vocab) < pad_to - 1:  # pad to the architecture's vocab size
            vocab.setdefault(f"<unused{filler}>", len(vocab))
            filler += 1
        vocab["<pad>"] = len(vocab)
        for name in ("source.spm", "target.spm"):
            shutil.copy(tmp_path / "sp.model", tmp_path / name)
        (tmp_path / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        tokenizer = MarianTokenizer(
            str(tmp_path / "source.spm"),
            str(tmp_path / "target.spm"),
            str(tmp_path / "vocab.json"),
            source_lang=source_lang,
            target_lang=target_lang,
        )
        tokenizer.save_pretrained(out_dir)
    return vocab


def marian_config(vocab: dict[str, int], architecture: Architecture):
    """The opus-mt layout at ``architecture``'s size: ``<pad>`` starts decoding, ``</s>`` ends it."""
    from transformers import MarianConfig

    pad = vocab["<pad>"]
    return MarianConfig(
        vocab_size=len(vocab),
        d_model=architecture.d_model,
        encoder_layers=architecture.layers,
        decoder_layers=architecture.layers,
        encoder_attention_heads=architecture.heads,
        decoder_attention_heads=architecture.heads,
        encoder_ffn_dim=architecture.ffn,
        decoder_ffn_dim=architecture.ffn,
        activation_function="swish",
        scale_embedding=True,
        pad_token_id=pad,
        decoder_start_token_id=pad,
        eos_token_id=0,
        forced_eos_token_id=0,
        max_position_embeddings=512,
        share_encoder_decoder_embeddings=True,
    )


def save_marian(model, out_dir: Path, vocab: dict[str, int]) -> None:
    """Save ``model`` as safetensors with opus-mt's generation settings (never emit ``<pad>``)."""
    model.generation_config.bad_words_ids = [[vocab["<pad>"]]]
    model.generation_config.max_length = 512
    model.save_pretrained(out_dir, safe_serialization=True)
