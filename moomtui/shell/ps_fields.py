"""What ``ps`` and ``top`` print for one task: procps 3.1's fields, their widths and sort keys.

The values come from the task as ``/proc/PID/stat`` and ``statm`` give them to procps:
sizes in KiB, CPU time in jiffies, ``%CPU`` over the task's lifetime. The machine has no
wall clock, so ``START``/``STIME`` read the time since boot as a time of day (it boots at
midnight); there are no terminals, so ``TTY`` is always ``?``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..kernel.constants import HZ, JIFFIES_MASK
from ..kernel.proc_pid import cmdline_args
from .session import user_name

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task


def _clock(jiffies: int) -> str:
    """Seconds since boot as the time of day ``HH:MM`` (the machine boots at midnight)."""
    minutes = jiffies // HZ // 60
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def mmss(jiffies: int) -> str:
    seconds = jiffies // HZ
    return f"{seconds // 60}:{seconds % 60:02d}"


def _hhmmss(jiffies: int) -> str:
    seconds = jiffies // HZ
    days, seconds = divmod(seconds, 86400)
    text = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return f"{days}-{text}" if days else text


def tenths(value: int) -> str:
    return str(value // 10) if value >= 1000 else f"{value // 10}.{value % 10}"


def ps_user(uid: int) -> str:
    """The ``USER`` column: the name if it fits in 8 characters, else the uid."""
    name = user_name(uid)
    return name if name is not None and len(name) <= 8 else str(uid)


def ps_command(task: Task) -> str:
    """``COMMAND``: the arguments, ``[comm]`` without any, `` <defunct>`` for a zombie."""
    args = cmdline_args(task)
    text = " ".join(args) if args else f"[{task.comm}]"
    return f"{text} <defunct>" if task.dead else text


def ps_stat(task: Task) -> str:
    """``STAT``: the state, ``W`` with nothing resident, ``<`` / ``N`` for the nice value."""
    stat = task.state
    if task.state != "Z" and (task.mm is None or task.mm.rss == 0):
        stat += "W"
    if task.nice < 0:
        stat += "<"
    elif task.nice > 0:
        stat += "N"
    return stat


class _Usage:
    """The numbers ``ps`` derives for one task."""

    def __init__(self, k: Kernel, task: Task, memtotal_kb: int) -> None:
        self.cpu = task.utime + task.stime
        elapsed = (k.jiffies - task.start_time) & JIFFIES_MASK
        self.pcpu = self.cpu * 1000 // elapsed if elapsed else 0
        mm = task.mm
        self.vsz = mm.total_vm * 4 if mm is not None else 0
        self.rss = mm.rss * 4 if mm is not None else 0
        self.pmem = self.rss * 1000 // memtotal_kb if memtotal_kb else 0


@dataclass(frozen=True, slots=True)
class PsField:
    """One ``-o`` field: its header, width (negative: left aligned) and value."""

    header: str
    width: int
    text: Callable[[Kernel, Task, int], str]


def _f_time(k: Kernel, t: Task, memtotal: int) -> str:
    return _hhmmss(t.utime + t.stime)


def _f_pcpu(k: Kernel, t: Task, memtotal: int) -> str:
    return tenths(_Usage(k, t, memtotal).pcpu)


def _f_pmem(k: Kernel, t: Task, memtotal: int) -> str:
    return tenths(_Usage(k, t, memtotal).pmem)


def _f_etime(k: Kernel, t: Task, memtotal: int) -> str:
    seconds = ((k.jiffies - t.start_time) & JIFFIES_MASK) // HZ
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    text = f"{seconds // 60:02d}:{seconds % 60:02d}"
    if days or hours:
        text = f"{hours:02d}:{text}"
    return f"{days}-{text}" if days else text


def _mm(t: Task, attr: str) -> int:
    return getattr(t.mm, attr) * 4 if t.mm is not None else 0


PS_FIELDS: dict[str, PsField] = {
    "pid": PsField("PID", 5, lambda k, t, m: str(t.pid)),
    "ppid": PsField("PPID", 5, lambda k, t, m: str(t.ppid)),
    "uid": PsField("UID", 5, lambda k, t, m: str(t.euid)),
    "ruid": PsField("RUID", 5, lambda k, t, m: str(t.uid)),
    "user": PsField("USER", -8, lambda k, t, m: ps_user(t.euid)),
    "ruser": PsField("RUSER", -8, lambda k, t, m: ps_user(t.uid)),
    "comm": PsField("COMMAND", -15, lambda k, t, m: t.comm),
    "ucomm": PsField("COMMAND", -15, lambda k, t, m: t.comm),
    "args": PsField("COMMAND", -27, lambda k, t, m: ps_command(t)),
    "cmd": PsField("CMD", -27, lambda k, t, m: ps_command(t)),
    "command": PsField("COMMAND", -27, lambda k, t, m: ps_command(t)),
    "rss": PsField("RSS", 5, lambda k, t, m: str(_mm(t, "rss"))),
    "rsz": PsField("RSZ", 5, lambda k, t, m: str(_mm(t, "rss"))),
    "vsz": PsField("VSZ", 6, lambda k, t, m: str(_mm(t, "total_vm"))),
    "vsize": PsField("VSZ", 6, lambda k, t, m: str(_mm(t, "total_vm"))),
    "%cpu": PsField("%CPU", 4, _f_pcpu),
    "pcpu": PsField("%CPU", 4, _f_pcpu),
    "%mem": PsField("%MEM", 4, _f_pmem),
    "pmem": PsField("%MEM", 4, _f_pmem),
    "stat": PsField("STAT", -4, lambda k, t, m: ps_stat(t)),
    "s": PsField("S", 1, lambda k, t, m: t.state),
    "state": PsField("S", 1, lambda k, t, m: t.state),
    "nice": PsField("NI", 3, lambda k, t, m: str(t.nice)),
    "ni": PsField("NI", 3, lambda k, t, m: str(t.nice)),
    "time": PsField("TIME", 8, _f_time),
    "cputime": PsField("TIME", 8, _f_time),
    "etime": PsField("ELAPSED", 11, _f_etime),
    "start": PsField("START", 5, lambda k, t, m: _clock(t.start_time)),
    "stime": PsField("STIME", 5, lambda k, t, m: _clock(t.start_time)),
    "tty": PsField("TT", -8, lambda k, t, m: "?"),
    "tt": PsField("TT", -8, lambda k, t, m: "?"),
    "f": PsField("F", 1, lambda k, t, m: str(t.flags >> 8 & 0xF)),
}
"""The ``-o`` fields procps 3.1 knows and this machine can fill."""

PS_SORT_KEYS = {
    "pid": "pid",
    "ppid": "ppid",
    "uid": "uid",
    "user": "user",
    "rss": "rss",
    "rssize": "rss",
    "vsz": "vsz",
    "vsize": "vsz",
    "pcpu": "pcpu",
    "%cpu": "pcpu",
    "pmem": "pmem",
    "%mem": "pmem",
    "time": "time",
    "cputime": "time",
    "start_time": "start",
    "start": "start",
    "nice": "nice",
    "ni": "nice",
    "comm": "comm",
    "cmd": "args",
    "args": "args",
}
"""``--sort`` keys (procps' names) → what they order by."""


def sort_value(k: Kernel, t: Task, *, key: str, memtotal: int) -> int | str:
    if key in ("pcpu", "pmem"):
        usage = _Usage(k, t, memtotal)
        return usage.pcpu if key == "pcpu" else usage.pmem
    values: dict[str, Callable[[], int | str]] = {
        "pid": lambda: t.pid,
        "ppid": lambda: t.ppid,
        "uid": lambda: t.euid,
        "user": lambda: ps_user(t.euid),
        "rss": lambda: _mm(t, "rss"),
        "vsz": lambda: _mm(t, "total_vm"),
        "time": lambda: t.utime + t.stime,
        "start": lambda: t.start_time,
        "nice": lambda: t.nice,
        "comm": lambda: t.comm,
        "args": lambda: ps_command(t),
    }
    return values[key]()


EXTRA_FIELDS: dict[str, PsField] = {
    "bsdtime": PsField("TIME", 6, lambda k, t, m: mmss(t.utime + t.stime)),
    "uid_name": PsField("UID", -8, lambda k, t, m: ps_user(t.euid)),
    "c": PsField("C", 2, lambda k, t, m: str(min(99, _Usage(k, t, m).pcpu // 10))),
    "ucmd": PsField("CMD", -15, lambda k, t, m: f"{t.comm} <defunct>" if t.dead else t.comm),
}
"""The standard formats' own fields (``TIME`` as BSD prints it, ``-f``'s ``UID`` …)."""
ARGS_FIELDS = frozenset({"args", "cmd", "command", "comm", "ucomm", "ucmd"})
