"""Localized article bundles: ``OUT/<article stem>/<locale>/`` written atomically.

A bundle is built in a hidden temporary folder beside its final place and renamed into place
only when every file is written, so an interrupted run never leaves a half bundle and never
damages the complete bundle of an earlier run.
"""

from __future__ import annotations

import ctypes
import errno as _errno
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import OutputError


@dataclass(frozen=True)
class SymLink:
    """A file of a bundle that is a symbolic link: written as the same link, never followed."""

    target: str


NAME_MAX = 255
"""The most bytes of one file name on Linux, macOS and Windows file systems."""


def name_bytes(name: str) -> int:
    return len(name.encode("utf-8", "surrogateescape"))


def bundle_dir(out: Path, stem: str, locale: str) -> Path:
    """Where a bundle goes; refuses names that would escape ``out`` or that no file system takes."""
    for part in (stem, locale):
        if not part or part in (".", "..") or "/" in part or "\\" in part or "\0" in part:
            raise OutputError(f"unsafe bundle name {part!r}")
        if name_bytes(part) > NAME_MAX:
            raise OutputError(f"bundle name {part[:40]!r}... is {name_bytes(part):,} bytes long (at most {NAME_MAX})")
    return out / stem / locale


def ensure_writable(out: Path) -> None:
    """Fail early, before any model is loaded, when ``out`` cannot be created or written.

    Creates nothing: the nearest existing ancestor must be a writable folder.
    """
    probe = out.absolute()
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"{out}: output folder cannot be written ({probe} is not a folder)")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"{out}: output folder cannot be written (permission denied on {probe})")


def write_bundle(target: Path, files: Mapping[str, str | Iterable[str] | SymLink]) -> None:
    """Write ``files`` into ``target`` atomically, replacing an earlier bundle only when done.

    A file's text may come in pieces (an iterator): it is then written piece by piece, one file
    after the other, so that the files of a big article are never all in memory at once. A
    :class:`SymLink` is made as a link. Callers hold the bundle's lock (:mod:`.lock`).
    """
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        recover_interrupted(target)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=parent))
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700; a bundle folder follows the umask
    except OSError as exc:
        raise OutputError(f"{parent}: cannot write output ({exc.strerror or exc})") from None
    try:
        with ExitStack() as stack:
            written = []
            for name, text in files.items():
                if isinstance(text, SymLink):
                    os.symlink(text.target, tmp / name)
                    continue
                fh = stack.enter_context((tmp / name).open("w", encoding="utf-8", newline=""))
                if isinstance(text, str):
                    fh.write(text)
                else:
                    fh.writelines(text)
                fh.flush()
                written.append(fh.fileno())
            _fsync_all(written)
        _swap_into_place(tmp, target)
    except OSError as exc:  # a full disk, a quota: one line, the earlier bundle kept
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"{target}: cannot write output ({exc.strerror or exc})") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _fsync_all(fds: list[int]) -> None:
    """Flush every file to disk before the bundle is renamed into place (after a power cut the
    new bundle is whole or absent), all at once: the file system commits concurrent fsyncs
    together, where one after the other each waits for its own journal commit."""
    if len(fds) < 2:
        for fd in fds:
            os.fsync(fd)
        return
    with ThreadPoolExecutor(max_workers=len(fds)) as pool:
        for done in [pool.submit(os.fsync, fd) for fd in fds]:
            done.result()


def recover_interrupted(target: Path) -> None:
    """Clean up after a run that was killed while writing ``target``.

    A killed run can leave its temporary folder (``.NAME.tmp-PID-*``), and, if it died between the
    two renames of the swap, the earlier bundle set aside as ``.NAME.old-PID``: that one is put
    back. Folders of runs that are still alive are left alone.
    """
    for path in target.parent.glob(f".{target.name}.old-*"):
        if _owner_alive(path.name.rsplit("-", 1)[-1]):
            continue
        if not target.exists():
            os.rename(path, target)
        else:
            shutil.rmtree(path, ignore_errors=True)
    for path in target.parent.glob(f".{target.name}.tmp-*"):
        pid = path.name[len(f".{target.name}.tmp-") :].split("-", 1)[0]
        if not _owner_alive(pid):
            shutil.rmtree(path, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _owner_alive(pid_text: str) -> bool:
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Put the new bundle ``tmp`` at ``target``. Where the system can exchange two folders in one
    step (Linux's renameat2), a reader never finds ``target`` missing; else the earlier bundle
    is set aside first (``.NAME.old-PID``, put back by :func:`recover_interrupted` after a crash)."""
    if target.exists() and _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)  # now the earlier bundle
        return
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step; False where the system cannot (then nothing changed)."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    at_cwd = -100
    if renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (_errno.ENOSYS, _errno.EINVAL, _errno.ENOTSUP, _errno.EXDEV):
        return False  # an old kernel, or a file system without it
    raise OSError(errno, os.strerror(errno), str(b))


@lru_cache(maxsize=1)
def _renameat2():
    """glibc's renameat2, when there is one (Linux, glibc 2.28 and later)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function
