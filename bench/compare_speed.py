"""``moomtui compare``: wall time of 4 policies × 8 seeds, and the speed-up from the cores.

Runs ``moomtui compare PRESET --policies none,oom_panic,oom_kill,oom_kill_parent --seeds 8
--csv`` as a subprocess (the whole command: start-up, preset loading, the 32 runs, the
table), first on one worker process (``--jobs 1``), then on one per core (``--jobs N``,
N = ``os.cpu_count()``), best of ``--repeat`` each. Checks that both print the same
results and prints the wall times and their ratio.

    python bench/compare_speed.py [--preset leaky-apache] [--repeat 3]

The speed-up cannot exceed the number of cores, and on a shared machine it is lower when
another process holds a core.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICIES = "none,oom_panic,oom_kill,oom_kill_parent"
SEEDS = 8


def compare(preset: str, jobs: int) -> tuple[float, str]:
    """Wall time of one ``moomtui compare`` and its CSV output."""
    argv = [sys.executable, "-m", "moomtui", "compare", preset, "--policies", POLICIES]
    argv += ["--seeds", str(SEEDS), "--csv", "--jobs", str(jobs)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=True, env=env)
    return time.perf_counter() - start, proc.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="leaky-apache")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(
        f"python {platform.python_version()} on {platform.machine()}, {cores} cores: "
        f"moomtui compare {args.preset} --policies {POLICIES} --seeds {SEEDS}, "
        f"best of {args.repeat}"
    )
    best: dict[int, float] = {}
    outputs: dict[int, str] = {}
    for jobs in (1, cores):
        walls = []
        for _ in range(args.repeat):
            wall, out = compare(args.preset, jobs)
            walls.append(wall)
            outputs[jobs] = out
        best[jobs] = min(walls)
        runs = len(out.splitlines()) - 1
        print(f"  --jobs {jobs}: {best[jobs]:6.2f} s wall for {runs} runs")
    assert outputs[1] == outputs[cores], "the results differ with the number of workers"
    print(f"  speed-up on {cores} workers: {best[1] / best[cores]:.2f}x (same results)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
