"""Per-segment pieces of a bundle's files, kept between rebuilds of a bundle (the review editor
saves one segment at a time): a segment's QA flags, its XLIFF unit, its review.html row and its
segments.json entry.

A piece is stored under a key made of everything it is made from: the kind of piece, the
document's options (languages, settings) and the values of its segment, so a stored piece is the
text a rebuild would make, and a rebuild with a cache writes the same bytes as one without. The
cache is an object its owner passes in (the editor's workspace holds one); it keeps at most
``size`` pieces, the least recently used go first.
"""

from __future__ import annotations

import marshal
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

I = TypeVar("I")
P = TypeVar("P")
Key = bytes | tuple[bytes, bytes]

DEFAULT_SIZE = 50_000
"""Pieces kept: the five kinds per segment of a 10,000-segment bundle (about 40 MB). A bigger
bundle's rebuilds find none of theirs (each evicts the next one's): they take what a rebuild
without a cache takes."""


def piece_key(*inputs: object) -> bytes:
    """The inputs of a piece as bytes that only the same inputs give: marshal's (format 2 has no
    back-references, so the same values in the same order give the same bytes; it takes exact
    types only and tells a list from a tuple, 1 from 1.0 and True), else, for other objects
    (dataclasses, settings), their repr, which shows every field."""
    try:
        return b"m" + marshal.dumps(inputs, 2)
    except ValueError:
        return b"r" + repr(inputs).encode("utf-8", "surrogatepass")


def entry_keys(entries: Sequence[object]) -> list[bytes]:
    """Each segments.json entry's :func:`piece_key`, made once for all of a bundle's files (an
    entry that keeps its own, ``piece_key``, gives it)."""
    return [getattr(entry, "piece_key", None) or piece_key(entry) for entry in entries]


def piece_keys(
    cache: PieceCache | None, kind: str, entries: Sequence[object], keys: Sequence[bytes] | None, *options: object
) -> list[Key] | None:
    """The keys of one kind of piece made from each of ``entries`` and the document's
    ``options``, from the entries' :func:`entry_keys` (``keys``; None: made here); None
    without a cache."""
    if cache is None:
        return None
    common = piece_key(kind, *options)
    return [(common, key) for key in (entry_keys(entries) if keys is None else keys)]


class PieceCache:
    """Pieces by key (:func:`piece_key`, :func:`piece_keys`), at most ``size`` of them."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._pieces: OrderedDict[Key, object] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pieces)

    def get(self, key: Key) -> object | None:
        piece = self._pieces.get(key)
        if piece is not None:
            self._pieces.move_to_end(key)
        return piece

    def put(self, key: Key, piece: object) -> None:
        self._pieces[key] = piece
        self._pieces.move_to_end(key)
        while len(self._pieces) > self.size:
            self._pieces.popitem(last=False)


def pieces(
    items: Sequence[I],
    make: Callable[[list[I]], list[P]],
    cache: PieceCache | None = None,
    keys: Sequence[Key] | None = None,
    batch: int = 1000,
) -> Iterator[P]:
    """The piece of each of ``items``, in order, ``batch`` items at a time (a big article's pieces
    are never all in memory): the one ``cache`` holds under the item's key (``keys``, one per
    item), else one made by ``make`` (given the items without one, it returns their pieces in
    order) and stored. An item is only read when its piece is made."""
    if cache is not None and keys is not None and len(keys) != len(items):
        raise ValueError(f"{len(keys)} keys for {len(items)} items")
    for start in range(0, len(items), batch):
        span = range(start, min(start + batch, len(items)))
        if cache is None or keys is None:
            yield from make([items[n] for n in span])
            continue
        found = [cache.get(keys[n]) for n in span]
        missing = [n for n, piece in zip(span, found) if piece is None]
        if missing:
            for n, piece in zip(missing, make([items[n] for n in missing]), strict=True):
                found[n - start] = piece
                cache.put(keys[n], piece)
        yield from found  # type: ignore[misc]
