"""TOML presets → a validated :class:`Scenario`.

A preset describes one scenario: the machine, the kernel configuration, the workload,
scripted console commands and goals. It is read with ``tomllib`` and checked strictly; every
problem is reported as one line naming the file, the key path and what was expected::

    presets/x.toml: tasks[2].nice: expected an integer from -20 to 19, got "high"

Checking ends with a trial boot of the machine, so a module that refuses its parameters or a
sysctl that does not exist is caught at load time, not when the scenario runs. The format is
documented in docs/presets.md.
"""

from __future__ import annotations

import copy
import json
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .kernel.bootspec import BootSpec, TaskSpec
from .kernel.constants import CAPABILITIES, HZ, JIFFIES_MASK, PID_MAX, cap_mask
from .kernel.module import KCONFIG_OPTIONS, ModuleError, is_policy_file
from .kernel.sysctl import SysctlError
from .kernel.units import UnitError, parse_duration, parse_rate, parse_size

DEFAULT_PRESET = "leaky-apache"
ROLES = ("culprit", "innocent", "protected")
FIRST_USER_PID = 7  # pids 1..6 are init and the kernel threads
RAM_MAX = 1 << 24
"""64G in pages: what 2.4 on i386 addressed with PAE (CONFIG_HIGHMEM64G)."""
SWAP_MAX = 1 << 24
"""64G in pages of swap."""
TOTAL_VM_MAX = (1 << 31) - 1
"""Pages of address space per task: badness()'s ``int points`` holds up to 2^31 − 1 (a
64-bit port of 2.4 gave a process more than i386's 4G)."""


class PresetError(Exception):
    """A preset that cannot be used; ``str()`` is the one-line message."""


@dataclass(slots=True)
class PresetEvent:
    at: int  # jiffies since boot
    run: str


@dataclass(slots=True)
class Scenario:
    name: str
    description: str
    source: str
    spec: BootSpec
    events: list[PresetEvent] = field(default_factory=list)
    goals: dict[str, Any] = field(default_factory=dict)
    length: int = 600 * HZ
    key: str = ""  # the preset's file stem, e.g. "fork-bomb"


@dataclass(frozen=True, slots=True)
class PresetInfo:
    key: str
    name: str
    description: str
    path: Path
    user: bool


# ============================================================================ locations
def shipped_presets_dir() -> Path:
    """Installed as the data package ``moomtui._presets``; the repository's presets/ else."""
    try:
        from importlib.resources import files

        import moomtui._presets as pkg  # noqa: F401 - only to find the folder

        for entry in files("moomtui._presets").iterdir():
            if entry.name.endswith(".toml"):
                return Path(str(entry)).parent
    except (ImportError, FileNotFoundError, NotADirectoryError, TypeError):
        pass
    return Path(__file__).resolve().parent.parent / "presets"


def user_presets_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "moomtui" / "presets"


def list_presets(*, include_user: bool = True) -> list[PresetInfo]:
    """Shipped presets, then the user's own (a user preset with the same key wins).

    ``include_user=False`` lists the shipped ones only, without looking at the user's folder.
    """
    found: dict[str, PresetInfo] = {}
    folders = [(shipped_presets_dir(), False)]
    if include_user:
        folders.append((user_presets_dir(), True))
    for folder, user in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            name, description = _peek(path)
            found[path.stem] = PresetInfo(path.stem, name, description, path, user)
    return sorted(found.values(), key=lambda p: (p.key == "bench", p.user, p.key))


def _peek(path: Path) -> tuple[str, str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return path.stem, "(cannot be read: run `moomtui check` on it)"
    name = data.get("name")
    desc = data.get("description")
    return (name if isinstance(name, str) else path.stem), (desc if isinstance(desc, str) else "")


def resolve_preset(ref: str | Path) -> Path:
    """A path as given, or the key of a shipped or user preset."""
    path = Path(ref)
    if path.suffix == ".toml" or path.is_file() or os.sep in str(ref):
        return path
    for info in list_presets():
        if info.key == str(ref):
            return info.path
    keys = ", ".join(p.key for p in list_presets())
    raise PresetError(f"{ref}: no such preset (shipped presets: {keys})")


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_preset(ref: str | Path, *, overrides: list[str] | None = None) -> Scenario:
    path = resolve_preset(ref)
    source = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PresetError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise PresetError(f"{source}: is a directory, not a preset file") from None
    except UnicodeDecodeError as err:
        raise PresetError(f"{source}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    except OSError as err:
        raise PresetError(f"{source}: {err.strerror or err}") from None
    scenario = parse_preset(text, source, overrides=overrides)
    scenario.key = path.stem
    return scenario


def load_shipped_preset(key: str) -> Scenario:
    """The shipped preset ``key``: never a path, never a user's preset (a served session)."""
    shipped = list_presets(include_user=False)
    for info in shipped:
        if info.key == key:
            return load_preset(info.path)
    keys = ", ".join(p.key for p in shipped)
    raise PresetError(f"{key}: no such preset (shipped presets: {keys})")


# ============================================================================ parsing
def parse_preset(text: str, source: str, *, overrides: list[str] | None = None) -> Scenario:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PresetError(f"{source}: {err}") from None
    for item in overrides or ():
        _apply_override(data, item, source)
    return _Checker(source).scenario(data)


def _apply_override(data: dict[str, Any], item: str, source: str) -> None:
    """``--set machine.swap=128M``: the value is a TOML value, or else a plain string."""
    key, sep, raw = item.partition("=")
    if not sep or not key.strip():
        raise PresetError(f"--set {item}: expected KEY=VALUE, e.g. machine.swap=128M")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    node = data
    parts = key.strip().split(".")
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise PresetError(f"{source}: --set {key}: {part} is not a table")
        node = child
    node[parts[-1]] = value


def _loads_code(line: str) -> str | None:
    """Why a preset's command would run code from a file (``insmod ./x.py``), or None."""
    from .shell import split_line

    words, _ = split_line(line)
    module = [word for word in words[1:] if not word.startswith("-")][:1]
    if words[:1] in (["insmod"], ["modprobe"]) and module and is_policy_file(module[0]):
        return "a preset runs no code: insmod takes module names here, not files"
    return None


def _show(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return str(value)


class _Checker:
    """Walks the TOML document; each method checks one part and fails with its key path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str, value: object = ...) -> PresetError:
        got = "" if value is ... else f", got {_show(value)}"
        return PresetError(f"{self.source}: {path}: {message}{got}")

    # --- primitives -----------------------------------------------------------------------
    def table(self, path: str, value: object, allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path or "(top level)", "expected a table", value)
        for key in value:
            if key not in allowed:
                where = f"{path}.{key}" if path else key
                raise self.fail(where, f"unknown key (known: {', '.join(allowed)})")
        return value

    def integer(self, path: str, value: object, lo: int, hi: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.fail(path, f"expected an integer from {lo} to {hi}", value)
        return value

    def string(self, path: str, value: object, *, max_len: int = 10_000) -> str:
        if not isinstance(value, str):
            raise self.fail(path, "expected a string", value)
        if len(value) > max_len:
            raise self.fail(path, f"expected at most {max_len} characters", value)
        return value

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
        top = self.table(
            "",
            data,
            (
                "name",
                "description",
                "seed",
                "length",
                "machine",
                "kernel",
                "tasks",
                "events",
                "goals",
            ),
        )
        if "name" not in top:
            raise self.fail("name", "missing: every preset needs a name")
        name = self.string("name", top["name"], max_len=80)
        description = self.string("description", top.get("description", ""), max_len=2000)
        seed = self.integer("seed", top.get("seed", 0), 0, 2**63 - 1)
        length = self.unit("length", top.get("length", "10m"), parse_duration)
        spec = BootSpec(name=name, seed=seed)
        self.machine(top.get("machine", {}), spec)
        self.kernel(top.get("kernel", {}), spec)
        self.tasks(top.get("tasks", []), spec)
        events = self.events(top.get("events", []))
        goals = self.goals(top.get("goals", {}))
        reason = spec.fits()
        if reason:
            raise self.fail("tasks", reason)
        self.trial_boot(spec)
        return Scenario(name, description, self.source, spec, events, goals, length)

    def machine(self, value: object, spec: BootSpec) -> None:
        m = self.table(
            "machine", value, ("ram", "swap", "swap_speed", "jiffies", "cpus", "page_cache")
        )
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

    def kernel(self, value: object, spec: BootSpec) -> None:
        k = self.table("kernel", value, ("config", "modules", "sysctl"))
        config = self.table("kernel.config", k.get("config", {}), KCONFIG_OPTIONS)
        for key, choice in config.items():
            if choice not in ("y", "m", "n"):
                raise self.fail(f"kernel.config.{key}", 'expected "y", "m" or "n"', choice)
        spec.kconfig = dict(config)
        spec.modules = self.string_list("kernel.modules", k.get("modules", []))
        for i, line in enumerate(spec.modules):
            if not line.split():
                raise self.fail(f"kernel.modules[{i}]", "expected a module name", line)
            if is_policy_file(line.split()[0]):
                raise self.fail(
                    f"kernel.modules[{i}]", "expected a module name: a preset runs no code", line
                )
        sysctl = k.get("sysctl", {})
        if not isinstance(sysctl, dict):
            raise self.fail("kernel.sysctl", "expected a table of key = value", sysctl)
        for key, val in sysctl.items():
            if isinstance(val, bool) or not isinstance(val, int | str):
                raise self.fail(f'kernel.sysctl."{key}"', "expected an integer", val)
        spec.sysctl = dict(sysctl)

    def tasks(self, value: object, spec: BootSpec) -> None:
        if not isinstance(value, list):
            raise self.fail("tasks", "expected an array of tables ([[tasks]])", value)
        pids: dict[int, int] = {}
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
            spec.tasks.extend(copy.deepcopy(task) for _ in range(copies))
            swapped += task.swap * copies
            if task.swap and swapped > spec.swap_pages:
                raise self.fail(
                    f"tasks[{i}].swap",
                    f"the tasks' swapped pages ({swapped}) do not fit in machine.swap "
                    f"({spec.swap_pages} pages)",
                )

    def task(self, path: str, value: object, spec: BootSpec) -> TaskSpec:
        from .userland import PROGRAMS, ProgramArgError

        t = self.table(
            path,
            value,
            (
                "comm",
                "pid",
                "ppid",
                "uid",
                "euid",
                "nice",
                "oom_score_adj",
                "caps",
                "total_vm",
                "rss",
                "swap",
                "utime",
                "stime",
                "start_time",
                "threads",
                "program",
                "args",
                "role",
                "count",
            ),
        )
        if "comm" not in t:
            raise self.fail(f"{path}.comm", "missing: every task needs a name")
        comm = self.string(f"{path}.comm", t["comm"])
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
            names = self.string_list(f"{path}.caps", t["caps"])
            for j, name in enumerate(names):
                if name not in CAPABILITIES:
                    raise self.fail(
                        f"{path}.caps[{j}]",
                        "unknown capability (e.g. CAP_SYS_ADMIN, CAP_SYS_RAWIO)",
                        name,
                    )
            spec_task.caps = cap_mask(names)
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
        if program not in PROGRAMS or program in ("init", "thread"):
            names = ", ".join(n for n in sorted(PROGRAMS) if n not in ("init", "thread"))
            raise self.fail(f"{path}.program", f"unknown program (known: {names})", program)
        spec_task.program = program
        args = t.get("args", {})
        if not isinstance(args, dict):
            raise self.fail(f"{path}.args", "expected a table", args)
        try:
            PROGRAMS[program].parse_args(args)
        except ProgramArgError as err:
            raise self.fail(f"{path}.args.{err.key}", str(err)) from None
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
        out: list[PresetEvent] = []
        if value:
            from .shell import check_command
        for i, raw in enumerate(value):
            e = self.table(f"events[{i}]", raw, ("at", "run"))
            for key in ("at", "run"):
                if key not in e:
                    raise self.fail(f"events[{i}].{key}", "missing")
            at = self.unit(f"events[{i}].at", e["at"], parse_duration)
            run = self.string(f"events[{i}].run", e["run"])
            problem = check_command(run) or _loads_code(run)
            if problem:
                raise self.fail(f"events[{i}].run", problem, run)
            out.append(PresetEvent(at, run))
        out.sort(key=lambda ev: ev.at)
        return out

    def goals(self, value: object) -> dict[str, Any]:
        g = self.table(
            "goals", value, ("survive", "no_panic", "protect", "max_kills", "recover_within")
        )
        goals: dict[str, Any] = {}
        if "survive" in g:
            goals["survive"] = self.unit("goals.survive", g["survive"], parse_duration)
        if "recover_within" in g:
            goals["recover_within"] = self.unit(
                "goals.recover_within", g["recover_within"], parse_duration
            )
        if "no_panic" in g:
            goals["no_panic"] = self.boolean("goals.no_panic", g["no_panic"])
        if "protect" in g:
            goals["protect"] = self.string_list("goals.protect", g["protect"])
        if "max_kills" in g:
            goals["max_kills"] = self.integer("goals.max_kills", g["max_kills"], 0, 1_000_000)
        return goals

    def trial_boot(self, spec: BootSpec) -> None:
        """Boot the machine once: modules and sysctls are checked by the kernel itself.

        The modules and sysctls are applied one by one first, so an error names the line
        of the preset it comes from.
        """
        from .kernel import BootError, Kernel
        from .kernel.module import KconfigError

        bare = copy.copy(spec)
        bare.modules, bare.sysctl, bare.tasks = [], {}, []
        try:
            k = Kernel(bare)
        except KconfigError as err:
            raise self.fail("kernel.config", str(err)) from None
        for i, line in enumerate(spec.modules):
            name, *args = line.split()
            try:
                k.modules.insmod(name, args)
            except ModuleError as err:
                raise self.fail(f"kernel.modules[{i}]", str(err), line) from None
        for key, value in spec.sysctl.items():
            try:
                k.sysctl.write(key, str(value), uid=0)
            except SysctlError as err:
                raise self.fail(f'kernel.sysctl."{key}"', err.strerror, value) from None
        try:
            Kernel(spec)
        except (BootError, ModuleError, SysctlError, KconfigError) as err:
            raise self.fail("tasks", str(err)) from None
