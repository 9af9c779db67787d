"""Tasks: ``ps``, ``pstree``, ``kill``, ``killall``, ``renice`` and ``spawn``.

``ps`` and ``pstree`` print what procps 3.1 and psmisc 21 print on a 2.4 machine (kernel
threads as ``[kswapd]`` with ``SW``, zombies as ``<defunct>``, LinuxThreads threads as
processes of their own; ``pstree`` shows the tasks sharing their leader's mm in ``{}``).
The machine has no wall clock: ``START``/``STIME`` read the time since boot as a time of
day, as if it booted at midnight. There are no terminals, so ``TTY`` is always ``?`` and
plain ``ps`` lists the current user's processes.

Permissions are 2.4's: a non-root user may signal only tasks whose uid or saved uid is
theirs (``kill_ok``), and may renice only their own tasks and only upwards
(``sys_setpriority``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..kernel import events as ev
from ..kernel.constants import HZ, JIFFIES_MASK, SIGNAL_NAMES, SIGNALS, SIGTERM
from ..kernel.errno import EAGAIN, ENOMEM, strerror
from ..kernel.proc_misc import meminfo
from ..kernel.proc_pid import cmdline_args
from ..userland import PROGRAMS, ProgramArgError
from .base import (
    ArgParser,
    CommandError,
    ParseExit,
    command,
    int_arg,
    matching,
    parse,
    parse_int,
)
from .completion import complete_pids, complete_signals, complete_users, options, signal_names
from .session import lookup_user, user_name

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task
    from .shell import Shell

NICE_MIN, NICE_MAX = -20, 19
_TOML_INT = re.compile(r"[+-]?[0-9]+(?:_[0-9]+)*", re.ASCII)


# ====================================================================== permissions
def may_signal(uid: int, task: Task) -> bool:
    """2.4 ``kill_ok``: root (CAP_KILL), or the sender's uid is the target's uid or suid."""
    return uid == 0 or uid in (task.uid, task.euid)


def owns(uid: int, task: Task) -> bool:
    """``sys_setpriority``'s test: root (CAP_SYS_NICE), or the task's uid or euid."""
    return uid == 0 or uid in (task.uid, task.euid)


def parse_signal(text: str) -> int:
    """``9``, ``KILL``, ``SIGKILL`` or ``kill`` → 9; ``0`` is the existence check."""
    name = text.upper().removeprefix("SIG")
    if name in SIGNALS:
        return SIGNALS[name]
    number = parse_int(text)
    if number == 0 or number in SIGNAL_NAMES:
        return number
    raise ValueError(text)


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


# ====================================================================== kill / killall
KILL_USAGE = "kill: usage: kill [-s sigspec | -signum | -sigspec] pid ... or kill -l [sigspec]"


def _kill_parser() -> ArgParser:
    p = ArgParser("kill", "Send a signal to tasks (default TERM). -l lists the signals.")
    p.add_argument("-s", dest="sig", metavar="SIG", help="signal name or number")
    p.add_argument("-l", dest="list", action="store_true", help="list signal names")
    p.add_argument(
        "pids", nargs="*", default=[], metavar="PID", help="-1 means every task you may signal"
    )
    return p


def _complete_kill(sh: Shell, before: list[str], prefix: str) -> list[str]:
    if before and before[-1] == "-s":
        return complete_signals(prefix, dash=False)
    if prefix.startswith("-"):
        return options(prefix, ("-l", "-s")) + complete_signals(prefix)
    return complete_pids(sh, prefix)


def _kill_list(names: list[str]) -> str:
    if not names:
        return " ".join(signal_names())
    out = []
    for name in names:
        try:
            sig = parse_signal(name)
        except ValueError:
            raise CommandError(f"kill: {name}: invalid signal specification") from None
        if name.isascii() and name.isdigit():
            out.append(SIGNAL_NAMES.get(sig, "0"))
        else:
            out.append(str(sig))
    return "\n".join(out)


def _split_kill_args(argv: list[str]) -> tuple[int, list[str]] | str:
    """The signal and the pid words of ``kill``'s arguments, or ``-l``'s output."""
    sig = SIGTERM
    args = list(argv)
    if args and args[0] in ("-h", "--help"):
        raise ParseExit(_kill_parser().format_help(), 0)
    if args and args[0] in ("-l", "-L", "--list"):
        return _kill_list(args[1:])
    spec = None
    if args and args[0] == "-s":
        if len(args) < 2:
            raise CommandError("kill: -s: option requires an argument", 2)
        spec, args = args[1], args[2:]
    elif args and args[0].startswith("-") and args[0] != "--" and len(args[0]) > 1:
        spec, args = args[0][1:], args[1:]
    if args and args[0] == "--":
        args = args[1:]
    if spec is not None:
        try:
            sig = parse_signal(spec)
        except ValueError:
            raise CommandError(f"kill: {spec}: invalid signal specification") from None
    if not args:
        raise CommandError(KILL_USAGE, 2)
    return sig, args


def _signal(sh: Shell, task: Task, sig: int) -> None:
    if sig:
        sh.kernel.send_sig(task, sig, sender=0)


@command(
    "kill", "send a signal to tasks", parser=_kill_parser, complete=_complete_kill, check=False
)
def kill(sh: Shell, argv: list[str]) -> str:
    split = _split_kill_args(argv)
    if isinstance(split, str):
        return split
    sig, words = split
    k = sh.kernel
    uid = sh.session.uid
    errors: list[str] = []
    for word in words:
        try:
            pid = parse_int(word)
        except ValueError:
            errors.append(f"kill: {word}: arguments must be process or job IDs")
            continue
        if pid == -1:
            targets = [t for t in k.for_each_task() if t.pid > 1]
            allowed = [t for t in targets if may_signal(uid, t)]
            if not allowed:
                why = "Operation not permitted" if targets else "No such process"
                errors.append(f"kill: (-1) - {why}")
            for task in allowed:
                _signal(sh, task, sig)
            continue
        task = k.tasks.get(pid) if pid > 0 else None
        if task is None:
            errors.append(f"kill: ({pid}) - No such process")
        elif not may_signal(uid, task):
            errors.append(f"kill: ({pid}) - Operation not permitted")
        else:
            _signal(sh, task, sig)
    if errors:
        raise CommandError("\n".join(errors))
    return ""


def _killall_parser() -> ArgParser:
    p = ArgParser("killall", "Signal every task with this command name (psmisc).")
    p.add_argument("-s", "--signal", dest="sig", metavar="SIG", help="signal (default TERM)")
    p.add_argument("-v", dest="verbose", action="store_true", help="report what was killed")
    p.add_argument("-q", dest="quiet", action="store_true", help="do not complain")
    p.add_argument("names", nargs="+", metavar="NAME")
    return p


def _complete_killall(sh: Shell, before: list[str], prefix: str) -> list[str]:
    if before and before[-1] in ("-s", "--signal"):
        return complete_signals(prefix, dash=False)
    if prefix.startswith("-"):
        return options(prefix, ("-s", "-v", "-q")) + complete_signals(prefix)
    return matching(prefix, (t.comm for t in sh.kernel.tasks.values()))


_KILLALL_OPTIONS = frozenset(("-s", "--signal", "-v", "-q", "-h", "--help"))


def _signal_words(argv: list[str]) -> tuple[list[str], str | None]:
    """psmisc's ``-SIGNAL`` options (``-9``, ``-KILL``) taken out of ``argv``."""
    words: list[str] = []
    spec = None
    after_s = False
    for word in argv:
        if not after_s and word.startswith("-") and word not in _KILLALL_OPTIONS:
            try:
                parse_signal(word[1:])
            except ValueError:
                pass
            else:
                spec = word[1:]
                continue
        after_s = word in ("-s", "--signal")
        words.append(word)
    return words, spec


@command(
    "killall",
    "signal tasks by name",
    parser=_killall_parser,
    complete=_complete_killall,
    check=False,
)
def killall(sh: Shell, argv: list[str]) -> str:
    words, spec = _signal_words(argv)
    args = parse(_killall_parser(), words)
    spec = args.sig if args.sig is not None else spec
    sig = SIGTERM
    if spec is not None:
        try:
            sig = parse_signal(spec)
        except ValueError:
            raise CommandError(f"{spec}: unknown signal; killall -l lists signals") from None
    k = sh.kernel
    uid = sh.session.uid
    out: list[str] = []
    errors: list[str] = []
    for name in args.names:
        comm = name[:15]
        found = [t for t in k.for_each_task() if t.comm == comm]
        killed = 0
        for task in found:
            if not may_signal(uid, task):
                errors.append(f"{task.comm}({task.pid}): Operation not permitted")
                continue
            _signal(sh, task, sig)
            killed += 1
            if args.verbose:
                out.append(f"Killed {task.comm}({task.pid}) with signal {sig}")
        if not killed and not found:
            errors.append(f"{name}: no process killed")
    if errors and not args.quiet:
        raise CommandError("\n".join(errors), output="\n".join(out))
    if errors:
        raise CommandError("", output="\n".join(out))
    return "\n".join(out)


# ====================================================================== renice
RENICE_USAGE = "usage: renice priority [ [ -p ] pids ] [ [ -u ] users ]"


def _renice_parser() -> ArgParser:
    p = ArgParser("renice", "Change the nice value of running tasks (-20 .. 19).")
    p.add_argument("priority", help="the new nice value")
    p.add_argument("-p", dest="pids", nargs="*", metavar="PID", help="tasks (the default)")
    p.add_argument("-u", dest="users", nargs="*", metavar="USER", help="every task of users")
    return p


def _complete_renice(sh: Shell, before: list[str], prefix: str) -> list[str]:
    if not before:
        return []
    modes = [w for w in before if w in ("-p", "-u")]
    if modes and modes[-1] == "-u":
        return complete_users(prefix)
    if prefix.startswith("-"):
        return options(prefix, ("-p", "-u"))
    return complete_pids(sh, prefix)


def _renice_targets(sh: Shell, words: list[str]) -> list[tuple[str, Task | None]]:
    k = sh.kernel
    mode = "-p"
    out: list[tuple[str, Task | None]] = []
    for word in words:
        if word in ("-p", "-u", "-g"):
            mode = word
            continue
        if mode == "-g":
            raise CommandError("renice: process groups are not modelled")
        if mode == "-u":
            uid = lookup_user(word)
            if uid is None:
                raise CommandError(f"renice: unknown user {word}")
            out += [(str(t.pid), t) for t in k.for_each_task() if t.uid == uid and not t.dead]
            continue
        try:
            pid = parse_int(word)
        except ValueError:
            raise CommandError(f"renice: bad process id: {word}") from None
        out.append((word, k.tasks.get(pid)))
    return out


@command(
    "renice",
    "change the nice value of tasks",
    parser=_renice_parser,
    complete=_complete_renice,
    check=False,
)
def renice(sh: Shell, argv: list[str]) -> str:
    if argv and argv[0] in ("-h", "--help"):
        raise ParseExit(_renice_parser().format_help(), 0)
    if len(argv) < 2:
        raise CommandError(RENICE_USAGE)
    try:
        prio = parse_int(argv[0])
    except ValueError:
        raise CommandError(f"renice: {argv[0]}: bad value") from None
    new_nice = max(NICE_MIN, min(NICE_MAX, prio))
    uid = sh.session.uid
    out: list[str] = []
    errors: list[str] = []
    for word, task in _renice_targets(sh, argv[1:]):
        if task is None or task.dead:
            errors.append(f"renice: {word}: getpriority: No such process")
        elif not owns(uid, task):
            errors.append(f"renice: {word}: setpriority: Operation not permitted")
        elif new_nice < task.nice and uid != 0:
            errors.append(f"renice: {word}: setpriority: Permission denied")
        else:
            old = task.nice
            sh.kernel.set_nice(task, new_nice)
            out.append(f"{task.pid}: old priority {old}, new priority {task.nice}")
    if errors:
        raise CommandError("\n".join(errors), output="\n".join(out))
    return "\n".join(out)


# ====================================================================== spawn
def toml_value(text: str) -> int | bool | str:
    """A command-line value read the TOML way: ``42`` an int, ``true`` a bool, else text
    (an integer of more than 18 digits stays text, and the program says what it expects)."""
    if _TOML_INT.fullmatch(text):
        try:
            return parse_int(text.replace("_", ""))
        except ValueError:
            return text
    if text in ("true", "false"):
        return text == "true"
    return text


def _spawn_parser() -> ArgParser:
    p = ArgParser(
        "spawn",
        "Start a workload: a new process running PROGRAM with its parameters.",
    )
    p.add_argument("program", help="hog, leak, batch, database, prefork, forkbomb, …")
    p.add_argument(
        "params", nargs="*", default=[], metavar="key=value", help="the program's parameters"
    )
    p.add_argument("--comm", help="command name (default: the program's)")
    p.add_argument("--ppid", type=int_arg, help="parent pid (default 1, init)")
    p.add_argument("--nice", type=int_arg, default=0, help="nice value, -20 .. 19")
    p.add_argument("--user", help="run as this user (default: the current user)")
    return p


def _complete_spawn(sh: Shell, before: list[str], prefix: str) -> list[str]:
    if before and before[-1] == "--user":
        return complete_users(prefix)
    if before and before[-1] == "--ppid":
        return complete_pids(sh, prefix)
    if before and before[-1] in ("--comm", "--nice"):
        return []
    if prefix.startswith("-"):
        return options(prefix, ("--comm", "--ppid", "--nice", "--user"))
    positional = _positionals(before)
    if not positional:
        return matching(prefix, PROGRAMS)
    cls = PROGRAMS.get(positional[0])
    return matching(prefix, (f"{key}=" for key in cls.all_params())) if cls else []


def _positionals(words: list[str]) -> list[str]:
    out = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word in ("--comm", "--ppid", "--nice", "--user"):
            skip = True
        elif not word.startswith("-"):
            out.append(word)
    return out


def _spawn_args(params: Iterable[str]) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for item in params:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise CommandError(f"spawn: {item}: expected key=value")
        raw[key] = toml_value(value)
    return raw


def _spawn_parent(sh: Shell, ppid: int | None) -> Task | None:
    if ppid is None:
        return None
    parent = sh.kernel.tasks.get(ppid)
    if parent is None or parent.dead:
        raise CommandError(f"spawn: --ppid {ppid}: No such process")
    if not owns(sh.session.uid, parent):
        raise CommandError(f"spawn: --ppid {ppid}: Operation not permitted")
    return parent


def _spawn_uid(sh: Shell, user: str | None) -> int:
    me = sh.session.uid
    if user is None:
        return me
    uid = lookup_user(user)
    if uid is None:
        raise CommandError(f"spawn: --user: no such user '{user}'")
    if me != 0 and uid != me:
        raise CommandError(f"spawn: --user {user}: Operation not permitted")
    return uid


@command(
    "spawn",
    "start a workload (spawn hog rate=1M/s)",
    parser=_spawn_parser,
    complete=_complete_spawn,
)
def spawn(sh: Shell, argv: list[str]) -> str:
    args = parse(_spawn_parser(), argv, intermixed=True)
    k = sh.kernel
    cls = PROGRAMS.get(args.program)
    if cls is None:
        known = ", ".join(sorted(PROGRAMS))
        raise CommandError(f"spawn: {args.program}: no such program (known: {known})")
    raw = _spawn_args(args.params)
    if not NICE_MIN <= args.nice <= NICE_MAX:
        raise CommandError(f"spawn: --nice {args.nice}: expected a value from -20 to 19")
    if args.nice < 0 and sh.session.uid != 0:
        raise CommandError(f"spawn: --nice {args.nice}: Permission denied")
    uid = _spawn_uid(sh, args.user)
    parent = _spawn_parent(sh, args.ppid)
    try:
        program = cls(raw)
    except ProgramArgError as err:
        raise CommandError(f"spawn: {err.key}: {err}") from None
    if k.panicked is not None:
        raise CommandError("spawn: fork: the kernel has panicked (reboot to go on)")
    comm = args.comm or args.program
    failures: list[str] = []
    unsubscribe = k.bus.subscribe(
        lambda e: failures.append(e.reason) if isinstance(e, ev.AllocFail) else None
    )
    try:
        task = k.spawn(program, comm=comm, parent=parent, uid=uid, nice=args.nice)
    finally:
        unsubscribe()
    if task is None:
        errno = EAGAIN if failures and failures[-1] == "EAGAIN" else ENOMEM
        raise CommandError(f"spawn: fork: {strerror(errno)}")
    task.argv = [comm, *args.params]
    return f"started pid {task.pid} ({task.comm})"
