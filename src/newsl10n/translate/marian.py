"""MarianMT (Helsinki-NLP opus-mt) through transformers, on the CPU or a GPU."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .base import Constraints, EngineSpec, Progress, Translation, length_sorted_batches
from .models import check_marian_folder, folder_hash, not_available, resolve_model


@dataclass
class MarianTranslator:
    spec: EngineSpec
    tokenizer: Any
    model: Any
    revision: str
    info: dict[str, object] = field(default_factory=dict)

    @classmethod
    def load(cls, spec: EngineSpec) -> MarianTranslator:
        ref = resolve_model(spec.model)
        if ref.is_local:
            check_marian_folder(ref.path)
        import torch
        from transformers import MarianMTModel, MarianTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        logging.getLogger("huggingface_hub").setLevel(logging.ERROR)
        if spec.decoding.threads:
            torch.set_num_threads(spec.decoding.threads)
        source = str(ref.path) if ref.is_local else ref.ref
        try:
            # The model first: for a missing hub model it fails with a clear OSError, where the
            # tokenizer fails with a TypeError deep inside.
            model = MarianMTModel.from_pretrained(source, local_files_only=ref.is_local)
            tokenizer = MarianTokenizer.from_pretrained(source, local_files_only=ref.is_local)
        except Exception as exc:  # noqa: BLE001 - any load failure is "model not available"
            raise not_available(spec.model, spec.target_lang, exc) from None
        model.eval()
        if ref.is_local:
            revision = folder_hash(ref.path)
        else:
            revision = getattr(model.config, "_commit_hash", None) or "unknown"
        return cls(spec, tokenizer, model, revision)

    def describe(self) -> dict[str, object]:
        d = self.spec.decoding
        return {
            "engine": self.spec.engine,
            "model": self.spec.model,
            "model_revision": self.revision,
            "target_token": self.spec.target_token,
            "decoding": {"beam_size": d.beam_size, "batch_size": d.batch_size, "max_length": d.max_length},
        }

    def encode(self, sources: Sequence[str]) -> list[list[int]]:
        """Token ids of each source, with the target-language token prepended where needed."""
        prefix = f"{self.spec.target_token} " if self.spec.target_token else ""
        encoded = self.tokenizer(
            [prefix + s for s in sources], truncation=True, max_length=self.spec.decoding.max_length
        )
        return encoded["input_ids"]

    def translate(
        self,
        sources: Sequence[str],
        progress: Progress | None = None,
        constraints: Constraints | None = None,
    ) -> list[Translation]:
        import torch

        if constraints and any(constraints):
            raise NotImplementedError("term constraints are not supported by this engine yet")
        ids = self.encode(sources)
        results: list[Translation] = [Translation("")] * len(sources)
        d = self.spec.decoding
        for batch in length_sorted_batches([len(x) for x in ids], d.batch_size):
            padded = self.tokenizer.pad({"input_ids": [ids[i] for i in batch]}, return_tensors="pt")
            longest = max(len(ids[i]) for i in batch)
            with torch.inference_mode():
                out = self.model.generate(
                    **padded,
                    num_beams=d.beam_size,
                    max_length=min(d.max_length, 2 * longest + 10) + 1,
                )
            for i, text in zip(batch, self.tokenizer.batch_decode(out, skip_special_tokens=True)):
                results[i] = Translation(text.strip())
            if progress:
                progress(len(batch))
        return results
