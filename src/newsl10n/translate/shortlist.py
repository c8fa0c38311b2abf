"""A vocabulary shortlist for a CTranslate2 model: CTranslate2's vocabulary map (``vmap.txt``).

opus-mt models ship none, so one is learned from the model itself: a monolingual corpus is
translated once, and every source piece is mapped to the target pieces of the translations of
the sentences it occurs in. Always allowed (the map's empty key): the most frequent target
pieces of those translations and the pieces of every glossary term; and each source piece maps
to itself too (names and numbers are copied). With ``use_vmap`` CTranslate2 then scores only the
candidates of the pieces in each batch instead of the whole vocabulary.

The map's format (CTranslate2's ``VocabularyMap``): one line per source n-gram, the n-gram's
pieces separated by spaces, a tab, then its candidate target pieces separated by spaces; the
line with an empty n-gram lists the pieces always allowed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

SPECIAL = frozenset({"</s>", "<unk>", "<pad>"})


class Engine(Protocol):
    """What the shortlist needs of :class:`.ct2.CT2Translator`."""

    vocab: frozenset[str]

    def encode(self, sources: Sequence[str]) -> list[list[str]]: ...

    def target_pieces(self, text: str) -> list[str]: ...

    def decode_tokens(self, tokens: Sequence[list[str]]) -> list[list[str]]: ...


@dataclass
class Shortlist:
    """Candidate target pieces per source piece, and those always allowed."""

    by_source: dict[str, set[str]] = field(default_factory=dict)
    always: set[str] = field(default_factory=set)

    def add(self, source: Iterable[str], target: Iterable[str]) -> None:
        pieces = {p for p in target if p not in SPECIAL}
        for piece in source:
            self.by_source.setdefault(piece, set()).update(pieces)

    def candidates(self, source: Iterable[str]) -> set[str]:
        """What decoding a sentence of ``source`` pieces may write (as CTranslate2 reads the map)."""
        found = set(self.always)
        for piece in source:
            found |= self.by_source.get(piece, set())
        return found

    def lines(self) -> list[str]:
        """The map as ``vmap.txt`` lines, the always-allowed line first, pieces sorted."""
        out = ["\t" + " ".join(sorted(self.always))]
        out += [f"{s}\t{' '.join(sorted(t))}" for s, t in sorted(self.by_source.items()) if t]
        return out


def build_shortlist(
    engine: Engine,
    corpus: Sequence[str],
    terms: Sequence[str] = (),
    *,
    top: int = 500,
    unkeyed: Iterable[str] = (),
) -> Shortlist:
    """Translate ``corpus`` (one sentence or short paragraph a line) once with ``engine`` and
    map each source piece to the target pieces its translations use; the ``top`` most frequent
    target pieces and the pieces of ``terms`` (glossary target forms) are always allowed.
    ``unkeyed``: source pieces in every input (a ``>>xxx<<`` target token) that key nothing."""
    lines = [line.strip() for line in corpus if line.strip()]
    tokens = engine.encode(lines)
    skip = SPECIAL | set(unkeyed)
    shortlist = Shortlist()
    counts: Counter[str] = Counter()
    for source, target in zip(tokens, engine.decode_tokens(tokens)):
        shortlist.add([p for p in source if p not in skip], target)
        counts.update(p for p in target if p not in SPECIAL)
    shortlist.always.update(p for p, _ in counts.most_common(top))
    for term in terms:
        shortlist.always.update(p for p in engine.target_pieces(term) if p not in SPECIAL)
    for piece in engine.vocab - skip:  # copying a piece (a name, a number) stays possible
        shortlist.by_source.setdefault(piece, set()).add(piece)
    return shortlist
