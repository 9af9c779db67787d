"""``moomsh``: the one command language of the console, scripts, presets and the palette.

A line is split like ``sh`` splits it (``shlex``: quotes, backslashes, ``#`` comments) with
one redirection, ``COMMAND > FILE`` (or ``>>``), whose target can only be a ``/proc/sys``
file — that is how ``echo 5 > /proc/sys/kernel/panic`` works. Pipes, lists and input
redirection are refused with a syntax error. The working directory is ``/proc``, so
``cat meminfo`` and ``ls sys/vm`` work.

:meth:`Shell.execute` never raises: a command's failure is its one-line message and a
non-zero status, an unknown command is ``moomsh: foo: command not found`` (127), and a bug
in a command is reported as ``moomsh: internal error: …`` (1).
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from ..kernel.constants import EINVAL, EPERM
from ..kernel.procfs import EIO, ProcError, open_for_write, write_proc
from . import cmd_files, cmd_modules, cmd_session, cmd_system, cmd_tasks
from .base import COMMANDS, CommandError, ParseExit, Result, resolve
from .completion import complete_line
from .session import Session

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel

PROMPT_NAME = "moomsh"

# The command modules register themselves on import.
_COMMAND_MODULES = (cmd_files, cmd_modules, cmd_session, cmd_system, cmd_tasks)

_WRITE_ERRORS = frozenset((EPERM, EINVAL, EIO))
"""Errors a ``/proc/sys`` file gives at ``write()`` rather than at ``open()``."""


class LineError(ValueError):
    """A line the shell cannot split (bad quoting, an unsupported operator)."""


def split_line(line: str) -> tuple[list[str], str | None]:
    """The words of ``line`` and the target of its ``>`` redirection (None without one).

    Words after the target are arguments too, as in ``sh``.
    """
    cut = len(line)
    redirects: list[tuple[int, int]] = []
    quote = ""
    word_start = True
    i = 0
    while i < len(line):
        c = line[i]
        start = False
        if quote == "'":
            quote = "" if c == "'" else quote
        elif quote == '"':
            if c == "\\":
                i += 1
            elif c == '"':
                quote = ""
        elif c == "\\":
            i += 1
        elif c in "'\"":
            quote = c
        elif c == "#" and word_start:
            cut = i
            break
        elif c == ">":
            if redirects and redirects[-1][1] == i and i - redirects[-1][0] == 1:
                redirects[-1] = (redirects[-1][0], i + 1)
            else:
                redirects.append((i, i + 1))
            start = True
        elif c in "|;&<":
            raise LineError(f"syntax error: '{c}' is not supported")
        else:
            start = c.isspace()
        word_start = start
        i += 1
    if len(redirects) > 1:
        raise LineError("syntax error: only one redirection is supported")
    try:
        if not redirects:
            return shlex.split(line[:cut]), None
        begin, end = redirects[0]
        words = shlex.split(line[:begin])
        target = shlex.split(line[end:cut])
    except ValueError as err:
        raise LineError(f"syntax error: {err}") from None
    if not target:
        raise LineError("syntax error near unexpected token `newline'")
    return words + target[1:], target[0]


def check_line(line: str) -> str | None:
    """Why ``line`` cannot run (bad syntax, unknown command, bad options), or None.

    Only what can be known without a machine is checked: the command's own parser, where
    it has one, but not whether a pid or a module exists.
    """
    try:
        words, _ = split_line(line)
    except LineError as err:
        return str(err)
    if not words:
        return None
    cmd = COMMANDS.get(words[0])
    if cmd is None:
        return f"{words[0]}: command not found"
    if cmd.parser is not None and cmd.check:
        try:
            cmd.parser().parse_intermixed_args(words[1:])
        except ParseExit as exc:
            if exc.status != 0:
                return exc.text.strip().splitlines()[-1]
        except Exception:  # a parser argparse cannot intermix: the run will tell
            return None
    return None


check_command = check_line
"""The name presets use for :func:`check_line`."""


def command_names() -> list[str]:
    return sorted(COMMANDS)


class Shell:
    """Runs command lines against ``session.kernel``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def kernel(self) -> Kernel:
        """``session.kernel``, read each time: a reboot or a preset switch may replace it."""
        return self.session.kernel

    def commands(self) -> list[str]:
        """Every command name, sorted."""
        return command_names()

    def complete(self, line: str) -> list[str]:
        """Candidates for the last word of ``line`` (each a whole replacement word)."""
        try:
            return complete_line(self, line)
        except Exception:  # completion must never break the console
            return []

    def execute(self, line: str, record: bool = True) -> Result:
        """Run ``line`` (several lines run in turn); never raises.

        With ``record`` every line that names a known command — except ``script`` and
        ``history`` — is appended to ``session.recorded`` with the time it was typed at
        (``session.now()``).
        """
        try:
            lines = line.splitlines() or [""]
            results = [self._execute(one, record) for one in lines]
        except (Exception, SystemExit) as exc:
            return Result(f"{PROMPT_NAME}: internal error: {type(exc).__name__}: {exc}", 1)
        if len(results) == 1:
            return results[0]
        output = "\n".join(r.output for r in results if r.output)
        return Result(output, results[-1].status)

    def _execute(self, line: str, record: bool) -> Result:
        line = line.strip()
        if not line or line.startswith("#"):
            return Result("", 0)
        self.session.sync()
        try:
            words, target = split_line(line)
        except LineError as err:
            return Result(f"{PROMPT_NAME}: {err}", 2)
        if not words:
            return self._redirect_only(target)
        cmd = COMMANDS.get(words[0])
        if cmd is None:
            return Result(f"{PROMPT_NAME}: {words[0]}: command not found", 127)
        if record and cmd.record:
            self.session.record(line)
        if target is not None:
            try:
                open_for_write(self.kernel, resolve(target))
            except ProcError as err:
                return Result(f"{PROMPT_NAME}: {target}: {err.strerror}", 1)
        output, status = self._run(cmd.name, words[1:])
        if target is None or status != 0:
            return Result(output.removesuffix("\n"), status)
        try:
            write_proc(self.kernel, resolve(target), output)
        except ProcError as err:
            where = words[0] if err.errno in _WRITE_ERRORS else target
            what = "write error: " if err.errno in _WRITE_ERRORS else ""
            return Result(f"{PROMPT_NAME}: {where}: {what}{err.strerror}", 1)
        return Result("", 0)

    def _redirect_only(self, target: str | None) -> Result:
        """``> FILE`` alone opens (and truncates) the file: only the open can fail."""
        if target is not None:
            try:
                open_for_write(self.kernel, resolve(target))
            except ProcError as err:
                return Result(f"{PROMPT_NAME}: {target}: {err.strerror}", 1)
        return Result("", 0)

    def _run(self, name: str, argv: list[str]) -> tuple[str, int]:
        """The command's raw standard output (stderr appended) and its status.

        Running a command is an entry point of the kernel: if the machine panics under it,
        the command's output is lost and the answer is the panic line the console shows.
        """
        cmd = COMMANDS[name]
        kernel = self.kernel
        try:
            panicked = True
            with kernel.entry:
                out = cmd.run(self, argv)
                panicked = False
            if panicked:
                return f"Kernel panic: {kernel.panicked}", 1
        except ParseExit as exc:
            return exc.text.removesuffix("\n"), exc.status
        except CommandError as err:
            text = err.output.removesuffix("\n")
            return (f"{text}\n{err.message}" if text else err.message), err.status
        if isinstance(out, Result):
            return out.output, out.status
        return out or "", 0
