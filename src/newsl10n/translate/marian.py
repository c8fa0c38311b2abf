"""MarianMT (Helsinki-NLP opus-mt) through transformers, on the CPU or a GPU."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from ..model import Constraints, ModelScores, TermConstraint, Translation
from .base import Progress, length_sorted_batches
from .constraints import SegmentPlan, TermLogitsProcessor, glue_flags
from .limits import SCORE_TOKENS, token_limit
from .models import check_marian_folder, folder_hash, not_available, resolve_model
from .placement import enforce, words
from .spec import EngineSignature, EngineSpec

METHOD = "constrained-decoding"
"""How this engine imposes terms: a logits processor during greedy or beam search."""


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
        return EngineSignature.of(self.spec, self.revision).describe()

    @property
    def positions(self) -> int | None:
        return getattr(self.model.config, "max_position_embeddings", None)

    @property
    def limit(self) -> int:
        """The most tokens of an input or output (``decoding.max_length``, or the model's positions)."""
        return token_limit(self.spec.decoding.max_length, self.positions)

    def encode(self, sources: Sequence[str]) -> list[list[int]]:
        """Token ids of each source, with the target-language token prepended where needed."""
        prefix = f"{self.spec.target_token} " if self.spec.target_token else ""
        encoded = self.tokenizer([prefix + s for s in sources], truncation=True, max_length=self.limit)
        return encoded["input_ids"]

    def translate(
        self,
        sources: Sequence[str],
        progress: Progress | None = None,
        constraints: Constraints | None = None,
    ) -> list[Translation]:
        """Segments with constraints are decoded apart from the rest, through a logits processor
        that continues a term the model starts and masks forbidden variants (see
        :mod:`.constraints`); terms still missing are put in place by :mod:`.placement`. The
        segments without terms pay nothing."""
        wanted: list[Sequence[TermConstraint]] = list(constraints) if constraints else [()] * len(sources)
        ids = self.encode(sources)
        first = self._decode(ids, wanted, progress)
        if not any(wanted):
            return self._scored(ids, first)
        spellings = {t.id: self._spellable(t) for terms in wanted for t in terms}

        def decode(rows: Sequence[int], switched: Sequence[str]) -> list[str]:
            switched_ids = self.encode(switched)
            return [out.text for out in self._decode(switched_ids, [wanted[i] for i in rows], scored=False)]

        def source_words(i: int, term: TermConstraint) -> int:
            span = term.source_span
            return len(words(sources[i][span[0] : span[1]])) if span else len(words(term.forms[0]))

        done = enforce(
            sources, [out.text for out in first], wanted, lambda term: spellings[term.id], decode,
            lambda pairs: self._token_scores([ids[i] for i, _ in pairs], [text for _, text in pairs]),
            source_words=source_words, limited=self._ran_to_limit(ids, first, wanted),
        )  # fmt: skip
        results = []
        for out, e in zip(first, done):
            if e.method:
                forced = tuple(dict.fromkeys((*out.forced, *e.forced)))
                scores = out.scores if e.text == out.text else None
                out = Translation(e.text, forced, e.method, scores, e.changed)
            results.append(out)
        return self._scored(ids, results)

    def _ran_to_limit(self, ids: Sequence[list[int]], outputs: Sequence[Translation], wanted) -> set[int]:
        """The rows with terms whose output ran to its length limit (2n + 10 tokens, or the model's)."""
        rows = [i for i, terms in enumerate(wanted) if terms]
        if not rows:
            return set()
        counts = self.tokenizer(text_target=[outputs[i].text for i in rows])["input_ids"]
        return {i for i, n in zip(rows, map(len, counts)) if n >= min(self.limit, 2 * len(ids[i]) + 10)}

    def _scored(self, ids: Sequence[list[int]], outputs: list[Translation]) -> list[Translation]:
        """``outputs`` with the token log-probabilities of their final texts (:mod:`newsl10n.qe`):
        those the decode scored keep its scores; the texts enforcement changed are scored
        teacher-forced. Unchanged when not scored (``qe.enabled: false``)."""
        if not self.spec.scored:
            return outputs
        changed = [i for i, out in enumerate(outputs) if out.scores is None]
        rescored = self._token_scores([ids[i] for i in changed], [outputs[i].text for i in changed]) if changed else []
        outputs = list(outputs)
        for i, tokens in zip(changed, rescored):
            outputs[i] = replace(outputs[i], scores=ModelScores.of_tokens(tokens))
        return outputs

    def _decode(
        self,
        ids: list[list[int]],
        wanted: Sequence[Sequence[TermConstraint]],
        progress: Progress | None = None,
        *,
        scored: bool = True,
    ) -> list[Translation]:
        results: list[Translation] = [Translation("")] * len(ids)
        plans = [self.plan(c) if self._needs_plan(c) else None for c in wanted]
        free = [i for i, plan in enumerate(plans) if not plan]
        constrained = [i for i, plan in enumerate(plans) if plan]
        d = self.spec.decoding
        for group in (free, constrained):
            for batch in length_sorted_batches([len(ids[i]) for i in group], d.batch_size):
                batch = [group[i] for i in batch]
                generated = self._generate([ids[i] for i in batch], [plans[i] for i in batch], scored and self.spec.scored)
                for i, result in zip(batch, generated):
                    results[i] = result
                if progress:
                    progress(len(batch))
        return results

    def plan(self, constraints: Sequence[TermConstraint]) -> SegmentPlan:
        """One segment's constraints as target token ids (see :class:`SegmentPlan`)."""
        return SegmentPlan(
            constraints,
            self._target_ids,
            eos_id=self.model.config.eos_token_id,
            bias=self.spec.decoding.term_bias,
            force_missing=False,
        )

    def _needs_plan(self, terms: Sequence[TermConstraint]) -> bool:
        """Whether decoding must watch the segment's terms: forbidden variants to mask, or a
        bias to apply. Otherwise the model decodes as without a glossary (the logits processor
        runs Python at every step) and :mod:`.placement` puts missing terms in afterwards."""
        return bool(terms) and (self.spec.decoding.term_bias > 0 or any(t.forbidden for t in terms))

    def _spellable(self, term: TermConstraint) -> tuple[str, ...]:
        return tuple(form for form in term.forms if self._target_ids(form) is not None)

    def _token_scores(self, ids: Sequence[list[int]], texts: Sequence[str]) -> list[list[float]]:
        """The log-probability of each target token (EOS last) for its source token ids
        (teacher-forced: one forward pass per batch, no decoding)."""
        import torch

        scores: list[list[float]] = []
        lengths = map(len, self.tokenizer(text_target=list(texts), truncation=True, max_length=self.limit)["input_ids"])
        step = max(1, min(4 * self.spec.decoding.batch_size, SCORE_TOKENS // max(lengths, default=1)))
        for start in range(0, len(texts), step):
            chunk = list(texts[start : start + step])
            limit = self.limit
            labels = self.tokenizer(text_target=chunk, truncation=True, max_length=limit, padding=True, return_tensors="pt")
            target = labels["input_ids"]
            keep = target != self.model.config.pad_token_id
            padded = self.tokenizer.pad({"input_ids": list(ids[start : start + step])}, return_tensors="pt")
            starts = torch.full_like(target[:, :1], self.model.config.decoder_start_token_id)
            with torch.inference_mode():
                # decoder inputs rather than labels: labels would add a loss over every logit
                logits = self.model(**padded, decoder_input_ids=torch.cat([starts, target[:, :-1]], 1)).logits
                picked = logits.gather(-1, target.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(logits, -1)
            scores += [row[mask].tolist() for row, mask in zip(picked, keep)]
        return scores

    def _generate(self, ids: list[list[int]], plans: list[SegmentPlan | None], scored: bool = False) -> list[Translation]:
        """One batch decoded; with ``scored``, each output carries its tokens' log-probabilities,
        teacher-forced on what was generated with the encoder's outputs reused (no second
        encoder pass, no re-tokenised text)."""
        import torch
        from transformers import LogitsProcessorList
        from transformers.modeling_outputs import BaseModelOutput

        d = self.spec.decoding
        padded = self.tokenizer.pad({"input_ids": ids}, return_tensors="pt")
        extra = max((p.token_budget for p in plans if p), default=0)
        max_length = min(self.limit, 2 * max(len(x) for x in ids) + 10 + extra) + 1
        processors = LogitsProcessorList()
        if extra:
            processors.append(
                TermLogitsProcessor(
                    plans,
                    num_beams=d.beam_size,
                    max_length=max_length,
                    glue_mask=self.glue_mask,
                    pad_id=self.model.config.pad_token_id,
                )
            )
        with torch.inference_mode():
            hidden = self.model.get_encoder()(**padded).last_hidden_state
            out = self.model.generate(  # a fresh output object: generate expands it for the beams in place
                **padded, encoder_outputs=BaseModelOutput(last_hidden_state=hidden), num_beams=d.beam_size,
                max_length=max_length, logits_processor=processors,
            )  # fmt: skip
            scores = self._generated_scores(hidden, padded["attention_mask"], out) if scored else [None] * len(ids)
        texts = self.tokenizer.batch_decode(out, skip_special_tokens=True)
        results = []
        for row, text, plan, tokens_scores in zip(out.tolist(), texts, plans, scores):
            found = ModelScores.of_tokens(tokens_scores) if tokens_scores is not None else None
            if not plan:
                results.append(Translation(text.strip(), scores=found))
                continue
            tokens = row[1:]
            if plan.eos_id in tokens:
                tokens = tokens[: tokens.index(plan.eos_id)]
            results.append(Translation(text.strip(), plan.forced_ids(tuple(tokens)), METHOD, found))
        return results

    def _generated_scores(self, hidden, mask, out) -> list[list[float]]:
        """The log-probability of each generated token (EOS included, padding not), in one
        decoder pass over ``out`` (which starts with the decoder's start token), on the
        encoder's ``hidden`` states."""
        import torch

        target = out[:, 1:]
        logits = self.model(encoder_outputs=(hidden,), attention_mask=mask, decoder_input_ids=out[:, :-1]).logits
        picked = logits.gather(-1, target.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(logits, -1)
        keep = target != self.model.config.pad_token_id
        return [row[k].tolist() for row, k in zip(picked, keep)]

    @cached_property
    def glue_mask(self):
        """Per target token id: does it continue the previous word (see :func:`glue_flags`)?"""
        import torch

        size = self.model.get_output_embeddings().weight.shape[0]
        return torch.tensor(glue_flags(self._target_vocab, size), dtype=torch.bool)

    @cached_property
    def _target_vocab(self) -> dict[str, int]:
        tok = self.tokenizer
        return dict(tok.target_encoder if getattr(tok, "separate_vocabs", False) else tok.encoder)

    def _target_ids(self, text: str) -> list[int] | None:
        """Target token ids of ``text`` as a word inside a sentence; None when a piece is unknown."""
        pieces = self.tokenizer.spm_target.encode(text, out_type=str)
        ids = [self._target_vocab.get(piece) for piece in pieces]
        unk = self._target_vocab.get(self.tokenizer.unk_token)
        if not ids or any(i is None or i == unk for i in ids):
            return None
        return ids  # type: ignore[return-value]
