"""Scaling: what sleeping tasks cost per simulated second, and what one OOM kill costs.

1. The `bench` preset's active workload (10 prefork servers with 9 leaky workers each and
   10 batch jobs; oom_kill loaded and killing) next to 10, 1,000 and 10,000 sleeping
   daemons instead of the preset's 900, RAM grown by exactly their footprint so the memory
   pressure is the same: wall time per simulated second, best of ``--repeat`` runs of
   ``--seconds`` simulated seconds.
2. One OOM kill as the task count grows (10 … 30,000 tasks): the badness walk
   (``select_bad_process``) on the running machine, the same walk in its worst case (every
   task has a larger ``total_vm`` than the one before, so none can be skipped and every
   one is scored), and a whole ``oom_kill`` (the walk, then the walk over the task list
   for the victim's threads, the signal and the events).

    python bench/scaling.py [--seconds N] [--repeat N]

Targets (issue 7): sleepers nearly free, ≤ 1.5× the cost from 10 to 10,000; the badness
walk < 5 ms at 10,000 tasks.
"""

from __future__ import annotations

import argparse
import copy
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moomtui.kernel import BootSpec, TaskSpec
from moomtui.kernel.constants import HZ
from moomtui.machine import boot
from moomtui.modules.classic import select_bad_process
from moomtui.modules.oom_kill import OomKill
from moomtui.presets import load_preset

SLEEPERS = (10, 1_000, 10_000)
KILL_SIZES = (10, 100, 1_000, 10_000, 30_000)
SLEEPER_RSS = 8
TASK_PAGES = SLEEPER_RSS + 2  # its resident pages and its task_struct


def sleepers_spec(sleepers: int) -> BootSpec:
    """The bench machine with ``sleepers`` sleeping daemons in place of its 900."""
    spec = copy.deepcopy(load_preset("bench").spec)
    daemons = sum(1 for t in spec.tasks if t.comm == "daemon")
    active = [t for t in spec.tasks if t.comm != "daemon"]
    spec.tasks = [
        TaskSpec(comm="sleeper", uid=2, total_vm=16, rss=SLEEPER_RSS, start_time=0)
        for _ in range(sleepers)
    ] + active
    spec.ram_pages += (sleepers - daemons) * TASK_PAGES
    return spec


def cost_per_second(sleepers: int, seconds: int, repeat: int) -> tuple[float, int, int]:
    """Best wall time per simulated second (s), the task count and the kills of a run."""
    best = float("inf")
    for _ in range(repeat):
        k = boot(sleepers_spec(sleepers))
        start = time.perf_counter()
        k.run_for(seconds * HZ)
        best = min(best, (time.perf_counter() - start) / seconds)
        assert k.check_invariants() == [], k.check_invariants()
    return best, len(k.tasks), k.kills


def kill_spec(tasks: int, *, ascending: bool) -> BootSpec:
    """About ``tasks`` idle user tasks of 16 pages (``ascending``: 16, 17, 18 … pages)."""
    n = max(1, tasks - 6)  # init and the five kernel threads count too
    specs = [
        TaskSpec(
            comm="worker",
            uid=1000,
            total_vm=16 + (i if ascending else 0),
            rss=SLEEPER_RSS,
            start_time=0,
        )
        for i in range(n)
    ]
    ram = 16384 + n * TASK_PAGES
    kconfig = {"CONFIG_OOM_PANIC": "n", "CONFIG_OOM_KILL": "m", "CONFIG_OOM_KPPID": "n"}
    return BootSpec(name="kill-bench", ram_pages=ram, kconfig=kconfig, tasks=specs)


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``fn()`` over ``repeat`` calls, in ms."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def kill_costs(tasks: int, repeat: int) -> tuple[int, float, float, float]:
    """Tasks, and in ms: the walk, the worst-case walk, one whole oom_kill."""
    k = boot(kill_spec(tasks, ascending=False))
    k.run_for(30 * HZ)
    walk = timed(lambda: select_bad_process(k), repeat)
    module = k.modules.insmod("oom_kill")
    assert isinstance(module, OomKill)
    # Each call picks the next worker (a victim's PF_MEMDIE scores 0); as many as there are.
    kills = min(repeat, len(k.tasks) - 6)
    kill = timed(module.oom_kill, kills)
    assert k.kills == kills and k.panicked is None
    worst = boot(kill_spec(tasks, ascending=True))
    worst.run_for(30 * HZ)
    worst_walk = timed(lambda: select_bad_process(worst), repeat)
    return len(k.tasks), walk, worst_walk, kill


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=300, help="simulated seconds per run")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    args = parser.parse_args()
    print(
        f"python {platform.python_version()} on {platform.machine()}, "
        f"{args.seconds} simulated seconds, best of {args.repeat}"
    )
    print("cost per simulated second (bench workload + N sleeping daemons):")
    costs = {}
    for sleepers in SLEEPERS:
        cost, tasks, kills = cost_per_second(sleepers, args.seconds, args.repeat)
        costs[sleepers] = cost
        print(
            f"  {sleepers:>6} sleepers ({tasks:>6} tasks): {cost * 1000:6.3f} ms "
            f"per simulated second, {1 / cost:6.0f}x real time, {kills} OOM kills"
        )
    ratio = costs[SLEEPERS[-1]] / costs[SLEEPERS[0]]
    print(f"  {SLEEPERS[-1]:,} sleepers cost {ratio:.2f}x what {SLEEPERS[0]} do (target <= 1.5x)")
    print("one OOM kill (median of 20 calls, of 4 kills at 10 tasks; ms):")
    print(f"  {'tasks':>6}  {'badness walk':>12}  {'worst-case walk':>15}  {'whole oom_kill':>14}")
    for size in KILL_SIZES:
        tasks, walk, worst, kill = kill_costs(size, 20)
        print(f"  {tasks:>6}  {walk:12.3f}  {worst:15.3f}  {kill:14.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
