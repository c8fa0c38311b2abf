"""One writer at a time per bundle: a lock file beside the bundle folder, held across a whole
read-modify-write (a translation run writing the bundle, a post-edit, a review-editor save).

The lock is the operating system's (``flock``), taken on ``OUT/<article>/.<locale>.lock``: a
process that dies, even by kill -9, releases it, so no stale lock ever stops anyone. The file
sits outside the bundle folder because a write swaps that folder as a whole, and is removed by
its holder just before it lets go; a writer that got the lock on a file removed meanwhile (its
inode is no longer the path's) lets go and takes it again on the new one, so two writers never
hold two different files.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import OutputError

LOCK_WAIT_S = 120.0
"""How long a writer waits for another one to finish with the bundle before giving up."""


def lock_path(bundle: Path) -> Path:
    return bundle.parent / f".{bundle.name}.lock"


@contextmanager
def bundle_lock(bundle: Path, *, wait: float = LOCK_WAIT_S, create: bool = False) -> Iterator[None]:
    """Hold ``bundle``'s lock for the block, waiting up to ``wait`` seconds for another writer;
    ``create``: make the bundle's parent folder when it is missing (a first translation).

    The lock is not reentrant: a block that holds it must not take it again."""
    path = lock_path(bundle)
    deadline = time.monotonic() + wait
    fd = _acquire(path, bundle, deadline, wait, create)
    try:
        yield
    finally:
        try:
            os.unlink(path)  # still ours: no one else can hold it until we let go
        except OSError:
            pass
        os.close(fd)  # releases the lock


def _acquire(path: Path, bundle: Path, deadline: float, wait: float, create: bool) -> int:
    """An open descriptor of the lock file at ``path``, locked by us."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    pause = 0.002
    while True:
        try:
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, flags, 0o666)
        except OSError as exc:
            raise OutputError(f"{path}: cannot lock the bundle ({exc.strerror or exc})") from None
        if _try_lock(fd) and _still_there(fd, path):
            return fd
        os.close(fd)
        if time.monotonic() > deadline:
            raise OutputError(
                f"{bundle}: another newsl10n process has been writing this bundle for {wait:g} s; "
                "try again when it is done"
            )
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def _still_there(fd: int, path: Path) -> bool:
    """The locked file is still the one at ``path`` (its holder before us did not remove it)."""
    try:
        return os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
    except OSError:
        return False


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows: a lock on the file's first byte
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
