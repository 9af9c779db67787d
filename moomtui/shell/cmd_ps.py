"""``ps``: procps 3.1 on a 2.4 machine.

Kernel threads show as ``[kswapd]`` with ``SW``, zombies as ``<defunct>``, LinuxThreads
threads as processes of their own. ``ps`` takes procps' three syntaxes mixed — SysV
(``-ef``, ``-o pid,rss,args``, ``-u USER``), BSD (``aux``, ``auxf``, ``k -rss``) and GNU
(``--sort=-rss``, ``--forest``) — and answers a bad option in procps' words (``ERROR:
Unsupported option (BSD syntax)``). Plain ``ps`` lists the current user's processes. The
fields themselves are in :mod:`.ps_fields`; ``pstree`` is in :mod:`.cmd_pstree`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from ..kernel.proc_misc import meminfo
from ..patterns import anchored, scanning
from .base import CommandError, ParseExit, command, parse_int
from .completion import complete_pids, complete_users, options
from .ps_fields import ARGS_FIELDS, EXTRA_FIELDS, PS_FIELDS, PS_SORT_KEYS, sort_value
from .session import lookup_user

if TYPE_CHECKING:
    from ..kernel.task import Task
    from .shell import Shell


PS_HELP = """\
usage: ps [options]
Report the tasks (procps 3.1). Selection: -e/-A every task, -p PIDLIST, -u USERLIST
(effective user), -U USERLIST (real user), BSD a and x (every task), a bare pid list.
Format: -f full, BSD u (user oriented), -o FORMAT (pid,user,rss,args …), BSD f or
--forest (a tree with \\_ marks), -H (indented). Order: --sort [+|-]KEY[,KEY…], BSD
k KEY (keys: pid ppid uid user rss vsz pcpu pmem time start nice comm cmd)."""

_COMMA_OR_SPACE = scanning("[, ]")
_BSD_AUX = anchored("[aux]{2,3}f?")


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
    for part in _COMMA_OR_SPACE.split(text):
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
    for part in _COMMA_OR_SPACE.split(text):
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
            if _BSD_AUX.fullmatch(letters):  # "ps -aux": the BSD options meant
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


FOREST_DEPTH = 32
"""The deepest level a forest indents to (128 columns): a task deeper down is drawn at this
level, so a chain of 30,000 tasks is not 1.8 GB of spaces (procps cuts its lines at the
terminal's width)."""


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
    stack = [(root, 0) for root in reversed(roots)]  # no recursion: a chain may be 32,000 deep
    while stack:
        task, depth = stack.pop()
        out.append((task, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(task.pid, [])))
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
        tasks.sort(key=partial(sort_value, k, key=key, memtotal=memtotal), reverse=reverse)
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
                level = min(depth, FOREST_DEPTH)
                text = (
                    "    " * (level - 1) + " \\_ " if opts.forest == "f" else "  " * level
                ) + text
            cells.append(_cell(text, f.width, i == last))
        lines.append(" ".join(cells).rstrip())
    return "\n".join(lines)
