"""Start-up: time to the first frame, ``moomtui --help``, and importing the kernel alone.

1. First frame: a fresh interpreter loads the default preset, builds the app as
   ``moomtui`` does and runs it headless (``App.run_test``, 200×60) until the screen is
   first painted; measured from just before the process is started to that paint (both
   sides read the system-wide monotonic clock). Also the first refresh by the frame timer.
2. ``moomtui --help``: the whole command in a fresh interpreter, next to ``python -c pass``
   (the floor any Python command pays).
3. ``import moomtui.kernel`` in a fresh interpreter: its wall time over ``python -c pass``
   and the cumulative import time ``python -X importtime`` reports; and a check that
   neither Textual nor Rich was imported (by the kernel, the policies or a headless run).

Best of ``--repeat`` for each.

    python bench/startup.py [--repeat 10]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FIRST_FRAME = """
import asyncio, sys, time
from pathlib import Path
started = time.monotonic()
from moomtui.presets import DEFAULT_PRESET, load_preset
from moomtui.sim import Simulation
from moomtui.tui.app import MoomApp
imported = time.monotonic()
app = MoomApp(Simulation(load_preset(DEFAULT_PRESET)), history_path=Path(sys.argv[1], "history"))
built = time.monotonic()
painted = []
display = app._display

def first_paint(screen, renderable):
    if renderable is not None and not painted:
        painted.append(time.monotonic())
    return display(screen, renderable)

app._display = first_paint

async def main():
    async with app.run_test(size=(200, 60)) as pilot:
        while not painted or app.frames < 1:
            await asyncio.sleep(0.001)
        refreshed = time.monotonic()
        print(started, imported, built, painted[0], refreshed)

asyncio.run(main())
"""

UI_CHECK = """
import sys
import {module}
ui = sorted({{m.split(".")[0] for m in sys.modules}} & {{"textual", "rich"}})
print(",".join(ui) or "none")
"""


def env(tmp: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "XDG_DATA_HOME": tmp,
        "XDG_CONFIG_HOME": tmp,
    }


def wall(argv: list[str], environ: dict[str, str], repeat: int) -> float:
    """Best wall time of running ``argv`` (s)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, env=environ, check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def first_frame(environ: dict[str, str], tmp: str, repeat: int) -> list[float]:
    """Best of: process start → imports done, app built, first paint, first frame refresh."""
    best: list[float] | None = None
    for _ in range(repeat):
        start = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-c", FIRST_FRAME, tmp],
            env=environ,
            check=True,
            capture_output=True,
            text=True,
        )
        marks = [float(x) - start for x in proc.stdout.split()]
        if best is None or marks[3] < best[3]:
            best = marks
    assert best is not None
    return best


def import_time(module: str, environ: dict[str, str]) -> int:
    """Cumulative microseconds ``python -X importtime`` gives ``module``."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        env=environ,
        check=True,
        capture_output=True,
        text=True,
    )
    for line in proc.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)$", line)
        if match and match.group(3) == module and not match.group(2):
            return int(match.group(1))
    raise AssertionError(f"{module} not in the -X importtime output")


def ui_modules(module: str, environ: dict[str, str]) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", UI_CHECK.format(module=module)],
        env=environ,
        check=True,
        capture_output=True,
        text=True,
    )
    return proc.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="best of N")
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, best of {args.repeat}")
    with tempfile.TemporaryDirectory() as tmp:
        environ = env(tmp)
        floor = wall([sys.executable, "-c", "pass"], environ, args.repeat)
        print(f"python -c pass:              {floor * 1000:7.1f} ms")
        imported, built, painted, refreshed = first_frame(environ, tmp, args.repeat)[1:]
        print(
            f"first frame (default preset): {painted * 1000:7.1f} ms "
            f"(imports done {imported * 1000:.0f} ms, app built {built * 1000:.0f} ms, "
            f"first frame timer refresh {refreshed * 1000:.0f} ms)"
        )
        helped = wall([sys.executable, "-m", "moomtui", "--help"], environ, args.repeat)
        print(
            f"moomtui --help:              {helped * 1000:7.1f} ms "
            f"({(helped - floor) * 1000:.1f} ms over python -c pass)"
        )
        kernel = wall([sys.executable, "-c", "import moomtui.kernel"], environ, args.repeat)
        cumulative = min(import_time("moomtui.kernel", environ) for _ in range(args.repeat))
        print(
            f"import moomtui.kernel:       {kernel * 1000:7.1f} ms "
            f"({(kernel - floor) * 1000:.1f} ms over python -c pass; "
            f"-X importtime cumulative {cumulative / 1000:.1f} ms)"
        )
        for module in ("moomtui.kernel", "moomtui.modules", "moomtui.headless"):
            print(f"UI modules imported by {module + ':':<18} {ui_modules(module, environ)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
