"""The policy matrix: every shipped preset under every default policy of ``moomtui compare``.

Each cell is one run as ``moomtui compare`` makes it (the preset with every Kconfig option
``m`` and exactly the configuration's modules loaded, a score card kept from the event
stream, sampled every 0.1 s of run time) for the preset's own ``length`` (or ``--seconds``
simulated seconds) at the preset's seed, one cell at a time in this process. It prints each
cell's wall time and speed (simulated seconds per wall second: × real time), then the slowest cell.

Each cell starts after a full collection (``gc.collect()``, not timed). Without it, the one
cell in which Python's cycle collector happens to make a full pass pays for walking
everything the process holds — the garbage of every cell before it — which, for the
``bench`` preset under ``oom_score_adj`` on the code of bae67f1, was 34 of its 63 ms: half
the speed of the same preset under every other policy, for nothing the policy does.

    python bench/matrix.py [--seconds S] [--presets a,b] [--policies x,y] [--repeat 1]

The whole length by default, because the games' crises come late: fork-bomb's bomb starts
forking in earnest after 30 s, so its first 30 s — this script's old default — have no
OOM kill under any policy and say nothing about the crisis.

Target (issue 16): ≥ 100× real time for the slowest cell.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moomtui.compare import configure, default_configs, run_one
from moomtui.kernel.constants import HZ
from moomtui.presets import list_presets, load_preset


def cell(preset: str, config: str, seconds: float | None, repeat: int) -> tuple[float, float, int]:
    """Simulated seconds, best wall time of ``repeat`` runs, and the kills of the last one."""
    scenario = configure(preset, config, load_preset(preset))
    jiffies = scenario.length if seconds is None else int(seconds * HZ)
    best = float("inf")
    kills = 0
    for _ in range(repeat):
        gc.collect()  # the garbage of the cells before is not this cell's to collect
        start = time.perf_counter()
        card = run_one(scenario, scenario.spec.seed, jiffies)
        best = min(best, time.perf_counter() - start)
        kills = card["kills"]
    return jiffies / HZ, best, kills


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, help="default: each preset's length")
    parser.add_argument("--presets", help="comma-separated (default: every shipped preset)")
    parser.add_argument("--policies", help="comma-separated (default: compare's default set)")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    presets = args.presets.split(",") if args.presets else [p.key for p in list_presets()]
    configs = args.policies.split(",") if args.policies else default_configs()
    print(
        f"python {platform.python_version()} on {platform.machine()}: {len(presets)} presets × "
        f"{len(configs)} policies, "
        + ("each preset's length" if args.seconds is None else f"{args.seconds:g} simulated s")
        + f" each, best of {args.repeat}"
    )
    width = max(len(c) for c in configs)
    cells: list[tuple[float, str, str]] = []
    total = 0.0
    for preset in presets:
        print(f"{preset}:")
        for config in configs:
            seconds, wall, kills = cell(preset, config, args.seconds, args.repeat)
            total += wall
            speed = seconds / wall
            cells.append((speed, preset, config))
            print(
                f"  {config:<{width}}  {seconds:5g} s in {wall:7.3f} s  {speed:9,.0f}× real time"
                f"  {kills:6} kills"
            )
    speed, preset, config = min(cells)
    print(f"slowest cell: {preset} under {config}: {speed:,.0f}× real time")
    print(f"all {len(cells)} cells: {total:.1f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
