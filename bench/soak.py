"""Soak: 24 simulated hours of churn, headless; invariants every minute, memory flat.

The machine is the default preset (Leaky Apache: a prefork server whose workers leak, oom_kill
shooting them, Apache forking new ones). Every simulated minute the soak types commands
through the console's shell, the same command language as the screen and ``--script``:

* it changes the OOM policy (``rmmod`` what is loaded, ``insmod`` the next configuration:
  oom_kill, oom_kill_parent, both, none, oom_score_adj, earlyoom, oom_kill_allocating, the
  example policy file ``examples/oom_kill_youngest.py``, and once an hour ``oom_panic``
  with ``kernel.panic = 5``, so the machine panics and reboots);
* it starts and stops workloads (``spawn`` hogs, leaks, batch jobs, threaded servers, a
  slow fork bomb, a prefork server whose workers each do one short job and exit, about ten
  forks a second, which wraps the pid space every hour; ``kill -9``, ``killall``,
  ``renice``), turns swap on and off, writes
  sysctls (``sysctl -w``, ``echo … > /proc/sys/…``), reads ``ps aux``, ``free``, ``dmesg``,
  ``/proc``…, and types ``reboot`` at the top of every hour.

The schedule repeats every hour and each hour starts from a fresh boot, so the hours are
comparable. After every minute the kernel's
invariants are checked and so are the bounds of what could grow: the log ring buffer, the
timer heap, the task list, the score card's bookkeeping. Every hour it prints the wall time
the hour took, the process's RSS and (with ``--tracemalloc``) the Python heap, and how many
OOM episodes the score card has counted (``game.Scorer.finished_episodes``, a counter: the
card keeps no per-episode record).

    python bench/soak.py [--hours 24] [--tracemalloc]

``tests/test_soak.py`` runs the same soak for two simulated hours.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moomtui.game import Scorer, Tracked
from moomtui.kernel import Kernel
from moomtui.kernel.constants import HZ
from moomtui.kernel.printk import RECORD_OVERHEAD
from moomtui.presets import DEFAULT_PRESET, load_preset
from moomtui.sim import Simulation

ROOT = Path(__file__).resolve().parent.parent
MINUTE = 60 * HZ
EXAMPLE_POLICY = ROOT / "examples" / "oom_kill_youngest.py"
POLICY_CYCLE = (
    "oom_kill",
    "oom_kill_parent oom_parent_max=3",
    "oom_kill + oom_kill_parent",
    "none",
    "oom_score_adj",
    "earlyoom mem_term=12 mem_kill=6 report=1",
)
"""The configuration of minute m is POLICY_CYCLE[m % 6], except at the minutes below."""
POLICY_AT = {20: "oom_kill_allocating", 30: "oom_panic", 50: str(EXAMPLE_POLICY)}
SOAK_TASKS = (
    "soakhog",
    "soakleak",
    "soakbatch",
    "soakthreads",
    "soakbomb",
    "soakpanic",
    "soakweb",
)
WORKLOAD = {
    0: [
        "spawn hog rate=512K/s limit=6M --comm soakhog",
        "spawn prefork children=20 child=batch child_size=256K child_work=1s child_pause=1s"
        " child_runs=1 respawn=100ms --comm soakweb",
    ],
    1: ["spawn batch size=1M work=3s pause=2s runs=3 --comm soakbatch", "free -m"],
    2: ["spawn forkbomb interval=10s rss=16K --comm soakbomb", "ps aux"],
    3: ["killall -9 soakbomb", "pstree -p"],
    4: ["spawn threaded threads=3 rate=128K/s limit=3M --comm soakthreads", "vmstat"],
    5: ["swapon 8M", "cat /proc/meminfo"],
    6: ["sysctl -w vm.overcommit_memory=1", "renice 10 -u user", "lsmod"],
    7: ["swapoff -a", "echo 0 > /proc/sys/vm/overcommit_memory", "cat /proc/swaps"],
    8: ["spawn leak rate=64K/s --comm soakleak --user user", "killall soakthreads", "dmesg"],
    9: ["killall -q -9 " + " ".join(SOAK_TASKS), "sysctl -a", "uptime"],
}
"""Workload and read commands by the minute's last digit."""
EVERY_HOUR = {
    0: ["reboot"],
    15: ["echo 4 4 1 7 > /proc/sys/kernel/printk", "cat /proc/sys/kernel/printk"],
    30: ["sysctl -w kernel.panic=5", "spawn hog rate=1M/s --comm soakpanic"],
    46: ["sysctl kernel.printk=7 4 1 7"],
}
"""More commands at a given minute of every hour, typed first: each hour starts with a fresh
boot, and at minute 30 a hog that never stops meets oom_panic, so the machine panics and
reboots 5 seconds later."""


@dataclass
class Hour:
    """What one simulated hour took and left behind."""

    hour: int
    wall: float
    rss_kb: int
    heap: int | None
    objects: int
    tasks: int
    log_records: int
    log_bytes: int
    log_peak: int
    timers: int
    episodes: int
    events: Counter[str] = field(default_factory=Counter)
    commands: int = 0
    failed: int = 0


class Soak:
    """The soak machine: a simulation, its score keeper, and the minute-by-minute churn."""

    def __init__(self, preset: str = DEFAULT_PRESET) -> None:
        self.sim = Simulation(load_preset(preset))
        self.scorer = Scorer(self.sim.kernel)
        self.sim.kernel.bus.subscribe(self.scorer)
        self.tracked = Tracked(self.sim, self.scorer)
        self.events: Counter[str] = Counter()
        self.sim.kernel.bus.subscribe(lambda e: self.events.update((e.kind,)))
        self.minute = 0
        self.log_peak = 0
        self.commands = 0
        self.failed = 0
        self.internal_errors: list[tuple[int, str, str]] = []
        self.problems: list[tuple[int, str]] = []

    @property
    def kernel(self) -> Kernel:
        return self.sim.kernel

    # ------------------------------------------------------------------ the churn
    def policy_commands(self, minute: int) -> list[str]:
        """rmmod what the minute's configuration does not have, insmod what it lacks."""
        config = POLICY_AT.get(minute % 60, POLICY_CYCLE[minute % len(POLICY_CYCLE)])
        wanted: dict[str, str] = {}
        for part in config.split("+"):
            words = part.split()
            if words and words[0] != "none":
                name = Path(words[0]).stem if "/" in words[0] else words[0]
                wanted[name] = " ".join(words)
        modules = self.kernel.modules
        loaded = [m.name for m in modules.loaded() if not m.builtin]
        lines = []
        stale = [name for name in loaded if name not in wanted]
        if stale:
            lines.append("rmmod " + " ".join(stale))
        lines += [f"insmod {line}" for name, line in wanted.items() if name not in loaded]
        return lines

    def commands_for(self, minute: int) -> list[str]:
        return [
            *EVERY_HOUR.get(minute % 60, []),
            *self.policy_commands(minute),
            *WORKLOAD[minute % 10],
        ]

    def type(self, line: str) -> None:
        """Run ``line`` in the console's shell, as a script line (not recorded)."""
        result = self.sim.shell.execute(line, record=False)
        self.commands += 1
        if result.status != 0:
            self.failed += 1
        if "internal error" in result.output:
            self.internal_errors.append((self.minute, line, result.output))

    def run_minute(self) -> None:
        """Type this minute's commands, run a simulated minute, check the machine."""
        for line in self.commands_for(self.minute):
            self.type(line)
        self.tracked.run_for(MINUTE)
        self.minute += 1
        self.log_peak = max(self.log_peak, self.kernel.log.size)
        self.problems += [(self.minute, text) for text in self.check()]

    # ------------------------------------------------------------------ the checks
    def check(self) -> list[str]:
        """Broken invariants and anything that grew past its bound."""
        k = self.kernel
        out = list(k.check_invariants())
        log = k.log
        if log.size > log.capacity:
            out.append(f"log_buf holds {log.size} bytes, more than {log.capacity}")
        if len(log.records()) > log.capacity // RECORD_OVERHEAD:
            out.append(f"log_buf holds {len(log.records())} records")
        # Every pending timer belongs to a live task, the load average or a lingering exit;
        # superseded wake-ups stay in the heap until they are due, a few seconds at most.
        if len(k.timers) > 4 * len(k.tasks) + 100:
            out.append(f"{len(k.timers)} timers pending for {len(k.tasks)} tasks")
        if len(k.tasks) > 5_000:
            out.append(f"{len(k.tasks)} tasks: the churn is not bounded")
        scorer = self.scorer
        for name in ("_victims", "_held_at_kill", "_baseline"):
            size = len(getattr(scorer, name))
            if size > len(k.tasks) + 100:
                out.append(f"score card: {name} has {size} entries for {len(k.tasks)} tasks")
        return out


def rss_kb() -> int:
    """The process's resident set size now (kB), from /proc/self/statm."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def soak(
    hours: int, *, trace: bool = False, report: Callable[[Hour], object] = print
) -> tuple[Soak, list[Hour]]:
    """Run ``hours`` simulated hours; report each one as it ends."""
    s = Soak()
    done: list[Hour] = []
    before = Counter(s.events)
    for hour in range(1, hours + 1):
        commands, failed = s.commands, s.failed
        s.log_peak = 0
        start = time.perf_counter()
        for _ in range(60):
            s.run_minute()
        wall = time.perf_counter() - start
        gc.collect()
        k = s.kernel
        row = Hour(
            hour=hour,
            wall=wall,
            rss_kb=rss_kb(),
            heap=tracemalloc.get_traced_memory()[0] if trace else None,
            objects=len(gc.get_objects()),
            tasks=len(k.tasks),
            log_records=len(k.log.records()),
            log_bytes=k.log.size,
            log_peak=s.log_peak,
            timers=len(k.timers),
            episodes=s.scorer.finished_episodes,
            events=Counter(s.events) - before,
            commands=s.commands - commands,
            failed=s.failed - failed,
        )
        before = Counter(s.events)
        done.append(row)
        report(row)
    return s, done


def print_hour(h: Hour) -> None:
    if h.hour == 1:
        print(
            f"{'hour':>4} {'wall s':>7} {'RSS MB':>7} {'heap MB':>8} {'objects':>8} "
            f"{'tasks':>6} {'log':>10} {'peak':>5} {'timers':>6} {'episodes':>8} {'forks':>6} "
            f"{'exits':>6} {'kills':>5} {'insmod':>6} {'rmmod':>5} {'sysctl':>6} {'boots':>5} "
            f"{'cmds':>5} {'failed':>6}"
        )
    heap = f"{h.heap / 2**20:8.2f}" if h.heap is not None else f"{'-':>8}"
    e = h.events
    print(
        f"{h.hour:>4} {h.wall:7.2f} {h.rss_kb / 1024:7.1f} {heap} {h.objects:>8} "
        f"{h.tasks:>6} {h.log_records:>4}/{h.log_bytes:>5} {h.log_peak:>5} {h.timers:>6} "
        f"{h.episodes:>8} {e['fork']:>6} {e['exit']:>6} {e['oom_kill']:>5} "
        f"{e['module_load']:>6} {e['module_unload']:>5} {e['sysctl_write']:>6} {e['reboot']:>5} "
        f"{h.commands:>5} {h.failed:>6}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, default=24, help="simulated hours")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace the Python heap (slower)"
    )
    args = parser.parse_args()
    print(
        f"python {platform.python_version()} on {platform.machine()}: {args.hours} simulated "
        f"hours of {DEFAULT_PRESET} with churn; log: records/bytes at the end of the hour, "
        f"peak: its largest size in bytes after any minute"
    )
    if args.tracemalloc:
        tracemalloc.start()
    s, hours = soak(args.hours, trace=args.tracemalloc, report=print_hour)
    walls = [h.wall for h in hours]
    print(
        f"wall per simulated hour: min {min(walls):.2f} s, max {max(walls):.2f} s, "
        f"total {sum(walls):.1f} s ({args.hours * 3600 / sum(walls):.0f}x real time)"
    )
    if len(hours) >= 3:
        second, last = hours[1], hours[-1]
        print(
            f"from the end of hour 2 to the end of hour {last.hour}: RSS "
            f"{(last.rss_kb - second.rss_kb) / 1024:+.1f} MB, objects "
            f"{last.objects - second.objects:+d}"
            + (
                f", heap {(last.heap - second.heap) / 2**20:+.2f} MB"
                if last.heap is not None and second.heap is not None
                else ""
            )
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.1f} MB; {s.commands} commands typed, {s.failed} failed (by design)")
    print(
        f"invariant or bound problems: {len(s.problems)}; internal errors: {len(s.internal_errors)}"
    )
    for minute, text in s.problems[:20]:
        print(f"  minute {minute}: {text}")
    for minute, line, output in s.internal_errors[:20]:
        print(f"  minute {minute}: {line}: {output}")
    return 1 if s.problems or s.internal_errors else 0


if __name__ == "__main__":
    sys.exit(main())
