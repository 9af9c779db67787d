"""The preset checker: a TOML document → a :class:`~.scenario.Scenario`, or one line saying
what is wrong, where::

    presets/x.toml: tasks[2].nice: expected an integer from -20 to 19, got "high"

A preset is data from anyone, so it is checked as such: every number through the bounded
parsers of :mod:`moomtui.kernel.units` or within the limits below, every string bounded in
length and printable text — no control character, escape sequence, bidirectional override
or other invisible format character (:meth:`str.isprintable`), in every string the preset
keeps, read through :meth:`Checker.string` — values quoted in messages cut short and
shown, never sent (:mod:`.quoting`). Its ``[[events]]`` are each
exactly one command line of the console's grammar, checked against — and later run under —
the preset capability profile (:data:`moomtui.shell.profile.PRESET`); ``kernel.modules``
lines are split by the same splitter and name modules only. The check ends with a trial boot
(:mod:`.trial_boot`). The format is documented in docs/presets.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..kernel.bootspec import BootSpec, TaskSpec
from ..kernel.constants import CAPABILITIES, HZ, JIFFIES_MASK, PID_MAX, cap_mask
from ..kernel.kconfig import KCONFIG_OPTIONS
from ..kernel.units import UnitError, parse_duration, parse_rate, parse_size
from ..modules.plugins import is_policy_file
from .fields import FIRST_USER_PID, MAX_TASKS, ROLES, TASK_COLUMNS, names, program_names
from .quoting import key_path, show_value
from .scenario import SCORE_UNITS, Game, PresetError, PresetEvent, Scenario, ScoreRule
from .trial_boot import KeptBoot, trial_boot

MAX_SYSCTL_VALUE = 1 << 32
"""``kernel.sysctl`` integers are C ints: from -2**32 to 2**32 (wrapped as the kernel does)."""
RAM_MAX = 1 << 24
"""64G in pages: what 2.4 on i386 addressed with PAE (CONFIG_HIGHMEM64G)."""
SWAP_MAX = 1 << 24
"""64G in pages of swap."""
MAX_EVENTS = 1000
"""Scripted commands a preset may hold: each runs on the machine (an ``ls`` of 30,000 tasks
takes a fraction of a second), so their number is bounded too."""
TOTAL_VM_MAX = (1 << 31) - 1
"""Pages of address space per task: badness()'s ``int points`` holds up to 2^31 − 1 (a
64-bit port of 2.4 gave a process more than i386's 4G)."""


class Checker:
    """Walks the TOML document; each method checks one part and fails with its key path."""

    def __init__(self, source: str, keep: KeptBoot | None = None) -> None:
        self.source = source
        self.keep = keep

    def fail(self, path: str, message: str, value: object = ...) -> PresetError:
        got = "" if value is ... else f", got {show_value(value)}"
        return PresetError(f"{self.source}: {path}: {message}{got}")

    # --- primitives -----------------------------------------------------------------------
    def table(self, path: str, value: object, allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path or "(top level)", "expected a table", value)
        for key in value:
            if key not in allowed:
                where = f"{path}.{key_path(key)}" if path else key_path(key)
                raise self.fail(where, f"unknown key (known: {', '.join(allowed)})")
        return value

    def integer(self, path: str, value: object, lo: int, hi: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.fail(path, f"expected an integer from {lo} to {hi}", value)
        return value

    def string(
        self, path: str, value: object, *, max_len: int = 10_000, lines: bool = False
    ) -> str:
        """A string the preset keeps: at most ``max_len`` characters of printable text,
        one line (several with ``lines``). Every string a preset keeps is read here: its
        text reaches terminals and screens, where an escape sequence would be obeyed."""
        text = self.raw_string(path, value, max_len=max_len)
        self.require_printable(path, text, lines=lines)
        return text

    def raw_string(self, path: str, value: object, *, max_len: int = 10_000) -> str:
        """A string, bounded, not yet known to be printable: for a check with a message
        of its own first (a command line's syntax), then :meth:`require_printable`."""
        if not isinstance(value, str):
            raise self.fail(path, "expected a string", value)
        if len(value) > max_len:
            raise self.fail(path, f"expected at most {max_len} characters", value)
        return value

    def require_printable(self, path: str, text: str, *, lines: bool = False) -> None:
        if text.isprintable() or (lines and all(ln.isprintable() for ln in text.split("\n"))):
            return
        raise self.fail(path, "expected printable text (no control characters)", text)

    def printable(self, path: str, value: object, *, max_len: int) -> str:
        """A text of several lines shown on screens and terminals (a description)."""
        return self.string(path, value, max_len=max_len, lines=True)

    def boolean(self, path: str, value: object) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, "expected true or false", value)
        return value

    def unit(self, path: str, value: object, parse: Callable[[object], int]) -> int:
        try:
            return parse(value)
        except UnitError as err:
            raise self.fail(path, str(err), value) from None

    def string_list(self, path: str, value: object) -> list[str]:
        if not isinstance(value, list):
            raise self.fail(path, "expected an array of strings", value)
        return [self.string(f"{path}[{i}]", v) for i, v in enumerate(value)]

    # --- sections -------------------------------------------------------------------------
    def scenario(self, data: dict[str, Any]) -> Scenario:
        top = self.table("", data, names(""))
        if "name" not in top:
            raise self.fail("name", "missing: every preset needs a name")
        name = self.string("name", top["name"], max_len=80)
        description = self.printable("description", top.get("description", ""), max_len=2000)
        seed = self.integer("seed", top.get("seed", 0), 0, 2**63 - 1)
        length = self.unit("length", top.get("length", "10m"), parse_duration)
        spec = BootSpec(name=name, seed=seed)
        self.machine(top.get("machine", {}), spec)
        self.kernel(top.get("kernel", {}), spec)
        self.tasks(top.get("tasks", []), spec)
        events = self.events(top.get("events", []))
        goals = self.goals(top.get("goals", {}))
        hint = self.printable("hint", top.get("hint", ""), max_len=1000)
        hint_command = self.printable("hint_command", top.get("hint_command", ""), max_len=1000)
        columns = self.columns(top.get("columns", []))
        score = self.score(top["score"]) if "score" in top else None
        reason = spec.fits()
        if reason:
            raise self.fail("tasks", reason)
        trial_boot(spec, self, self.keep)
        scenario = Scenario(name, description, self.source, spec, events, goals, length)
        scenario.hint, scenario.score = hint, score
        scenario.hint_command = hint_command
        scenario.columns = columns
        return scenario

    def game(self, data: dict[str, Any]) -> Game:
        """A preset's goals and score rule, checked as :meth:`scenario` checks them, and
        nothing else of it (no trial boot): what a listing's game mark needs."""
        top = self.table("", data, names(""))
        goals = self.goals(top.get("goals", {}))
        score = self.score(top["score"]) if "score" in top else None
        return Game(goals, score)

    def columns(self, value: object) -> tuple[str, ...]:
        names = self.string_list("columns", value)
        for i, name in enumerate(names):
            if name not in TASK_COLUMNS:
                raise self.fail(
                    f"columns[{i}]", f"expected a task column: {', '.join(TASK_COLUMNS)}", name
                )
        return tuple(dict.fromkeys(names))

    def machine(self, value: object, spec: BootSpec) -> None:
        m = self.table("machine", value, names("machine"))
        if "ram" in m:
            spec.ram_pages = self.unit("machine.ram", m["ram"], parse_size)
            if not 1024 <= spec.ram_pages <= RAM_MAX:
                raise self.fail("machine.ram", "expected a size from 4M to 64G", m["ram"])
        if "swap" in m:
            spec.swap_pages = self.unit("machine.swap", m["swap"], parse_size)
            if spec.swap_pages > SWAP_MAX:
                raise self.fail("machine.swap", "expected a size up to 64G", m["swap"])
        if "swap_speed" in m:
            spec.swap_speed = self.unit("machine.swap_speed", m["swap_speed"], parse_rate)
            if spec.swap_speed <= 0:
                raise self.fail("machine.swap_speed", "expected a rate above 0", m["swap_speed"])
        if "jiffies" in m:
            spec.jiffies = self.integer("machine.jiffies", m["jiffies"], 0, JIFFIES_MASK)
        if "cpus" in m:
            spec.cpus = self.integer("machine.cpus", m["cpus"], 1, 64)
        if "page_cache" in m:
            spec.page_cache = self.unit("machine.page_cache", m["page_cache"], parse_size)
        if "kernel_memory" in m:
            spec.kernel_memory = self.unit("machine.kernel_memory", m["kernel_memory"], parse_size)

    def kernel(self, value: object, spec: BootSpec) -> None:
        k = self.table("kernel", value, names("kernel"))
        config = self.table("kernel.config", k.get("config", {}), KCONFIG_OPTIONS)
        for key, choice in config.items():
            if choice not in ("y", "m", "n"):
                raise self.fail(f"kernel.config.{key}", 'expected "y", "m" or "n"', choice)
        spec.kconfig = dict(config)
        lines = self.string_list("kernel.modules", k.get("modules", []))
        spec.modules = [
            self.module_line(f"kernel.modules[{i}]", line) for i, line in enumerate(lines)
        ]
        spec.sysctl = self.sysctls(k.get("sysctl", {}))

    def sysctls(self, value: object) -> dict[str, int | str]:
        """``kernel.sysctl``: each sysctl's dotted name and its value. A table within holds
        the next parts of dotted names — ``[kernel.sysctl]`` ``vm.overcommit_memory = 1``
        (TOML's dotted key) is ``"vm.overcommit_memory" = 1`` — so a name may be written
        either way, but only once."""
        from ..kernel.sysctl import sysctl_key

        out: dict[str, int | str] = {}
        seen: dict[str, str] = {}  # the kernel's name for it → where the preset set it

        def walk(path: str, table: object, prefix: str) -> None:
            if not isinstance(table, dict):
                raise self.fail(path, "expected a table of key = value", table)
            for key, val in table.items():
                where, name = f"{path}.{key_path(key)}", f"{prefix}{key}"
                self.require_printable(where, key)
                if isinstance(val, dict):
                    walk(where, val, f"{name}.")
                    continue
                if isinstance(val, str):
                    self.string(where, val, max_len=200)
                elif isinstance(val, bool) or not isinstance(val, int):
                    raise self.fail(where, "expected an integer", val)
                elif not -MAX_SYSCTL_VALUE <= val <= MAX_SYSCTL_VALUE:
                    raise self.fail(where, "expected an integer from -2^32 to 2^32", val)
                first = seen.setdefault(sysctl_key(name), where)
                if first != where:
                    raise self.fail(where, f"set twice (also at {first})")
                out[name] = val

        walk("kernel.sysctl", value, "")
        return out

    def module_line(self, path: str, line: str) -> str:
        """A ``kernel.modules`` line — ``NAME [PARAM=VALUE]…`` — split as the console splits
        ``insmod``'s arguments, naming a module (never a file), with single spaces."""
        from ..shell.lines import LineError, split_line

        try:
            words, target = split_line(line)
        except LineError as err:
            raise self.fail(path, str(err), line) from None
        if target is not None or not words:
            raise self.fail(path, "expected a module name and its parameters", line)
        if is_policy_file(words[0]):
            raise self.fail(path, "expected a module name: a preset runs no code", line)
        if any(not word or any(c.isspace() for c in word) for word in words):
            raise self.fail(path, "expected words without spaces in them", line)
        return " ".join(words)

    def tasks(self, value: object, spec: BootSpec) -> None:
        if not isinstance(value, list):
            raise self.fail("tasks", "expected an array of tables ([[tasks]])", value)
        pids: dict[int, int] = {}
        started = 0
        swapped = 0
        for i, raw in enumerate(value):
            task = self.task(f"tasks[{i}]", raw, spec)
            copies = 1
            if isinstance(raw, dict) and "count" in raw:
                copies = self.integer(f"tasks[{i}].count", raw["count"], 1, 30000)
                if copies > 1 and task.pid is not None:
                    raise self.fail(
                        f"tasks[{i}].pid", "a task with count > 1 cannot set a pid", task.pid
                    )
            started += copies * task.threads
            if started > MAX_TASKS:
                raise self.fail(
                    f"tasks[{i}]",
                    f"too many tasks: {started} with their threads, and only {MAX_TASKS} pids "
                    f"(7 to {PID_MAX - 1}) to give them",
                )
            if task.pid is not None:
                if task.pid in pids:
                    raise self.fail(
                        f"tasks[{i}].pid",
                        f"duplicate pid: tasks[{pids[task.pid]}] has it too",
                        task.pid,
                    )
                pids[task.pid] = i
            if task.pid is not None and task.ppid == task.pid:
                raise self.fail(
                    f"tasks[{i}].ppid", "a task cannot be its own parent (cycle)", task.ppid
                )
            if task.ppid not in range(1, FIRST_USER_PID) and task.ppid not in pids:
                later = any(
                    isinstance(t, dict) and t.get("pid") == task.ppid for t in value[i + 1 :]
                )
                why = (
                    "is created later: parents must come before their children (a cycle?)"
                    if later
                    else "no task has that pid (yet)"
                )
                raise self.fail(f"tasks[{i}].ppid", why, task.ppid)
            if task.ppid in range(2, FIRST_USER_PID):
                raise self.fail(f"tasks[{i}].ppid", "kernel threads have no children", task.ppid)
            spec.tasks.extend([task] * copies)  # read, never changed: one spec will do
            swapped += task.swap * copies
            if task.swap and swapped > spec.swap_pages:
                raise self.fail(
                    f"tasks[{i}].swap",
                    f"the tasks' swapped pages ({swapped}) do not fit in machine.swap "
                    f"({spec.swap_pages} pages)",
                )

    def task(self, path: str, value: object, spec: BootSpec) -> TaskSpec:
        from ..userland import PROGRAMS, ProgramArgError

        t = self.table(path, value, names("tasks"))
        if "comm" not in t:
            raise self.fail(f"{path}.comm", "missing: every task needs a name")
        comm = self.raw_string(f"{path}.comm", t["comm"])
        if not comm or len(comm) > 15 or not comm.isprintable():
            raise self.fail(
                f"{path}.comm", "expected 1 to 15 printable characters (comm[16])", comm
            )
        spec_task = TaskSpec(comm=comm)
        if "pid" in t:
            spec_task.pid = self.integer(f"{path}.pid", t["pid"], FIRST_USER_PID, PID_MAX - 1)
        spec_task.ppid = self.integer(f"{path}.ppid", t.get("ppid", 1), 1, PID_MAX - 1)
        spec_task.uid = self.integer(f"{path}.uid", t.get("uid", 0), 0, 65535)
        if "euid" in t:
            spec_task.euid = self.integer(f"{path}.euid", t["euid"], 0, 65535)
        spec_task.nice = self.integer(f"{path}.nice", t.get("nice", 0), -20, 19)
        spec_task.oom_score_adj = self.integer(
            f"{path}.oom_score_adj", t.get("oom_score_adj", 0), -1000, 1000
        )
        if "caps" in t:
            caps = self.string_list(f"{path}.caps", t["caps"])
            for j, name in enumerate(caps):
                if name not in CAPABILITIES:
                    raise self.fail(
                        f"{path}.caps[{j}]",
                        "unknown capability (e.g. CAP_SYS_ADMIN, CAP_SYS_RAWIO)",
                        name,
                    )
            spec_task.caps = cap_mask(caps)
        spec_task.rss = self.unit(f"{path}.rss", t.get("rss", 0), parse_size)
        spec_task.total_vm = self.unit(f"{path}.total_vm", t.get("total_vm", 0), parse_size)
        spec_task.swap = self.unit(f"{path}.swap", t.get("swap", 0), parse_size)
        if "total_vm" not in t:
            spec_task.total_vm = spec_task.rss + spec_task.swap
        if spec_task.rss + spec_task.swap > spec_task.total_vm:
            key, what = ("swap", "rss + swap") if spec_task.swap else ("rss", "")
            raise self.fail(
                f"{path}.{key}",
                f"expected {what + ' ' if what else ''}at most total_vm ({spec_task.total_vm} "
                "pages): resident and swapped memory are part of the virtual size",
                t.get(key),
            )
        if spec_task.total_vm > TOTAL_VM_MAX:
            raise self.fail(
                f"{path}.total_vm",
                "expected at most 8192G (2^31 - 1 pages: badness()'s int)",
                t.get("total_vm"),
            )
        spec_task.utime = self.integer(f"{path}.utime", t.get("utime", 0), 0, 2**31 - 1)
        spec_task.stime = self.integer(f"{path}.stime", t.get("stime", 0), 0, 2**31 - 1)
        if "start_time" in t:
            spec_task.start_time = self.integer(
                f"{path}.start_time", t["start_time"], 0, spec.jiffies
            )
        spec_task.threads = self.integer(f"{path}.threads", t.get("threads", 1), 1, 1000)
        program = self.string(f"{path}.program", t.get("program", "idle"))
        programs = program_names()
        if program not in programs:
            known = ", ".join(programs)
            raise self.fail(f"{path}.program", f"unknown program (known: {known})", program)
        spec_task.program = program
        args = t.get("args", {})
        if not isinstance(args, dict):
            raise self.fail(f"{path}.args", "expected a table", args)
        try:
            PROGRAMS[program].parse_args(args)
        except ProgramArgError as err:
            raise self.fail(f"{path}.args.{key_path(err.key)}", str(err)) from None
        spec_task.args = dict(args)
        if "role" in t:
            role = self.string(f"{path}.role", t["role"])
            if role not in ROLES:
                raise self.fail(f"{path}.role", f"expected one of {', '.join(ROLES)}", role)
            spec_task.role = role
        return spec_task

    def events(self, value: object) -> list[PresetEvent]:
        if not isinstance(value, list):
            raise self.fail("events", "expected an array of tables ([[events]])", value)
        if len(value) > MAX_EVENTS:
            raise self.fail("events", f"expected at most {MAX_EVENTS} events, got {len(value)}")
        out: list[PresetEvent] = []
        if value:
            from ..shell import check_command
            from ..shell.profile import PRESET
        for i, raw in enumerate(value):
            e = self.table(f"events[{i}]", raw, names("events"))
            for key in ("at", "run"):
                if key not in e:
                    raise self.fail(f"events[{i}].{key}", "missing")
            at = self.unit(f"events[{i}].at", e["at"], parse_duration)
            run = self.raw_string(f"events[{i}].run", e["run"], max_len=1000)
            problem = check_command(run, PRESET)
            if problem:
                raise self.fail(f"events[{i}].run", problem, run)
            self.require_printable(f"events[{i}].run", run)
            out.append(PresetEvent(at, run))
        out.sort(key=lambda ev: ev.at)
        return out

    def goals(self, value: object) -> dict[str, Any]:
        g = self.table("goals", value, names("goals"))
        goals: dict[str, Any] = {}
        if "survive" in g:
            goals["survive"] = self.unit("goals.survive", g["survive"], parse_duration)
        if "recover_within" in g:
            goals["recover_within"] = self.unit(
                "goals.recover_within", g["recover_within"], parse_duration
            )
        if "no_panic" in g:
            goals["no_panic"] = self.boolean("goals.no_panic", g["no_panic"])
        if "no_reboot" in g:
            goals["no_reboot"] = self.boolean("goals.no_reboot", g["no_reboot"])
        if "protect" in g:
            goals["protect"] = self.string_list("goals.protect", g["protect"])
        if "max_kills" in g:
            goals["max_kills"] = self.integer("goals.max_kills", g["max_kills"], 0, 1_000_000)
        if "hands_off" in g:
            goals["hands_off"] = self.boolean("goals.hands_off", g["hands_off"])
        return goals

    def score(self, value: object) -> ScoreRule:
        """``[score]``: ``by`` a score-card criterion, ``par`` in its unit — a duration for
        times, a size for memory, a number for counts, a share from 0 to 1."""
        s = self.table("score", value, names("score"))
        for key in ("by", "par"):
            if key not in s:
                raise self.fail(f"score.{key}", "missing")
        by = self.string("score.by", s["by"], max_len=40)
        if by not in SCORE_UNITS:
            raise self.fail("score.by", f"expected one of {', '.join(SCORE_UNITS)}", by)
        unit = SCORE_UNITS[by]
        raw = s["par"]
        if unit == "seconds":
            par: float = self.unit("score.par", raw, parse_duration) / HZ
        elif unit == "pages":
            par = self.unit("score.par", raw, parse_size)
        elif unit == "share":
            if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 <= raw <= 1:
                raise self.fail("score.par", "expected a share from 0 to 1", raw)
            par = float(raw)
        else:
            par = self.integer("score.par", raw, 0, 1_000_000)
        return ScoreRule(by, par)
