"""Headless runs: ``moomtui run``, ``moomtui check`` and ``moomtui presets``.

``-`` for a preset (``run -``, ``check -``) or a script (``--script -``) is standard input,
read under the cap a file is (1 MiB) and named ``<stdin>``; not both at once.

A run goes as fast as the machine allows, prints the kernel log as it grows (``dmesg -w``)
and the output of scripted commands, then a summary; or, with ``--json``, one JSON document
describing the final state. Both end with the run's goals and score card
(:mod:`moomtui.game`). The same preset, seed and script give byte-identical output.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from .game import GoalTracker, Tracked
from .game.nonevents import PolicyWatch
from .kernel import Kernel
from .kernel import events as ev
from .kernel.constants import HZ, cap_names, flag_names
from .kernel.printk import LogRecord, format_record
from .output import output_width, trace_header, versioned
from .presets import (
    PresetError,
    PresetInfo,
    Scenario,
    families,
    list_presets,
    load_preset,
    read_preset,
    shipped_game,
)
from .presets.trial_boot import KeptBoot
from .sim import CommandRun, Simulation
from .text import visible
from .toml_scan import loads_toml
from .userfiles import (
    STDIN,
    STDIN_NAME,
    UserFileError,
    read_stdin_text,
    read_user_text,
)


class UsageError(Exception):
    """A bad command-line value; the message is one line."""


class OutputError(Exception):
    """An output could not be written (``--trace`` to a full disk); the message is one line."""


@dataclass
class RunOptions:
    preset: str
    duration: int | None = None
    seed: int | None = None
    script: Path | None = None
    trace: Path | None = None
    as_json: bool = False
    overrides: list[str] = field(default_factory=list)


def read_script(path: Path) -> list[tuple[int, str]]:
    """The ``--script`` file's commands: a regular file (``-``: standard input, bounded the
    same), checked as a script's lines."""
    from .shell.script import ScriptError, parse_script

    stdin = str(path) == STDIN
    try:
        text = read_stdin_text() if stdin else read_user_text(path)
    except UserFileError as err:
        raise UsageError(str(err)) from None
    try:
        return parse_script(text, STDIN_NAME if stdin else str(path))
    except ScriptError as err:
        raise UsageError(str(err)) from None


class TraceFile:
    """``--trace FILE``: every event as a JSON line, into the file named on the command line,
    after a header line (:func:`moomtui.output.trace_header`: the version, preset, seed, HZ).

    The file is opened without blocking (a FIFO with no reader is an error, not a hang),
    then written as usual. A write that fails — a full disk, ``/dev/full``, a ``/proc`` file
    — stops the trace, not the run: :meth:`close` returns the one line saying why.
    """

    def __init__(self, path: Path, header: dict[str, Any] | None = None) -> None:
        self.path = path
        self.error: str | None = None
        nonblock = getattr(os, "O_NONBLOCK", 0)
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | nonblock | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags, 0o666)
        except (OSError, ValueError) as err:
            reason = err.strerror if isinstance(err, OSError) else "not a valid file name"
            raise UsageError(f"--trace {path}: {reason or err}") from None
        if nonblock:  # writes may block as usual once open (a pipe's reader is slow)
            os.set_blocking(fd, True)
        self.file: IO[str] = os.fdopen(fd, "w", encoding="utf-8")
        if header is not None:
            self._write(header)

    def _write(self, line: dict[str, Any]) -> None:
        if self.error is None:
            try:
                self.file.write(json.dumps(line, separators=(",", ":")) + "\n")
            except OSError as err:
                self.error = err.strerror or str(err)

    def __call__(self, event: ev.Event) -> None:
        self._write(event.to_dict())

    def close(self) -> str | None:
        """Close the file; why a write failed, if one did."""
        try:
            self.file.close()
        except OSError as err:
            self.error = self.error or err.strerror or str(err)
            with contextlib.suppress(OSError, ValueError):
                os.close(self.file.fileno())
        return None if self.error is None else f"--trace {self.path}: {self.error}"


class Tally:
    """Counts what happened: the events of each kind (the bus counts them, built or not)
    and the kills of each module."""

    def __init__(self, bus: ev.EventBus) -> None:
        self.bus = bus
        self.kills_by_module: Counter[str] = Counter()
        bus.subscribe(self, kinds=(ev.OomKill,))

    @property
    def kinds(self) -> Counter[str]:
        return Counter(self.bus.count_by_kind())

    def __call__(self, event: ev.Event) -> None:
        assert isinstance(event, ev.OomKill)
        self.kills_by_module[event.module] += 1


class LogPrinter:
    """``dmesg -w``: each kernel log line as it is logged, stamped as :func:`format_record`
    stamps it (the stamp made once per jiffy)."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self._jiffies = -1
        self._stamp = ""

    def __call__(self, event: ev.Event) -> None:
        assert isinstance(event, ev.Printk)
        if event.jiffies != self._jiffies:
            self._jiffies = event.jiffies
            self._stamp = format_record(LogRecord(0, event.jiffies, 0, ""))
        self.out.write(f"{self._stamp}{event.text}\n")


def run(opts: RunOptions, out: IO[str], *, last: bool = False) -> int:
    """``moomtui run``: load, boot, run, print (see the module docstring).

    The machine is built with Python's cycle collector off and then frozen out of its way
    (``gc.freeze``) for the run: what is built — ten thousand tasks, say — lives to the end,
    and collections that walk it again and again would find nothing. It is unfrozen, and
    the collector as it was, when the run ends — unless the run is the ``last`` thing the
    process does (the command line): then it is left to the exit, which need not look
    through it for garbage before the memory goes back to the system anyway.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(opts, out, collecting)
    finally:
        if not last:
            gc.unfreeze()
        if collecting:
            gc.enable()


def _run(opts: RunOptions, out: IO[str], collecting: bool) -> int:
    # The trial boot is the run's boot, the events the subscribers below want kept for them.
    wanted = (ev.OomKill,) if opts.as_json else (ev.OomKill, ev.Printk)
    keep = KeptBoot(None if opts.trace else wanted)
    if opts.preset == STDIN and opts.script is not None and str(opts.script) == STDIN:
        raise UsageError(
            "--script -: standard input is the preset's already; give the script as a file"
        )
    scenario = load_preset(
        opts.preset, overrides=opts.overrides, keep=keep, stdin=True, draw=opts.seed
    )
    if scenario.drawn and not opts.as_json:  # a workload family: this run's machine
        out.write(f"workload drawn: {visible(families.describe(scenario.drawn))}\n")
    script = read_script(opts.script) if opts.script else []
    duration = scenario.length if opts.duration is None else opts.duration
    bus = ev.EventBus()
    tally = Tally(bus)
    trace_file: TraceFile | None = None
    if opts.trace:
        seed = scenario.spec.seed if opts.seed is None else opts.seed
        header = trace_header(preset=scenario.key or scenario.name, seed=seed, hz=HZ)
        trace_file = TraceFile(opts.trace, header)
        bus.subscribe(trace_file)
    commands: list[CommandRun] = []
    if not opts.as_json:
        bus.subscribe(LogPrinter(out), kinds=(ev.Printk,))

    def before_command(line: str, source: str) -> None:
        """The echo, before the command runs: the kernel log lines it causes (``insmod``'s
        "Installing … handler") are printed as they are logged, after it, as on a console."""
        if not opts.as_json:
            out.write(f"moomsh# {line}\n")

    def on_command(run: CommandRun) -> None:
        commands.append(run)
        if not opts.as_json and run.result.output:
            out.write(run.result.output.rstrip("\n") + "\n")

    try:
        sim = Simulation(
            scenario,
            seed=opts.seed,
            script=script,
            bus=bus,
            on_command=on_command,
            kept=keep,
            before_command=before_command,
        )
        tracker = GoalTracker(scenario, sim.kernel, player=lambda: sim.player_command)
        tracked = Tracked(sim, tracker, bus.subscribe(tracker))
        policies = PolicyWatch()
        bus.subscribe(policies, kinds=PolicyWatch.KINDS)
        sim.session.on_rewind = lambda back: _rewind(sim, tracked, tally, policies, back)
        gc.freeze()
        if collecting:
            gc.enable()
        tracked.run_for(duration)
        tracked.finish()
        tracker = cast("GoalTracker", tracked.tracker)  # a rewind's, if the script rewound
    finally:
        trace_error = trace_file.close() if trace_file is not None else None
    if opts.as_json:
        doc = snapshot(sim.kernel)
        doc["preset"] = scenario.key or scenario.name
        doc["seed"] = sim.kernel.spec.seed
        if scenario.drawn:
            doc["drawn"] = scenario.drawn
        doc["elapsed"] = sim.elapsed
        doc["events"] = dict(sorted(tally.kinds.items()))
        doc["kills"] = dict(sorted(tally.kills_by_module.items()))
        doc["goals"] = tracker.to_dict()
        doc["score"] = tracker.card().to_dict()
        doc["commands"] = [
            {
                "elapsed": c.elapsed,
                "source": c.source,
                "run": c.line,
                "status": c.result.status,
                "output": c.result.output,
            }
            for c in commands
        ]
        out.write(json.dumps(versioned(doc), indent=2, sort_keys=False) + "\n")
    else:
        out.write(summary(sim, scenario, tally))
        out.write(tracker.render_text())
        if tracker.targets:  # a game: what each policy did, and why no more
            out.write("policies:\n")
            out.writelines(f"  {line}\n" for line in policies.lines(sim.kernel))
        out.write(tracker.card().render_text())
    if trace_error is not None:
        raise OutputError(trace_error)
    return 0


def _rewind(
    sim: Simulation, tracked: Tracked, tally: Tally, policies: PolicyWatch, back: int | None
) -> str:
    """A script's ``rewind``: the run replayed to the moment wanted (:mod:`moomtui.game.
    rewind`), with its goals, its kills by module and what its policies did; the log goes
    on printing from there."""
    from .game.rewind import describe, message, rewind

    def attach(bus: ev.EventBus, *_: object) -> list[object]:
        replayed = PolicyWatch()
        bus.subscribe(replayed, kinds=PolicyWatch.KINDS)
        return [Tally(bus), replayed]

    if back is None:
        return describe(sim)
    left = sim.run_time
    done = rewind(sim, back, attach=attach)
    tracked.adopt(done.tracked)
    replayed_tally, replayed_policies = done.attached
    tally.kills_by_module = replayed_tally.kills_by_module
    vars(policies).update(vars(replayed_policies))  # its counts: the branch's
    return message(sim, left, done)


def summary(sim: Simulation, scenario: Scenario, tally: Tally) -> str:
    k = sim.kernel
    vm = k.vm
    kills = ", ".join(f"{m} {n}" for m, n in sorted(tally.kills_by_module.items())) or "none"
    lines = [
        "",
        f"--- {scenario.name}: {sim.elapsed / HZ:.2f} s simulated, seed {k.spec.seed}",
        f"out_of_memory() calls: {tally.kinds['out_of_memory']}   "
        f"kills: {tally.kinds['oom_kill']} ({kills})   "
        f"panics: {tally.kinds['panic']}   reboots: {tally.kinds['reboot']}",
        f"memory: free {vm.free * 4}k  anon {vm.anon * 4}k  cache {vm.cache * 4}k  "
        f"kernel {vm.kernel_pages * 4}k  swap {vm.swap_used * 4}k/{vm.swap_total * 4}k",
        f"tasks: {len(k.tasks)}   state: {k.oom_state()}   "
        f"handlers: {' → '.join(nb.name for nb in k.oom.chain) or 'none'}",
    ]
    return "\n".join(lines) + "\n"


def snapshot(k: Kernel) -> dict[str, Any]:
    """The machine's state as plain data (pages and jiffies as integers)."""
    from .modules.classic import badness

    vm = k.vm
    return {
        "jiffies": k.jiffies,
        "ticks": k.ticks,
        "boot": k.boot,
        "uptime": round(k.ticks / HZ, 2),
        "state": k.oom_state(),
        "panic": k.panicked,
        "meminfo": {
            "total": vm.totalram,
            "free": vm.free,
            "anon": vm.anon,
            "cache": vm.cache,
            "kernel": vm.kernel_pages,
            "swap_total": vm.swap_total,
            "swap_free": vm.nr_swap_pages,
            "pages_min": vm.pages_min,
            "pages_low": vm.pages_low,
            "pages_high": vm.pages_high,
        },
        "modules": [nb.name for nb in k.oom.chain],
        "module_states": {name: k.modules.state(name) for name in k.modules.names()},
        "dmesg": [
            {"jiffies": r.jiffies, "level": r.level, "text": r.text} for r in k.log.records()
        ],
        "tasks": [
            {
                "pid": t.pid,
                "ppid": t.ppid,
                "comm": t.comm,
                "state": t.state,
                "uid": t.uid,
                "euid": t.euid,
                "nice": t.nice,
                "caps": cap_names(t.cap_effective),
                "flags": flag_names(t.flags),
                "mm": t.mm.id if t.mm is not None else None,
                "total_vm": t.mm.total_vm if t.mm else 0,
                "rss": t.mm.rss if t.mm else 0,
                "swap": t.mm.swap if t.mm else 0,
                "utime": t.utime,
                "stime": t.stime,
                "start_time": t.start_time,
                "oom_score": badness(t, k.jiffies),
                "program": t.program.name if t.program else None,
                "role": t.role,
            }
            for t in k.tasks.values()
        ],
    }


def check(refs: list[str], out: IO[str], err: IO[str]) -> int:
    """Each preset checked (``-``: standard input, once); 2 if any is bad."""
    if refs.count(STDIN) > 1:
        raise UsageError("check: - (standard input) can be read only once")
    status = 0
    for ref in refs:
        try:
            source = read_preset(ref, stdin=True)
            scenario = source.load()
            if scenario.drawn:  # a workload family: both ends of it too
                for variant in families.variants(loads_toml(source.text)):
                    source.load(draw=variant)
        except PresetError as e:
            err.write(f"moomtui: {e}\n")
            status = 2
        else:
            out.write(f"{scenario.source}: ok ({scenario.name})\n")
    return status


def presets(out: IO[str], width: int | None = None, *, names_only: bool = False) -> int:
    """``moomtui presets``: each preset's key and the first line of its description,
    wrapped under itself to ``width`` columns (default: :func:`moomtui.output.output_width`,
    the terminal's, or piped ``COLUMNS``, else 80); or, ``names_only``, just the keys."""
    import textwrap

    infos = list_presets()
    if names_only:
        out.writelines(f"{p.key}\n" for p in infos)
        return 0
    columns = output_width(out) if width is None else width
    keys = max((len(p.key) for p in infos), default=10)
    text_width = max(columns - keys - 2, MIN_TEXT)
    marks = game_marks(infos)
    for p in infos:
        mark = " (yours)" if p.user else ""
        text = (p.description.splitlines()[0] if p.description else p.name) + mark
        if marks.get(p.key):
            text = f"[{marks[p.key]}] {text}"
        lines = textwrap.wrap(text, text_width, break_on_hyphens=False) or [""]
        out.write(f"{p.key:<{keys}}  {lines[0]}\n")
        out.writelines(f"{'':<{keys}}  {line}\n" for line in lines[1:])
    return 0


def game_marks(infos: list[PresetInfo]) -> dict[str, str]:
    """Each shipped game preset's ``game · par … · best …``
    (:func:`moomtui.game.campaign.par_and_best`), the best read from the player's scores file
    (read only). A user's preset is listed from its head, as before, not loaded whole: a
    listing pays for no stranger's file (docs/threat-model.md)."""
    from .game import ScoreBook, default_scores_path
    from .game.campaign import par_and_best

    book = ScoreBook(default_scores_path())
    marks = {}
    for info in infos:
        if info.user:
            continue
        try:
            game = shipped_game(info.key)
        except PresetError:
            continue
        marks[info.key] = par_and_best(book, info.key, game)
    return marks


MIN_TEXT = 24
"""The narrowest a description is wrapped to, however few the columns."""
