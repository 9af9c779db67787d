"""Changing tasks: ``renice`` and ``spawn``.

``renice`` is util-linux's: a non-root user may renice only their own tasks
(:func:`~moomtui.kernel.cred.may_act_on`, ``sys_setpriority``'s test) and only upwards. It
takes 2.12's ``renice 5 -p 15`` and the later ``renice -n 5 -p 15``.
``spawn`` starts a workload — a new process running one of the programs of
:mod:`moomtui.userland` with its parameters — as ``fork`` and ``exec`` would.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..kernel import events as ev
from ..kernel.cred import may_act_on
from ..kernel.errno import EAGAIN, ENOMEM, strerror
from ..patterns import anchored
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
from .completion import complete_pids, complete_users, options
from .session import lookup_user

if TYPE_CHECKING:
    from ..kernel.task import Task
    from .shell import Shell

NICE_MIN, NICE_MAX = -20, 19
_TOML_INT = anchored(r"[+-]?[0-9](?:_?[0-9])*", re.ASCII)


# ====================================================================== renice
RENICE_USAGE = "usage: renice priority [ [ -p ] pids ] [ [ -g ] pgrps ] [ [ -u ] users ]"


def _renice_parser() -> ArgParser:
    p = ArgParser("renice", "Change the nice value of running tasks (-20 .. 19).")
    p.add_argument("priority", help="the new nice value (also as -n N)")
    p.add_argument("-p", dest="pids", nargs="*", metavar="PID", help="tasks (the default)")
    p.add_argument("-u", dest="users", nargs="*", metavar="USER", help="every task of users")
    return p


def _complete_renice(sh: Shell, before: list[str], prefix: str) -> list[str]:
    if not before or before == ["-n"]:
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
    if argv and argv[0] in ("-n", "--priority"):  # util-linux 2.13's spelling
        argv = argv[1:]
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
        elif not may_act_on(uid, task):
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
    if not may_act_on(sh.session.uid, parent):
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
