"""Kernel speed: simulated seconds per wall second on the `bench` preset.

Runs the bench machine (1,000 tasks: 900 sleeping daemons, 100 active allocating and
forking tasks, oom_kill loaded, kills happening) for 10 simulated minutes, then the same
machine with 10,000 extra sleeping daemons (and RAM grown by exactly their footprint, so the
workload's memory pressure is the same). Prints simulated-time / wall-time for each and the
ratio of their costs, plus the cost of one OOM kill (the badness walk) at 1,000 and 10,000
tasks.

    python bench/kernel_speed.py [--minutes N] [--repeat N]

Targets (issue 2): ≥ 300× real time; the 10,000 extra sleepers cost ≤ 1.5×.
"""

from __future__ import annotations

import argparse
import copy
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moomtui.kernel import TaskSpec
from moomtui.kernel import events as ev
from moomtui.kernel.constants import HZ
from moomtui.machine import boot
from moomtui.presets import load_preset

EXTRA = 10_000
SLEEPER_RSS = 8


def bench_spec(extra: int):
    spec = copy.deepcopy(load_preset("bench").spec)
    if extra:
        spec.tasks.extend(
            TaskSpec(comm="sleeper", uid=2, total_vm=16, rss=SLEEPER_RSS, start_time=0)
            for _ in range(extra)
        )
        spec.ram_pages += extra * (SLEEPER_RSS + 2)
    return spec


def run(extra: int, minutes: int) -> tuple[float, dict[str, int]]:
    k = boot(bench_spec(extra))
    counts: dict[str, int] = {}

    def count(event: ev.Event) -> None:
        counts[event.kind] = counts.get(event.kind, 0) + 1

    k.bus.subscribe(count)
    start = time.perf_counter()
    k.run_for(minutes * 60 * HZ)
    wall = time.perf_counter() - start
    assert k.check_invariants() == [], k.check_invariants()
    return wall, counts


def kill_cost(extra: int, repeat: int = 20) -> float:
    """Wall time of one select_bad_process() walk (what an OOM kill costs), in ms."""
    from moomtui.modules.classic import select_bad_process

    k = boot(bench_spec(extra))
    k.run_for(30 * HZ)
    start = time.perf_counter()
    for _ in range(repeat):
        select_bad_process(k)
    return (time.perf_counter() - start) / repeat * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    args = parser.parse_args()
    sim = args.minutes * 60
    print(
        f"python {platform.python_version()} on {platform.machine()}, "
        f"{args.minutes} simulated minutes, best of {args.repeat}"
    )
    results = {}
    for extra in (0, EXTRA):
        walls = []
        for _ in range(args.repeat):
            wall, counts = run(extra, args.minutes)
            walls.append(wall)
        best = min(walls)
        results[extra] = best
        tasks = 1000 + extra
        print(
            f"{tasks:>6} tasks: {best:6.2f} s wall, {sim / best:7.0f}x real time "
            f"(oom kills {counts.get('oom_kill', 0)}, forks {counts.get('fork', 0)}, "
            f"out_of_memory calls {counts.get('out_of_memory', 0)})"
        )
    print(f"cost of {EXTRA} extra sleepers: {results[EXTRA] / results[0]:.2f}x")
    for extra in (0, EXTRA):
        print(f"one badness walk at {1000 + extra:>6} tasks: {kill_cost(extra):6.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
