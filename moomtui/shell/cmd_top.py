"""``top``: one screen of procps 2.0's top, as ``top -b -n 1`` prints it on a 2.4 machine.

The summary (uptime and load, the tasks by state, the CPU split, memory and swap in kB)
and then every task, the busiest first. ``%CPU`` is the share of a CPU the task gets now —
its scheduler weight's share of the runnable weight, capped at how much it wants — where
the real top measures it over its last interval; ``%MEM`` is RSS over ``MemTotal``. One
frame only: there is no screen to refresh here (the task tree above is the live view).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..kernel.proc_misc import cpu_split, meminfo
from ..kernel.proc_pid import stat_priority
from .base import ArgParser, CommandError, command, int_arg, parse
from .cmd_system import uptime_line
from .completion import options
from .ps_fields import mmss, ps_stat, ps_user, tenths
from .session import lookup_user

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task
    from .shell import Shell

TOP_USAGE = "usage: top -hv | -bcisS -d delay -n iterations [-u user | -U user] -p pid [,pid ...]"
HEADER = "  PID USER     PRI  NI  SIZE  RSS SHARE STAT %CPU %MEM   TIME COMMAND"


def cpu_share(k: Kernel, task: Task) -> int:
    """Tenths of a percent of one CPU ``task`` gets now (0 while it sleeps)."""
    sched = k.sched
    if not task.sched_weight or not sched.W:
        return 0
    share = task.sched_weight * sched.ncpus * 1000 // sched.W
    return min(share, task.busy * 10)


def _kb(kb: int) -> str:
    """top's sizes: kB, or MB with an ``M`` once they need more than five digits."""
    return str(kb) if kb <= 99999 else f"{kb // 1024}M"


def _top_parser() -> ArgParser:
    p = ArgParser(
        "top",
        "One screen of procps' top, the busiest tasks first (as top -b -n 1).",
        usage_line=TOP_USAGE,
    )
    p.add_argument("-b", action="store_true", help="batch mode (the only mode here)")
    p.add_argument("-n", dest="iterations", type=int_arg, default=1, help="1: one frame")
    p.add_argument("-u", dest="user", help="only this user's tasks")
    p.add_argument("-p", dest="pids", action="append", help="only these pids")
    return p


@command(
    "top",
    "the busiest tasks, one screen of top",
    parser=_top_parser,
    complete=lambda sh, before, prefix: options(prefix, ("-b", "-n", "-p", "-u")),
)
def top(sh: Shell, argv: list[str]) -> str:
    args = parse(_top_parser(), argv)
    if args.iterations != 1:
        raise CommandError(
            f"top: -n {args.iterations}: one frame only here (the task tree is the live view)"
        )
    k = sh.kernel
    tasks = [t for t in k.for_each_task()]
    if args.user is not None:
        uid = lookup_user(args.user)
        if uid is None:
            raise CommandError(f"top: Invalid user: {args.user}")
        tasks = [t for t in tasks if t.euid == uid]
    if args.pids:
        wanted = set()
        for item in args.pids:
            for part in item.split(","):
                if not part.isdigit():
                    raise CommandError(f"top: bad pid '{part}'")
                wanted.add(int(part))
        tasks = [t for t in tasks if t.pid in wanted]
    everyone = list(k.for_each_task())
    states = [t.state for t in everyone]
    m = meminfo(k)
    total, free = m["MemTotal"], m["MemFree"]
    user, system = cpu_split(k)
    capacity = max(1, k.ticks * k.sched.ncpus)
    us = user * 1000 // capacity
    sy = min(1000 - us, system * 1000 // capacity)
    idle = 1000 - us - sy
    lines = [
        uptime_line(sh).lstrip(),
        f"{len(everyone)} processes: {states.count('S') + states.count('D')} sleeping, "
        f"{states.count('R')} running, {states.count('Z')} zombie, 0 stopped",
        f"CPU states: {us / 10:5.1f}% user, {sy / 10:5.1f}% system,   0.0% nice, "
        f"{idle / 10:5.1f}% idle",
        f"Mem:  {total:7d}K av, {total - free:7d}K used, {free:7d}K free, "
        f"{m['MemShared']:7d}K shrd, {m['Buffers']:7d}K buff",
        f"Swap: {m['SwapTotal']:7d}K av, {m['SwapTotal'] - m['SwapFree']:7d}K used, "
        f"{m['SwapFree']:7d}K free {m['Cached']:20d}K cached",
        "",
        HEADER,
    ]
    shares = {t.pid: cpu_share(k, t) for t in tasks}
    tasks.sort(key=lambda t: (-shares[t.pid], t.pid))
    for t in tasks:
        mm = t.mm
        size = mm.total_vm * 4 if mm is not None else 0
        rss = mm.rss * 4 if mm is not None else 0
        pmem = rss * 1000 // total if total else 0
        time = mmss(t.utime + t.stime)
        lines.append(
            f"{t.pid:>5} {ps_user(t.euid):<8} {stat_priority(t):>3} {t.nice:>3} "
            f"{_kb(size):>5} {_kb(rss):>4} {0:>5} {ps_stat(t):<4} {tenths(shares[t.pid]):>4} "
            f"{tenths(pmem):>4} {time:>6} {t.comm}"
        )
    return "\n".join(lines)
