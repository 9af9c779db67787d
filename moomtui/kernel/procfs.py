"""``/proc``: the files of 2.4's ``fs/proc`` that the console can ``cat``, ``ls`` and write.

Paths are looked up as 2.4's ``proc_lookup`` does (``/proc/PID`` by a run of decimal
digits, zombies included); each file is rendered from the live machine when it is read —
the top-level files by :mod:`.proc_misc`, those of ``/proc/PID`` by :mod:`.proc_pid` —
and ``/proc/sys/…`` is read and written through the kernel's
:class:`~.sysctl.SysctlTree`. Errors are :class:`ProcError` with the kernel's errno.

Writes: ``/proc/sys`` files (``proc_dointvec``) and ``/proc/PID/oom_score_adj`` (2.6.36),
read and written as ``oom_score_adj_write`` does: the text (at most 12 characters) is
stripped and read by ``strict_strtol(…, 0)``; a value outside -1000..1000 or anything else
is EINVAL; a zombie is ESRCH. Any user may read it; the task's owner (its euid) may raise it
and root may set any value (lowering it needs ``CAP_SYS_RESOURCE``); anyone else gets EACCES
when opening it. The value is the thread group's, so a write sets it for every task that
shares the mm. Every other write is refused (EIO for a ``/proc`` file, EROFS elsewhere).
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from ..patterns import anchored
from . import events as ev
from .errno import EACCES, EINVAL, EIO, EISDIR, ENOENT, ENOTDIR, EROFS, ESRCH, strerror
from .proc_misc import ROOT_FILES, ROOT_READERS
from .proc_pid import OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN, PID_FILES, PID_READERS
from .sysctl import SysctlError, simple_strtoul

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Task

PROC_NUMBUF = 13

_DIGITS = anchored(r"[0-9]+")


class ProcError(Exception):
    """A failed ``/proc`` operation: ``errno``, its ``strerror`` and the ``path``.

    ``str(err)`` is ``"/proc/999/status: No such file or directory"``; the tool in front
    (``cat:``, ``ls:``) is the shell's to add.
    """

    def __init__(self, errno: int, path: str) -> None:
        self.errno = errno
        self.strerror = strerror(errno)
        self.path = path
        super().__init__(f"{path}: {self.strerror}")


# ====================================================================== paths
def _normalize(path: str) -> str:
    if not path.startswith("/"):
        raise ProcError(ENOENT, path)
    return "/" + posixpath.normpath(path).lstrip("/")


def _parts(path: str) -> list[str]:
    """The components of ``path`` after ``/proc``; ENOENT outside ``/proc``."""
    norm = _normalize(path)
    parts = [p for p in norm.split("/") if p]
    if not parts or parts[0] != "proc":
        raise ProcError(ENOENT, path)
    return parts[1:]


def _task(k: Kernel, name: str, path: str) -> Task:
    """2.4 ``proc_pid_lookup``: a run of decimal digits naming a task (zombies included)."""
    if _DIGITS.fullmatch(name) is None:
        raise ProcError(ENOENT, path)
    task = k.tasks.get(int(name))
    if task is None:
        raise ProcError(ENOENT, path)
    return task


def _sysctl_key(parts: list[str]) -> str:
    return ".".join(parts[1:])


# ====================================================================== public API
def read_proc(k: Kernel, path: str) -> str:
    """The contents of the ``/proc`` file at ``path`` (absolute); ProcError otherwise."""
    parts = _parts(path)
    if not parts:
        raise ProcError(EISDIR, path)
    head = parts[0]
    if head == "sys":
        key = _sysctl_key(parts)
        try:
            if key and not k.sysctl.is_dir(key):
                k.sysctl.permission(key, 0o4, k.current_uid)  # the open
            return k.sysctl.read(key)
        except SysctlError as err:
            raise ProcError(err.errno, path) from None
    if len(parts) == 1 and head in ROOT_FILES:
        return ROOT_READERS[head](k)
    if len(parts) > 2:
        raise ProcError(ENOENT, path)
    task = _task(k, head, path)
    if len(parts) == 1:
        raise ProcError(EISDIR, path)
    reader = PID_READERS.get(parts[1])
    if reader is None:
        raise ProcError(ENOENT, path)
    return reader(k, task)


def list_proc(k: Kernel, path: str) -> list[str]:
    """The names in the ``/proc`` directory at ``path``: pids (oldest first) then names."""
    parts = _parts(path)
    if not parts:
        return [str(pid) for pid in k.tasks] + sorted((*ROOT_FILES, "sys"))
    head = parts[0]
    if head == "sys":
        try:
            return k.sysctl.listdir(_sysctl_key(parts))
        except SysctlError as err:
            raise ProcError(err.errno, path) from None
    if len(parts) == 1 and head in ROOT_FILES:
        raise ProcError(ENOTDIR, path)
    _task(k, head, path)
    if len(parts) == 1:
        return list(PID_FILES)
    if len(parts) == 2 and parts[1] in PID_FILES:
        raise ProcError(ENOTDIR, path)
    raise ProcError(ENOENT, path)


def is_dir(k: Kernel, path: str) -> bool:
    """Whether ``path`` names a ``/proc`` directory."""
    try:
        list_proc(k, path)
    except ProcError:
        return False
    return True


def open_for_write(k: Kernel, path: str) -> str | None:
    """What ``open(path, O_WRONLY)`` checks; returns the sysctl key behind ``path``.

    ENOENT for a missing file, EISDIR for a directory, EROFS outside ``/proc`` (the
    simulated machine has no other file system), EACCES for a read-only ``/proc`` file as
    non-root and for a ``/proc/sys`` file whose mode does not let this user write
    (``proc_sys_permission``). Root may open a read-only file outside ``/proc/sys`` (None is
    returned): 2.4 fails the write itself, with EIO.
    """
    norm = _normalize(path)
    if norm != "/proc" and not norm.startswith("/proc/"):
        raise ProcError(EROFS, path)
    parts = _parts(path)
    if parts and parts[0] == "sys":
        key = _sysctl_key(parts)
        if not key or k.sysctl.is_dir(key):
            raise ProcError(EISDIR, path)
        if not k.sysctl.exists(key):
            raise ProcError(ENOENT, path)
        try:
            k.sysctl.permission(key, 0o2, k.current_uid)
        except SysctlError as err:
            raise ProcError(err.errno, path) from None
        return key
    if is_dir(k, path):
        raise ProcError(EISDIR, path)
    read_proc(k, path)  # ENOENT if it does not exist
    task = _oom_score_adj_task(k, parts, path)
    if task is not None and k.current_uid in (0, task.euid):
        return None  # mode 0644, owned by the task's euid
    if k.current_uid != 0:
        raise ProcError(EACCES, path)
    return None


def write_proc(k: Kernel, path: str, text: str) -> None:
    """Write ``text`` to ``path`` as user ``k.current_uid``, as a writer's stdio does.

    Only ``/proc/sys`` files accept writes (``proc_dointvec``), and ``oom_score_adj``;
    errors are ProcError with the errno the kernel gives (EACCES from the open without the
    write bit, EINVAL for a bad number, EIO for a file that has no write method).

    The shell's ``echo`` and procps' ``sysctl`` write through stdio, whose flush loops
    until everything is written (glibc's ``_IO_new_file_write``: ``while (to_do > 0) {
    count = write (f->_fileno, data, to_do); if (count < 0) { ...; break; } to_do -= count;
    data += count; }``). A ``/proc/sys`` write can return a short count (see
    :meth:`~moomtui.kernel.sysctl.SysctlTree.write`), so ``echo "5 6" >`` stores 5 and then
    6. Each ``write(2)`` that stores something emits a ``SysctlWrite`` event; one that fails
    raises, with what the earlier ones stored kept.
    """
    key = open_for_write(k, path)
    task = None
    if key is None:
        task = _oom_score_adj_task(k, _parts(path), path)
        if task is None:
            raise ProcError(EIO, path)
    while text:
        if task is not None:
            count = write_oom_score_adj(k, task, text, path)
        else:
            assert key is not None
            try:
                count = k.sysctl.write(key, text, uid=k.current_uid)
            except SysctlError as err:
                raise ProcError(err.errno, path) from None
            k.emit(ev.SysctlWrite(key=key, value=k.sysctl.read(key).strip()))
        text = text[count:]


def sysctl_path(key: str) -> str:
    """``/proc/sys/vm/oom/oom_parent_max`` for ``vm.oom.oom_parent_max``."""
    return "/proc/sys/" + key.strip(".").replace(".", "/")


def _oom_score_adj_task(k: Kernel, parts: list[str], path: str) -> Task | None:
    """The task of a ``/proc/PID/oom_score_adj`` path; None for any other path."""
    if len(parts) != 2 or parts[1] != "oom_score_adj":
        return None
    return _task(k, parts[0], path)


def _strict_strtol(text: str) -> int | None:
    """``strict_strtol(text, 0, &val)`` on i386: None where it returns -EINVAL."""
    neg = text.startswith("-")
    digits = text[1:] if neg else text
    value, end = simple_strtoul(digits)
    if end == 0 or end != len(digits):
        return None
    value = -value if neg else value
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def write_oom_score_adj(k: Kernel, task: Task, text: str, path: str) -> int:
    """One ``write(2)`` to ``oom_score_adj`` (2.6.36's ``oom_score_adj_write``) as user
    ``k.current_uid``, past the open; returns the count written.

    ``if (count > sizeof(buffer) - 1) count = sizeof(buffer) - 1;`` — at most 12
    characters are read, and that is the count returned. Only root holds
    ``CAP_SYS_RESOURCE``, which lowering the value needs.
    """
    count = min(len(text), PROC_NUMBUF - 1)
    value = _strict_strtol(text[:count].strip())
    if value is None or not OOM_SCORE_ADJ_MIN <= value <= OOM_SCORE_ADJ_MAX:
        raise ProcError(EINVAL, path)
    if task.dead:
        raise ProcError(ESRCH, path)
    if value < task.oom_score_adj and k.current_uid != 0:
        raise ProcError(EACCES, path)
    task.oom_score_adj = value
    k.task_changed(task)
    for thread in k.threads_of(task):
        thread.oom_score_adj = value
        k.task_changed(thread)
    return count
