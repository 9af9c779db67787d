"""``/proc``: the files of 2.4's ``fs/proc`` that the console can ``cat`` and ``ls``.

Each file is rendered from the live machine when it is read, in the layout of 2.4.22's
``fs/proc/proc_misc.c`` and ``fs/proc/array.c``:

* ``/proc/meminfo`` — the two-part 2.4 format: the ``total: used: free: …`` table in bytes,
  then the tagged ``MemTotal:`` … ``SwapFree:`` lines in kB. ``MemTotal`` is RAM less what
  the kernel reserved at boot (its image and ``mem_map``), as ``totalram_pages`` is; so
  ``MemTotal - MemFree`` is anonymous memory + page cache + task structs.
* ``/proc/loadavg``, ``/proc/uptime`` (from ``jiffies``, so it wraps with them, as in 2.4),
  ``/proc/version``, ``/proc/modules`` (loaded modules, newest first; built-ins are not
  modules and are not listed), ``/proc/swaps``.
* ``/proc/PID/status``, ``/proc/PID/stat``, ``/proc/PID/cmdline`` and
  ``/proc/PID/oom_score``. A zombie keeps its directory until it is reaped.
* ``/proc/PID/oom_score_adj`` (2.6.36), read and written as ``oom_score_adj_write`` does:
  the text (at most 12 characters) is stripped and read by ``strict_strtol(…, 0)``; a value
  outside -1000..1000 or anything else is EINVAL; a zombie is ESRCH. Any user may read it;
  the task's owner (its euid) may raise it and root may set any value (lowering it needs
  ``CAP_SYS_RESOURCE``); anyone else gets EACCES when opening it. The value is the thread
  group's, so a write sets it for every task that shares the mm.
* ``/proc/sys/…``: read and written through the kernel's :class:`~.sysctl.SysctlTree`.

Anachronisms, each marked where it is printed: ``oom_score`` (2.6.11), ``oom_score_adj``
(2.6.36: it can be read and written but is not in the directory listing), the ``VmSwap:`` line
(2.6.34) and ``Threads:`` line (2.6) of ``status``, and ``OomFlags:``, which no kernel has: it
names the task's ``PF_*`` flags so a reader sees ``PF_MEMDIE`` being set.

Simplified: no page ageing lists, so ``Active:`` is the resident hot working sets and
``Inactive:`` the cold anonymous pages plus the page cache; no buffer cache, shared memory
or swap cache (those read 0); ``Gid`` equals ``Uid`` (no groups are modelled); a task's
command line is what started it (``spawn`` records it) or else its ``comm``; ``idle`` in
``/proc/uptime`` forgets the CPU time of reaped tasks. Writes are accepted only under
``/proc/sys``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import events as ev
from .boot import BANNER
from .bootspec import boot_kernel_pages
from .constants import (
    HZ,
    JIFFIES_MASK,
    PAGE_SIZE,
    SIGCHLD,
    SIGTERM,
    flag_names,
)
from .errno import EACCES, EINVAL, EIO, EISDIR, ENOENT, ENOTDIR, EROFS, ESRCH, strerror
from .loadavg import load_text
from .sysctl import SysctlError, simple_strtoul

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Task

DEF_COUNTER = 10 * HZ // 100
RLIM_INFINITY = 0xFFFFFFFF
SIGSET_ALL = (1 << 64) - 1
ROOT_FILES = ("loadavg", "meminfo", "modules", "swaps", "uptime", "version")
PID_FILES = ("cmdline", "oom_score", "oom_score_adj", "stat", "status")
SWAP_DEVICE = "/dev/hda2"
OOM_SCORE_ADJ_MIN = -1000
OOM_SCORE_ADJ_MAX = 1000
PROC_NUMBUF = 13

_DIGITS = re.compile(r"[0-9]+")

# fs/proc/array.c: task_state_array
TASK_STATES = {
    "R": "R (running)",
    "S": "S (sleeping)",
    "D": "D (disk sleep)",
    "Z": "Z (zombie)",
    "T": "T (stopped)",
}


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
        try:
            return k.sysctl.read(_sysctl_key(parts))
        except SysctlError as err:
            raise ProcError(err.errno, path) from None
    if len(parts) == 1 and head in ROOT_FILES:
        return _ROOT_READERS[head](k)
    if len(parts) > 2:
        raise ProcError(ENOENT, path)
    task = _task(k, head, path)
    if len(parts) == 1:
        raise ProcError(EISDIR, path)
    reader = _PID_READERS.get(parts[1])
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
    non-root. Root may open one (None is returned): 2.4 fails the write itself, with EIO.
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
    errors are ProcError with the errno the kernel gives (EPERM without the write bit,
    EINVAL for a bad number, EIO for a file that has no write method).

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


# ====================================================================== /proc files
def meminfo(k: Kernel) -> dict[str, int]:
    """The tagged fields of ``/proc/meminfo``, in kB, in the file's order."""
    vm = k.vm
    kb = PAGE_SIZE // 1024
    total = vm.totalram - boot_kernel_pages(vm.totalram)
    hot = sum(min(mm.rss, mm.ws) for mm in k.iter_mms())
    return {
        "MemTotal": total * kb,
        "MemFree": vm.free * kb,
        "MemShared": 0,
        "Buffers": 0,
        "Cached": vm.cache * kb,
        "SwapCached": 0,
        "Active": hot * kb,
        "Inactive": (vm.anon - hot + vm.cache) * kb,
        "HighTotal": 0,
        "HighFree": 0,
        "LowTotal": total * kb,
        "LowFree": vm.free * kb,
        "SwapTotal": vm.swap_total * kb,
        "SwapFree": vm.nr_swap_pages * kb,
    }


def _meminfo(k: Kernel) -> str:
    """``meminfo_read_proc``."""
    m = meminfo(k)
    b = 1024
    total, free = m["MemTotal"] * b, m["MemFree"] * b
    stotal, sfree = m["SwapTotal"] * b, m["SwapFree"] * b
    lines = [
        "        total:    used:    free:  shared: buffers:  cached:",
        f"Mem:  {total:8d} {total - free:8d} {free:8d} {0:8d} {0:8d} {m['Cached'] * b:8d}",
        f"Swap: {stotal:8d} {stotal - sfree:8d} {sfree:8d}",
    ]
    lines += [f"{name + ':':<13} {value:8d} kB" for name, value in m.items()]
    return "\n".join(lines) + "\n"


def loadavg(k: Kernel) -> tuple[str, str, str]:
    """The three load averages as ``/proc/loadavg`` prints them (``"0.42"``)."""
    one, five, fifteen = k.avenrun
    return load_text(one), load_text(five), load_text(fifteen)


def nr_running(k: Kernel) -> int:
    """Runnable tasks: those on the run queue plus those looping in the allocator."""
    return k.sched.nr_running + len(k.blocked_tasks())


def _loadavg(k: Kernel) -> str:
    one, five, fifteen = loadavg(k)
    return f"{one} {five} {fifteen} {nr_running(k)}/{len(k.tasks)} {k.last_pid}\n"


def cpu_split(k: Kernel) -> tuple[int, int]:
    """CPU jiffies used in this boot by the live tasks: ``(user, system)``."""
    user = system = 0
    for task in k.tasks.values():
        cpu = task.cpu_jiffies()
        sys_part = cpu * task.sys_pct // 100
        user += cpu - sys_part
        system += sys_part
    return user, system


def _uptime(k: Kernel) -> str:
    """``uptime_read_proc``: ``jiffies`` and the idle task's time, in seconds."""
    up = k.jiffies
    user, system = cpu_split(k)
    ncpus = k.sched.ncpus
    idle = max(0, k.ticks * ncpus - user - system) // ncpus
    return f"{up // HZ}.{up % HZ:02d} {idle // HZ}.{idle % HZ:02d}\n"


def _version(k: Kernel) -> str:
    return BANNER + "\n"


def _modules(k: Kernel) -> str:
    """``get_module_list``: ``name size usecount`` and the flags, newest first."""
    lines = []
    for module in reversed(k.modules.loaded()):
        if module.builtin:
            continue
        line = f"{module.name:<20}{module.size:>8}{module.use_count:>4}"
        lines.append(line + ("  (unused)" if module.use_count == 0 else ""))
    return "".join(line + "\n" for line in lines)


def _swaps(k: Kernel) -> str:
    """``swap_list_read``: one partition, priority -1 like the first ``swapon``."""
    out = "Filename\t\t\tType\t\tSize\tUsed\tPriority\n"
    vm = k.vm
    if vm.swap_total:
        kb = PAGE_SIZE // 1024
        out += f"{SWAP_DEVICE:<39} partition\t{vm.swap_total * kb}\t{vm.swap_used * kb}\t-1\n"
    return out


_ROOT_READERS: dict[str, Callable[[Kernel], str]] = {
    "loadavg": _loadavg,
    "meminfo": _meminfo,
    "modules": _modules,
    "swaps": _swaps,
    "uptime": _uptime,
    "version": _version,
}


# ====================================================================== /proc/PID
def cmdline_args(task: Task) -> list[str]:
    """The task's argv: what ``spawn`` recorded, else ``[comm]``; empty for kernel threads
    and zombies (they have no mm to read it from)."""
    if task.mm is None:
        return []
    return list(task.argv) if task.argv else [task.comm]


def _sigmask(signals: set[int] | frozenset[int]) -> int:
    mask = 0
    for sig in signals:
        if 1 <= sig <= 64:
            mask |= 1 << (sig - 1)
    return mask


def _signal_masks(task: Task) -> tuple[int, int, int, int]:
    """``SigPnd``, ``SigBlk``, ``SigIgn``, ``SigCgt`` as bit masks."""
    pending = _sigmask(task.sigpending)
    if task.mm is None and not task.dead:
        return pending, SIGSET_ALL, 0, 0  # daemonize(): kernel threads block everything
    ign = _sigmask({SIGTERM}) if task.sigterm == "ignore" else 0
    cgt = _sigmask({SIGTERM}) if task.sigterm == "linger" else 0
    return pending, 0, ign, cgt


def _status(k: Kernel, task: Task) -> str:
    """``proc_pid_status``: ``task_name``, ``task_state``, ``task_mem``, ``task_sig``,
    ``task_cap``, plus the anachronistic lines named in the module docstring."""
    kb = PAGE_SIZE // 1024
    ppid = task.p_opptr.pid if task.p_opptr is not None else 0
    lines = [
        f"Name:\t{task.comm}",
        f"State:\t{TASK_STATES.get(task.state, task.state)}",
        f"Tgid:\t{task.pid}",
        f"Pid:\t{task.pid}",
        f"PPid:\t{ppid}",
        "TracerPid:\t0",
        f"Uid:\t{task.uid}\t{task.euid}\t{task.euid}\t{task.euid}",
        f"Gid:\t{task.uid}\t{task.euid}\t{task.euid}\t{task.euid}",
    ]
    mm = task.mm
    if mm is not None:
        threads = 1 + len(k.threads_of(task))
        lines += [
            f"Threads:\t{threads}",  # anachronism: 2.6
            f"VmSize:\t{mm.total_vm * kb:8d} kB",
            f"VmLck:\t{0:8d} kB",
            f"VmRSS:\t{mm.rss * kb:8d} kB",
            f"VmData:\t{mm.total_vm * kb:8d} kB",
            f"VmSwap:\t{mm.swap * kb:8d} kB",  # anachronism: 2.6.34
        ]
    pnd, blk, ign, cgt = _signal_masks(task)
    lines += [
        f"SigPnd:\t{pnd:016x}",
        f"SigBlk:\t{blk:016x}",
        f"SigIgn:\t{ign:016x}",
        f"SigCgt:\t{cgt:016x}",
        "CapInh:\t0000000000000000",
        f"CapPrm:\t{task.cap_effective:016x}",
        f"CapEff:\t{task.cap_effective:016x}",
        f"OomFlags:\t{' '.join(flag_names(task.flags)) or '-'}",  # the simulator's own
    ]
    return "\n".join(lines) + "\n"


def _stat(k: Kernel, task: Task) -> str:
    """``proc_pid_stat``: the 39 fields of 2.4, zeros for what is not modelled."""
    ppid = task.p_opptr.pid if task.pid and task.p_opptr is not None else 0
    priority = 20 - (task.counter * 10 + DEF_COUNTER // 2) // DEF_COUNTER
    mm = task.mm
    vsize = mm.total_vm * PAGE_SIZE if mm is not None else 0
    rss = mm.rss if mm is not None else 0
    pnd, blk, ign, cgt = _signal_masks(task)
    low = 0x7FFFFFFF
    no_tty = (0, 0, 0, -1)  # pgrp session tty_nr tty_pgrp
    no_faults = (0, 0, 0, 0)  # min_flt cmin_flt maj_flt cmaj_flt
    no_layout = (0, 0, 0, 0, 0)  # start_code end_code start_stack esp eip
    fields = (
        *(task.pid, f"({task.comm})", task.state, ppid, *no_tty, task.flags, *no_faults),
        *(task.utime, task.stime, 0, 0, priority, task.nice, 0, 0),  # 0 0: cutime cstime
        *(task.start_time & JIFFIES_MASK, vsize, rss, RLIM_INFINITY, *no_layout),
        *(pnd & low, blk & low, ign & low, cgt & low),
        *(0, 0, 0, SIGCHLD, 0),  # wchan nswap cnswap exit_signal processor
    )
    return " ".join(str(f) for f in fields) + "\n"


def _cmdline(k: Kernel, task: Task) -> str:
    return "".join(arg + "\0" for arg in cmdline_args(task))


def oom_score(k: Kernel, task: Task) -> int:
    """``/proc/PID/oom_score`` (2.6.11): the score the kernel was booted with (the classic
    ``badness()``) at the current jiffy."""
    return k.platform.oom_score(task, k.jiffies)


def _oom_score(k: Kernel, task: Task) -> str:
    return f"{oom_score(k, task)}\n"


def _oom_score_adj(k: Kernel, task: Task) -> str:
    return f"{task.oom_score_adj}\n"


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
    for thread in k.threads_of(task):
        thread.oom_score_adj = value
    return count


_PID_READERS: dict[str, Callable[[Kernel, Task], str]] = {
    "cmdline": _cmdline,
    "oom_score": _oom_score,
    "oom_score_adj": _oom_score_adj,
    "stat": _stat,
    "status": _status,
}

__all__ = [
    "ProcError",
    "cmdline_args",
    "cpu_split",
    "is_dir",
    "list_proc",
    "loadavg",
    "meminfo",
    "nr_running",
    "oom_score",
    "open_for_write",
    "read_proc",
    "sysctl_path",
    "write_oom_score_adj",
    "write_proc",
]
