"""``moomsh``: the one command language of the console, scripts, presets and the palette.

A command line is a pipeline of commands: ``dmesg | grep oom | tail -n 3``. It is split
like ``sh`` splits it (``shlex``: quotes, backslashes, ``#`` comments; a ``|`` inside quotes
is a plain character) by :func:`~.lines.split_pipeline`, with one redirection at the end of
the last command, ``COMMAND > FILE`` (or ``>>``), whose target can only be a ``/proc/sys``
file — that is how ``echo 5 > /proc/sys/kernel/panic`` works. Lists (``;``, ``&&``, ``||``),
background jobs and input redirection are refused with a syntax error, and so are an empty
command in a pipeline, any line break — every character ``str.splitlines()`` splits on — and
any other control character but the tab, or an invisible format character (a bidirectional
override): what looks like one line is one line, wherever it comes from.
A line is at most :data:`MAX_LINE` characters and :data:`~.lines.MAX_STAGES` commands. The
working directory is ``/proc``, so ``cat meminfo`` and ``ls sys/vm`` work, and the commands
that take paths expand ``*``, ``?`` and ``[...]`` against it (:mod:`.globs`).

In a pipeline each command's standard output is the next one's input (:attr:`Shell.stdin`,
at most :data:`MAX_PIPE` characters); what a command prints on standard error goes to the
console, before the last command's output; the line's status is the last command's, as in
``sh``. No command is a program of the host: every one is moomsh's own, on the simulated
machine.

:func:`split_pipeline` is the one splitter: the console, ``--script`` files (one line after
its time), presets' ``[[events]]`` and ``kernel.modules`` (one command there) and ``check``
all use it. Every line runs under the session's capability profile (:mod:`.profile`),
narrowed for a line that comes from a preset; :func:`check_line` and :meth:`Shell.execute`
apply it to every command of the line through the same :func:`refusal`, before any of them
runs.

:meth:`Shell.execute` never raises: a command's failure is its one-line message and a
non-zero status, an unknown command is ``moomsh: foo: command not found`` (127), a command
the profile does not allow is ``moomsh: boot: Operation not permitted in a preset`` (126) —
for any command of a pipeline, and then none of them runs —, and a bug in a command is
reported as ``moomsh: internal error: …`` (1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import errors
from ..interrupt import is_user_interrupt
from ..kernel.errno import EINVAL, EIO, EPERM
from ..kernel.panic import KernelPanic
from ..kernel.procfs import ProcError, open_for_write, write_proc
from . import (
    cmd_columns,
    cmd_explain,
    cmd_files,
    cmd_modules,
    cmd_policy,
    cmd_ps,
    cmd_pstree,
    cmd_rewind,
    cmd_session,
    cmd_signals,
    cmd_sort,
    cmd_system,
    cmd_tasks,
    cmd_text,
    cmd_top,
)
from .base import (
    COMMANDS,
    Command,
    CommandError,
    ParseExit,
    Result,
    clip,
    clip_lines,
    refused_in,
    resolve,
)
from .completion import complete_line
from .lines import MAX_LINE, LineError, split_pipeline
from .profile import LOCAL_CONSOLE, Profile
from .session import Session

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel

PROMPT_NAME = "moomsh"

# The command modules register themselves on import.
_COMMAND_MODULES = (
    cmd_columns,
    cmd_explain,
    cmd_files,
    cmd_modules,
    cmd_policy,
    cmd_ps,
    cmd_pstree,
    cmd_rewind,
    cmd_session,
    cmd_signals,
    cmd_sort,
    cmd_system,
    cmd_tasks,
    cmd_text,
    cmd_top,
)

MAX_PIPE = 4 << 20
"""The most a command may print into a pipe, in characters (``ps aux`` on 30,000 tasks
prints 2 MiB): each command reads what the one before printed, and some add to it."""

_WRITE_ERRORS = frozenset((EPERM, EINVAL, EIO))
"""Errors a ``/proc/sys`` file gives at ``write()`` rather than at ``open()``."""


def refusal(cmd: Command, argv: list[str], profile: Profile) -> str | None:
    """Why ``profile`` may not run ``cmd`` with ``argv``, or None: the command is not
    allowed, or its guard refuses these arguments."""
    if not profile.allows(cmd.name):
        return f"{cmd.name}: {refused_in(profile)}"
    if cmd.guard is None:
        return None
    try:
        refused = cmd.guard(profile, argv)
    except ParseExit:  # bad usage: the run reports it
        return None
    return None if refused is None else clip_lines(refused)


def check_line(line: str, profile: Profile = LOCAL_CONSOLE) -> str | None:
    """Why ``line`` cannot run under ``profile`` (bad syntax, unknown command, a command or
    arguments the profile does not allow, bad options — in any command of a pipeline), or
    None.

    Only what can be known without a machine is checked: the command's own parser, where
    it has one, but not whether a pid or a module exists.
    """
    try:
        stages, _ = split_pipeline(line)
    except LineError as err:
        return str(err)
    for words in stages:
        problem = _check_command(words, profile) if words else None
        if problem is not None:
            return problem
    return None


def _check_command(words: list[str], profile: Profile) -> str | None:
    cmd = COMMANDS.get(words[0])
    if cmd is None:
        return f"{clip(words[0])}: command not found"
    refused = refusal(cmd, words[1:], profile)
    if refused is not None:
        return refused
    if cmd.parser is not None and cmd.check:
        parser = cmd.parser()
        try:
            parser.parse_intermixed_args(words[1:])
        except ParseExit as exc:
            if exc.status != 0:
                lines = exc.text.strip().splitlines()
                # A tool's own wording puts the complaint first and its usage after.
                return clip_lines(lines[0] if parser.usage_line is not None else lines[-1])
        except Exception:  # a parser argparse cannot intermix: the run will tell
            return None
    return None


check_command = check_line
"""The name presets use for :func:`check_line`."""


def command_names() -> list[str]:
    return sorted(COMMANDS)


class Shell:
    """Runs command lines against ``session.kernel``, under the session's profile."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.profile: Profile = session.profile
        """The profile of the line running now (the session's, or narrower)."""
        self.stdin: str | None = None
        """What the command before the running one in its pipeline printed (None: the
        running command is the first of its line, and reads no input)."""
        self.piped = False
        """Whether the running command's output goes to a pipe or a file, not the
        terminal."""

    @property
    def kernel(self) -> Kernel:
        """``session.kernel``, read each time: a reboot or a preset switch may replace it."""
        return self.session.kernel

    def commands(self) -> list[str]:
        """Every command name, sorted."""
        return command_names()

    def complete(self, line: str) -> list[str]:
        """Candidates for the last word of ``line`` (each a whole replacement word)."""
        if len(line) > MAX_LINE:
            return []
        try:
            return complete_line(self, line)
        except Exception:  # completion must never break the console
            return []

    def execute(self, line: str, record: bool = True, profile: Profile | None = None) -> Result:
        """Run the command ``line``; never raises (but for a real Ctrl+C and a panic).

        ``profile`` narrows the session's profile for this line (a preset's event runs with
        :data:`~moomtui.shell.profile.PRESET`). With ``record`` a line that names a known
        command — except ``script`` and ``history`` — is appended to ``session.recorded``
        with the time it was typed at (``session.now()``).
        """
        session = self.session.profile
        self.profile = session if profile is None else session.narrow(profile)
        try:
            return self._execute(line, record)
        except KernelPanic:  # the machine panicked: the kernel's entry points handle it
            raise
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt) and is_user_interrupt(exc):
                raise
            return Result(clip_lines(f"{PROMPT_NAME}: {errors.internal_error(exc)}", 400), 1)
        finally:
            self.profile = self.session.profile

    def _execute(self, line: str, record: bool) -> Result:
        self.session.sync()
        try:
            stages, target = split_pipeline(line)
        except LineError as err:
            return Result(f"{PROMPT_NAME}: {err}", 2)
        if not stages[0]:
            return self._redirect_only(target)
        cmds: list[Command] = []
        for words in stages:
            cmd = COMMANDS.get(words[0])
            if cmd is None:
                return Result(f"{PROMPT_NAME}: {clip(words[0])}: command not found", 127)
            refused = refusal(cmd, words[1:], self.profile)
            if refused is not None:
                return Result(clip_lines(f"{PROMPT_NAME}: {refused}"), 126)
            cmds.append(cmd)
        if record and all(cmd.record for cmd in cmds):
            self.session.record(line.strip())
        if target is not None:
            try:
                open_for_write(self.kernel, resolve(target))
            except ProcError as err:
                return Result(f"{PROMPT_NAME}: {clip(target)}: {err.strerror}", 1)
        shown: list[str] = []
        """What the commands before the last one printed on standard error."""
        stdin: str | None = None
        for i, (cmd, words) in enumerate(zip(cmds, stages, strict=True)):
            last = i == len(cmds) - 1
            ran = self._run(cmd.name, words[1:], stdin, piped=not last or target is not None)
            if ran.panicked:
                return Result(ran.output, 1)
            if last:
                break
            if ran.stderr:
                shown.append(ran.stderr.removesuffix("\n"))
            stdin = ran.stdout
            if stdin and not ran.exact and not stdin.endswith("\n"):
                stdin += "\n"  # the line a command's text ends with, as a program writes it
            if len(stdin) > MAX_PIPE:
                shown.append(
                    f"{PROMPT_NAME}: {cmd.name}: more than {MAX_PIPE} characters of output: "
                    "too much for a pipe"
                )
                return Result(clip_lines("\n".join(shown)), 1)
        if target is None or ran.status != 0:
            return Result("\n".join([*shown, ran.output.removesuffix("\n")]), ran.status)
        try:
            write_proc(self.kernel, resolve(target), ran.stdout)
        except ProcError as err:
            where = words[0] if err.errno in _WRITE_ERRORS else clip(target)
            what = "write error: " if err.errno in _WRITE_ERRORS else ""
            shown.append(f"{PROMPT_NAME}: {where}: {what}{err.strerror}")
            return Result("\n".join(shown), 1)
        return Result("\n".join(shown), 0)

    def _redirect_only(self, target: str | None) -> Result:
        """``> FILE`` alone opens (and truncates) the file: only the open can fail."""
        if target is not None:
            try:
                open_for_write(self.kernel, resolve(target))
            except ProcError as err:
                return Result(f"{PROMPT_NAME}: {clip(target)}: {err.strerror}", 1)
        return Result("", 0)

    def _run(self, name: str, argv: list[str], stdin: str | None, *, piped: bool) -> Ran:
        """What the command printed and its status.

        ``stdin`` is what the command before it in a pipeline printed (None: it is the
        first); ``piped``, whether its standard output goes to a pipe or a file rather than
        the terminal. Running a command is an entry point of the kernel: if the machine
        panics under it, the command's output is lost and the answer is the panic line the
        console shows.
        """
        cmd = COMMANDS[name]
        kernel = self.kernel
        outer = self.stdin, self.piped  # a line run while this one runs (an event) restores
        self.stdin, self.piped = stdin, piped
        try:
            panicked = True
            with kernel.entry:
                out = cmd.run(self, argv)
                panicked = False
            if panicked:
                return Ran(f"Kernel panic: {kernel.panicked}", "", "", 1, panicked=True)
        except ParseExit as exc:
            text = exc.text.removesuffix("\n")
            if exc.status == 0:  # -h: the help is the output
                return Ran(text, exc.text, "", 0)
            return Ran(clip_lines(text), "", clip_lines(exc.text), exc.status)
        except CommandError as err:
            text = err.output.removesuffix("\n")
            message = clip_lines(err.message)
            output = f"{text}\n{message}" if text else message
            return Ran(output, err.output, message + "\n", err.status)
        finally:
            self.stdin, self.piped = outer
        if isinstance(out, Result):
            stdout = out.output if out.stdout is None else out.stdout
            return Ran(out.output, stdout, out.stderr, out.status, exact=out.stdout is not None)
        return Ran(out or "", out or "", "", 0)


@dataclass(frozen=True, slots=True)
class Ran:
    """One command of a line, run: what the terminal shows (``output``), its standard
    output and error apart, its status and whether the machine panicked under it."""

    output: str
    stdout: str
    stderr: str
    status: int
    panicked: bool = False
    exact: bool = False
    """Whether ``stdout`` is exactly what the command wrote: otherwise its last line may
    lack the newline a program ends its lines with (a command's text may leave it off)."""
