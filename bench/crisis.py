"""Speed in the crisis: the headless figures of issue 16's table, whole processes.

Each figure is one ``moomtui`` command run as a subprocess (start-up, preset loading and
output included), best of ``--repeat``:

1. ``moomtui run fork-bomb --for 2m`` under ``oom_score_adj`` alone (every Kconfig option
   ``m``, as ``compare`` configures it), its log to ``/dev/null``: simulated seconds per
   wall second;
2. ``moomtui compare fork-bomb --seeds 1 --jobs 1``: wall time;
3. ``moomtui run bench --for 10m``: × real time;
4. the same with 10,000 sleeping tasks (``bench-10k.toml``, as bench/memory.py writes it):
   × real time, and its cost over 3.;
5. loading ``bench-10k.toml`` (read, checked, trial boot), in the child: seconds.

``--root DIR`` (repeatable) runs the same commands on another checkout of moomtui — the
code before a change, say — so that before and after are measured in one run, side by side.

    python bench/crisis.py [--repeat 3] [--root . --root ../before] [--skip compare]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from memory import big_preset  # noqa: E402

ADJ = [
    "--set",
    "kernel.config={"
    + ", ".join(f'{o} = "m"' for o in ("CONFIG_OOM_PANIC", "CONFIG_OOM_KILL", "CONFIG_OOM_KPPID"))
    + "}",
    "--set",
    'kernel.modules=["oom_score_adj"]',
]
LOAD = """
import sys, time
from moomtui.presets import load_preset
best = float("inf")
for _ in range(5):
    start = time.perf_counter()
    load_preset(sys.argv[1])
    best = min(best, time.perf_counter() - start)
print(best)
"""


def timed(root: Path, argv: list[str], repeat: int) -> float:
    """Best wall time of ``python -m moomtui ARGV`` on the checkout at ``root``."""
    env = {**os.environ, "PYTHONPATH": str(root), "XDG_DATA_HOME": tempfile.gettempdir()}
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "moomtui", *argv],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=True,
            env=env,
            cwd=root,
        )
        best = min(best, time.perf_counter() - start)
    return best


def load_time(root: Path, preset: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-c", LOAD, str(preset)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=root,
    )
    return float(out.stdout)


def measure(root: Path, big: Path, repeat: int, skip: set[str]) -> dict[str, float]:
    figures: dict[str, float] = {}
    if "bomb" not in skip:
        wall = timed(root, ["run", "fork-bomb", "--for", "2m", *ADJ], repeat)
        figures["fork-bomb under oom_score_adj, 120 s: × real time"] = 120 / wall
        figures["… wall s"] = wall
    if "compare" not in skip:
        wall = timed(root, ["compare", "fork-bomb", "--seeds", "1", "--jobs", "1"], repeat)
        figures["compare fork-bomb --seeds 1 --jobs 1: wall s"] = wall
    if "bench" not in skip:
        small = timed(root, ["run", "bench", "--for", "10m"], repeat)
        large = timed(root, ["run", str(big), "--for", "10m"], repeat)
        figures["run bench --for 10m: × real time"] = 600 / small
        figures["run bench-10k --for 10m: × real time"] = 600 / large
        figures["10,000 extra sleepers cost (ratio)"] = large / small
    if "load" not in skip:
        figures["load bench-10k.toml: s"] = load_time(root, big)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    parser.add_argument("--root", action="append", type=Path, help="a checkout (default: .)")
    parser.add_argument("--skip", default="", help="comma-separated: bomb,compare,bench,load")
    args = parser.parse_args()
    roots = [r.resolve() for r in args.root or [ROOT]]
    skip = set(filter(None, args.skip.split(",")))
    print(
        f"python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} cores, best of {args.repeat}"
    )
    with tempfile.TemporaryDirectory() as folder:
        big = big_preset(Path(folder))
        results = {str(root): measure(root, big, args.repeat, skip) for root in roots}
    names = list(next(iter(results.values())))
    width = max(len(n) for n in names)
    print(" " * width + "  " + "  ".join(f"{Path(r).name:>12}" for r in results))
    for name in names:
        cells = "  ".join(f"{results[r][name]:12.3f}" for r in results)
        print(f"{name:<{width}}  {cells}")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
