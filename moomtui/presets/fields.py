"""The preset format, table by table and key by key.

One table for two readers: the checker (:mod:`.checker`) takes from it the keys each table
of a preset may have, and the JSON Schema an editor completes and checks presets with
(:mod:`.schema`) is made from it, so the two cannot disagree on what a key is called or
where it goes. The checker still judges every value itself; ``tests/test_preset_schema.py``
holds the two to the same kinds and the same integer bounds. docs/presets.md describes the
format for people.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..kernel.constants import CAPABILITIES, JIFFIES_MASK, PID_MAX
from .scenario import SCORE_UNITS

KINDS = (
    "text",  # a string shown on screens: printable lines, at most max_len characters
    "string",  # a string of at most max_len characters
    "comm",  # a task's command name: 1 to 15 printable characters (comm[16])
    "integer",  # from lo to hi
    "boolean",
    "size",  # "64M", "512K", "300 pages" or a number of bytes
    "rate",  # a size per second: "256K/s", or bytes per second
    "duration",  # "90s", "500ms", "2m", "1h", "250j" or a number of seconds
    "choice",  # one of choices
    "strings",  # an array of strings; each one of choices if there are any
    "program",  # a userland program's name (program_names())
    "command",  # one console command line
    "modules",  # an array of `insmod` lines naming modules
    "kconfig",  # a table of Kconfig tristates
    "sysctl",  # a table of sysctl names and values
    "args",  # a program's arguments (the program's own parameters)
    "par",  # a score's par, in the unit of its criterion
    "table",  # a table of SECTIONS[name]
    "tables",  # an array of tables of SECTIONS[name]
)


@dataclass(frozen=True, slots=True)
class Key:
    """One key of a preset's table: its name, the kind of value it takes, what it means."""

    name: str
    kind: str
    doc: str
    lo: int | None = None
    hi: int | None = None
    max_len: int | None = None
    choices: tuple[str, ...] = ()
    required: bool = False


FIRST_USER_PID = 7
"""pids 1..6 are init and the kernel threads."""
MAX_TASKS = PID_MAX - FIRST_USER_PID
"""Tasks a preset may start, threads included: the pids from 7 to 32767."""
ROLES = ("culprit", "innocent", "protected")
"""What a task is for the score card."""
TASK_COLUMNS = ("user", "nice", "state", "virt", "rss", "swap", "cpu", "oom", "flags")
"""The task tree's columns a preset may keep on a narrow screen (PID and COMMAND always
are): the keys of ``moomtui.tui.columns.COLUMNS``."""

TOP = (
    Key(
        "name",
        "text",
        "The scenario's name, shown in the header and the picker.",
        max_len=80,
        required=True,
    ),
    Key(
        "description",
        "text",
        "What the scenario shows: the picker's and the console's first words.",
        max_len=2000,
    ),
    Key("seed", "integer", "The seed of any randomness in programs (default 0).", 0, 2**63 - 1),
    Key("length", "duration", "How long `moomtui run` simulates by default (10m)."),
    Key("machine", "table", "The machine: memory, swap, CPUs and clock at boot."),
    Key("kernel", "table", "The kernel: Kconfig, the modules loaded at boot, sysctls."),
    Key(
        "tasks",
        "tables",
        "The processes at boot, created in this order (init, pid 1, and "
        "the kernel threads, pids 2..6, exist already).",
    ),
    Key("events", "tables", "Console commands run at given uptimes, at every boot."),
    Key("goals", "table", "A game's goals, judged live (docs/game.md)."),
    Key("hint", "text", "A game's nudge, shown on the briefing.", max_len=1000),
    Key(
        "hint_command",
        "text",
        "A game's second hint, the command to try: the player asks for it, at a cost.",
        max_len=1000,
    ),
    Key(
        "columns",
        "strings",
        "The task columns the lesson is read in (NI for badness()'s niced tasks): a narrow "
        "screen keeps them and leaves out others first.",
        choices=TASK_COLUMNS,
    ),
    Key("score", "table", "A game's one score to beat."),
)

MACHINE = (
    Key("ram", "size", "Memory, from 4M to 64G (default 64M)."),
    Key("swap", "size", "Swap space, up to 64G (default none)."),
    Key("swap_speed", "rate", "The swap disk's bandwidth, shared by swap-in and swap-out."),
    Key(
        "jiffies",
        "integer",
        "The clock at boot (HZ = 100): a machine that has been up a while.",
        0,
        JIFFIES_MASK,
    ),
    Key("cpus", "integer", "Processors.", 1, 64),
    Key("page_cache", "size", "Clean file pages in memory at boot."),
    Key(
        "kernel_memory",
        "size",
        "Memory the kernel holds at boot besides its code (slab, stacks, drivers); never freed.",
    ),
)

KERNEL = (
    Key("config", "kconfig", "Kconfig: each OOM policy built in (y), a module (m) or absent (n)."),
    Key(
        "modules",
        "modules",
        "Modules to insmod at boot, in order: a name and its "
        'parameters ("oom_kill_parent oom_parent_max=5"), never a file.',
    ),
    Key("sysctl", "sysctl", 'Sysctls set after the modules load: { "kernel.panic" = 10 }.'),
)

TASK = (
    Key(
        "comm",
        "comm",
        "The command name: 1 to 15 printable characters (comm[16]).",
        max_len=15,
        required=True,
    ),
    Key(
        "pid",
        "integer",
        "The pid (otherwise allocated); not with count > 1.",
        FIRST_USER_PID,
        PID_MAX - 1,
    ),
    Key(
        "ppid",
        "integer",
        "The parent: init (1, the default) or an earlier task's pid.",
        1,
        PID_MAX - 1,
    ),
    Key("uid", "integer", "The user id (0 is root).", 0, 65535),
    Key("euid", "integer", "The effective user id (default: uid).", 0, 65535),
    Key("nice", "integer", "The nice value.", -20, 19),
    Key("oom_score_adj", "integer", "Read by the oom_score_adj policy.", -1000, 1000),
    Key(
        "caps",
        "strings",
        "Effective capabilities (default: every capability for euid 0, none otherwise).",
        choices=CAPABILITIES,
    ),
    Key("total_vm", "size", "Virtual size, up to 8192G (default: rss + swap)."),
    Key("rss", "size", "Resident now."),
    Key("swap", "size", "In swap now (rss + swap at most total_vm)."),
    Key("utime", "integer", "Jiffies of CPU already used in user mode.", 0, 2**31 - 1),
    Key("stime", "integer", "Jiffies of CPU already used in the kernel.", 0, 2**31 - 1),
    Key(
        "start_time",
        "integer",
        "When it started, in jiffies: at most machine.jiffies (default: at boot).",
        0,
        JIFFIES_MASK,
    ),
    Key("threads", "integer", "Tasks sharing this one's mm (LinuxThreads).", 1, 1000),
    Key("program", "program", "What it runs (default idle), with its args."),
    Key("args", "args", "The program's arguments."),
    Key("role", "choice", "For the score: culprit, innocent or protected.", choices=ROLES),
    Key(
        "count",
        "integer",
        f"Make this many copies (without a pid); {MAX_TASKS} tasks in all, threads included.",
        1,
        30000,
    ),
)

EVENT = (
    Key("at", "duration", "The uptime it runs at.", required=True),
    Key(
        "run",
        "command",
        "Exactly one console command line a scenario may run (insmod, "
        "rmmod, sysctl, kill, spawn, …: docs/presets.md).",
        max_len=1000,
        required=True,
    ),
)

GOALS = (
    Key("survive", "duration", "Stay up (no panic, no livelock) this long."),
    Key("no_panic", "boolean", "The kernel must not panic."),
    Key("no_reboot", "boolean", "The machine must not reboot (by hand or after a panic)."),
    Key("protect", "strings", "Command names that must not be killed."),
    Key("max_kills", "integer", "At most this many kills.", 0, 1_000_000),
    Key("recover_within", "duration", "Each out-of-memory episode ends within this long."),
    Key("hands_off", "boolean", "No kill, killall or reboot by the player."),
)

SCORE = (
    Key(
        "by",
        "choice",
        "A score-card criterion (docs/game.md).",
        choices=tuple(SCORE_UNITS),
        required=True,
    ),
    Key(
        "par",
        "par",
        "The par, in the criterion's unit: a duration, a size, a count or a share from 0 to 1.",
        required=True,
    ),
)

SECTIONS: dict[str, tuple[Key, ...]] = {
    "": TOP,
    "machine": MACHINE,
    "kernel": KERNEL,
    "tasks": TASK,
    "events": EVENT,
    "goals": GOALS,
    "score": SCORE,
}
"""Each table of a preset by its key ("" is the top level; tasks and events are arrays of
tables)."""


def names(section: str) -> tuple[str, ...]:
    """The keys table ``section`` may have, in the order messages list them."""
    return tuple(key.name for key in SECTIONS[section])


def program_names() -> tuple[str, ...]:
    """The programs a preset's task may run: every one but init and a thread (the kernel's
    own and a threaded server's)."""
    from ..userland import PROGRAMS

    return tuple(sorted(name for name in PROGRAMS if name not in ("init", "thread")))
