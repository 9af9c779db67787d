"""Tasks on view: ``ps`` and ``pstree``.

They print what procps 3.1 and psmisc 21 print on a 2.4 machine (kernel threads as
``[kswapd]`` with ``SW``, zombies as ``<defunct>``, LinuxThreads threads as processes of
their own; ``pstree`` shows the tasks sharing their leader's mm in ``{}``). The machine has
no wall clock: ``START``/``STIME`` read the time since boot as a time of day, as if it
booted at midnight. There are no terminals, so ``TTY`` is always ``?`` and plain ``ps``
lists the current user's processes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..kernel.constants import HZ, JIFFIES_MASK
from ..kernel.proc_misc import meminfo
from ..kernel.proc_pid import cmdline_args
from .base import (
    ArgParser,
    CommandError,
    command,
    int_arg,
    parse,
    parse_int,
)
from .completion import complete_pids, options
from .session import user_name

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task
    from .shell import Shell


# ====================================================================== ps
def _clock(jiffies: int) -> str:
    """Seconds since boot as the time of day ``HH:MM`` (the machine boots at midnight)."""
    minutes = jiffies // HZ // 60
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def _mmss(jiffies: int) -> str:
    seconds = jiffies // HZ
    return f"{seconds // 60}:{seconds % 60:02d}"


def _hhmmss(jiffies: int) -> str:
    seconds = jiffies // HZ
    days, seconds = divmod(seconds, 86400)
    text = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return f"{days}-{text}" if days else text


def _tenths(value: int) -> str:
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


def _ps_parser() -> ArgParser:
    p = ArgParser(
        "ps",
        "Report the tasks (procps 3.1): ps, ps -e, ps -ef, ps -p PID, ps aux.",
    )
    p.add_argument("-e", "-A", dest="every", action="store_true", help="every task")
    p.add_argument("-f", dest="full", action="store_true", help="full format")
    p.add_argument("-p", dest="pids", action="append", metavar="PIDLIST", help="these pids")
    p.add_argument("bsd", nargs="?", metavar="aux", help="BSD options: a (all), u, x")
    return p


def _complete_ps(sh: Shell, before: list[str], prefix: str) -> list[str]:
    if before and before[-1] == "-p":
        return complete_pids(sh, prefix)
    return options(prefix, ("aux", "ax", "u", "-e", "-ef", "-f", "-p"))


def _select(sh: Shell, args: Any, every: bool) -> list[Task]:
    k = sh.kernel
    tasks = list(k.for_each_task())
    if args.pids:
        wanted: set[int] = set()
        for item in args.pids:
            for part in item.split(","):
                try:
                    wanted.add(parse_int(part))
                except ValueError:
                    message = f"ps: error: process ID list syntax error: {item}"
                    raise CommandError(message) from None
        return [t for t in tasks if t.pid in wanted]
    if every:
        return tasks
    uid = sh.session.uid
    return [t for t in tasks if t.euid == uid and t.mm is not None]


@command(
    "ps",
    "report tasks (ps, ps -ef, ps aux)",
    parser=_ps_parser,
    complete=_complete_ps,
    check=False,
)
def ps(sh: Shell, argv: list[str]) -> str:
    argv = [a[1:] if re.fullmatch(r"-[aux]{2,3}", a) else a for a in argv]
    parser = _ps_parser()
    args = parse(parser, argv)
    k = sh.kernel
    bsd = args.bsd or ""
    if bsd and (set(bsd) - set("aux")):
        parser.error(f"unsupported option (BSD syntax): {bsd!r}")
    tasks = _select(sh, args, args.every or "a" in bsd)
    memtotal = meminfo(k)["MemTotal"]
    if "u" in bsd:
        lines = ["USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND"]
        for t in tasks:
            u = _Usage(k, t, memtotal)
            lines.append(
                f"{ps_user(t.euid):<8} {t.pid:>5} {_tenths(u.pcpu):>4} {_tenths(u.pmem):>4} "
                f"{u.vsz:>6} {u.rss:>5} {'?':<8} {ps_stat(t):<4} {_clock(t.start_time):>5} "
                f"{_mmss(u.cpu):>6} {ps_command(t)}"
            )
    elif bsd:
        lines = ["  PID TTY      STAT   TIME COMMAND"]
        for t in tasks:
            cpu = t.utime + t.stime
            lines.append(f"{t.pid:>5} {'?':<8} {ps_stat(t):<4} {_mmss(cpu):>6} {ps_command(t)}")
    elif args.full:
        lines = ["UID        PID  PPID  C STIME TTY          TIME CMD"]
        for t in tasks:
            u = _Usage(k, t, memtotal)
            lines.append(
                f"{ps_user(t.euid):<8} {t.pid:>5} {t.ppid:>5} {min(99, u.pcpu // 10):>2} "
                f"{_clock(t.start_time):>5} {'?':<8} {_hhmmss(u.cpu):>8} {ps_command(t)}"
            )
    else:
        lines = ["  PID TTY          TIME CMD"]
        for t in tasks:
            cmd = f"{t.comm} <defunct>" if t.dead else t.comm
            lines.append(f"{t.pid:>5} {'?':<8} {_hhmmss(t.utime + t.stime):>8} {cmd}")
    return "\n".join(lines)


# ====================================================================== pstree
def _pstree_parser() -> ArgParser:
    p = ArgParser("pstree", "Show the tasks as a tree (psmisc); threads in {braces}.")
    p.add_argument("-p", dest="pids", action="store_true", help="show pids; do not compact")
    p.add_argument("-u", dest="uids", action="store_true", help="show uid transitions")
    p.add_argument("pid", nargs="?", type=int_arg, help="start at this task (default init)")
    return p


def _complete_pstree(sh: Shell, before: list[str], prefix: str) -> list[str]:
    if prefix.startswith("-"):
        return options(prefix, ("-p", "-u"))
    return complete_pids(sh, prefix)


class _Tree:
    def __init__(self, k: Kernel, show_pids: bool, show_uids: bool) -> None:
        self.show_pids = show_pids
        self.show_uids = show_uids
        self.children: dict[int, list[Task]] = {}
        for task in k.for_each_task():
            parent = task.p_pptr
            if parent is not None:
                self.children.setdefault(parent.pid, []).append(task)

    def label(self, task: Task) -> str:
        name = f"{{{task.comm}}}" if task.thread_leader is not None else task.comm
        if self.show_pids:
            name += f"({task.pid})"
        parent = task.p_pptr
        if self.show_uids and parent is not None and parent.uid != task.uid:
            name += f"({ps_user(task.uid)})"
        return name

    @staticmethod
    def _order(task: Task) -> tuple[bool, str, int]:
        """psmisc sorts by name; threads (``{name}``) after processes."""
        return task.thread_leader is not None, task.comm, task.pid

    def render(self, task: Task) -> list[str]:
        label = self.label(task)
        kids = sorted(self.children.get(task.pid, []), key=self._order)
        groups = self._groups([self.render(kid) for kid in kids])
        if not groups:
            return [label]
        if len(groups) == 1:
            pad = " " * (len(label) + 3)
            sub = groups[0]
            return [f"{label}---{sub[0]}"] + [pad + line for line in sub[1:]]
        indent = " " * (len(label) + 1)
        lines: list[str] = []
        for i, sub in enumerate(groups):
            if i == 0:
                first, cont = f"{label}-+-", f"{indent}| "
            elif i == len(groups) - 1:
                first, cont = f"{indent}`-", f"{indent}  "
            else:
                first, cont = f"{indent}|-", f"{indent}| "
            lines.append(first + sub[0])
            lines += [cont + line for line in sub[1:]]
        return lines

    def _groups(self, subtrees: list[list[str]]) -> list[list[str]]:
        """psmisc's compaction: equal neighbouring subtrees become ``N*[subtree]``."""
        if self.show_pids:
            return subtrees
        out: list[list[str]] = []
        counts: list[int] = []
        for sub in subtrees:
            if out and out[-1] == sub:
                counts[-1] += 1
            else:
                out.append(sub)
                counts.append(1)
        merged = []
        for sub, n in zip(out, counts, strict=True):
            if n == 1:
                merged.append(sub)
                continue
            head = f"{n}*["
            pad = " " * len(head)
            lines = [head + sub[0]] + [pad + line for line in sub[1:]]
            lines[-1] += "]"
            merged.append(lines)
        return merged


@command("pstree", "show the task tree", parser=_pstree_parser, complete=_complete_pstree)
def pstree(sh: Shell, argv: list[str]) -> str:
    args = parse(_pstree_parser(), argv)
    k = sh.kernel
    tree = _Tree(k, args.pids, args.uids)
    if args.pid is not None:
        root = k.tasks.get(args.pid)
        if root is None:
            raise CommandError(f"pstree: {args.pid}: No such process")
        return "\n".join(tree.render(root))
    roots = [t for t in k.for_each_task() if t.p_pptr is None or t.p_pptr.pid not in k.tasks]
    return "\n".join(line for root in roots for line in tree.render(root))
