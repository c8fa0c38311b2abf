"""The state machine behind constrained decoding (whether a finished output holds its terms is
:mod:`newsl10n.terms.check`).

- :class:`SegmentPlan` turns one segment's constraints into target token ids and decides, for a
  hypothesis (the token ids generated so far), which tokens may come next:

  * while a term's tokens are in progress, only its next token (any form still matching);
  * no end of sentence while a term is missing; where the model wants to end, or where the tokens
    left are just enough for the missing terms, a missing term is started (the model picks among
    its forms' first tokens);
  * forbidden variants are masked (their last token after the rest);
  * after a term, no token that would glue letters onto its last word;
  * optionally a bonus for the first tokens of missing terms, so that a real model places them
    where it would anyway.

  The decisions depend on the hypothesis alone, so they are the same for greedy and beam search.
  A term counts as *enforced* when a decision changed the model's own best token on the way to
  it, else as *present* (produced unaided).

:class:`TermLogitsProcessor` (transformers) and any other engine with a per-step hook apply those
decisions to the scores.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ..model import TermConstraint
from ..terms.check import case_variants

# --- the token side -------------------------------------------------------------------------

Tokens = tuple[int, ...]


@dataclass
class State:
    """Where one hypothesis stands. ``met[g]``: occurrences of term g produced; ``active``:
    (term, form, tokens matched) of forms in progress; ``after_term``: the last token ended a
    term; ``forced``: terms whose tokens a decision imposed (filled in as decisions are made)."""

    met: tuple[int, ...]
    active: tuple[tuple[int, int, int], ...] = ()
    after_term: bool = False
    forced: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Decision:
    """What may follow a hypothesis: ``only`` (None: anything not banned), ``banned`` tokens,
    ``boost``: tokens to favour by the plan's bias, and ``new_word``: a term just ended, so the
    next token must not continue its last word (the engine knows which tokens would)."""

    only: frozenset[int] | None = None
    banned: frozenset[int] = frozenset()
    boost: frozenset[int] = frozenset()
    new_word: bool = False


@dataclass(frozen=True)
class _Term:
    id: str
    needed: int
    forms: tuple[Tokens, ...]
    """The declared forms first (``declared`` of them: the ones a decision may start), then the
    other spellings :func:`check` accepts (case variants), recognised when the model writes them."""
    forbidden: tuple[Tokens, ...]
    declared: int = 0
    shortest: int = field(init=False)
    longest: int = field(init=False)

    def __post_init__(self) -> None:
        if not self.declared:
            object.__setattr__(self, "declared", len(self.forms))
        object.__setattr__(self, "shortest", min(len(f) for f in self.own))
        object.__setattr__(self, "longest", max(len(f) for f in self.own))

    @property
    def own(self) -> tuple[Tokens, ...]:
        return self.forms[: self.declared]


class SegmentPlan:
    """The constraints of one segment, as token ids, and the decisions for its hypotheses.

    ``encode(text)`` gives the target token ids of a term as it would stand inside a sentence
    (starting a word). A form with an unknown token cannot be produced and is left out; a term
    with no usable form is not enforced (the check reports it).
    """

    def __init__(
        self,
        constraints: Sequence[TermConstraint],
        encode: Callable[[str], Sequence[int] | None],
        *,
        eos_id: int,
        bias: float = 0.0,
        force_missing: bool = True,
    ) -> None:
        grouped: dict[str, list[TermConstraint]] = {}
        for c in constraints:
            grouped.setdefault(c.id, []).append(c)
        terms: list[_Term] = []
        for cid, group in grouped.items():
            forms = _encode_all(group[0].forms, encode)
            if forms:
                variants = tuple(f for f in _encode_all(case_variants(group[0]), encode) if f not in forms)
                forbidden = tuple(f for f in _encode_all(group[0].forbidden, encode) if f not in forms)
                terms.append(_Term(cid, len(group), forms + variants, forbidden, declared=len(forms)))
        self.terms = tuple(terms)
        self.eos_id = eos_id
        self.bias = bias
        self.force_missing = force_missing
        """Continue a term the model started, start a missing one where the model wants to end,
        and forbid the end while one is missing. Off, the plan only masks forbidden variants
        and glue after a term (and, with a ``bias``, favours and continues the terms' starts):
        the model's own output, whose missing terms the engine leaves to
        :mod:`.placement` (a term's first pieces are often common ones, "▁A" for "Abu Dhabi",
        and continuing every such start derails the sentence)."""
        # Forms longer than their term's shortest can fail to fit before the budget forces a start.
        self._spread = max((t.longest - t.shortest for t in self.terms), default=0)
        # Forbidden variants: one-token ones always banned, longer ones indexed by the token
        # before their last.
        self._banned_always = frozenset(f[0] for t in self.terms for f in t.forbidden if len(f) == 1)
        self._banned_after: dict[int, list[Tokens]] = {}
        for term in self.terms:
            for form in term.forbidden:
                if len(form) > 1:
                    self._banned_after.setdefault(form[-2], []).append(form)
        self._starts: dict[int, list[tuple[int, int]]] = {}
        for g, term in enumerate(self.terms):
            for f, form in enumerate(term.forms):
                self._starts.setdefault(form[0], []).append((g, f))
        self._cache: dict[Tokens, State] = {(): State(met=(0,) * len(self.terms))}

    def __bool__(self) -> bool:
        return bool(self.terms)

    @property
    def token_budget(self) -> int:
        """Tokens the terms may take (every occurrence in its longest form)."""
        return sum(t.needed * t.longest for t in self.terms)

    def state(self, tokens: Tokens) -> State:
        """The state after ``tokens`` (cached: each step extends a hypothesis seen the step before)."""
        state = self._cache.get(tokens)
        if state is not None:
            return state
        known = len(tokens) - 1
        while tokens[:known] not in self._cache:
            known -= 1
        state = self._cache[tokens[:known]]
        for i in range(known, len(tokens)):
            state = self._advance(state, tokens[i])
            self._cache[tokens[: i + 1]] = state
        return state

    def forced_ids(self, tokens: Tokens) -> tuple[str, ...]:
        """Ids of the terms a decision imposed on the way to ``tokens`` (a finished output)."""
        return tuple(self.terms[g].id for g in sorted(self.state(tokens).forced))

    def _advance(self, state: State, token: int) -> State:
        active: list[tuple[int, int, int]] = []
        done: set[int] = set()
        candidates = [*state.active, *((g, f, 0) for g, f in self._starts.get(token, ()))]
        for g, f, k in candidates:
            form = self.terms[g].forms[f]
            if form[k] != token:
                continue
            if k + 1 == len(form):
                done.add(g)
            else:
                active.append((g, f, k + 1))
        # One occurrence per term and token ("Steve Witkoff" ends where "Witkoff" does); a term
        # done drops its other forms in progress, which would count it twice.
        met = tuple(n + (g in done) for g, n in enumerate(state.met))
        active = [a for a in active if a[0] not in done]
        return State(met, tuple(active), bool(done), set(state.forced))

    def unmet(self, state: State) -> list[int]:
        return [g for g, term in enumerate(self.terms) if state.met[g] < term.needed]

    def decide(self, tokens: Tokens, best: int, remaining: int) -> Decision:
        """What may follow ``tokens``; ``best`` is the model's own choice, ``remaining`` the tokens
        that may still be generated, this one and the end of sentence included."""
        state = self.state(tokens)
        unmet = self.unmet(state)
        slots = remaining - 1  # tokens left before the end of sentence
        # Tokens the missing terms need at least (each occurrence in its shortest form).
        need = sum((self.terms[g].needed - state.met[g]) * self.terms[g].shortest for g in unmet)
        continues = self.force_missing or self.bias > 0  # a term the bias made the model start
        in_progress = [(g, f, k) for g, f, k in state.active if g in unmet] if continues else []
        if in_progress:
            nexts = {
                self.terms[g].forms[f][k]
                for g, f, k in in_progress
                if len(self.terms[g].forms[f]) - k <= slots - need + self.terms[g].shortest
            }
            if not nexts:  # nothing fits any more: finish what was started
                nexts = {self.terms[g].forms[f][k] for g, f, k in in_progress}
            return self._force(state, best, nexts, {g for g, _, _ in in_progress})
        if unmet and self.force_missing and (best == self.eos_id or slots <= need):
            g = unmet[0]
            term = self.terms[g]
            room = slots - need + term.shortest
            starts = {form[0] for form in term.own if len(form) <= room} or {term.forms[0][0]}
            return self._force(state, best, starts, {g})
        banned = set(self._banned_always)
        if unmet and self.force_missing and slots - need < self._spread:
            # Near the end, a form the model starts must still fit, or it would run past the limit.
            fits = {g: slots - need + self.terms[g].shortest for g in unmet}
            too_long = {f[0] for g in unmet for f in self.terms[g].own if len(f) > fits[g]}
            if too_long:
                banned |= too_long - {f[0] for g in unmet for f in self.terms[g].own if len(f) <= fits[g]}
        if tokens:
            for form in self._banned_after.get(tokens[-1], ()):
                if tokens[len(tokens) - len(form) + 1 :] == form[:-1]:
                    banned.add(form[-1])
        if best in banned:
            state.forced |= {g for g, t in enumerate(self.terms) if any(f[-1] == best for f in t.forbidden)}
        boost: frozenset[int] = frozenset()
        if unmet:
            if self.force_missing:
                banned.add(self.eos_id)
            if self.bias:
                boost = frozenset(form[0] for g in unmet for form in self.terms[g].own)
        return Decision(None, frozenset(banned), boost, state.after_term)

    @staticmethod
    def _force(state: State, best: int, only: set[int], terms: set[int]) -> Decision:
        if best not in only:
            state.forced |= terms
        return Decision(frozenset(only))


def _encode_all(texts: Sequence[str], encode: Callable[[str], Sequence[int] | None]) -> tuple[Tokens, ...]:
    out: list[Tokens] = []
    for text in texts:
        ids = encode(text)
        if ids:
            seq = tuple(ids)
            if seq not in out:
                out.append(seq)
    return tuple(out)


class TermLogitsProcessor:
    """Applies :class:`SegmentPlan` decisions in transformers ``generate`` (greedy or beam).

    ``plans[i]`` belongs to batch item ``i`` (None: unconstrained); rows are ``num_beams`` per
    item. ``glue_mask`` (bool, one per vocabulary entry) marks tokens that continue a word.
    """

    def __init__(
        self,
        plans: Sequence[SegmentPlan | None],
        *,
        num_beams: int,
        max_length: int,
        glue_mask: object,
        pad_id: int,
    ) -> None:
        self.plans = plans
        self.num_beams = num_beams
        self.max_length = max_length
        self.glue_mask = glue_mask
        self.pad_id = pad_id
        self.prompt_len: int | None = None

    def __call__(self, input_ids, scores):
        import torch

        if self.prompt_len is None:
            self.prompt_len = input_ids.shape[1]
        remaining = self.max_length - input_ids.shape[1]
        generated = input_ids[:, self.prompt_len :].tolist()
        best = scores.argmax(dim=-1).tolist()
        # Collected over all rows, applied in a few tensor operations.
        forced_rows: list[int] = []
        keep: tuple[list[int], list[int]] = ([], [])
        banned: tuple[list[int], list[int]] = ([], [])
        boosted: tuple[list[int], list[int]] = ([], [])
        new_word_rows: list[int] = []
        bias = 0.0
        for row, tokens in enumerate(generated):
            plan = self.plans[row // self.num_beams]
            if not plan or plan.eos_id in tokens or (tokens and tokens[-1] == self.pad_id):
                continue  # unconstrained, or a finished greedy row padded after its end
            decision = plan.decide(tuple(tokens), best[row], remaining)
            if decision.only is not None:
                forced_rows.append(row)
                keep[0].extend([row] * len(decision.only))
                keep[1].extend(decision.only)
                continue
            if decision.new_word:
                new_word_rows.append(row)
            banned[0].extend([row] * len(decision.banned))
            banned[1].extend(decision.banned)
            if decision.boost:
                boosted[0].extend([row] * len(decision.boost))
                boosted[1].extend(decision.boost)
                bias = plan.bias
        if not (forced_rows or banned[0] or new_word_rows or boosted[0]):
            return scores
        mask = torch.zeros(scores.shape, dtype=torch.bool, device=scores.device)
        if forced_rows:
            mask[forced_rows] = True
            mask[keep] = False
        if new_word_rows:
            mask[new_word_rows] |= self.glue_mask[: scores.shape[-1]].to(scores.device)
        if banned[0]:
            mask[banned] = True
        if boosted[0]:
            scores[boosted] += bias
        return scores.masked_fill(mask, float("-inf"))


def glue_flags(vocab: Mapping[str, int], size: int) -> list[bool]:
    """Per token id: does the SentencePiece piece continue the previous word with a letter or
    digit (no leading "▁")?"""
    flags = [False] * size
    for piece, index in vocab.items():
        if 0 <= index < size and piece and not piece.startswith("▁") and piece[0].isalnum():
            flags[index] = True
    return flags
