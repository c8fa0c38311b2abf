"""Reading input files and writing output files, with the one-line errors every command shows.

Reads map OSError to :class:`InputError` naming the file; writes go through a temporary file in
the same folder, renamed into place, so that a reader (or a crash) never sees half a file and
an earlier file is never truncated.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .errors import InputError, OutputError


def read_bytes(path: Path, *, what: str = "file", hint: str = "") -> bytes:
    """The file's bytes; InputError "PATH: no such file" (with ``hint``), "is a folder", or
    "cannot read (...)". ``what`` names the kind of file a folder was given for."""
    with _reading(path, what, hint):
        return path.read_bytes()


def read_text(path: Path, *, what: str = "file", hint: str = "") -> str:
    """The file as UTF-8 text; as :func:`read_bytes`, plus "not UTF-8 text"."""
    data = read_bytes(path, what=what, hint=hint)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None


def open_text(path: Path, *, what: str = "file", hint: str = "") -> IO[str]:
    """The file opened for reading UTF-8 text, with the errors of :func:`read_bytes`."""
    with _reading(path, what, hint):
        return path.open(encoding="utf-8")


def open_bytes(path: Path, *, what: str = "file", hint: str = "") -> IO[bytes]:
    with _reading(path, what, hint):
        return path.open("rb")


@contextmanager
def _reading(path: Path, what: str, hint: str) -> Iterator[None]:
    try:
        yield
    except FileNotFoundError:
        raise InputError(f"{path}: no such file" + (f" ({hint})" if hint else "")) from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, expected {_article(what)}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _article(what: str) -> str:
    return ("an " if what[:1] in "aeiou" else "a ") + what


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
