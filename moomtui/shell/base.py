"""What every console command is made of: a parser, a run function, a completer.

Commands register themselves with :func:`command` in the ``cmd_*`` modules; the
:class:`~moomtui.shell.shell.Shell` looks them up in :data:`COMMANDS`. A command's run
function gets the shell and its arguments and returns its standard output as text (a
trailing newline, as a real program writes, is optional); it reports failure by raising
:class:`CommandError` with the tool's one-line message. Parsers are
:class:`ArgParser`\\ s: ``argparse`` parsers that hand back their usage, error and ``-h``
text instead of printing it and exiting.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any, NoReturn

from ..kernel.units import UnitError, parse_integer

if TYPE_CHECKING:
    from .profile import Profile
    from .shell import Shell

USAGE_STATUS = 2
HELP_WIDTH = 80
CWD = "/proc"
"""The console's working directory: relative paths are read under ``/proc``."""

INT64_MAX = (1 << 63) - 1
MAX_MESSAGE = 240
"""An error line is cut to this many characters: a user's word quoted in it may be long."""


@dataclass(slots=True)
class Result:
    """What a command line printed (standard output and error, in order) and its status.

    A command that prints errors between its output (``cat meminfo nope``) may say what
    went where: ``stdout`` is its standard output alone, ``stderr`` its errors — what a
    pipe passes on and what it does not. Without ``stdout`` all of ``output`` is standard
    output."""

    output: str
    status: int = 0
    stdout: str | None = None
    stderr: str = ""


class Output:
    """What a command prints, in order, and on which stream: :meth:`result` is the
    :class:`Result` with both the terminal's view and the streams apart."""

    def __init__(self) -> None:
        self._all: list[str] = []
        self._out: list[str] = []
        self._err: list[str] = []

    def write(self, text: str) -> None:
        """Standard output."""
        self._all.append(text)
        self._out.append(text)

    def error(self, line: str) -> None:
        """One line on standard error; it starts a line of its own on the terminal."""
        if self._all and not self._all[-1].endswith("\n"):
            self._all.append("\n")
        self._all.append(line + "\n")
        self._err.append(line + "\n")

    @property
    def failed(self) -> bool:
        """Whether an error was printed."""
        return bool(self._err)

    def result(self, status: int) -> Result:
        return Result("".join(self._all), status, "".join(self._out), "".join(self._err))


class CommandError(Exception):
    """A command failed: ``message`` is its one-line complaint, ``status`` its exit code.

    ``output`` is what it printed on standard output before failing.
    """

    def __init__(self, message: str, status: int = 1, output: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.output = output


class ParseExit(Exception):
    """An :class:`ArgParser` finished early: ``text`` is its usage/error/help output."""

    def __init__(self, text: str, status: int) -> None:
        super().__init__(text)
        self.text = text
        self.status = status


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.HelpFormatter(prog, width=HELP_WIDTH)


class ArgParser(argparse.ArgumentParser):
    """An ``argparse`` parser that raises :class:`ParseExit` instead of exiting.

    Help is laid out for 80 columns whatever the terminal, so output is deterministic; no
    ``@file`` arguments and no abbreviated long options.
    """

    def __init__(
        self,
        prog: str,
        description: str = "",
        *,
        usage_line: str | None = None,
        usage_status: int = 1,
        **kwargs: Any,
    ) -> None:
        """``usage_line``: the real tool's own usage text; with it, a usage error is told
        as glibc's ``getopt`` and the tool tell it (``free: invalid option -- x`` and then
        the usage line), exit status ``usage_status``, instead of in argparse's words."""
        kwargs.setdefault("formatter_class", _formatter)
        super().__init__(
            prog=prog,
            description=description or None,
            allow_abbrev=False,
            fromfile_prefix_chars=None,
            **kwargs,
        )
        self._printed: list[str] = []
        self.usage_line = usage_line
        self.usage_status = usage_status

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            self._printed.append(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self._printed.append(message)
        text, self._printed = "".join(self._printed), []
        raise ParseExit(text, status)

    def error(self, message: str) -> NoReturn:
        if self.usage_line is not None:
            self._printed = []
            complaint = getopt_message(self.prog, message)
            text = f"{complaint}\n{self.usage_line}" if complaint else self.usage_line
            raise ParseExit(text + "\n", self.usage_status)
        self.print_usage()
        self.exit(USAGE_STATUS, f"{self.prog}: {message}\n")


def getopt_message(prog: str, message: str) -> str:
    """argparse's complaint in the words of glibc 2.3's ``getopt`` (what the 2003 tools
    printed before their usage line), or "" where the tool prints its usage alone."""
    if message.startswith("unrecognized arguments: "):
        word = message.removeprefix("unrecognized arguments: ").split(" ")[0]
        if word.startswith("--"):
            return f"{prog}: unrecognized option `{word}'"
        if word.startswith("-") and len(word) > 1:
            return f"{prog}: invalid option -- {word[1]}"
        return ""
    if message.startswith("argument -") and message.endswith(": expected one argument"):
        option = message.removeprefix("argument ").split(":")[0].split("/")[0]
        if option.startswith("--"):
            return f"{prog}: option `{option}' requires an argument"
        return f"{prog}: option requires an argument -- {option[1:]}"
    return ""


Completer = Callable[["Shell", list[str], str], Iterable[str]]
"""``(shell, words before the current one (after the command name), prefix)`` → candidates."""

RunFn = Callable[["Shell", list[str]], "str | Result | None"]

Guard = Callable[["Profile", list[str]], "str | None"]
"""``(profile, argv)`` → why ``profile`` may not run the command with these arguments."""


@dataclass(frozen=True, slots=True)
class Command:
    """One console command: ``run(shell, argv)`` with ``argv`` the words after its name."""

    name: str
    summary: str
    run: RunFn
    parser: Callable[[], ArgParser] | None = None
    complete: Completer | None = None
    record: bool = True
    """Whether typed lines of this command go into ``Session.recorded``."""
    check: bool = True
    """Whether a script's line is checked with ``parser`` at load (False when the command
    rewrites its arguments before parsing, like ``kill -9``)."""
    guard: Guard | None = None
    """Arguments that need a capability (``insmod ./x.py`` runs code): why a profile may not
    run them, or None. Called when a line is checked and again when it runs."""

    def help_text(self) -> str:
        if self.parser is None:
            return f"{self.name}: {self.summary}"
        return self.parser().format_help().rstrip("\n")


COMMAND_MODULES = (
    "cmd_explain",
    "cmd_files",
    "cmd_modules",
    "cmd_ps",
    "cmd_pstree",
    "cmd_session",
    "cmd_signals",
    "cmd_sort",
    "cmd_system",
    "cmd_tasks",
    "cmd_text",
    "cmd_top",
)
"""The modules of :mod:`moomtui.shell` that define the console's commands."""


class CommandTable(MutableMapping[str, Command]):
    """The console's commands by name: the whole grammar, whoever reads it first.

    Each command registers itself when its module is imported (:func:`command`). The
    modules are imported the first time the table is read, so a reader that imports only
    this module — completion, the screen's palette, a fuzzer building lines from the
    grammar — never finds it empty or partial, whatever was imported before it.
    """

    def __init__(self) -> None:
        self._table: dict[str, Command] = {}
        self._loading = False

    def _loaded(self) -> dict[str, Command]:
        if not self._loading:
            self._loading = True  # for good: a module that reads the table while it loads
            for module in COMMAND_MODULES:  # sees what is registered so far
                import_module(f"{__package__}.{module}")
        return self._table

    def __getitem__(self, name: str) -> Command:
        return self._loaded()[name]

    def __setitem__(self, name: str, cmd: Command) -> None:
        self._table[name] = cmd

    def __delitem__(self, name: str) -> None:
        del self._loaded()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


COMMANDS = CommandTable()


def command(
    name: str,
    summary: str,
    *,
    parser: Callable[[], ArgParser] | None = None,
    complete: Completer | None = None,
    record: bool = True,
    check: bool = True,
    guard: Guard | None = None,
) -> Callable[[RunFn], RunFn]:
    """Register the decorated function as console command ``name``."""

    def register(fn: RunFn) -> RunFn:
        COMMANDS[name] = Command(name, summary, fn, parser, complete, record, check, guard)
        return fn

    return register


def parse(parser: ArgParser, argv: Sequence[str], *, intermixed: bool = False) -> Any:
    """``parser.parse_args(argv)``; usage errors and ``-h`` become :class:`ParseExit`."""
    if intermixed:
        return parser.parse_intermixed_args(list(argv))
    return parser.parse_args(list(argv))


def parse_int(text: str) -> int:
    """A decimal integer written with ASCII digits that fits 64 bits, as ``strtoll`` reads
    one (``int()`` would take ``"١٢"`` and ten thousand digits too); ValueError otherwise."""
    try:
        return parse_integer(text, -INT64_MAX, INT64_MAX)
    except UnitError:
        raise ValueError(f"not an integer: {clip(text)!r}") from None


def int_arg(text: str) -> int:
    """``type=`` for argparse: a decimal integer."""
    try:
        return parse_int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: '{text}'") from None


def matching(prefix: str, candidates: Iterable[str]) -> list[str]:
    """The candidates that start with ``prefix``, sorted, without duplicates."""
    return sorted({c for c in candidates if c.startswith(prefix)})


def refused_in(profile: Profile) -> str:
    """``Operation not permitted in a preset``: how a refusal by the profile reads."""
    return f"Operation not permitted in {profile.label}"


def clip(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters (the last one an ellipsis), to quote it."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip_lines(text: str, limit: int = MAX_MESSAGE) -> str:
    """Every line of ``text`` cut to ``limit`` characters."""
    return "\n".join(clip(line, limit) for line in text.split("\n"))


def resolve(path: str) -> str:
    """``path`` made absolute against the working directory :data:`CWD`."""
    return path if path.startswith("/") else f"{CWD}/{path}"
