"""The session: ``help``, users (``su``, ``exit``, ``whoami``, ``id``), the clock
(``pause``, ``resume``, ``step``, ``speed``), presets (``boot``), the record (``history``,
``script``) and ``clear``.

Without a clock driver — a headless run — the script decides when commands run: ``step``
still advances the machine, while ``pause``, ``resume`` and ``speed`` say so and do nothing.
``su`` asks no password: the console is the machine's owner.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import TYPE_CHECKING

from ..kernel.clock import format_speed, parse_speed
from ..kernel.units import DURATION_HELP, UnitError, format_duration, parse_duration
from ..userfiles import UserFileError, write_user_text
from .base import (
    COMMANDS,
    ArgParser,
    CommandError,
    clip,
    command,
    int_arg,
    matching,
    parse,
    parse_int,
    refused_in,
)
from .completion import complete_users, options
from .script import format_script, format_time
from .session import is_preset_name, lookup_user, user_name

if TYPE_CHECKING:
    from .profile import Profile
    from .shell import Shell

MAX_STEP = 24 * 3600 * 100
"""``step`` runs at most a day of jiffies at once, so a typo cannot freeze the console."""

HEADLESS = "the clock is driven by the script"


# ====================================================================== help
def _help_parser() -> ArgParser:
    p = ArgParser("help", "List the commands, or explain one.")
    p.add_argument("topic", nargs="?", metavar="COMMAND")
    return p


def _complete_commands(sh: Shell, before: list[str], prefix: str) -> list[str]:
    return matching(prefix, COMMANDS) if not before else []


@command(
    "help",
    "list commands; help COMMAND explains one",
    parser=_help_parser,
    complete=_complete_commands,
)
def help_(sh: Shell, argv: list[str]) -> str:
    args = parse(_help_parser(), argv)
    if args.topic is not None:
        cmd = COMMANDS.get(args.topic)
        if cmd is None:
            raise CommandError(f"help: no help topics match '{args.topic}'")
        return cmd.help_text()
    width = max(len(name) for name in COMMANDS) + 2
    lines = ["Commands (help COMMAND for its options):"]
    lines += [f"  {name:<{width}}{COMMANDS[name].summary}" for name in sorted(COMMANDS)]
    return "\n".join(lines)


# ====================================================================== users
def _su_parser() -> ArgParser:
    p = ArgParser("su", "Become another user (root by default); no password is asked.")
    p.add_argument("-l", "--login", action="store_true", help="(accepted; also '-')")
    p.add_argument("user", nargs="?", default="root")
    return p


def _complete_user_arg(sh: Shell, before: list[str], prefix: str) -> list[str]:
    return complete_users(prefix)


@command("su", "become another user (su nobody)", parser=_su_parser, complete=_complete_user_arg)
def su(sh: Shell, argv: list[str]) -> str:
    args = parse(_su_parser(), [a for a in argv if a != "-"])
    uid = lookup_user(args.user)
    if uid is None:
        raise CommandError(f"su: user {args.user} does not exist")
    sh.session.su(uid)
    return ""


def _exit_parser() -> ArgParser:
    p = ArgParser(
        "exit", "Leave the shell: back to the user before su; at the first one, the console."
    )
    p.add_argument("status", nargs="?", type=int_arg, help="(accepted)")
    return p


@command("exit", "leave su's shell, or the console", parser=_exit_parser)
def exit_(sh: Shell, argv: list[str]) -> str:
    """bash's ``exit``: after ``su`` the shell of the user before; at the login shell the
    console is left (the screen gives the focus back to the task tree), the machine runs on."""
    parse(_exit_parser(), argv)
    session = sh.session
    if session.logout():
        return "exit"
    if session.on_exit is not None:
        session.on_exit()
        return "exit: left the console (: comes back; q quits moomtui)"
    return "exit: this is the machine's only console: it stays (the run goes on)"


def _clear_parser() -> ArgParser:
    return ArgParser("clear", "Clear the console's screen.")


@command("clear", "clear the console screen", parser=_clear_parser, record=False)
def clear(sh: Shell, argv: list[str]) -> str:
    """ncurses' ``clear``: on the screen the console's lines go; elsewhere, nothing to do."""
    parse(_clear_parser(), argv)
    if sh.session.on_clear is not None:
        sh.session.on_clear()
    return ""


def _whoami_parser() -> ArgParser:
    return ArgParser("whoami", "Print the current user's name.")


@command("whoami", "print the current user", parser=_whoami_parser)
def whoami(sh: Shell, argv: list[str]) -> str:
    parse(_whoami_parser(), argv)
    name = user_name(sh.session.uid)
    if name is None:
        raise CommandError(f"whoami: cannot find username for UID {sh.session.uid}")
    return name


def _id_parser() -> ArgParser:
    p = ArgParser("id", "Print a user's uid and groups (the current user by default).")
    p.add_argument("user", nargs="?")
    return p


def id_line(uid: int) -> str:
    name = user_name(uid)
    tag = f"{uid}({name})" if name is not None else str(uid)
    return f"uid={tag} gid={tag} groups={tag}"


@command("id", "print uid and gid", parser=_id_parser, complete=_complete_user_arg)
def id_(sh: Shell, argv: list[str]) -> str:
    args = parse(_id_parser(), argv)
    if args.user is None:
        return id_line(sh.session.uid)
    uid = lookup_user(args.user)
    if uid is None:
        raise CommandError(f"id: {args.user}: No such user")
    return id_line(uid)


# ====================================================================== presets
def _boot_parser() -> ArgParser:
    p = ArgParser("boot", "Boot another preset (no name: list the presets).")
    p.add_argument("preset", nargs="?")
    return p


def _complete_presets(sh: Shell, before: list[str], prefix: str) -> list[str]:
    return matching(prefix, sh.session.preset_names()) if not before else []


def _boot_guard(profile: Profile, argv: list[str]) -> str | None:
    """A path names a host file: only a profile that reads files boots one."""
    args = parse(_boot_parser(), argv)
    if args.preset is not None and not is_preset_name(args.preset) and not profile.read_files:
        return (
            f"boot: {clip(args.preset, 120)}: {refused_in(profile)} (boot takes preset names here)"
        )
    return None


@command(
    "boot",
    "switch to a preset (boot NAME)",
    parser=_boot_parser,
    complete=_complete_presets,
    guard=_boot_guard,
)
def boot(sh: Shell, argv: list[str]) -> str:
    args = parse(_boot_parser(), argv)
    session = sh.session
    if session.on_boot is None:
        raise CommandError("boot: presets are not available in this session")
    if args.preset is None:
        return "\n".join(session.preset_names())
    if session.uid != 0:
        raise CommandError("boot: must be superuser.")
    if is_preset_name(args.preset) and args.preset not in session.preset_names():
        raise CommandError(f"boot: {args.preset}: no such preset (boot alone lists them)")
    try:
        session.on_boot(args.preset)
    except ValueError as err:
        raise CommandError(f"boot: {err}") from None
    session.sync()
    return ""


# ====================================================================== the clock
def _pause_parser() -> ArgParser:
    return ArgParser("pause", "Stop the clock (the machine keeps its state).")


@command("pause", "stop the clock", parser=_pause_parser)
def pause(sh: Shell, argv: list[str]) -> str:
    parse(_pause_parser(), argv)
    driver = sh.session.driver
    if driver is None:
        return f"pause: {HEADLESS}"
    driver.pause()
    return ""


def _resume_parser() -> ArgParser:
    return ArgParser("resume", "Start the clock again.")


@command("resume", "start the clock again", parser=_resume_parser)
def resume(sh: Shell, argv: list[str]) -> str:
    parse(_resume_parser(), argv)
    driver = sh.session.driver
    if driver is None:
        return f"resume: {HEADLESS}"
    driver.resume()
    return ""


def parse_step(text: str) -> int:
    """``step``'s argument in jiffies: a bare number is jiffies, else a duration."""
    try:
        return parse_int(text)
    except ValueError:
        return parse_duration(text)


def _step_parser() -> ArgParser:
    p = ArgParser("step", "Advance the clock now: N jiffies (default 1) or a duration.")
    p.add_argument(
        "amount",
        nargs="?",
        default="1",
        metavar="N|DURATION",
        help='jiffies, or a duration like "1s", "500ms", "2m"',
    )
    return p


@command("step", "advance the clock (step 1, step 1s)", parser=_step_parser)
def step(sh: Shell, argv: list[str]) -> str:
    """A long step runs in slices on the screen's clock (Esc stops it), not all at once."""
    args = parse(_step_parser(), argv)
    amount = clip(args.amount)
    try:
        jiffies = parse_step(args.amount)
    except UnitError as err:
        if err.detail == "at most 24h":
            raise CommandError(f"step: {amount}: at most a day at a time") from None
        raise CommandError(
            f"step: {amount}: expected a number of jiffies or {DURATION_HELP}"
        ) from None
    if jiffies <= 0:
        raise CommandError(f"step: {amount}: must be more than 0 jiffies")
    if jiffies > MAX_STEP:
        raise CommandError(f"step: {amount}: at most a day at a time")
    driver = sh.session.driver
    if driver is None:
        sh.kernel.run_for(jiffies)
    elif not driver.advance(jiffies):
        return f"step: running {format_duration(jiffies)} on the clock; Esc stops it"
    return ""


def _speed_parser() -> ArgParser:
    p = ArgParser("speed", "Show or set how fast simulated time runs.")
    p.add_argument("speed", nargs="?", help="0.25 .. 1000 (times real time), max, faster or slower")
    return p


@command(
    "speed",
    "show or set the clock speed (speed 10, speed max)",
    parser=_speed_parser,
    complete=lambda sh, before, prefix: options(
        prefix, ("1", "10", "100", "max", "faster", "slower")
    ),
)
def speed(sh: Shell, argv: list[str]) -> str:
    args = parse(_speed_parser(), argv)
    driver = sh.session.driver
    if driver is None:
        return f"speed: {HEADLESS}"
    if args.speed is None:
        return format_speed(driver.speed)
    if args.speed in ("faster", "slower"):
        change = getattr(driver, args.speed, None)
        if change is None:
            raise CommandError(f"speed: {args.speed}: not supported by this clock")
        change()
    else:
        try:
            value = parse_speed(args.speed)
        except ValueError as err:
            detail = str(err) if "speed must" in str(err) else "expected a number or max"
            raise CommandError(f"speed: {args.speed}: {detail}") from None
        driver.set_speed(value)
    return format_speed(driver.speed)


# ====================================================================== the record
def _history_parser() -> ArgParser:
    p = ArgParser("history", "List the commands typed in this session, with their times.")
    p.add_argument("count", nargs="?", type=int_arg, help="only the last COUNT")
    return p


@command("history", "list the commands typed", parser=_history_parser, record=False)
def history(sh: Shell, argv: list[str]) -> str:
    args = parse(_history_parser(), argv)
    entries = list(enumerate(sh.session.recorded, start=1))
    if args.count is not None:
        entries = entries[-args.count :] if args.count > 0 else []
    return "\n".join(f"{n:5d}  {format_time(t):>9}  {line}" for n, (t, line) in entries)


def _script_parser() -> ArgParser:
    p = ArgParser(
        "script",
        "Save the commands typed so far as a replayable script (TIME COMMAND lines), or show it.",
    )
    p.add_argument("action", choices=("save", "show"))
    p.add_argument("file", nargs="?", help="where to save it")
    p.add_argument("-f", dest="force", action="store_true", help="overwrite FILE")
    return p


def _complete_script(sh: Shell, before: list[str], prefix: str) -> list[str]:
    if not before:
        return matching(prefix, ("save", "show"))
    return options(prefix, ("-f",)) if prefix.startswith("-") else []


def _script_guard(profile: Profile, argv: list[str]) -> str | None:
    """``script save`` writes a host file: only a profile that writes files may."""
    args = parse(_script_parser(), argv, intermixed=True)
    if args.action == "save" and not profile.write_files:
        where = clip(args.file, 120) if args.file else "save"
        return f"script: {where}: {refused_in(profile)} (script show prints it)"
    return None


@command(
    "script",
    "save the session as a script (script save FILE)",
    parser=_script_parser,
    complete=_complete_script,
    record=False,
    guard=_script_guard,
)
def script(sh: Shell, argv: list[str]) -> str:
    parser = _script_parser()
    args = parse(parser, argv, intermixed=True)
    text = format_script(sh.session.recorded)
    if args.action == "show":
        return text
    if args.file is None:
        parser.error("script save needs a FILE")
    path = Path(args.file).expanduser()
    try:
        # As every host file is written: a regular file only, a FIFO refused, not waited on.
        write_user_text(path, text, overwrite=args.force, name=args.file)
    except UserFileError as err:
        if err.errno == errno.EEXIST and not args.force:
            raise CommandError(f"script: {args.file}: File exists (-f overwrites it)") from None
        raise CommandError(f"script: {err}") from None
    count = len(sh.session.recorded)
    return f"saved {count} command{'s' if count != 1 else ''} to {args.file}"
