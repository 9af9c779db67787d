"""``moomtui postmortem FILE|-`` and ``moomtui snapshot``: their arguments and their runs.

Without ``--json`` or ``--preset``, on a terminal, the machine opens on the screen (paused,
the report's victim marked); piped, or with ``--print``, the verdicts are printed. Every
error is one line and exit status 2; a preset is never written over an existing file. The
JSON keeps names readable but escapes whatever a terminal would act on
(:func:`moomtui.text.dumps`).
"""

from __future__ import annotations

import argparse
import errno
import gc
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..output import SCHEMA_VERSION, versioned
from ..text import dumps, one_line
from ..userfiles import (
    STDIN,
    STDIN_NAME,
    UserFileError,
    read_stdin_blocks,
    read_user_blocks,
)
from .live import PROC
from .logread import read_blocks
from .rebuild import rebuild_each, rebuild_nth
from .render import report_json, report_text
from .report import Log, ReportError
from .said import Said
from .scan import BLOCK
from .timeline import Timeline
from .verdict import Judgement, judge

# What printing a log's verdicts does not use is imported where it is: the advice, the
# preset (which the simulator's preset checker reads), this machine's /proc, the screen.
if TYPE_CHECKING:
    from .advice import Advice
    from .preset import PresetText
    from .records import Machine

COMMANDS = ("postmortem", "snapshot")
MAX_INPUT = 64 << 30
"""The largest log read (64 GiB): it is read a block at a time, in bounded memory."""
CHUNK = 1 << 16
"""The printed reports are written this many characters at a time (at least)."""


class RealError(Exception):
    """A user error of these commands; ``str()`` is the one-line message."""


def add_arguments(command: str, p: argparse.ArgumentParser) -> None:
    if command == "postmortem":
        p.description = (
            "Replay a kernel OOM report: rebuild the machine as it was, show which task "
            "each era's OOM killer (and earlyoom) would have chosen, and whether the "
            "report's own kernel's rule picks the task the kernel did."
        )
        p.add_argument(
            "file", metavar="FILE", help="the report (dmesg, journal, syslog); - reads stdin"
        )
        p.add_argument(
            "--report",
            type=int,
            default=1,
            metavar="N",
            help="which report of the file to open or write as a preset (default: 1)",
        )
        p.add_argument(
            "--protect",
            metavar="NAME",
            help="say what would have spared the tasks of this name (or this pid) in each "
            "era, and who would have died instead (implies --advice)",
        )
        p.add_argument(
            "--advice",
            action="store_true",
            help="estimate what would have saved the machine: more RAM, swap or limit, "
            "earlyoom, memory.high",
        )
    else:
        p.description = (
            "Read this machine from /proc and show who each OOM policy would kill right now, "
            "with the score the running kernel gives every process."
        )
        p.add_argument(
            "--proc", type=Path, default=PROC, metavar="DIR", help="read another /proc tree"
        )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the result as JSON")
    out.add_argument(
        "--preset", type=Path, metavar="OUT.toml", help="write the machine as a preset"
    )
    out.add_argument(
        "--print", action="store_true", help="print the verdicts, do not open the screen"
    )
    p.add_argument("--theme", help="colour theme for the screen")


def run(command: str, ns: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    try:
        if command == "postmortem":
            return _postmortem(ns, stdout, stderr)
        return _snapshot(ns, stdout, stderr)
    except RealError as err:
        print(f"moomtui: {err}", file=stderr)
        return 2


# --------------------------------------------------------------------------- postmortem
def _read_input(name: str) -> tuple[Iterator[bytes], str]:
    """FILE (``-``: stdin) a block at a time, and the name to cite it by."""
    shown = STDIN_NAME if name == STDIN else name
    try:  # a file only if regular, opened without blocking (moomtui.userfiles)
        if name == STDIN:
            return read_stdin_blocks(block=BLOCK, limit=MAX_INPUT), shown
        return read_user_blocks(name, block=BLOCK, limit=MAX_INPUT), shown
    except UserFileError as err:
        raise _input_error(err, name, shown) from None


def _input_error(err: UserFileError, name: str, shown: str) -> RealError:
    if err.errno == errno.ENOENT:
        return RealError(f"{name}: no such file")
    if err.problem == "is a directory":
        return RealError(f"{name}: is a directory, not a report")
    if err.problem.startswith("larger than"):
        return RealError(f"{shown}: larger than {MAX_INPUT >> 30} GiB: not a report")
    return RealError(str(err))


def _postmortem(ns: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    blocks, shown = _read_input(ns.file)
    # Reading a log leaves no cycles for the collector to find (a test reads hostile logs
    # so), and what it builds lives on: the collector is off while it reads, where it
    # walked the growing log again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        log = read_blocks(blocks)
    except ReportError as err:
        raise RealError(f"{shown}:{err.line}: {err.message}") from None
    except UserFileError as err:
        raise _input_error(err, ns.file, shown) from None
    finally:
        if collecting:
            gc.enable()
    for line, what in log.warnings:
        print(f"moomtui: {shown}:{line}: warning: {what}", file=stderr)
    # The log read lives to the end, and what is built after it is a report's worth at a
    # time: a full collection need not walk the log's objects again and again. Given back
    # to the collector when the command is done (a caller in the same process goes on).
    gc.freeze()
    try:
        return _shown(log, ns, shown, stdout)
    finally:
        gc.unfreeze()


def _shown(log: Log, ns: argparse.Namespace, shown: str, stdout: TextIO) -> int:
    """What ``postmortem`` shows of the ``log`` read from ``shown``: the JSON, a preset, the
    screen or the printed reports."""
    if ns.json:
        _write_json(log, shown, stdout, _advisor(ns))
        return 0
    count = len(log.reports)
    if not 1 <= ns.report <= count:
        raise RealError(f"--report {ns.report}: {shown} has {count} report(s)")
    if ns.preset is not None:
        from .preset import machine_preset

        chosen = rebuild_nth(log, ns.report, shown)
        preset = machine_preset(chosen, f"{shown}, {chosen.source}")
        _write(ns.preset, preset, stdout)
        return 0
    if not ns.print and _screen_possible(stdout):
        from .preset import machine_preset

        chosen = rebuild_nth(log, ns.report, shown)
        preset = machine_preset(chosen, f"{shown}, {chosen.source}")
        advisor = _advisor(ns)
        advice = advisor(judge(chosen)) if advisor is not None else None
        return _open(chosen, preset, ns.theme, advice)
    if count > 1:  # a timeline first
        stdout.write("\n".join(Timeline.of(log).lines(one_line)) + "\n\n")
    _details(log, shown, stdout, _advisor(ns))
    for line, why in log.skipped:
        stdout.write(f"\n{shown}:{line}: skipped: {why}\n")
    if log.bare_kills:
        stdout.write(
            f"\n{len(log.bare_kills)} kill(s) printed without a report "
            "(a ratelimited report, or a 2.4 kernel's single line)\n"
        )
    return 0


def _advisor(ns: argparse.Namespace) -> Callable[[Judgement], Advice] | None:
    """What ``--advice``/``--protect NAME`` ask for each report, or None."""
    protect: str | None = ns.protect
    if protect is None and not ns.advice:
        return None
    from .advice import advise

    return lambda j: advise(j, protect)


def _details(
    log: Log,
    shown: str,
    out: TextIO,
    advisor: Callable[[Judgement], Advice] | None,
) -> None:
    """One machine at a time: rebuilt, judged, printed, forgotten — a block an earlier
    report printed in full is named, not repeated (:mod:`.said`)."""
    said = Said() if len(log.reports) > 1 else None
    chunk: list[str] = []  # written CHUNK characters at a time: one check, one write
    size = 0
    for i, machine in enumerate(rebuild_each(log, shown)):
        j = judge(machine)
        text = report_text(j, advisor(j) if advisor is not None else None, said, i + 1)
        chunk.append(f"\n{text}" if i else text)
        size += len(text)
        if size >= CHUNK:
            out.write("".join(chunk))
            chunk.clear()
            size = 0
    out.write("".join(chunk))


def _write_json(
    log: Log, shown: str, out: TextIO, advisor: Callable[[Judgement], Advice] | None
) -> None:
    """``{"version": 1, "reports": [...], "skipped": [...], "kills_without_report": N,
    "timeline": {...}}`` as ``text.dumps(…, indent=2)`` writes it, one report at a time."""
    out.write(f'{{\n  "version": {SCHEMA_VERSION},\n  "reports": [')
    for i, machine in enumerate(rebuild_each(log, shown)):
        out.write(",\n    " if i else "\n    ")
        j = judge(machine)
        body = dumps(report_json(j, advisor(j) if advisor is not None else None), indent=2)
        out.write(body.replace("\n", "\n    "))  # a JSON string holds no line break
    out.write("\n  ]" if log.reports else "]")
    skipped = [{"line": line, "why": why} for line, why in log.skipped]
    body = dumps(skipped, indent=2)
    out.write(',\n  "skipped": ' + body.replace("\n", "\n  "))
    out.write(f',\n  "kills_without_report": {len(log.bare_kills)}')
    body = dumps(Timeline.of(log).json(), indent=2)
    out.write(',\n  "timeline": ' + body.replace("\n", "\n  ") + "\n}\n")


# --------------------------------------------------------------------------- snapshot
def _snapshot(ns: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .live import LiveError, read_machine
    from .preset import machine_preset
    from .render import snapshot_json, snapshot_text

    try:
        machine = read_machine(ns.proc)
    except LiveError as err:
        raise RealError(str(err)) from None
    judgement = judge(machine)
    if ns.json:
        stdout.write(dumps(versioned(snapshot_json(judgement)), indent=2) + "\n")
        return 0
    if ns.preset is not None:
        _write(ns.preset, machine_preset(machine, machine.source), stdout)
        return 0
    if not ns.print and _screen_possible(stdout):
        return _open(machine, machine_preset(machine, machine.source), ns.theme)
    stdout.write(snapshot_text(judgement))
    return 0


# --------------------------------------------------------------------------- output
def _write(path: Path, preset: PresetText, stdout: TextIO) -> None:
    """Write a new file only: a preset someone saved is never overwritten."""
    try:
        with path.open("x", encoding="utf-8") as f:
            f.write(preset.text)
    except FileExistsError:
        raise RealError(f"{path}: exists already (a preset is never written over)") from None
    except OSError as err:
        raise RealError(f"{path}: {err.strerror or err}") from None
    stdout.write(f"wrote {path}\n")
    for note in preset.notes:
        stdout.write(f"  {note}\n")


def _screen_possible(stdout: TextIO) -> bool:
    try:
        return stdout.isatty() and os.isatty(stdout.fileno())
    except (AttributeError, ValueError, OSError):
        return False


def _open(
    machine: Machine, preset: PresetText, theme: str | None, advice: Advice | None = None
) -> int:
    if not sys.stdin.isatty():
        # The report came on stdin: the keyboard is the terminal's.
        try:
            tty = os.open("/dev/tty", os.O_RDONLY)
        except OSError:
            raise RealError("no terminal to read keys from: use --print or --json") from None
        os.dup2(tty, 0)
        os.close(tty)
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    from .screen import open_screen

    return open_screen(machine, preset, theme=theme, advice=advice)
