"""The ``moomtui`` command: argument parsing only; the work is done elsewhere.

``moomtui [PRESET]`` opens the screen; ``moomtui run|compare|check|presets`` work without one.
User errors are one line on stderr and exit status 2, never a traceback; a write that
fails (``--trace`` to a full disk) is one line and status 1; Ctrl+C is status 130. Numbers
are bounded: ``--seed`` from 0 to 2^63-1 (as a preset's ``seed``), ``--for`` at most 24h,
``--seeds`` at most 1000, ``--jobs`` at most 64.

Should anything else go wrong — a bug — a last-resort guard prints one line, ``moomtui:
internal error: …`` with a hint to report it, and exits with status 70 (``EX_SOFTWARE``);
``MOOMTUI_DEBUG=1`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from . import __version__

DESCRIPTION = (
    "Play with the 2003 modular OOM killer: a simulated Linux 2.4 kernel running out of "
    "memory, with oom_panic, oom_kill and oom_kill_parent (and later policies) to insmod "
    "and rmmod."
)
EPILOG = """commands:
  moomtui [PRESET]          open the screen on a preset (default: the most instructive one)
  moomtui run PRESET        run a preset headless and print the kernel log
  moomtui compare PRESET    score the OOM policies side by side on a preset
  moomtui check PRESET...   validate presets (exit 0 if all are good, 2 otherwise)
  moomtui presets           list the shipped presets
  moomtui postmortem FILE   replay a kernel OOM report: who each era would have killed
  moomtui snapshot          this machine from /proc: who each policy would kill now
  moomtui serve             play in a web browser (needs: pip install 'moomtui[web]')

`moomtui COMMAND -h` tells more about each.
"""
SUBCOMMANDS = ("run", "compare", "check", "presets", "postmortem", "snapshot", "serve")
SEED_MAX = (1 << 63) - 1


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, status 2
        self.exit(2, f"{self.prog}: {message}\n")


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


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="moomtui",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"moomtui {__version__}")
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
    if command == "run":
        p.description = "Run a preset headless, as fast as the machine allows."
        p.add_argument("preset", help="a shipped preset's name or a .toml path")
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
            help="console commands to run at given times (lines: TIME COMMAND)",
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
        p.add_argument("preset", help="a shipped preset's name or a .toml path")
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
    elif command == "check":
        p.description = "Validate presets: exit 0 if all are good, 2 otherwise."
        p.add_argument("presets", nargs="+", metavar="PRESET")
    elif command == "presets":
        p.description = "List the shipped presets (and yours) with their descriptions."
    elif command == "serve":
        p.description = (
            "Serve the game to web browsers: each visitor gets a sandboxed session of their own "
            "(no files of this machine, no code). Needs the web extra: pip install 'moomtui[web]'."
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
    else:
        from .real.cli import add_arguments

        add_arguments(command, p)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """The command with ``argv`` (default: the process's own arguments — then it is the
    last thing the process does, and a run leaves what it built to the exit)."""
    from .interrupt import recording

    args = list(sys.argv[1:] if argv is None else argv)
    with recording():
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
    from . import headless
    from .presets import PresetError

    ns = build_sub_parser(command).parse_args(argv)
    if command in ("postmortem", "snapshot"):
        from .real import cli as real

        try:
            return real.run(command, ns, sys.stdout, sys.stderr)
        except BrokenPipeError:
            return 0
        except KeyboardInterrupt:
            return 130
    user_errors: tuple[type[Exception], ...] = (PresetError, headless.UsageError)
    try:
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
        return headless.presets(sys.stdout)
    except user_errors as err:
        print(f"moomtui: {err}", file=sys.stderr)
        return 2
    except headless.OutputError as err:
        print(f"moomtui: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


def _tui(ns: argparse.Namespace) -> int:
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
    from .shell.profile import LOCAL_CONSOLE, SERVED
    from .tui.app import run_app

    profile = SERVED if ns.served else LOCAL_CONSOLE
    return run_app(
        scenario, theme=ns.theme, speed=speed, paused=ns.paused, seed=ns.seed, profile=profile
    )


SESSION_MEMORY_MIN = 64 << 20
"""The smallest memory ceiling of a served session (one starts with about 50 MB)."""
WEB_EXTRA = ("textual_serve", "aiohttp", "aiohttp_jinja2", "jinja2")
"""The modules ``pip install 'moomtui[web]'`` brings."""


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
        print(
            f"moomtui serve: needs the web extra ({missing} is missing): "
            "pip install 'moomtui[web]'",
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
