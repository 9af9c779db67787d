"""The ``moomtui`` command: its arguments parsed (:mod:`moomtui.arguments`) and handed to the
module that does the work.

``moomtui [PRESET]`` opens the screen; ``moomtui run|compare|check|presets|schema`` work
without one. The screen needs a terminal: with stdin or stdout not one (a pipe, a file,
cron), ``moomtui`` says so in one line and exits 2 rather than draw for nobody (a served
session, ``--served``, is the exception: its server relays it).
User errors are one line on stderr and exit status 2, never a traceback; a write that
fails (``--trace``, or the output, to a full disk) is one line and status 1; Ctrl+C is status 130.

Should anything else go wrong — a bug — a last-resort guard prints one line, ``moomtui:
internal error: …`` with a hint to report it, and exits with status 70 (``EX_SOFTWARE``);
``MOOMTUI_DEBUG=1`` shows the traceback instead.

Whatever the command prints — output, listings, error lines — goes through
:func:`moomtui.text.safe_streams`: text from data that a terminal would act on (an escape
sequence in a preset, a process name, a report) is shown (``\\x1b``), never sent.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import shlex
import sys
import traceback
from collections.abc import Sequence
from typing import IO

from .arguments import SUBCOMMANDS, build_parser, build_sub_parser, completion_script


def main(argv: Sequence[str] | None = None) -> int:
    """The command with ``argv`` (default: the process's own arguments — then it is the
    last thing the process does, and a run leaves what it built to the exit)."""
    from .interrupt import recording
    from .text import safe_streams

    args = list(sys.argv[1:] if argv is None else argv)
    with recording(), safe_streams():
        try:
            if args and args[0] in SUBCOMMANDS:
                status = _subcommand(args[0], args[1:], last=argv is None)
            else:
                status = _tui(build_parser().parse_args(args))
            sys.stdout.flush()  # a full disk is told here, not in the interpreter's exit
            return status
        except KeyboardInterrupt:
            return 130
        except OSError as exc:
            if exc.errno not in UNWRITABLE:
                return internal_error(exc)
            return unwritable(exc)
        except Exception as exc:
            return internal_error(exc)


UNWRITABLE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
"""A write's errors (every file moomtui writes itself says its own: these are the output's)."""


def unwritable(exc: OSError) -> int:
    """The output could not be written (``> /dev/full``): one line, status 1, and the rest
    of it thrown away (the interpreter's exit would try to write it again)."""
    with contextlib.suppress(OSError):
        print(f"moomtui: the output could not be written: {exc.strerror}", file=sys.stderr)
    with contextlib.suppress(OSError, ValueError):  # a stream without a descriptor: nothing
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 1


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


SESSION_MEMORY_MIN = 128 << 20
"""The smallest memory ceiling of a served session: one starts with about 45 MB of data
(``RLIMIT_DATA``'s measure), and help, the charts and the largest preset at full speed take
it to about 75 MB."""
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
            "(a session needs about 75M)",
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
