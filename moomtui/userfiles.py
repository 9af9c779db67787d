"""Files moomtui reads from the host: presets, themes, the history, scripts, policy files.

Any of them may come from a stranger or sit on a path a stranger chose, so every one is
opened the one way this module knows:

* without blocking (``O_NONBLOCK``), so a FIFO or a terminal cannot hang the open;
* then ``fstat`` on the open descriptor: only a regular file is read — a directory, a
  FIFO, a device such as ``/dev/zero``, a socket is refused;
* under a size cap (:data:`MAX_FILE` unless the caller says less), so no file, not even a
  regular one that keeps growing, can fill the memory.

``-`` on the command line (``moomtui run -``, ``check -``, ``postmortem -``) is standard
input, read by :func:`read_stdin` under the same cap and named ``<stdin>``.

Whatever goes wrong is a :class:`UserFileError` whose text is one line naming the file
(``presets/x.toml: not a regular file (a FIFO)``). Writes follow the same rule: the history
is appended to only if it is a regular file, and rewritten (when trimmed) through a
temporary file renamed over the file a symbolic link points to, so the link stays a link;
a new file is made whole before it takes its name, and never replaces one that appeared.

TOML documents read from these files are bounded too (:func:`loads_toml`): nesting deep
enough to exhaust the parser's recursion, or an integer of thousands of digits, is a
:class:`TomlError`, not a crash.

A leaf module: it imports nothing of moomtui, so every layer — the kernel's ``insmod`` of a
policy file included — uses it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tomllib
from pathlib import Path
from typing import IO, Any

MAX_FILE = 1 << 20
"""The largest file moomtui reads: 1 MiB (a preset of thousands of tasks is 100 KiB)."""

MAX_TOML_DEPTH = 16
"""Tables and arrays nested deeper than this are refused (presets need 4, themes 2)."""

_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_APPEND_FLAGS = (
    os.O_WRONLY
    | os.O_APPEND
    | os.O_CREAT
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_KINDS = (
    (stat.S_ISDIR, "is a directory"),
    (stat.S_ISFIFO, "not a regular file (a FIFO)"),
    (stat.S_ISCHR, "not a regular file (a character device)"),
    (stat.S_ISBLK, "not a regular file (a block device)"),
    (stat.S_ISSOCK, "not a regular file (a socket)"),
)


class UserFileError(Exception):
    """A file that cannot be used: ``str()`` is ``name: problem``, one line; ``errno`` is
    the system's error number when the system refused."""

    def __init__(self, name: str, problem: str, errno: int | None = None) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problem = problem
        self.errno = errno


class TomlError(ValueError):
    """A TOML text that cannot be read: its one-line reason."""


def size_text(limit: int) -> str:
    """``1 MiB``, ``64 KiB`` or ``100 bytes``."""
    if limit % (1 << 20) == 0:
        return f"{limit >> 20} MiB"
    if limit % 1024 == 0:
        return f"{limit >> 10} KiB"
    return f"{limit} bytes"


def _os_problem(err: OSError) -> str:
    return err.strerror or type(err).__name__


def _kind_problem(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    for test, problem in _KINDS:
        if test(mode):
            return problem
    return "not a regular file"


def _open(path: str | os.PathLike[str], flags: int, name: str, mode: int = 0o666) -> int:
    """A descriptor on ``path`` if it is a regular file; UserFileError otherwise."""
    try:
        fd = os.open(path, flags, mode)
    except ValueError:  # an embedded NUL
        raise UserFileError(name, "not a valid file name") from None
    except OSError as err:
        raise UserFileError(name, _os_problem(err), err.errno) from None
    try:
        problem = _kind_problem(os.fstat(fd).st_mode)
    except OSError as err:
        os.close(fd)
        raise UserFileError(name, _os_problem(err)) from None
    if problem is not None:
        os.close(fd)
        raise UserFileError(name, problem)
    return fd


def read_user_file(
    path: str | os.PathLike[str],
    *,
    limit: int = MAX_FILE,
    tail: bool = False,
    name: str | None = None,
) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    A larger file is an error, or with ``tail`` its last ``limit`` bytes are read, from the
    first line that starts in them. ``name`` is how messages name the file (the path as
    given by default).
    """
    shown = str(path) if name is None else name
    fd = _open(path, _READ_FLAGS, shown)
    try:
        if tail:
            size = os.fstat(fd).st_size
            if size > limit:
                os.lseek(fd, size - limit - 1, os.SEEK_SET)
                data = _read_up_to(fd, limit + 1, shown)
                return data[data.find(b"\n") + 1 :] if b"\n" in data else b""
        data = _read_up_to(fd, limit + 1, shown)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise UserFileError(shown, f"larger than {size_text(limit)}")
    return data


def _read_up_to(fd: int, count: int, name: str) -> bytes:
    chunks: list[bytes] = []
    left = count
    while left > 0:
        try:
            chunk = os.read(fd, min(left, 1 << 16))
        except OSError as err:
            raise UserFileError(name, _os_problem(err)) from None
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_user_text(
    path: str | os.PathLike[str],
    *,
    limit: int = MAX_FILE,
    tail: bool = False,
    name: str | None = None,
) -> str:
    """:func:`read_user_file` decoded as UTF-8 (strictly: other bytes are an error)."""
    shown = str(path) if name is None else name
    data = read_user_file(path, limit=limit, tail=tail, name=shown)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UserFileError(shown, f"not UTF-8 text ({err.reason} at byte {err.start})") from None


STDIN = "-"
"""The file name that means standard input on the command line."""
STDIN_NAME = "<stdin>"
"""How messages name standard input."""


def read_stream(
    stream: IO[bytes] | None, *, limit: int = MAX_FILE, name: str = STDIN_NAME
) -> bytes:
    """At most ``limit`` bytes from ``stream`` (to its end), as :func:`read_user_file`
    reads a file: more is an error. ``None`` (no standard input at all) is one too."""
    if stream is None:
        raise UserFileError(name, "no standard input")
    try:
        data = stream.read(limit + 1)
    except (OSError, ValueError) as err:  # a closed descriptor, a directory given as stdin
        problem = _os_problem(err) if isinstance(err, OSError) else "closed"
        raise UserFileError(name, problem) from None
    if len(data) > limit:
        raise UserFileError(name, f"larger than {size_text(limit)}")
    return data


def read_stdin(*, limit: int = MAX_FILE) -> bytes:
    """Standard input, to its end, at most ``limit`` bytes (:func:`read_stream`)."""
    return read_stream(getattr(sys.stdin, "buffer", None), limit=limit)


def read_stdin_text(*, limit: int = MAX_FILE) -> str:
    """:func:`read_stdin` decoded as UTF-8, strictly, as :func:`read_user_text` decodes."""
    data = read_stdin(limit=limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UserFileError(
            STDIN_NAME, f"not UTF-8 text ({err.reason} at byte {err.start})"
        ) from None


def append_user_text(path: str | os.PathLike[str], text: str, *, name: str | None = None) -> None:
    """Append ``text`` to the regular file at ``path`` (created if missing), flushed.

    The open does not block and a FIFO or a device is refused, as for reading.
    """
    shown = str(path) if name is None else name
    fd = _open(path, _APPEND_FLAGS, shown)
    try:
        data = text.encode("utf-8")
        while data:
            written = os.write(fd, data)
            data = data[written:]
    except OSError as err:
        raise UserFileError(shown, _os_problem(err)) from None
    finally:
        os.close(fd)


def _write_new(tmp: Path, text: str, mode: int) -> None:
    """Write ``text`` to the new file ``tmp`` (which must not exist) and flush it to disk."""
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), mode)
    try:
        data = text.encode("utf-8")
        while data:
            data = data[os.write(fd, data) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_user_text(path: str | os.PathLike[str], text: str, *, name: str | None = None) -> None:
    """Replace the regular file at ``path`` with ``text``, atomically.

    A temporary file beside the real file (the one a symbolic link points to) is written,
    given the file's permissions and renamed over it, so a crash leaves the old file or the
    new one, never half of either, and a symbolic link stays a link.
    """
    shown = str(path) if name is None else name
    real = Path(os.path.realpath(path))
    fd = _open(real, _READ_FLAGS, shown)
    try:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
    finally:
        os.close(fd)
    tmp = real.with_name(f".{real.name}.{os.getpid()}.tmp")
    try:
        _write_new(tmp, text, mode)
        os.replace(tmp, real)
    except OSError as err:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise UserFileError(shown, _os_problem(err)) from None


def create_user_text(path: str | os.PathLike[str], text: str, *, name: str | None = None) -> None:
    """Write a new file at ``path`` holding ``text``, never replacing one that is there.

    A complete temporary file is hard-linked to the name, which fails if the name is taken
    (by a file, a link or anything else that appeared meanwhile): UserFileError then, and
    nothing at ``path`` is touched.
    """
    shown = str(path) if name is None else name
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        _write_new(tmp, text, 0o644)
        os.link(tmp, target)
    except FileExistsError:
        raise UserFileError(shown, "appeared meanwhile: not replaced") from None
    except OSError as err:
        raise UserFileError(shown, _os_problem(err), err.errno) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def loads_toml(text: str) -> dict[str, Any]:
    """``tomllib.loads(text)``, bounded: TomlError for bad TOML and for absurd documents.

    Absurd: nested deeper than :data:`MAX_TOML_DEPTH` (the parser itself recurses, so a
    thousand ``[`` would exhaust the stack), or an integer too long to convert.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise TomlError(str(err)) from None
    except RecursionError:
        raise TomlError(f"nested more than {MAX_TOML_DEPTH} levels deep") from None
    except ValueError:  # int("9" * 5000): Python's limit on the digits of an integer
        raise TomlError("an integer with too many digits") from None
    if toml_depth(data) > MAX_TOML_DEPTH:
        raise TomlError(f"nested more than {MAX_TOML_DEPTH} levels deep")
    return data


def toml_depth(value: object) -> int:
    """How deeply tables and arrays nest in ``value`` (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if depth > MAX_TOML_DEPTH:
            return depth
        stack.extend((child, depth) for child in children)
    return deepest
