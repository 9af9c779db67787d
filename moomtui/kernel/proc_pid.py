"""``fs/proc/array.c`` and ``base.c``: the files of ``/proc/PID``, read from the task.

``status``, ``stat`` (the 39 fields of 2.4, zeros for what is not modelled), ``cmdline``,
``oom_score`` and ``oom_score_adj``. A zombie keeps its directory until it is reaped.

``status`` has 2.4.22's lines, in its order (``proc_pid_status``: ``task_name``,
``task_state``, ``task_mem`` for a task with an mm, ``task_sig``, ``task_cap``) — not 2.6's
``Threads:`` or ``VmSwap:`` — and one line no kernel has, ``OomFlags:``, last: it names the
task's ``PF_*`` flags so a reader sees ``PF_MEMDIE`` being set.

Anachronisms: ``oom_score`` (2.6.11) and ``oom_score_adj`` (2.6.36: it can be read and
written but is not in the directory listing).

Simplified: ``Gid`` equals ``Uid`` and ``Groups`` is empty (no groups are modelled);
``FDSize`` is a file table's first size (``NR_OPEN_DEFAULT``, 32: no files are modelled);
with no VMAs modelled, ``VmData`` is the whole address space and ``VmStk``, ``VmExe`` and
``VmLib`` are 0; a task's command line is what started it (``spawn`` records it) or else
its ``comm``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .constants import HZ, JIFFIES_MASK, PAGE_SIZE, SIGCHLD, SIGTERM, flag_names

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Task

PID_FILES = ("cmdline", "oom_score", "oom_score_adj", "stat", "status")
OOM_SCORE_ADJ_MIN = -1000
OOM_SCORE_ADJ_MAX = 1000
DEF_COUNTER = 10 * HZ // 100
RLIM_INFINITY = 0xFFFFFFFF
SIGSET_ALL = (1 << 64) - 1
NR_OPEN_DEFAULT = 32
"""``BITS_PER_LONG`` on i386: the fds of a task's first file table, ``FDSize``."""

# fs/proc/array.c: task_state_array
TASK_STATES = {
    "R": "R (running)",
    "S": "S (sleeping)",
    "D": "D (disk sleep)",
    "Z": "Z (zombie)",
    "T": "T (stopped)",
}


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
    """``proc_pid_status``: ``task_name``, ``task_state``, ``task_mem`` (a task with an mm),
    ``task_sig``, ``task_cap``, as 2.4.22's ``fs/proc/array.c`` prints them; then the
    simulator's ``OomFlags``."""
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
        # p->files ? p->files->max_fds : 0 — a zombie's went at exit_files()
        f"FDSize:\t{0 if task.dead else NR_OPEN_DEFAULT}",
        "Groups:\t",
    ]
    mm = task.mm
    if mm is not None:
        lines += [
            f"VmSize:\t{mm.total_vm * kb:8d} kB",
            f"VmLck:\t{0:8d} kB",
            f"VmRSS:\t{mm.rss * kb:8d} kB",
            f"VmData:\t{mm.total_vm * kb:8d} kB",
            f"VmStk:\t{0:8d} kB",
            f"VmExe:\t{0:8d} kB",
            f"VmLib:\t{0:8d} kB",
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


def stat_priority(task: Task) -> int:
    """``/proc/PID/stat``'s priority field: ``20 - counter`` scaled to ``DEF_COUNTER``."""
    return 20 - (task.counter * 10 + DEF_COUNTER // 2) // DEF_COUNTER


def _stat(k: Kernel, task: Task) -> str:
    """``proc_pid_stat``: the 39 fields of 2.4, zeros for what is not modelled."""
    ppid = task.p_opptr.pid if task.pid and task.p_opptr is not None else 0
    priority = stat_priority(task)
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


PID_READERS: dict[str, Callable[[Kernel, Task], str]] = {
    "cmdline": _cmdline,
    "oom_score": _oom_score,
    "oom_score_adj": _oom_score_adj,
    "stat": _stat,
    "status": _status,
}
