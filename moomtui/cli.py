"""The ``moomtui`` command: argument parsing only; the work is done elsewhere.

``moomtui [PRESET]`` opens the screen; ``moomtui run|compare|check|presets|schema`` work
without one. The screen needs a terminal: with stdin or stdout not one (a pipe, a file,
cron), ``moomtui`` says so in one line and exits 2 rather than draw for nobody (a served
session, ``--served``, is the exception: its server relays it).
User errors are one line on stderr and exit status 2, never a traceback; a write that
fails (``--trace`` to a full disk) is one line and status 1; Ctrl+C is status 130. Numbers
are bounded: ``--seed`` from 0 to 2^63-1 (as a preset's ``seed``), ``--for`` at most 24h,
``--seeds`` at most 1000, ``--jobs`` at most 64.

Should anything else go wrong — a bug — a last-resort guard prints one line, ``moomtui:
internal error: …`` with a hint to report it, and exits with status 70 (``EX_SOFTWARE``);
``MOOMTUI_DEBUG=1`` shows the traceback instead.

Whatever the command prints — output, listings, error lines — goes through
:func:`moomtui.text.safe_streams`: text from data that a terminal would act on (an escape
sequence in a preset, a process name, a report) is shown (``\\x1b``), never sent.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, NoReturn

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


def main(argv: Sequence[str] | None = None) -> int:
    """The command with ``argv`` (default: the process's own arguments — then it is the
    last thing the process does, and a run leaves what it built to the exit)."""
    from .interrupt import recording
    from .text import safe_streams

    args = list(sys.argv[1:] if argv is None else argv)
    with recording(), safe_streams():
        try:
            if args and args[0] in SUBCOMMANDS:
                return _subcommand(args[0], args[1:], last=argv is None)
            ns = build_parser().parse_args(args)
            return _tui(ns)
        except KeyboardInterrupt:
            return 130
        except Exception as exc:
            return internal_error(exc)


def internal_error(exc: BaseException) -> int:
    """The last resort: one line on stderr (the traceback with MOOMTUI_DEBUG=1); 70."""
    from . import errors

    if errors.debugging():
        traceback.print_exception(exc)
    print(f"moomtui: {errors.internal_error(exc)}", file=sys.stderr)
    return errors.INTERNAL_ERROR


def _subcommand(command: str, argv: list[str], *, last: bool = False) -> int:
    if command == "serve":
        return _serve(build_sub_parser(command).parse_args(argv))
    ns = build_sub_parser(command).parse_args(argv)
    if command in ("postmortem", "snapshot"):  # before the simulator's imports: not used
        from .real import cli as real

        try:
            return real.run(command, ns, sys.stdout, sys.stderr)
        except BrokenPipeError:
            return 0
        except KeyboardInterrupt:
            return 130
    from . import headless
    from .presets import PresetError

    if command == "campaign":
        return _campaign(ns)
    user_errors: tuple[type[Exception], ...] = (PresetError, headless.UsageError)
    try:
        if command == "schema":
            from .presets.schema import schema_text

            sys.stdout.write(schema_text())
            return 0
        if command == "compare":
            from . import compare  # multiprocessing and the tables: compare's own

            user_errors += (compare.CompareError,)
            return compare.compare(
                compare.CompareOptions(
                    preset=ns.preset,
                    policies=ns.policies,
                    seeds=ns.seeds,
                    duration=ns.duration,
                    as_json=ns.json,
                    as_csv=ns.csv,
                    jobs=ns.jobs,
                ),
                sys.stdout,
                sys.stderr,
            )
        if command == "sweep":
            from .lab import command as lab
            from .lab.engines import EngineError
            from .lab.runner import RunError
            from .lab.spec import SpecError

            user_errors += (SpecError, EngineError, RunError)
            return lab.sweep(
                lab.SweepOptions(
                    spec=str(ns.spec),
                    out=ns.out,
                    resume=ns.resume,
                    engine=ns.engine,
                    scheduler=ns.scheduler,
                    jobs=ns.jobs,
                    seeds=ns.seeds,
                    duration=ns.duration,
                    dry_run=ns.dry_run,
                    as_json=ns.json,
                    report=ns.report,
                    chart=ns.chart,
                    pairs=[(a, b) for a, b in ns.pair or []],
                    all_pairs=ns.all_pairs,
                ),
                sys.stdout,
                sys.stderr,
            )
        if command == "run":
            opts = headless.RunOptions(
                preset=ns.preset,
                duration=ns.duration,
                seed=ns.seed,
                script=ns.script,
                trace=ns.trace,
                as_json=ns.json,
                overrides=ns.overrides,
            )
            return headless.run(opts, sys.stdout, last=last)
        if command == "check":
            return headless.check(ns.presets, sys.stdout, sys.stderr)
        if command == "completion":
            sys.stdout.write(completion_script(ns.shell))
            return 0
        return headless.presets(sys.stdout, names_only=ns.names)
    except user_errors as err:
        print(f"moomtui: {err}", file=sys.stderr)
        return 2
    except headless.OutputError as err:
        print(f"moomtui: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


def no_terminal(stdin: IO[str] | None, stdout: IO[str] | None) -> list[str]:
    """Which of ``stdin`` and ``stdout`` is not a terminal: the screen needs both (a served
    session has neither: its server relays the screen, and is exempt)."""
    return [name for name, stream in (("stdin", stdin), ("stdout", stdout)) if not _isatty(stream)]


def _isatty(stream: IO[str] | None) -> bool:
    try:
        return stream is not None and os.isatty(stream.fileno())
    except (AttributeError, ValueError, OSError):  # no descriptor (StringIO), or closed
        return False


def _campaign(ns: argparse.Namespace) -> int:
    """``moomtui campaign``: the screen on the first level not yet won, the levels over it."""
    from .game import ScoreBook, default_scores_path
    from .game.campaign import load_levels, progress

    states = progress(ScoreBook(default_scores_path()), load_levels())
    first = next((s for s in states if s.open and not s.won), states[0])
    tui = argparse.Namespace(
        preset=first.level.key, theme=ns.theme, speed="1", paused=False, seed=None, served=False
    )
    return _tui(tui, campaign=True)


def _tui(ns: argparse.Namespace, *, campaign: bool = False) -> int:
    if ns.served:  # a visitor's session of `moomtui serve`: its share first, before any work
        from .web.share import take_share

        take_share()
    from .presets import DEFAULT_PRESET, PresetError, load_preset, load_shipped_preset

    try:
        from .kernel.clock import parse_speed

        speed = parse_speed(ns.speed)
    except ValueError as err:
        print(f"moomtui: --speed: {err}", file=sys.stderr)
        return 2
    try:
        load = load_shipped_preset if ns.served else load_preset
        scenario = load(ns.preset or DEFAULT_PRESET)
    except PresetError as err:
        print(f"moomtui: {err}", file=sys.stderr)
        return 2
    missing = [] if ns.served else no_terminal(sys.stdin, sys.stdout)
    if missing:
        run = shlex.quote(ns.preset or DEFAULT_PRESET)
        print(
            f"moomtui: the screen needs a terminal ({' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not one); "
            f"try 'moomtui run {run}' for a headless run",
            file=sys.stderr,
        )
        return 2
    from .shell.profile import LOCAL_CONSOLE, SERVED
    from .tui.app import run_app

    profile = SERVED if ns.served else LOCAL_CONSOLE
    return run_app(
        scenario,
        theme=ns.theme,
        speed=speed,
        paused=ns.paused,
        seed=ns.seed,
        profile=profile,
        campaign=campaign,
    )


SESSION_MEMORY_MIN = 64 << 20
"""The smallest memory ceiling of a served session (one starts with about 50 MB)."""
WEB_EXTRA = ("textual_serve", "aiohttp", "aiohttp_jinja2", "jinja2")
"""The modules the web extra brings; without them ``serve`` says how to add it to this
copy of moomtui (:func:`moomtui.install.install_hint`)."""


def _serve(ns: argparse.Namespace) -> int:
    if not 0 <= ns.port <= 65535:
        print(f"moomtui serve: --port: {ns.port}: expected 0 to 65535", file=sys.stderr)
        return 2
    if ns.max_sessions < 1:
        print(f"moomtui serve: --max-sessions: {ns.max_sessions}: at least 1", file=sys.stderr)
        return 2
    if ns.seats_per_client < 1:
        print(
            f"moomtui serve: --seats-per-client: {ns.seats_per_client}: at least 1",
            file=sys.stderr,
        )
        return 2
    if ns.session_memory < SESSION_MEMORY_MIN:
        print(
            f"moomtui serve: --session-memory: at least {SESSION_MEMORY_MIN >> 20}M "
            "(a session needs about 50M)",
            file=sys.stderr,
        )
        return 2
    try:
        from .web.server import MoomServer, ServeError
    except ModuleNotFoundError as err:
        missing = (err.name or "").partition(".")[0]
        if missing not in WEB_EXTRA:
            raise
        from .install import distribution, install_hint

        print(
            f"moomtui serve: needs the web extra ({missing} is missing): "
            f"{install_hint('web', distribution())}",
            file=sys.stderr,
        )
        return 2
    from .kernel.constants import HZ

    server = MoomServer(
        host=ns.host,
        port=ns.port,
        public_url=ns.public_url,
        max_sessions=ns.max_sessions,
        idle_timeout=max(ns.idle_timeout / HZ, 1.0),
        max_life=max(ns.max_life / HZ, 1.0),
        session_memory=ns.session_memory,
        session_cpu=max(round(ns.session_cpu / HZ), 1),
        seats_per_client=ns.seats_per_client,
        behind_proxy=ns.behind_proxy,
    )
    try:
        server.serve()
    except ServeError as err:
        print(f"moomtui serve: {err}", file=sys.stderr)
        return 2
    return 0
