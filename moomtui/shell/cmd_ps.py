"""Tasks on view: ``ps`` and ``pstree``.

They print what procps 3.1 and psmisc 21 print on a 2.4 machine (kernel threads as
``[kswapd]`` with ``SW``, zombies as ``<defunct>``, LinuxThreads threads as processes of
their own; ``pstree`` shows the tasks sharing their leader's mm in ``{}``). ``ps`` takes
procps' three syntaxes mixed — SysV (``-ef``, ``-o pid,rss,args``, ``-u USER``), BSD
(``aux``, ``auxf``, ``k -rss``) and GNU (``--sort=-rss``, ``--forest``) — and answers a bad
option in procps' words (``ERROR: Unsupported option (BSD syntax)``). The machine has
no wall clock: ``START``/``STIME`` read the time since boot as a time of day, as if it
booted at midnight. There are no terminals, so ``TTY`` is always ``?`` and plain ``ps``
lists the current user's processes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from ..kernel.constants import HZ, JIFFIES_MASK
from ..kernel.proc_misc import meminfo
from ..kernel.proc_pid import cmdline_args
from .base import (
    ArgParser,
    CommandError,
    ParseExit,
    command,
    int_arg,
    parse,
    parse_int,
)
from .completion import complete_pids, complete_users, options
from .session import lookup_user, user_name

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


PS_HELP = """\
usage: ps [options]
Report the tasks (procps 3.1). Selection: -e/-A every task, -p PIDLIST, -u USERLIST
(effective user), -U USERLIST (real user), BSD a and x (every task), a bare pid list.
Format: -f full, BSD u (user oriented), -o FORMAT (pid,user,rss,args …), BSD f or
--forest (a tree with \\_ marks), -H (indented). Order: --sort [+|-]KEY[,KEY…], BSD
k KEY (keys: pid ppid uid user rss vsz pcpu pmem time start nice comm cmd)."""


@dataclass(slots=True)
class PsOptions:
    """What ``ps``'s arguments asked for, procps style: SysV (``-ef``), BSD (``aux``) and
    GNU long options (``--sort``) mixed."""

    every: bool = False
    full: bool = False
    user_format: bool = False
    bsd: bool = False
    forest: str = ""  # "f" for the \_ art, "H" for indentation
    pids: list[int] = field(default_factory=list)
    euids: list[int] = field(default_factory=list)
    ruids: list[int] = field(default_factory=list)
    fmt: list[tuple[str, str]] = field(default_factory=list)
    sort: list[tuple[str, bool]] = field(default_factory=list)


def ps_error(message: str) -> CommandError:
    """procps' own wording: ``ERROR: …``, exit status 1."""
    return CommandError(f"ERROR: {message}", 1)


def _pid_list(text: str) -> list[int]:
    out = []
    for part in re.split("[, ]", text):
        if not part:
            continue
        try:
            pid = parse_int(part)
        except ValueError:
            raise ps_error("Process ID list syntax error.") from None
        if pid <= 0:
            raise ps_error("Process ID list syntax error.")
        out.append(pid)
    return out


def _user_list(text: str) -> list[int]:
    out = []
    for part in re.split("[, ]", text):
        if not part:
            continue
        uid = lookup_user(part)
        if uid is None:
            raise ps_error("User name does not exist.")
        out.append(uid)
    return out


def _format_list(text: str) -> list[tuple[str, str]]:
    """``pid,user,rss`` → [(key, header)]; ``pid=ID`` renames (to the end of the text)."""
    out: list[tuple[str, str]] = []
    rest = text
    while rest:
        head, comma, tail = rest.partition(",")
        key, eq, header = rest.partition("=")
        if eq and "," not in key:
            name = key.strip().lower()
            if name not in PS_FIELDS:
                raise ps_error(f'Unknown user-defined format specifier "{key.strip()}".')
            out.append((name, header))
            break
        name = head.strip().lower()
        if name:
            if name not in PS_FIELDS:
                raise ps_error(f'Unknown user-defined format specifier "{head.strip()}".')
            out.append((name, PS_FIELDS[name].header))
        rest = tail if comma else ""
    if not out:
        raise ps_error("Improper format list.")
    return out


def _sort_list(text: str) -> list[tuple[str, bool]]:
    out = []
    for part in text.split(","):
        part = part.strip()
        reverse = part.startswith("-")
        key = part.lstrip("+-").lower()
        if key not in PS_SORT_KEYS:
            raise ps_error("Unknown sort specifier.")
        out.append((PS_SORT_KEYS[key], reverse))
    return out


def parse_ps(argv: list[str]) -> PsOptions:
    """procps 3.1's three syntaxes, as far as this console needs them."""
    opts = PsOptions()
    words = list(argv)
    i = 0

    def value(rest: str, what: str) -> str:
        nonlocal i
        if rest:
            return rest
        i += 1
        if i >= len(words):
            raise ps_error(what)
        return words[i]

    while i < len(words):
        word = words[i]
        if word.startswith("--"):
            name, _, arg = word[2:].partition("=")
            if name == "help":
                raise ParseExit(PS_HELP, 0)
            if name == "forest":
                opts.forest = "f"
            elif name == "sort":
                opts.sort += _sort_list(value(arg, "Long sort specification must follow --sort."))
            elif name in ("pid", "user", "format"):
                text = value(arg, f"List must follow --{name}.")
                if name == "pid":
                    opts.pids += _pid_list(text)
                elif name == "user":
                    opts.euids += _user_list(text)
                else:
                    opts.fmt += _format_list(text)
            else:
                raise ps_error("Unknown gnu long option.")
        elif word.startswith("-") and len(word) > 1:
            letters = word[1:]
            if re.fullmatch("[aux]{2,3}f?", letters):  # "ps -aux": the BSD options meant
                words[i] = letters
                continue
            for n, c in enumerate(letters):
                rest = letters[n + 1 :]
                if c in "eA":
                    opts.every = True
                elif c == "f":
                    opts.full = True
                elif c == "H":
                    opts.forest = opts.forest or "H"
                elif c == "p":
                    opts.pids += _pid_list(value(rest, "List of process IDs must follow -p."))
                    break
                elif c == "u":
                    opts.euids += _user_list(value(rest, "List of users must follow -u."))
                    break
                elif c == "U":
                    opts.ruids += _user_list(value(rest, "List of users must follow -U."))
                    break
                elif c == "o":
                    opts.fmt += _format_list(value(rest, "Format specification must follow -o."))
                    break
                else:
                    raise ps_error("Unsupported SysV option.")
        elif word.isascii() and word.replace(",", "").isdigit():
            opts.pids += _pid_list(word)
        else:
            opts.bsd = True
            for n, c in enumerate(word):
                rest = word[n + 1 :]
                if c in "ax":
                    opts.every = True
                elif c == "u":
                    opts.user_format = True
                elif c == "f":
                    opts.forest = "f"
                elif c in "wer":
                    pass  # wide output, environment, running only: nothing to change here
                elif c == "p":
                    opts.pids += _pid_list(value(rest, "List of process IDs must follow p."))
                    break
                elif c == "U":
                    opts.euids += _user_list(value(rest, "List of users must follow U."))
                    break
                elif c == "o":
                    opts.fmt += _format_list(value(rest, "Format specification must follow o."))
                    break
                elif c == "k":
                    opts.sort += _sort_list(value(rest, "Long sort specification must follow k."))
                    break
                else:
                    raise ps_error("Unsupported option (BSD syntax)")
        i += 1
    return opts


# ---------------------------------------------------------------------- fields
@dataclass(frozen=True, slots=True)
class PsField:
    """One ``-o`` field: its header, width (negative: left aligned) and value."""

    header: str
    width: int
    text: Callable[[Kernel, Task, int], str]


def _f_time(k: Kernel, t: Task, memtotal: int) -> str:
    return _hhmmss(t.utime + t.stime)


def _f_pcpu(k: Kernel, t: Task, memtotal: int) -> str:
    return _tenths(_Usage(k, t, memtotal).pcpu)


def _f_pmem(k: Kernel, t: Task, memtotal: int) -> str:
    return _tenths(_Usage(k, t, memtotal).pmem)


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


def _sort_value(k: Kernel, t: Task, *, key: str, memtotal: int) -> int | str:
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


def _complete_ps(sh: Shell, before: list[str], prefix: str) -> list[str]:
    if before and before[-1] in ("-p", "p"):
        return complete_pids(sh, prefix)
    if before and before[-1] in ("-u", "-U", "U"):
        return complete_users(prefix)
    return options(
        prefix, ("aux", "auxf", "ax", "axf", "u", "-e", "-ef", "-f", "-o", "-p", "-u", "--sort=")
    )


def _select(sh: Shell, opts: PsOptions) -> list[Task]:
    tasks = list(sh.kernel.for_each_task())
    if opts.pids or opts.euids or opts.ruids:
        return [
            t for t in tasks if t.pid in opts.pids or t.euid in opts.euids or t.uid in opts.ruids
        ]
    if opts.every:
        return tasks
    uid = sh.session.uid
    return [t for t in tasks if t.euid == uid and t.mm is not None]


def _forest(tasks: list[Task]) -> list[tuple[Task, int]]:
    """The tasks as procps' forest draws them, with their depth: children under their
    parent in list order; init's children (and the orphans of the selection) at the top."""
    shown = {t.pid for t in tasks}
    children: dict[int, list[Task]] = {}
    roots = []
    for t in tasks:
        parent = t.ppid
        if parent > 1 and parent in shown:
            children.setdefault(parent, []).append(t)
        else:
            roots.append(t)
    out: list[tuple[Task, int]] = []

    def walk(task: Task, depth: int) -> None:
        out.append((task, depth))
        for child in children.get(task.pid, []):
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    return out


def _columns(opts: PsOptions) -> list[tuple[str, str]]:
    if opts.fmt:
        return opts.fmt
    if opts.user_format:
        return [("user", "USER"), ("pid", "PID"), ("%cpu", "%CPU"), ("%mem", "%MEM"),
                ("vsz", "VSZ"), ("rss", "RSS"), ("tty", "TTY"), ("stat", "STAT"),
                ("start", "START"), ("bsdtime", "TIME"), ("command", "COMMAND")]  # fmt: skip
    if opts.bsd:
        return [("pid", "PID"), ("tty", "TTY"), ("stat", "STAT"), ("bsdtime", "TIME"),
                ("command", "COMMAND")]  # fmt: skip
    if opts.full:
        return [("uid_name", "UID"), ("pid", "PID"), ("ppid", "PPID"), ("c", "C"),
                ("stime", "STIME"), ("tty", "TTY"), ("time", "TIME"), ("cmd", "CMD")]  # fmt: skip
    return [("pid", "PID"), ("tty", "TTY"), ("time", "TIME"), ("ucmd", "CMD")]


EXTRA_FIELDS: dict[str, PsField] = {
    "bsdtime": PsField("TIME", 6, lambda k, t, m: _mmss(t.utime + t.stime)),
    "uid_name": PsField("UID", -8, lambda k, t, m: ps_user(t.euid)),
    "c": PsField("C", 2, lambda k, t, m: str(min(99, _Usage(k, t, m).pcpu // 10))),
    "ucmd": PsField("CMD", -15, lambda k, t, m: f"{t.comm} <defunct>" if t.dead else t.comm),
}
"""The standard formats' own fields (``TIME`` as BSD prints it, ``-f``'s ``UID`` …)."""
ARGS_FIELDS = frozenset({"args", "cmd", "command", "comm", "ucomm", "ucmd"})


def _cell(text: str, width: int, last: bool) -> str:
    if last:
        return text
    if width < 0:
        return text.ljust(-width)
    return text.rjust(width)


@command(
    "ps",
    "report tasks (ps aux, ps -ef, ps -o pid,rss,args, ps auxf, --sort=-rss)",
    complete=_complete_ps,
)
def ps(sh: Shell, argv: list[str]) -> str:
    opts = parse_ps(argv)
    k = sh.kernel
    tasks = _select(sh, opts)
    memtotal = meminfo(k)["MemTotal"]
    for key, reverse in reversed(opts.sort):  # stable sorts: the first key decides most
        tasks.sort(key=partial(_sort_value, k, key=key, memtotal=memtotal), reverse=reverse)
    rows = _forest(tasks) if opts.forest else [(t, 0) for t in tasks]
    columns = _columns(opts)
    fields = [(PS_FIELDS.get(name) or EXTRA_FIELDS[name], header, name) for name, header in columns]
    last = len(fields) - 1
    header = " ".join(_cell(title, f.width, i == last) for i, (f, title, _) in enumerate(fields))
    lines = [header.rstrip()]
    for task, depth in rows:
        cells = []
        for i, (f, _, name) in enumerate(fields):
            text = f.text(k, task, memtotal)
            if name in ARGS_FIELDS and depth:
                text = (
                    "    " * (depth - 1) + " \\_ " if opts.forest == "f" else "  " * depth
                ) + text
            cells.append(_cell(text, f.width, i == last))
        lines.append(" ".join(cells).rstrip())
    return "\n".join(lines)


# ====================================================================== pstree
def _pstree_parser() -> ArgParser:
    p = ArgParser(
        "pstree",
        "Show the tasks as a tree (psmisc); threads in {braces}.",
        usage_line="usage: pstree [ -p ] [ -u ] [ pid ]",
    )
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
