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
5. loading ``bench-10k.toml`` (read, checked, trial boot), in the child: seconds;
6. the fork bomb at its old 300 ms pace (``fork-bomb-300ms.toml`` of bench/workloads.py,
   about a thousand OOM kills a simulated second — a stress workload, not a shipped preset)
   under ``oom_score_adj`` as in 1., 30 simulated seconds: × real time.

``--root DIR`` (repeatable) runs the same commands on another checkout of moomtui — the
code before a change, say — so that before and after are measured in one run, side by side.

Each checkout runs with its bytecode cached, as an installed package does (pip compiles
it): the children write and read it under a folder of their own (``PYTHONPYCACHEPREFIX``,
so the checkouts are not written to), and each command runs once untimed first to fill it.
``--no-cache`` runs them with ``PYTHONDONTWRITEBYTECODE=1`` instead: a checkout without a
``__pycache__`` of its own then compiles every module from source at every start.

    python bench/crisis.py [--repeat 3] [--root . --root ../before] [--skip compare,crisis]
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
from workloads import crisis_bomb  # noqa: E402

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


CACHE: Path | None = None
"""Where the children keep their bytecode, a folder per checkout (None: no cache)."""


def child_env(root: Path) -> dict[str, str]:
    """The environment of a child on the checkout at ``root``: its bytecode cache, if any."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    if CACHE is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(CACHE / str(root).strip("/").replace("/", "+"))
    return env


def timed(root: Path, argv: list[str], repeat: int) -> float:
    """Best wall time of ``python -m moomtui ARGV`` on the checkout at ``root``."""
    env = {**child_env(root), "XDG_DATA_HOME": tempfile.gettempdir()}
    best = float("inf")
    for i in range(repeat + (CACHE is not None)):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "moomtui", *argv],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=True,
            env=env,
            cwd=root,
        )
        if i or CACHE is None:  # the first run with a cache only fills it
            best = min(best, time.perf_counter() - start)
    return best


def load_time(root: Path, preset: Path) -> float:
    env = child_env(root)
    out = subprocess.run(
        [sys.executable, "-c", LOAD, str(preset)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=root,
    )
    return float(out.stdout)


def measure(root: Path, big: Path, bomb: Path, repeat: int, skip: set[str]) -> dict[str, float]:
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
    if "crisis" not in skip:
        wall = timed(root, ["run", str(bomb), "--for", "30s", *ADJ], repeat)
        figures["fork-bomb at 300 ms under oom_score_adj, 30 s: × real time"] = 30 / wall
        figures["… its wall s"] = wall
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    parser.add_argument("--root", action="append", type=Path, help="a checkout (default: .)")
    parser.add_argument(
        "--skip", default="", help="comma-separated: bomb,compare,bench,load,crisis"
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="compile every module at every start"
    )
    args = parser.parse_args()
    roots = [r.resolve() for r in args.root or [ROOT]]
    skip = set(filter(None, args.skip.split(",")))
    print(
        f"python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} cores, best of {args.repeat}, "
        + ("no bytecode cache" if args.no_cache else "bytecode cached")
    )
    global CACHE
    with tempfile.TemporaryDirectory() as folder:
        big = big_preset(Path(folder))
        bomb = crisis_bomb(Path(folder))
        if not args.no_cache:
            CACHE = Path(folder) / "pycache"
        results = {str(root): measure(root, big, bomb, args.repeat, skip) for root in roots}
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
