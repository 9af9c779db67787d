"""The modern policy's report under a fork bomb: log lines and wall time.

Runs the ``fork-bomb`` preset under ``oom_score_adj`` alone (every Kconfig option ``m``, as
``moomtui compare`` configures it), its bomb forking every 300 ms as it did when the figures
in docs/benchmarks.md were taken (the game preset's bomb is slower, so that a newcomer has
time to act), for ``--minutes`` simulated minutes and prints the kills,
the log lines, how many of them are the task table of the report before a kill (what 4.6's
``__ratelimit(&oom_rs)`` limits to ten per five seconds), the ``callbacks suppressed``
lines, and the wall time.

    python bench/oom_report.py [--minutes 2] [--seed 7]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moomtui.compare import configure
from moomtui.kernel import events as ev
from moomtui.kernel.constants import HZ
from moomtui.presets import load_preset
from moomtui.sim import Simulation

try:
    from moomtui.modules.oom_score_adj import DUMP_HEADER
except ImportError:  # pragma: no cover
    DUMP_HEADER = "[ pid ]   uid  tgid total_vm      rss swapents oom_score_adj name"


BOMB_INTERVAL = "300ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    scenario = configure("fork-bomb", "oom_score_adj", load_preset("fork-bomb"))
    for task in scenario.spec.tasks:
        if task.program == "forkbomb":
            task.args = {**task.args, "interval": BOMB_INTERVAL}
    counts = {"kills": 0, "lines": 0, "table lines": 0, "reports": 0, "suppressed lines": 0}
    in_table = False

    def count(event: ev.Event) -> None:
        nonlocal in_table
        if isinstance(event, ev.OomKill):
            counts["kills"] += 1
        elif isinstance(event, ev.Printk):
            counts["lines"] += 1
            if event.text == DUMP_HEADER:
                counts["reports"] += 1
                in_table = True
            elif not event.text.startswith("["):
                in_table = False
            if in_table:
                counts["table lines"] += 1
            if event.text.endswith("callbacks suppressed"):
                counts["suppressed lines"] += 1

    bus = ev.EventBus()
    bus.subscribe(count)
    sim = Simulation(scenario, seed=args.seed, bus=bus)
    start = time.perf_counter()
    sim.run_for(int(args.minutes * 60 * HZ))
    wall = time.perf_counter() - start
    print(
        f"python {platform.python_version()} on {platform.machine()}: fork-bomb under "
        f"oom_score_adj, {args.minutes:g} simulated minutes, seed {args.seed}"
    )
    for name, value in counts.items():
        print(f"{name:>17}: {value:,}")
    print(f"{'wall time':>17}: {wall:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
