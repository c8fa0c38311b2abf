"""Reading input files and writing output files, with the one-line errors every command shows.

Reads map OSError to :class:`InputError` naming the file, and read only regular files (a FIFO,
``/dev/zero`` or a socket is refused, never waited on or read forever), up to a size limit;
writes go through a temporary file in the same folder, renamed into place, so that a reader (or
a crash) never sees half a file and an earlier file is never truncated.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .errors import InputError, OutputError


MAX_INPUT_BYTES = 256 * 2**20
"""The most bytes an input file is read (a 20 MB article's XLIFF is some 80 MB)."""


def read_bytes(
    path: Path, *, what: str = "file", hint: str = "", limit: int = MAX_INPUT_BYTES, follow: bool = True
) -> bytes:
    """The file's bytes; InputError "PATH: no such file" (with ``hint``), "is a folder", "not a
    regular file", "... more than the limit" or "cannot read (...)". ``what`` names the kind of
    file expected; ``follow=False`` refuses a symbolic link instead of reading where it points."""
    with _reading(path, what, hint, follow):
        with _open_regular(path, what, follow) as fh:
            if os.fstat(fh.fileno()).st_size > limit or len(data := fh.read(limit + 1)) > limit:
                raise InputError(f"{path}: more than {_size(limit)}, the most {_article(what)} may have")
            return data


def read_text(path: Path, *, what: str = "file", hint: str = "", follow: bool = True) -> str:
    """The file as UTF-8 text; as :func:`read_bytes`, plus "not UTF-8 text"."""
    data = read_bytes(path, what=what, hint=hint, follow=follow)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None


def open_text(path: Path, *, what: str = "file", hint: str = "") -> IO[str]:
    """The file opened for reading UTF-8 text, with the errors of :func:`read_bytes`."""
    with _reading(path, what, hint, True):
        return _open_regular(path, what, True, text=True)


def open_bytes(path: Path, *, what: str = "file", hint: str = "") -> IO[bytes]:
    with _reading(path, what, hint, True):
        return _open_regular(path, what, True)


def _open_regular(path: Path, what: str, follow: bool, *, text: bool = False) -> IO:
    """``path`` opened for reading when it is a regular file. Opened without blocking, so that
    a FIFO with no writer is refused at once instead of waited on."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(mode):
            raise InputError(f"{path}: not a regular file ({_kind(mode)}), expected {_article(what)}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "r", encoding="utf-8") if text else os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
             (stat.S_ISSOCK, "a socket"))  # fmt: skip
    return next((name for test, name in kinds if test(mode)), "not a file")


def _size(limit: int) -> str:
    return f"{limit / 2**20:,.0f} MB"


@contextmanager
def _reading(path: Path, what: str, hint: str, follow: bool = True) -> Iterator[None]:
    try:
        yield
    except FileNotFoundError:
        raise InputError(f"{path}: no such file" + (f" ({hint})" if hint else "")) from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, expected {_article(what)}") from None
    except OSError as exc:
        if not follow and exc.errno == errno.ELOOP:
            raise InputError(f"{path}: is a symbolic link, expected {_article(what)} (links are not followed here)") from None
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _article(what: str) -> str:
    """``what`` with its indefinite article ("an article file", "an XLIFF file", "a TMX file")."""
    word = what.split(" ", 1)[0]
    vowel = word[:1] in "AEFHILMNORSX" if word.isupper() else word[:1] in "aeiou"
    return ("an " if vowel else "a ") + what


def write_atomic(path: Path, data: bytes | str | Iterable[str]) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed into place; an earlier file
    stays whole until then. Text (a string or pieces of one) is written as UTF-8. Errors:
    OutputError "PATH: cannot write (...)"."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                if isinstance(data, bytes):
                    fh.write(data)
                elif isinstance(data, str):
                    fh.write(data.encode("utf-8"))
                else:
                    for piece in data:
                        fh.write(piece.encode("utf-8"))
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def dump_json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def json_nested(data: object, level: int) -> str:
    """``data`` as :func:`dump_json` writes it ``level`` containers deep inside a document, without
    the final newline (a JSON string holds no raw newline: each newline starts an indented line)."""
    return json.dumps(data, ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * level)


def json_chunks(data: object) -> Iterator[str]:
    """``dump_json(data)`` in pieces, so that a big file is written without being held whole."""
    yield from json.JSONEncoder(ensure_ascii=False, indent=2).iterencode(data)
    yield "\n"


def load_json(text: str, *, source: str) -> object:
    """Parsed JSON; InputError "SOURCE: not valid JSON (line N: ...)"."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
