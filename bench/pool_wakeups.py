"""What ``multiprocessing.Pool`` costs the process that feeds it, with nothing of moomtui's.

A pool of two workers is given ``--tasks`` tasks that each burn ``--cpu`` seconds of CPU (a
run of the simulation, as far as the pool can tell); the main process's CPU time per task
is printed, and how many times the pool's worker-handler thread woke per task. The local
engine of ``moomtui sweep`` hands its jobs to such a pool one at a time (docs/benchmarks.md,
"Sweep engines").

    python bench/pool_wakeups.py [--tasks 200] [--cpu 0.03]
"""

from __future__ import annotations

import argparse
import multiprocessing
import multiprocessing.pool
import resource
import sys
import time
from typing import Any

WAKES = [0]


def burn(seconds: float) -> float:
    start = time.thread_time()
    while time.thread_time() - start < seconds:
        pass
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--cpu", type=float, default=0.03, help="CPU seconds a task")
    args = parser.parse_args()
    pool_class: Any = multiprocessing.pool.Pool
    wait = pool_class._wait_for_updates  # the handler's wait, counted

    def counted(*a: Any, **k: Any) -> Any:
        WAKES[0] += 1
        return wait(*a, **k)

    pool_class._wait_for_updates = staticmethod(counted)
    before = resource.getrusage(resource.RUSAGE_SELF)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        for _ in pool.imap_unordered(burn, [args.cpu] * args.tasks):
            pass
    after = resource.getrusage(resource.RUSAGE_SELF)
    main_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(
        f"{args.tasks} tasks of {args.cpu * 1000:.0f} ms of CPU on a pool of 2: "
        f"{main_cpu / args.tasks * 1000:.2f} ms of the main process's CPU a task; "
        f"the worker handler woke {WAKES[0] / args.tasks:.1f} times a task"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
