"""MarianMT through CTranslate2: int8 on the CPU, several times faster than transformers.

The model is converted once into the models cache (:mod:`.ct2_models`). Tokenization uses
the model's own SentencePiece files, so neither torch nor transformers is imported to translate.

CTranslate2 has no lexical constraints. Glossary terms are enforced after the decode: the
output's missing terms are put where the model scores them best (:mod:`.placement`, ``method``
"ct2+place"), with the attention over the source (when the terms' source spans are known)
keeping the candidates near the words the model wrote for the term. Forbidden variants are
suppressed with ``suppress_sequences`` in the segments whose output holds one.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import ModelNotAvailable
from ..model import Constraints, ModelScores, TermConstraint, Translation
from ..terms.check import has_forbidden, missing_terms
from .base import Progress, length_sorted_batches
from .ct2_models import VMAP_FILE, ResolvedModel, available_cores, ensure_converted, thread_layout
from .limits import SCORE_TOKENS, token_limit
from .models import not_available
from .placement import Hint, enforce, words
from .spec import EngineSignature, EngineSpec

log = logging.getLogger("newsl10n")

EOS = "</s>"
ATTEND_MAX = 128
"""Sources up to this many tokens get their attention (CTranslate2 hands it over as Python lists,
a float per source token and output token): a longer one (a piece of an over-long sentence)
places its terms by position instead."""
AHEAD = 4
"""Batches submitted ahead per replica (their results, attention included, wait in memory)."""
SPECIAL_PIECES = frozenset({EOS, "<pad>", "<unk>"})


@dataclass
class CT2Translator:
    spec: EngineSpec
    translator: Any
    source_sp: Any
    target_sp: Any
    vocab: frozenset[str]
    model: ResolvedModel
    replicas: int = 1
    beam_redone: int = 0
    """Rows the adaptive beam decoded a second time, with beam search (for the benchmark)."""
    info: dict[str, object] = field(default_factory=dict)

    @classmethod
    def load(cls, spec: EngineSpec) -> CT2Translator:
        import ctranslate2
        import sentencepiece as spm

        model = ensure_converted(spec)
        if spec.ct2.use_vmap and not (model.path / VMAP_FILE).is_file():
            raise ModelNotAvailable(
                f"model {spec.model}: ctranslate2.use_vmap is on but {model.path} has no {VMAP_FILE} "
                f"(build one with `newsl10n models shortlist {spec.model} --corpus TEXT`)"
            )
        replicas, threads = thread_layout(
            spec.decoding.threads, spec.ct2.inter_threads, spec.decoding.beam_size, available_cores()
        )
        try:
            translator = ctranslate2.Translator(
                str(model.path),
                device="cpu",
                inter_threads=replicas,
                intra_threads=threads,
            )
            source_sp = spm.SentencePieceProcessor(model_file=str(model.path / "source.spm"))
            target_sp = spm.SentencePieceProcessor(model_file=str(model.path / "target.spm"))
            vocab = json.loads((model.path / "shared_vocabulary.json").read_text(encoding="utf-8"))
        except Exception as exc:  # noqa: BLE001 - any load failure is "model not available"
            raise not_available(spec.model, spec.target_lang, exc) from None
        return cls(spec, translator, source_sp, target_sp, frozenset(vocab), model, replicas)

    def describe(self) -> dict[str, object]:
        return EngineSignature.of(self.spec, self.model.revision).describe()

    # -- tokens ---------------------------------------------------------------------------

    def encode(self, sources: Sequence[str]) -> list[list[str]]:
        """Source pieces of each text (one batched SentencePiece call), target token first, EOS last."""
        limit = self.limit - 1
        prefix = [self.spec.target_token] if self.spec.target_token else []
        pieces = self.source_sp.encode(list(sources), out_type=str)
        return [(prefix + self._known(p))[:limit] + [EOS] for p in pieces]

    def target_pieces(self, text: str) -> list[str]:
        """Target pieces of ``text`` as a word of its own (leading ``▁``)."""
        return self._known(self.target_sp.encode(text, out_type=str))

    def decode_pieces(self, pieces: Sequence[str]) -> str:
        """The text of target pieces. SentencePiece keeps the word marker of a piece it does not
        know (one the vocabulary has and target.spm lacks) as a literal "▁": read as a space,
        the way transformers' MarianTokenizer reads it."""
        text = self.target_sp.decode_pieces([p for p in pieces if p not in SPECIAL_PIECES])
        return " ".join(text.replace("\u2581", " ").split()) if "\u2581" in text else text.strip()

    def _known(self, pieces: list[str]) -> list[str]:
        return [p if p in self.vocab else "<unk>" for p in pieces]

    @property
    def positions(self) -> int | None:
        return self.model.positions

    @property
    def limit(self) -> int:
        """The most tokens of an input or output (``decoding.max_length``, or the model's positions)."""
        return token_limit(self.spec.decoding.max_length, self.model.positions)

    def length_limits(self, longest: int) -> tuple[int, int]:
        """(min, max) output tokens for a batch whose longest source has ``longest`` tokens
        (the transformers engine's limit, whose last position is reserved for EOS)."""
        return 1, min(self.limit, 2 * longest + 10) - 1

    # -- decoding -------------------------------------------------------------------------

    def translate(
        self,
        sources: Sequence[str],
        progress: Progress | None = None,
        constraints: Constraints | None = None,
    ) -> list[Translation]:
        tokens = self.encode(sources)
        wanted: list[Sequence[TermConstraint]] = list(constraints) if constraints else [()] * len(sources)
        # Where each output piece looks in the source, for the segments whose terms have a source
        # span: a missing term is placed where the model translated it.
        alignments: dict[int, list[int]] = {
            i: [] for i, terms in enumerate(wanted) if any(c.source_span for c in terms)
        }
        scores: dict[int, float] | None = {} if self.spec.scored else None
        decoded = self._first_pass(tokens, wanted, progress, alignments, scores)
        outputs = [decoded[i] for i in range(len(sources))]
        if not any(wanted):
            texts = [self.decode_pieces(p) for p in outputs]
            return self._scored(tokens, [Translation(t) for t in texts], texts, scores)
        # Forbidden variants are suppressed only where the model wrote one: CTranslate2 takes
        # one suppress list per call, and suppressing everywhere would split every article into
        # as many calls as it has sets of forbidden variants.
        redo = [
            i
            for i, p in enumerate(outputs)
            if any(c.forbidden for c in wanted[i]) and has_forbidden(self.decode_pieces(p), wanted[i])
        ]
        if redo:
            groups = self._by_forbidden(redo, wanted)
            for i, pieces in self._decode_rows(tokens, groups, alignments=alignments, scores=scores).items():
                outputs[i] = pieces
        texts = [self.decode_pieces(p) for p in outputs]
        return self._scored(tokens, self._enforce(sources, tokens, outputs, wanted, alignments), texts, scores)

    def decode_tokens(self, tokens: Sequence[list[str]]) -> list[list[str]]:
        """The output pieces for source pieces (:meth:`encode`), no terms: for the shortlist."""
        decoded = self._decode_rows(tokens, {(): list(range(len(tokens)))})
        return [decoded[i] for i in range(len(tokens))]

    def _first_pass(
        self,
        tokens: Sequence[list[str]],
        wanted: Sequence[Sequence[TermConstraint]],
        progress: Progress | None,
        alignments: dict[int, list[int]],
        scores: dict[int, float] | None,
    ) -> dict[int, list[str]]:
        """Every row decoded, its score per token put in ``scores`` (when given). With
        ``decoding.adaptive_beam``: greedily, then with beam_size only the rows whose greedy
        output scores under ``adaptive_threshold`` (log-probability per token) or lacks one of
        its terms (a term the beam might find instead of forcing it)."""
        rows = {(): list(range(len(tokens)))}
        decoding = self.spec.decoding
        if not decoding.adaptive_beam or decoding.beam_size == 1:
            return self._decode_rows(tokens, rows, progress, alignments=alignments, scores=scores)
        scores = {} if scores is None else scores
        decoded = self._decode_rows(tokens, rows, progress, beam_size=1, alignments=alignments, scores=scores)
        redo = [
            i
            for i in rows[()]
            if scores[i] < decoding.adaptive_threshold
            or (wanted[i] and missing_terms(self.decode_pieces(decoded[i]), wanted[i]))
        ]
        if redo:
            decoded.update(self._decode_rows(tokens, {(): redo}, alignments=alignments, scores=scores))
        self.beam_redone += len(redo)
        return decoded

    def _decode_rows(
        self,
        tokens: Sequence[list[str]],
        groups: dict[tuple[tuple[str, ...], ...], list[int]],
        progress: Progress | None = None,
        beam_size: int | None = None,
        alignments: dict[int, list[int]] | None = None,
        scores: dict[int, float] | None = None,
    ) -> dict[int, list[str]]:
        """Decode each group of rows, with its forbidden sequences suppressed, in length-sorted
        batches, submitted ahead so that ``inter_threads`` replicas decode in parallel (at most
        :data:`AHEAD` batches per replica, so that the results waiting to be read stay few).
        Rows that are keys of ``alignments`` get there, per output piece, the source position
        its attention peaks on (only that: a whole attention matrix per segment of a big article
        would not fit in memory). ``scores``, when given, gets each row's log-probability per token."""
        batches = [
            (suppress, [members[j] for j in batch])
            for suppress, members in groups.items()
            for batch in length_sorted_batches([len(tokens[i]) for i in members], self._batch_size(len(members)))
        ]

        def submit(suppress, ids):
            attend = alignments is not None and any(i in alignments and len(tokens[i]) <= ATTEND_MAX for i in ids)
            return ids, self._submit([tokens[i] for i in ids], suppress, beam_size, attend, scores is not None)

        ahead = AHEAD * self.replicas
        submitted = deque(submit(*b) for b in batches[:ahead])
        decoded: dict[int, list[str]] = {}
        for k in range(len(batches)):
            ids, pending = submitted.popleft()
            if k + ahead < len(batches):
                submitted.append(submit(*batches[k + ahead]))
            for i, result in zip(ids, (p.result() for p in pending)):
                decoded[i] = list(result.hypotheses[0])
                if scores is not None and result.scores:
                    scores[i] = result.scores[0]
                if alignments is not None and i in alignments and result.attention:
                    alignments[i] = [_argmax(row) for row in result.attention[0]]
            if progress:
                progress(len(ids))
        return decoded

    def _by_forbidden(
        self, rows: Sequence[int], wanted: Sequence[Sequence[TermConstraint]]
    ) -> dict[tuple[tuple[str, ...], ...], list[int]]:
        """``rows`` grouped by the pieces of their terms' forbidden variants, so that a term's
        variants are suppressed only in segments with that term."""
        groups: dict[tuple[tuple[str, ...], ...], list[int]] = {}
        for i in rows:
            groups.setdefault(self._forbidden_sequences(wanted[i]), []).append(i)
        return groups

    def _batch_size(self, rows: int) -> int:
        """``decoding.batch_size``, or less when that leaves a parallel replica idle."""
        return max(1, min(self.spec.decoding.batch_size, -(-rows // self.replicas)))

    def _submit(
        self,
        tokens: Sequence[list[str]],
        suppress: Sequence[Sequence[str]],
        beam_size: int | None = None,
        attention: bool = False,
        with_scores: bool = False,
    ) -> list[Any]:
        """One asynchronous ``translate_batch`` call: a result per input, to wait on. Scores are
        normalised by length (CTranslate2's default length_penalty 1)."""
        longest = max(len(t) for t in tokens)
        low, high = self.length_limits(longest)
        return self.translator.translate_batch(
            list(tokens),
            beam_size=beam_size or self.spec.decoding.beam_size,
            max_batch_size=self.spec.decoding.batch_size,
            max_input_length=self.limit,
            min_decoding_length=low,
            max_decoding_length=min(high, self.limit - 1),
            suppress_sequences=[list(s) for s in suppress] or None,
            return_attention=attention,
            return_scores=with_scores,
            use_vmap=self.spec.ct2.use_vmap,
            asynchronous=True,
        )

    def _forbidden_sequences(self, terms: Sequence[TermConstraint]) -> tuple[tuple[str, ...], ...]:
        """Target pieces of the forbidden variants of ``terms`` (those the vocabulary can spell)."""
        sequences: dict[tuple[str, ...], None] = {}
        for term in terms:
            for variant in term.forbidden:
                pieces = tuple(self.target_pieces(variant))
                if pieces and "<unk>" not in pieces:
                    sequences[pieces] = None
        return tuple(sorted(sequences))

    def _enforce(
        self,
        sources: Sequence[str],
        tokens: list[list[str]],
        outputs: list[list[str]],
        wanted: list[Sequence[TermConstraint]],
        alignments: dict[int, list[int]],
    ) -> list[Translation]:
        """Put the terms each output lacks into it (:func:`.placement.enforce`): code-switched
        sources decoded in one call, then the candidates of the rest scored in one call. A term
        none of whose forms the vocabulary can spell is never forced (it stays violated)."""
        unique = {t.id: t for terms in wanted for t in terms}  # one spelling (and warning) per term
        spellings = {term_id: self._spellable(t) for term_id, t in unique.items()}
        texts = [self.decode_pieces(p) for p in outputs]

        def decode(rows: Sequence[int], switched: Sequence[str]) -> list[str]:
            suppress = self._forbidden_sequences([t for i in rows for t in wanted[i]])
            switched_tokens = self.encode(switched)
            decoded = self._decode_rows(switched_tokens, {suppress: list(range(len(rows)))})
            return [self.decode_pieces(decoded[j]) for j in range(len(rows))]

        def hint(i: int, term: TermConstraint) -> Hint | None:
            span = self._aligned_span(sources[i], outputs[i], alignments.get(i), term)
            if span is None:
                return None
            before = (self.decode_pieces(outputs[i][:end]) for end in span)
            return Hint(*(len(words(text)) for text in before))

        def source_words(i: int, term: TermConstraint) -> int:
            span = term.source_span
            return len(words(sources[i][span[0] : span[1]])) if span else len(words(term.forms[0]))

        limited = {i for i, out in enumerate(outputs) if wanted[i] and len(out) >= self.length_limits(len(tokens[i]))[1]}
        done = enforce(
            sources, texts, wanted, lambda term: spellings[term.id], decode,
            lambda pairs: self._token_scores([tokens[i] for i, _ in pairs], [text for _, text in pairs]),
            source_words=source_words, hints=hint, limited=limited,
        )  # fmt: skip
        return [Translation(e.text, e.forced, f"ct2+{e.method}" if e.method else "", changed=e.changed) for e in done]

    def _token_scores(self, sources: Sequence[list[str]], targets: Sequence[str]) -> list[list[float]]:
        """The log-probability of each target piece (EOS last), teacher-forced: one
        ``score_batch`` call, no decoding, in batches of at most
        :data:`.limits.SCORE_TOKENS` target tokens counted by the longest (CTranslate2's own
        token batching counts the source side)."""
        limit = self.limit - 2  # the decoder's positions, with its start and end
        pieces = [self._known(p)[:limit] for p in self.target_sp.encode(list(targets), out_type=str)]
        longest = max((len(p) + 2 for p in pieces), default=1)
        results = self.translator.score_batch(
            list(sources), pieces, max_batch_size=max(1, SCORE_TOKENS // longest), max_input_length=0
        )
        return [list(r.log_probs) for r in results]

    def _scored(
        self,
        tokens: Sequence[list[str]],
        outputs: list[Translation],
        decoded: Sequence[str],
        scores: Mapping[int, float] | None,
    ) -> list[Translation]:
        """``outputs`` with how likely the model found their final texts (:mod:`newsl10n.qe`):
        the decode's own score where the text is what the decode wrote (``decoded``, free), else
        teacher-forced (``score_batch``) for the few texts enforcement changed. Both are the
        log-probability per token, EOS included; the tokens' own are not kept, so every
        segment of a run has the same features. None: not scored (``qe.enabled: false``)."""
        if scores is None:
            return outputs
        changed = [i for i, out in enumerate(outputs) if out.text != decoded[i] or i not in scores]
        rescored = self._token_scores([tokens[i] for i in changed], [outputs[i].text for i in changed]) if changed else []
        per_token = dict(scores) | {i: ModelScores.of_tokens(s).logprob for i, s in zip(changed, rescored)}
        return [replace(out, scores=ModelScores(per_token[i])) for i, out in enumerate(outputs)]

    def _spellable(self, term: TermConstraint) -> tuple[str, ...]:
        """The forms of ``term`` the vocabulary can spell, in order; () when none."""
        forms = tuple(f for f in term.forms if (p := self.target_pieces(f)) and "<unk>" not in p)
        if not forms:
            log.warning("term %s: no form of it can be spelled with the model's vocabulary", term.id)
        return forms

    def _aligned_span(
        self, source: str, output: list[str], alignment: list[int] | None, term: TermConstraint
    ) -> tuple[int, int] | None:
        """The output pieces (whole words) whose attention peaks on the term's source pieces
        (``alignment``: the peak's source position per output piece), or None when the model
        gave the term no compact span of its own."""
        if not alignment or term.source_span is None:
            return None
        first, last = self._source_pieces(source, term.source_span)
        steps = [j for j, position in enumerate(alignment[: len(output)]) if first <= position < last]
        if not steps:
            return None
        start, stop = min(steps), max(steps) + 1
        if stop - start > 2 * (last - first) + 2:  # scattered: no span of its own
            return None
        while start > 0 and not output[start].startswith("▁"):
            start -= 1
        while stop < len(output) and not output[stop].startswith("▁") and output[stop] not in SPECIAL_PIECES:
            stop += 1
        return start, stop

    def _source_pieces(self, source: str, span: tuple[int, int]) -> tuple[int, int]:
        """Indices of the source pieces covering the character ``span`` of ``source`` (terms
        lie on word boundaries, where SentencePiece splits the same with or without the rest)."""
        offset = 1 if self.spec.target_token else 0
        first = len(self.source_sp.encode(source[: span[0]]))
        last = len(self.source_sp.encode(source[: span[1]]))
        return offset + first, offset + last


def _argmax(row: Sequence[float]) -> int:
    return max(range(len(row)), key=row.__getitem__) if row else -1
