"""Fuzzing: hostile console lines and mutated presets, counted, through the real code paths.

Two fuzzers, deterministic for a seed:

* **Console lines**, built from the real grammar: every command the shell knows, with the
  options its own parser declares, and arguments drawn from what the machine has (pids,
  modules, sysctl keys, programs, users, ``/proc`` paths) and from hostile forms — every
  line break ``str.splitlines()`` knows and other control characters, special paths (a
  FIFO, ``/dev/zero``, ``/dev/full``, a directory, a symlink loop, a 300-byte name, a file
  over the size cap), huge, negative, ``nan``, ``inf`` and 400-digit numbers, unicode
  (right-to-left overrides, combining marks, fullwidth digits), overlong lines and unbalanced
  quotes. Each line runs through ``Shell.execute`` on a small simulation, under each
  capability profile in turn (a session of the local console, a script, a preset, a served
  session), with the session's clock driver running, as on the screen.
* **Mutated presets**: the shipped presets' TOML, mutated — values replaced by hostile ones,
  lines deleted, duplicated, swapped or cut, events and tasks added (events that try to run
  code, write files, boot, ``su``, break lines), ``--set`` overrides — written to a file
  and answered by ``moomtui check`` and, when good, ``moomtui run --for 5s``, in-process
  through :func:`moomtui.cli.main`.

Every item runs under a watchdog (:data:`HANG_SECONDS` of CPU time, :data:`BLOCKED_SECONDS`
of wall time). What counts as a failure: an exception escaping, an item running longer than
the watchdog, an ``internal error``, a broken kernel invariant, and for presets anything but
exit 0 or exit 2 with one stderr line naming the file. Nothing may run code or write a file:
a policy file that leaves a mark when it runs and the names events try to write are checked
at the end.

    python bench/fuzz.py [--lines 100000] [--presets 10000] [--seed 0]

The defaults are ten times what ``tests/test_fuzz.py`` runs on every ``pytest``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import random
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moomtui import cli, headless
from moomtui.kernel.clock import Driver
from moomtui.kernel.kconfig import KCONFIG_OPTIONS
from moomtui.presets import load_preset, shipped_presets_dir
from moomtui.shell.base import COMMANDS, MAX_MESSAGE
from moomtui.shell.lines import LINE_BREAKS
from moomtui.shell.profile import LOCAL_CONSOLE, PRESET, SCRIPT, SERVED, Profile
from moomtui.sim import Simulation

HANG_SECONDS = 2.0
"""An item that uses more CPU time than this is a hang (a loop that does not end, or work out
of proportion to its input). CPU time, not wall time: a loaded machine stretches an item's
wall time tenfold (1.5 s for a 0.14 s line at a load of 7 on 2 cores), not its CPU time."""
BLOCKED_SECONDS = 60.0
"""An item still running after this much wall time is blocked — waiting on something that
uses no CPU, such as a FIFO with no writer — and is interrupted and counted as a hang."""
LINES_PER_MACHINE = 40
PROFILES: tuple[Profile, ...] = (LOCAL_CONSOLE, SCRIPT, PRESET, SERVED)
MACHINES = ("classic-leak", "leaky-apache", "no-oom", "two-killers", "who-dies")
MARK = "EVIL-RAN"
"""The file the evil policy creates if it ever runs."""
WRITTEN = ("hacked.txt", "hacked2.txt")
"""Files hostile preset events try to write."""

CONTROL = "\x00\x07\x08\x1b\x7f\x9b"
UNICODE = (
    "\u202e", "\u0301", "\u200d", "\ufeff", "\uff11\uff12", "\u0661\u0662", "\U0001f4a5",
    "é", "ß", "\ufffd", "ａ", "\u00a0",
)  # fmt: skip
NUMBERS = (
    "0", "1", "-1", "7", "100", "300", "32767", "32768", "65536", "4294967295", "4294967296",
    "-2147483648", "9223372036854775807", "99999999999999999999", "9" * 400, "-" + "9" * 400,
    "nan", "inf", "-inf", "1e400", "0x10", "010", "1_000", "+5", "-0", "1.5", ".5", "5.",
    "\uff15", "\u0665",
)  # fmt: skip
UNITS = ("", "s", "ms", "m", "h", "j", "jiffies", "K", "M", "G", "T", " pages", "/s", "M/s")
PROC_PATHS = (
    "/proc/meminfo", "/proc/1/status", "/proc/sys/kernel/panic", "sys/vm",
    "/proc/sys/kernel/printk", "/proc/999/stat", "/proc", "..", "/proc/self",
)  # fmt: skip
BENIGN_RUNS = (
    "cat /proc/meminfo", "sysctl -w kernel.panic=5", "spawn hog rate=1M/s", "spawn leak",
    "kill -9 -1", "swapoff -a", "swapon 16M", "insmod oom_kill_parent", "rmmod oom_kill",
    "pause", "speed max", "renice 19 -p 7", "killall -9 httpd", "echo 3 > /proc/sys/kernel/panic",
    "dmesg -n 1", "ps aux", "lsmod",
)  # fmt: skip
BENIGN_VALUES = ('"30s"', '"64M"', "5", '"1M/s"', "true", '"idle"', "0", '"2m"', '"16M"')
BENIGN_TASKS = ("count = 100", "threads = 10", "nice = 19", 'program = "hog"', "uid = 1000")
HOSTILE_TASKS = (
    "count = 30000", "count = 32762", "threads = 1000", "pid = 32768", "pid = 1", "ppid = 99",
    "nice = 99999999999999999999", 'rss = "nanM"', 'program = "../evil"',
    'args = { rate = "1e400M/s" }', "caps = [" + '"CAP_' + "X" * 300 + '"]',
)  # fmt: skip


@dataclass
class Tally:
    """What a fuzzer tried and what went wrong."""

    items: int = 0
    tracebacks: int = 0
    hangs: int = 0
    internal_errors: int = 0
    broken_invariants: int = 0
    wrong_answers: int = 0
    slowest: float = 0.0
    answers: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def fail(self, kind: str, item: str, detail: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.failures) < 20:
            self.failures.append(f"{kind}: {item[:200]!r}: {detail[:400]}")

    @property
    def failed(self) -> int:
        return (
            self.tracebacks
            + self.hangs
            + self.internal_errors
            + self.broken_invariants
            + self.wrong_answers
        )

    def summary(self, what: str) -> str:
        return (
            f"{what}: {self.items} tried, {self.tracebacks} tracebacks, {self.hangs} hangs "
            f"(slowest {self.slowest:.2f} s of CPU), {self.internal_errors} internal errors, "
            f"{self.broken_invariants} broken invariants, {self.wrong_answers} wrong answers"
        )


class Hang(BaseException):
    """Raised by the watchdog into an item that ran too long."""


@contextlib.contextmanager
def watchdog(seconds: float, tally: Tally, item: str) -> Iterator[None]:
    """Run the body; past ``seconds`` of CPU time it is a hang, and so is a body blocked for
    :data:`BLOCKED_SECONDS` (either is interrupted if it still runs)."""
    fired = []

    def bark(signum: int, frame: FrameType | None) -> None:
        fired.append(signum)
        raise Hang

    previous = {sig: signal.signal(sig, bark) for sig in (signal.SIGPROF, signal.SIGALRM)}
    signal.setitimer(signal.ITIMER_PROF, seconds * 3)  # this process's CPU time
    signal.setitimer(signal.ITIMER_REAL, BLOCKED_SECONDS)
    start, began = time.process_time(), time.perf_counter()
    try:
        yield
    except Hang:
        pass
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        cpu, wall = time.process_time() - start, time.perf_counter() - began
        tally.slowest = max(tally.slowest, cpu)
        if fired or cpu > seconds:
            tally.fail("hangs", item, f"{cpu:.2f} s of CPU, {wall:.2f} s in all")


# ============================================================================ the playground
@dataclass(frozen=True)
class Playground:
    """A folder of odd files for the fuzzers to name: nothing outside it is written."""

    root: Path
    paths: tuple[str, ...]
    policy: Path

    def written(self) -> list[str]:
        """Files the fuzz must never have made: the evil policy's mark, event targets."""
        return [name for name in (MARK, *WRITTEN) if (self.root / name).exists()]


def make_playground(root: Path) -> Playground:
    root.mkdir(parents=True, exist_ok=True)
    fifo = root / "fifo"
    if not fifo.exists():
        os.mkfifo(fifo)
    (root / "folder").mkdir(exist_ok=True)
    loop = root / "loop"
    if not loop.is_symlink():
        loop.symlink_to(loop)
    big = root / "big.toml"
    with big.open("wb") as out:
        out.truncate(2 << 20)
    (root / "garbage.py").write_bytes(b"\xff\xfe\x00 not python (((\n")
    policy = root / "evil.py"
    policy.write_text(
        "import pathlib\n"
        f"pathlib.Path(__file__).with_name({MARK!r}).write_text('ran')\n"
        "from moomtui.modules.api import Policy\n"
        "class Evil(Policy):\n"
        "    def init(self):\n"
        "        raise KeyboardInterrupt\n"
    )
    (root / "interrupting.py").write_text(
        "from moomtui.modules.api import Policy\n"
        "class Interrupting(Policy):\n"
        "    def on_out_of_memory(self):\n"
        "        raise GeneratorExit\n"
    )
    paths = (
        str(fifo), str(root / "folder"), str(loop), str(big), str(root / "garbage.py"),
        str(root / "nothing-here.toml"), str(root / ("x" * 300 + ".toml")),
        "/dev/zero", "/dev/null", "/dev/full", "/dev/stdin", "/proc/self/status", "/",
        "fifo", "./fifo", "../", "~", "~/.bashrc", "x.py", "./youngest", "/lib/modules/x.o",
    )  # fmt: skip
    return Playground(root, paths, policy)


# ============================================================================ console lines
POSITIONALS = {
    "insmod": "modules", "modprobe": "modules", "rmmod": "modules", "modinfo": "modules",
    "kill": "pids", "renice": "pids", "pstree": "pids", "killall": "comms", "spawn": "programs",
    "sysctl": "sysctl", "cat": "proc", "ls": "proc", "su": "users", "id": "users",
    "boot": "presets", "help": "commands", "step": "durations", "swapon": "sizes",
    "speed": "speeds", "history": "numbers", "echo": "numbers", "kconfig": "kconfig",
}  # fmt: skip
"""What each command's positional arguments usually are."""


@dataclass(frozen=True)
class Option:
    flag: str | None  # None: a positional
    takes_value: bool
    choices: tuple[str, ...]


def grammar() -> dict[str, list[Option]]:
    """Every command's options and positionals, read from its own argparse parser."""
    out: dict[str, list[Option]] = {}
    for name, cmd in sorted(COMMANDS.items()):
        options: list[Option] = []
        if cmd.parser is not None:
            for action in cmd.parser()._actions:
                choices = tuple(str(c) for c in action.choices or ())
                takes = action.nargs != 0
                flags = [f for f in action.option_strings if f not in ("-h", "--help")]
                if action.option_strings:
                    options += [Option(flag, takes, choices) for flag in flags]
                else:
                    options.append(Option(None, True, choices))
        out[name] = options
    return out


class LineMaker:
    """Console lines from the grammar, with hostile forms, for one machine at a time."""

    def __init__(self, rng: random.Random, playground: Playground) -> None:
        self.rng = rng
        self.playground = playground
        self.grammar = grammar()
        self.names = sorted(self.grammar)
        self.known: dict[str, list[str]] = {}

    @property
    def groups(self) -> list[str]:
        return sorted(self.known)

    def learn(self, sim: Simulation) -> None:
        """What the machine has, to name in arguments."""
        k = sim.kernel
        self.known = {
            "pids": [str(p) for p in list(k.tasks)[:50]] + ["-1", "0", "1", "99999"],
            "modules": [*k.modules.names(), "oom_kill.o", "nosuch"],
            "sysctl": [*k.sysctl.keys(), "kernel.printk", "vm.nothing"],
            "programs": sorted(k.programs),
            "users": ["root", "user", "nobody", "www-data", "mallory", "65535", "-1"],
            "signals": ["9", "15", "KILL", "TERM", "SIGSTOP", "0", "64", "-9", "HUP"],
            "proc": list(PROC_PATHS),
            "comms": [*sorted({t.comm for t in k.tasks.values()}), "nosuch"],
            "presets": ["leaky-apache", "no-oom", "nosuch", "x" * 70, "../presets/no-oom.toml"],
            "commands": sorted(COMMANDS),
            "durations": ["1", "10", "1s", "500ms", "250j", "10s", "1m", "1h", "24h", "25h"],
            "sizes": ["1M", "64M", "300 pages", "4096", "1G", "2T"],
            "speeds": ["1", "10", "0.25", "1000", "max", "faster", "slower", "0.1", "5000"],
            "numbers": ["1", "5", "-1", "0", "100"],
            "kconfig": [f"{o}={v}" for o in KCONFIG_OPTIONS for v in "ymn"] + ["CONFIG_X=y"],
        }

    def number(self) -> str:
        rng = self.rng
        text = rng.choice(NUMBERS) if rng.random() < 0.7 else str(rng.randint(-5, 40000))
        return text + (rng.choice(UNITS) if rng.random() < 0.5 else "")

    def hostile(self) -> str:
        rng = self.rng
        pick = rng.randrange(8)
        if pick == 0:
            return rng.choice(self.playground.paths)
        if pick == 1:
            return self.number()
        if pick == 2:
            return rng.choice(UNICODE) * rng.randint(1, 3) + rng.choice(("", "x", "1", "-"))
        if pick == 3:
            return rng.choice(("'", '"', "\\", "'unclosed", '"a b"', "$(x)", "`x`", "*", "~"))
        if pick == 4:
            return rng.choice(("|", ";", "&", "<", ">", ">>", "&&", "2>&1", "#"))
        if pick == 5:
            return "x" * rng.choice((60, 300, 5000))
        if pick == 6:
            return rng.choice(("-", "--", "-h", "--help", "-1", "-x", "--bogus", "-9", "-KILL"))
        return rng.choice(("", " ", "=", "key=", "=value", "a=b=c", "rate=", "rate=nanM/s"))

    def value(self, group: str | None = None) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            return self.hostile()
        group = group if group is not None and rng.random() < 0.8 else rng.choice(self.groups)
        word = rng.choice(self.known[group])
        if group == "programs" and rng.random() < 0.5:
            key = rng.choice(("rate", "limit", "children", "threads", "busy", "runs", "x"))
            return f"{key}={self.number()}"
        if group == "modules" and rng.random() < 0.3:
            return f"{rng.choice(('oom_parent_max', 'x', 'threshold'))}={self.number()}"
        return word

    def line(self) -> str:
        rng = self.rng
        name = rng.choice(self.names)
        if name == "script":
            return self.script_line()
        words = [name]
        options = self.grammar[name]
        kind = POSITIONALS.get(name)
        extra = 0.4 if any(o.flag is None for o in options) or name in POSITIONALS else 0.05
        for _ in range(rng.randint(0, 4)):
            if options and rng.random() > extra:
                option = rng.choice(options)
                if option.flag is not None:
                    words.append(option.flag)
                if option.takes_value:
                    choice = option.choices and rng.random() < 0.6
                    group = kind if option.flag is None else None
                    words.append(rng.choice(option.choices) if choice else self.value(group))
            elif rng.random() < extra or not options:
                words.append(self.value(kind))
        line = " ".join(self.quote(w) for w in words)
        return self.mutate(line)

    def script_line(self) -> str:
        """``script``: only ever names files in the playground (the console may write)."""
        rng = self.rng
        target = str(self.playground.root / f"saved-{rng.randrange(3)}.txt")
        line = rng.choice(("script show", f"script save {target}", f"script save -f {target}"))
        if rng.random() < 0.2:
            at = rng.randrange(len(line) + 1)
            line = line[:at] + rng.choice(LINE_BREAKS + CONTROL) + line[at:]
        return line

    def quote(self, word: str) -> str:
        if self.rng.random() < 0.1 and word:
            return "'" + word.replace("'", "") + "'"
        return word

    def mutate(self, line: str) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.12:
            at = rng.randrange(len(line) + 1)
            return line[:at] + rng.choice(LINE_BREAKS) + line[at:]
        if roll < 0.16:
            at = rng.randrange(len(line) + 1)
            return line[:at] + rng.choice(CONTROL) + line[at:]
        if roll < 0.22:
            return line + " > " + rng.choice(self.known["proc"] + list(self.playground.paths))
        if roll < 0.24:
            return line + " " + "y" * rng.choice((4096, 100_000))
        if roll < 0.27:
            return "".join(rng.choice(UNICODE + tuple("ab -=./'\"")) for _ in range(20))
        if roll < 0.29:
            return "  " + line + "  # comment"
        return line


async def _console_batch(
    maker: LineMaker,
    profile: Profile,
    preset: str,
    count: int,
    tally: Tally,
    on_line: Callable[[], None] | None,
) -> None:
    sim = Simulation(load_preset(preset), profile=profile)
    driver = Driver(sim, paused=True)
    sim.session.driver = driver
    driver.start()
    maker.learn(sim)
    sh = sim.shell
    try:
        for _ in range(count):
            line = maker.line()
            tally.items += 1
            if on_line is not None:
                on_line()
            try:
                with watchdog(HANG_SECONDS, tally, line):
                    result = sh.execute(line)
                    sh.complete(line)
            except Exception as exc:  # anything escaping the shell is a traceback
                tally.fail("tracebacks", line, f"{type(exc).__name__}: {exc}")
                continue
            tally.answers[f"status {result.status}"] += 1
            if "internal error" in result.output:
                tally.fail("internal_errors", line, result.output)
            elif result.status and result.output:
                last = result.output.splitlines()[-1] if result.output.strip() else ""
                if len(last) > MAX_MESSAGE + 60:
                    tally.fail("wrong_answers", line, f"an error line of {len(last)} characters")
            broken = sim.kernel.check_invariants()
            if broken:
                tally.fail("broken_invariants", line, "; ".join(broken))
                return
            if tally.items % 10 == 0:
                maker.learn(sim)
    finally:
        driver.cancel_step()
        driver.stop()


def fuzz_console(
    count: int,
    seed: int,
    playground: Playground,
    on_line: Callable[[], None] | None = None,
) -> Tally:
    """``count`` console lines, a fresh machine every :data:`LINES_PER_MACHINE` lines."""
    rng = random.Random(seed)
    maker = LineMaker(rng, playground)
    tally = Tally()

    async def main() -> None:
        done = 0
        batch = 0
        while done < count:
            n = min(LINES_PER_MACHINE, count - done)
            profile = PROFILES[batch % len(PROFILES)]
            preset = MACHINES[(batch // len(PROFILES)) % len(MACHINES)]
            await _console_batch(maker, profile, preset, n, tally, on_line)
            done += n
            batch += 1

    with _in_folder(playground.root):
        asyncio.run(main())
    return tally


# ============================================================================ presets
def hostile_toml_values(playground: Playground) -> list[str]:
    """TOML value literals a preset should refuse (or take) without a fuss."""
    breaks = [f"insmod oom_kill_parent{c}insmod {playground.policy}" for c in LINE_BREAKS]
    runs = [
        *breaks,
        f"insmod {playground.policy}",
        "insmod ./evil.py",
        "modprobe ./evil.py",
        "insmod /dev/zero",
        f"boot {shipped_presets_dir() / 'fork-bomb.toml'}",
        "boot fork-bomb",
        f"script save -f {playground.root / WRITTEN[0]}",
        f"script save {playground.root / WRITTEN[1]}",
        "su user",
        "su nobody",
        "reboot",
        "kconfig CONFIG_OOM_KILL=y",
        "step 24h",
        "sysctl -w kernel.printk=-1",
        "echo -1 > /proc/sys/kernel/printk",
        "kill -9 1",
        "kill -9 -1",
        "spawn forkbomb",
        "spawn hog rate=" + "9" * 400 + "M/s",
        "swapon 1e400",
        "swapon nan",
        "swapoff -a",
        "insmod oom_kill_parent oom_parent_max=99999999999999999999",
        "cat /proc/meminfo",
        "echo hi > /etc/passwd",
        "ls /",
        "pause",
        "speed max",
    ]
    strings = [
        "",
        "x" * 100_000,
        "é" * 5000,
        "[/]",
        "\x1b[31mred",
        "a\nb",
        "\u2028",
        "./evil.py",
        "/dev/zero",
        "١٢s",
        "nanM",
        "1e400s",
        "-5s",
        "9" * 400 + "M",
        "64M",
        "24h",
        "25h",
        "0j",
        "oom_kill",
        "oom_kill_parent oom_parent_max=5",
        *runs,
    ]
    literals = [_toml_string(s) for s in strings]
    literals += [
        "nan", "inf", "-inf", "1e400", "-1", "0", "1", "-0", "9" * 400, "9" * 19,
        "true", "false", "[]", "{}", "[" * 1000 + "]" * 1000, "{a = {b = {c = 1}}}",
        "2024-01-01", "30000", "32768", "1.5", "0x10", "[1, 2, 3]", '["oom_kill", 1]',
    ]  # fmt: skip
    return literals


def _toml_string(text: str) -> str:
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F or c in "\x85\u2028\u2029":
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


class PresetMutator:
    def __init__(self, rng: random.Random, playground: Playground) -> None:
        self.rng = rng
        self.values = hostile_toml_values(playground)
        self.runs = [v for v in self.values if v.startswith('"')]
        folder = shipped_presets_dir()
        files = sorted(p for p in folder.glob("*.toml") if p.stem != "bench")
        self.bases = [p.read_text(encoding="utf-8") for p in files]

    def preset(self) -> str:
        rng = self.rng
        lines = rng.choice(self.bases).splitlines()
        for _ in range(rng.choice((0, 1, 1, 1, 2, 3))):
            lines = self.mutate(lines)
        return "\n".join(lines) + "\n"

    def mutate(self, lines: list[str]) -> list[str]:
        rng = self.rng
        lines = list(lines)
        assignments = [i for i, line in enumerate(lines) if " = " in line]
        op = rng.randrange(12)
        if op <= 2 and assignments:
            i = rng.choice(assignments)
            key = lines[i].split(" = ", 1)[0]
            value = rng.choice(self.values if op < 2 else BENIGN_VALUES)
            lines[i] = f"{key} = {value}"
        elif op == 3 and lines:
            del lines[rng.randrange(len(lines))]
        elif op == 4 and lines:
            i = rng.randrange(len(lines))
            lines.insert(i, lines[i])
        elif op in (5, 6, 7):
            good = op != 5
            at = rng.choice(("0s", "1s", "2s", "4.99s") if good else ("-1", "nan", '"25h"'))
            at = at if not good else f'"{at}"'
            run = _toml_string(rng.choice(BENIGN_RUNS)) if op == 7 else rng.choice(self.runs)
            lines += ["[[events]]", f"at = {at}", f"run = {run}"]
        elif op in (8, 9):
            field = rng.choice(BENIGN_TASKS if op == 8 else HOSTILE_TASKS)
            lines += ["[[tasks]]", f'comm = "fuzz{rng.randrange(100)}"', field]
        elif op == 10 and len(lines) > 1:
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif lines:
            text = "\n".join(lines)
            cut = rng.randrange(len(text) + 1)
            junk = rng.choice(("", "\x00", "\xff", "[", "]]", '"', "= =", "\u2028", "é" * 3))
            lines = (text[:cut] + junk).splitlines()
        return lines

    def overrides(self) -> list[str]:
        rng = self.rng
        if rng.random() > 0.15:
            return []
        key = rng.choice(
            ("machine.ram", "machine.swap", "length", "seed", "kernel.modules", "x.y.z.w.v", "=")
        )
        return ["--set", f"{key}={rng.choice(self.values)}"]


def _one_line_naming(text: str, name: str) -> bool:
    lines = text.splitlines()
    return len(lines) == 1 and lines[0].startswith("moomtui: ") and name in lines[0]


def fuzz_presets(
    count: int,
    seed: int,
    playground: Playground,
    on_preset: Callable[[], None] | None = None,
) -> Tally:
    """``count`` mutated presets through ``moomtui check`` and ``moomtui run --for 5s``."""
    rng = random.Random(seed)
    mutator = PresetMutator(rng, playground)
    tally = Tally()
    simulations: list[Simulation] = []

    class Recorded(Simulation):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            simulations.append(self)

    real = headless.Simulation
    headless.Simulation = Recorded  # type: ignore[misc]
    try:
        with _in_folder(playground.root):
            for n in range(count):
                name = f"fuzz-{n % 50}.toml"
                Path(name).write_text(mutator.preset(), encoding="utf-8", errors="replace")
                tally.items += 1
                if on_preset is not None:
                    on_preset()
                _one_preset(name, mutator, rng, tally, simulations)
    finally:
        headless.Simulation = real  # type: ignore[misc]
    return tally


def _main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(argv)
    return status, out.getvalue(), err.getvalue()


def _one_preset(
    name: str, mutator: PresetMutator, rng: random.Random, tally: Tally, sims: list[Simulation]
) -> None:
    item = name
    try:
        with watchdog(HANG_SECONDS, tally, f"check {item}"):
            status, out, err = _main(["check", name])
    except Exception as exc:
        tally.fail("tracebacks", item, f"check: {type(exc).__name__}: {exc}")
        return
    if "internal error" in err:
        tally.fail("internal_errors", item, err)
        return
    if status == 2:
        tally.answers["check: refused"] += 1
        if not _one_line_naming(err, name):
            tally.fail("wrong_answers", item, f"check said {err!r}")
        return
    if status != 0 or not out.startswith(f"{name}: ok"):
        tally.fail("wrong_answers", item, f"check: status {status}, {out!r} {err!r}")
        return
    tally.answers["check: ok"] += 1
    argv = ["run", name, "--for", "5s", *mutator.overrides()]
    if rng.random() < 0.2:
        argv.append("--json")
    sims.clear()
    try:
        with watchdog(HANG_SECONDS, tally, f"run {item}"):
            status, out, err = _main(argv)
    except Exception as exc:
        tally.fail("tracebacks", item, f"run: {type(exc).__name__}: {exc}")
        return
    if "internal error" in err:
        tally.fail("internal_errors", item, err)
    elif status == 2 and "--set" in argv:
        tally.answers["run: --set refused"] += 1
        if not _one_line_naming(err, "") or "\n" in err.rstrip("\n"):
            tally.fail("wrong_answers", item, f"run said {err!r}")
    elif status != 0 or err:
        tally.fail("wrong_answers", item, f"run: status {status}, {err!r}")
    else:
        tally.answers["run: ok"] += 1
    for sim in sims:
        broken = sim.kernel.check_invariants()
        if broken:
            tally.fail("broken_invariants", item, "; ".join(broken))


@contextlib.contextmanager
def _in_folder(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--presets", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory(prefix="moomtui-fuzz-") as tmp:
        playground = make_playground(Path(tmp))
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        os.environ["XDG_DATA_HOME"] = str(Path(tmp) / "data")
        start = time.perf_counter()
        lines = fuzz_console(args.lines, args.seed, playground)
        middle = time.perf_counter()
        presets = fuzz_presets(args.presets, args.seed, playground)
        end = time.perf_counter()
        written = playground.written()
    print(lines.summary("console lines") + f" in {middle - start:.1f} s")
    print(presets.summary("mutated presets") + f" in {end - middle:.1f} s")
    print("preset answers:", dict(sorted(presets.answers.items())))
    print("files that must not exist:", written or "none")
    for failure in lines.failures + presets.failures:
        print("  ", failure)
    return 1 if lines.failed or presets.failed or written else 0


if __name__ == "__main__":
    sys.exit(main())
