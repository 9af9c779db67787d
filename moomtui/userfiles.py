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
a new file is made whole before it takes its name, and never replaces one that appeared;
``script save`` goes the same way (:func:`write_user_text`). Temporaries are created with
``O_EXCL`` under fresh names (:data:`TEMPORARY_SUFFIX`) and removed if the write fails.
Two processes writing one file (two screens) take its lock (:func:`locked`) and merge.

TOML documents read from these files are bounded before anything is built from them
(:mod:`moomtui.toml_scan`).

A leaf module: it imports nothing of moomtui, so every layer above the kernel uses it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # no flock: host files are written unlocked
    fcntl = None  # type: ignore[assignment]


MAX_FILE = 1 << 20
"""The largest file moomtui reads: 1 MiB (a preset of thousands of tasks is 100 KiB)."""

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


def _check_name(path: str | os.PathLike[str], name: str) -> None:
    if "\0" in os.fspath(path):
        raise UserFileError(name, "not a valid file name")


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


def read_user_blocks(
    path: str | os.PathLike[str], *, block: int, limit: int, name: str | None = None
) -> Iterator[bytes]:
    """The regular file at ``path``, opened now as :func:`read_user_file` opens it, then
    read ``block`` bytes at a time as the iterator is walked (closed at its end): a file of
    gigabytes in the memory of a block. Past ``limit`` bytes, or a failed read, is a
    :class:`UserFileError` raised during the walk."""
    shown = str(path) if name is None else name
    fd = _open(path, _READ_FLAGS, shown)
    return _blocks(lambda: os.read(fd, block), limit, shown, lambda: os.close(fd))


def read_stdin_blocks(*, block: int, limit: int) -> Iterator[bytes]:
    """Standard input a block at a time, as :func:`read_user_blocks` reads a file."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise UserFileError(STDIN_NAME, "no standard input")
    return _blocks(lambda: stream.read(block), limit, STDIN_NAME, lambda: None)


def _blocks(
    read: Callable[[], bytes | None], limit: int, name: str, close: Callable[[], None]
) -> Iterator[bytes]:
    left = limit
    try:
        while True:
            try:
                chunk = read()
            except (OSError, ValueError) as err:  # a closed descriptor, a directory as stdin
                problem = _os_problem(err) if isinstance(err, OSError) else "closed"
                raise UserFileError(name, problem) from None
            if not chunk:
                return
            left -= len(chunk)
            if left < 0:
                raise UserFileError(name, f"larger than {size_text(limit)}")
            yield chunk
    finally:
        close()


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


TEMPORARY_SUFFIX = ".moomtui-tmp"
"""How the temporary files moomtui writes end: ``.NAME.PID.RANDOM.moomtui-tmp`` beside
``NAME``. Created with ``O_EXCL`` under a name no one else holds, so a file already there is
never opened or removed; one left by a process that was killed is removed by the next
writer of ``NAME`` that holds its lock (:func:`locked`), if its process is gone."""

LOCK_WAIT = 10.0
"""How long (seconds) a writer waits for another process to release a file's lock before it
gives up with a one-line error. moomtui holds one for a few milliseconds at a time; the
margin is for a loaded machine's slow disk, and the bound for a process stopped holding it."""


def _new_temporary(real: Path, text: str, mode: int) -> Path:
    """A complete new file beside ``real`` holding ``text``, flushed to disk, under a name
    made for it (``O_EXCL``); removed again if anything fails on the way."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_CLOEXEC", 0)
    import secrets  # here, not at the top: most commands write no file

    for _ in range(100):
        tmp = real.with_name(f".{real.name}.{os.getpid()}.{secrets.token_hex(8)}{TEMPORARY_SUFFIX}")
        try:
            fd = os.open(tmp, flags, mode)
        except FileExistsError:  # someone else's name: never touched, try another
            continue
        break
    else:
        raise FileExistsError(errno.EEXIST, "no free temporary name", str(real.parent))
    try:
        try:
            data = text.encode("utf-8")
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return tmp


def replace_user_text(path: str | os.PathLike[str], text: str, *, name: str | None = None) -> None:
    """Replace the regular file at ``path`` with ``text``, atomically.

    A temporary file beside the real file (the one a symbolic link points to) is written,
    given the file's permissions and renamed over it, so a crash leaves the old file or the
    new one, never half of either, and a symbolic link stays a link.
    """
    shown = str(path) if name is None else name
    _check_name(path, shown)
    real = Path(os.path.realpath(path))
    fd = _open(real, _READ_FLAGS, shown)
    try:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
    finally:
        os.close(fd)
    try:
        tmp = _new_temporary(real, text, mode)
    except OSError as err:
        raise UserFileError(shown, _os_problem(err), err.errno) from None
    try:
        os.chmod(tmp, mode)  # as the file was, whatever the umask
        os.replace(tmp, real)
    except OSError as err:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise UserFileError(shown, _os_problem(err), err.errno) from None


def create_user_text(path: str | os.PathLike[str], text: str, *, name: str | None = None) -> None:
    """Write a new file at ``path`` holding ``text``, never replacing one that is there.

    A complete temporary file is hard-linked to the name, which fails if the name is taken
    (by a file, a link or anything else that appeared meanwhile): UserFileError then, with
    ``errno.EEXIST``, and nothing at ``path`` is touched. Where the file system has no hard
    links the file is created with ``O_EXCL`` and written in place.
    """
    shown = str(path) if name is None else name
    _check_name(path, shown)
    target = Path(path)
    try:
        tmp = _new_temporary(target, text, 0o666)
    except OSError as err:
        raise UserFileError(shown, _os_problem(err), err.errno) from None
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise UserFileError(shown, "appeared meanwhile: not replaced", errno.EEXIST) from None
    except OSError as err:
        if err.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK):
            raise UserFileError(shown, _os_problem(err), err.errno) from None
        _create_in_place(target, text, shown)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _create_in_place(target: Path, text: str, shown: str) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags, 0o666)
    except FileExistsError:
        raise UserFileError(shown, "appeared meanwhile: not replaced", errno.EEXIST) from None
    except OSError as err:
        raise UserFileError(shown, _os_problem(err), err.errno) from None
    try:
        data = text.encode("utf-8")
        while data:
            data = data[os.write(fd, data) :]
    except OSError as err:
        raise UserFileError(shown, _os_problem(err), err.errno) from None
    finally:
        os.close(fd)


def write_user_text(
    path: str | os.PathLike[str], text: str, *, overwrite: bool, name: str | None = None
) -> None:
    """Write ``text`` to ``path`` as the person at the console asked (``script save``).

    A new file is created whole (:func:`create_user_text`); with ``overwrite`` a regular
    file already there is replaced atomically (:func:`replace_user_text`) — a FIFO, a
    device or a directory is refused without being opened for writing, so nothing blocks.
    Without ``overwrite`` an existing name is UserFileError with ``errno.EEXIST``.
    """
    shown = str(path) if name is None else name
    if not overwrite:
        create_user_text(path, text, name=shown)
        return
    try:
        replace_user_text(path, text, name=shown)
    except UserFileError as err:
        if err.errno != errno.ENOENT:
            raise
        # Nothing there yet (or a link to nothing): made where a link points, as open would.
        create_user_text(os.path.realpath(path), text, name=shown)


@contextlib.contextmanager
def locked(
    path: str | os.PathLike[str], *, shared: bool = False, name: str | None = None
) -> Iterator[None]:
    """Hold the lock of the host file at ``path`` while the body reads and rewrites it.

    Two moomtui processes (two screens) share the history and the scores file: each takes
    this lock — ``shared`` for an append, exclusive to read, merge and replace — so neither
    loses what the other wrote. The lock is ``flock`` on a sidecar file, ``.NAME.lock``
    beside the real file (the file itself is replaced by a rename, so it cannot carry the
    lock); it is never removed. Holding it exclusively, the writer also removes the
    temporaries of ``NAME`` that killed processes left (:data:`TEMPORARY_SUFFIX`).

    Waiting for another process is bounded (:data:`LOCK_WAIT`): UserFileError then. Where
    the lock file cannot be made (a read-only folder) or the system has no ``flock``, the
    body runs unlocked, as the write itself may still succeed.
    """
    shown = str(path) if name is None else name
    real = Path(os.path.realpath(path))
    fd = _open_lock(real)
    if fd is None:
        yield
        return
    try:
        _take_lock(fd, shared, shown)
        if not shared:
            _remove_leftovers(real)
        yield
    finally:
        os.close(fd)  # releases the lock


def _open_lock(real: Path) -> int | None:
    if fcntl is None:
        return None
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        return _open(real.with_name(f".{real.name}.lock"), flags, "lock", 0o600)
    except UserFileError:
        return None


def _take_lock(fd: int, shared: bool, shown: str) -> None:
    assert fcntl is not None
    how = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
    deadline = time.monotonic() + LOCK_WAIT
    pause = 0.001
    while True:
        try:
            fcntl.flock(fd, how)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise UserFileError(shown, "locked by another process") from None
        except OSError:  # a file system without flock: go on unlocked
            return
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def _remove_leftovers(real: Path) -> None:
    """Remove the temporaries of ``real`` that a killed moomtui left: our pattern, a regular
    file of ours, its process gone. Anything else by that name is left alone."""
    prefix = f".{real.name}."
    try:
        entries = list(os.scandir(real.parent))
    except OSError:
        return
    for entry in entries:
        pid = _leftover_pid(entry.name, prefix)
        if pid is None or _process_alive(pid):
            continue
        with contextlib.suppress(OSError):
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid():
                os.unlink(entry.path)


def _leftover_pid(name: str, prefix: str) -> int | None:
    """The pid in ``.NAME.PID.RANDOM`` + :data:`TEMPORARY_SUFFIX` (``RANDOM`` 16 hex digits),
    if ``name`` is one of ours."""
    if not (name.startswith(prefix) and name.endswith(TEMPORARY_SUFFIX)):
        return None
    pid, dot, token = name[len(prefix) : len(name) - len(TEMPORARY_SUFFIX)].partition(".")
    hexdigits = "0123456789abcdef"
    if not (dot and pid.isascii() and pid.isdigit() and len(token) == 16):
        return None
    return int(pid) if all(c in hexdigits for c in token) else None


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # another user's (EPERM): alive; anything odd: left alone
        return True
    return True
