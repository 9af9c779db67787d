"""Signals from the console: ``kill`` and ``killall``.

bash's ``kill`` builtin and psmisc's ``killall``, in their own words. Permissions are 2.4's
(:func:`~moomtui.kernel.cred.may_act_on`): a non-root user may signal only tasks whose uid
or saved uid is theirs. A signal from the console has no sending task: the event's
``sender`` is the console user's uid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..kernel.constants import (
    SIGNAL_ALIASES,
    SIGNALS,
    SIGRTMAX,
    SIGRTMIN,
    SIGTERM,
    signal_name,
)
from ..kernel.cred import may_act_on
from .base import (
    ArgParser,
    CommandError,
    ParseExit,
    command,
    matching,
    parse,
    parse_int,
)
from .completion import complete_pids, complete_signals, options

if TYPE_CHECKING:
    from ..kernel.task import Task
    from .shell import Shell


def parse_signal(text: str) -> int:
    """``9``, ``KILL``, ``SIGKILL``, ``kill``, ``IOT`` or ``RTMIN+2`` → its number; ``0``
    is the existence check."""
    name = text.upper().removeprefix("SIG")
    if name in SIGNALS:
        return SIGNALS[name]
    if name in SIGNAL_ALIASES:
        return SIGNAL_ALIASES[name]
    for base, sign, start in (("RTMIN", 1, SIGRTMIN), ("RTMAX", -1, SIGRTMAX)):
        if name == base:
            return start
        if name.startswith(base) and name[len(base) : len(base) + 1] in "+-":
            offset = parse_int(name[len(base) + 1 :])
            sig = start + offset if name[len(base)] == "+" else start - offset
            if SIGRTMIN <= sig <= SIGRTMAX and (name[len(base)] == "+") == (sign > 0):
                return sig
            raise ValueError(text)
    number = parse_int(text)
    if number == 0 or signal_name(number) is not None:
        return number
    raise ValueError(text)


def signal_table() -> str:
    """bash's ``kill -l``: every signal of 2.4 on i386, four to a line."""
    entries = [f"{sig:2d}) SIG{signal_name(sig)}" for sig in range(1, SIGRTMAX + 1)]
    rows = [entries[i : i + 4] for i in range(0, len(entries), 4)]
    return "\n".join("\t".join(row) for row in rows)


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
    """``kill -l``: the table; ``kill -l 9`` the name, ``kill -l KILL`` the number (an exit
    status above 128 names the signal that ended a task, as bash takes it)."""
    if not names:
        return signal_table()
    out = []
    for name in names:
        word = name
        if name.isascii() and name.isdigit() and int(name) > 128:
            word = str(int(name) - 128)
        try:
            sig = parse_signal(word)
        except ValueError:
            raise CommandError(f"kill: {name}: invalid signal specification") from None
        if word.isascii() and word.isdigit():
            out.append(signal_name(sig) or "0")
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
    """Send ``sig`` (0 is only the check that the task exists) as the console's user."""
    if sig:
        sh.kernel.send_sig(task, sig, sender=sh.session.uid)


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
            allowed = [t for t in targets if may_act_on(uid, t)]
            if not allowed:
                why = "Operation not permitted" if targets else "No such process"
                errors.append(f"kill: (-1) - {why}")
            for each in allowed:
                _signal(sh, each, sig)
            continue
        task = k.tasks.get(pid) if pid > 0 else None
        if task is None:
            errors.append(f"kill: ({pid}) - No such process")
        elif not may_act_on(uid, task):
            errors.append(f"kill: ({pid}) - Operation not permitted")
        else:
            _signal(sh, task, sig)
    if errors:
        raise CommandError("\n".join(errors))
    return ""


KILLALL_USAGE = (
    "Usage: killall [ -egiqvw ] [ -signal ] name ...\n       killall -l, --list\n"
    "       killall -V --version"
)


def _killall_parser() -> ArgParser:
    p = ArgParser("killall", "Signal every task with this command name (psmisc).")
    p.add_argument("-s", "--signal", dest="sig", metavar="SIG", help="signal (default TERM)")
    p.add_argument("-v", dest="verbose", action="store_true", help="report what was killed")
    p.add_argument("-q", dest="quiet", action="store_true", help="do not complain")
    p.add_argument("-l", dest="list", action="store_true", help="list the signal names")
    p.add_argument("names", nargs="*", metavar="NAME")
    return p


def _complete_killall(sh: Shell, before: list[str], prefix: str) -> list[str]:
    if before and before[-1] in ("-s", "--signal"):
        return complete_signals(prefix, dash=False)
    if prefix.startswith("-"):
        return options(prefix, ("-s", "-v", "-q")) + complete_signals(prefix)
    return matching(prefix, (t.comm for t in sh.kernel.tasks.values()))


_KILLALL_OPTIONS = frozenset(("-s", "--signal", "-v", "-q", "-l", "-h", "--help"))


def killall_names() -> str:
    """psmisc's ``killall -l``: the names, wrapped at 80 columns."""
    lines, line = [], ""
    for name in [*SIGNALS, "UNUSED"]:
        if line and len(line) + 1 + len(name) > 79:
            lines.append(line)
            line = ""
        line = f"{line} {name}" if line else name
    return "\n".join([*lines, line])


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
    parser = _killall_parser()
    args = parse(parser, words)
    if args.list:
        return killall_names()
    if not args.names:
        raise CommandError(KILLALL_USAGE, 1)
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
            if not may_act_on(uid, task):
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
