"""The ``moomtui`` command's arguments: the main parser, each subcommand's, and the one tree of
them shell completions are generated from (:func:`completion_parser`).

Numbers are bounded here: ``--seed`` from 0 to 2^63-1 (as a preset's ``seed``), ``--for`` at
most 24h, ``--seeds`` at most 1000, ``--jobs`` at most 64. A parser's error is one line and
status 2 (:class:`_Parser`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

DESCRIPTION = (
    "Play with the 2003 modular OOM killer: a simulated Linux 2.4 kernel running out of "
    "memory, with oom_panic, oom_kill and oom_kill_parent (and later policies) to insmod "
    "and rmmod."
)
EPILOG = """commands:
  moomtui [PRESET]          open the screen on a preset (default: the most instructive one)
  moomtui campaign          the levels, in order: the patch taught one idea at a time
  moomtui run PRESET        run a preset headless and print the kernel log (-: stdin)
  moomtui compare PRESET    score the OOM policies side by side on a preset
  moomtui sweep SPEC.toml   run a sweep: presets × policies × parameters × seeds (docs/lab.md)
  moomtui check PRESET...   validate presets (exit 0 if all are good, 2 otherwise)
  moomtui presets           list the shipped presets
  moomtui schema            print the JSON Schema of presets, for editors
  moomtui postmortem FILE   replay a kernel OOM report: who each era would have killed
  moomtui snapshot          this machine from /proc: who each policy would kill now
  moomtui serve             play in a web browser (needs the web extra: moomtui[web])
  moomtui completion SHELL  print the completion script for bash, zsh or fish

`moomtui COMMAND -h` tells more about each.
"""
SUMMARIES = {
    "campaign": "the campaign's levels, in order, on the screen",
    "run": "run a preset headless and print the kernel log",
    "compare": "score the OOM policies side by side on a preset",
    "sweep": "run a sweep of presets, policies, parameters and seeds",
    "check": "validate presets",
    "presets": "list the shipped presets (and yours)",
    "schema": "print the JSON Schema of presets, for editors",
    "postmortem": "replay a kernel OOM report",
    "snapshot": "this machine from /proc: who each policy would kill now",
    "serve": "play in a web browser",
    "completion": "print the shell completion script (bash, zsh, fish)",
}
"""Each subcommand in a few words, as shell completions describe it."""
SUBCOMMANDS = tuple(SUMMARIES)
COMPLETION_SHELLS = ("bash", "zsh", "fish")
SEED_MAX = (1 << 63) - 1
PRESET_HELP = "a shipped preset's name or a .toml path; - reads it from stdin"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, status 2
        self.exit(2, f"{self.prog}: {message}\n")


class _Version(argparse.Action):
    """``-V``: the installed version (moomtui.install), looked up only when asked for."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(
            option_strings, argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, help=help
        )

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from .install import version

        print(f"moomtui {version()}")
        parser.exit(0)


def _duration(text: str) -> int:
    from .kernel.units import UnitError, parse_duration

    try:
        return parse_duration(text)
    except UnitError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _size(text: str) -> int:
    """``type=`` for a size option (``512M``): bytes, whole pages."""
    from .kernel.constants import PAGE_SIZE
    from .kernel.units import UnitError, parse_size

    try:
        return parse_size(text) * PAGE_SIZE
    except UnitError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _bounded(lo: int, hi: int) -> Callable[[str], int]:
    """``type=`` for an integer option from ``lo`` to ``hi`` (ASCII digits, as presets)."""
    from .kernel.units import UnitError, parse_integer

    def parse(text: str) -> int:
        try:
            return parse_integer(text, lo, hi)
        except UnitError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    parse.__name__ = "integer"
    return parse


def build_parser(*, preset: bool = True) -> argparse.ArgumentParser:
    """The main parser: ``moomtui [PRESET]`` and the screen's options (without ``preset``,
    the root of the completion tree, whose first word is a subcommand)."""
    parser = _Parser(
        prog="moomtui",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-V", "--version", action=_Version, help="print moomtui's version")
    if preset:
        parser.add_argument("preset", nargs="?", help="a shipped preset's name or a .toml path")
    parser.add_argument("--theme", help="colour theme (vga, amber, phosphor, paper, or yours)")
    parser.add_argument("--speed", default="1", help="simulation speed: 0.25 … 1000, or max")
    parser.add_argument("--paused", action="store_true", help="start with the clock stopped")
    parser.add_argument(
        "--seed", type=_bounded(0, SEED_MAX), help="override the preset's seed (0 … 2^63-1)"
    )
    # A browser session of `moomtui serve`: the served profile, no host files.
    parser.add_argument("--served", action="store_true", help=argparse.SUPPRESS)
    return parser


def build_sub_parser(command: str) -> argparse.ArgumentParser:
    p = _Parser(prog=f"moomtui {command}")
    add_sub_arguments(command, p)
    return p


def add_sub_arguments(command: str, p: argparse.ArgumentParser) -> None:
    """``command``'s description and arguments, on ``p``: its own parser, or a subparser
    of the tree the shell completions are generated from (:func:`completion_parser`)."""
    if command == "campaign":
        p.description = (
            "Open the screen on the campaign: game levels in order, each built around one "
            "idea of the 2003 patch, each open once the one before it is won. Progress is "
            "kept with the best scores."
        )
        p.add_argument("--theme", help="colour theme (vga, amber, phosphor, paper, or yours)")
        return
    if command == "run":
        p.description = "Run a preset headless, as fast as the machine allows."
        p.add_argument("preset", help=PRESET_HELP)
        p.add_argument(
            "--for",
            dest="duration",
            type=_duration,
            metavar="DURATION",
            help="how long to simulate (default: the preset's length; at most 24h), e.g. 90s",
        )
        p.add_argument(
            "--seed", type=_bounded(0, SEED_MAX), help="override the preset's seed (0 … 2^63-1)"
        )
        p.add_argument(
            "--script",
            type=Path,
            metavar="FILE",
            help="console commands to run at given times (lines: TIME COMMAND); - reads stdin",
        )
        p.add_argument(
            "--trace", type=Path, metavar="FILE", help="write every kernel event as JSON lines"
        )
        p.add_argument("--json", action="store_true", help="print the final state as JSON")
        p.add_argument(
            "--set",
            dest="overrides",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override a preset key, e.g. machine.swap=128M",
        )
    elif command == "compare":
        p.description = (
            "Run a preset under each OOM policy configuration over several seeds, in parallel, "
            "and compare their score cards."
        )
        p.add_argument("preset", help=PRESET_HELP)
        p.add_argument(
            "--policies",
            metavar="A,B+C,…",
            help="configurations: none, a module, or modules joined by + "
            "(default: none, oom_panic, oom_kill, oom_kill_parent, oom_kill+oom_kill_parent, "
            "and the newer policies that exist)",
        )
        p.add_argument(
            "--seeds",
            type=_bounded(1, 1000),
            default=4,
            metavar="N",
            help="runs per configuration, seeds the preset's, +1, +2 … (default: 4; at most 1000)",
        )
        p.add_argument(
            "--for",
            dest="duration",
            type=_duration,
            metavar="DURATION",
            help="how long to simulate each run (default: the preset's length; at most 24h), "
            "e.g. 90s",
        )
        p.add_argument(
            "--jobs",
            type=_bounded(1, 64),
            metavar="N",
            help="worker processes running the simulations (default: one per CPU core; at most 64)",
        )
        fmt = p.add_mutually_exclusive_group()
        fmt.add_argument("--json", action="store_true", help="print the results as JSON")
        fmt.add_argument("--csv", action="store_true", help="print one line per (policy, seed)")
    elif command == "sweep":
        _sweep_arguments(p)
    elif command == "check":
        p.description = "Validate presets: exit 0 if all are good, 2 otherwise."
        p.add_argument("presets", nargs="+", metavar="PRESET", help=PRESET_HELP)
    elif command == "presets":
        p.description = "List the shipped presets (and yours) with their descriptions."
        p.add_argument(
            "--names", action="store_true", help="only their names, one a line (for scripts)"
        )
    elif command == "schema":
        p.description = (
            "Print the JSON Schema of the preset format, for editors that complete and check "
            "TOML files with one (docs/presets.md)."
        )
    elif command == "serve":
        p.description = (
            "Serve the game to web browsers: each visitor gets a sandboxed session of their own "
            "(no files of this machine, no code). Needs the web extra (moomtui[web]); without "
            "it, serve says how to add it to this moomtui."
        )
        p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
        p.add_argument("--port", type=int, default=8000, help="port to listen on (8000; 0: any)")
        p.add_argument(
            "--public-url", metavar="URL", help="the URL visitors use, if not host:port (a proxy)"
        )
        p.add_argument(
            "--max-sessions", type=int, default=8, metavar="N", help="sessions at once (8)"
        )
        p.add_argument(
            "--idle-timeout",
            type=_duration,
            default="10m",
            metavar="DURATION",
            help="close a session after this long without a key from its visitor (10m)",
        )
        p.add_argument(
            "--max-life",
            type=_duration,
            default="2h",
            metavar="DURATION",
            help="close a session after this long whatever it does (2h; at most 24h)",
        )
        p.add_argument(
            "--session-memory",
            type=_size,
            default="512M",
            metavar="SIZE",
            help="stop a session that uses this much memory (512M; at least 64M)",
        )
        p.add_argument(
            "--session-cpu",
            type=_duration,
            default="30m",
            metavar="DURATION",
            help="stop a session that used this much CPU time (30m)",
        )
        p.add_argument(
            "--seats-per-client",
            type=int,
            default=2,
            metavar="N",
            help="sessions at once from one address (2)",
        )
        p.add_argument(
            "--behind-proxy",
            action="store_true",
            help="a proxy in front: a visitor's address is the last of X-Forwarded-For",
        )
    elif command == "completion":
        p.description = (
            "Print the shell completion script for bash, zsh or fish (generated from "
            "moomtui's own argument parsers); the README says where to put it."
        )
        p.add_argument("shell", choices=COMPLETION_SHELLS, help="the shell to complete in")
    else:
        from .real.cli import add_arguments

        add_arguments(command, p)


def _sweep_arguments(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Run every combination a sweep file names — presets (workload families too), policy "
        "configurations, module parameters and sysctls, seeds — append one row per run to a "
        "results file, and summarise (docs/lab.md)."
    )
    p.add_argument("spec", type=Path, metavar="SPEC", help="the sweep file (.toml)")
    p.add_argument(
        "--out",
        metavar="FILE",
        help="the results file: .csv, .jsonl or .parquet (default: SPEC's name .results.csv)",
    )
    p.add_argument("--resume", action="store_true", help="continue the sweep in --out")
    p.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="local worker processes (default), or Dask (a LocalCluster; needs moomtui[cluster])",
    )
    p.add_argument(
        "--scheduler", metavar="URL", help="a Dask scheduler to run on, e.g. tcp://host:8786"
    )
    p.add_argument(
        "--jobs",
        type=_bounded(1, 64),
        metavar="N",
        help="local workers, or a LocalCluster's (default: one per CPU core; at most 64)",
    )
    p.add_argument(
        "--seeds",
        type=_bounded(1, 100000),
        metavar="N",
        help="seeds per preset, overriding the spec's (the preset's seed, +1, +2 …)",
    )
    p.add_argument(
        "--for",
        dest="duration",
        type=_duration,
        metavar="DURATION",
        help="each run's length, overriding the spec's (at most 24h)",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="print the runs it expands to and the time"
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument(
        "--report", metavar="FILE", help="write the summary as an HTML page (.svg: the charts)"
    )
    p.add_argument(
        "--chart",
        metavar="CRITERION",
        help="draw a criterion's medians after the summary, e.g. work_lost",
    )
    pairs = p.add_mutually_exclusive_group()
    pairs.add_argument(
        "--pair",
        nargs=2,
        action="append",
        metavar=("A", "B"),
        help="count configuration A against B seed by seed (wins/losses/ties; repeatable; "
        "as the summary names them)",
    )
    pairs.add_argument(
        "--all-pairs",
        action="store_true",
        help="count every two configurations against each other (at most 16 configurations)",
    )


def completion_parser() -> argparse.ArgumentParser:
    """The whole command as one argparse tree — the main parser, each subcommand a
    subparser filled by :func:`add_sub_arguments` — for shtab to generate completions from.
    (The command itself parses in two steps, so that ``moomtui PRESET`` and ``moomtui run``
    share a first word; the first word completes to a subcommand.) What an argument
    completes to: a preset's name (the names ``moomtui
    presets --names`` prints when Tab is pressed, yours included), a file (``check``'s
    presets, ``--script``, a report…), or ``--proc``'s directory."""
    import shtab

    names = shtab.cmd("moomtui presets --names")
    root = build_parser(preset=False)
    commands = root.add_subparsers(dest="command", metavar="COMMAND")
    parsers = [root]
    for command, summary in SUMMARIES.items():
        sub = commands.add_parser(command, help=summary)
        add_sub_arguments(command, sub)
        parsers.append(sub)
    for parser in parsers:
        for action in parser._actions:
            if action.dest == "preset" and not action.option_strings:
                action.complete = names  # type: ignore[attr-defined]
            elif action.dest == "proc":
                action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
            elif action.type is Path or action.dest in ("file", "presets"):
                action.complete = shtab.FILE  # type: ignore[attr-defined]
    return root


def completion_script(shell: str) -> str:
    """``moomtui completion SHELL``: the script, generated by shtab from the parsers."""
    import shtab

    return shtab.complete(completion_parser(), shell=shell)
