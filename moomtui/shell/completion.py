"""Tab completion for the console: command names, then whatever the command takes.

:func:`complete_line` finds the word being typed (the last one, or an empty one after a
space) and asks the command's completer for candidates; each candidate is a whole word to
put in its place. The helpers here complete the things several commands share: ``/proc``
paths, pids, users and signal names.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..kernel.constants import SIGNALS
from ..kernel.procfs import ProcError, is_dir, list_proc
from .base import COMMANDS, CWD, matching, resolve
from .lines import last_command
from .session import PASSWD

if TYPE_CHECKING:
    from .shell import Shell


def complete_line(sh: Shell, line: str) -> list[str]:
    """Candidates for the word being typed at the end of ``line``: in a pipeline, a word of
    its last command (``dmesg | gr`` completes ``grep``)."""
    line = last_command(line)
    try:
        words = shlex.split(line)
    except ValueError:
        words = line.split()
    if not line or line[-1].isspace():
        prefix, before = "", words
    else:
        prefix, before = (words[-1], words[:-1]) if words else ("", [])
    if not before:
        return matching(prefix, COMMANDS)
    if before[-1] in (">", ">>"):
        return complete_path(sh, prefix, sysctl_only=True)
    if prefix.startswith(">"):
        bare = prefix.lstrip(">")
        marks = prefix[: len(prefix) - len(bare)]
        return [marks + c for c in complete_path(sh, bare, sysctl_only=True)]
    cmd = COMMANDS.get(before[0])
    if cmd is None or cmd.complete is None:
        return []
    return list(dict.fromkeys(cmd.complete(sh, before[1:], prefix)))


def complete_path(
    sh: Shell, prefix: str, *, dirs_only: bool = False, sysctl_only: bool = False
) -> list[str]:
    """``/proc`` paths (absolute, or relative to ``/proc``) that start with ``prefix``;
    directories end with ``/``."""
    head, slash, base = prefix.rpartition("/")
    directory = resolve(head) if head else ("/" if prefix.startswith("/") else CWD)
    if directory == "/":
        entries = ["proc"]
    else:
        try:
            entries = list_proc(sh.kernel, directory)
        except ProcError:
            return []
    out: list[str] = []
    for entry in entries:
        if not entry.startswith(base):
            continue
        word = f"{head}{slash}{entry}"
        full = f"{directory.rstrip('/')}/{entry}"
        if sysctl_only and not (full + "/").startswith("/proc/sys/") and full != "/proc":
            continue
        if is_dir(sh.kernel, full) or full == "/proc":
            out.append(word + "/")
        elif not dirs_only:
            out.append(word)
    return out


def complete_pids(sh: Shell, prefix: str) -> list[str]:
    """Pids of the tasks, in numeric order."""
    return [str(pid) for pid in sorted(sh.kernel.tasks) if str(pid).startswith(prefix)]


def complete_users(prefix: str) -> list[str]:
    return matching(prefix, PASSWD)


def signal_names() -> list[str]:
    """The signals the kernel knows, by number: ``HUP INT QUIT KILL …``."""
    return sorted(SIGNALS, key=SIGNALS.__getitem__)


def complete_signals(prefix: str, *, dash: bool = True) -> list[str]:
    mark = "-" if dash else ""
    return [mark + name for name in signal_names() if (mark + name).startswith(prefix)]


def options(prefix: str, flags: Iterable[str]) -> list[str]:
    return matching(prefix, flags)
